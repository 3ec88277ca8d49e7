"""What a domain's catalog can answer, and its best-loved items.

Code owns facts, so it must also know which facts it does not have: a request for books
under £10 cannot be honoured when no book has a price, and chatrec says so instead of
pretending. A request that states no taste ("any good movie") gets the domain's
best-loved items: many ratings, well rated.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field
from wordfreq import zipf_frequency

from chatrec.models import Constraints, Item
from chatrec.pipeline.parse import everyday

# wordfreq: a word rarer than this names a thing a search by meaning can miss ("chess", "whales", "lego": *Searching for
# Bobby Fischer* was not among the 50 films nearest "a movie about chess"); "boxing", "dragons" are rarer, "train" not
TOPIC_ZIPF = 4.5
_WORD = re.compile(r"[^\W\d_]{3,}")
Fact = Literal["price", "year", "age", "mood"]  # mood: tags, which say an item is sad or dark
TAG_FLOOR = 3  # items a tag must be on to be looked for in requests ("twist ending", "time travel"; 丧尸 for "zombie")


class CatalogFacts(BaseModel):
    domain: str
    items: int
    checkable: set[Fact]
    loved: list[Item] = Field(repr=False)  # the best-loved items, best first, to pick from under constraints
    currency: str | None = Field(None, description="The currency most of the priced items are in ('GBP').")
    old_until: int | None = Field(None, description="The year three quarters of the dated items are newer than: what an 'old "
                                  "film' is made by (1988 for the demo films).")
    years: tuple[int, int] | None = Field(None, description="The oldest and newest years of the dated items.")
    common_tags: frozenset[str] = Field(default_factory=frozenset, repr=False, description="Tags (casefolded) at least TAG_FLOOR "
                                        "items carry: a request naming one prefers them.")
    names: frozenset[str] = Field(default_factory=frozenset, repr=False, description="Words (casefolded) the descriptions write "
                                  "capitalised inside a sentence nearly always: names ('vietnam', 'jenny'), even written in lower case.")
    ranked: list[str] = Field(default_factory=list, repr=False, description="Every item's id, best-loved first.")
    mentions: dict[str, list[int]] = Field(default_factory=dict, repr=False, description="Each rare word (see TOPIC_ZIPF) of the "
                                           "titles, descriptions and tags: the items that write it, as places in ``ranked``.")

    @property
    def tag_phrases(self) -> frozenset[str]:
        """The common tags of two words or more ('twist ending'), which an English request names only meaning them
        (too many everyday words are one-word tags: 'love', 'future')."""
        return frozenset(t for t in self.common_tags if len(t.split()) >= 2)

    @cached_property
    def tag_forms(self) -> dict[str, list[str]]:
        """The one-word common tags as a request writes them, each form with the tags it stands for ("zombies":
        zombie, zombies): a request that rules one out names it ("no zombies"); not everyday words ("love", "future")."""
        tags = {t for t in self.common_tags if " " not in t and not everyday(t)}
        forms = {f: t for t in tags for f in (t, f"{t}s", t.removesuffix("s")) if len(f) >= 3}
        return {f: sorted({t, f"{t}s", t.removesuffix("s")} & tags) for f, t in forms.items()}

    @property
    def best_loved(self) -> list[str]:
        return [it.id for it in self.loved]

    def best_loved_meeting(self, constraints: Constraints, n: int,
                           ages: Callable[[Item], tuple[int, int] | None] = Item.age_range) -> list[str]:  # fmt: skip
        """The ``n`` best-loved items that meet ``constraints`` ("a funny film from the 80s": the best-loved 80s comedies),
        those with more of the asked genres first ("a horror comedy": horror comedies before the best-loved comedies),
        then those tagged with more of the moods asked ("a sad film": the best-loved films tagged sad), then, with an
        age asked, those whose ``ages`` include it before those that say nothing, and those for other ages last ("a toy
        for my 2 year old" had listed Hama beads and Trivial Pursuit)."""
        def fit(it: Item) -> float:
            span = ages(it) if constraints.age is not None else None
            return 0.5 if span is None else float(span[0] <= (constraints.age or 0) <= span[1])

        admitted = sorted((it for it in self.loved if constraints.admits(it)),
                          key=lambda it: (-constraints.genre_share(it), -constraints.mood_share(it), -fit(it)))
        return [it.id for it in admitted][:n]

    def mentioning(self, topics: Sequence[set[str]], n: int) -> list[str]:
        """The ``n`` items whose words hold the most of ``topics`` (each a word's forms, see :func:`forms`), best-loved
        first among equals."""
        held = collections.Counter(at for t in topics for at in {at for f in t for at in self.mentions.get(f, ())})
        return [self.ranked[at] for at in sorted(held, key=lambda at: (-held[at], at))[:n]]

    @classmethod
    def of(cls, domain: str, items: Sequence[Item], share: float = 0.2, top: int = 3000) -> CatalogFacts:
        """Facts at least ``share`` of the items carry count as checkable (an age range: any item stating one)."""
        n = max(1, len(items))
        checkable: set[Fact] = {f for f, count in (("price", sum(it.price is not None for it in items)),
                                                   ("year", sum(it.year is not None for it in items)),
                                                   ("mood", sum(bool(it.tags) for it in items))) if count / n >= share}  # fmt: skip
        if any(it.age_range() is not None for it in items):
            checkable.add("age")
        currencies = collections.Counter(str(it.extra["currency"]) for it in items if it.price is not None and it.extra.get("currency"))
        years = sorted(it.year for it in items if it.year is not None)
        tags = collections.Counter(t for it in items for t in {t.casefold() for t in it.tags})
        ranked = sorted(items, key=_loved)
        return cls(domain=domain, items=len(items), checkable=checkable, loved=ranked[:top], ranked=[it.id for it in ranked],
                   currency=currencies.most_common(1)[0][0] if currencies else None, old_until=years[len(years) // 4] if years else None,
                   years=(years[0], years[-1]) if years else None, common_tags=frozenset(t for t, n in tags.items() if n >= TAG_FLOOR),
                   names=_names(items), mentions=_mentions(ranked))


def item_words(item: Item) -> set[str]:
    """The words (casefolded) of an item's title, description and tags: what it can be said to mention."""
    return set(_WORD.findall(" ".join([item.title, item.description, *item.tags]).casefold()))


def forms(word: str) -> set[str]:
    """A word's singular and plural ("whales": whale, whales; "chess" as it is), for a whole-word match: "bees" must
    not find "beer"."""
    stems = {word, word[:-1], word[:-2]} if word.endswith("s") and not word.endswith("ss") else {word}  # boxes: box
    return {f for s in stems for f in (s, f"{s}s", f"{s}es") if len(f) >= 3}


def _mentions(items: Sequence[Item]) -> dict[str, list[int]]:
    """Each rare word with the places in ``items`` of those that write it; a word is looked up once."""
    out: dict[str, list[int]] = collections.defaultdict(list)
    for at, it in enumerate(items):
        for w in item_words(it):
            out[w].append(at)
    return {w: ids for w, ids in out.items() if zipf_frequency(w, "en") < TOPIC_ZIPF}


# A word inside a sentence: after a lower-case word, a comma or a semicolon and a space
_INNER_WORD = re.compile(r"(?<=[a-z,;] )([A-Za-z]{3,})")  # not "T" of "the T-800"


def _names(items: Sequence[Item]) -> frozenset[str]:
    """Words the descriptions write capitalised inside a sentence at least three times, and in lower case at most a
    tenth as often: names ("Vietnam", "Jenny"), not words ("War", "The" in titles)."""
    upper, lower = collections.Counter[str](), collections.Counter[str]()
    for it in items:
        for word in _INNER_WORD.findall(it.description):
            (upper if word[0].isupper() else lower)[word.casefold()] += 1
    return frozenset(w for w, n in upper.items() if n >= 3 and n >= 10 * lower[w])


def _loved(item: Item) -> float:
    """Smaller is better: a Bayesian-shrunk rating times how many people rated it (log scale)."""
    count = item.popularity or 0.0
    rating = ((item.rating or 0.0) * count + 3.0 * 10) / (count + 10)
    return -rating * math.log1p(count)
