"""A scripted stand-in for the language model, for unit tests of parsing and control flow."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from chatrec.llm.client import LLMError, Message, parse_json_as
from chatrec.llm.meter import LLMCall

T = TypeVar("T", bound=BaseModel)
Answer = dict[str, Any] | str | Exception


class ScriptedLLM:
    """Answers structured requests by schema name (``IntentProposal``, ``Ranking``) from a script.

    A script entry is a dict (valid JSON), a string (raw text, possibly garbage) or an
    exception to raise; a callable gets the messages and returns one of those.
    """

    name = "scripted"

    def __init__(self, script: dict[str, Answer | Callable[[Sequence[dict[str, str]]], Answer]] | None = None,
                 text: str | Exception | list[str] = "Here you go.") -> None:  # fmt: skip
        """``text``: what every complete and stream call answers, or a list of answers, one per call in turn."""
        self.script = script or {}
        self._texts = list(text) if isinstance(text, list) else None
        self.text = text[0] if isinstance(text, list) else text
        self.calls: list[tuple[str, Sequence[dict[str, str]]]] = []
        self.options: list[object] = []  # the server options each complete or stream call was given

    def _answer(self, key: str, messages: Sequence[dict[str, str]]) -> Answer:
        self.calls.append((key, messages))
        answer = self.script.get(key, LLMError(f"nothing scripted for {key}"))
        answer = answer(messages) if callable(answer) else answer
        if isinstance(answer, Exception):
            raise answer
        return answer

    def structured(self, messages: Sequence[dict[str, str]], schema: type[T], *, max_tokens: int = 400,
                   record: LLMCall | None = None) -> T:  # fmt: skip
        import json

        answer = self._answer(schema.__name__, messages)
        result = parse_json_as(answer if isinstance(answer, str) else json.dumps(answer), schema)
        if record is not None:
            record.ok = True
        return result

    def complete(self, messages: Sequence[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2,
                 record: LLMCall | None = None, options: object = None) -> str:  # fmt: skip
        self.calls.append(("complete", messages))
        self.options.append(options)
        if isinstance(self.text, Exception):
            raise self.text
        if record is not None:
            record.ok = True
        return self.text

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2,
               record: LLMCall | None = None, options: object = None) -> Iterator[str]:  # fmt: skip
        self.calls.append(("stream", messages))
        self.options.append(options)
        if isinstance(self.text, Exception):
            raise self.text
        text = self._texts.pop(0) if self._texts else self.text
        for word in text.split(" "):
            yield word + " "
        if record is not None:
            record.ok = True

    def warm_up(self, prompts: Sequence[Sequence[Message]] = ()) -> None:
        for messages in prompts:
            self.calls.append(("warm-up", messages))


def proposal(action: str = "recommend", scenario: str = "none", domain: str = "any", query: str = "", include=(), exclude=()) -> dict:  # type: ignore[no-untyped-def]
    """A well-formed ``IntentProposal`` answer."""
    return {"action": action, "scenario": scenario, "domain": domain, "query": query, "include": list(include), "exclude": list(exclude)}
