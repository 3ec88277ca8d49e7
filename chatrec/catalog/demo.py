"""The demo catalogs shipped in ``data/demo/`` and their precomputed vectors.

A first run ingests them from the shipped vector packs (seconds, not the ~20 minutes a
from-scratch embedding takes on two cores); later runs see a matching stamp on each
collection and skip ingestion entirely.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from chatrec.catalog.ingest import IngestReport, embed_text, ingest
from chatrec.catalog.loaders import load_catalog
from chatrec.catalog.pack import VectorPack, text_hash
from chatrec.catalog.store import VectorStore
from chatrec.embeddings import Embedder

log = logging.getLogger(__name__)

DEMO_DOMAINS = ("movies", "books", "toys")


def catalog_path(demo_dir: Path, domain: str) -> Path:
    return demo_dir / f"{domain}.jsonl"


def pack_path(demo_dir: Path, domain: str) -> Path:
    return demo_dir / "vectors" / f"{domain}.npz"


LOADER_VERSION = 2  # raise when loading reads more of a row (2: a row's "extra" object), so stores re-ingest


def _stamp(path: Path, embedder: Embedder, description_chars: int) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    return f"{digest}:{embedder.name}:{description_chars}:{LOADER_VERSION}"


def ensure_demo(
    store: VectorStore, embedder: Embedder, demo_dir: Path, description_chars: int, progress: bool = True
) -> list[IngestReport]:
    """Ingest any demo catalog the store lacks or holds in an outdated form."""
    reports: list[IngestReport] = []
    for domain in DEMO_DOMAINS:
        path = catalog_path(demo_dir, domain)
        if not path.is_file():
            log.warning("demo catalog %s is missing", path)
            continue
        stamp = _stamp(path, embedder, description_chars)
        if store.stamp(domain) == stamp:
            continue
        loaded = load_catalog(path, domain)
        for err in loaded.errors:
            log.warning("%s: %s", path.name, err)
        pack = VectorPack.load(pack_path(demo_dir, domain), embedder.name)
        if pack is None:
            log.warning("no vector pack for %s and %s: embedding %d items (slow)", domain, embedder.name, len(loaded.items))
        reports += ingest(
            loaded.items, store=store, embedder=embedder, description_chars=description_chars,
            pack=pack, batch_size=512, progress=progress,
        )  # fmt: skip
        store.set_stamp(domain, stamp)
    return reports


def build_pack(domain: str, demo_dir: Path, embedder: Embedder, description_chars: int, batch: int = 64) -> Path:
    """Embed a demo catalog and write its vector pack (maintainers: `chatrec demo pack`). Vectors the pack already
    holds for an item's exact text are kept, so a catalog edit (345 film titles given their article back) embeds only
    what changed; texts no longer in the catalog are dropped."""
    from tqdm import tqdm

    items = load_catalog(catalog_path(demo_dir, domain), domain).items
    texts = list(dict.fromkeys(embed_text(it, description_chars) for it in items))
    out = pack_path(demo_dir, domain)
    old = VectorPack.load(out, embedder.name) or VectorPack(embedder.name, {})
    hashes = {t: text_hash(t) for t in texts}
    vectors = {h: v for h in hashes.values() if (v := old.get(h)) is not None}
    missing = [t for t in texts if hashes[t] not in vectors]
    for lo in tqdm(range(0, len(missing), batch), desc=f"pack {domain}", unit="batch"):
        chunk = missing[lo : lo + batch]
        for text, vec in zip(chunk, embedder.embed_passages(chunk), strict=True):
            vectors[hashes[text]] = vec
    VectorPack(embedder.name, vectors).save(out)
    return out
