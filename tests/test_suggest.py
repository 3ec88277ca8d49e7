"""The model as a candidate source: its names join the pool only as catalog items, and a model that
fails or names nothing usable leaves the turn to the other signals."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.llm.client import LLMError
from chatrec.llm.meter import TurnModel
from chatrec.models import Intent
from chatrec.pipeline.suggest import Suggester
from chatrec.pipeline.titles import TitleIndex
from chatrec.prompts import PromptLibrary
from tests.fakes import ScriptedLLM
from tests.helpers import enable_signal, make_bot

PROMPTS = Path(__file__).parent.parent / "prompts"
NAMES = "\n".join([
    "1. Finding Nemo (2003)",
    "2. Interstellar (1999)",  # real film, wrong year: not this catalog's item
    '3. "Toy Story 7" (2031)',  # invented sequel
    "- Paddington",  # no year: cannot be checked
    "the shining (1980)",
    "",
    "Finding  Nemo (2003)",  # repeated
    "Toy Story (1995)",  # what the person named
    "Apollo",  # the answer was cut here
])  # fmt: skip


def test_only_names_that_are_catalog_items_of_that_year_are_kept(catalog_store: ChromaStore) -> None:
    suggester = Suggester(PromptLibrary(PROMPTS), TitleIndex(catalog_store))
    named = catalog_store.get("movies", ["m1"])
    got = suggester(Intent(query="more like Toy Story", domain="movies"), named, TurnModel(ScriptedLLM(text=NAMES)))
    assert got.ids == ["m5", "m8"]  # in the model's order; nothing invented, nothing already named
    assert (got.named, got.dropped) == (7, 4)
    assert Suggester.signal(["m8", "m2", "m5"], got.ids).tolist() == [0.5, 0.0, 1.0]
    assert (suggester.names, suggester.dropped) == (7, 4)


def test_a_repeated_request_costs_no_second_call(catalog_store: ChromaStore) -> None:
    llm = ScriptedLLM(text=NAMES)
    suggester = Suggester(PromptLibrary(PROMPTS), TitleIndex(catalog_store))
    intent, named = Intent(query="more like Toy Story", domain="movies"), catalog_store.get("movies", ["m1"])
    assert suggester(intent, named, TurnModel(llm)) == suggester(intent, named, TurnModel(llm))
    assert len(llm.calls) == 1
    suggester(intent.model_copy(update={"query": "something else"}), named, TurnModel(llm))
    assert len(llm.calls) == 2


def test_the_suggestions_lead_the_list_when_a_scenario_weighs_them(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = enable_signal(make_bot(catalog_store, ScriptedLLM(text=NAMES), tmp_path), "suggested", 2.0)
    reply = bot.chat("films like Toy Story (1995)", "s1", domain="movies")
    assert reply.items[0].item_id == "m5" and reply.items[0].signals.get("suggested", 0) > 0
    assert "m1" not in [r.item_id for r in reply.items]  # the film they named never comes back


@pytest.mark.parametrize("answer", ["Nothing Real (2040)\nI cannot help with that.", LLMError("the model is down")])
def test_a_model_with_nothing_usable_leaves_the_turn_to_the_other_signals(catalog_store: ChromaStore, tmp_path: Path,
                                                                           answer: str | LLMError) -> None:  # fmt: skip
    bot = enable_signal(make_bot(catalog_store, ScriptedLLM(text=answer), tmp_path), "suggested", 2.0)
    reply = bot.chat("films like Toy Story (1995)", "s1", domain="movies")
    assert reply.items and all("suggested" not in r.signals for r in reply.items)
    assert any("could not suggest" in n for n in reply.notices) == isinstance(answer, LLMError)


def test_off_unless_a_scenario_weighs_it(catalog_store: ChromaStore, tmp_path: Path) -> None:
    llm = ScriptedLLM(text=NAMES)
    make_bot(catalog_store, llm, tmp_path).chat("films like Toy Story (1995)", "s1", domain="movies")
    assert {label for label, _ in llm.calls} == {"stream"}  # the words only: the shipped scenarios give suggestions no weight


@pytest.mark.llm
def test_the_real_model_suggests_only_catalog_items(catalog_store: ChromaStore, local_server: object, tmp_path: Path) -> None:
    from chatrec.llm.client import OpenAIChat
    from chatrec.llm.server import MODEL_ALIAS

    llm = OpenAIChat(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=180, local=True)  # type: ignore[attr-defined]
    bot = enable_signal(make_bot(catalog_store, llm, tmp_path), "suggested", 1.0)
    got = bot.suggester(Intent(query="an animated film for my kids", domain="movies"), catalog_store.get("movies", ["m1"]), TurnModel(llm))
    assert got.named > 0 and got.dropped <= got.named
    assert len(catalog_store.get("movies", got.ids)) == len(got.ids)  # every id kept is a catalog item
    reply = bot.chat("an animated film for my kids, we loved Toy Story (1995)", "s1", domain="movies")
    assert reply.items and "suggest" in [c.label for c in reply.llm_calls]
