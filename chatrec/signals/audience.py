"""Audience signal: how clearly an item is made for the children a request is for."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from chatrec.models import Item


def for_children(items: Sequence[Item], marked: Callable[[Item], bool], age: int | None) -> np.ndarray:
    """1 for an item the catalog marks as made for children or whose stated age range includes ``age``, else 0.

    Items that no children's list may carry never get here (the retriever drops them); this only
    orders what remains, so a family request leads with family films, not merely inoffensive ones.
    """
    def fits(item: Item) -> bool:
        ages = item.age_range()
        return marked(item) or (age is not None and ages is not None and ages[0] <= age <= ages[1])

    return np.asarray([1.0 if fits(it) else 0.0 for it in items])
