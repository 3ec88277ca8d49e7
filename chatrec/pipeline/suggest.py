"""The model as a candidate source: it names titles it knows that fit the conversation; code keeps only
those that are catalog items.

A small model knows popular titles well and adds what retrieval by words cannot (films like
the ones named, even with nothing in common in their descriptions), but it also invents
sequels and repeats itself. So each name is looked up as "Title (Year)" with the chat's own
linker (article forms, a.k.a., typos; the year must agree); a name with no catalog item is
dropped and counted, never shown. What remains joins the candidate pool and scores a
``suggested`` signal by its place in the model's list.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from chatrec.llm.meter import TurnModel
from chatrec.models import Intent, Item
from chatrec.pipeline.titles import TitleIndex
from chatrec.prompts import PromptLibrary
from chatrec.recent import Recent

log = logging.getLogger(__name__)

NOUNS = {"movies": "films", "books": "books", "toys": "toys and games"}
_BULLET = re.compile(r'^\s*(?:[-*•]|\d+[.)])\s*|["“”]')  # "1. ", "- ", quotes around a title


class Grounded(BaseModel):
    """What came back: catalog ids in the model's order, and how many names matched nothing."""

    ids: list[str]
    named: int  # distinct names the model gave
    dropped: int  # of them, names with no catalog item of that year (or no year at all)


class Suggester:
    def __init__(self, prompts: PromptLibrary, titles: TitleIndex, count: int = 10, remember: int = 256) -> None:
        self.prompts = prompts
        self.titles = titles
        self.count = count
        self._recent: Recent[Grounded] = Recent(remember)  # a repeated request costs no second call
        self._lock = threading.Lock()
        self.names = self.dropped = 0  # since start: names the model gave, and those that matched nothing

    def messages(self, request: str, named: Sequence[Item], domain: str) -> list[dict[str, str]]:
        listing = "; ".join(f"{it.title} ({it.year})" if it.year else it.title for it in named[-12:]) or "(none)"
        return self.prompts.render("suggest", domain=NOUNS.get(domain, domain), request=request, named=listing, count=str(self.count))

    def __call__(self, intent: Intent, named: Sequence[Item], model: TurnModel) -> Grounded:
        """The model's names grounded in the catalog; raises :class:`~chatrec.llm.client.LLMError` if the call fails."""
        domain = intent.domain or ""
        messages = self.messages(intent.query, named, domain)
        # Plain lines, not JSON: a small model runs past any count in a JSON list and the cut answer would not
        # parse; a line cut short lacks its "(Year)" and simply matches nothing.
        return self._recent.get(
            json.dumps(messages, ensure_ascii=False),
            lambda: self._ground(model.complete("suggest", messages, max_tokens=12 * self.count, temperature=0.0), named, domain),
        )

    def _ground(self, answer: str, named: Sequence[Item], domain: str) -> Grounded:
        """Each distinct "Title (Year)" line looked up in the catalog; not the named items again, nothing without a year."""
        lines = (" ".join(_BULLET.sub("", line).split()) for line in answer.splitlines())
        names = list(dict.fromkeys(n for n in lines if n))[: 2 * self.count]
        taken = {it.id for it in named}
        ids: list[str] = []
        dropped = 0
        for name in names:
            found = self.titles.with_years(name, domain)[:1]  # one name, one film
            if not found:
                dropped += 1
            ids += [m.item_id for m in found if m.item_id not in taken and m.item_id not in ids]
        if dropped:
            log.info("suggest: %d of %d names matched no catalog item and were dropped", dropped, len(names))
        with self._lock:
            self.names, self.dropped = self.names + len(names), self.dropped + dropped
        return Grounded(ids=ids[: self.count], named=len(names), dropped=dropped)

    @staticmethod
    def signal(candidate_ids: Sequence[str], suggested: Sequence[str]) -> np.ndarray:
        """Reciprocal rank in the model's list; 0 for a candidate it did not name."""
        place = {i: n for n, i in enumerate(suggested)}
        return np.asarray([1.0 / (1 + place[i]) if i in place else 0.0 for i in candidate_ids])
