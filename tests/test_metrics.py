"""Metric code against hand-computed cases, and the bootstrap interval's behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chatrec.eval.metrics import mean_metrics, paired_bootstrap, per_user


def test_metrics_match_hand_computed_values() -> None:
    ranked = {"u1": ["a", "x", "b", "y", "z"], "u2": ["y", "c"], "u3": ["q"]}
    relevant = {"u1": {"a", "b"}, "u2": {"c", "d"}, "u3": {"r"}}
    got = per_user(ranked, relevant, ["precision@2", "recall@2", "ndcg@3", "hit_rate@1"])
    # u1: hits at ranks 1 and 3. u2: one of two relevant, at rank 2. u3: nothing.
    assert got["precision@2"].tolist() == pytest.approx([0.5, 0.5, 0.0])
    assert got["recall@2"].tolist() == pytest.approx([0.5, 0.5, 0.0])
    dcg_u1 = 1 + 1 / math.log2(4)
    idcg_2 = 1 + 1 / math.log2(3)
    assert got["ndcg@3"].tolist() == pytest.approx([dcg_u1 / idcg_2, (1 / math.log2(3)) / idcg_2, 0.0])
    assert got["hit_rate@1"].tolist() == [1.0, 0.0, 0.0]


def test_users_without_relevant_items_are_left_out_and_empty_rankings_score_zero() -> None:
    means = mean_metrics({"u1": ["a"], "u2": []}, {"u1": {"a"}, "u2": {"b"}, "u3": set()}, ["ndcg@5"])
    assert means["ndcg@5"] == pytest.approx(0.5)  # (1 + 0) / 2 users; u3 has nothing to find


def test_bootstrap_interval_brackets_a_consistent_gain_and_a_null_effect() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(200)
    gain = paired_bootstrap(a, a + 0.1 + rng.normal(0, 0.01, 200), seed=3)
    assert 0.09 < gain.low < gain.mean < gain.high < 0.11
    same = paired_bootstrap(a, a.copy(), seed=3)
    assert (same.low, same.mean, same.high) == (0.0, 0.0, 0.0)
    noise = paired_bootstrap(a, a + rng.normal(0, 0.2, 200), seed=3)
    assert noise.low < 0 < noise.high
    assert "95% CI" in gain.text()


def test_holm_matches_a_hand_computed_step_down() -> None:
    from chatrec.eval.metrics import Comparison, holm

    def c(p: float) -> Comparison:
        return Comparison(a="x", b="y", metric="ndcg@10", effect=paired_bootstrap(np.zeros(3), np.ones(3)), p=p)

    got = [x.p_holm for x in holm([c(0.04), c(0.01), c(0.03), c(0.20)])]
    # sorted 0.01, 0.03, 0.04, 0.20 → ×4, ×3, ×2, ×1 = 0.04, 0.09, 0.08→0.09 (monotone), 0.20
    assert got == pytest.approx([0.09, 0.04, 0.09, 0.20])
    assert [x.verdict() for x in holm([c(0.01)])] == ["y better"]


def test_a_paired_comparison_finds_a_real_gain_and_not_noise() -> None:
    from chatrec.eval.metrics import compare

    rng = np.random.default_rng(2)
    a = rng.random(300)
    assert (
        compare(a, a + 0.05 + rng.normal(0, 0.05, 300), ("a", "b"), "m").p < 0.001
    )  # the smallest a 10,000-flip test can give is about 1e-4
    assert compare(a, a + rng.normal(0, 0.05, 300), ("a", "b"), "m").p > 0.01
    assert compare(a, a.copy(), ("a", "b"), "m").p == 1.0
