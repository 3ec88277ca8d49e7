"""Many sessions at once: no state bleeds between them, the model is bounded, saturation answers "busy"."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.llm.gate import Gate, LLMBusy
from chatrec.pipeline.dialogue import BUSY, BUSY_LLM, ChatRec
from tests.fakes import ScriptedLLM, proposal
from tests.helpers import make_bot


def test_gate_admits_queues_and_refuses() -> None:
    gate = Gate(concurrency=1, queue_limit=1, wait_s=0.3)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with gate.slot("hold"):
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    with pytest.raises(LLMBusy, match="no free slot within 0.3 s"):  # queued, waited its time, then gave up
        with gate.slot("waiter"):
            pass
    refused: list[BaseException] = []

    def waiter_call() -> None:
        try:
            with gate.slot("w"):
                pass
        except LLMBusy as e:
            refused.append(e)

    waiter = threading.Thread(target=waiter_call)
    waiter.start()
    for _ in range(100):
        if gate.waiting:
            break
        time.sleep(0.01)
    with pytest.raises(LLMBusy, match="already waiting"):  # the queue is full: refused at once
        with gate.slot("third"):
            pass
    waiter.join()
    assert len(refused) == 1 and "no free slot" in str(refused[0])  # the queued one timed out, as the first did
    release.set()
    t.join()
    with gate.slot("free again"):
        pass


def test_parallel_sessions_do_not_share_state(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    requests = {f"s{n}": ("an animated film for kids" if n % 2 else "a scary horror film") for n in range(12)}

    def talk(sid: str) -> tuple[str, set[str]]:
        first = bot.chat(requests[sid], sid, domain="movies")
        second = bot.chat("another one", sid)
        return sid, {g for r in [*first.items, *second.items] for g in r.metadata.get("genres", [])}

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(pool.map(talk, requests))
    for sid, genres in results.items():
        session = bot.session(sid)
        assert [t.text for t in session.turns if t.role == "user"] == [requests[sid], "another one"]
        assert ("Horror" in genres) == ("horror" in requests[sid]), (sid, genres)


@contextmanager
def model_held_by_another_turn(catalog_store: ChromaStore, tmp_path: Path, **settings: object) -> Iterator[ChatRec]:
    """A bot whose model is stuck answering session "a" until the block exits."""
    entered, release = threading.Event(), threading.Event()

    def slow(_messages: object) -> dict:
        entered.set()
        release.wait(10)
        return proposal(domain="movies", query="comedy")

    bot = make_bot(catalog_store, ScriptedLLM({"IntentProposal": slow}), tmp_path, llm_concurrency=1, llm_queue_limit=0,
                   llm_understand=True, **settings)  # fmt: skip
    first = threading.Thread(target=bot.chat, args=("a comedy", "a"))
    first.start()
    assert entered.wait(10)
    try:
        yield bot
    finally:
        release.set()
        first.join(30)


def test_saturation_gets_a_busy_answer_not_a_hang(catalog_store: ChromaStore, tmp_path: Path) -> None:
    with model_held_by_another_turn(catalog_store, tmp_path, max_active_turns=1) as bot:
        busy = bot.chat("a comedy too", "b")  # answered while the other turn still runs: refused, not queued
        assert busy.text == BUSY["en"] and busy.notices == ["busy"] and not busy.items
        assert bot.chat("有什么喜剧片", "c").text == BUSY["zh"]
    assert not bot.session("b").turns  # a refused turn leaves no trace


def test_a_saturated_model_degrades_to_an_answer_without_it(catalog_store: ChromaStore, tmp_path: Path) -> None:
    with model_held_by_another_turn(catalog_store, tmp_path) as bot:
        reply = bot.chat("an animated film", "b", domain="movies")  # the model's only slot is taken
        assert reply.items and BUSY_LLM in reply.notices
