"""Embed and upsert catalog items: idempotent, resumable, and quiet about unchanged rows.

Each stored record keeps a hash of the whole item and of its embedded text. Re-running
skips identical rows, re-upserts changed ones (re-embedding only if the text changed), and
— because batches are committed as they go — an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel
from tqdm import tqdm

from chatrec.catalog.pack import VectorPack, text_hash
from chatrec.catalog.store import VectorStore
from chatrec.embeddings import Embedder
from chatrec.models import Item


def embed_text(item: Item, description_chars: int = 200) -> str:
    """The text an item is embedded from: title, facets, then the start of its description.

    Title and facets carry most of what people ask for ("a comedy", "a puzzle for a
    five-year-old"); the description adds mood and plot but costs embedding time roughly in
    proportion to its length, so only its first ``description_chars`` characters are used,
    cut at a word boundary.
    """
    parts = [item.title]
    if item.genres:
        parts.append(", ".join(item.genres))
    if item.authors:
        parts.append("by " + ", ".join(item.authors[:3]))
    if item.year:
        parts.append(str(item.year))
    desc = " ".join(item.description.split())
    if description_chars and desc:
        if len(desc) > description_chars:
            desc = desc[:description_chars].rsplit(" ", 1)[0]
        parts.append(desc)
    return ". ".join(parts)


class IngestReport(BaseModel):
    domain: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.added + self.updated


def ingest(
    items: Iterable[Item],
    *,
    store: VectorStore,
    embedder: Embedder,
    description_chars: int = 200,
    pack: VectorPack | None = None,
    batch_size: int = 64,
    progress: bool = True,
) -> list[IngestReport]:
    """Bring the store in line with ``items`` (one report per domain)."""
    by_domain: dict[str, list[Item]] = {}
    for it in items:
        by_domain.setdefault(it.domain, []).append(it)
    return [
        _ingest_domain(domain, group, store, embedder, description_chars, pack, batch_size, progress) for domain, group in by_domain.items()
    ]


def _ingest_domain(
    domain: str,
    items: Sequence[Item],
    store: VectorStore,
    embedder: Embedder,
    description_chars: int,
    pack: VectorPack | None,
    batch_size: int,
    progress: bool,
) -> IngestReport:
    start = time.perf_counter()
    report = IngestReport(domain=domain)
    existing = store.fingerprints(domain)
    todo: list[tuple[Item, str, str]] = []  # item, embedded text, its hash
    for it in items:
        text = embed_text(it, description_chars)
        old = existing.get(it.id)
        if old is not None and old.content == it.content_hash() and old.text == text_hash(text):
            report.unchanged += 1
        else:
            todo.append((it, text, text_hash(text)))
    bar = tqdm(total=len(todo), desc=f"ingest {domain}", unit="item", disable=not progress or not todo)
    for lo in range(0, len(todo), batch_size):
        batch = todo[lo : lo + batch_size]
        # Reuse a vector when the text is unchanged (stored) or was precomputed (pack).
        same_text = [it.id for it, _, th in batch if it.id in existing and existing[it.id].text == th]
        known: dict[str, np.ndarray] = store.vectors(domain, same_text)
        if pack is not None:
            for it, _, th in batch:
                if it.id not in known and (v := pack.get(th)) is not None:
                    known[it.id] = v
        missing = [(i, text) for i, (it, text, _) in enumerate(batch) if it.id not in known]
        fresh = embedder.embed_passages([text for _, text in missing]) if missing else np.zeros((0, embedder.dim))
        vectors = np.zeros((len(batch), embedder.dim), dtype=np.float32)
        for row, (it, _, _) in enumerate(batch):
            if it.id in known:
                vectors[row] = known[it.id]
        for (row, _), vec in zip(missing, fresh, strict=True):
            vectors[row] = vec
        store.upsert([it for it, _, _ in batch], vectors, [th for _, _, th in batch])
        report.embedded += len(missing)
        report.reused += len(batch) - len(missing)
        for it, _, _ in batch:
            if it.id in existing:
                report.updated += 1
            else:
                report.added += 1
        bar.update(len(batch))
    bar.close()
    report.seconds = round(time.perf_counter() - start, 3)
    return report
