"""Content signals: similarity to the request, and to what this person liked or rejected."""

from __future__ import annotations

import numpy as np


def semantic(similarities: list[float]) -> np.ndarray:
    return np.asarray(similarities, dtype=np.float64)


def profile(candidates: np.ndarray, liked: np.ndarray, rejected: np.ndarray) -> np.ndarray | None:
    """Cosine to the mean liked vector minus half the cosine to the mean rejected vector.

    None when the session has no feedback yet, so the signal's weight goes to the others.
    """
    if not len(liked) and not len(rejected):
        return None
    score = np.zeros(len(candidates))
    if len(liked):
        score += candidates @ _unit(liked.mean(axis=0))
    if len(rejected):
        score -= 0.5 * (candidates @ _unit(rejected.mean(axis=0)))
    return score


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v
