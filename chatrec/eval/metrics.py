"""Ranking metrics through ``ranx`` (the reference implementation), and a paired bootstrap.

Every method hands over an ordered list per user; scores are made from list positions so
ties can never be broken differently by the metric code than by the method.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel

Ranking = Mapping[str, Sequence[str]]  # user → items, best first
Relevant = Mapping[str, set[str] | Sequence[str]]  # user → relevant items


def per_user(ranked: Ranking, relevant: Relevant, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """Each metric (ranx names: ``ndcg@5``, ``precision@5``, ``recall@5``, ``hit_rate@10``) per user,
    in the order of ``relevant``'s users; a user with no ranked items scores 0."""
    from ranx import Qrels, Run, evaluate

    users = [u for u in relevant if relevant[u]]
    if not users:
        return {m: np.zeros(0) for m in metrics}
    qrels = Qrels({u: {i: 1 for i in relevant[u]} for u in users})
    run = Run({u: ({i: float(len(ranked[u]) - n) for n, i in enumerate(ranked[u])} if ranked.get(u) else {"\x00none": 0.0}) for u in users})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's int-cast notices
        out = evaluate(qrels, run, list(metrics), return_mean=False, make_comparable=True)
    if len(metrics) == 1:
        out = {metrics[0]: out}
    return {m: np.asarray(v, dtype=np.float64) for m, v in out.items()}


def mean_metrics(ranked: Ranking, relevant: Relevant, metrics: Sequence[str]) -> dict[str, float]:
    return {m: float(v.mean()) if v.size else 0.0 for m, v in per_user(ranked, relevant, metrics).items()}


class Interval(BaseModel):
    """A paired difference (b − a) with its bootstrap 95% confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    resamples: int

    def text(self, digits: int = 4) -> str:
        return f"{self.mean:+.{digits}f} (95% CI {self.low:+.{digits}f} to {self.high:+.{digits}f}, n={self.n})"


def paired_bootstrap(a: np.ndarray, b: np.ndarray, resamples: int = 10_000, seed: int = 0) -> Interval:
    """Mean of b − a over users, with a percentile bootstrap interval (users resampled with replacement)."""
    diff = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    if not diff.size:
        return Interval(mean=0.0, low=0.0, high=0.0, n=0, resamples=resamples)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(mean=float(diff.mean()), low=float(low), high=float(high), n=int(diff.size), resamples=resamples)


def mean_interval(values: np.ndarray, resamples: int = 10_000, seed: int = 0) -> Interval:
    """A mean over users with its percentile bootstrap 95% interval."""
    return paired_bootstrap(np.zeros(len(values)), values, resamples, seed)


class Comparison(BaseModel):
    """One paired comparison (b − a over the same users) with its test."""

    a: str
    b: str
    metric: str
    effect: Interval
    p: float  # two-sided paired randomisation (sign-flip) test of the mean difference
    p_holm: float = 1.0

    def verdict(self, alpha: float = 0.05) -> str:
        if self.p_holm >= alpha:
            return "no significant difference"
        return f"{self.b} better" if self.effect.mean > 0 else f"{self.a} better"


def compare(a: np.ndarray, b: np.ndarray, names: tuple[str, str], metric: str, seed: int = 0, resamples: int = 10_000) -> Comparison:
    """b against a on the same users: the mean difference with its bootstrap interval, and the p-value of a
    paired randomisation test (each user's difference keeps or flips its sign), which tests the same mean
    the interval is about (a rank test such as Wilcoxon's tests the median and can disagree on skewed gains)."""
    diff = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    p = 1.0
    if diff.size and np.any(diff):
        signs = np.random.default_rng(seed).choice(np.asarray([-1.0, 1.0]), size=(resamples, diff.size))
        flipped = np.abs((signs * diff).mean(axis=1))
        p = float((np.sum(flipped >= abs(diff.mean()) - 1e-15) + 1) / (resamples + 1))
    return Comparison(a=names[0], b=names[1], metric=metric, effect=paired_bootstrap(a, b, seed=seed), p=p)


def holm(comparisons: list[Comparison]) -> list[Comparison]:
    """Holm's step-down correction across ``comparisons`` (family-wise error at any level)."""
    order = sorted(range(len(comparisons)), key=lambda n: comparisons[n].p)
    adjusted, running = [0.0] * len(comparisons), 0.0
    for rank, n in enumerate(order):
        running = max(running, min(1.0, (len(comparisons) - rank) * comparisons[n].p))
        adjusted[n] = running
    return [c.model_copy(update={"p_holm": p}) for c, p in zip(comparisons, adjusted, strict=True)]
