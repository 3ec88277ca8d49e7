"""Ingestion into a real Chroma store with the real embedder, and querying it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatrec.catalog.ingest import embed_text, ingest
from chatrec.catalog.store import ChromaStore, StoreError
from chatrec.embeddings import Embedder
from chatrec.models import Item


def titles(store: ChromaStore, query: str, k: int = 2) -> list[str]:
    return [h.item.title for h in store.search("movies", query, k)]


def test_ingest_then_search_in_english_and_chinese(store: ChromaStore, tiny_items: list[Item], embedder: Embedder) -> None:
    [report] = ingest(tiny_items, store=store, embedder=embedder, progress=False)
    assert (report.added, report.embedded, store.count("movies")) == (10, 10, 10)
    assert "Finding Nemo" in titles(store, "a fish searching the sea for his lost child")
    assert "Notting Hill" in titles(store, "romantic comedy in London")
    assert "流浪地球" in titles(store, "中国科幻电影，地球逃离太阳系")
    # Cross-lingual: a Chinese query finds an English-described film and vice versa.
    assert "Toy Story" in titles(store, "玩具的动画片", k=3)
    assert "甜蜜蜜" in titles(store, "a love story between two young people in Hong Kong", k=3)
    hit = store.search("movies", "haunted hotel in winter", 1)[0]
    assert hit.item.title == "The Shining" and hit.item.genres == ["Horror"] and 0 < hit.similarity <= 1


def test_metadata_filters(store: ChromaStore, tiny_items: list[Item], embedder: Embedder) -> None:
    ingest(tiny_items, store=store, embedder=embedder, progress=False)
    hits = store.search("movies", "space", 10, where={"year": {"$gte": 2010}})
    assert hits and all(h.item.year and h.item.year >= 2010 for h in hits)
    assert store.get("movies", ["m9", "nope", "m1"])[0].title == "Paddington"
    assert store.search("books", "anything", 5) == []  # an absent domain is empty, not an error


def test_reingest_is_idempotent_and_updates_changed_rows(store: ChromaStore, tiny_items: list[Item], embedder: Embedder) -> None:
    ingest(tiny_items, store=store, embedder=embedder, progress=False)
    [again] = ingest(tiny_items, store=store, embedder=embedder, progress=False)
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 10, 0)
    changed = [it.model_copy(update={"price": 4.99}) if it.id == "m1" else it for it in tiny_items]
    changed = [it.model_copy(update={"description": "A bear in Peru."}) if it.id == "m9" else it for it in changed]
    [upd] = ingest(changed, store=store, embedder=embedder, progress=False)
    # m1: metadata changed, vector reused from the store; m9: text changed, re-embedded.
    assert (upd.added, upd.updated, upd.unchanged, upd.embedded, upd.reused) == (0, 2, 8, 1, 1)
    assert store.count("movies") == 10
    assert store.get("movies", ["m1"])[0].price == 4.99
    assert store.get("movies", ["m9"])[0].description == "A bear in Peru."


class FlakyEmbedder:
    """The real embedder, interrupted after a number of calls (a killed ingest)."""

    def __init__(self, inner: Embedder, fail_after: int) -> None:
        self.inner, self.calls, self.fail_after = inner, 0, fail_after
        self.name, self.dim = inner.name, inner.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > self.fail_after:
            raise KeyboardInterrupt
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


def test_interrupted_ingest_resumes_without_duplicates(store: ChromaStore, tiny_items: list[Item], embedder: Embedder) -> None:
    with pytest.raises(KeyboardInterrupt):
        ingest(tiny_items, store=store, embedder=FlakyEmbedder(embedder, 2), batch_size=3, progress=False)
    assert store.count("movies") == 6  # two batches of three were committed
    [rest] = ingest(tiny_items, store=store, embedder=embedder, batch_size=3, progress=False)
    assert (rest.added, rest.unchanged, rest.embedded) == (4, 6, 4)
    assert store.count("movies") == 10


def test_a_store_built_by_another_embedder_is_refused(tmp_path: Path, tiny_items: list[Item], embedder: Embedder) -> None:
    ChromaStore(embedder, path=tmp_path).upsert(tiny_items[:1], embedder.embed_passages(["x"]), ["h"])
    other = FlakyEmbedder(embedder, 0)
    other.name = "another-model-1.0"
    with pytest.raises(StoreError, match="--rebuild"):
        ChromaStore(other, path=tmp_path).count("movies")  # type: ignore[arg-type]


def test_embed_text_keeps_facets_and_cuts_description_at_a_word() -> None:
    item = Item(id="1", domain="books", title="T", genres=["Fiction"], authors=["A"], year=2001, description="word " * 100)
    text = embed_text(item, 30)
    assert text.startswith("T. Fiction. by A. 2001. word")
    assert text.endswith("word") and len(text) <= len("T. Fiction. by A. 2001. ") + 30


def test_unreachable_chroma_server_is_a_clear_error(embedder: Embedder) -> None:
    with pytest.raises(StoreError, match="cannot open the Chroma store at http://127.0.0.1:9"):
        ChromaStore(embedder, url="http://127.0.0.1:9")
