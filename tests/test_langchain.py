"""chatrec in LangChain: the catalog retriever and the chat runnable inside real LCEL chains."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from chatrec.catalog.store import ChromaStore
from chatrec.llm.client import OpenAIChat
from chatrec.llm.server import MODEL_ALIAS, LocalLLMServer
from chatrec.models import Constraints, Reply
from tests.helpers import make_bot


def test_the_retriever_in_a_chain_keeps_the_hard_filters(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """A retrieval chain: documents carry the item's facts, and the request's constraints hold."""
    bot = make_bot(catalog_store, None, tmp_path)
    retriever = bot.as_retriever(domain="movies", k=3)
    docs = retriever.invoke("a space adventure, nothing made before 2010")
    assert docs and all(isinstance(d, Document) for d in docs)
    assert all(d.metadata["domain"] == "movies" and d.metadata["year"] >= 2010 for d in docs)
    assert [d.metadata["id"] for d in docs] == [d.id for d in docs]
    assert {d.metadata["title"] for d in docs} <= {i.title for i in catalog_store.items("movies")}

    titles = RunnableLambda(lambda ds: ", ".join(d.metadata["title"] for d in ds))
    chain = {"picks": retriever | titles, "request": RunnablePassthrough()} | PromptTemplate.from_template(
        "For {request}: {picks}") | RunnableLambda(lambda prompt: prompt.to_string())  # fmt: skip
    text = chain.invoke("an adventure")
    assert text.startswith("For an adventure: ") and len(text.split(": ", 1)[1].split(", ")) == 3

    no_horror = bot.as_retriever(domain="movies", k=10, constraints=Constraints(exclude_genres=["Horror"]))
    assert all("Horror" not in d.metadata.get("genres", []) for d in no_horror.invoke("a scary film"))
    assert any("Horror" in d.metadata.get("genres", []) for d in bot.as_retriever(domain="movies", k=10).invoke("a scary film"))
    batched = retriever.batch(["space", "romance"])
    assert len(batched) == 2 and batched[0] != batched[1]


@pytest.mark.llm
def test_the_chat_runnable_invokes_streams_batches_and_runs_async(catalog_store: ChromaStore, local_server: LocalLLMServer,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    """The chat as a Runnable on the real model: a session kept through the config, streamed words, batch and async."""
    llm = OpenAIChat(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=180, local=True)
    bot = make_bot(catalog_store, llm, tmp_path)
    chat = bot.as_runnable()
    config = {"configurable": {"session_id": "lc"}}
    chunks = list(chat.stream("a funny movie for my kids", config=config))
    assert len(chunks) > 1 and "".join(chunks) == bot.last_reply("lc").text  # type: ignore[union-attr]
    first = bot.last_reply("lc").items  # type: ignore[union-attr]
    shout = chat | RunnableLambda(str.upper)
    assert shout.invoke({"message": "another one", "session_id": "lc"}).isupper()
    assert not {r.item_id for r in first} & {r.item_id for r in bot.last_reply("lc").items}  # type: ignore[union-attr]

    replies = bot.as_runnable(output="reply").batch(["a romantic film", "a toy for a 6 year old"])
    assert all(isinstance(r, Reply) for r in replies)
    assert [r.intent.domain for r in replies] == ["movies", "toys"]

    async def both() -> tuple[str, list[str]]:
        return await chat.ainvoke("a space film", config={"configurable": {"session_id": "a1"}}), \
            [c async for c in chat.astream("a space film", config={"configurable": {"session_id": "a2"}})]  # fmt: skip
    text, streamed = asyncio.run(both())
    assert text and len(streamed) > 1 and "".join(streamed) == bot.last_reply("a2").text  # type: ignore[union-attr]
