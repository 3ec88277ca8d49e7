"""Stage 2: Intent → candidate items from the vector store.

Every hard constraint is checked exactly, in Python (exclusions above all), together with the
session's rejected and already-shown items. A constrained request first searches three pools'
worth without a filter (a filtered search costs four times as much); only if that leaves too
few, range constraints and wanted genres go to the store as metadata filters, and the pool is
widened once before giving up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from wordfreq import zipf_frequency

from chatrec.catalog.facts import TOPIC_ZIPF
from chatrec.catalog.store import SearchHit, VectorStore
from chatrec.models import Constraints, Intent, Item, genre_key
from chatrec.pipeline.grounding import facts_text
from chatrec.pipeline.parse import is_chinese

# "Python", "Murakami", "C++", "C#" (a Chinese word may touch it: "Python编程"; an accented letter may not: "Amélie")
_TERM = re.compile(r"(?<![A-Za-z0-9+#À-ÿ])(?:[A-Za-z][A-Za-z0-9]+(?:\+\+|#)?|[A-Za-z](?:\+\+|#))(?![A-Za-z0-9À-ÿ])")
_COMMON_ZIPF = 4.0  # wordfreq: a word this common ("Something", "Christmas", "War") names no particular topic
# A request names a topic or two in a few words (see topic_words): on ReDial's tuning half, each turn's conversation as
# one request, taking every rare word took R@10 from 0.211 to 0.190 (bench/redial.py --split tune, the topic signal at
# 0.35); at most two, 0.195; and none from a message of more than 20 words, 0.209.
TOPIC_MOST, TOPIC_WORDS = 2, 20


class Candidate(BaseModel):
    """An admissible item with its similarity to the request and its vector, from one search."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: Item
    similarity: float
    vector: np.ndarray | None = Field(None, repr=False)
    near: bool = Field(False, description="Among the items nearest the request in the whole catalog, before any constraint.")


def where_filter(c: Constraints) -> dict[str, Any] | None:
    """The part of the constraints a Chroma ``where`` can express."""
    clauses: list[dict[str, Any]] = []
    for field, op, value in (("year", "$gte", c.year_min), ("year", "$lte", c.year_max),
                             ("price", "$gte", c.price_min), ("price", "$lte", c.price_max)):  # fmt: skip
        if value is not None:
            clauses.append({field: {op: value}})
    wanted = [{genre_key(g): True} for g in c.include_genres]
    if len(wanted) == 1:
        clauses.append(wanted[0])
    elif wanted:
        clauses.append({"$or": wanted})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    def __init__(self, store: VectorStore, pool: int = 50, query_chars: int = 300) -> None:
        self.store = store
        self.pool = pool
        self.query_chars = query_chars

    def __call__(
        self, intent: Intent, exclude_ids: set[str], query_vector: np.ndarray | None = None, need: int = 10, also: Sequence[str] = (),
        reject: Callable[[Item], bool] | None = None,
    ) -> list[Candidate]:  # fmt: skip
        """Admissible candidates, nearest first. ``query_vector`` replaces the text query ("more like this");
        ``also`` names items to consider as well (e.g. collaborative picks), if they pass the same checks;
        ``reject`` rules out more (what no children's list may carry)."""
        domain = intent.domain or ""
        # The request's gist is at its start; embedding cost grows with length (quadratically
        # past a few hundred tokens), so a pasted essay must not cost seconds per turn.
        # Embedded once, whatever the number of searches below.
        query = query_vector if query_vector is not None else self.store.embed_query(intent.query[: self.query_chars])
        where = where_filter(intent.constraints)

        nearest: set[str] = set()  # ids a search without a filter found

        def admissible(hits: list[SearchHit]) -> list[Candidate]:
            return [Candidate(item=h.item, similarity=h.similarity, vector=h.vector, near=h.item.id in nearest) for h in hits
                    if h.item.id not in exclude_ids and intent.constraints.admits(h.item) and not (reject and reject(h.item))]  # fmt: skip

        out: list[Candidate] = []
        if where is not None:  # a plain search three times as wide is about 8 ms, a filtered one 34 (9,000 films, 2 cores)
            hits = self.store.search(domain, query, self.pool * 3 + len(exclude_ids))
            nearest |= {h.item.id for h in hits}
            out = admissible(hits)[: self.pool + len(exclude_ids)]
        for k in (self.pool, self.pool * 6) if len(out) < max(need, self.pool) else ():
            hits = self.store.search(domain, query, k + len(exclude_ids), where)
            if where is None:
                nearest |= {h.item.id for h in hits}
            out = admissible(hits)
            if len(out) >= need or len(hits) < k:
                break
        seen = {c.item.id for c in out}
        if wanted := [i for i in dict.fromkeys(also) if i not in seen and i not in exclude_ids]:
            out += admissible(self.looked_up(domain, query, wanted))
        return out

    def looked_up(self, domain: str, query: np.ndarray, ids: Sequence[str]) -> list[SearchHit]:
        """Named items as hits, nearest first, without a search: fetched by id, with the cosine similarity
        (the collection's metric) computed here. A filtered vector search cost about 35 ms a turn; the
        metadata filter is not needed, since every candidate's constraints are checked in Python."""
        vectors = self.store.vectors(domain, ids)
        q = np.asarray(query, np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        hits = [SearchHit(item=it, similarity=float(v @ q) / max(float(np.linalg.norm(v)), 1e-12), vector=v)
                for it in self.store.get(domain, ids) if (v := vectors.get(it.id)) is not None]  # fmt: skip
        return sorted(hits, key=lambda h: -h.similarity)


def unmatched_terms(query: str, pool: Sequence[Item], known: Callable[[str], bool]) -> list[str]:
    """The request's names of a topic that no item of ``pool`` mentions ("Python" when the catalog has programming
    books but none on Python), so the nearest matches are not passed off as what was asked. A name is a rare word
    written with a capital (any Latin word in a Chinese request, "C++", "C#"), not one ``known`` (asked in lower
    case) says the reading handles: the lexicon's words, the titles it linked. Lower-case words and moods ("light",
    "cozy") are left alone, being what a search by meaning is for."""
    chinese = is_chinese(query)
    coded = [t for t in dict.fromkeys(m.group() for m in _TERM.finditer(query)) if not known(t.casefold())]
    terms = [t for t in coded if t.endswith(("++", "#")) or ((chinese or t[0].isupper()) and zipf_frequency(t.casefold(), "en") < _COMMON_ZIPF)]
    if not terms or not pool:
        return []
    facts = " ".join(facts_text(it) for it in pool)
    return [t for t in terms if not re.search(rf"(?<![a-z0-9+#]){re.escape(t.casefold())}(?![a-z0-9+#])", facts)]


def topic_words(query: str, known: Callable[[str], bool], most: int = TOPIC_MOST) -> list[str]:
    """The request's words (casefolded) that name a thing a search by meaning can miss: rare ones (see
    :data:`~chatrec.catalog.facts.TOPIC_ZIPF`: "chess", "whales", "lego"), not those ``known`` says the reading
    handles (the lexicon's words, the titles it linked) nor a contraction's ("haven't"). Latin letters only: the
    catalogs are written in English. None when there are more than ``most`` or the request is long: a request names a
    thing or two, a conversation's rare words are talk (typos, names, a title not linked)."""
    words = [m.group().casefold() for m in _TERM.finditer(query) if not query.startswith(("'", "’"), m.end())]
    if len(words) > TOPIC_WORDS:
        return []
    rare = [w for w in dict.fromkeys(words) if len(w) >= 3 and w.isalpha() and not known(w) and zipf_frequency(w, "en") < TOPIC_ZIPF]
    return rare if len(rare) <= most else []
