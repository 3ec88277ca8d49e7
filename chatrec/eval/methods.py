"""The methods compared, ranked the same way, and tuned the same way.

Every method ranks the same :class:`Tasks` (per user: candidates in a fixed shuffled order,
the relevant items). Baselines rank by their own score (ties keep the presented order); the
hybrid fuses min-max-normalised signals over each user's candidates exactly as the chat's
:func:`chatrec.signals.fusion.fuse` does (a flat signal drops out), vectorised over users.

Tuning is a random search with one budget for every method that has settings: ALS, BPR,
item-kNN and each fusion (the hybrid, its ablations). Each search starts from the library
default and scores configurations on the same validation tasks.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.eval.metrics import per_user
from chatrec.llm.client import ChatLLM, LLMError
from chatrec.llm.meter import TurnModel
from chatrec.models import Intent, Item
from chatrec.pipeline.rank import Fusion, Ranker, ranked_by
from chatrec.pipeline.retrieve import Candidate
from chatrec.scenarios import Scenario
from chatrec.signals.collaborative import CollaborativeModel, FactorModel, ItemKNN, Popularity

log = logging.getLogger(__name__)

BASELINES = ("popularity", "item_knn", "als", "bpr")
# The hybrid's signals and the model (or content score) behind each.
HYBRID_SIGNALS = {"collaborative": "als", "neighbours": "item_knn", "profile": "content", "popularity": "popularity"}
# The fusions compared: the hybrid, the hybrid without each signal, and ALS + popularity alone.
FUSIONS: dict[str, tuple[str, ...]] = {
    "hybrid": tuple(HYBRID_SIGNALS),
    **{f"hybrid without {s}": tuple(k for k in HYBRID_SIGNALS if k != s) for s in HYBRID_SIGNALS},
    "ALS + popularity": ("collaborative", "popularity"),
}
# Search spaces; the first value of each is not special, the defaults are below.
SPACES: dict[str, dict[str, list[Any]]] = {
    "als": {"factors": [16, 32, 64, 128, 256], "regularization": [0.001, 0.01, 0.05, 0.1, 0.5, 1.0], "iterations": [10, 15, 30]},
    "bpr": {
        "factors": [16, 32, 64, 128],
        "regularization": [0.0001, 0.001, 0.01, 0.1],
        "iterations": [50, 100, 200, 400],
        "learning_rate": [0.005, 0.01, 0.05, 0.1],
    },  # fmt: skip
    "item_knn": {"similarity": ["cosine", "bm25"], "neighbours": [5, 10, 20, 50, 100, 200, 400, 800]},
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "als": {"factors": 64, "regularization": 0.05, "iterations": 15},
    "bpr": {"factors": 64, "regularization": 0.01, "iterations": 100, "learning_rate": 0.01},
    "item_knn": {"similarity": "cosine", "neighbours": 50},
    "popularity": {},
}
GRID = (0.0, 0.5, 1.0, 2.0, 4.0)  # weight levels the fusion search draws from


def build(name: str, params: dict[str, Any], seed: int) -> CollaborativeModel:
    """A baseline at the given settings."""
    if name in ("als", "bpr"):
        return FactorModel(name, seed=seed, **params)  # type: ignore[arg-type]
    if name == "item_knn":
        return ItemKNN(**params)
    if name == "popularity":
        return Popularity()
    raise ValueError(f"unknown method {name!r}")


def search_space(points: list[dict[str, Any]], default: dict[str, Any], budget: int | None, rng: random.Random) -> list[dict[str, Any]]:
    """The default first, then distinct random points: ``budget`` configurations in all (every point if None)."""
    rest = [p for p in points if p != default]
    return [default, *(rest if budget is None else rng.sample(rest, min(budget - 1, len(rest))))]


def grid_points(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(space, values, strict=True)) for values in itertools.product(*space.values())]


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


@dataclass
class Tasks:
    """Many users' ranking problems, as arrays so that every method ranks all users at once."""

    users: np.ndarray  # rows of the training matrix
    candidates: np.ndarray  # users × C item columns, in the (shuffled) order they are presented
    valid: np.ndarray  # users × C; False where a column is not a candidate for that user
    relevant: list[set[int]]
    strict: list[set[int]] | None = None  # relevant under "rating ≥ 4", where reported

    def __len__(self) -> int:
        return len(self.users)

    def subset(self, rows: Sequence[int]) -> Tasks:
        rows = list(rows)
        return Tasks(self.users[rows], self.candidates[rows], self.valid[rows], [self.relevant[r] for r in rows],
                     [self.strict[r] for r in rows] if self.strict is not None else None)  # fmt: skip

    def keys(self) -> list[str]:
        return [str(u) for u in self.users]

    def relevant_ids(self, strict: bool = False) -> dict[str, set[str]]:
        rel = self.strict if strict and self.strict is not None else self.relevant
        return {k: {str(i) for i in r} for k, r in zip(self.keys(), rel, strict=True)}

    def gather(self, scores: np.ndarray) -> np.ndarray:
        """users × C scores of each user's candidates from users × items scores (rows in task order)."""
        return np.take_along_axis(scores, self.candidates, axis=1)


def full_tasks(train: sp.csr_matrix, targets: dict[int, set[int]], rng: random.Random, strict: dict[int, set[int]] | None = None) -> Tasks:
    """Full ranking: every item the user has no training interaction with is a candidate."""
    users = np.asarray(sorted(targets), dtype=np.int64)
    n_items = train.shape[1]
    perm = np.random.default_rng(rng.randrange(2**32)).permuted(np.tile(np.arange(n_items), (len(users), 1)), axis=1)
    seen = train[users].toarray() > 0 if len(users) else np.zeros((0, n_items), bool)
    valid = ~np.take_along_axis(seen, perm, axis=1)
    return Tasks(users, perm, valid, [targets[u] for u in users], [strict.get(u, set()) for u in users] if strict is not None else None)


def sampled_tasks(targets: dict[int, int], rated: sp.csr_matrix, negatives: int, rng: random.Random) -> Tasks:
    """One held-out item per user among ``negatives`` items the user never rated, shuffled."""
    rows = []
    for u, pos in sorted(targets.items()):
        seen = set(rated[u].indices.tolist())
        pool = [i for i in range(rated.shape[1]) if i not in seen]
        cands = [pos, *rng.sample(pool, negatives)]
        rng.shuffle(cands)
        rows.append(cands)
    users = np.asarray(sorted(targets), dtype=np.int64)
    cand = np.asarray(rows, dtype=np.int64).reshape(len(users), negatives + 1)
    return Tasks(users, cand, np.ones(cand.shape, bool), [{targets[u]} for u in users])


def top(scores: np.ndarray, tasks: Tasks, depth: int) -> dict[str, list[str]]:
    """Each user's ``depth`` best candidates (users × C scores); ties keep the presented order."""
    masked = np.where(tasks.valid, scores, -np.inf)
    order = np.argsort(-masked, axis=1, kind="stable")[:, :depth]
    cols = np.take_along_axis(tasks.candidates, order, axis=1)
    ok = np.take_along_axis(tasks.valid, order, axis=1)
    return {k: [str(c) for c, v in zip(row, keep, strict=True) if v] for k, row, keep in zip(tasks.keys(), cols, ok, strict=True)}


def fused(signals: dict[str, np.ndarray], valid: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """:func:`chatrec.signals.fusion.fuse` for every user at once: min-max over each user's candidates,
    a flat signal drops out and the other weights are rescaled."""
    total = np.zeros(valid.shape)
    mass = np.zeros(valid.shape[0])
    for name, w in weights.items():
        if w <= 0:
            continue
        x = np.where(valid, signals[name], np.nan)
        lo, hi = np.nanmin(x, axis=1, keepdims=True), np.nanmax(x, axis=1, keepdims=True)
        live = (hi - lo)[:, 0] >= 1e-12
        norm = (x - lo) / np.where(live[:, None], hi - lo, 1.0)
        total += np.where(live[:, None] & valid, w * norm, 0.0)
        mass += w * live
    return total / np.maximum(mass, 1e-12)[:, None]


@dataclass
class Fitted:
    """Every baseline fitted on one training matrix at given settings, plus item vectors for content."""

    train: sp.csr_matrix  # ratings (the models see them as binary interactions)
    vectors: np.ndarray  # unit item vectors, rows = item columns
    models: dict[str, CollaborativeModel] = field(default_factory=dict)

    @classmethod
    def fit(cls, train: sp.csr_matrix, vectors: np.ndarray, seed: int, params: dict[str, dict[str, Any]] | None = None) -> Fitted:
        chosen = DEFAULTS | (params or {})
        return cls(train, vectors, {name: build(name, chosen[name], seed).fit(binary(train)) for name in BASELINES})

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

    def scores(self, tasks: Tasks) -> dict[str, np.ndarray]:
        """Every base score and hybrid signal, users × C over each task's candidates."""
        users = tasks.users.tolist()
        out = {name: tasks.gather(m.score_users(self.train, users)) for name, m in self.models.items()}
        out["content"] = tasks.gather(self.content(users))
        return out | signals_of(out)


def binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def signals_of(base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The hybrid's signals from the base scores; popularity as log1p(count), as the chat's signal."""
    out = {sig: base[src] for sig, src in HYBRID_SIGNALS.items()}
    out["popularity"] = np.log1p(base["popularity"])
    return out


def rank_all(
    scores: dict[str, np.ndarray], tasks: Tasks, weights: dict[str, dict[str, float]], depth: int
) -> dict[str, dict[str, list[str]]]:
    """Top ``depth`` per user for every baseline, content and every fusion (by its weights)."""
    out = {m: top(scores[m], tasks, depth) for m in (*BASELINES, "content")}
    out |= {name: top(fused(scores, tasks.valid, w), tasks, depth) for name, w in weights.items()}
    return out


def score(ranked: dict[str, list[str]], tasks: Tasks, metric: str) -> float:
    values = per_user(ranked, tasks.relevant_ids(), [metric])[metric]
    return float(values.mean()) if values.size else 0.0


@dataclass
class Tuned:
    """What a search found: settings per baseline, weights per fusion, and each one's validation score."""

    params: dict[str, dict[str, Any]]
    weights: dict[str, dict[str, float]]
    validation: dict[str, float]
    tried: dict[str, int]


def tune(
    train: sp.csr_matrix, tasks: Tasks, vectors: np.ndarray, seed: int, budget: int | None, metric: str, depth: int,
    fusions: dict[str, tuple[str, ...]] = FUSIONS, step: Callable[[], None] = lambda: None,
) -> Tuned:  # fmt: skip
    """Random search with the same ``budget`` for each baseline's settings and each fusion's weights,
    all scored by ``metric`` on the same validation ``tasks``; the fusions use the tuned baselines."""
    rng = random.Random(seed)
    fitted = Fitted.fit(train, vectors, seed)
    base = fitted.scores(tasks)
    params: dict[str, dict[str, Any]] = {"popularity": {}}
    validation = {"popularity": score(top(base["popularity"], tasks, depth), tasks, metric),
                  "content": score(top(base["content"], tasks, depth), tasks, metric)}  # fmt: skip
    tried = {"popularity": 1, "content": 1}
    for name, space in SPACES.items():
        configs = search_space(grid_points(space), DEFAULTS[name], budget, rng)
        best = (-1.0, DEFAULTS[name], base[name])
        for config in configs:
            model = build(name, config, seed).fit(binary(train))
            got = tasks.gather(model.score_users(train, tasks.users.tolist()))
            value = score(top(got, tasks, depth), tasks, metric)
            if value > best[0] + 1e-9:
                best = (value, config, got)
            step()
        validation[name], params[name], base[name] = best
        tried[name] = len(configs)
        log.info("tuned %s: %s=%.4f with %s", name, metric, best[0], best[1])
    base |= signals_of(base)
    weights, more, counts = tune_weights(base, tasks, fusions, budget, metric, depth, rng, step)
    return Tuned(params, weights, validation | more, tried | counts)


def tune_weights(
    scores: dict[str, np.ndarray], tasks: Tasks, fusions: dict[str, tuple[str, ...]], budget: int | None, metric: str, depth: int,
    rng: random.Random, step: Callable[[], None] = lambda: None,
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, int]]:  # fmt: skip
    """Each fusion's best weights among ``budget`` configurations (equal weights first), its validation
    score, and how many configurations it tried."""
    weights, validation, tried = {}, {}, {}
    for name, signals in fusions.items():
        equal = {s: round(1 / len(signals), 4) for s in signals}
        best: tuple[float, dict[str, float]] = (-1.0, equal)
        configs = search_space(weight_grid(signals), equal, budget, rng)
        tried[name] = len(configs)
        for w in configs:
            value = score(top(fused(scores, tasks.valid, w), tasks, depth), tasks, metric)
            if value > best[0] + 1e-9:
                best = (value, w)
            step()
        validation[name], weights[name] = best
        log.info("tuned %s: %s=%.4f with %s", name, metric, *best)
    return weights, validation, tried


def steps_of(budget: int | None, fusions: Iterable[str] = FUSIONS) -> int:
    """How many configurations :func:`tune` tries (for a progress bar)."""
    per = [len(grid_points(s)) for s in SPACES.values()]
    fw = [len(weight_grid(FUSIONS[f])) for f in fusions]
    return sum(n if budget is None else min(budget, n) for n in [*per, *fw])


@dataclass
class LLMJudge:
    """The production re-rank's model signal, isolated: over the same pool and the same normalisation,
    the fused order with and without the model's signal."""

    ranker: Ranker
    llm: ChatLLM
    scenario: Scenario
    items: list[Item]
    liked_titles: Callable[[int], list[str]]  # training row → titles the user liked, best first
    weight: float = 0.25  # the model's share of the fused weight when it is on
    pool: int = 20
    failures: int = 0
    silent: int = 0  # calls where the model named nothing usable or echoed the order

    def request(self, titles: list[str]) -> str:
        return "Movies for someone whose favourites include " + "; ".join(titles[:8]) + ". What should they watch next?"

    def __call__(self, scores: dict[str, np.ndarray], tasks: Tasks, row: int, weights: dict[str, float]) -> tuple[list[str], list[str]]:
        """(without, with) the model: the pool re-fused alone, then with the model's signal; the rest as before."""
        one = tasks.subset([row])
        sig = {k: v[row] for k, v in scores.items() if k in weights}
        order = np.argsort(
            -np.where(one.valid[0], fused({k: v[None] for k, v in sig.items()}, one.valid, weights)[0], -np.inf), kind="stable"
        )
        order = [i for i in order if one.valid[0, i]]
        head, tail = order[: self.pool], order[self.pool :]
        cands = [Candidate(item=self.items[one.candidates[0, i]], similarity=0.0) for i in head]
        pool_signals: dict[str, np.ndarray | None] = {k: v[head] for k, v in sig.items()}
        mix = {k: v * (1 - self.weight) for k, v in weights.items()} | {"llm": self.weight}
        without = ranked_by(cands, pool_signals, mix)
        fusion = Fusion(cands, pool_signals, mix, without)
        intent = Intent(action="recommend", query=self.request(self.liked_titles(int(one.users[0]))), domain="movies")
        judged = None
        try:
            judged = self.ranker.llm_signal(fusion, intent, self.scenario, TurnModel(self.llm))
        except LLMError as e:
            log.warning("re-rank failed for user %d: %s", int(one.users[0]), e)
            self.failures += 1
        else:
            self.silent += judged is None
        withm = ranked_by(cands, {**pool_signals, "llm": judged}, mix, [r.index for r in without]) if judged is not None else without
        rest = [str(one.candidates[0, i]) for i in tail]
        col = [str(one.candidates[0, i]) for i in head]
        return [col[r.index] for r in without] + rest, [col[r.index] for r in withm] + rest
