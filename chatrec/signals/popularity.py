"""Catalog priors: how many people engaged with an item, how well they rated it, its price."""

from __future__ import annotations

import math

import numpy as np

from chatrec.models import Item


def popularity(items: list[Item]) -> np.ndarray | None:
    """log(1 + count): a few hundred ratings matter, the ten-thousandth matters little."""
    values = [it.popularity for it in items]
    if all(v is None for v in values):
        return None
    return np.asarray([math.log1p(v or 0.0) for v in values])


def rating(items: list[Item], prior_weight: float = 10.0) -> np.ndarray | None:
    """Average rating shrunk toward the candidates' mean by few ratings (a Bayesian average)."""
    rated = [(it.rating, it.popularity or 0.0) for it in items if it.rating is not None]
    if not rated:
        return None
    prior = sum(r for r, _ in rated) / len(rated)
    return np.asarray([
        ((it.rating * (it.popularity or 0.0)) + prior * prior_weight) / ((it.popularity or 0.0) + prior_weight)
        if it.rating is not None else prior
        for it in items
    ])  # fmt: skip


def cheapness(items: list[Item]) -> np.ndarray | None:
    """Higher for cheaper items; items without a price sit in the middle."""
    prices = [it.price for it in items]
    known = [p for p in prices if p is not None]
    if not known:
        return None
    mid = float(np.median(known))
    return np.asarray([-(p if p is not None else mid) for p in prices])
