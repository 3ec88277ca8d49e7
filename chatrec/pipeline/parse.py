"""Deterministic reading of a message: decades, years, prices, ages, genre words, cues.

A small model reads intent loosely but gets numbers wrong ("九十年代" → 1980–1990) and
over-fills lists; these parsers own the facts and win wherever they find something.
English and Chinese; the word lists live in ``prompts/lexicon.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from wordfreq import zipf_frequency

from chatrec.models import Item, Ranges, Relative

_CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1}
_EN_DECADES = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
               "seventies": 1970, "eighties": 1980, "nineties": 1990}  # fmt: skip
_UNIT_EN = r"(?:pounds?|quid|dollars?|euros?|bucks|gbp|usd|eur|yuan|rmb)"
_UNIT_ZH = r"(?:元|块钱|块|英镑|镑|美元|欧元)"
_CUR = r"[£$€¥]"
_NUM = r"(\d+(?:\.\d+)?)"
_BLEND_GAP = re.compile(r"[\s/-]*")  # between genre words named as one kind: "horror comedy", "sci-fi/thriller", "科幻惊悚"
_ZH_BOUND = re.compile(r"不(?:超过|超出|到|少于|低于|高于|大于|小于|多于|晚于|早于)")
_FILLER = {"any", "a", "an", "the", "very", "really"}  # words a negation reaches past: "doesn't involve any graphic or violent"
# How often a word is written in English (wordfreq's Zipf scale: 6 is once in a thousand words): this often, it is an
# everyday word whatever its case ("love", "night", "world"), so it names no title and states no taste ("let me see").
_EVERYDAY_ZIPF = 5.5
_DEGREE = (r"(?:too|so|very|overly|really|super|that|that's|which|is|are|was|anything|something|at\s+all|remotely|want|wanna|need|"
           r"like|feel\s+like|watch|read|see|in\s+the\s+mood\s+for)")  # words between a negation and a mood it rules out
_CONTRACTION = re.compile(r"['’](?:s|ve|re|ll|d|m|t)\b")  # "what's", "I've seen those": no word of taste
_NUMBER_WORD = re.compile(r"[£$€¥]?\d+(?:\.\d+)?(?:s\b|['’]?s\b)?|['’]\d0s\b|[一二三四五六七八九十]+(?=年代|岁)")


def _spaces(m: re.Match[str]) -> str:
    """A match blanked to as many spaces, so positions after it hold."""
    return " " * len(m.group())


def zh_number(text: str) -> int | None:
    """'五' → 5, '十二' → 12, '二十' → 20, '7' → 7; None if not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _ZH_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    return _ZH_DIGITS[text] if len(text) == 1 else None


def _body(phrase: str) -> str:
    """A lexicon phrase as a pattern: any case, any run of spaces between its words."""
    return re.escape(phrase.casefold()).replace(r"\ ", r"\s+")


def _bounded(body: str) -> str:
    """An English phrase (or alternation) as a whole word: "war" not in "award", "sci-fi" not in "sci-fis"."""
    return rf"(?<![\w-])(?:{body})(?![\w-])"


def everyday(word: str) -> bool:
    """An English word written this often is talk, not a name or a taste."""
    return zipf_frequency(word, "en") >= _EVERYDAY_ZIPF


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _strings(node: object) -> object:
    """YAML 1.1 reads bare ``no``/``yes``/``on`` as booleans; in a word list they are words."""
    if isinstance(node, dict):
        return {str(k).lower() if isinstance(k, bool) else str(k): _strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [("no" if x is False else "yes") if isinstance(x, bool) else _strings(x) for x in node]
    return node


class Parsed(Ranges):
    """What the parsers found. ``None``/empty means 'not mentioned', never 'no'."""

    language: str = "en"
    domains: dict[str, int] = Field(default_factory=dict)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    blend: bool = Field(False, description="The genres included were asked as one kind ('a horror comedy').")
    age: int | None = None
    children: bool = False
    adults: bool = Field(False, description="The items are for grown-ups (a gift for my mom, with my wife), not children.")
    references: list[int] = Field(default_factory=list, description="Every shown pick named, in order ('the second one', '第二个').")
    compared: list[Relative] = Field(default_factory=list, description="How the message compares two shown picks it names ('is the "
                                     "first one cheaper than the second?', '第一个比第二个新吗'): the relative words it says.")
    cues: list[str] = Field(default_factory=list)
    moods: list[str] = Field(default_factory=list, description="Mood words asked for ('something light', '温馨').")
    unwanted: list[str] = Field(default_factory=list, description="Moods ruled out ('nothing too sad', '不要太悲伤的').")
    wanted: list[str] = Field(default_factory=list, description="Tagged moods asked for ('a sad film to cry to', '黑暗的'), "
                              "where the domain's catalog has tags (set by the understander, which knows the catalog).")
    passing: list[str] = Field(default_factory=list, description="Excluded genres only a relative refinement leaves out "
                               "('something less violent'): off this list, not ruled out for the session.")

    genre_domain: str | None = Field(None, description="Domain guessed from genre words alone.")
    currency: str | None = Field(None, description="The currency the price asked names ('CNY' for '100元以内').")
    old: bool = Field(False, description="Old items asked for ('an old movie', '老电影'), no year said.")

    @property
    def domain(self) -> str | None:
        return max(self.domains, key=self.domains.__getitem__) if self.domains else None

    @property
    def audience(self) -> Literal["children", "adults"] | None:
        """Whom the message says the items are for, if it says."""
        return "children" if self.children else "adults" if self.adults else None

    @property
    def reference(self) -> int | None:
        """The first shown pick the message names ('more like the second one' → 2; -1: the last)."""
        return next(iter(self.references), None)


class AdultMarkers(BaseModel):
    genres: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class MoodMarkers(BaseModel):
    """A mood a person may ask for or rule out: the words for it, the catalog tags that mark an item as having it, and
    the genres of which a reason may say it though the tags do not (*Seven*, a crime thriller, is dark)."""

    words: list[str]
    tags: list[str]
    genres: list[str] = Field(default_factory=list)


class LexiconData(BaseModel):
    """The sections of ``lexicon.yaml`` (see the comments in the shipped file)."""

    model_config = ConfigDict(extra="forbid")

    domains: dict[str, list[str]]
    genres: dict[str, dict[str, list[str]]]
    negations: dict[str, list[str]]
    children: list[str]
    adults: list[str] = Field(default_factory=list)
    relatives: list[str] = Field(default_factory=list)
    children_claims: list[str] = Field(default_factory=list)
    children_claim_words: list[str] = Field(default_factory=list)
    adult_claims: list[str] = Field(default_factory=list)
    actions: dict[str, list[str]]
    for_children: dict[str, list[str]] = Field(default_factory=dict)
    for_children_in_part: dict[str, list[str]] = Field(default_factory=dict)
    genre_ages: dict[str, dict[str, tuple[int, int]]] = Field(default_factory=dict)
    genre_blends: list[str] = Field(default_factory=list)
    children_by_default: list[str] = Field(default_factory=list)
    adult_only: AdultMarkers = Field(default_factory=AdultMarkers)
    moods: dict[str, list[str]] = Field(default_factory=dict)
    tagged_moods: dict[str, MoodMarkers] = Field(default_factory=dict)
    mood_carriers: list[str] = Field(default_factory=list)
    loose_genre_words: dict[str, list[str]] = Field(default_factory=dict)
    generic: list[str] = Field(default_factory=list)
    bounds: list[str] = Field(default_factory=list)
    title_cues: list[str] = Field(default_factory=list)
    violent_tags: list[str] = Field(default_factory=list)
    old: list[str] = Field(default_factory=list)
    price_claims: list[str] = Field(default_factory=list)
    award_claims: list[str] = Field(default_factory=list)
    tag_words: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _words(cls, data: object) -> object:
        """However the file is read (on load, or checked before a save in the Prompts tab), a bare yes or no is a word."""
        return _strings(data)


class GenreMention(BaseModel):
    """A genre phrase found in a text: the catalog genres it stands for, and whether it was negated."""

    phrase: str
    genres: list[str]
    negated: bool
    start: int
    end: int


def _texts(data: object) -> list[str]:
    """Every string in nested lists and dicts (keys too)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*(k for k in data if isinstance(k, str)), *(s for v in data.values() for s in _texts(v))]
    return [s for v in data for s in _texts(v)] if isinstance(data, list | tuple) else []


class Lexicon:
    """Phrase lists from ``lexicon.yaml`` with English word-boundary and Chinese substring matching."""

    def __init__(self, data: Any) -> None:
        d = data if isinstance(data, LexiconData) else LexiconData.model_validate(data)
        self.domains, self.genres, self.negations = d.domains, d.genres, d.negations
        self.children, self.actions, self.moods, self.generic = d.children, d.actions, d.moods, d.generic
        self.adults, self.relatives = d.adults, d.relatives
        self.mood_tags = {m: {t.casefold() for t in markers.tags} for m, markers in d.tagged_moods.items()}
        self._mood_words = {m: markers.words for m, markers in d.tagged_moods.items()}
        self.mood_genres = {m: {g.casefold() for g in markers.genres} for m, markers in d.tagged_moods.items()}
        self.mood_carriers = {g.casefold() for g in d.mood_carriers}
        self.loose_genre_words = {w.casefold(): {g.casefold() for g in gs} for w, gs in d.loose_genre_words.items()}
        self.children_claims, self.adult_claims = d.children_claims, d.adult_claims
        self.children_claim_words = d.children_claim_words
        self.bounds = d.bounds
        self.title_cues = d.title_cues
        self.old, self.price_claims, self.award_claims = d.old, d.price_claims, d.award_claims
        self.tag_words = {w: [t.casefold() for t in tags] for w, tags in d.tag_words.items()}
        self.violent_tags = sorted({t.casefold() for t in d.violent_tags})
        self.genre_ages = d.genre_ages
        self.children_genres = {dom: {g.casefold() for g in gs} for dom, gs in d.for_children.items()}
        self.children_genres_in_part = {dom: {g.casefold() for g in gs} for dom, gs in d.for_children_in_part.items()}
        self.genre_blends = {p.casefold() for p in d.genre_blends}
        self.children_domains = set(d.children_by_default)
        self.adult_genres = {g.casefold() for g in d.adult_only.genres}
        self.adult_tags = {t.casefold() for t in d.adult_only.tags}
        self.vocabulary = frozenset(w for text in _texts(d.model_dump()) for w in re.findall(r"\w+", text.casefold()))  # every word it knows
        self._domain_words = frozenset(w for text in _texts(d.domains) for w in re.findall(r"\w+", text.casefold()))
        self._genre_words = {domain: frozenset(w for p in ps for w in re.findall(r"\w+", p.casefold())) for domain, ps in d.genres.items()}
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._no_taste_patterns: dict[tuple[str, str | None], re.Pattern[str]] = {}
        # A genre's Chinese name, for code's own Chinese text: the first Chinese phrase that stands for it alone.
        self.chinese_names: dict[str, str] = {}
        for phrases in d.genres.values():
            for phrase, genres in phrases.items():
                if len(genres) == 1 and is_chinese(phrase):
                    self.chinese_names.setdefault(genres[0], phrase)

    def names_a_thing(self, word: str, domain: str) -> bool:
        """Whether a word of the lexicon (casefolded) may name a topic in ``domain``, the reading making no constraint
        of it there: a domain's word ("a lego set") or another domain's genre word ("a movie about chess"), not one
        of this domain's genres ("a thriller set in space" must not prefer films whose plot says "thriller")."""
        others = any(word in words for d, words in self._genre_words.items() if d != domain)
        return (word in self._domain_words or others) and word not in self._genre_words.get(domain, frozenset())

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def for_children(self, item: Item) -> bool:
        """Whether the catalog marks ``item`` as made for children (a children's genre of its domain), if only in part."""
        return self.made_for_children(item) > 0

    def made_for_children(self, item: Item) -> float:
        """How clearly the catalog marks ``item`` as made for children: 1 by a children's genre, 0.5 only by one that
        marks them in part (Animation: *Akira* and *South Park* are animated too), else 0."""
        genres = {g.casefold() for g in item.genres} & self.children_genres.get(item.domain, set())
        return 0.0 if not genres else 0.5 if genres <= self.children_genres_in_part.get(item.domain, set()) else 1.0

    def age_range(self, item: Item) -> tuple[int, int] | None:
        """The ages ``item`` states, else those its genres imply (``genre_ages``: Baby & Toddler Toys are for 0-3)."""
        if (stated := item.age_range()) is not None:
            return stated
        spans = [span for g, span in self.genre_ages.get(item.domain, {}).items() if g in item.genres]
        return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None

    def adult_only(self, item: Item) -> bool:
        """Whether anything in the catalog marks ``item`` as unfit for any children's list."""
        return bool({g.casefold() for g in item.genres} & self.adult_genres or {t.casefold() for t in item.tags} & self.adult_tags)

    def moods_ruled_out(self, text: str) -> list[str]:
        """Moods ``text`` rules out ("nothing too sad", "no tearjerkers", "不要太悲伤的"): one of their words, negated."""
        return [m for m, pattern in self._ruled_out_patterns.items() if pattern.search(text)]

    def moods_wanted(self, text: str) -> list[str]:
        """Tagged moods ``text`` asks for ("a sad film to cry to", "something dark"): a word for one, not ruled out."""
        rest = self.without_moods(text)
        return [m for m in self._mood_words if any(self.says(rest, w) for w in self._mood_words[m])]

    def without_moods(self, text: str, wanted: Sequence[str] = ()) -> str:
        """``text`` without the moods it rules out, and the words of the ``wanted`` ones: constraints (see
        :meth:`moods_ruled_out`), which searched by meaning find titles with "no" and "nothing" in them (*No Rest for the
        Wicked* for "a book for my mom, nothing too sad"), and "cry" in them (*The Crying Game* for "a sad film to cry to")."""
        for pattern in self._ruled_out_patterns.values():
            text = pattern.sub(_spaces, text)  # same length: positions in ``text`` hold
        return self._blanked(text, sorted((w for m in wanted for w in self._mood_words.get(m, [])), key=len, reverse=True))

    @cached_property
    def _ruled_out_patterns(self) -> dict[str, re.Pattern[str]]:
        """Per mood: a negation, at most four words of degree or other moods between ("nothing that's too sad",
        "nothing too dark or depressing"), then a word for it (a mood with words in one language only: that one)."""
        negation = "|".join(_body(w) for w in sorted(self.negations["en"], key=len, reverse=True))
        negation_zh = "|".join(map(re.escape, self.negations["zh"]))
        between = "|".join([_DEGREE, "or", "nor", "and", *(_body(w) for ws in self._mood_words.values() for w in ws if not is_chinese(w))])
        out = {}
        for mood, words in self._mood_words.items():
            english = "|".join(_body(w) for w in sorted(words, key=len, reverse=True) if not is_chinese(w))
            chinese = "|".join(re.escape(w) for w in words if is_chinese(w))
            sides = [rf"(?<![\w'])(?:{negation})(?:\s+(?:{between})){{0,4}}\s+(?:{english})(?![\w-])" if english and negation else "",
                     rf"(?:{negation_zh})[^，。,.!?！？]{{0,4}}?(?:{chinese})的?" if chinese and negation_zh else ""]
            out[mood] = re.compile("|".join(side for side in sides if side) or r"(?!)", re.IGNORECASE)
        return out

    def moods_in(self, text: str) -> list[str]:
        """Mood words ("light-hearted", "温馨") used, and not negated, in ``text``."""
        return [m for m in self.moods if self.says(text, m)]

    def states_no_taste(self, text: str, beyond_constraints: bool = False, domain: str | None = None, moods: Sequence[str] = ()) -> bool:
        """True for "any good movie", "推荐一部好看的电影": nothing but generic and domain words. With
        ``beyond_constraints``, also for a request whose only taste is what code reads as constraints ("a funny
        film", "an 80s horror movie, nothing gory", "九十年代的爱情电影", "给孩子看的动画片"): nothing is left to search for by meaning,
        and the words would only match titles ("funny" finds *Louis C.K.: Hilarious*). Given a ``domain``, only its genre
        words are constraints: "sci-fi" is a film genre but no shelf of the books, so "a sci-fi novel" states a taste; so
        are the words of the tagged ``moods`` (those the domain's catalog tags: "a sad film", not "a sad novel")."""
        rest = text.casefold()
        if beyond_constraints:
            rest = _NUMBER_WORD.sub(" ", _RECENT.sub(" ", self.without_moods(rest, moods)))  # "80s", "£20", "近十年"; "nothing too sad"
        rest = _CONTRACTION.sub(" ", rest)
        return not re.sub(r"[\W_]+", "", self._no_taste_words("constraints" if beyond_constraints else "plain", domain).sub(" ", rest))

    def without_grown_ups(self, text: str) -> str:
        """``text`` without the grown-up or relative it is for ("for my dad", "my wife's", 给我妈妈, "for my nephew"): who
        it is for is a constraint, and searched by meaning it finds titles about fathers (*Dreams from My Father* for "a
        book for my dad, he loves trains") or toddlers' toys ("a building toy for my nephew" found a shape sorter). Kids
        stay: what is made for them says so ("a film for my kids about high school" finds *Sky High*), and a person
        named as a topic ("a film about a father and son") stays too."""
        return self._grown_ups_pattern.sub(" ", text).strip()

    @cached_property
    def _grown_ups_pattern(self) -> re.Pattern[str]:
        words = sorted([*self.adults, *self.relatives], key=len, reverse=True)
        english = "|".join(_body(w) for w in words if not is_chinese(w))
        chinese = "|".join(_body(w) for w in words if is_chinese(w))
        return re.compile(rf"(?:\b(?:for|to|with)\s+)?\b(?:my|our)\s+(?:{english})(?:['’]s)?(?![\w-])"
                          rf"|(?:给|送给|送)(?:我们|我)?的?(?:{chinese})", re.IGNORECASE)  # fmt: skip

    def adds_taste(self, text: str, domain: str | None = None, moods: Sequence[str] = ()) -> bool:
        """Whether a follow-up states a taste of its own, not negated ("with aliens", "set in space", "要有狗的"; not
        "something newer", "not so violent", "不要太悲伤的", "ok, let me see"): beyond the words of constraints (the
        ``domain``'s genre words: "with dinosaurs" is a toy shelf but a taste in a film), of what to do with the last
        list, of everyday talk and of the tagged ``moods`` (see :meth:`states_no_taste`), something is left to search
        for by meaning."""
        rest = _RECENT.sub(_spaces, self.without_moods(text.casefold(), moods))
        rest = _NUMBER_WORD.sub(_spaces, rest)
        rest = self._no_taste_words("follow_up", domain).sub(_spaces, rest)  # same length: positions hold
        words = re.finditer(r"[^\W_]+", _CONTRACTION.sub(_spaces, rest))
        return any((is_chinese(m.group()) or not everyday(m.group())) and not self.negated(text, m.start()) for m in words)

    def _no_taste_phrases(self, beyond_constraints: bool, domain: str | None = None) -> set[str]:
        """The words that state no taste, and with ``beyond_constraints`` the constraint words too (genres, of
        ``domain`` if given; bounds, the audience, moods, negations). A genre phrase that names no genre ("time
        travel", not the Travel shelf) is a taste."""
        plain = {w for ws in self.domains.values() for w in ws} | set(self.generic)
        if not beyond_constraints:
            return plain
        shelves = [self.genres.get(domain, {})] if domain else list(self.genres.values())
        constraints = {p for phrases in shelves for p, genres in phrases.items() if genres}
        constraints |= set(self.bounds) | set(self.children) | set(self.adults)
        return plain | constraints | set(self.moods) | {w for ws in self.negations.values() for w in ws}

    def _no_taste_words(self, kind: Literal["plain", "constraints", "follow_up"], domain: str | None) -> re.Pattern[str]:
        """The words that state no taste (see :meth:`_no_taste_phrases`), beyond constraints too unless ``kind`` is
        plain, and for a follow-up the cues for the last list; built once each (they run on every turn, over whole
        pasted transcripts)."""
        key = (kind, domain)
        if key not in self._no_taste_patterns:
            phrases = self._no_taste_phrases(kind != "plain", domain)
            cues = {w for ws in self.actions.values() for w in ws} if kind == "follow_up" else set()
            self._no_taste_patterns[key] = self._alternation(phrases | cues)
        return self._no_taste_patterns[key]

    def _alternation(self, phrases: set[str]) -> re.Pattern[str]:
        """One pattern for many phrases, longest first so that "science fiction" wins over "fiction"."""
        ordered = sorted(phrases, key=len, reverse=True)
        bodies = {zh: "|".join(_body(p) for p in ordered if is_chinese(p) == zh) or "(?!)" for zh in (False, True)}
        return re.compile(f"{_bounded(bodies[False])}|{bodies[True]}")

    def _pattern(self, phrase: str) -> re.Pattern[str]:
        if phrase not in self._patterns:
            body = _body(phrase)
            self._patterns[phrase] = re.compile(body if is_chinese(phrase) else _bounded(body))
        return self._patterns[phrase]

    def _blanked(self, text: str, phrases: list[str]) -> str:
        """``text`` with ``phrases`` blanked out, in that order, its length (and every position in it) kept."""
        for phrase in phrases:
            for m in self._pattern(phrase).finditer(text.casefold()):
                text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
        return text

    def find(self, text: str, phrase: str) -> list[int]:
        return [m.start() for m in self._pattern(phrase).finditer(text.casefold())]

    def any(self, text: str, phrases: list[str]) -> bool:
        return any(self.find(text, p) for p in phrases)

    def says(self, text: str, phrase: str) -> bool:
        """Whether ``text`` states ``phrase`` somewhere not under a negation ("a sad film", not "nothing sad")."""
        return any(not self.negated(text, pos) for pos in self.find(text, phrase))

    @cached_property
    def _negation_en(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w) for w in sorted(self.negations["en"], key=len, reverse=True))
        return re.compile(rf"(?<![\w'])(?:{words})(?![\w'])")

    def negated(self, text: str, pos: int) -> bool:
        """Is the phrase at ``pos`` governed by a negation just before it?"""
        before = text.casefold()[:pos]
        zh_clause = _ZH_BOUND.sub("", re.split(r"[,.!?;，。！？；、]", before)[-1])[-8:]  # "不会让他们感到吓人"; not "不要恐怖片，要喜剧"
        if any(w in zh_clause for w in self.negations["zh"]):  # nor "不超过50元的拼图", a bound on the price
            ends = [zh_clause.rfind(w) + len(w) for w in self.negations["zh"] if w in zh_clause]
            return not re.search(r"[^的]的", zh_clause[max(ends) :])  # not the head of "不要丧尸的恐怖片": horror without zombies
        clause = re.split(r"[,.!?;，。！？；]|(?<!anything )\bbut\b|\band\b", before)[-1]  # never across a clause
        window = " ".join([w for w in clause.split() if w not in _FILLER][-4:])  # the last few words ("no scenes that are any…")
        return bool(self._negation_en.search(window))

    def _narrowed(self, text: str, pos: int) -> bool:
        """Whether words of a taste stand between the negation governing ``pos`` and it ("no romance novels", "不要爱情小说";
        not "no novels", "I do not want a novel", "别推荐小说")."""
        clause = re.split(r"[,.!?;，。！？；]", text.casefold()[:pos])[-1]
        ends = [m.end() for m in self._negation_en.finditer(clause)] + [clause.rfind(w) + len(w) for w in self.negations["zh"] if w in clause]
        between = clause[max(ends, default=0) :]
        return bool(re.sub(r"[\W_]+", "", self._no_taste_words("plain", None).sub(" ", between)))

    def canonical_genres(self, domain: str) -> set[str]:
        return {g for gs in self.genres.get(domain, {}).values() for g in gs}

    def genre_mentions(self, text: str, domain: str) -> list[GenreMention]:
        """Every genre phrase of ``domain`` in ``text``, longest first ("science fiction" before "fiction")."""
        phrases = self.genres.get(domain, {})
        spans: list[tuple[int, int]] = []
        out: list[GenreMention] = []
        for phrase in sorted(phrases, key=len, reverse=True):
            for pos in self.find(text, phrase):
                if any(a <= pos < b for a, b in spans):
                    continue
                spans.append((pos, pos + len(phrase)))
                out.append(GenreMention(phrase=phrase, genres=phrases[phrase], negated=self.negated(text, pos), start=pos,
                                        end=pos + len(phrase)))  # fmt: skip
        return out

    def blended(self, text: str, domain: str) -> bool:
        """Whether ``text`` asks for genres as one kind of item: a blend phrase ("rom-com", lexicon ``genre_blends``) or
        genre phrases side by side ("a horror comedy", "sci-fi thriller", "科幻惊悚片"), not a choice between
        them ("horror or comedy", "I like dramas and thrillers", "scary": horror or thriller)."""
        wanted = sorted((m for m in self.genre_mentions(text, domain) if not m.negated), key=lambda m: m.start)
        return any(m.phrase.casefold() in self.genre_blends for m in wanted) or any(
            _BLEND_GAP.fullmatch(text[a.end : b.start]) for a, b in zip(wanted, wanted[1:], strict=False))

    def genre_words(self, text: str, domain: str) -> tuple[list[str], list[str]]:
        """(wanted, unwanted) canonical genres named in ``text`` for ``domain``."""
        mentions = self.genre_mentions(text, domain)
        # "no mystery novels", "不要爱情小说": the novel is the kind the words before it narrow, not all fiction ruled out
        kinds = {w.casefold() for w in self.domains.get(domain, [])}
        mentions = [m for m in mentions if not (m.negated and m.phrase.casefold() in kinds and self._narrowed(text, m.start))]

        def narrowest(genre: str, negated: bool) -> int:  # how specific the most specific mention of ``genre`` is
            return min((len(m.genres) for m in mentions if m.negated == negated and genre in m.genres), default=99)

        wanted = dict.fromkeys(g for m in mentions if not m.negated for g in m.genres)
        unwanted = dict.fromkeys(g for m in mentions if m.negated for g in m.genres)
        # "a war film that isn't too violent", "a horror movie, nothing gory": a genre named outright beats a word
        # no narrower that also covers it
        avoid = [g for g in unwanted if not (g in wanted and narrowest(g, False) <= narrowest(g, True))]
        return [g for g in wanted if g not in avoid], avoid

    def map_words(self, words: list[str], domain: str) -> list[str]:
        """Canonical genres for free words (e.g. the model's), by phrase or by exact genre name."""
        canon = {g.casefold(): g for g in self.canonical_genres(domain)}
        out: dict[str, None] = {}
        for w in words:
            key = w.strip().casefold()
            if key in canon:
                out[canon[key]] = None
            for phrase, genres in self.genres.get(domain, {}).items():
                if phrase.casefold() == key:
                    out.update(dict.fromkeys(genres))
        return list(out)

    def parse(self, text: str, domain_hint: str | None = None, this_year: int | None = None) -> Parsed:
        """What a message says, by the lexicon's words and code's patterns; ``this_year`` (today's, unless given) is
        what "the last 10 years" counts back from."""
        p = Parsed(language="zh" if is_chinese(text) else "en")
        p.domains = {d: n for d, ws in self.domains.items() if (n := sum(len(self.find(text, w)) for w in ws))}
        if domain := p.domain or domain_hint:
            p.include, p.exclude = self.genre_words(text, domain)
        else:  # no domain word: the domain whose genre words the message uses most, if one does
            found = {d: self.genre_words(text, d) for d in self.genres}
            counts = sorted(((len(a) + len(b), d) for d, (a, b) in found.items()), reverse=True)
            best = counts[0][1] if counts and counts[0][0] and (len(counts) == 1 or counts[1][0] < counts[0][0]) else None
            if best:  # a tie ("World War II history": War for films, History for books) is for the scenario or the model
                p.include, p.exclude = found[best]
                p.genre_domain = domain = best
        p.blend = len(p.include) > 1 and domain is not None and self.blended(text, domain)
        p.cues = [cue for cue, phrases in self.actions.items() if self.any(text, phrases)]
        if "less_violent" in p.cues and domain:
            p.passing = [g for g in p.exclude if g not in self.genre_words(self._blanked(text, self.actions["less_violent"]), domain)[1]]
        p.moods = self.moods_in(text)
        p.unwanted = self.moods_ruled_out(text)
        p.year_min, p.year_max = parse_years(text)
        if (p.year_min, p.year_max) == (None, None):
            p.year_min, p.year_max = parse_recent(text, this_year or date.today().year)
        if (p.year_min, p.year_max) != (None, None):  # "nothing older than 1995": the year, not older than the last picks
            p.cues = [cue for cue in p.cues if cue not in ("older", "newer")]
        p.price_min, p.price_max = parse_prices(text)
        p.currency = parse_currency(text) if (p.price_min, p.price_max) != (None, None) else None
        p.old = self.any(text, self.old)
        p.age = parse_age(text)
        p.children = (p.age is not None and p.age < 13) or self.any(text, self.children)
        p.adults = not p.children and ((p.age is not None and p.age >= 18) or self.any(text, self.adults))
        p.references = parse_references(text)
        p.compared = _compared(text, p.cues) if len(p.references) > 1 else []
        return p


_YEAR = r"((?:19|20)\d{2})"
_YEAR_ALONE = rf"(?<![\d£$€¥])(?<![£$€¥]\s){_YEAR}(?!\d)(?!\s*(?:{_UNIT_EN}\b|{_UNIT_ZH}))"  # not "£2000", "2000 pounds"
# Words that bound a year, and whether the year itself is left out ("after 1980" is from 1981, "since 1980" from 1980).
_EN_BOUNDS = [(r"after|newer than|later than|post-?|over|above", "after", True), (r"since", "after", False),
              (r"before|older than|earlier than|pre-?|under|below", "before", True), (r"until|till|up to", "before", False)]  # fmt: skip
_ZH_BOUNDS = [(r"以后|之后|以来|后|起", "after", False), (r"以前|之前|前", "before", True)]
_ZH_PREFIX_BOUNDS = [(r"不早于|不先于", "after", False), (r"不晚于|不迟于", "before", False),
                     (r"早于|先于", "before", True), (r"晚于|迟于", "after", True)]  # "早于1995年", "不晚于2000年"
_EN_SUFFIX_BOUNDS = [(r"s?\s+(?:onwards|on|and later|or later|and newer|or newer|and after)\b", "after"),
                     (r"s?\s+(?:and earlier|or earlier|and older|or older|and before)\b", "before")]  # "2010 onwards", "1990 or earlier"
_EN_NEGATION = re.compile(r"\b(?:nothing|no|not|none|never|don't|do not|without)\b(?:\s+[\w-]+){0,3}\s*$")
_ZH_NEGATION = re.compile(r"(?:不要|别|不想|不看|除了)[^，。,.!?！？]{0,6}$")


def _decade(t: str) -> tuple[int, int, int] | None:
    """(first year, start, end) of a decade named in ``t``: 九十年代, 90年代, 1990s, '90s, nineties."""
    if m := re.search(r"([一二三四五六七八九]十|[0-9]0)年代", t):
        n = zh_number(m.group(1)) or 0
        return (1900 + n if n >= 20 else 2000 + n), m.start(), m.end()
    if m := re.search(r"(?<!\d)(19|20)(\d)0\s*年代", t):
        return int(m.group(1) + m.group(2) + "0"), m.start(), m.end()
    if m := re.search(r"(?<![\w$£€])(?:(19|20)(\d)0|'?(\d)0)'?s(?!\w)", t):  # 1990s, 90s, '80s
        if m.group(1):
            return int(m.group(1) + m.group(2) + "0"), m.start(), m.end()
        d = int(m.group(3))
        return (1900 + d * 10 if d >= 2 else 2000 + d * 10), m.start(), m.end()
    for word, start in _EN_DECADES.items():
        if m := re.search(rf"\b{word}\b", t):
            return start, m.start(), m.end()
    return None


def _bound(t: str, start: int, end: int) -> tuple[str | None, bool, bool]:
    """How the year or decade at ``t[start:end]`` is bounded: ("after"/"before"/None, year left out?, negated?)."""
    before = t[:start]
    relation, exclusive, cue = None, False, ""
    prefixes = [(rf"(?:{w})\s+(?:the\s+)?(?:year\s+)?$", rel, excl) for w, rel, excl in _EN_BOUNDS]
    for pattern, rel, excl in prefixes + [(rf"(?:{w})\s*$", rel, excl) for w, rel, excl in _ZH_PREFIX_BOUNDS]:
        if m := re.search(pattern, before):
            relation, exclusive, cue = rel, excl, m.group(0)
            break
    else:
        suffixes = [(rf"\s*年?\s*(?:{w})", rel, excl) for w, rel, excl in _ZH_BOUNDS] + [(w, rel, False) for w, rel in _EN_SUFFIX_BOUNDS]
        for pattern, rel, excl in suffixes:
            if re.match(pattern, t[end:]):
                relation, exclusive = rel, excl
                break
    clause = re.split(r"[,.!?;，。！？；]|\bbut\b|\band\b", before[: len(before) - len(cue)])[-1]
    return relation, exclusive, bool(_EN_NEGATION.search(clause) or _ZH_NEGATION.search(clause))


def parse_years(text: str) -> tuple[int | None, int | None]:
    """Year bounds from decades, ranges and before/after phrases, negated or not, in English and Chinese.

    "after 1980" → from 1981; "since 1980", "1980年以后" → from 1980; "nothing made after 1980" →
    up to 1980; "不要九十年代以前的" → from 1990; "the nineties" → 1990–1999."""
    t = text.casefold()
    if m := re.search(rf"(?:between|from)\s+{_YEAR}\s+(?:and|to|-)\s+{_YEAR}|{_YEAR}\s*年?\s*(?:-|–|to|到|至)\s*{_YEAR}\s*年?", t):
        a, b = [int(g) for g in m.groups() if g]
        return min(a, b), max(a, b)
    decade = _decade(t)
    spans = [(decade[0], decade[0] + 9, decade[1], decade[2])] if decade else []
    spans += [(int(m.group(1)), int(m.group(1)), m.start(), m.end()) for m in re.finditer(_YEAR_ALONE, t)
              if decade is None or not decade[1] <= m.start() < decade[2]]  # fmt: skip
    lo = hi = None
    for first, last, start, end in spans:
        relation, exclusive, negated = _bound(t, start, end)
        if relation is None and not negated:
            lo, hi = first, last
        elif (relation, negated) == ("after", False):
            lo = last + 1 if exclusive else first
        elif (relation, negated) == ("before", False):
            hi = first - 1 if exclusive else last
        elif (relation, negated) == ("after", True):  # nothing after 1980 / 不要2000年以后
            hi = last if exclusive else first - 1
        elif relation == "before":  # nothing before 2010 / 不要九十年代以前
            lo = first if exclusive else last + 1
    return lo, hi


_EN_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
              "fifteen": 15, "twenty": 20, "couple": 2, "couple of": 2, "few": 3, "several": 5}  # fmt: skip
_EN_COUNT = rf"(\d{{1,2}}|{'|'.join(sorted(_EN_COUNTS, key=len, reverse=True))})"  # longest first: "couple of" before "couple"
_ZH_COUNT = r"(\d{1,2}|[一二两三四五六七八九十]{1,3}|几)"
# Years back from this year: "from the last 10 years", "the past decade", "films no more than 5 years old", "近十年的电影"
# (only of films and books: "games under 5 years old" are for small children)
_RECENT = re.compile(
    rf"\b(?:from|in|of|over|during|within)\s+(?:the\s+)?(?:last|past|previous)\s+(?:{_EN_COUNT}\s+)?(years?|decades?)\b"
    rf"|\b(?P<kind>films?|movies?|books?|novels?|titles?)\s+(?:that\s+(?:are|is|were)\s+|which\s+(?:are|is)\s+)?"
    rf"(?:no|not|less|under|at\s+most|younger)(?:\s+(?:more|older|than))*\s+{_EN_COUNT}\s+(years?|decades?)(?:\s+old)?\b"
    rf"|(?:近|最近|过去|这)\s*{_ZH_COUNT}\s*(年|十年)|(?<!\d){_ZH_COUNT}\s*(年)(?:内|以内|之内)",
    re.IGNORECASE,
)


def _years_back(m: re.Match[str]) -> int:
    """How many years back a :data:`_RECENT` match reaches ("the last few" is three, 近几年 five, a decade ten)."""
    said = [g for i, g in enumerate(m.groups(), 1) if i != m.re.groupindex["kind"]]  # (count, unit) pairs, one matched
    count = next((g for g in said[0::2] if g), None)
    unit = next(g for g in said[1::2] if g).casefold()
    if count is None:
        n = 1
    elif count == "几":  # 近几年: a few years, said loosely
        n = 5
    elif (zh := zh_number(count)) is not None:
        n = zh
    else:
        n = _EN_COUNTS[" ".join(count.casefold().split())]
    return n * (10 if unit.startswith("decade") or unit == "十年" else 1)


def parse_recent(text: str, this_year: int) -> tuple[int | None, int | None]:
    """Year bounds of a span back from ``this_year``: "from the last 10 years" in 2026 is from 2016; "nothing from the
    past decade" is up to 2015; "近几年的" is the last five years."""
    t = text.casefold()
    if not (m := _RECENT.search(t)):
        return None, None
    start = this_year - _years_back(m)
    clause = re.split(r"[,.!?;，。！？；]|\bbut\b|\band\b", t[: m.start()])[-1]
    return (None, start - 1) if _EN_NEGATION.search(clause) or _ZH_NEGATION.search(clause) else (start, None)


_NEAR = 0.25  # how far from an amount "around" it reaches, either way
_UPPER = r"under|below|less than|cheaper than|at most|up to|max(?:imum)?|no more than|within|not more than"  # "under £20"
_LOWER = r"over|above|more than|at least|from"
_AROUND = r"around|about|roughly|approximately|circa"


_CURRENCIES = {"GBP": r"£|\b(?:pounds?|quid|gbp)\b|英镑|镑", "USD": r"\$|\b(?:dollars?|bucks|usd)\b|美元|美金",
               "EUR": r"€|\b(?:euros?|eur)\b|欧元", "CNY": r"¥|\b(?:yuan|rmb|cny)\b|人民币|(?<![美欧])元|块钱|(?<=\d)\s*块"}  # fmt: skip


def parse_currency(text: str) -> str | None:
    """The currency a message names ("under £20", "100元以内", "20 bucks"), if it names one; :meth:`Lexicon.parse` asks
    only of a message that asks a price."""
    t = text.casefold()
    return next((code for code, pattern in _CURRENCIES.items() if re.search(pattern, t)), None)


def parse_prices(text: str) -> tuple[float | None, float | None]:
    """Price bounds; a bare number counts only with a currency, a unit or the word budget; "around £20" is £15-25."""
    t = text.casefold()
    money = rf"(?:{_CUR}\s*{_NUM}|{_NUM}\s*{_UNIT_EN}|{_NUM}\s*{_UNIT_ZH})"

    def amount(m: re.Match[str], first: int = 1) -> float:
        return float(next(g for g in m.groups()[first - 1 :] if g))

    ranges = (rf"between\s+{money}\s+and\s+(?:{_CUR}\s*)?{_NUM}", rf"{_CUR}\s*{_NUM}\s*(?:-|–|to)\s*{_CUR}?\s*{_NUM}",
              rf"between\s+{_NUM}\s+and\s+{_NUM}\s*{_UNIT_EN}", rf"{_NUM}\s*(?:-|–|to)\s*{_NUM}\s*{_UNIT_EN}",
              rf"{_NUM}\s*{_UNIT_ZH}?\s*(?:到|至|-|–)\s*{_NUM}\s*{_UNIT_ZH}")  # fmt: skip
    if m := re.search("|".join(ranges), t):
        nums = [float(g) for g in m.groups() if g]
        return min(nums[0], nums[-1]), max(nums[0], nums[-1])
    near = rf"(?:{_AROUND}|~)\s*{money}|{_NUM}\s*{_UNIT_ZH}\s*左右|(?:大概|大约|差不多)\s*{_NUM}\s*{_UNIT_ZH}"
    if m := re.search(near, t):  # "around £20": a quarter either side, £15-25
        return round(amount(m) * (1 - _NEAR), 2), round(amount(m) * (1 + _NEAR), 2)
    lo = hi = None
    if m := re.search(rf"(?:{_UPPER})\s+{money}", t):
        hi = amount(m)
    elif m := re.search(rf"budget(?:\s+(?:of|is))?\s*(?:{_CUR}\s*)?{_NUM}", t):
        hi = amount(m)
    elif m := re.search(rf"(?:不超过|低于|少于|预算|最多)\s*{_NUM}\s*{_UNIT_ZH}?|{_NUM}\s*{_UNIT_ZH}?\s*(?:以下|以内|之内)(?!.*岁)", t):
        if not re.search(r"\d\s*岁", t[m.start() : m.end() + 2]):
            hi = amount(m)
    if m := re.search(rf"(?:{_LOWER})\s+{money}|{_NUM}\s*{_UNIT_ZH}\s*以上", t):
        if _EN_NEGATION.search(t[: m.start()]):  # "nothing over £10" is an upper bound
            hi = hi if hi is not None else amount(m)
        else:
            lo = amount(m)
    return lo, hi


# "she is 7", "he's 10 next week", "who is 8", "my daughter is 7", "turning 5": a bare number said of a person, ending its phrase
_PERSON = (r"she|he|who|they|(?:my|our|his|her)\s+(?:little\s+)?"
           r"(?:son|daughter|kids?|child|children|boy|girl|nephew|niece|grand(?:son|daughter|kids?|child)|brother|sister|cousin)")
_SAID_AGE = (rf"\b(?:(?:{_PERSON})(?:['’]s|\s+is|\s+are)(?:\s+turning)?|turn(?:s|ed|ing)?)\s+(\d{{1,2}})"
             r"(?=\s*(?:$|[,.!?;:)]|and\b|now\b|next\b|soon\b|this\b|in\b|years?\b))")


_AMOUNT_WORDS = rf"{_UPPER}|{_LOWER}|{_AROUND}|between|budget(?:\s+(?:of|is))?"
_MONEY_PHRASE = (rf"(?:\b(?:{_AMOUNT_WORDS})\s+|(?:不超过|低于|少于|预算|最多|大概|大约|差不多)\s*)?"
                 rf"(?:{_CUR}\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:{_UNIT_EN}\b|{_UNIT_ZH}))"
                 rf"(?:\s*(?:-|–|to|and|到|至)\s*{_CUR}?\s*\d+(?:\.\d+)?(?:\s*(?:{_UNIT_EN}\b|{_UNIT_ZH}))?)?(?:\s*(?:以下|以内|之内|以上|左右))?")
_AGE_PHRASE = (r"\b(?:a\s+|an\s+)?\d{1,2}\s*-?\s*(?:years?|yrs?)[\s-]*old\b|\b(?:aged|age)\s+\d{1,2}\b|\b\d{1,2}\s*yo\b|"
               rf"{_SAID_AGE}|(?:\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*(?:周)?岁(?:的)?")
_AMOUNTS = re.compile(rf"{_RECENT.pattern}|{_MONEY_PHRASE}|{_AGE_PHRASE}", re.IGNORECASE)


def without_amounts(text: str) -> str:
    """``text`` without its prices, ages and spans of recent years ("under £30", "he's 8", "五岁的", "the last 10 years"):
    code checks them against the catalog, and searched by meaning their numbers find titles ("a building toy for my nephew, he's 8, under £30" found a 30cm
    plush Dalmatian and an 8" Tom Nook before any construction set)."""
    return " ".join(_AMOUNTS.sub(lambda m: f" {m.group('kind') or ''} ", text).split())  # "films no more than 5 years old": films


def parse_age(text: str) -> int | None:
    t = _RECENT.sub(" ", text.casefold())  # "films no more than 10 years old" says no one's age
    if m := re.search(rf"(\d{{1,2}})\s*-?\s*(?:years?|yrs?)[\s-]*old|(?:aged|age)\s+(\d{{1,2}})|(\d{{1,2}})\s*yo\b|{_SAID_AGE}", t):
        return int(next(g for g in m.groups() if g))
    if m := re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:周)?岁", t):
        return zh_number(m.group(1))
    return None


_ZH_REFERENCE = re.compile(r"第\s*([一二三四五六七八九十\d]{1,2})\s*(?:个|部|本|件|款|项)?|最后一(?:个|部|本|件|款)")


def parse_references(text: str) -> list[int]:
    """Every shown pick a message names, in its order: 'the second one', '#2', 'number 3', '第二个', '最后一个' → 2, 2,
    3, 2, -1; "is the first one cheaper than the last?" → [1, -1]."""
    t = text.casefold()
    ordinals = "|".join(_EN_ORDINALS)
    found = [(m.start(), int(m.group(1))) for m in re.finditer(r"(?:#|number\s+|no\.\s*)(\d)\b", t)]
    found += [(m.start(), _EN_ORDINALS[m.group(1)])
              for m in re.finditer(rf"\b(?:the\s+)?({ordinals})(?:\s+(?:one|pick|movie|film|book|item|toy|game|suggestion))?\b", t)]  # fmt: skip
    found += [(m.start(), zh_number(m.group(1)) if m.group(1) else -1) for m in _ZH_REFERENCE.finditer(t)]
    return list(dict.fromkeys(n for _, n in sorted(found) if n is not None))


# "第一个比第二个新吗": a Chinese comparison says how with 比 and a character or two, too short to be a cue word
_ZH_COMPARED = re.compile(r"比[^，。？！?!]{0,12}?(?:更|还)?(便宜|贵|新|晚|早|老|旧)")
_ZH_RELATIVE: dict[str, Relative] = {"便宜": "cheaper", "贵": "pricier", "新": "newer", "晚": "newer", "早": "older", "老": "older", "旧": "older"}


def _compared(text: str, cues: Sequence[str]) -> list[Relative]:
    """The relative words a message comparing two picks says: its cue words ("cheaper", "more recent") and a Chinese 比…新."""
    return list(dict.fromkeys([*(r for r in get_args(Relative) if r in cues), *(_ZH_RELATIVE[m[1]] for m in _ZH_COMPARED.finditer(text))]))

