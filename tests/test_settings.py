"""Configuration: environment, .env file, and the OpenAI-standard variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.backends import make_llm
from chatrec.settings import Settings


def test_defaults_run_everything_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHATREC_LLM_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.resolved_backend() == "local" and s.local_model == "qwen2.5-coder-1.5b" and s.host == "127.0.0.1"


def test_env_file_and_chatrec_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    env = tmp_path / ".env"
    env.write_text("CHATREC_LOCAL_MODEL=qwen2.5-coder-0.5b\nCHATREC_OPENAI_BASE_URL=http://10.0.0.5:8000/v1\nCHATREC_LLM_MODEL=llama-3\n")
    s = Settings(_env_file=env)  # type: ignore[call-arg]
    assert (s.local_model, s.openai_base_url, s.llm_model, s.resolved_backend()) == (
        "qwen2.5-coder-0.5b",
        "http://10.0.0.5:8000/v1",
        "llama-3",
        "openai",
    )


def test_openai_key_alone_means_openai_with_a_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    llm = make_llm(s)
    assert llm.model == "gpt-4o-mini" and "api.openai.com" in llm.endpoint
    assert "sk-secret" not in repr(s) and "sk-secret" not in str(s.model_dump())


def test_forcing_local_ignores_an_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("CHATREC_LLM_BACKEND", "local")
    assert Settings(_env_file=None).resolved_backend() == "local"  # type: ignore[call-arg]


def test_env_example_documents_every_setting() -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text()
    missing = [f"CHATREC_{name.upper()}" for name in Settings.model_fields if f"CHATREC_{name.upper()}" not in example]
    assert not missing, f".env.example lacks {missing}"


def test_home_paths_and_the_database_password_stay_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    """``~`` in .env means home (uncommenting .env.example's paths must not create a folder named "~"),
    and a database URL's password is a secret."""
    monkeypatch.setenv("CHATREC_DATA_DIR", "~/.local/share/chatrec")
    monkeypatch.setenv("CHATREC_DATABASE_URL", "postgresql+psycopg://chatrec:s3cret-pw@db/chatrec")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.data_dir == Path.home() / ".local" / "share" / "chatrec" and "~" not in str(s.store_dir)
    assert "s3cret-pw" not in repr(s) and "s3cret-pw" not in str(s.model_dump()) and "s3cret-pw" in s.session_db_url
    from chatrec.safety import configured_secrets

    assert "s3cret-pw" in configured_secrets(s)
