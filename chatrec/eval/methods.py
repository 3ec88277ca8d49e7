"""The methods compared: library baselines, content, the hybrid fusion, and hybrid + LLM re-rank.

All of them rank the same :class:`Task` (one user, a candidate list in a fixed shuffled
order, the relevant items). Baselines rank by their own score; the hybrid fuses the
normalised signals with the production :func:`chatrec.signals.fusion.fuse`; the LLM variant
runs the production :class:`chatrec.pipeline.rank.Ranker` over the hybrid's top candidates.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from chatrec.eval.metrics import mean_metrics
from chatrec.llm.client import ChatLLM, LLMError
from chatrec.llm.meter import TurnModel
from chatrec.models import Intent, Item
from chatrec.pipeline.rank import Ranker
from chatrec.pipeline.retrieve import Candidate
from chatrec.scenarios import Scenario
from chatrec.signals.collaborative import CollaborativeModel, make_model
from chatrec.signals.fusion import fuse

log = logging.getLogger(__name__)

BASELINES = ("popularity", "item_knn", "als", "bpr")
# The hybrid's signals and the model (or content score) behind each.
HYBRID_SIGNALS = {"collaborative": "als", "neighbours": "item_knn", "profile": "content", "popularity": "popularity"}


@dataclass
class Task:
    """One user's ranking problem."""

    user: int  # row of the training matrix
    candidates: np.ndarray  # item columns, in the (shuffled) order they are presented
    relevant: set[int]


@dataclass
class Fitted:
    """Every model fitted on one training matrix, plus item vectors for the content signal."""

    train: sp.csr_matrix  # ratings (the models see them as binary interactions)
    vectors: np.ndarray  # unit item vectors, rows = item columns
    models: dict[str, CollaborativeModel] = field(default_factory=dict)

    @classmethod
    def fit(cls, train: sp.csr_matrix, vectors: np.ndarray, seed: int) -> Fitted:
        binary = train.copy()
        binary.data = np.ones_like(binary.data)
        return cls(train, vectors, {name: make_model(name, seed).fit(binary) for name in BASELINES})

    def content(self, users: Sequence[int], liked: float = 4.0) -> np.ndarray:
        """Cosine between each item and the mean vector of the user's liked (else all) training items,
        as the chat's profile signal does with liked items."""
        rows = self.train[list(users)].tocsr()
        good = sp.csr_matrix(rows >= liked, dtype=np.float32)
        seen = sp.csr_matrix(rows > 0, dtype=np.float32)
        profiles = np.asarray(good @ self.vectors)
        empty = np.flatnonzero(good.getnnz(axis=1) == 0)
        if empty.size:
            profiles[empty] = np.asarray(seen[empty] @ self.vectors)
        profiles /= np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-12)
        return profiles @ self.vectors.T

    def scores(self, users: Sequence[int]) -> dict[str, np.ndarray]:
        """Every base score (users × items): the baselines and ``content``."""
        out = {name: m.score_users(self.train, users) for name, m in self.models.items()}
        out["content"] = self.content(users)
        return out


def order(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Candidates best first; ties keep the presented (shuffled) order."""
    return candidates[np.argsort(-scores, kind="stable")]


def hybrid_signals(base: dict[str, np.ndarray], row: int, candidates: np.ndarray) -> dict[str, np.ndarray | None]:
    out: dict[str, np.ndarray | None] = {sig: base[src][row, candidates] for sig, src in HYBRID_SIGNALS.items()}
    out["popularity"] = np.log1p(base["popularity"][row, candidates])  # as the chat's popularity signal
    return out


def rank_tasks(tasks: list[Task], base: dict[str, np.ndarray], method: str, weights: dict[str, float], depth: int) -> dict[str, list[int]]:
    """Top ``depth`` item columns per task for a baseline, ``content`` or ``hybrid``."""
    out = {}
    for n, t in enumerate(tasks):
        if method == "hybrid":
            scores, _ = fuse(hybrid_signals(base, n, t.candidates), weights, len(t.candidates))
        else:
            scores = base[method][n, t.candidates]
        out[str(n)] = order(scores, t.candidates)[:depth].tolist()
    return out


def as_ids(ranked: dict[str, list[int]]) -> dict[str, list[str]]:
    return {u: [str(i) for i in items] for u, items in ranked.items()}


def relevant_ids(tasks: list[Task]) -> dict[str, set[str]]:
    return {str(n): {str(i) for i in t.relevant} for n, t in enumerate(tasks)}


GRID = (0.0, 0.5, 1.0, 2.0, 4.0)


def weight_grid(signals: Sequence[str], levels: Sequence[float] = GRID) -> list[dict[str, float]]:
    """Every non-zero combination of levels, normalised, without scale duplicates."""
    seen, grid = set(), []
    for combo in itertools.product(levels, repeat=len(signals)):
        total = sum(combo)
        if total == 0:
            continue
        w = tuple(round(c / total, 4) for c in combo)
        if w not in seen:
            seen.add(w)
            grid.append(dict(zip(signals, w, strict=True)))
    return grid


def tune(
    tasks: list[Task], base: dict[str, np.ndarray], metric: str, depth: int, levels: Sequence[float] = GRID
) -> tuple[dict[str, float], float]:
    """The hybrid weights with the best mean ``metric`` on these (validation) tasks (grid search)."""
    relevant = relevant_ids(tasks)
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for weights in weight_grid(list(HYBRID_SIGNALS), levels):
        value = mean_metrics(as_ids(rank_tasks(tasks, base, "hybrid", weights, depth)), relevant, [metric])[metric]
        if value > best[0] + 1e-9:
            best = (value, weights)
    log.info("tuned %s=%.4f with %s", metric, best[0], best[1])
    return best[1], best[0]


@dataclass
class LLMReranker:
    """The production re-rank over the hybrid's best ``pool`` candidates, described by catalog facts."""

    ranker: Ranker
    llm: ChatLLM
    scenario: Scenario
    items: list[Item]
    liked_titles: Callable[[int], list[str]]  # task index → titles the user liked, best first
    pool: int = 20
    failures: int = 0

    def request(self, titles: list[str]) -> str:
        return "Movies for someone whose favourites include " + "; ".join(titles[:8]) + ". What should they watch next?"

    def __call__(self, n: int, task: Task, base: dict[str, np.ndarray], weights: dict[str, float], depth: int) -> list[int]:
        signals = hybrid_signals(base, n, task.candidates)
        scores, _ = fuse(signals, weights, len(task.candidates))
        ranked = np.argsort(-scores, kind="stable")
        head = ranked[: self.pool]
        cands = [Candidate(item=self.items[task.candidates[i]], similarity=0.0) for i in head]
        extra = {k: (v[head] if v is not None else None) for k, v in signals.items()}
        scenario = self.scenario.model_copy(update={"weights": {**weights, "llm": self.scenario.weights.get("llm", 0.1)}})
        intent = Intent(action="recommend", query=self.request(self.liked_titles(n)), domain="movies")
        fusion = self.ranker.fuse(cands, scenario, np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)), extra=extra)
        try:
            out = self.ranker.rerank(fusion, intent, scenario, TurnModel(self.llm)) or fusion.ranked
        except LLMError as e:
            log.warning("re-rank failed for task %d: %s", n, e)
            self.failures += 1
            out = fusion.ranked
        by_id = {c.item.id: task.candidates[i] for c, i in zip(cands, head, strict=True)}
        reranked = [int(by_id[r.candidate.item.id]) for r in out]
        return (reranked + [int(task.candidates[i]) for i in ranked[self.pool :]])[:depth]
