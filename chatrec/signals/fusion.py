"""Weighted fusion r(i) = Σ_k w_k · norm(r_k(i)) with min-max normalisation per signal.

Normalising each signal to [0, 1] over the candidate set makes the weights comparable; a
signal that is missing (no feedback yet, no ratings) or flat (no information) drops out and
the remaining weights are rescaled to sum to one, so scores stay on one scale.
"""

from __future__ import annotations

import numpy as np


def minmax(x: np.ndarray) -> np.ndarray | None:
    lo, hi = float(np.min(x)), float(np.max(x))
    return None if hi - lo < 1e-12 else (x - lo) / (hi - lo)


def fuse(signals: dict[str, np.ndarray | None], weights: dict[str, float], n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Scores for ``n`` candidates and each signal's weighted contribution to them."""
    normed = {k: v for k, raw in signals.items() if raw is not None and weights.get(k, 0) > 0
              and (v := minmax(np.asarray(raw, dtype=np.float64))) is not None}  # fmt: skip
    total = sum(weights[k] for k in normed)
    contributions = {k: weights[k] / total * v for k, v in normed.items()} if total else {}
    scores = np.sum(list(contributions.values()), axis=0) if contributions else np.zeros(n)
    return scores, contributions
