"""What each model call cost, and the model as one turn uses it.

A turn holds one :class:`TurnModel`: the configured model (or none) plus the records of the
calls made through it. Stages receive it as an argument instead of keeping a model of their
own, so the model lives in one place and every call is counted where it is made.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from chatrec.llm.client import ChatLLM, Message, ServerOptions

T = TypeVar("T", bound=BaseModel)


class LLMCall(BaseModel):
    """One model call as the server saw it (token counts stay None where a server does not report them)."""

    label: str
    prompt_tokens: int | None = None
    cached_tokens: int | None = Field(None, description="Prompt tokens the server's prompt cache already held.")
    completion_tokens: int | None = None
    seconds: float = 0.0
    first_token_s: float | None = Field(None, description="For a stream: seconds until the first text arrived.")
    finish_reason: str | None = Field(None, description="'stop', or 'length' when the token budget cut the answer.")
    ok: bool = False

    @property
    def new_prompt_tokens(self) -> int | None:
        """Prompt tokens the model actually had to read."""
        if self.prompt_tokens is None:
            return None
        return self.prompt_tokens - (self.cached_tokens or 0)

    def take_usage(self, usage: Any) -> None:
        """Copy the token counts of an OpenAI ``usage`` object, if the server sent one."""
        if usage is None:
            return
        self.prompt_tokens = usage.prompt_tokens
        self.completion_tokens = usage.completion_tokens
        details = getattr(usage, "prompt_tokens_details", None)
        self.cached_tokens = getattr(details, "cached_tokens", None)


class TurnModel:
    """The model for one turn; each call is recorded in :attr:`calls` under the stage's label."""

    def __init__(self, llm: ChatLLM | None) -> None:
        self.llm = llm
        self.calls: list[LLMCall] = []

    @property
    def present(self) -> bool:
        return self.llm is not None

    def _llm(self, label: str) -> tuple[ChatLLM, LLMCall]:
        from chatrec.llm.client import LLMError

        if self.llm is None:
            raise LLMError("no language model configured")
        record = LLMCall(label=label)
        self.calls.append(record)
        return self.llm, record

    def structured(self, label: str, messages: Sequence[Message], schema: type[T], *, max_tokens: int) -> T:
        llm, record = self._llm(label)
        return llm.structured(messages, schema, max_tokens=max_tokens, record=record)

    def complete(self, label: str, messages: Sequence[Message], *, max_tokens: int, temperature: float,
                 options: ServerOptions | None = None) -> str:  # fmt: skip
        llm, record = self._llm(label)
        return llm.complete(messages, max_tokens=max_tokens, temperature=temperature, record=record, options=options)

    def stream(self, label: str, messages: Sequence[Message], *, max_tokens: int, temperature: float,
               options: ServerOptions | None = None) -> Iterator[str]:  # fmt: skip
        llm, record = self._llm(label)
        return llm.stream(messages, max_tokens=max_tokens, temperature=temperature, record=record, options=options)

    def last(self, label: str) -> LLMCall | None:
        """The latest call made under ``label``."""
        return next((c for c in reversed(self.calls) if c.label == label), None)
