"""Back-pressure for the language model: a bounded number of calls at once, a bounded queue.

A laptop-sized model serves one or two requests at a time; without a bound, a burst of
turns queues up behind it and every person waits minutes. :class:`BoundedLLM` admits
``concurrency`` calls, lets at most ``queue_limit`` more wait up to ``wait_s`` seconds, and
refuses the rest at once with :class:`LLMBusy` — an :class:`LLMError`, so the pipeline
answers without the model and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from pydantic import BaseModel

from chatrec.llm.client import ChatLLM, LLMError, Message

T = TypeVar("T", bound=BaseModel)


class LLMBusy(LLMError):
    """Too many requests are already waiting for the model."""


class Gate:
    """``concurrency`` holders at once, at most ``queue_limit`` waiting, each waiting at most ``wait_s``."""

    def __init__(self, concurrency: int, queue_limit: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._waiting = 0
        self.queue_limit = queue_limit
        self.wait_s = wait_s

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextmanager
    def slot(self, what: str) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            self._wait(what)
        try:
            yield
        finally:
            self._slots.release()

    def _wait(self, what: str) -> None:
        """Join the queue if there is room, and wait for a slot (raises LLMBusy otherwise)."""
        with self._lock:
            if self._waiting >= self.queue_limit:
                raise LLMBusy(f"{what}: {self._waiting} requests already waiting")
            self._waiting += 1
        try:
            acquired = self._slots.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self._waiting -= 1
        if not acquired:
            raise LLMBusy(f"{what}: no free slot within {self.wait_s:g} s")


class BoundedLLM:
    """A :class:`ChatLLM` whose calls pass through a :class:`Gate`."""

    def __init__(self, inner: ChatLLM, gate: Gate) -> None:
        self.inner = inner
        self.gate = gate

    @property
    def name(self) -> str:
        return self.inner.name

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2) -> str:
        with self.gate.slot("complete"):
            return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2) -> Iterator[str]:
        with self.gate.slot("stream"):  # held until the stream ends or is abandoned
            yield from self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)

    def structured(self, messages: Sequence[Message], schema: type[T], *, max_tokens: int = 400) -> T:
        with self.gate.slot("structured"):
            return self.inner.structured(messages, schema, max_tokens=max_tokens)
