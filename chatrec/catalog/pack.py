"""Precomputed item vectors shipped with a catalog, keyed by the hash of the embedded text.

Embedding the demo catalogs from scratch takes many minutes on two cores; a pack lets a
first run skip that. A vector is reused only for the exact text it was computed from and
only with the embedder (name and version) that computed it; anything else is re-embedded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class VectorPack:
    """A mapping text-hash → vector for one embedder."""

    def __init__(self, embedder_name: str, vectors: dict[str, np.ndarray]) -> None:
        self.embedder_name = embedder_name
        self._vectors = vectors

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, thash: str) -> np.ndarray | None:
        return self._vectors.get(thash)

    def add(self, vectors: dict[str, np.ndarray]) -> "VectorPack":
        self._vectors.update(vectors)
        return self

    def save(self, path: Path) -> None:
        """Write as compressed float16 (halves the size; cosine ranking is unaffected at 1e-3)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        matrix = np.stack([self._vectors[k] for k in keys]).astype(np.float16) if keys else np.zeros((0, 0), np.float16)
        meta = json.dumps({"embedder": self.embedder_name, "count": len(keys)})
        with path.open("wb") as f:
            np.savez_compressed(f, hashes=np.array(keys), vectors=matrix, meta=np.array(meta))

    @classmethod
    def load(cls, path: Path, embedder_name: str) -> "VectorPack | None":
        """The pack at ``path`` if it exists and was made by ``embedder_name``; else None."""
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("embedder") != embedder_name:
                return None
            vectors = z["vectors"].astype(np.float32)
            return cls(embedder_name, dict(zip(z["hashes"].tolist(), vectors, strict=True)))
