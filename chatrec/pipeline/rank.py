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
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field, create_model

from chatrec.llm.meter import TurnModel
from chatrec.models import Intent
from chatrec.pipeline.retrieve import Candidate
from chatrec.present import model_line
from chatrec.prompts import PromptLibrary
from chatrec.scenarios import DEFAULT_WEIGHTS, Scenario
from chatrec.signals import content, popularity
from chatrec.signals.fusion import fuse

log = logging.getLogger(__name__)


class Ranked(BaseModel):
    candidate: Candidate
    index: int = Field(description="Position of the candidate in the pool it was ranked in.")
    score: float
    contributions: dict[str, float] = Field(default_factory=dict)


@dataclass
class Fusion:
    """The candidates ranked by every signal but the model's: what the cards show first."""

    candidates: list[Candidate]
    signals: dict[str, np.ndarray | None]
    weights: dict[str, float]
    ranked: list[Ranked]
    lead: np.ndarray | None = None  # candidates that come before all others, whatever their scores (see ranked_by)

    def wants_model(self) -> bool:
        """Whether the scenario gives the model's re-rank any weight, and there is something to order."""
        return self.weights.get("llm", 0) > 0 and len(self.candidates) > 1


def ranked_by(cands: list[Candidate], signals: dict[str, np.ndarray | None], weights: dict[str, float],
              tie_order: list[int] | None = None, lead: np.ndarray | None = None) -> list[Ranked]:  # fmt: skip
    """Candidates by fused score, each with every signal's contribution; ties keep ``tie_order``. Those ``lead``
    marks come first (a blend of genres asked, "a horror comedy", before the horror films and the comedies)."""
    scores, parts = fuse(signals, weights, len(cands))
    first = lead if lead is not None else np.zeros(len(cands), dtype=bool)
    order = sorted(tie_order if tie_order is not None else range(len(cands)), key=lambda i: (not first[i], -scores[i]))
    return [
        Ranked(candidate=cands[i], index=i, score=round(float(scores[i]), 4),
               contributions={k: round(float(v[i]), 4) for k, v in parts.items()})
        for i in order
    ]  # fmt: skip


class Ranker:
    def __init__(self, prompts: PromptLibrary, rerank_top: int = 6, answer_count: int = 3,
                 default_weights: dict[str, float] | None = None) -> None:  # fmt: skip
        self.prompts = prompts
        self.default_weights = default_weights or DEFAULT_WEIGHTS  # for a request that matches no scenario
        self.rerank_top = rerank_top
        self.answer_count = answer_count

    def weights(self, scenario: Scenario | None) -> dict[str, float]:
        """The scenario's weights, or the defaults for a request that matches no scenario."""
        return scenario.weights if scenario else self.default_weights

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

    def fuse(
        self,
        cands: list[Candidate],
        scenario: Scenario | None,
        vectors: np.ndarray,
        liked: np.ndarray,
        rejected: np.ndarray,
        extra: dict[str, np.ndarray | None] | None = None,
        lead: np.ndarray | None = None,
    ) -> Fusion:
        """The fused ranking without the model; ``extra`` adds signals computed elsewhere (collaborative ones) by name,
        and the candidates ``lead`` marks come first."""
        weights = self.weights(scenario)
        signals = self.base_signals(cands, vectors, liked, rejected) | (extra or {}) if cands else {}
        return Fusion(cands, signals, weights, ranked_by(cands, signals, weights, lead=lead) if cands else [], lead)

    def rerank(self, fusion: Fusion, intent: Intent, scenario: Scenario | None, model: TurnModel) -> list[Ranked] | None:
        """The ranking with the model's judgement fused in, or None if it had nothing to add.

        Raises :class:`LLMError` if the model fails; the fused order then stands."""
        judged = self.llm_signal(fusion, intent, scenario, model)
        if judged is None:
            return None
        order = [r.index for r in fusion.ranked]
        return ranked_by(fusion.candidates, {**fusion.signals, "llm": judged}, fusion.weights, order, fusion.lead)

    def llm_signal(self, fusion: Fusion, intent: Intent, scenario: Scenario | None, model: TurnModel) -> np.ndarray | None:
        """Reciprocal-rank scores from the model's ordering of the top candidates (None if it echoed)."""
        cands = fusion.candidates
        shown = [r.index for r in fusion.ranked[: self.rerank_top]]
        random.Random(hashlib.sha256(intent.query.encode()).digest()).shuffle(shown)  # fixed per request
        count = min(self.answer_count, len(shown))
        schema = create_model("Ranking", ranking=(list[int], ...))  # no length bounds: see understand.llm_schema
        messages = self.prompts.render(
            "rerank", request=intent.query, count=str(count),
            scenario=scenario.description if scenario else "no particular situation",
            candidates="\n".join(model_line(n, cands[i].item) for n, i in enumerate(shown, start=1)),
        )  # fmt: skip
        answer = model.structured("rerank", messages, schema, max_tokens=40).ranking  # type: ignore[attr-defined]
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
