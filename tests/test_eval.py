"""A tiny end-to-end run of ``chatrec eval`` on the real MovieLens-100K and INSPIRED files
(from ``../shared/data``; never copied into the project), and the weight tuner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatrec.catalog.store import ChromaStore
from chatrec.settings import Settings
from tests.helpers import make_bot

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ML100K = SHARED / "ml-100k"
INSPIRED = SHARED / "inspired"
REDIAL = SHARED / "redial-valid"
needs_data = pytest.mark.skipif(not (ML100K / "u.data").is_file(), reason="MovieLens-100K not present in ../shared/data")


@needs_data
def test_tiny_eval_run_writes_a_complete_report(tmp_path: Path, test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """All four protocols on 60 users, two folds and 8 dialogue turns, through the CLI, without the model."""
    from chatrec import cli

    settings = test_settings.model_copy(update={"data_dir": tmp_path / "data"})
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    from chatrec.eval import run as run_module

    real = run_module.run_eval
    monkeypatch.setattr(run_module, "run_eval", lambda *a, **k: real(*a, **k, max_users=60, max_turns=8, folds=(1, 2), progress=False))
    out = tmp_path / "report"
    result = CliRunner().invoke(cli.app, ["eval", "run", "--ml100k", str(ML100K), "--inspired", str(INSPIRED), "--redial", str(REDIAL),
                                          "--out", str(out), "--no-llm", "--seed", "7", "--budget", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    by = {r["protocol"]: r for r in report["results"]}
    assert set(by) == {"A", "B", "C", "D"}
    compared = {"popularity", "item_knn", "als", "bpr", "content", "hybrid", "ALS + popularity",
                *(f"hybrid without {s}" for s in ("collaborative", "neighbours", "profile", "popularity"))}  # fmt: skip
    a = by["A"]
    assert set(a["tables"]) == {"any rating", "rating ≥ 4"} and set(a["tuning"]) == {"u1", "u2"}
    for rule, table in a["tables"].items():
        assert set(table) == compared
        assert all(0 <= s["mean"] <= 1 and s["sd"] >= 0 for row in table.values() for s in row.values())
        tests = a["tests"][rule]
        assert len(tests) == len(compared) - 1 and all(t["b"] == "hybrid" and t["p_holm"] >= t["p"] for t in tests)
    # Strict relevance is a subset of any rating, so fewer relevant items: recall-free precision cannot rise.
    assert a["tables"]["rating ≥ 4"]["als"]["precision@10"]["mean"] <= a["tables"]["any rating"]["als"]["precision@10"]["mean"]
    for fold in a["tuning"].values():  # the same budget for every tuned method; defaults always among them
        assert set(fold["configurations"].values()) <= {1, 2}
        assert all(abs(sum(w.values()) - 1) < 1e-3 for w in fold["weights"].values())
    b = by["B"]
    assert set(b["tables"]["any rating"]) == compared
    hybrid = b["tables"]["any rating"]["hybrid"]["ndcg@10"]
    assert hybrid["low"] <= hybrid["mean"] <= hybrid["high"]
    assert b["extra"]["users whose latest timestamp is shared by several items"] > 0
    c = by["C"]
    assert set(c["tables"]["any rating"]) == {"content", "random order (mean of 20)"}
    assert c["extra"]["cold share of a full-catalog top 10: scenario personal_picks"] >= 0
    assert "cold share of a full-catalog top 10: protocol A's tuned hybrid (fold u1)" in c["extra"]
    d = by["D"]
    assert d["users"]["INSPIRED test turns"] > 0 and "pipeline (no model)" in d["tables"]["INSPIRED test turns"]
    redial = "ReDial validation turns, held-out half"
    assert d["users"][redial] == 8 and len(d["tables"][redial]) == 4  # popularity, two kNNs, chatrec
    assert {t["a"] for t in d["tests"][redial]} == set(d["tables"][redial]) - {"chatrec rank, no model"}
    assert d["extra"]["ReDial mention linking precision (against ReDial's entity list)"] > 0.9
    assert "n=8" in d["extra"]["ReDial replayed through bot.chat message by message: recall@3 of its 3 cards"]
    said = "ReDial seekers' own liked/disliked answers: films read as the seeker said (liked or disliked)"
    assert float(d["extra"][said].split()[0]) > 0.9 and "n=" in d["extra"][said]
    assert report["command"].startswith("chatrec eval run --ml100k")
    md = (out / "report.md").read_text()
    published = md.index("## Published figures under other protocols")
    assert "LightGCN" in md[published:] and "LightGCN" not in md[:published]  # never beside our figures
    assert "## D. Conversation turns" in md and "p (Holm)" in md
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert "Full ranking" in result.output


@needs_data
def test_missing_official_folds_are_made_by_the_datasets_own_rule(tmp_path: Path) -> None:
    """u2–u5 are not in ../shared/data; mku.sh's rule rebuilds u1 exactly as shipped, so it can make the others."""
    import shutil

    from chatrec.eval.data import MovieLens100K

    for name in ("u.data", "items_with_plots.csv"):
        shutil.copy(ML100K / name, tmp_path / name)
    shipped, derived = MovieLens100K.load(ML100K), MovieLens100K.load(tmp_path)
    for part in ("u1.base", "u1.test"):
        assert sorted(derived.ratings(part).rows) == sorted(shipped.ratings(part).rows)
    tests = [{(r[0], r[1]) for r in derived.ratings(f"u{k}.test").rows} for k in range(1, 6)]
    assert all(len(t) == 20_000 for t in tests) and len(set().union(*tests)) == 100_000  # disjoint, covering
    assert not tests[2] & {(r[0], r[1]) for r in derived.ratings("u3.base").rows}


def test_the_latest_rating_tie_rule_is_seeded_and_ignores_item_ids() -> None:
    import random

    import scipy.sparse as sp

    from chatrec.eval.protocols import latest_by_time

    # 200 users, each with items 0..4 rated at the same latest second, plus an older item 5.
    rows = [u for u in range(200) for _ in range(6)]
    cols = [i for _ in range(200) for i in range(6)]
    stamps = sp.csr_matrix(([9.0, 9.0, 9.0, 9.0, 9.0, 1.0] * 200, (rows, cols)), shape=(200, 6))
    ratings = sp.csr_matrix(([4.0] * 1200, (rows, cols)), shape=(200, 6))
    first, ties = latest_by_time(stamps, ratings, random.Random(3))
    again, _ = latest_by_time(stamps, ratings, random.Random(3))
    assert ties == 200 and first == again
    assert set(first.values()) == {0, 1, 2, 3, 4}  # drawn among the tied, not always the smallest id
    assert 5 not in first.values()


def test_fusion_for_all_users_orders_as_the_chats_fuse() -> None:
    """The evaluation ranks every user at once; it must order candidates exactly as the chat's fuse does."""
    import numpy as np

    from chatrec.eval.methods import Tasks, fused, top
    from chatrec.signals.fusion import fuse

    rng = np.random.default_rng(0)
    n_users, n_items = 40, 30
    cand = np.stack([rng.permutation(n_items) for _ in range(n_users)])
    valid = rng.random((n_users, n_items)) > 0.3
    signals = {
        "a": rng.random((n_users, n_items)),
        "b": rng.integers(0, 3, (n_users, n_items)).astype(float),
        "c": np.where(np.arange(n_users)[:, None] % 4 == 0, 1.0, rng.random((n_users, n_items))),
    }  # flat for some users
    weights = {"a": 0.2, "b": 0.5, "c": 0.3}
    tasks = Tasks(np.arange(n_users), cand, valid, [set() for _ in range(n_users)])
    got = top(fused(signals, valid, weights), tasks, n_items)
    for u in range(n_users):
        cols = np.flatnonzero(valid[u])
        scores, _ = fuse({k: v[u, cols] for k, v in signals.items()}, weights, len(cols))
        expected = [str(cand[u, cols[i]]) for i in sorted(range(len(cols)), key=lambda i: -scores[i])]
        assert got[str(u)] == expected


@needs_data
@pytest.mark.llm
def test_the_models_signal_is_measured_on_the_same_pool_through_the_real_model(
    tmp_path: Path, test_settings: Settings, local_server: object
) -> None:
    from chatrec.eval.run import run_eval

    settings = test_settings.model_copy(update={"data_dir": tmp_path / "data", "load_demo": False})
    report = run_eval(settings, ML100K, None, tmp_path / "r", protocols=["B"], llm_users=3, max_users=30, budget=2, progress=False)
    llm = report.results[0].llm
    assert llm is not None and llm.users == 3
    assert set(llm.metrics) == {"hybrid", "pool, without the model", "pool, with the model"}
    effect = llm.effect["ndcg@10"]
    assert effect.n == 3 and effect.low <= effect.mean <= effect.high
    assert llm.failures < 3  # the model answered at least once
    assert "The model's effect" in (tmp_path / "r" / "report.md").read_text()


def _judge(answer: dict) -> tuple[object, object]:
    """An LLMJudge over 25 made-up films with a scripted model, and one user's task."""
    import numpy as np

    from chatrec.eval.methods import LLMJudge, Tasks
    from chatrec.models import Item
    from chatrec.pipeline.rank import Ranker
    from chatrec.prompts import PromptLibrary
    from chatrec.scenarios import load_scenarios
    from tests.fakes import ScriptedLLM

    root = Path(__file__).parents[1] / "prompts"
    items = [Item(id=str(i), domain="movies", title=f"Film {i}", year=1990 + i) for i in range(25)]
    scenario = load_scenarios(root / "scenarios")["personal_picks"]
    judge = LLMJudge(Ranker(PromptLibrary(root)), ScriptedLLM({"Ranking": answer}), scenario, items, lambda row: ["Film 1 (1991)"])  # type: ignore[arg-type]
    rng = np.random.default_rng(5)
    tasks = Tasks(np.asarray([0]), rng.permutation(25)[None], np.ones((1, 25), bool), [{3}])
    scores = {k: rng.random((1, 25)) for k in ("collaborative", "neighbours", "profile", "popularity")}
    return judge, (scores, tasks)


def test_without_a_usable_answer_the_model_changes_nothing() -> None:
    """The isolation the comparison relies on: same pool, same normalisation, so silence is a zero effect."""
    weights = {"collaborative": 0.4, "neighbours": 0.2, "profile": 0.2, "popularity": 0.2}
    for answer in ({"ranking": [1, 2, 3]}, {"ranking": [99]}):  # echoes the order; names nothing in the list
        judge, (scores, tasks) = _judge(answer)
        without, withm = judge(scores, tasks, 0, weights)  # type: ignore[operator]
        assert without == withm and len(without) == 25
    judge, (scores, tasks) = _judge({"ranking": [3, 1, 2]})
    without, withm = judge(scores, tasks, 0, weights)  # type: ignore[operator]
    assert sorted(without) == sorted(withm) and without[:6] != withm[:6] and without[6:] == withm[6:]
    assert judge.silent == 0 and judge.failures == 0  # type: ignore[attr-defined]


def test_tune_writes_weights_into_the_scenario_override(tmp_path: Path, catalog_store: object, tiny_items: list) -> None:
    """Tuning reads the domain's interactions, writes valid weights to the override layer only."""
    from chatrec.eval import run as run_module
    from chatrec.scenarios import ON_TOP, parse_scenario

    ratings = tmp_path / "ratings.csv"
    ids = [it.id for it in tiny_items]
    lines = ["userId,movieId,rating,timestamp"]
    for u in range(30):
        for k in range(6):
            lines.append(f"{u},{ids[(u + k * 3) % len(ids)]},{4 + (u + k) % 2},{k}")
    ratings.write_text("\n".join(lines) + "\n")
    bot = make_bot(catalog_store, None, tmp_path / "d", interactions={"movies": ratings})  # type: ignore[arg-type]
    settings = bot.settings
    got = run_module.tune_scenario(settings, "personal_picks", seed=1, bot=bot)
    saved = (settings.prompt_overrides / "scenarios" / "personal_picks.yaml").read_text()
    scenario = parse_scenario(saved, "personal_picks")
    shipped = parse_scenario((settings.prompts_dir / "scenarios" / "personal_picks.yaml").read_text(), "personal_picks")
    assert all(scenario.weights[k] == shipped.weights[k] for k in ("semantic", "rating", "llm"))  # untouched
    assert abs(sum(v for k, v in scenario.weights.items() if k not in ON_TOP) - 1) < 0.01
    assert got["users"] == 30 and 0 <= got["validation ndcg@10"] <= 1
    shipped = (Path(settings.prompts_dir) / "scenarios" / "personal_picks.yaml").read_text()
    assert shipped != saved  # the shipped file is left alone


@needs_data
def test_inspired_turns_are_keyed_uniquely_and_gold_movies_map_onto_the_catalog() -> None:
    from chatrec.catalog.loaders import load_catalog
    from chatrec.eval.data import TitleMapper, load_inspired

    turns = load_inspired(INSPIRED)
    assert len(turns) == 228 and len({t.turn_id for t in turns}) == 228
    first = turns[0]
    assert first.gold == ["Hustlers (film)"] and first.user_text[-1].startswith("the last movie i saw")
    mapper = TitleMapper(load_catalog(Path(__file__).parents[1] / "data" / "demo" / "movies.jsonl", "movies").items)
    assert mapper("Die Hard") == "1036" and mapper("Frozen (2013 film)") == "106696"
    assert mapper("Hustlers (film)") is None  # 2019: not in the catalog, and no near title is taken for it


def test_redial_replay_keeps_no_card_as_shown(demo_store: ChromaStore, tmp_path: Path) -> None:
    """ReDial's seeker never saw chatrec's cards, so a replayed conversation may end on a film chatrec showed earlier;
    a live session leaves what it showed out of the next picks."""
    from chatrec.eval.redial import RedialTurn, replay

    said = "something funny and animated for my kids"
    turn = RedialTurn(key="t", lines=[said, "Sure, what else do you like?", said], mentioned=[], gold=set(), named=set())
    bot = make_bot(demo_store, None, tmp_path)
    first = [r.item_id for r in bot.chat(said, "live", domain="movies").items]
    live = [r.item_id for r in bot.chat(turn.messages()[-1], "live", domain="movies").items]
    assert first and not set(first) & set(live)
    assert replay(bot, turn) == first
