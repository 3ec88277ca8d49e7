"""Audience signal: how clearly an item is made for the children a request is for, or for the grown-ups."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from chatrec.models import Constraints, Item

_UNSAID_AGE = 0.5  # an item made for children that says for no ages, against 1 for one said to be for the age asked
AGE_MARGIN = 3  # years past the ages an item's genres imply at which it is no gift for the age asked


def far_from(age: int | None, span: tuple[int, int] | None, margin: int = AGE_MARGIN) -> bool:
    """Whether ``span`` (the ages an item's genres imply) misses ``age`` by more than ``margin`` years: a shape sorter
    (Baby & Toddler Toys, 0-3) for a 9-year-old had been the third pick; one for a 4-year-old stays, ranked lower."""
    return age is not None and span is not None and not span[0] - margin <= age <= span[1] + margin


def for_children(items: Sequence[Item], marked: Callable[[Item], float], age: int | None,
                 ages: Callable[[Item], tuple[int, int] | None] = Item.age_range) -> np.ndarray:  # fmt: skip
    """How clearly the catalog marks an item as made for children (``marked``: 0-1); with an ``age`` asked, whether
    the item's ages (``ages``: stated, or implied by its genres) include it, so an 8-year-old's list does not lead
    with shape sorters (Baby & Toddler Toys are made for children, but not for 8-year-olds).

    Items that no children's list may carry never get here (the retriever drops them); this only
    orders what remains, so a family request leads with family films, not merely inoffensive ones.
    """
    def fits(item: Item) -> float:
        if age is None:
            return marked(item)
        span = ages(item)  # with an age asked, an item said to be for it first, then one only marked for children
        return float(span[0] <= age <= span[1]) if span is not None else _UNSAID_AGE * marked(item)

    return np.asarray([fits(it) for it in items], dtype=np.float64)


def for_adults(items: Sequence[Item], marked: Callable[[Item], float]) -> np.ndarray:
    """1 for items not made for children, less as the catalog marks them so (``marked``: 0-1), 0 if their stated
    age range ends before 18: "a birthday gift book for my mom" had led with *Goodnight Moon*, a picture book that
    "birthday" found by meaning. Weighed like the children's signal, so children's items come last, not never."""
    def fits(item: Item) -> float:
        ages = item.age_range()
        return float(ages[1] >= 18) if ages is not None else 1.0 - marked(item)

    return np.asarray([fits(it) for it in items], dtype=np.float64)


def ruled_out(named: Sequence[Item], constraints: Constraints, adult_only: Callable[[Item], bool]) -> float:
    """The share of the items the person named that a children's request rules out (by genre, or adult-only)."""
    if not named:
        return 0.0
    genres = Constraints(exclude_genres=constraints.exclude_genres)
    return sum(not genres.admits(it) or adult_only(it) for it in named) / len(named)


def within(signal: np.ndarray | None, made_for: np.ndarray, strength: float) -> np.ndarray | None:
    """``signal`` kept to the items made for the children, by ``strength`` (0-1): an item's score is lowered towards
    the signal's lowest by ``strength`` times how little it is made for them (``made_for``, 0-1; the chat passes
    1 only for items fully marked, since *Paprika*, animated, still led a kids' list after *Inception*).

    Films named earlier that the children's request itself rules out steer it only among children's items: after "I
    loved The Matrix and Pulp Fiction" the conversation signals had put *Django Unchained* on a list for kids. Named
    films that fit it (*Harry Potter* for a family) steer as they are: in ReDial's family conversations the films
    named are often not marked for children, and what comes next is like them (bench/redial.py --for-children)."""
    if signal is None or not len(signal):
        return signal
    low = float(np.min(signal))
    return low + (1 - strength * (1 - made_for)) * (signal - low)
