"""Back-pressure and fail-fast for the language model.

A laptop-sized model serves one or two requests at a time; without a bound, a burst of
turns queues up behind it and every person waits minutes. :class:`BoundedLLM` admits
``concurrency`` calls, lets at most ``queue_limit`` more wait up to ``wait_s`` seconds, and
refuses the rest at once with :class:`LLMBusy` — an :class:`LLMError`, so the pipeline
answers without the model and says so.

When the model becomes unreachable (a local server killed, an endpoint down or too slow),
the rest of that turn and the turns right after it should not each wait for a timeout or a
restart: the wrapper fails fast while a background probe brings the model back (for the
local server, the probe's request restarts it) and lets calls through again on success.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from pydantic import BaseModel

from chatrec.llm.client import ChatLLM, LLMError, LLMUnavailable, Message, ServerOptions
from chatrec.llm.meter import LLMCall

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger(__name__)


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
    """A :class:`ChatLLM` whose calls pass through a :class:`Gate` and fail fast while the model is down."""

    def __init__(self, inner: ChatLLM, gate: Gate, probe_interval_s: float = 2.0) -> None:
        self.inner = inner
        self.gate = gate
        self.probe_interval_s = probe_interval_s
        self._down: str | None = None  # why the model is considered unreachable
        self._probe_lock = threading.Lock()
        self._closed = threading.Event()
        self._probe_thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def available(self) -> bool:
        return self._down is None

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        if self._down is not None:
            raise LLMUnavailable(f"the language model is recovering ({self._down})")
        with self.gate.slot(what):
            try:
                yield
            except LLMUnavailable as e:
                self._mark_down(str(e))
                raise

    def _mark_down(self, why: str) -> None:
        with self._probe_lock:
            if self._down is not None:
                return
            self._down = why
        log.warning("language model unreachable (%s); answering without it until it is back", why)
        self._probe_thread = threading.Thread(target=self._probe, name="llm-probe", daemon=True)
        self._probe_thread.start()

    def close(self) -> None:
        """Stop a running recovery probe (and wait for it); the wrapper fails fast afterwards if still down."""
        self._closed.set()
        if self._probe_thread is not None:
            self._probe_thread.join()

    def _probe(self) -> None:
        """Retry a one-token request until it succeeds (a managed local server restarts on it) or the wrapper is closed."""
        while self._down is not None and not self._closed.is_set():
            try:
                self.inner.complete([{"role": "user", "content": "ping"}], max_tokens=1)
            except LLMError as e:
                log.info("language model still unreachable: %s", e)
                self._closed.wait(self.probe_interval_s)
                continue
            self._down = None
            log.info("language model is back")

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
                 record: LLMCall | None = None, options: ServerOptions | None = None) -> str:  # fmt: skip
        with self._call("complete"):
            return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature, record=record, options=options)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
               record: LLMCall | None = None, options: ServerOptions | None = None) -> Iterator[str]:  # fmt: skip
        with self._call("stream"):  # the slot is held until the stream ends or is abandoned
            yield from self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature, record=record, options=options)

    def structured(self, messages: Sequence[Message], schema: type[T], *, max_tokens: int = 400,
                   record: LLMCall | None = None) -> T:  # fmt: skip
        with self._call("structured"):
            return self.inner.structured(messages, schema, max_tokens=max_tokens, record=record)

    def warm_up(self, prompts: Sequence[Sequence[Message]] = ()) -> None:
        with self._call("warm-up"):
            self.inner.warm_up(prompts)
