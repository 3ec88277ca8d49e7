"""Stage 3: candidates → ranked list, fusing classic signals with the model's judgement.

The model sees the top candidates as numbered lines in a shuffled order (so it cannot just
agree with our order), answers with numbers only, and code maps the numbers back to catalog
ids, dropping anything that is not one of them. A reply that merely echoes the presented
order carries no judgement and is discarded, as is any failure: the fused order stands.
"""

from __future__ import annotations

import hashlib
import logging
import random

import numpy as np
from pydantic import BaseModel, Field, create_model

from chatrec.llm.client import ChatLLM, LLMError
from chatrec.models import Intent
from chatrec.pipeline.retrieve import Candidate
from chatrec.prompts import PromptLibrary
from chatrec.scenarios import DEFAULT_WEIGHTS, Scenario
from chatrec.signals import content, popularity
from chatrec.signals.fusion import fuse

log = logging.getLogger(__name__)


class Ranked(BaseModel):
    candidate: Candidate
    score: float
    contributions: dict[str, float] = Field(default_factory=dict)


def candidate_line(n: int, c: Candidate) -> str:
    it = c.item
    facts = [f"{n}. {it.title}" + (f" ({it.year})" if it.year else "")]
    if it.genres:
        facts.append(", ".join(it.genres[:4]))
    if it.price is not None:
        facts.append(f"price {it.price:g}")
    if it.description:
        facts.append(it.description[:60].rsplit(" ", 1)[0])
    return " — ".join(facts)


class Ranker:
    def __init__(self, prompts: PromptLibrary, llm: ChatLLM | None, rerank_top: int = 6, answer_count: int = 3) -> None:
        self.prompts = prompts
        self.llm = llm
        self.rerank_top = rerank_top
        self.answer_count = answer_count

    def base_signals(
        self, cands: list[Candidate], vectors: np.ndarray, liked: np.ndarray, rejected: np.ndarray
    ) -> dict[str, np.ndarray | None]:
        items = [c.item for c in cands]
        return {
            "semantic": content.semantic([c.similarity for c in cands]),
            "profile": content.profile(vectors, liked, rejected) if len(vectors) else None,
            "popularity": popularity.popularity(items),
            "rating": popularity.rating(items),
            "price": popularity.cheapness(items),
        }

    def __call__(
        self,
        cands: list[Candidate],
        intent: Intent,
        scenario: Scenario | None,
        vectors: np.ndarray,
        liked: np.ndarray,
        rejected: np.ndarray,
        use_llm: bool = True,
        extra: dict[str, np.ndarray | None] | None = None,
    ) -> tuple[list[Ranked], list[str]]:
        """Fused ranking; ``extra`` adds signals computed elsewhere (collaborative ones) by name."""
        if not cands:
            return [], []
        weights = scenario.weights if scenario else DEFAULT_WEIGHTS
        signals = self.base_signals(cands, vectors, liked, rejected) | (extra or {})
        pre, _ = fuse(signals, weights, len(cands))
        order = list(np.argsort(-pre, kind="stable"))
        notices: list[str] = []
        if use_llm and weights.get("llm", 0) > 0 and self.llm is not None and len(cands) > 1:
            try:
                signals["llm"] = self.llm_signal(cands, order, intent, scenario)
            except LLMError as e:
                log.warning("rank: keeping the fused order: %s", e)
                notices.append("The language model could not rank this time; the order comes from the other signals.")
        scores, parts = fuse(signals, weights, len(cands))
        final = sorted(order, key=lambda i: -scores[i])  # stable: ties keep the pre-model order
        return [
            Ranked(candidate=cands[i], score=round(float(scores[i]), 4),
                   contributions={k: round(float(v[i]), 4) for k, v in parts.items()})
            for i in final
        ], notices  # fmt: skip

    def llm_signal(self, cands: list[Candidate], order: list[int], intent: Intent, scenario: Scenario | None) -> np.ndarray | None:
        """Reciprocal-rank scores from the model's ordering of the top candidates (None if it echoed)."""
        assert self.llm is not None
        top = order[: self.rerank_top]
        shown = top[:]
        random.Random(hashlib.sha256(intent.query.encode()).digest()).shuffle(shown)  # fixed per request
        count = min(self.answer_count, len(shown))
        schema = create_model("Ranking", ranking=(list[int], ...))  # no length bounds: see understand.llm_schema
        messages = self.prompts.render(
            "rerank", request=intent.query, count=str(count),
            scenario=scenario.description if scenario else "no particular situation",
            candidates="\n".join(candidate_line(n, cands[i]) for n, i in enumerate(shown, start=1)),
        )  # fmt: skip
        answer = self.llm.structured(messages, schema, max_tokens=40).ranking  # type: ignore[attr-defined]
        picked = list(dict.fromkeys(n for n in answer if 1 <= n <= len(shown)))[:count]
        if not picked:
            log.info("rank: the model named no candidate (%s)", answer)
            return None
        if picked == list(range(1, len(picked) + 1)) and len(picked) >= min(3, len(shown)):
            log.info("rank: the model echoed the presented order; ignoring it")
            return None
        out = np.zeros(len(cands))
        for pos, n in enumerate(picked):
            out[shown[n - 1]] = 1.0 / (1 + pos)
        return out
