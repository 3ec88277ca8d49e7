"""Catalog titles named in a message ("I loved Toy Story", "不喜欢《泰坦尼克号》").

Only spans that follow a like/dislike/similarity cue, or stand in quotes or 《》, are
matched, and only against the catalog's own titles (rapidfuzz, high threshold), so a
title the model imagines, or a common word that happens to be a title, never becomes a fact.
"""

from __future__ import annotations

import re
import threading

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils

from chatrec.catalog.store import VectorStore

_CUE = re.compile(
    r"(?:(?P<neg>didn'?t like|don'?t like|did not like|hated?|disliked|not a fan of|不喜欢|讨厌)"
    r"|(?:loved?|liked?|enjoyed|adored|fan of|similar to|something like|more like|像|喜欢|类似)"
    r")\s*(?P<span>[^,.;!?，。；！？]{2,80})",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“《「']([^\"”》」']{2,80})[\"”》」']")


class TitleMention(BaseModel):
    item_id: str
    title: str
    liked: bool


class TitleIndex:
    """Titles of one store's domains, loaded on first use and kept."""

    def __init__(self, store: VectorStore, threshold: float = 90.0) -> None:
        self.store = store
        self.threshold = threshold
        self._titles: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def titles(self, domain: str) -> dict[str, str]:
        with self._lock:
            if domain not in self._titles:
                self._titles[domain] = self.store.titles(domain)
            return self._titles[domain]

    def find(self, message: str, domain: str) -> list[TitleMention]:
        spans: list[tuple[str, bool]] = [(m.group("span"), m.group("neg") is None) for m in _CUE.finditer(message)]
        spans += [(m.group(1), not re.search(r"不喜欢|don'?t like|hate", message, re.I)) for m in _QUOTED.finditer(message)]
        if not spans:
            return []
        titles = self.titles(domain)
        if not titles:
            return []
        choices = list(titles.values())
        ids = list(titles)
        found: dict[str, TitleMention] = {}
        for span, liked in spans:
            words = span.split()
            # the title is a prefix of what follows the cue: "Toy Story and want something similar"
            for n in range(min(len(words), 8), 0, -1):
                candidate = " ".join(words[:n])
                hit = process.extractOne(
                    candidate, choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=self.threshold
                )
                if hit is not None and len(utils.default_process(candidate)) >= 3:
                    item_id = ids[hit[2]]
                    found.setdefault(item_id, TitleMention(item_id=item_id, title=hit[0], liked=liked))
                    break
        return list(found.values())
