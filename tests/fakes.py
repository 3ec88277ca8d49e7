"""A scripted stand-in for the language model, for unit tests of parsing and control flow."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from chatrec.llm.client import LLMError, parse_json_as

T = TypeVar("T", bound=BaseModel)
Answer = dict[str, Any] | str | Exception


class ScriptedLLM:
    """Answers structured requests by schema name (``IntentProposal``, ``Ranking``) from a script.

    A script entry is a dict (valid JSON), a string (raw text, possibly garbage) or an
    exception to raise; a callable gets the messages and returns one of those.
    """

    name = "scripted"

    def __init__(self, script: dict[str, Answer | Callable[[Sequence[dict[str, str]]], Answer]] | None = None,
                 text: str | Exception = "Here you go.") -> None:  # fmt: skip
        self.script = script or {}
        self.text = text
        self.calls: list[tuple[str, Sequence[dict[str, str]]]] = []

    def _answer(self, key: str, messages: Sequence[dict[str, str]]) -> Answer:
        self.calls.append((key, messages))
        answer = self.script.get(key, LLMError(f"nothing scripted for {key}"))
        answer = answer(messages) if callable(answer) else answer
        if isinstance(answer, Exception):
            raise answer
        return answer

    def structured(self, messages: Sequence[dict[str, str]], schema: type[T], *, max_tokens: int = 400) -> T:
        import json

        answer = self._answer(schema.__name__, messages)
        return parse_json_as(answer if isinstance(answer, str) else json.dumps(answer), schema)

    def complete(self, messages: Sequence[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2) -> str:
        self.calls.append(("complete", messages))
        if isinstance(self.text, Exception):
            raise self.text
        return self.text

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2) -> Iterator[str]:
        self.calls.append(("stream", messages))
        if isinstance(self.text, Exception):
            raise self.text
        for word in self.text.split(" "):
            yield word + " "


def proposal(action: str = "recommend", scenario: str = "none", domain: str = "any", query: str = "", include=(), exclude=()) -> dict:  # type: ignore[no-untyped-def]
    """A well-formed ``IntentProposal`` answer."""
    return {"action": action, "scenario": scenario, "domain": domain, "query": query, "include": list(include), "exclude": list(exclude)}
