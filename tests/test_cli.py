"""The command line: ingest reports malformed rows by line, search finds what was ingested."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatrec.cli import app
from chatrec.settings import get_settings

DATA = Path(__file__).parent / "data"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHATREC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_ingest_reports_bad_rows_and_is_idempotent(env: Path) -> None:
    runner = CliRunner()
    args = ["ingest", str(DATA / "bad_rows.csv"), "--domain", "films", "--mapping", str(DATA / "mapping.yaml"), "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "films: 3 added, 0 updated, 0 unchanged" in result.output
    assert "5 malformed row(s)" in result.output
    assert "bad_rows.csv: line 3: missing title" in result.output and "line 8: price 'free' is not a number" in result.output
    again = runner.invoke(app, args)
    assert "films: 0 added, 0 updated, 3 unchanged" in again.output
    found = runner.invoke(app, ["search", "another fine film", "--domain", "films", "-k", "1"])
    assert found.exit_code == 0 and "Fine Too" in found.output


def test_ingest_with_command_line_mapping_and_bad_arguments(env: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", str(DATA / "tiny_movies.csv"), "--domain", "movies", "--no-progress",
                             "--map", "id=movie_id", "--map", "title=name", "--map", "description=plot",
                             "--map", "genres=genre_list", "--map", "year=released"])  # fmt: skip
    assert ok.exit_code == 0 and "movies: 10 added" in ok.output
    bad = runner.invoke(app, ["ingest", str(DATA / "tiny_movies.csv"), "--domain", "Bad Domain!"])
    assert bad.exit_code != 0 and "domain" in bad.output


def test_models_list(env: Path) -> None:
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0 and "qwen2.5-coder-1.5b" in result.output and "qwen2.5-coder-0.5b" in result.output


def scripted(settings: object) -> object:
    """An LLM backend by ``module:attr`` (CHATREC_LLM_BACKEND), so the terminal chat runs without a model server."""
    from tests.fakes import ScriptedLLM

    return ScriptedLLM(text="1. A cheerful comedy for the evening.")


def test_terminal_chat_says_what_it_cannot_check_once(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATREC_LOAD_DEMO", "false")
    monkeypatch.setenv("CHATREC_LLM_BACKEND", "tests.test_cli:scripted")
    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", str(DATA / "tiny_movies.csv"), "--domain", "movies", "--no-progress",
                             "--map", "id=movie_id", "--map", "title=name", "--map", "description=plot",
                             "--map", "genres=genre_list", "--map", "year=released"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    chat = runner.invoke(app, ["chat", "--session", "t"], input="a comedy film under £10\n")
    assert chat.exit_code == 0, chat.output
    assert "picks" in chat.output and "A cheerful comedy for the evening." in chat.output
    assert chat.output.count("I don't have prices for films") == 1, chat.output  # said in the reply, not repeated below it
    again = runner.invoke(app, ["chat", "--session", "t"], input="something funnier\n")  # the stored session goes on, and says so
    assert again.exit_code == 0 and "Continuing session 't' (2 messages; looking for movies" in again.output, again.output
    fresh = runner.invoke(app, ["chat", "--session", "t", "--new"], input="a drama\n")
    assert fresh.exit_code == 0 and "Continuing" not in fresh.output and "picks" in fresh.output, fresh.output
