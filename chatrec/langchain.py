"""chatrec inside LangChain: the catalog as a retriever, the chat as a runnable.

    retriever = bot.as_retriever(domain="books", k=5)      # BaseRetriever -> list[Document]
    chat = bot.as_runnable()                                # Runnable: str | ChatInput -> str

Both are ordinary LangChain objects: they compose with ``|`` into LCEL chains, stream, batch,
run async and can be served by LangServe. The retriever ranks the way a chat turn does (the
request's hard constraints, such as "under £10" or "nothing scary", are read and enforced,
plus any ``constraints`` given) but keeps no session; the runnable is a whole chat turn,
remembered under its ``session_id``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from pydantic import BaseModel, ConfigDict, Field

from chatrec.models import Constraints, Recommendation, Reply
from chatrec.present import card_metadata

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec


def to_document(pick: Recommendation) -> Document:
    """A pick as a Document: its title and description as text; its facts, score and signals as metadata."""
    item = pick.item
    text = f"{item.title}\n{item.description}".strip()
    metadata = {"id": item.id, "title": item.title, "domain": item.domain, "score": pick.score, "signals": pick.signals,
                **card_metadata(item)}  # fmt: skip
    return Document(page_content=text, metadata=metadata, id=item.id)


class CatalogRetriever(BaseRetriever):
    """Ranked catalog items for a query, with the chat's hard filters (no session kept)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bot: Any = Field(exclude=True)  # a ChatRec (Any: pydantic cannot build a schema for it)
    domain: str | None = None
    k: int = Field(4, ge=1, le=200)
    constraints: Constraints | None = None
    user_id: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        picks = self.bot.rank(query, k=self.k, domain=self.domain, constraints=self.constraints, user_id=self.user_id)
        return [to_document(p) for p in picks]


class ChatInput(BaseModel):
    """One chat turn for the runnable (a plain string is taken as ``message``)."""

    message: str
    session_id: str | None = Field(None, description="Default: config['configurable']['session_id'], else 'default'.")
    domain: str | None = None
    scenario: str | None = None
    user_id: str | None = None


class ChatRunnable(Runnable[str | ChatInput | dict[str, Any], str | Reply]):
    """A chat turn as a Runnable. ``output="text"``: the reply text (streamed as it is written);
    ``output="reply"``: the whole :class:`~chatrec.models.Reply` (streamed as one chunk at the end)."""

    def __init__(self, bot: ChatRec, output: Literal["text", "reply"] = "text") -> None:
        self.bot = bot
        self.output = output

    @property
    def OutputType(self) -> type:  # noqa: N802 (LangChain's name)
        return str if self.output == "text" else Reply

    def invoke(self, input: str | ChatInput | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> str | Reply:
        return self._call_with_config(self._turn, input, config, **kwargs)

    def stream(self, input: str | ChatInput | dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[str | Reply]:  # fmt: skip
        if self.output == "reply":
            yield self.invoke(input, config, **kwargs)
            return
        yield from self._transform_stream_with_config(iter([input]), self._chunks, config, **kwargs)

    async def ainvoke(self, input: str | ChatInput | dict[str, Any], config: RunnableConfig | None = None,
                      **kwargs: Any) -> str | Reply:  # fmt: skip
        return await run_in_executor(config, self.invoke, input, config, **kwargs)

    async def astream(self, input: str | ChatInput | dict[str, Any], config: RunnableConfig | None = None,
                      **kwargs: Any) -> AsyncIterator[str | Reply]:  # fmt: skip
        """The sync stream, each chunk fetched in a worker thread so the event loop stays free."""
        chunks = self.stream(input, config, **kwargs)
        done = object()
        while (chunk := await run_in_executor(config, next, chunks, done)) is not done:
            yield chunk  # type: ignore[misc]

    def _turn(self, input: str | ChatInput | dict[str, Any], config: RunnableConfig) -> str | Reply:
        turn = _read(input, config)
        reply = self.bot.chat(turn.message, turn.session_id or "default", domain=turn.domain, scenario=turn.scenario,
                              user_id=turn.user_id)  # fmt: skip
        return reply.text if self.output == "text" else reply

    def _chunks(self, inputs: Iterator[str | ChatInput | dict[str, Any]], config: RunnableConfig) -> Iterator[str]:
        for input in inputs:
            turn = _read(input, config)
            yield from self.bot.stream(turn.message, turn.session_id or "default", domain=turn.domain, scenario=turn.scenario,
                                       user_id=turn.user_id)  # fmt: skip


def _read(input: str | ChatInput | dict[str, Any], config: RunnableConfig) -> ChatInput:
    turn = ChatInput(message=input) if isinstance(input, str) else ChatInput.model_validate(input)
    if turn.session_id is None:
        turn.session_id = str((config.get("configurable") or {}).get("session_id", "default"))
    return turn
