"""The whole turn through the real parts: local LLM server, real embedder, real Chroma."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import BaseModel

from chatrec.catalog.store import ChromaStore
from chatrec.llm.client import OpenAIChat
from chatrec.llm.meter import LLMCall
from chatrec.llm.server import MODEL_ALIAS, LocalLLMServer, ServerOptions
from chatrec.models import Reply
from tests.helpers import enable_rerank, make_bot

pytestmark = pytest.mark.llm
T = TypeVar("T", bound=BaseModel)


@pytest.fixture(scope="module")
def real_llm(local_server: LocalLLMServer) -> OpenAIChat:
    return OpenAIChat(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=180, local=True)


def assert_in_catalog(store: ChromaStore, reply: Reply) -> None:
    for r in reply.items:
        assert [i.id for i in store.get(r.domain, [r.item_id])] == [r.item_id], f"{r.item_id} is not in the catalog"


def test_english_family_request(catalog_store: ChromaStore, real_llm: OpenAIChat, tmp_path: Path) -> None:
    """With the model reading the message too (off by default), and its re-rank on: code still holds the facts."""
    bot = enable_rerank(make_bot(catalog_store, real_llm, tmp_path, llm_understand=True))
    reply = bot.chat("something light to watch with my kids this weekend, nothing scary", "s1")
    assert reply.intent.used_llm and reply.intent.scenario == "family_movie_night" and reply.intent.domain == "movies"
    assert {"Horror", "Thriller"} <= set(reply.intent.constraints.exclude_genres)
    assert reply.items and all(not {"Horror", "Thriller"} & set(r.metadata["genres"]) for r in reply.items)
    labels = ["understand", "rerank", *["explain"] * len(reply.items)]  # a reason's call per pick
    assert reply.text and not reply.notices and [c.label for c in reply.llm_calls] == labels
    assert_in_catalog(catalog_store, reply)


def test_chinese_request_gets_the_decade_right(catalog_store: ChromaStore, real_llm: OpenAIChat, tmp_path: Path) -> None:
    reply = make_bot(catalog_store, real_llm, tmp_path).chat("推荐一部九十年代的爱情电影", "s1")
    c = reply.intent.constraints
    assert (reply.intent.language, reply.intent.domain, c.year_min, c.year_max) == ("zh", "movies", 1990, 1999)
    assert "Romance" in c.include_genres and reply.intent.scenario == "date_night"
    assert reply.items and all(1990 <= r.metadata["year"] <= 1999 and "Romance" in r.metadata["genres"] for r in reply.items)
    assert_in_catalog(catalog_store, reply)


def test_multi_turn_refinement_and_more_like(catalog_store: ChromaStore, real_llm: OpenAIChat, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, real_llm, tmp_path)
    first = bot.chat("a board game for a family", "s1")
    assert first.intent.domain == "toys" and first.items
    cheaper = "".join(bot.stream("something cheaper", "s1"))
    second = bot.last_reply("s1")
    assert cheaper and second is not None and second.intent.action == "refine" and second.items
    assert max(r.metadata["price"] for r in second.items) < min(r.metadata["price"] for r in first.items)
    target = second.items[1] if len(second.items) > 1 else second.items[0]
    ref = "the second one" if len(second.items) > 1 else "the first one"
    third = bot.chat(f"more like {ref}", "s1")
    assert third.intent.action == "more_like" and target.item_id in bot.session("s1").liked
    for reply in (first, second, third):
        assert_in_catalog(catalog_store, reply)


def test_a_model_that_times_out_still_answers(catalog_store: ChromaStore, model_path: Path, tmp_path: Path) -> None:
    with LocalLLMServer(model_path, ServerOptions(ctx=2048, slots=1)) as server:
        slow = OpenAIChat(base_url=server.base_url, api_key="x", model=MODEL_ALIAS, timeout_s=0.05, local=True)
        reply = make_bot(catalog_store, slow, tmp_path).chat("a funny film for my kids", "s1")
    assert reply.items and reply.notices and "Here are my picks" in reply.text
    assert not {"Horror"} & {g for r in reply.items for g in r.metadata["genres"]}


class Truncating(OpenAIChat):
    """The real model, cut off after a few tokens: real, invalid output."""

    def structured(self, messages: Sequence[dict[str, str]], schema: type[T], *, max_tokens: int = 400,
                   record: LLMCall | None = None) -> T:  # fmt: skip
        return super().structured(messages, schema, max_tokens=3, record=record)


def test_a_model_that_returns_garbage_still_answers(catalog_store: ChromaStore, local_server: LocalLLMServer, tmp_path: Path) -> None:
    broken = Truncating(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    reply = make_bot(catalog_store, broken, tmp_path, llm_understand=True).chat("a board game under 15 pounds", "s1")
    assert any("without the language model" in n for n in reply.notices)
    assert reply.items and all(r.metadata["price"] <= 15 for r in reply.items)
    assert_in_catalog(catalog_store, reply)


def test_a_live_turn_through_the_real_server(catalog_store: ChromaStore, real_llm: OpenAIChat, tmp_path: Path) -> None:
    """Cards before the first word, every call metered, and each call's static prompt served from the cache
    (every optional call on, so each prompt's prefix is checked)."""
    bot = enable_rerank(make_bot(catalog_store, real_llm, tmp_path, llm_understand=True))
    bot.warm_up()
    for session, message in (("a", "a funny animated film for my kids"), ("b", "a board game for a family, under £30")):
        events = list(bot.events(message, session))
        kinds = [e.kind for e in events]
        assert kinds[0] == "understood" and kinds[-1] == "done" and kinds.index("cards") < kinds.index("text")
        reply = events[-1].reply
        labels = ["understand", "rerank", *["explain"] * len(reply.items)]  # a reason's call per pick
        assert reply.items and [c.label for c in reply.llm_calls] == labels and not reply.notices
        for call in reply.llm_calls:
            assert call.ok and call.prompt_tokens and call.completion_tokens, call
            assert call.cached_tokens and call.cached_tokens >= 40, call  # at least the static system part was not read again
    assert_in_catalog(catalog_store, reply)


@pytest.mark.parametrize(("message", "language"), [("a funny animated film for my kids", "en"), ("推荐一部九十年代的爱情电影", "zh")])
def test_the_real_models_reasons_are_checked_before_they_are_shown(catalog_store: ChromaStore, real_llm: OpenAIChat, tmp_path: Path,
                                                                     message: str, language: str) -> None:  # fmt: skip
    """Whatever the small model writes: each pick's shown reason is the model's checked sentences or code's own,
    every shown sentence passes the check again, ends as a sentence, and is in the person's language."""
    from chatrec.pipeline.explain import reason as code_reason
    from chatrec.pipeline.parse import is_chinese

    bot = make_bot(catalog_store, real_llm, tmp_path)
    reply = bot.chat(message, "s1")
    s = reply.sentences
    # the model's text went through the writer: whole sentences checked, or (the small model sampling a run-on line
    # now and then) a fragment the token budget cut and never showed
    assert reply.items and s["checked"] + s["cut"] >= 1 and s["shown"] == s["checked"] - s["dropped"], s
    check = bot.grounding(reply.intent, message, reply.items)
    for n, r in enumerate(reply.items):
        if r.reason == code_reason(r.item, reply.intent, bot.lexicon.chinese_names):
            continue  # code's reason: the model gave none that passed
        for sentence in [x for x in re.split(r"(?<=[.!?。！？])\s*", r.reason) if x]:
            assert not check.problems(sentence, n), (sentence, check.problems(sentence, n))
            assert re.search(r"[.!?。！？]$", sentence) and is_chinese(sentence) == (language == "zh"), sentence
        assert r.reason in reply.text
