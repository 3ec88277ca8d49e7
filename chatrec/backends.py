"""Backends found by name: embedders, vector stores and LLM clients, registered as entry points.

A package adds a backend without touching chatrec by declaring an entry point in its own
``pyproject.toml`` (the shipped backends are registered the same way, in chatrec's)::

    [project.entry-points."chatrec.vector_stores"]
    qdrant = "my_package.store:open_store"     # (settings, embedder) -> VectorStore

and is then chosen by configuration (``CHATREC_VECTOR_STORE=qdrant``). A setting may also
name ``module:attr`` directly. What each kind's factory is called with:

- ``chatrec.embedders``: no arguments -> :class:`chatrec.embeddings.Embedder`
- ``chatrec.vector_stores``: ``(settings, embedder)`` -> :class:`chatrec.catalog.store.VectorStore`
- ``chatrec.llms``: ``(settings)`` -> :class:`chatrec.llm.client.ChatLLM`
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from chatrec.catalog.store import VectorStore
    from chatrec.embeddings import Embedder
    from chatrec.llm.client import ChatLLM
    from chatrec.settings import Settings

Kind = Literal["embedder", "vector_store", "llm"]
GROUPS: dict[Kind, str] = {"embedder": "chatrec.embedders", "vector_store": "chatrec.vector_stores", "llm": "chatrec.llms"}


class BackendError(ValueError):
    """No backend of that name, or it does not load."""


def available(kind: Kind) -> list[str]:
    """The names registered for ``kind`` by every installed package."""
    return sorted({ep.name for ep in entry_points(group=GROUPS[kind])})


def load(kind: Kind, name: str) -> Callable[..., Any]:
    """The factory registered as ``name`` for ``kind``, or the object a ``module:attr`` name points to."""
    found = [ep for ep in entry_points(group=GROUPS[kind]) if ep.name == name]
    try:
        if found:
            return found[0].load()
        module, _, attr = name.partition(":")
        if attr:
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as e:
        raise BackendError(f"{kind} backend {name!r} does not load: {e}") from e
    names = available(kind)
    hint = "" if names else " (none is registered: is chatrec installed, e.g. `pip install -e .`?)"
    raise BackendError(f"unknown {kind} backend {name!r}: use one of {names} or 'module:attr'{hint}")


def open_store(settings: Settings, embedder: Embedder) -> VectorStore:
    """The configured vector store (``settings.vector_store``)."""
    return load("vector_store", settings.vector_store)(settings, embedder)  # type: ignore[no-any-return]


def make_llm(settings: Settings) -> ChatLLM:
    """The configured LLM client (``settings.llm_backend``; ``auto``: openai if an endpoint or key is set, else local)."""
    return load("llm", settings.resolved_backend())(settings)  # type: ignore[no-any-return]
