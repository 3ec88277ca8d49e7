"""Prompt templates: YAML files in ``prompts/``, validated on load, re-read when edited.

A template declares its variables; a file whose placeholders differ from the declaration is
refused with a message naming the difference, and rendering without a declared variable is
an error, never a silent empty string. The templates chatrec calls keep everything that
changes from turn to turn out of their system part: a system part that is byte-identical
across turns is read once by the model server and then served from its prompt cache. Placeholders are plain ``{name}`` fields (langchain's
f-string templates): no attribute access, indexing or code, so a template cannot reach files,
environment variables or objects.

A template may have a variant per language, ``<name>.<language>.yaml`` (``explain.zh.yaml``):
a small model follows instructions written in the language it must answer in far better than
an English prompt that asks for Chinese. A variant takes the same variables as its template,
and a name without a variant file falls back to the template.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate
from langchain_core.prompts.string import get_template_variables
from pydantic import BaseModel, Field

from chatrec.datafiles import parse_yaml_model
from chatrec.models import LANGUAGES
from chatrec.tokens import count_tokens, truncate_tokens


class PromptError(ValueError):
    """A template file is invalid, or a render is missing variables."""


class Example(BaseModel):
    """A worked example, sent as an earlier exchange after the system part: a small model imitates an answer it
    was shown far better than rules it was told. Literal text, the same every turn, so it stays cached."""

    user: str = Field(min_length=1)
    assistant: str = Field(min_length=1)


_CODE_SETS = {"model", "messages", "max_tokens", "temperature", "stream", "stream_options", "response_format"}


class PromptSpec(BaseModel):
    name: str
    description: str = ""
    variables: list[str]
    system: str = Field(min_length=1)
    examples: list[Example] = Field(default_factory=list)
    user: str = Field(min_length=1)
    options: dict[str, float | int | bool | str | list[str]] = Field(
        default_factory=dict,
        description="Sampling settings the OpenAI API has no field for, sent in the request body as they are (llama.cpp's "
        "names, e.g. dry_multiplier); an endpoint that refuses them is not sent them again.",
    )

    def example_answers(self) -> list[str]:
        """The example answers' lines (the model must not pass one off as its own)."""
        return [line for ex in self.examples for line in ex.assistant.splitlines() if line.strip()]


def placeholders(template: str) -> set[str]:
    """Field names in ``template`` (langchain-core's f-string parsing); only plain identifiers are allowed."""
    try:
        names = get_template_variables(template, "f-string")
    except ValueError as e:
        if "Variable names cannot" in str(e):
            raise PromptError(f"{e} Such a placeholder is not allowed: use plain {{name}} fields") from e
        raise PromptError(f"unbalanced braces: {e} (write {{{{ and }}}} for literal braces)") from e
    if bad := [n for n in names if not n.isidentifier()]:
        raise PromptError(f"placeholder {{{bad[0]}}} is not allowed: use plain {{name}} fields")
    return set(names)


def parse_prompt(text: str, expected_name: str | None = None) -> PromptSpec:
    """Validate the text of a prompt file; raise :class:`PromptError` saying what is wrong."""
    spec = parse_yaml_model(text, PromptSpec, PromptError, expected_name)
    used = placeholders(spec.system) | placeholders(spec.user)
    declared = set(spec.variables)
    if unknown := used - declared:
        raise PromptError(f"unknown variable(s) {sorted(unknown)}: declare them or remove them")
    if unused := declared - used:
        raise PromptError(f"declared variable(s) {sorted(unused)} are never used in the template")
    if owned := set(spec.options) & _CODE_SETS:
        raise PromptError(f"options {sorted(owned)} are set by chatrec for each call: remove them from the prompt file")
    if any("{" in t or "}" in t for ex in spec.examples for t in (ex.user, ex.assistant)):
        raise PromptError("examples are literal text, the same every turn: no {placeholders} or braces in them")
    return spec


class CallShape(BaseModel, frozen=True):
    """The variables chatrec passes to one of its templates."""

    static: frozenset[str] = frozenset()  # fixed by configuration (domains, scenarios): allowed in the system part
    turn: frozenset[str] = frozenset()  # new every turn: the user part only, so the system part stays cached

    @property
    def variables(self) -> frozenset[str]:
        return self.static | self.turn


def template_of(name: str) -> str:
    """``explain.zh`` → ``explain``: the template a language variant belongs to."""
    return name.split(".", 1)[0]


def validate_prompt(name: str, text: str) -> PromptSpec:
    """Parse a prompt file; the templates chatrec calls (and their language variants) must keep
    their exact variables, and their system part may not use a variable that changes every turn."""
    spec = parse_prompt(text, name)
    if name != template_of(name) and name.split(".", 1)[1] not in LANGUAGES:
        raise PromptError(f"{name}: a variant is named <template>.<language>, with a language of {', '.join(LANGUAGES)}")
    shape = PromptLibrary.REQUIRED.get(template_of(name))
    if shape is None:
        return spec
    if set(spec.variables) != shape.variables:
        raise PromptError(f"{name} must use exactly the variables {sorted(shape.variables)}")
    if moving := placeholders(spec.system) & shape.turn:
        raise PromptError(
            f"{sorted(moving)} change every turn: use them in the user part. The system part must stay the same "
            "from turn to turn so the model server can reuse it from its prompt cache."
        )
    return spec


class PromptLibrary:
    """All templates of a folder; a file edited on disk takes effect on the next render."""

    REQUIRED = {
        "understand": CallShape(static=frozenset({"scenarios", "domains"}), turn=frozenset({"history", "message"})),
        "rerank": CallShape(turn=frozenset({"request", "scenario", "candidates", "count"})),
        "explain": CallShape(turn=frozenset({"language", "style", "request", "picks"})),
        "chitchat": CallShape(static=frozenset({"domains"}), turn=frozenset({"language", "message"})),
        "suggest": CallShape(turn=frozenset({"domain", "request", "named", "count"})),
    }

    def __init__(self, source: Path | Callable[[str], Path], budget_tokens: int | None = None) -> None:
        """``source``: a folder, or a function from a prompt name to its file (see promptfiles)."""
        self._resolve = source if callable(source) else (lambda name: source / f"{name}.yaml")
        self.budget_tokens = budget_tokens
        self._cache: dict[str, tuple[tuple[Path, int], PromptSpec]] = {}
        self._lock = threading.Lock()
        for name in self.names():
            self.get(name)  # fail at start-up, not mid-conversation

    def path(self, name: str) -> Path:
        return self._resolve(name)

    def variant(self, name: str, language: str) -> str:
        """``name``'s variant for ``language`` if there is one, else ``name``."""
        return f"{name}.{language}" if self.path(f"{name}.{language}").is_file() else name

    def names(self) -> list[str]:
        """The templates chatrec calls, and every language variant of them that exists."""
        return [v for name in self.REQUIRED for v in dict.fromkeys([name, *(self.variant(name, lang) for lang in LANGUAGES)])]

    def system_texts(self) -> list[str]:
        """The system part of every template in use (what the model's answers must never repeat)."""
        return [self.get(n).system for n in self.names()]

    def get(self, name: str) -> PromptSpec:
        path = self.path(name)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError as e:
            raise PromptError(f"prompt {name!r} not found at {path}") from e
        with self._lock:
            cached = self._cache.get(name)
            if cached is None or cached[0] != (path, mtime):
                try:
                    cached = ((path, mtime), validate_prompt(name, path.read_text(encoding="utf-8")))
                except PromptError as e:
                    raise PromptError(f"{path}: {e}") from e
                self._cache[name] = cached
            return cached[1]

    def render(self, name: str, **variables: str) -> list[dict[str, str]]:
        """Messages for the chat API (see :func:`render_spec`)."""
        shape = self.REQUIRED.get(template_of(name))
        return render_spec(self.get(name), self.budget_tokens, cuttable=shape.turn if shape else None, **variables)


def render_spec(spec: PromptSpec, budget_tokens: int | None = None, cuttable: frozenset[str] | None = None,
                **variables: str) -> list[dict[str, str]]:  # fmt: skip
    """Messages for the chat API. Missing or extra variables are an error.

    With a token budget, the longest ``cuttable`` variable (default: any) is cut until the
    prompt fits, so no prompt outgrows the model's context whatever the conversation or
    catalog holds, and the static part is never cut.
    """
    name = spec.name
    if missing := set(spec.variables) - set(variables):
        raise PromptError(f"prompt {name!r} needs {sorted(missing)}")
    if extra := set(variables) - set(spec.variables):
        raise PromptError(f"prompt {name!r} does not take {sorted(extra)}")
    template = ChatPromptTemplate.from_messages([("system", spec.system), ("human", spec.user)])
    shots = [{"role": role, "content": text} for ex in spec.examples for role, text in (("user", ex.user), ("assistant", ex.assistant))]
    while True:
        system, user = (str(m.content) for m in template.format_messages(**variables))
        messages = [{"role": "system", "content": system}, *shots, {"role": "user", "content": user}]
        if budget_tokens is None:
            return messages
        over = sum(count_tokens(m["content"]) for m in messages) - budget_tokens
        if over <= 0:
            return messages
        longest = max(cuttable or variables, key=lambda k: count_tokens(variables[k]))
        size = count_tokens(variables[longest])
        if size == 0:
            raise PromptError(f"prompt {name!r} alone exceeds the budget of {budget_tokens} tokens")
        variables = {**variables, longest: truncate_tokens(variables[longest], max(0, size - over - 8))}
