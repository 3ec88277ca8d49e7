"""The shipped demo catalogs: their vectors match them, and start-up ingests from them once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatrec.catalog.demo import DEMO_DOMAINS, catalog_path, ensure_demo, pack_path
from chatrec.catalog.ingest import embed_text
from chatrec.catalog.loaders import load_catalog
from chatrec.catalog.pack import VectorPack, text_hash
from chatrec.catalog.store import ChromaStore
from chatrec.embeddings import Embedder
from chatrec.settings import Settings

DEMO = Settings(_env_file=None).demo_dir  # type: ignore[call-arg]


@pytest.mark.parametrize("domain", DEMO_DOMAINS)
def test_shipped_catalog_loads_cleanly_and_its_pack_covers_every_item(domain: str, embedder: Embedder) -> None:
    loaded = load_catalog(catalog_path(DEMO, domain), domain)
    assert not loaded.errors and len(loaded.items) > 5000
    pack = VectorPack.load(pack_path(DEMO, domain), embedder.name)
    assert pack is not None, "vector pack missing or made by another embedder: run `chatrec demo pack`"
    chars = Settings(_env_file=None).description_chars  # type: ignore[call-arg]
    missing = [it.id for it in loaded.items if pack.get(text_hash(embed_text(it, chars))) is None]
    assert not missing, f"{len(missing)} items have no shipped vector (e.g. {missing[:3]}): run `chatrec demo pack`"
    # the shipped vector is the embedder's vector for that text (float16 storage aside)
    sample = loaded.items[:: len(loaded.items) // 5][:5]
    fresh = embedder.embed_passages([embed_text(it, chars) for it in sample])
    for it, vec in zip(sample, fresh, strict=True):
        assert float(vec @ pack.get(text_hash(embed_text(it, chars)))) > 0.999  # type: ignore[operator]


def test_start_up_ingests_from_packs_once(tmp_path: Path, embedder: Embedder) -> None:
    """A small demo folder (first 300 rows of each catalog, real packs): no embedding, and a second start does nothing."""
    demo = tmp_path / "demo"
    (demo / "vectors").mkdir(parents=True)
    for domain in DEMO_DOMAINS:
        lines = catalog_path(DEMO, domain).read_text().splitlines()[:300]
        catalog_path(demo, domain).write_text("\n".join(lines) + "\n")
        shutil.copy(pack_path(DEMO, domain), pack_path(demo, domain))
    store = ChromaStore(embedder, path=tmp_path / "chroma")
    first = ensure_demo(store, embedder, demo, 200, progress=False)
    assert [(r.domain, r.added, r.embedded, r.reused) for r in first] == [(d, 300, 0, 300) for d in DEMO_DOMAINS]
    assert ensure_demo(store, embedder, demo, 200, progress=False) == []
    hits = store.search("books", "a history of science", 3)
    assert hits and hits[0].item.domain == "books"
    # an edited catalog row is noticed (the stamp changes) and only that row is re-embedded
    path = catalog_path(demo, "toys")
    path.write_text(path.read_text().replace('"Hornby 2014 Catalogue"', '"Hornby 2015 Catalogue"'))
    [again] = ensure_demo(store, embedder, demo, 200, progress=False)
    assert (again.domain, again.updated, again.embedded, again.unchanged) == ("toys", 1, 1, 299)
