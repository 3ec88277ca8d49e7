"""Collaborative signals from interaction data, through the ``implicit`` library.

One small contract (:class:`CollaborativeModel`: ``fit`` on a user × item matrix, ``scores``
for one person's row of interactions) with a few implementations: ALS and BPR (latent
factors), item-kNN (item-item cosine, shrunk cosine or BM25 neighbours, which also answer
"more like this"), and popularity. A person is always given as a row of interactions rather than only a
user index, so a chat session's likes count even for someone the model was never fitted on.
"""

from __future__ import annotations

import csv
import itertools
import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)


class InteractionsError(ValueError):
    """An interaction file is missing a column or has no usable rows."""


@dataclass
class Interactions:
    """Who interacted with what: external ids mapped to matrix rows and columns."""

    users: list[str]
    items: list[str]
    matrix: sp.csr_matrix  # users × items, value = strength (1 for implicit, or a rating)
    times: sp.csr_matrix | None = None
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user_index = {u: n for n, u in enumerate(self.users)}
        self.item_index = {i: n for n, i in enumerate(self.items)}

    @classmethod
    def from_triples(
        cls, triples: Iterable[tuple[str, str, float, float]], items: Sequence[str] | None = None, errors: list[str] | None = None
    ) -> Interactions:
        """From (user, item, value, time) rows; ``items`` fixes the item axis (e.g. the whole catalog)."""
        users: dict[str, int] = {}
        index: dict[str, int] = {i: n for n, i in enumerate(items)} if items is not None else {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        stamps: list[float] = []
        for user, item, value, stamp in triples:
            if item not in index:
                if items is not None:
                    continue  # not in the catalog: nothing to recommend it with
                index[item] = len(index)
            rows.append(users.setdefault(user, len(users)))
            cols.append(index[item])
            vals.append(value)
            stamps.append(stamp)
        shape = (len(users), len(index))
        matrix = sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=shape)
        times = sp.csr_matrix((np.asarray(stamps, np.float64), (rows, cols)), shape=shape)
        matrix.sum_duplicates()
        return cls(list(users), list(index), matrix, times, errors or [])

    @classmethod
    def from_csv(
        cls,
        path: Path,
        items: Sequence[str] | None = None,
        columns: tuple[str, str, str, str] = ("userId", "movieId", "rating", "timestamp"),
    ) -> Interactions:
        """A CSV with a header; bad rows are reported by line number and skipped."""
        user_col, item_col, value_col, time_col = columns
        errors: list[str] = []

        def rows() -> Iterable[tuple[str, str, float, float]]:
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                missing = {user_col, item_col} - set(reader.fieldnames or [])
                if missing:
                    raise InteractionsError(f"{path}: missing column(s) {sorted(missing)}")
                for row in reader:
                    try:
                        user, item = row[user_col].strip(), row[item_col].strip()
                        if not user or not item:
                            raise ValueError("empty user or item")
                        value = float(row.get(value_col) or 1.0)
                        stamp = float(row.get(time_col) or 0.0)
                    except (ValueError, AttributeError) as e:
                        errors.append(f"{path.name} line {reader.line_num}: {e}")
                        continue
                    yield user, item, value, stamp

        out = cls.from_triples(rows(), items, errors)
        if not out.matrix.nnz:
            raise InteractionsError(f"{path}: no usable interactions")
        for message in errors[:10]:
            log.warning("%s", message)
        return out

    def binary(self, threshold: float | None = None) -> sp.csr_matrix:
        """1 where the value reaches ``threshold`` (every interaction when None)."""
        m = self.matrix.copy()
        keep = m.data >= threshold if threshold is not None else np.ones_like(m.data, bool)
        m.data = keep.astype(np.float32)
        m.eliminate_zeros()
        return m

    def columns(self, item_ids: Sequence[str]) -> np.ndarray:
        """Each item's column in the matrix, -1 for an item with none."""
        return np.asarray([self.item_index.get(i, -1) for i in item_ids], dtype=np.int64)

    def row(self, item_ids: Iterable[str], user: str | None = None) -> sp.csr_matrix:
        """One person's interaction row: a known user's history plus any extra items (session likes)."""
        n = len(self.items)
        cols = {self.item_index[i] for i in item_ids if i in self.item_index}
        if user is not None and user in self.user_index:
            cols |= set(self.matrix[self.user_index[user]].indices.tolist())
        ordered = sorted(cols)
        return sp.csr_matrix((np.ones(len(ordered), np.float32), ([0] * len(ordered), ordered)), shape=(1, n))


class CollaborativeModel(ABC):
    """Fit on users × items, then score every item for a person given as an interaction row."""

    name: str = ""

    @abstractmethod
    def fit(self, matrix: sp.csr_matrix) -> CollaborativeModel: ...

    @abstractmethod
    def scores(self, row: sp.csr_matrix, user: int | None = None) -> np.ndarray:
        """Scores for all items (higher is better); ``user`` is the fitted row index when known."""

    def score_users(self, matrix: sp.csr_matrix, users: Sequence[int]) -> np.ndarray:
        """Scores for many fitted users at once (users × items)."""
        return np.vstack([self.scores(matrix[u], u) for u in users])


class FactorModel(CollaborativeModel):
    """ALS or BPR: score = user factors · item factors."""

    def __init__(self, kind: Literal["als", "bpr"] = "als", factors: int = 64, iterations: int | None = None,
                 regularization: float | None = None, seed: int = 0, threads: int = 2,
                 learning_rate: float | None = None) -> None:  # fmt: skip
        self.name = kind
        with warnings.catch_warnings():  # implicit warns about OpenBLAS threads; fit() limits them to 1
            warnings.simplefilter("ignore")
            self.model = self._build(kind, factors, iterations, regularization, seed, threads, learning_rate)

    @staticmethod
    def _build(kind: str, factors: int, iterations: int | None, regularization: float | None, seed: int, threads: int,
               learning_rate: float | None) -> Any:  # fmt: skip
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        if kind == "als":
            return AlternatingLeastSquares(factors=factors, iterations=iterations or 15, regularization=regularization or 0.05,
                                           random_state=seed, num_threads=threads)  # fmt: skip
        return BayesianPersonalizedRanking(factors=factors, iterations=iterations or 100, regularization=regularization or 0.01,
                                           learning_rate=learning_rate or 0.01, random_state=seed, num_threads=threads)  # fmt: skip

    def fit(self, matrix: sp.csr_matrix) -> FactorModel:
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.fit(matrix.astype(np.float32).tocsr(), show_progress=False)
        return self

    def _user_vector(self, row: sp.csr_matrix, user: int | None) -> np.ndarray | None:
        if user is not None:
            return np.asarray(self.model.user_factors[user])
        if not row.nnz or self.name != "als":
            return None  # BPR cannot fold in a new person; no history means no opinion
        with threadpool_limits(1, "blas"):
            return np.asarray(self.model.recalculate_user(0, row.astype(np.float32))).ravel()

    def scores(self, row: sp.csr_matrix, user: int | None = None) -> np.ndarray:
        vec = self._user_vector(row, user)
        if vec is None:
            return np.zeros(self.model.item_factors.shape[0])
        return np.asarray(self.model.item_factors @ vec, np.float64)

    def score_users(self, matrix: sp.csr_matrix, users: Sequence[int]) -> np.ndarray:
        return np.asarray(self.model.user_factors[list(users)] @ self.model.item_factors.T, np.float64)


class ItemKNN(CollaborativeModel):
    """Item-item neighbours: score(i) = Σ over the person's items j of sim(j, i).

    With ``shrink`` > 0 the cosine is damped where it rests on few people, n_ij / (√(n_i n_j) + shrink) (the usual
    shrunk similarity, which ``implicit`` lacks): a film named in one conversation, beside *Shrek* named in 26, had
    a higher cosine with it than *Shrek 2*, named with it three times."""

    def __init__(self, similarity: Literal["cosine", "bm25"] = "cosine", neighbours: int = 50, shrink: float = 0.0) -> None:
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        if shrink and similarity != "cosine":
            raise ValueError("shrink applies to the cosine similarity only")
        self.name = "item_knn"
        self.neighbours, self.shrink = neighbours, shrink
        # a shrunk similarity is computed here (see fit), with no ``implicit`` model
        self.model = None if shrink else CosineRecommender(K=neighbours) if similarity == "cosine" else BM25Recommender(K=neighbours)

    def fit(self, matrix: sp.csr_matrix) -> ItemKNN:
        if self.model is None:
            self.similarity = _nearest(_shrunk_cosine(matrix, self.shrink), self.neighbours)
            return self
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.fit(matrix.astype(np.float32).tocsr(), show_progress=False)
        self.similarity = self.model.similarity
        return self

    def scores(self, row: sp.csr_matrix, user: int | None = None) -> np.ndarray:
        return self.score_users(row, [0]).ravel()

    def score_users(self, matrix: sp.csr_matrix, users: Sequence[int]) -> np.ndarray:
        seen = sp.csr_matrix(matrix[list(users)] > 0, dtype=np.float32)  # interactions count once, as in fit
        return np.asarray((seen @ self.similarity).todense(), np.float64)


def _shrunk_cosine(matrix: sp.csr_matrix, shrink: float) -> sp.csr_matrix:
    """Item × item n_ij / (√(n_i n_j) + shrink) over who interacted with what (each interaction counted once)."""
    seen = sp.csr_matrix(matrix > 0, dtype=np.float64)
    together = (seen.T @ seen).tocoo()
    off = together.row != together.col
    rows, cols, counts = together.row[off], together.col[off], together.data[off]
    n = np.asarray(seen.sum(axis=0)).ravel()
    return sp.csr_matrix((counts / (np.sqrt(n[rows] * n[cols]) + shrink), (rows, cols)), shape=together.shape)


def _nearest(similarity: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each item's ``k`` most similar other items (its row's largest entries; ``implicit``'s kNN counts the item itself
    among its ``k``)."""
    keep = np.zeros(similarity.nnz, dtype=bool)
    for i in range(similarity.shape[0]):
        lo, hi = similarity.indptr[i], similarity.indptr[i + 1]
        top = np.argpartition(-similarity.data[lo:hi], k)[:k] if hi - lo > k else np.arange(hi - lo)
        keep[lo + top] = True
    out = similarity.copy()
    out.data = np.where(keep, out.data, 0.0)
    out.eliminate_zeros()
    return out


class Popularity(CollaborativeModel):
    """How many people interacted with each item: the baseline every recommender must beat."""

    name = "popularity"

    def fit(self, matrix: sp.csr_matrix) -> Popularity:
        self.counts = np.asarray((matrix > 0).sum(axis=0), np.float64).ravel()
        return self

    def scores(self, row: sp.csr_matrix, user: int | None = None) -> np.ndarray:
        return self.counts.copy()

    def score_users(self, matrix: sp.csr_matrix, users: Sequence[int]) -> np.ndarray:
        return np.tile(self.counts, (len(users), 1))


def make_model(name: str, seed: int = 0) -> CollaborativeModel:
    """A model by name: ``als``, ``bpr``, ``item_knn``, ``item_knn_bm25`` or ``popularity``."""
    factories = {
        "als": lambda: FactorModel("als", seed=seed),
        "bpr": lambda: FactorModel("bpr", seed=seed),
        "item_knn": lambda: ItemKNN("cosine"),
        "item_knn_bm25": lambda: ItemKNN("bm25"),
        "popularity": Popularity,
    }
    if name not in factories:
        raise ValueError(f"unknown collaborative model {name!r}; known: {sorted(factories)}")
    return factories[name]()


class CollaborativeSignals:
    """The chat's view of one domain's interactions: ALS for "people like you", item-kNN for
    "more like these", both scoring only the candidates in hand."""

    def __init__(self, interactions: Interactions, factor_model: str = "als", seed: int = 0) -> None:
        self.interactions = interactions
        matrix = interactions.binary()
        self.has_data = np.asarray(matrix.sum(axis=0)).ravel() > 0
        self.factors = make_model(factor_model, seed).fit(matrix)
        self.neighbours = make_model("item_knn", seed).fit(matrix)

    def history(self, user: str | None, threshold: float | None = None) -> list[str]:
        """A known user's items (those rated at least ``threshold``), most recent first; [] for anyone else."""
        ix = self.interactions.user_index.get(user) if user is not None else None
        if ix is None:
            return []
        row = self.interactions.matrix[ix]
        order = np.arange(row.nnz)
        if self.interactions.times is not None:
            order = np.argsort(-self.interactions.times[ix].toarray().ravel()[row.indices], kind="stable")
        if threshold is not None:
            order = order[row.data[order] >= threshold]
        return [self.interactions.items[i] for i in row.indices[order]]

    def person(self, user: str | None, liked_ids: Sequence[str]) -> Person:
        """This person as the models see them, computed once a turn.

        A known user with nothing new is scored from their fitted factors; likes from the chat
        session beyond the stored history are folded in (ALS re-solves the user's factors).
        """
        row = self.interactions.row(liked_ids, user)
        known = self.interactions.user_index.get(user) if user is not None else None
        extra = any(i in self.interactions.item_index for i in liked_ids)
        factors = self.factors.scores(row, None if extra or known is None else known) if row.nnz else None
        return Person(row=row, factor_scores=factors, neighbour_scores=self.neighbours.scores(row) if row.nnz else None)

    def signals(self, candidate_ids: Sequence[str], person: Person) -> dict[str, np.ndarray | None]:
        """``collaborative`` and ``neighbours`` scores for the candidates (None without any history)."""
        if person.factor_scores is None or person.neighbour_scores is None:
            return {"collaborative": None, "neighbours": None}
        cols = self.interactions.columns(candidate_ids)
        cols = np.where((cols >= 0) & self.has_data[np.maximum(cols, 0)], cols, -1)

        def pick(all_scores: np.ndarray) -> np.ndarray:
            # Items nobody interacted with get the lowest score seen, not whatever their untrained factors say.
            floor = float(all_scores.min()) if all_scores.size else 0.0
            return np.where(cols >= 0, all_scores[np.maximum(cols, 0)], floor)

        return {"collaborative": pick(person.factor_scores), "neighbours": pick(person.neighbour_scores)}

    def top(self, person: Person, n: int, exclude: set[str], by: Literal["collaborative", "neighbours"] = "collaborative") -> list[str]:
        """The ``n`` best unseen items for this person by the factor model or item-kNN (to widen the candidate pool)."""
        scores = person.factor_scores if by == "collaborative" else person.neighbour_scores
        if scores is None or n <= 0:
            return []
        keep = self.has_data.copy()
        keep[person.row.indices] = False  # seen
        return top_items(self.interactions.items, scores, n, exclude, keep)


@dataclass
class Person:
    """One person's interaction row and every item's score under each model (None: no history at all)."""

    row: sp.csr_matrix
    factor_scores: np.ndarray | None
    neighbour_scores: np.ndarray | None


# Chosen on the tune half of ReDial's validation turns (`bench/redial.py --split tune`, co-mention R@10 0.164 at 0,
# 0.175 at 2, 0.189 at 5, 0.199 at 10, 0.204 at 20, 0.202 at 50, 0.203 at 150; bot.rank 0.191 -> 0.217 at 20).
COMENTION_SHRINK = 20.0


class CoMentions:
    """Items liked in the same conversations (e.g. ReDial's): item-kNN over conversations × items.

    People who talk about films name them together for a reason (same mood, same crowd, the
    usual comparisons), which ratings alone miss; the ``comention`` signal scores candidates by
    their neighbours among the items the person named."""

    def __init__(self, conversations: Interactions, neighbours: int = 100, shrink: float = COMENTION_SHRINK) -> None:
        self.interactions = conversations
        matrix = conversations.binary()
        self.model = ItemKNN("cosine", neighbours, shrink).fit(matrix)
        # How many conversations name each item (log-damped): what people bring up when they recommend, the scores
        # for a person who has named nothing and asked for nothing to search for ("any good comedies?").
        self.prior = np.log1p(np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel())

    def scores(self, named: Sequence[str]) -> np.ndarray | None:
        """Every item's co-mention score with the named items, computed once a turn (None if none was ever mentioned)."""
        row = self.interactions.row(named)
        return self.model.scores(row) if row.nnz else None

    def signal(self, candidate_ids: Sequence[str], scores: np.ndarray) -> np.ndarray:
        """The candidates' share of :meth:`scores` or of :attr:`prior` (0 for an item no conversation mentioned)."""
        cols = self.interactions.columns(candidate_ids)
        return np.where(cols >= 0, scores[np.maximum(cols, 0)], 0.0)

    def top(self, scores: np.ndarray, n: int, exclude: set[str]) -> list[str]:
        """The ``n`` items most mentioned alongside the named ones (or most mentioned at all, for :attr:`prior`),
        outside ``exclude`` (to widen the candidate pool)."""
        return top_items(self.interactions.items, scores, n, exclude)


def top_items(items: Sequence[str], scores: np.ndarray, n: int, exclude: set[str], keep: np.ndarray | None = None) -> list[str]:
    """The ``n`` best-scored items outside ``exclude``, among ``keep`` (a mask; by default those with a positive
    score); ties keep the item order."""
    mask = scores > 0 if keep is None else keep
    order = (items[ix] for ix in np.argsort(-scores, kind="stable") if mask[ix])
    return list(itertools.islice((item for item in order if item not in exclude), max(0, n)))
