"""Collaborative models: one contract every model must meet, plus the chat's view of interactions.

The data has two taste groups that never overlap, so any working model must score the
unseen items of a person's own group above the other group's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from chatrec.signals.collaborative import CollaborativeSignals, Interactions, InteractionsError, ItemKNN, make_model

GROUP_A = [f"a{i}" for i in range(8)]
GROUP_B = [f"b{i}" for i in range(8)]


def two_groups() -> Interactions:
    rng = np.random.default_rng(0)
    rows = []
    for u in range(300):
        group = GROUP_A if u % 2 == 0 else GROUP_B
        for item in rng.choice(group, size=5, replace=False):
            rows.append((f"u{u}", str(item), 5.0, float(u)))
    return Interactions.from_triples(rows, [*GROUP_A, *GROUP_B, "cold"])


@pytest.mark.parametrize("name", ["item_knn", "item_knn_bm25", "als", "bpr"])
def test_model_prefers_the_persons_own_group(name: str) -> None:
    inter = two_groups()
    model = make_model(name, seed=1).fit(inter.binary())
    for user in ("u0", "u1"):
        ix = inter.user_index[user]
        own = GROUP_A if ix % 2 == 0 else GROUP_B
        other = GROUP_B if own is GROUP_A else GROUP_A
        scores = model.scores(inter.matrix[ix], ix)
        seen = set(inter.matrix[ix].indices)
        unseen_own = [inter.item_index[i] for i in own if inter.item_index[i] not in seen]
        assert min(scores[unseen_own]) > max(scores[[inter.item_index[i] for i in other]]), name
        batch = model.score_users(inter.binary(), [ix])
        assert batch.shape == (1, len(inter.items))
        assert np.allclose(batch[0], scores, atol=1e-5)


def test_popularity_counts_people() -> None:
    inter = two_groups()
    model = make_model("popularity").fit(inter.binary())
    counts = np.asarray((inter.matrix > 0).sum(axis=0)).ravel()
    assert np.array_equal(model.scores(inter.matrix[0]), counts)
    with pytest.raises(ValueError, match="unknown collaborative model"):
        make_model("svd")


def test_csv_reports_bad_rows_by_line_and_keeps_catalog_items_only(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("userId,movieId,rating,timestamp\n1,m1,4,10\n1,m2,oops,11\n2,,3,12\n2,m1,5,13\n3,not-in-catalog,5,1\n")
    inter = Interactions.from_csv(path, ["m1", "m2"])
    assert inter.errors == ["r.csv line 3: could not convert string to float: 'oops'", "r.csv line 4: empty user or item"]
    assert inter.matrix.shape == (2, 2) and inter.matrix.nnz == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item\n1,2\n")
    with pytest.raises(InteractionsError, match="missing column"):
        Interactions.from_csv(bad, ["m1"])


def test_chat_signals_cover_known_users_session_likes_and_cold_items() -> None:
    signals = CollaborativeSignals(two_groups())
    cands = ["a7", "b7", "cold"]
    assert signals.signals(cands, signals.person(None, [])) == {"collaborative": None, "neighbours": None}
    for user, liked in (("u0", []), (None, ["a1", "a2"])):  # a stored history, or only this session's likes
        got = signals.signals(cands, signals.person(user, liked))
        for name in ("collaborative", "neighbours"):
            s = got[name]
            assert s is not None and s[0] > s[1], (user, name)
            assert s[2] == pytest.approx(min(s[0], s[1], s[2]))  # the cold item gets the floor, not a boost
    history = signals.history("u0")
    assert history and set(history) <= set(GROUP_A)
    for by in ("collaborative", "neighbours"):
        top = signals.top(signals.person("u0", []), 3, exclude={"a0"}, by=by)  # type: ignore[arg-type]
        assert len(top) == 3 and not set(top) & (set(history) | {"a0"}) and set(top[:2]) <= set(GROUP_A), by
        assert "cold" not in signals.top(signals.person("u0", []), 100, set(), by=by)  # type: ignore[arg-type]
    assert signals.history("nobody", threshold=4.0) == [] and signals.top(signals.person(None, []), 3, set()) == []


def test_history_is_newest_first_and_liked_is_its_well_rated_part() -> None:
    inter = Interactions.from_triples([("u", "a", 5.0, 1.0), ("u", "b", 2.0, 3.0), ("u", "c", 4.0, 2.0), ("v", "a", 1.0, 9.0)])
    signals = CollaborativeSignals(inter)
    assert signals.history("u") == ["b", "c", "a"]
    assert signals.history("u", threshold=4.0) == ["c", "a"]


def test_row_joins_history_and_session_items() -> None:
    inter = two_groups()
    row = inter.row(["b1", "unknown"], "u0")
    assert isinstance(row, sp.csr_matrix)
    assert set(row.indices) == set(inter.matrix[inter.user_index["u0"]].indices) | {inter.item_index["b1"]}


def test_a_shrunk_similarity_trusts_items_named_together_often_over_a_one_off() -> None:
    """Film 0 is named in 28 conversations: with film 1 (its sequel) in 3 of them, with film 2 in the only conversation
    that names film 2. Cosine ranks the one-off first (1/√28 > 3/√(28·24)); shrunk, the sequel leads. With no shrink
    to speak of it is the cosine (but for an item's similarity to itself), and each item keeps its nearest only."""
    rows = [[0, 1]] * 3 + [[1]] * 21 + [[0, 2]] + [[0]] * 22 + [[0, 3]] * 2 + [[3]] * 2
    matrix = sp.csr_matrix([[1.0 if i in row else 0.0 for i in range(4)] for row in rows])
    named = sp.csr_matrix([[1.0, 0, 0, 0]])
    plain, shrunk = ItemKNN("cosine", 4).fit(matrix).scores(named), ItemKNN("cosine", 4, shrink=20).fit(matrix).scores(named)
    assert plain[2] > plain[1] and shrunk[1] > shrunk[2]
    assert np.allclose(ItemKNN("cosine", 4, shrink=1e-9).fit(matrix).scores(named)[1:], plain[1:], atol=1e-6)
    assert ItemKNN("cosine", 1, shrink=20).fit(matrix).similarity.getrow(0).nnz == 1
    with pytest.raises(ValueError, match="cosine"):
        ItemKNN("bm25", 3, shrink=20)
