"""Typed records that cross module boundaries."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from chatrec.llm.meter import LLMCall

Scalar = str | int | float | bool
Language = Literal["en", "zh"]
LANGUAGES: tuple[str, ...] = get_args(Language)  # the languages chatrec reads and answers in


_PERSON = re.compile(r"[^\W\d_][\w.'’ -]*[^\W\d_]")  # a name among an item's extra facts, not an id
_AGE_SPAN = re.compile(r"(?<![\d.:])(?<!\d/)(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s*(?:years?|yrs?)(?!\w)|ages?\s*(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})")
_AGE_PLUS = re.compile(r"ages?\s*(\d{1,2})\s*\+|(?<![\d.:/])(\d{1,2})\s*\+\s*(?:years?|yrs?)")


def genre_key(genre: str) -> str:
    """The boolean metadata key that marks an item as having ``genre`` (for store filters)."""
    return "g_" + re.sub(r"[^a-z0-9]+", "_", genre.casefold()).strip("_")


class Item(BaseModel):
    """One catalog entry. Code, not the model, owns these facts."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    genres: list[str] = Field(default_factory=list, description="Genres or categories.")
    year: int | None = Field(None, ge=1000, le=2100)
    authors: list[str] = Field(default_factory=list, description="Authors, directors or makers.")
    price: float | None = Field(None, ge=0)
    tags: list[str] = Field(default_factory=list)
    rating: float | None = None
    popularity: float | None = Field(None, ge=0, description="A count (ratings, reviews) usable as a prior.")
    extra: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("id", "title", "domain")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    def age_range(self) -> tuple[int, int] | None:
        """The ages the item says it is for ("Age 8+", "3-6 years", "7-8yrs"), if it says so."""
        text = f"{self.title} {' '.join(self.tags)}".casefold()
        if m := _AGE_SPAN.search(text):
            low, high = [int(g) for g in m.groups() if g]
            return low, high
        if m := _AGE_PLUS.search(text):
            return int(next(g for g in m.groups() if g)), 99
        return None

    def chinese_titles(self) -> list[str]:
        """The titles a Chinese message or reason may name the item by (``extra.title_zh``, several split by "/")."""
        value = self.extra.get("title_zh")
        return [t.strip() for t in value.split("/") if t.strip()] if isinstance(value, str) else []

    def people(self) -> list[str]:
        """Its makers and the names among its extra facts ("Tom Hanks, Robin Wright" of its stars; not "tt0114709")."""
        extra = [p.strip() for v in self.extra.values() if isinstance(v, str) for p in v.split(",") if _PERSON.fullmatch(p.strip())]
        return [*self.authors, *extra]

    def content_hash(self) -> str:
        """Stable digest of every field: a changed row gets a new hash and is re-upserted."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:32]

    def to_metadata(self) -> dict[str, Scalar]:
        """Flat metadata for a vector store: scalar filter fields plus the full record as JSON."""
        meta: dict[str, Scalar] = {"title": self.title, "item": self.model_dump_json()}
        meta.update({genre_key(g): True for g in self.genres})
        if self.year is not None:
            meta["year"] = self.year
        if self.price is not None:
            meta["price"] = self.price
        return meta

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> "Item":
        return cls.model_validate(json.loads(str(meta["item"])))


Action = Literal["recommend", "refine", "more_like", "ask_item", "feedback", "chitchat"]


class Ranges(BaseModel):
    """Year and price bounds (None: no bound)."""

    year_min: int | None = None
    year_max: int | None = None
    price_min: float | None = None
    price_max: float | None = None


class Constraints(Ranges):
    """Hard constraints: enforced by code on every candidate, whatever the model says."""

    include_genres: list[str] = Field(default_factory=list)
    exclude_genres: list[str] = Field(default_factory=list)
    blend: bool | None = Field(None, description="The genres included were asked as one kind ('a horror comedy'): items "
                               "with all of them lead (the constraint still admits any of them).")  # fmt: skip
    audience: Literal["children", "adults"] | None = None
    age: int | None = Field(None, ge=0, le=120, description="The child's age: items that state an age range must include it.")
    exclude_moods: dict[str, list[str]] = Field(default_factory=dict, description="Moods ruled out ('nothing too sad'), each "
                                                "with the catalog tags that mark it: an item with one of them is out.")  # fmt: skip
    exclude_words: dict[str, list[str]] = Field(default_factory=dict, description="Things ruled out in the person's words "
                                                "('no zombies', '不要丧尸'), each with the catalog's words for it: an item whose "
                                                "title, tags or description has one is out (the tags alone are too sparse).")  # fmt: skip
    want_moods: dict[str, list[str]] = Field(default_factory=dict, description="Moods asked for ('a sad film to cry to'), "
                                             "each with the catalog tags that mark it: items so tagged are preferred, "
                                             "not required (the tags are sparse).")  # fmt: skip

    def merged(self, newer: "Constraints") -> "Constraints":
        """``newer`` refines ``self``: its numbers win, exclusions accumulate, inclusions replace."""
        data = self.model_dump()
        for field, value in newer.model_dump().items():
            if field == "exclude_genres":
                data[field] = list(dict.fromkeys([*data[field], *value]))
            elif field in ("exclude_moods", "want_moods", "exclude_words"):
                data[field] = {**data[field], **value}
            elif value not in (None, []):
                data[field] = value
        if newer.include_genres:  # a new genre request is a blend or not by its own words
            data["blend"] = newer.blend
        data["include_genres"] = [g for g in data["include_genres"] if g not in data["exclude_genres"]]
        for low, high in (("year_min", "year_max"), ("price_min", "price_max")):  # "要2000年以后的" after "九十年代的":
            if data[low] is not None and data[high] is not None and data[low] > data[high]:  # the new bound wins
                data[high if getattr(newer, low) is not None else low] = None
        data["want_moods"] = {m: tags for m, tags in data["want_moods"].items() if m not in newer.exclude_moods}  # "not so sad"
        data["exclude_moods"] = {m: tags for m, tags in data["exclude_moods"].items() if m not in newer.want_moods}
        return Constraints.model_validate(data)

    def admits(self, item: Item) -> bool:
        genres = {g.casefold() for g in item.genres}
        if genres & {g.casefold() for g in self.exclude_genres}:
            return False
        if self.include_genres and not genres & {g.casefold() for g in self.include_genres}:
            return False
        if self.year_min is not None and (item.year is None or item.year < self.year_min):
            return False
        if self.year_max is not None and (item.year is None or item.year > self.year_max):
            return False
        if self.price_min is not None and (item.price is None or item.price < self.price_min):
            return False
        if self.price_max is not None and (item.price is None or item.price > self.price_max):
            return False
        if self.age is not None and (ages := item.age_range()) is not None and not ages[0] <= self.age <= ages[1]:
            return False
        if self.exclude_moods and {t.casefold() for t in item.tags} & {t for ts in self.exclude_moods.values() for t in ts}:
            return False
        return not (self.exclude_words and self._ruled_out_words().search(f"{item.title} {' '.join(item.tags)} {item.description}"))

    def _ruled_out_words(self) -> re.Pattern[str]:
        words = sorted({w for ws in self.exclude_words.values() for w in ws}, key=len, reverse=True)
        return re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})s?\b", re.IGNORECASE)  # re caches the compiled pattern

    def genre_share(self, item: Item) -> float:
        """The share of a blend of genres ``item`` has: a film a "horror comedy" request admits for being a comedy has
        half of what was asked (1.0 when no blend was asked: "horror or comedy" asks for either)."""
        if not self.blend or not self.include_genres:
            return 1.0
        genres = {g.casefold() for g in item.genres}
        return sum(g.casefold() in genres for g in self.include_genres) / len(self.include_genres)

    def mood_share(self, item: Item) -> float:
        """The share of the moods asked for that ``item``'s tags mark it with (1.0 when none was asked)."""
        if not self.want_moods:
            return 1.0
        tags = {t.casefold() for t in item.tags}
        return sum(bool(tags & set(marks)) for marks in self.want_moods.values()) / len(self.want_moods)

    def describe(self) -> list[str]:
        """Short human-readable chips, e.g. ['no Horror', 'after 2000', 'up to 15']."""
        out = [f"no {g}" for g in self.exclude_genres] + [f"not {m}" for m in self.exclude_moods] + [f"no {w}" for w in self.exclude_words]
        out += list(self.include_genres)
        out += list(self.want_moods)
        if self.year_min and self.year_max:
            out.append(f"{self.year_min}–{self.year_max}")
        elif self.year_min:
            out.append(f"from {self.year_min}")
        elif self.year_max:
            out.append(f"up to {self.year_max}")
        if self.price_max is not None:
            out.append(f"price ≤ {self.price_max:g}")
        if self.price_min is not None:
            out.append(f"price ≥ {self.price_min:g}")
        if self.audience:
            out.append(f"for {self.audience}")
        if self.age is not None:
            out.append(f"age {self.age}")
        return out


Relative = Literal["cheaper", "pricier", "newer", "older"]


class Exchange(BaseModel):
    """A price asked in another currency than the catalog's, read in the catalog's (and told)."""

    asked: str = Field(description="The currency the person named (ISO code: 'CNY').")
    catalog: str = Field(description="The catalog's currency ('GBP').")
    price_min: float | None = Field(None, description="The lower bound as asked, in the asked currency.")
    price_max: float | None = Field(None, description="The upper bound as asked, in the asked currency.")
    rate: float | None = Field(description="Catalog units to one asked unit; None: no rate is set, so the amounts were read as they stand.")
    told: bool = Field(False, description="Said in an earlier reply: a follow-up keeps the reading without saying it again.")


class Edge(BaseModel):
    """Years asked that the catalog has none of, moved to its edge and told ("films from 2022" of a catalog ending in
    2018 had found nothing): the catalog's newest year (or oldest)."""

    newest: bool
    year: int
    asked: tuple[int | None, int | None] = Field(description="The years as asked (from, to).")


class Comparison(BaseModel):
    """A question that compares two shown picks by price or year ("is the first one cheaper than the second?",
    "第一个比第二个便宜吗"): code answers it from the catalog."""

    other: int = Field(description="1-based position of the pick ``Intent.reference`` is compared with; -1 = last.")
    by: Relative


class Intent(BaseModel):
    """What a message asks for, after code has checked what the model proposed."""

    action: Action = "recommend"
    scenario: str | None = None
    domain: str | None = None
    query: str = ""
    constraints: Constraints = Field(default_factory=Constraints)
    reference: int | None = Field(None, description="1-based position in the last list ('the second one'); -1 = last.")
    anchor_id: str | None = Field(None, description="Catalog id of an item to find more like (shown or named).")
    earlier: list[str] = Field(default_factory=list, description="The person's earlier messages of the request this follow-up "
                               "refines (Session.asked): its reasons answer them too.")
    comparison: Comparison | None = None
    pointed_id: str | None = Field(None, description="Catalog id of the shown item ``reference`` resolved to, when the person "
                                   "asks for more like it or likes it (not one they reject: the reasons would talk of it).")
    liked_ids: list[str] = Field(default_factory=list)
    rejected_ids: list[str] = Field(default_factory=list)
    language: Language = "en"
    used_llm: bool = False
    open_request: bool = Field(False, description="The request states no taste: the domain's best-loved items come first.")
    ruled_out: list[str] = Field(default_factory=list, description="Genres the person has ruled out in their own words in "
                                 "this domain (not a scenario's defaults): a new request in the session keeps these.")
    unchecked: list[Literal["price", "year", "age", "length", "mood"]] = Field(
        default_factory=list, description="What the person asked for that this domain's catalog cannot check (dropped, and told)."
    )
    fallback: Constraints | None = Field(
        None, description="Looser bounds for a relative refinement that finds nothing: cheaper than the dearest pick shown, not the cheapest."
    )
    loosened: list[Relative] = Field(default_factory=list, description="Relative refinements the fallback loosened (and told).")
    unmatched: list[str] = Field(default_factory=list, description="Names the request gives that nothing found mentions (told).")
    exchange: Exchange | None = None
    edge: Edge | None = None


class Recommendation(BaseModel):
    """A pick: the catalog item it is, its score, each signal's share of it and why it was picked."""

    item: Item
    score: float
    reason: str
    signals: dict[str, float] = Field(default_factory=dict, description="Weighted contribution of each signal to score.")
    item_id: str = Field("", description="The item's id, title and domain, always those of ``item``.")
    title: str = ""
    domain: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_flat(cls, data: Any) -> Any:
        """Read picks stored before ``item`` existed (id, title, domain and a metadata dict)."""
        if isinstance(data, dict) and "item" not in data and "metadata" in data:
            meta = dict(data["metadata"])
            fields = {k: meta.pop(k) for k in ("genres", "year", "authors", "price", "tags", "rating", "popularity", "description")
                      if k in meta}  # fmt: skip
            meta.pop("price_text", None)
            item = {"id": data["item_id"], "title": data["title"], "domain": data["domain"], **fields, "extra": meta}
            data = {**data, "item": item}
        return data

    @model_validator(mode="after")
    def _names_from_item(self) -> Recommendation:
        self.item_id, self.title, self.domain = self.item.id, self.item.title, self.item.domain
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def metadata(self) -> dict[str, Any]:
        """The facts a client shows on the card (see :func:`chatrec.present.card_metadata`)."""
        from chatrec.present import card_metadata

        return card_metadata(self.item)


class Reply(BaseModel):
    session_id: str
    text: str
    items: list[Recommendation] = Field(default_factory=list)
    intent: Intent
    notices: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(
        default_factory=dict,
        description="Seconds from the start of the turn: understood, cards, reranked, first_text, done.",
    )
    llm_calls: list[LLMCall] = Field(default_factory=list, description="Every model call of the turn, with its tokens.")
    sentences: dict[str, int] = Field(
        default_factory=dict, description="The model's sentences about the picks: checked, dropped (failed the check), cut, shown, retitled (opened "
        "with a Chinese title of the model's own, given the pick's catalog title)."
    )


# ---- a turn as a stream of events (``ChatRec.events``) ---------------------------------


class Understood(BaseModel):
    """What the message was taken to mean, before anything is searched."""

    kind: Literal["understood"] = "understood"
    intent: Intent


class Cards(BaseModel):
    """The picks, constraint-checked and fused from every signal, before the model writes a word."""

    kind: Literal["cards"] = "cards"
    items: list[Recommendation]
    rerank_pending: bool = Field(False, description="The model is about to re-rank these (a Reranked event may follow).")


class Reranked(BaseModel):
    """The model's re-rank changed the picks: show these instead (at most once a turn)."""

    kind: Literal["reranked"] = "reranked"
    items: list[Recommendation]


class TextDelta(BaseModel):
    """The next piece of the reply text."""

    kind: Literal["text"] = "text"
    text: str


class Done(BaseModel):
    """The whole reply, as stored in the session."""

    kind: Literal["done"] = "done"
    reply: Reply


TurnEvent = Annotated[Understood | Cards | Reranked | TextDelta | Done, Field(discriminator="kind")]
