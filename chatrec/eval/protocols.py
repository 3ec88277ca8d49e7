"""The four protocols: A (Chat-REC top-5 on u1), B (LLMRank 1+19), C (cold items), D (INSPIRED).

Each returns a :class:`ProtocolResult` with every method's mean metrics on the same tasks,
the tuned hybrid weights, sample sizes, the seed and the wall time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field

from chatrec.eval.data import DialogueTurn, MovieLens100K, TitleMapper
from chatrec.eval.methods import (
    BASELINES,
    GRID,
    Fitted,
    LLMReranker,
    Task,
    as_ids,
    rank_tasks,
    relevant_ids,
    tune,
)
from chatrec.eval.metrics import Interval, mean_metrics, paired_bootstrap, per_user
from chatrec.signals.collaborative import Interactions

log = logging.getLogger(__name__)

METHODS = (*BASELINES, "content", "hybrid")


class ProtocolResult(BaseModel):
    protocol: str
    description: str
    metrics: dict[str, dict[str, float]]  # method → metric → mean
    users: int
    llm_users: int = 0
    llm_metrics: dict[str, dict[str, float]] = Field(default_factory=dict, description="On the LLM sample only.")
    llm_effect: dict[str, Interval] = Field(default_factory=dict, description="hybrid+LLM − hybrid on the sample.")
    llm_failures: int = 0
    weights: dict[str, float] = Field(default_factory=dict)
    validation: dict[str, float] = Field(default_factory=dict)
    extra: dict[str, float | str] = Field(default_factory=dict)
    seconds: float = 0.0
    command: str = Field("", description="The command line that produced this result.")


@dataclass
class Context:
    """What every protocol shares: the data, item vectors, the seed and the optional LLM re-ranker."""

    data: MovieLens100K
    vectors: np.ndarray
    seed: int
    llm_users: int
    grid: tuple[float, ...] = GRID
    reranker_for: Callable[[Interactions, list[Task]], LLMReranker] | None = None


def shuffled(items: list[int] | np.ndarray, rng: random.Random) -> np.ndarray:
    out = list(items)
    rng.shuffle(out)
    return np.asarray(out, dtype=np.int64)


def holdout(train: Interactions, fraction: float, seed: int) -> tuple[sp.csr_matrix, dict[int, set[int]]]:
    """Per user, a random ``fraction`` of training items moved out as validation targets."""
    rng = random.Random(seed)
    m = train.matrix.tolil(copy=True)
    held: dict[int, set[int]] = {}
    for u in range(m.shape[0]):
        items = list(train.matrix[u].indices)
        if len(items) < 5:
            continue
        out = set(rng.sample(items, max(1, int(len(items) * fraction))))
        held[u] = out
        for i in out:
            m[u, i] = 0
    fit = m.tocsr()
    fit.eliminate_zeros()
    return fit, held


def full_tasks(matrix: sp.csr_matrix, targets: dict[int, set[int]], rng: random.Random) -> list[Task]:
    """Full ranking: every item the user has no training interaction with."""
    n_items = matrix.shape[1]
    tasks = []
    for u, rel in sorted(targets.items()):
        seen = set(matrix[u].indices.tolist())
        tasks.append(Task(u, shuffled([i for i in range(n_items) if i not in seen], rng), rel))
    return tasks


def _evaluate(
    ctx: Context, fitted: Fitted, tasks: list[Task], weights: dict[str, float], metrics: list[str], depth: int,
    reranker: LLMReranker | None, llm_metric: str, variants: dict[str, dict[str, float]] | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, object]]:  # fmt: skip
    """Every method on ``tasks`` (``variants``: the hybrid under other weights, by label); the LLM
    variant on a fixed sample of them, against the hybrid on the same sample."""
    base = fitted.scores([t.user for t in tasks])
    relevant = relevant_ids(tasks)
    ranked = {m: as_ids(rank_tasks(tasks, base, m, weights, depth)) for m in METHODS}
    ranked |= {label: as_ids(rank_tasks(tasks, base, "hybrid", w, depth)) for label, w in (variants or {}).items()}
    results = {m: mean_metrics(r, relevant, metrics) for m, r in ranked.items()}
    llm: dict[str, object] = {}
    if reranker is not None and ctx.llm_users > 0:
        sample = sorted(random.Random(ctx.seed).sample(range(len(tasks)), min(ctx.llm_users, len(tasks))))
        with_llm = {}
        for k, n in enumerate(sample, start=1):
            with_llm[str(n)] = [str(i) for i in reranker(n, tasks[n], base, weights, depth)]
            log.info("llm re-rank %d/%d", k, len(sample))
        sub_rel = {str(n): relevant[str(n)] for n in sample}
        hybrid_sub = {str(n): ranked["hybrid"][str(n)] for n in sample}
        a = per_user(hybrid_sub, sub_rel, metrics)
        b = per_user(with_llm, sub_rel, metrics)
        llm = {
            "metrics": {"hybrid": _means(a), "hybrid+llm": _means(b)},
            "effect": {m: paired_bootstrap(a[m], b[m], seed=ctx.seed) for m in metrics if m == llm_metric or m.startswith("ndcg")},
            "users": len(sample), "failures": reranker.failures,
        }  # fmt: skip
    return results, llm


def _result(name: str, description: str, results: dict, llm: dict, users: int, **kw: object) -> ProtocolResult:
    return ProtocolResult(protocol=name, description=description, metrics=results, users=users,
                          llm_users=int(llm.get("users", 0)), llm_metrics=llm.get("metrics", {}),
                          llm_effect=llm.get("effect", {}), llm_failures=int(llm.get("failures", 0)), **kw)  # fmt: skip


def protocol_a(ctx: Context) -> ProtocolResult:
    """Chat-REC's setting: official u1.base/u1.test, full ranking over unrated items, top-5 metrics."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    train = ctx.data.ratings("u1.base").interactions(items)
    test = ctx.data.ratings("u1.test").interactions(items)
    rng = random.Random(ctx.seed)
    fit_val, held = holdout(train, 0.2, ctx.seed)
    val_tasks = full_tasks(fit_val, held, rng)
    weights, val = tune(val_tasks, Fitted.fit(fit_val, ctx.vectors, ctx.seed).scores([t.user for t in val_tasks]), "ndcg@5", 5, ctx.grid)
    targets = {}
    for u_id, row in test.user_index.items():
        if u_id in train.user_index:
            targets[train.user_index[u_id]] = set(test.matrix[row].indices.tolist())
    tasks = full_tasks(train.matrix, targets, rng)
    metrics = ["precision@5", "recall@5", "ndcg@5", "hit_rate@10", "ndcg@10"]
    reranker = ctx.reranker_for(train, tasks) if ctx.reranker_for else None
    results, llm = _evaluate(ctx, Fitted.fit(train.matrix, ctx.vectors, ctx.seed), tasks, weights, metrics, 10, reranker, "ndcg@5")
    return _result("A", "MovieLens-100K u1.base/u1.test; all test ratings relevant; full ranking over items unrated in training; "
                   "hybrid weights tuned for NDCG@5 on a random 20% per-user hold-out of u1.base",
                   results, llm, len(tasks), weights=weights, validation={"ndcg@5": val}, seconds=time.perf_counter() - t0)  # fmt: skip


def protocol_b(ctx: Context, negatives: int = 19) -> ProtocolResult:
    """LLMRank's setting: each user's latest rating held out, ranked among ``negatives`` unrated items."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    full = ctx.data.ratings("u.data").interactions(items)
    assert full.times is not None
    rng = random.Random(ctx.seed)
    m = full.matrix.tolil(copy=True)
    last, second = {}, {}
    for u in range(full.matrix.shape[0]):
        row = full.times[u]
        by_time = row.indices[np.lexsort((row.indices, row.data))]  # oldest → newest, ties by item
        last[u], second[u] = int(by_time[-1]), int(by_time[-2])
        m[u, last[u]] = 0
    train = m.tocsr()
    train.eliminate_zeros()
    val_fit = train.tolil(copy=True)
    for u, i in second.items():
        val_fit[u, i] = 0
    val_fit = val_fit.tocsr()
    val_fit.eliminate_zeros()

    def tasks_for(targets: dict[int, int]) -> list[Task]:
        out = []
        for u, pos in sorted(targets.items()):
            rated = set(full.matrix[u].indices.tolist())
            pool = [i for i in range(len(items)) if i not in rated]
            out.append(Task(u, shuffled([pos, *rng.sample(pool, negatives)], rng), {pos}))
        return out

    val_tasks = tasks_for(second)
    weights, val = tune(val_tasks, Fitted.fit(val_fit, ctx.vectors, ctx.seed).scores([t.user for t in val_tasks]), "ndcg@10", 10, ctx.grid)
    tasks = tasks_for(last)
    reranker = ctx.reranker_for(Interactions(full.users, full.items, train), tasks) if ctx.reranker_for else None
    metrics = ["ndcg@1", "ndcg@5", "ndcg@10", "hit_rate@1"]
    results, llm = _evaluate(ctx, Fitted.fit(train, ctx.vectors, ctx.seed), tasks, weights, metrics, 20, reranker, "ndcg@10")
    return _result("B", f"MovieLens-100K leave-one-out by time: the latest rating vs {negatives} sampled unrated items, "
                   "candidate order shuffled; weights tuned for NDCG@10 on each user's second-latest rating",
                   results, llm, len(tasks), weights=weights, validation={"ndcg@10": val}, seconds=time.perf_counter() - t0)  # fmt: skip


def protocol_c(ctx: Context, weights: dict[str, float], cold_start: dict[str, float], fraction: float = 0.2) -> ProtocolResult:
    """Cold items: ``fraction`` of items lose every training interaction; rank them for the users who rated them.

    The hybrid runs with protocol A's weights (a returning user's profile) and with
    ``cold_start`` weights (a scenario that leans on content), to show what the profile changes."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    full = ctx.data.ratings("u.data").interactions(items)
    rng = random.Random(ctx.seed)
    cold = set(rng.sample(range(len(items)), int(len(items) * fraction)))
    m = full.matrix.tocoo()
    keep = np.asarray([c not in cold for c in m.col])
    train = sp.csr_matrix((m.data[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    cold_list = sorted(cold)
    tasks = []
    for u in range(full.matrix.shape[0]):
        rel = set(full.matrix[u].indices.tolist()) & cold
        if rel:
            tasks.append(Task(u, shuffled(cold_list, rng), rel))
    fitted = Fitted.fit(train, ctx.vectors, ctx.seed)
    metrics = ["ndcg@10", "recall@10", "hit_rate@10"]
    reranker = ctx.reranker_for(Interactions(full.users, full.items, train), tasks) if ctx.reranker_for else None
    variants = {"hybrid, cold-start weights": cold_start}
    results, llm = _evaluate(ctx, fitted, tasks, weights, metrics, 10, reranker, "ndcg@10", variants)
    # Do cold items reach a full-catalog top 10 at all?
    catalog_tasks = full_tasks(train, {t.user: t.relevant for t in tasks}, rng)
    base = fitted.scores([t.user for t in catalog_tasks])
    share = {}
    for method, w in [*((m, weights) for m in METHODS), *variants.items()]:
        top = rank_tasks(catalog_tasks, base, "hybrid" if method in variants else method, w, 10)
        share[f"cold share of top-10, {method}"] = float(np.mean([np.mean([i in cold for i in r]) for r in top.values()]))
    return _result("C", f"MovieLens-100K, {fraction:.0%} of items ({len(cold)}) stripped of all training interactions; "
                   "each user who rated some ranks all cold items; hybrid weights from protocol A, and the "
                   f"cold-start weights {_short(cold_start)}", results, llm, len(tasks), weights=weights, extra=share, seconds=time.perf_counter() - t0)  # fmt: skip


def _means(per: dict[str, np.ndarray]) -> dict[str, float]:
    return {m: float(v.mean()) if v.size else 0.0 for m, v in per.items()}


def _short(weights: dict[str, float]) -> str:
    return "(" + ", ".join(f"{k} {v:.2f}" for k, v in weights.items() if v) + ")"


def protocol_d(
    turns: list[DialogueTurn], rank: Callable[[str, set[str], bool], list[str]], mapper: TitleMapper,
    popular: list[str], llm_turns: int, seed: int,
) -> ProtocolResult:  # fmt: skip
    """INSPIRED test turns through the chat pipeline: Recall@1/10/50 of the gold movies not already mentioned."""
    t0 = time.perf_counter()
    metrics = ["recall@1", "recall@10", "recall@50"]
    relevant: dict[str, set[str]] = {}
    inputs: dict[str, tuple[str, set[str]]] = {}
    gold_total = gold_found = 0
    for t in turns:
        mentioned = {i for name in t.mentioned if (i := mapper(name))}
        gold = {i for name in t.gold if (i := mapper(name))} - mentioned
        gold_total += len(t.gold)
        gold_found += len(gold)
        if gold and t.user_text:
            relevant[t.turn_id] = gold
            inputs[t.turn_id] = (" ".join(t.user_text[-3:]), mentioned)
    ranked = {"popularity": {k: [i for i in popular if i not in ex][:50] for k, (_, ex) in inputs.items()}}
    ranked["pipeline (no LLM)"] = {k: rank(msg, ex, False) for k, (msg, ex) in inputs.items()}
    results = {m: mean_metrics(r, relevant, metrics) for m, r in ranked.items()}
    llm: dict[str, object] = {}
    if llm_turns > 0:
        sample = sorted(random.Random(seed).sample(sorted(inputs), min(llm_turns, len(inputs))))
        with_llm = {}
        for k, key in enumerate(sample, start=1):
            with_llm[key] = rank(*inputs[key], True)
            log.info("conversational turn %d/%d", k, len(sample))
        sub = {k: relevant[k] for k in sample}
        a = per_user({k: ranked["pipeline (no LLM)"][k] for k in sample}, sub, metrics)
        b = per_user(with_llm, sub, metrics)
        llm = {"metrics": {"pipeline (no LLM)": _means(a), "pipeline (LLM)": _means(b)},
               "effect": {m: paired_bootstrap(a[m], b[m], seed=seed) for m in metrics}, "users": len(sample)}  # fmt: skip
    return _result("D", "INSPIRED test turns (He et al. 2023 processing) mapped onto the demo movie catalog by title and year; "
                   "the last three user utterances go through understand → retrieve → rank; movies mentioned earlier are excluded",
                   results, llm, len(relevant),
                   extra={"turns": len(turns), "turns with a mapped gold movie": len(relevant),
                          "gold movies mapped": f"{gold_found}/{gold_total}"},
                   seconds=time.perf_counter() - t0)  # fmt: skip
