"""A tiny end-to-end run of ``chatrec eval`` on the real MovieLens-100K and INSPIRED files
(from ``../shared/data``; never copied into the project), and the weight tuner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatrec.settings import Settings
from tests.helpers import make_bot

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ML100K = SHARED / "ml-100k"
INSPIRED = SHARED / "inspired"
needs_data = pytest.mark.skipif(not (ML100K / "u.data").is_file(), reason="MovieLens-100K not present in ../shared/data")


@needs_data
def test_tiny_eval_run_writes_a_complete_report(tmp_path: Path, test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """All four protocols on 60 users and 8 dialogue turns, through the CLI, without the LLM."""
    from chatrec import cli

    settings = test_settings.model_copy(update={"data_dir": tmp_path / "data"})
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    from chatrec.eval import run as run_module

    real = run_module.run_eval
    monkeypatch.setattr(run_module, "run_eval", lambda *a, **k: real(*a, **k, max_users=60, max_turns=8, grid=(0.0, 1.0)))
    out = tmp_path / "report"
    result = CliRunner().invoke(cli.app, ["eval", "run", "--ml100k", str(ML100K), "--inspired", str(INSPIRED),
                                          "--out", str(out), "--no-llm", "--seed", "7"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    by = {r["protocol"]: r for r in report["results"]}
    assert set(by) == {"A", "B", "C", "D"}
    for name in ("A", "B", "C"):
        methods = by[name]["metrics"]
        assert set(methods) - {"hybrid, cold-start weights"} == {"popularity", "item_knn", "als", "bpr", "content", "hybrid"}
        for values in methods.values():
            assert all(0.0 <= v <= 1.0 for v in values.values())
    assert set(by["A"]["metrics"]["hybrid"]) == {"precision@5", "recall@5", "ndcg@5", "hit_rate@10", "ndcg@10"}
    assert set(by["B"]["metrics"]["hybrid"]) >= {"ndcg@1", "ndcg@5", "ndcg@10"}
    assert abs(sum(by["A"]["weights"].values()) - 1) < 1e-3
    # Cold items: every collaborative model is blind to them (they rank in presentation order),
    # while the hybrid falls back to what it can still see, the content signal.
    c = by["C"]["metrics"]
    assert c["als"] == c["bpr"] == c["item_knn"] == c["popularity"]
    assert c["hybrid"] == c["content"] != c["als"]
    assert by["C"]["extra"]["cold share of top-10, als"] == 0.0
    assert by["C"]["extra"]["cold share of top-10, hybrid, cold-start weights"] > 0.0  # the scenario's profile decides
    assert by["D"]["users"] > 0 and "pipeline (no LLM)" in by["D"]["metrics"]
    assert report["command"].startswith("chatrec eval run --ml100k")
    md = (out / "report.md").read_text()
    assert "LightGCN" in md and "## Protocol D" in md
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert "Protocol A" in result.output


@needs_data
@pytest.mark.llm
def test_llm_rerank_is_measured_against_the_hybrid_on_the_same_users(tmp_path: Path, test_settings: Settings, local_server: object) -> None:
    from chatrec.eval.run import run_eval

    settings = test_settings.model_copy(update={"data_dir": tmp_path / "data", "load_demo": False})
    report = run_eval(settings, ML100K, None, tmp_path / "r", protocols=["B"], llm_users=3, max_users=30, grid=(0.0, 1.0))
    b = report.results[0]
    assert b.llm_users == 3
    assert set(b.llm_metrics) == {"hybrid", "hybrid+llm"}
    effect = b.llm_effect["ndcg@10"]
    assert effect.n == 3 and effect.low <= effect.mean <= effect.high
    assert b.llm_failures < 3  # the model answered at least once


def test_tune_writes_weights_into_the_scenario_override(tmp_path: Path, catalog_store: object, tiny_items: list) -> None:
    """Tuning reads the domain's interactions, writes valid weights to the override layer only."""
    from chatrec.eval import run as run_module
    from chatrec.scenarios import parse_scenario

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
    assert abs(sum(scenario.weights.values()) - 1) < 0.01
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
