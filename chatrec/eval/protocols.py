"""The protocols, named by what they do.

- **A, full ranking over five folds:** MovieLens-100K's official u1–u5 splits; every item a
  user has not rated in training is a candidate; "any test rating" and "test rating ≥ 4" as
  relevance; mean ± sd over folds; paired tests over users, Holm-corrected.
- **B, latest rating among 19 sampled items:** leave-one-out by time with a seeded tie rule.
- **C, cold items:** content against a random order among items no one has rated in
  training, and how often cold items reach a full-catalog top 10 under each scenario's weights.
- **D, conversation turns:** INSPIRED's test turns through the chat pipeline.

Every method is tuned with the same budget on the same validation split of the protocol's
training data; the model's effect is measured on the same pool with the same normalisation.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field
from tqdm import tqdm

from chatrec.eval.data import DialogueTurn, MovieLens100K, TitleMapper
from chatrec.eval.methods import (
    HYBRID_SIGNALS,
    Fitted,
    LLMJudge,
    Tasks,
    full_tasks,
    fused,
    rank_all,
    sampled_tasks,
    steps_of,
    top,
    tune,
)
from chatrec.eval.metrics import Comparison, Interval, compare, holm, mean_interval, paired_bootstrap
from chatrec.eval.metrics import per_user as _per_user
from chatrec.eval.redial import RedialRun
from chatrec.signals.collaborative import Interactions

log = logging.getLogger(__name__)

ANY, STRICT = "any rating", "rating ≥ 4"


class Stat(BaseModel):
    """A figure with its spread: sd over folds, or a 95% bootstrap interval over users."""

    mean: float
    sd: float | None = None
    low: float | None = None
    high: float | None = None

    def text(self) -> str:
        if self.sd is not None:
            return f"{self.mean:.4f} ± {self.sd:.4f}"
        if self.low is not None:
            return f"{self.mean:.4f} ({self.low:.4f}–{self.high:.4f})"
        return f"{self.mean:.4f}"


class LLMEffect(BaseModel):
    """The model's signal on a fixed sample: the same pool and normalisation with and without it."""

    users: int
    pool: int
    weight: float
    failures: int
    silent: int
    seconds_per_call: float
    metrics: dict[str, dict[str, float]]  # "hybrid" / "pool, without the model" / "pool, with the model" → metric → mean
    effect: dict[str, Interval]  # with − without
    refusion: dict[str, Interval]  # pool re-fused without the model − the hybrid's own order (no model involved)
    note: str = ""  # what "with the model" means here, where it is not the re-rank


class ProtocolResult(BaseModel):
    protocol: str
    title: str
    description: str
    metrics: list[str]
    headline: str
    tables: dict[str, dict[str, dict[str, Stat]]]  # relevance rule → method → metric → figure
    users: dict[str, int]  # relevance rule → users (or turns) evaluated
    tests: dict[str, list[Comparison]] = Field(default_factory=dict)  # relevance rule → Holm-corrected comparisons
    tuning: dict[str, Any] = Field(default_factory=dict)
    llm: LLMEffect | None = None
    extra: dict[str, int | float | str] = Field(default_factory=dict)
    seconds: float = 0.0
    command: str = Field("", description="The command line that produced this result.")


@dataclass
class Context:
    """What every protocol shares."""

    data: MovieLens100K
    vectors: np.ndarray
    seed: int
    budget: int | None = 16  # configurations per tuned method (None: the whole space)
    folds: tuple[int, ...] = (1, 2, 3, 4, 5)
    llm_users: int = 0
    judge_for: Callable[[Interactions], LLMJudge] | None = None
    progress: bool = True


def holdout(train: Interactions, fraction: float, seed: int) -> tuple[sp.csr_matrix, dict[int, set[int]]]:
    """Per user with 5+ items, a random ``fraction`` of training items moved out as validation targets."""
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


def keyed(ranked: dict[str, list[str]], relevant: dict[str, set[str]], metrics: list[str]) -> dict[str, dict[str, float]]:
    """metric → user → value (users with something relevant)."""
    users = [u for u in relevant if relevant[u]]
    per = _per_user(ranked, relevant, metrics)
    return {m: dict(zip(users, per[m].tolist(), strict=True)) for m in metrics}


def _bar(ctx: Context, total: int, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, disable=not ctx.progress, leave=True, dynamic_ncols=True)


def _tests(values: dict[str, dict[str, float]], metric: str, seed: int) -> list[Comparison]:
    """The hybrid against every other method (b = hybrid: positive means the hybrid is better), Holm-corrected."""
    users = sorted(values["hybrid"])
    hyb = np.asarray([values["hybrid"][u] for u in users])
    out = [compare(np.asarray([values[m][u] for u in users]), hyb, (m, "hybrid"), metric, seed) for m in values if m != "hybrid"]
    return holm(out)


def _interval_table(per: dict[str, dict[str, dict[str, float]]], seed: int) -> dict[str, dict[str, Stat]]:
    """method → metric → mean with its bootstrap interval over users."""
    out: dict[str, dict[str, Stat]] = {}
    for method, by_metric in per.items():
        out[method] = {}
        for metric, users in by_metric.items():
            iv = mean_interval(np.asarray(list(users.values())), seed=seed)
            out[method][metric] = Stat(mean=iv.mean, low=iv.low, high=iv.high)
    return out


def _llm_effect(ctx: Context, judge: LLMJudge, scores: dict[str, np.ndarray], tasks: Tasks, weights: dict[str, float],
                hybrid: dict[str, list[str]], metrics: list[str], desc: str) -> LLMEffect:  # fmt: skip
    """The model's signal on a fixed random sample of users, against the same pool without it."""
    sample = sorted(random.Random(ctx.seed).sample(range(len(tasks)), min(ctx.llm_users, len(tasks))))
    without, withm = {}, {}
    t0 = time.perf_counter()
    for row in tqdm(sample, desc=desc, disable=not ctx.progress, dynamic_ncols=True):
        key = tasks.keys()[row]
        without[key], withm[key] = judge(scores, tasks, row, weights)
    seconds = (time.perf_counter() - t0) / max(1, len(sample))
    sub = tasks.subset(sample)
    rel = sub.relevant_ids()
    runs = {"hybrid": {k: hybrid[k] for k in sub.keys()}, "pool, without the model": without, "pool, with the model": withm}
    per = {name: _per_user(run, rel, metrics) for name, run in runs.items()}
    return LLMEffect(
        users=len(sample), pool=judge.pool, weight=judge.weight, failures=judge.failures, silent=judge.silent,
        seconds_per_call=round(seconds, 2),
        metrics={name: {m: float(v.mean()) if v.size else 0.0 for m, v in p.items()} for name, p in per.items()},
        effect={m: paired_bootstrap(per["pool, without the model"][m], per["pool, with the model"][m], seed=ctx.seed) for m in metrics},
        refusion={m: paired_bootstrap(per["hybrid"][m], per["pool, without the model"][m], seed=ctx.seed) for m in metrics},
    )  # fmt: skip


def _tuning(tuned: Any) -> dict[str, Any]:
    return {"settings": tuned.params, "weights": tuned.weights, "validation": tuned.validation, "configurations": tuned.tried}


def full_ranking(ctx: Context, metrics: tuple[str, ...] = ("ndcg@10", "precision@10", "recall@10", "ndcg@5")) -> ProtocolResult:
    """Protocol A: every official fold, every method tuned on that fold's own validation split."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    headline = metrics[0]
    fold_means: dict[str, dict[str, dict[str, list[float]]]] = {ANY: {}, STRICT: {}}
    user_values: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {ANY: {}, STRICT: {}}
    tuning: dict[str, Any] = {}
    llm: LLMEffect | None = None
    bar = _bar(ctx, len(ctx.folds) * (steps_of(ctx.budget) + 1), f"A full ranking, {len(ctx.folds)} folds")
    for k in ctx.folds:
        train = ctx.data.ratings(f"u{k}.base").interactions(items)
        test = ctx.data.ratings(f"u{k}.test").interactions(items)
        rng = random.Random(ctx.seed + k)
        fit_val, held = holdout(train, 0.2, ctx.seed + k)
        tuned = tune(fit_val, full_tasks(fit_val, held, rng), ctx.vectors, ctx.seed, ctx.budget, headline, 10, step=bar.update)
        tuning[f"u{k}"] = _tuning(tuned)
        targets, strict = {}, {}
        for u_id, row in test.user_index.items():
            if u_id in train.user_index:
                r = test.matrix[row]
                targets[train.user_index[u_id]] = set(r.indices.tolist())
                strict[train.user_index[u_id]] = set(r.indices[r.data >= 4].tolist())
        tasks = full_tasks(train.matrix, targets, rng, strict)
        scores = Fitted.fit(train.matrix, ctx.vectors, ctx.seed, tuned.params).scores(tasks)
        ranked = rank_all(scores, tasks, tuned.weights, 10)
        for rule in (ANY, STRICT):
            for method, run in ranked.items():
                per = keyed(run, tasks.relevant_ids(rule == STRICT), list(metrics))
                for metric, users in per.items():
                    fold_means[rule].setdefault(method, {}).setdefault(metric, []).append(float(np.mean(list(users.values()))))
                    slot = user_values[rule].setdefault(method, {}).setdefault(metric, {})
                    for u, v in users.items():
                        slot.setdefault(u, []).append(v)
        if k == ctx.folds[0] and ctx.judge_for is not None and ctx.llm_users > 0:
            judge = ctx.judge_for(train)
            llm = _llm_effect(
                ctx, judge, scores, tasks, tuned.weights["hybrid"], ranked["hybrid"], list(metrics), f"A model effect, fold u{k}"
            )
        bar.update()
    bar.close()
    tables = {rule: {m: {metric: Stat(mean=float(np.mean(v)), sd=float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)
                         for metric, v in by.items()} for m, by in methods.items()} for rule, methods in fold_means.items()}  # fmt: skip
    averaged = {rule: {m: {u: float(np.mean(v)) for u, v in by[headline].items()} for m, by in methods.items()}
                for rule, methods in user_values.items()}  # fmt: skip
    return ProtocolResult(
        protocol="A", title=f"Full ranking, MovieLens-100K, {len(ctx.folds)} folds", headline=headline, metrics=list(metrics),
        description=(f"MovieLens-100K's official splits u1–u5 (folds {', '.join(map(str, ctx.folds))}); per fold, every item the user has "
                     "not rated in u*.base is a candidate, and relevant is either any rating in u*.test or a rating ≥ 4 there. "
                     f"Per fold, every method is tuned for {headline} on a random 20% per-user hold-out of that fold's u*.base "
                     f"(budget {ctx.budget or 'all'} configurations each), refitted on the whole u*.base and tested once. Figures: mean ± sd "
                     f"over folds. Tests: each user's {headline} averaged over the folds they are tested in, two-sided paired "
                     "randomisation test of the hybrid against every other method, Holm-corrected within each relevance rule"),
        tables=tables, users={rule: len(next(iter(a.values()))) for rule, a in averaged.items()},
        tests={rule: _tests(a, headline, ctx.seed) for rule, a in averaged.items()},
        tuning=tuning, llm=llm, seconds=time.perf_counter() - t0,
    )  # fmt: skip


def latest_by_time(times: sp.csr_matrix, matrix: sp.csr_matrix, rng: random.Random) -> tuple[dict[int, int], int]:
    """Each user's latest item; among items sharing the latest timestamp one is drawn with ``rng`` (users in
    order), so the rule is deterministic for a seed and favours neither old nor new item ids. Also: how many users tie."""
    out, ties = {}, 0
    for u in range(matrix.shape[0]):
        row = times[u]
        present = set(matrix[u].indices.tolist())
        stamps = {int(i): float(t) for i, t in zip(row.indices, row.data, strict=True) if int(i) in present}
        latest = max(stamps.values())
        tied = sorted(i for i, t in stamps.items() if t == latest)
        ties += len(tied) > 1
        out[u] = tied[0] if len(tied) == 1 else rng.choice(tied)
    return out, ties


def _without(matrix: sp.csr_matrix, cells: dict[int, int]) -> sp.csr_matrix:
    m = matrix.tolil(copy=True)
    for u, i in cells.items():
        m[u, i] = 0
    out = m.tocsr()
    out.eliminate_zeros()
    return out


def latest_among_sampled(ctx: Context, negatives: int = 19, metrics: tuple[str, ...] = ("ndcg@10", "ndcg@5", "ndcg@1")) -> ProtocolResult:
    """Protocol B: each user's latest rating among ``negatives`` items they never rated."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    full = ctx.data.ratings("u.data").interactions(items)
    assert full.times is not None
    rng = random.Random(ctx.seed)
    last, ties = latest_by_time(full.times, full.matrix, rng)
    train = _without(full.matrix, last)
    second, ties_val = latest_by_time(full.times, train, rng)
    bar = _bar(ctx, steps_of(ctx.budget) + 1, "B latest among 20")
    val_tasks = sampled_tasks(second, full.matrix, negatives, rng)
    tuned = tune(_without(train, second), val_tasks, ctx.vectors, ctx.seed, ctx.budget, metrics[0], 10, step=bar.update)
    tasks = sampled_tasks(last, full.matrix, negatives, rng)
    scores = Fitted.fit(train, ctx.vectors, ctx.seed, tuned.params).scores(tasks)
    ranked = rank_all(scores, tasks, tuned.weights, negatives + 1)
    per = {m: keyed(run, tasks.relevant_ids(), list(metrics)) for m, run in ranked.items()}
    bar.update()
    bar.close()
    llm = None
    if ctx.judge_for is not None and ctx.llm_users > 0:
        judge = ctx.judge_for(Interactions(full.users, full.items, train))
        llm = _llm_effect(ctx, judge, scores, tasks, tuned.weights["hybrid"], ranked["hybrid"], list(metrics), "B model effect")
    return ProtocolResult(
        protocol="B", title=f"Latest rating among {negatives} sampled unrated items, MovieLens-100K", headline=metrics[0],
        metrics=list(metrics),
        description=(f"MovieLens-100K u.data; each user's latest rating is held out and ranked among {negatives} items the user never "
                     "rated (drawn with the seed), in a shuffled order. Tie rule: where several items share the latest timestamp "
                     f"({ties} of {len(last)} users), the held-out one is drawn among them with the seeded generator, users in "
                     "id order; the same rule picks each user's second-latest rating as the validation target on which every "
                     f"method is tuned (budget {ctx.budget or 'all'} configurations each). Figures: mean (95% bootstrap interval over users)"),
        tables={ANY: _interval_table(per, ctx.seed)}, users={ANY: len(tasks)},
        tests={ANY: _tests({m: p[metrics[0]] for m, p in per.items()}, metrics[0], ctx.seed)},
        tuning=_tuning(tuned), llm=llm, extra={"users whose latest timestamp is shared by several items": ties,
                                               "the same for the validation target": ties_val},
        seconds=time.perf_counter() - t0,
    )  # fmt: skip


def cold_items(ctx: Context, scenarios: dict[str, dict[str, float]], params: dict[str, dict[str, Any]] | None = None,
               fraction: float = 0.2, shuffles: int = 20, metrics: tuple[str, ...] = ("ndcg@10", "recall@10")) -> ProtocolResult:  # fmt: skip
    """Protocol C: what content adds for items nobody has rated, and whether cold items ever reach a list."""
    t0 = time.perf_counter()
    items = ctx.data.item_ids
    full = ctx.data.ratings("u.data").interactions(items)
    rng = random.Random(ctx.seed)
    cold = set(rng.sample(range(len(items)), int(len(items) * fraction)))
    m = full.matrix.tocoo()
    keep = np.asarray([c not in cold for c in m.col])
    train = sp.csr_matrix((m.data[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    cold_cols = np.asarray(sorted(cold), dtype=np.int64)
    targets = {u: rel for u in range(full.matrix.shape[0]) if (rel := set(full.matrix[u].indices.tolist()) & cold)}
    users = np.asarray(sorted(targets), dtype=np.int64)

    def cold_tasks() -> Tasks:
        cand = np.random.default_rng(rng.randrange(2**32)).permuted(np.tile(cold_cols, (len(users), 1)), axis=1)
        return Tasks(users, cand, np.ones(cand.shape, bool), [targets[u] for u in users])

    bar = _bar(ctx, shuffles + len(scenarios) + 2, "C cold items")
    tasks = cold_tasks()
    fitted = Fitted.fit(train, ctx.vectors, ctx.seed, params)
    content = keyed(top(tasks.gather(fitted.content(users.tolist())), tasks, 10), tasks.relevant_ids(), list(metrics))
    bar.update()
    randoms = []
    for _ in range(shuffles):  # a random order is the presented order of a fresh shuffle
        t = cold_tasks()
        randoms.append(keyed(top(np.zeros(t.candidates.shape), t, 10), t.relevant_ids(), list(metrics)))
        bar.update()
    random_mean = {metric: {u: float(np.mean([r[metric][u] for r in randoms])) for u in content[metric]} for metric in metrics}
    per = {"content": content, f"random order (mean of {shuffles})": random_mean}
    catalog = full_tasks(train, targets, rng)
    scores = fitted.scores(catalog)
    share = {}
    for label, w in scenarios.items():
        listed = top(fused(scores, catalog.valid, w), catalog, 10)
        share[f"cold share of a full-catalog top 10: {label}"] = float(
            np.mean([np.mean([int(i) in cold for i in r]) for r in listed.values()])
        )
        bar.update()
    share["cold share of the catalog"] = len(cold) / len(items)
    bar.update()
    bar.close()
    users_c = sorted(content[metrics[0]])
    test = compare(np.asarray([random_mean[metrics[0]][u] for u in users_c]), np.asarray([content[metrics[0]][u] for u in users_c]),
                   (f"random order (mean of {shuffles})", "content"), metrics[0], ctx.seed)  # fmt: skip
    return ProtocolResult(
        protocol="C", title="Cold items, MovieLens-100K", headline=metrics[0], metrics=list(metrics),
        description=(f"MovieLens-100K u.data; {fraction:.0%} of items ({len(cold)}) lose every training rating. Each user who rated some "
                     "ranks all cold items: every collaborative model and popularity is blind to them (they would rank in the shuffled "
                     f"order), so the comparison is the content signal against a random order (the mean over {shuffles} shuffles per "
                     "user). Then, over the whole catalog, the share of cold items in each user's top 10 under each movie scenario's "
                     "weights (their collaborative, neighbours, profile and popularity part, rescaled; models at their defaults unless "
                     "protocol A tuned them). Figures: mean (95% bootstrap interval over users)"),
        tables={ANY: _interval_table(per, ctx.seed)}, users={ANY: len(users)}, tests={ANY: holm([test])},
        extra=share, seconds=time.perf_counter() - t0,
    )  # fmt: skip


def offline_weights(weights: dict[str, float]) -> dict[str, float] | None:
    """The part of a scenario's weights the offline signals can stand for, rescaled (None if there is none)."""
    part = {k: weights.get(k, 0.0) for k in HYBRID_SIGNALS}
    total = sum(part.values())
    return {k: round(v / total, 4) for k, v in part.items()} if total > 0 else None


INSPIRED, REDIAL = "INSPIRED test turns", "ReDial validation turns, held-out half"


def _sample_effect(without: dict[str, list[str]], with_model: dict[str, list[str]], relevant: dict[str, set[str]],
                   names: tuple[str, str], seconds: float, seed: int, note: str, weight: float = 0.0) -> LLMEffect:  # fmt: skip
    """The pipeline with the model against the same turns without it (the turns ``with_model`` covers)."""
    metrics = ["recall@1", "recall@10", "recall@50"]
    sub = {k: relevant[k] for k in sorted(with_model)}
    a = _per_user({k: without[k] for k in sub}, sub, metrics)
    b = _per_user(with_model, sub, metrics)
    return LLMEffect(users=len(sub), pool=50, weight=weight, failures=0, silent=0, seconds_per_call=round(seconds, 2),
                     metrics={names[0]: {m: float(a[m].mean()) for m in metrics}, names[1]: {m: float(b[m].mean()) for m in metrics}},
                     effect={m: paired_bootstrap(a[m], b[m], seed=seed) for m in metrics}, refusion={}, note=note)  # fmt: skip


def replay_figures(redial: RedialRun, seed: int) -> dict[str, str]:
    """Recall@3 of bot.chat's three cards after replaying the conversation, against bot.rank's top 3 for it as one message."""
    relevant = {k: redial.relevant[k] for k in redial.replayed}
    one = _per_user({k: redial.ranked["chatrec rank, no model"][k][:3] for k in relevant}, relevant, ["recall@3"])["recall@3"]
    chat = _per_user(redial.replayed, relevant, ["recall@3"])["recall@3"]
    a, b = mean_interval(chat, seed=seed), mean_interval(one, seed=seed)
    return {"ReDial replayed through bot.chat message by message: recall@3 of its 3 cards": f"{a.mean:.3f} ({a.low:.3f}-{a.high:.3f}), n={a.n}",
            "the same turns as one message through bot.rank: recall@3 of its top 3": f"{b.mean:.3f} ({b.low:.3f}-{b.high:.3f})",
            "message by message − one message": paired_bootstrap(one, chat, seed=seed).text(3)}  # fmt: skip


def conversation_turns(
    turns: list[DialogueTurn], rank: Callable[[str, set[str], bool], list[str]], mapper: TitleMapper,
    popular: list[str], llm_turns: int, seed: int, progress: bool = True, redial: RedialRun | None = None,
) -> ProtocolResult:  # fmt: skip
    """Protocol D: INSPIRED test turns through the chat pipeline (and ReDial's, when given): Recall@1/10/50
    of the gold movies not already mentioned."""
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
    ranked["pipeline (no model)"] = {
        k: rank(msg, ex, False) for k, (msg, ex) in tqdm(inputs.items(), desc="D INSPIRED turns", disable=not progress)
    }
    tables = {INSPIRED: _interval_table({m: keyed(r, relevant, metrics) for m, r in ranked.items()}, seed)}
    users, tests = {INSPIRED: len(relevant)}, {}
    extra: dict[str, int | float | str] = {"INSPIRED turns": len(turns), "INSPIRED turns with a mapped gold movie": len(relevant),
                                           "INSPIRED gold movies mapped": f"{gold_found}/{gold_total}"}  # fmt: skip
    if redial is not None:
        per = {m: keyed(r, redial.relevant, metrics) for m, r in redial.ranked.items()}
        tables[REDIAL], users[REDIAL] = _interval_table(per, seed), len(redial.relevant)
        ours = "chatrec rank, no model"
        keys = sorted(redial.relevant)
        tests[REDIAL] = holm([compare(np.asarray([per[m]["recall@10"][k] for k in keys]), np.asarray([per[ours]["recall@10"][k] for k in keys]),
                                      (m, ours), "recall@10", seed) for m in per if m != ours])  # fmt: skip
        extra |= {"ReDial turns skipped (no gold in the catalog, or all mentioned before)": redial.skipped,
                  "ReDial mention linking precision (against ReDial's entity list)": redial.linked_right / max(1, redial.linked_all),
                  "ReDial mention linking recall": redial.linked_right / max(1, redial.named_all),
                  "ReDial mentions checked": redial.named_all,
                  "chatrec rank time per ReDial turn, p50 / p95": "{:.0f} / {:.0f} ms".format(*np.percentile(redial.seconds, [50, 95]) * 1000)}  # fmt: skip
        if redial.replayed:
            extra |= replay_figures(redial, seed)
        if redial.opinions is not None:
            extra |= {f"ReDial seekers' own liked/disliked answers: {k}": v for k, v in redial.opinions.figures().items()}
    llm = None
    if redial is not None and redial.with_model:
        llm = _sample_effect(redial.ranked["chatrec rank, no model"], redial.with_model, redial.relevant,
                             ("chatrec rank, no model", "chatrec rank, the model suggesting titles"), float(np.mean(redial.model_seconds)), seed,
                             f"ReDial turns: the model names up to 10 titles for the conversation; {redial.dropped} of its "
                             f"{redial.names} names matched no catalog item of that year and were dropped; the rest joined the "
                             f"pool with the `suggested` signal at weight {redial.model_weight:g}", redial.model_weight)  # fmt: skip
    elif llm_turns > 0:
        sample = sorted(random.Random(seed).sample(sorted(inputs), min(llm_turns, len(inputs))))
        t1 = time.perf_counter()
        with_llm = {key: rank(*inputs[key], True) for key in tqdm(sample, desc="D with the model", disable=not progress)}
        llm = _sample_effect(ranked["pipeline (no model)"], with_llm, relevant, ("pipeline (no model)", "pipeline (reading and re-rank by the model)"),
                             (time.perf_counter() - t1) / max(1, len(sample)), seed, "INSPIRED turns: the model reads the request and re-ranks")  # fmt: skip
    return ProtocolResult(
        protocol="D", title="Conversation turns, INSPIRED" + (" and ReDial" if redial else ""), headline="recall@10", metrics=metrics,
        description=("INSPIRED test turns (He et al. 2023 processing) mapped onto the demo movie catalog by title and year; the last "
                     "three user utterances go through understand → retrieve → rank (top 50); movies mentioned earlier are excluded "
                     "(He et al.'s rule); no tuning on these turns"
                     + ("" if redial is None else
                        ". ReDial validation turns (iEvaLM-CRS processing): the conversation so far as one message to `bot.rank`, no "
                        "model; gold = the films the recommender named next that are in the catalog, minus any mentioned before; "
                        "dialogues split by id, the even half used to choose the shipped weights, the odd half reported, "
                        f"{len(redial.relevant)} seeded turns of it; tests: chatrec against each other method, Holm-corrected")
                     + ". Figures: mean (95% bootstrap interval over turns)"),
        tables=tables, users=users, tests=tests, llm=llm, extra=extra, seconds=time.perf_counter() - t0,
    )  # fmt: skip
