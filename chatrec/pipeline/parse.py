"""Deterministic reading of a message: decades, years, prices, ages, genre words, cues.

A small model reads intent loosely but gets numbers wrong ("九十年代" → 1980–1990) and
over-fills lists; these parsers own the facts and win wherever they find something.
English and Chinese; the word lists live in ``prompts/lexicon.yaml``.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from chatrec.models import Ranges

_CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1}
_EN_DECADES = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
               "seventies": 1970, "eighties": 1980, "nineties": 1990}  # fmt: skip
_UNIT_EN = r"(?:pounds?|quid|dollars?|euros?|bucks|gbp|usd|eur)"
_UNIT_ZH = r"(?:元|块钱|块|英镑|镑|美元|欧元)"
_CUR = r"[£$€¥]"
_NUM = r"(\d+(?:\.\d+)?)"


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
    age: int | None = None
    children: bool = False
    reference: int | None = None
    cues: list[str] = Field(default_factory=list)

    genre_domain: str | None = Field(None, description="Domain guessed from genre words alone.")

    @property
    def domain(self) -> str | None:
        return max(self.domains, key=self.domains.__getitem__) if self.domains else None


class Lexicon:
    """Phrase lists from ``lexicon.yaml`` with English word-boundary and Chinese substring matching."""

    def __init__(self, data: Any) -> None:
        self.domains: dict[str, list[str]] = data["domains"]
        self.genres: dict[str, dict[str, list[str]]] = data["genres"]
        self.negations: dict[str, list[str]] = data["negations"]
        self.children: list[str] = data["children"]
        self.actions: dict[str, list[str]] = data["actions"]
        self._patterns: dict[str, re.Pattern[str]] = {}

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        return cls(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))

    def _pattern(self, phrase: str) -> re.Pattern[str]:
        if phrase not in self._patterns:
            body = re.escape(phrase.casefold()).replace(r"\ ", r"\s+")
            self._patterns[phrase] = re.compile(body if is_chinese(phrase) else rf"(?<![\w-]){body}(?![\w-])")
        return self._patterns[phrase]

    def find(self, text: str, phrase: str) -> list[int]:
        return [m.start() for m in self._pattern(phrase).finditer(text.casefold())]

    def any(self, text: str, phrases: list[str]) -> bool:
        return any(self.find(text, p) for p in phrases)

    @cached_property
    def _negation_en(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w) for w in sorted(self.negations["en"], key=len, reverse=True))
        return re.compile(rf"(?<![\w'])(?:{words})(?![\w'])")

    def negated(self, text: str, pos: int) -> bool:
        """Is the phrase at ``pos`` governed by a negation just before it?"""
        before = text.casefold()[:pos]
        if any(before[-6:].find(w) >= 0 for w in self.negations["zh"]):
            return True
        clause = re.split(r"[,.!?;，。！？；]|\bbut\b|\band\b", before)[-1]  # never across a clause
        window = " ".join(clause.split()[-4:])  # the last few words
        return bool(self._negation_en.search(window))

    def canonical_genres(self, domain: str) -> set[str]:
        return {g for gs in self.genres.get(domain, {}).values() for g in gs}

    def genre_words(self, text: str, domain: str) -> tuple[list[str], list[str]]:
        """(wanted, unwanted) canonical genres named in ``text`` for ``domain``."""
        want: dict[str, None] = {}
        avoid: dict[str, None] = {}
        phrases = self.genres.get(domain, {})
        spans: list[tuple[int, int]] = []
        for phrase in sorted(phrases, key=len, reverse=True):  # longest first: "science fiction" before "fiction"
            for pos in self.find(text, phrase):
                if any(a <= pos < b for a, b in spans):
                    continue
                spans.append((pos, pos + len(phrase)))
                target = avoid if self.negated(text, pos) else want
                target.update(dict.fromkeys(phrases[phrase]))
        return [g for g in want if g not in avoid], list(avoid)

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

    def parse(self, text: str, domain_hint: str | None = None) -> Parsed:
        p = Parsed(language="zh" if is_chinese(text) else "en")
        p.domains = {d: n for d, ws in self.domains.items() if (n := sum(len(self.find(text, w)) for w in ws))}
        if domain := p.domain or domain_hint:
            p.include, p.exclude = self.genre_words(text, domain)
        else:  # no domain word: the domain whose genre words the message uses, if any
            found = {d: self.genre_words(text, d) for d in self.genres}
            best = max(found, key=lambda d: len(found[d][0]) + len(found[d][1]), default=None)
            if best and any(found[best]):
                p.include, p.exclude = found[best]
                p.genre_domain = best
        p.cues = [cue for cue, phrases in self.actions.items() if self.any(text, phrases)]
        p.year_min, p.year_max = parse_years(text)
        p.price_min, p.price_max = parse_prices(text)
        p.age = parse_age(text)
        p.children = (p.age is not None and p.age < 13) or self.any(text, self.children)
        p.reference = parse_reference(text)
        return p


def parse_years(text: str) -> tuple[int | None, int | None]:
    """Year bounds from decades, ranges and before/after phrases, English and Chinese."""
    t = text.casefold()
    if m := re.search(r"([一二三四五六七八九]十|[0-9]0)年代", t):  # 九十年代, 90年代, 00年代
        n = zh_number(m.group(1)) or 0
        start = 1900 + n if n >= 20 else 2000 + n
        return start, start + 9
    if m := re.search(r"(?<!\d)(19|20)(\d)0\s*年代", t):
        start = int(m.group(1) + m.group(2) + "0")
        return start, start + 9
    if m := re.search(r"(?<![\w$£€])(?:(19|20)(\d)0|'?(\d)0)'?s(?!\w)", t):  # 1990s, 90s, '80s
        if m.group(1):
            start = int(m.group(1) + m.group(2) + "0")
        else:
            d = int(m.group(3))
            start = 1900 + d * 10 if d >= 2 else 2000 + d * 10
        return start, start + 9
    for word, start in _EN_DECADES.items():
        if re.search(rf"\b{word}\b", t):
            return start, start + 9
    year = r"((?:19|20)\d{2})"
    if m := re.search(rf"(?:between|from)\s+{year}\s+(?:and|to|-)\s+{year}|{year}\s*(?:-|–|to|到|至)\s*{year}年?", t):
        a, b = [int(g) for g in m.groups() if g]
        return min(a, b), max(a, b)
    lo = hi = None
    if m := re.search(rf"(?:after|since|from|newer than|post-?)\s+{year}", t):
        lo = int(m.group(1)) + (1 if t[m.start() :].startswith("after") else 0)
    if m := re.search(rf"{year}\s*年?\s*(?:以后|之后|后|以来)", t):
        lo = int(m.group(1))
    if m := re.search(rf"(?:before|until|older than|pre-?)\s+{year}", t):
        hi = int(m.group(1)) - (1 if t[m.start() :].startswith("before") else 0)
    if m := re.search(rf"{year}\s*年?\s*(?:以前|之前|前)", t):
        hi = int(m.group(1)) - 1
    if lo is None and hi is None and (m := re.search(rf"(?:in|from the year)\s+{year}\b|{year}\s*年的", t)):
        lo = hi = int(m.group(1) or m.group(2))
    return lo, hi


def parse_prices(text: str) -> tuple[float | None, float | None]:
    """Price bounds; a bare number counts only with a currency, a unit or the word budget."""
    t = text.casefold()
    money = rf"(?:{_CUR}\s*{_NUM}|{_NUM}\s*{_UNIT_EN}|{_NUM}\s*{_UNIT_ZH})"

    def amount(m: re.Match[str], first: int = 1) -> float:
        return float(next(g for g in m.groups()[first - 1 :] if g))

    if m := re.search(rf"between\s+{money}\s+and\s+(?:{_CUR}\s*)?{_NUM}|{_CUR}\s*{_NUM}\s*(?:-|–|to)\s*{_CUR}?\s*{_NUM}", t):
        nums = [float(g) for g in m.groups() if g]
        return min(nums[0], nums[-1]), max(nums[0], nums[-1])
    lo = hi = None
    upper = r"under|below|less than|cheaper than|at most|up to|max(?:imum)?|no more than|within|not more than"
    if m := re.search(rf"(?:{upper})\s+{money}", t):
        hi = amount(m)
    elif m := re.search(rf"budget(?:\s+(?:of|is))?\s*(?:{_CUR}\s*)?{_NUM}", t):
        hi = amount(m)
    elif m := re.search(rf"(?:不超过|低于|少于|预算|最多)\s*{_NUM}\s*{_UNIT_ZH}?|{_NUM}\s*{_UNIT_ZH}?\s*(?:以下|以内|之内)(?!.*岁)", t):
        if not re.search(r"\d\s*岁", t[m.start() : m.end() + 2]):
            hi = amount(m)
    if m := re.search(rf"(?:over|above|more than|at least|from)\s+{money}|{_NUM}\s*{_UNIT_ZH}\s*以上", t):
        lo = amount(m)
    return lo, hi


def parse_age(text: str) -> int | None:
    t = text.casefold()
    if m := re.search(r"(\d{1,2})\s*-?\s*(?:years?|yrs?)[\s-]*old|(?:aged|age)\s+(\d{1,2})|(\d{1,2})\s*yo\b", t):
        return int(next(g for g in m.groups() if g))
    if m := re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:周)?岁", t):
        return zh_number(m.group(1))
    return None


def parse_reference(text: str) -> int | None:
    """'the second one', '#2', 'number 3', '第二个', '最后一个' → 2, 2, 3, 2, -1."""
    t = text.casefold()
    if m := re.search(r"(?:#|number\s+|no\.\s*)(\d)\b", t):
        return int(m.group(1))
    ordinals = "|".join(_EN_ORDINALS)
    if m := re.search(rf"\b(?:the\s+)?({ordinals})(?:\s+(?:one|pick|movie|film|book|item|toy|game|suggestion))?\b", t):
        return _EN_ORDINALS[m.group(1)]
    if m := re.search(r"第\s*([一二三四五六七八九十\d]{1,2})\s*(?:个|部|本|件|款|项)?", t):
        return zh_number(m.group(1))
    if re.search(r"最后一(?:个|部|本|件|款)", t):
        return -1
    return None
