"""Content signals: similarity to the request, to what this person liked or rejected, to the genres and moods asked,
the things it names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chatrec.catalog.facts import item_words
from chatrec.models import Constraints, Item


def semantic(similarities: list[float]) -> np.ndarray:
    return np.asarray(similarities, dtype=np.float64)


def genres(items: Sequence[Item], constraints: Constraints) -> np.ndarray | None:
    """The share of the asked genres each item has, when two or more were asked as one kind ("a horror comedy",
    "科幻惊悚片"; see :attr:`Constraints.blend`).

    The constraint admits an item with any of them, so without this a horror comedy request leads with the
    best-loved horror films; None for one genre, or for genres asked as a choice ("horror or comedy")."""
    if len(constraints.include_genres) < 2 or not constraints.blend:
        return None
    return np.asarray([constraints.genre_share(it) for it in items], dtype=np.float64)


def moods(items: Sequence[Item], constraints: Constraints) -> np.ndarray | None:
    """The share of the moods asked for ("a sad film to cry to") each item's tags mark it with; None if none was.
    A preference, not a filter: the demo films' tags are sparse (*Schindler's List* is not tagged sad)."""
    if not constraints.want_moods:
        return None
    return np.asarray([constraints.mood_share(it) for it in items], dtype=np.float64)


def topic(items: Sequence[Item], topics: Sequence[set[str]]) -> np.ndarray | None:
    """The share of the request's topic words (each a word's forms, see :func:`~chatrec.catalog.facts.forms`) each
    item's title, description or tags write: "a movie about chess" had listed no film about chess, a lego set a pack of
    cards (nearly as near "a lego set" by meaning, having no description). None when the request names none."""
    if not topics:
        return None
    return np.asarray([sum(bool(t & words) for t in topics) / len(topics) for words in map(item_words, items)], dtype=np.float64)


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
