"""One chat client for every model: the ``openai`` SDK against any compatible endpoint.

Structured output differs between servers: OpenAI and llama.cpp's server take
``response_format=json_schema``; some servers only take ``json_object`` plus a ``schema``;
others only promise ``json_object``. ``auto`` tries them in that order, keeps the first that
works, and always validates the result with pydantic.

Every call can be metered: pass an :class:`~chatrec.llm.meter.LLMCall` and it comes back
filled with the prompt, cached and completion tokens the server reports and the seconds
spent (to the first token, for a stream), so a turn can show where its time went.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

import httpx
import openai
from pydantic import BaseModel, ValidationError

from chatrec.llm.meter import LLMCall
from chatrec.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Message = dict[str, str]
# Sampling settings an OpenAI request has no field for, sent as-is in its body (llama.cpp's names: dry_multiplier, ...);
# a prompt file gives them (see chatrec.prompts.PromptSpec.options)
ServerOptions = Mapping[str, Any]
# An option that is chatrec's own, not the server's: words the answer should not use. A local llama.cpp server gets a
# logit bias against each that is one token of its model (asked of its /tokenize); other endpoints do not get them.
AVOID = "avoid"
_AVOID_BIAS = -100
StructuredMode = Literal["json_schema", "json_object_schema", "json_object"]


class LLMError(RuntimeError):
    """Base class: the caller should answer without the model."""


class LLMUnavailable(LLMError):
    """Timed out, refused the connection, or answered with a server error."""


class LLMOutputError(LLMError):
    """The model answered, but not with what was asked for."""


@runtime_checkable
class ChatLLM(Protocol):
    """The narrow interface the pipeline uses; swap implementations by configuration.

    Wrappers (back-pressure, test scripts) implement all of it, so ``tests/test_llm_contract.py``
    runs the same checks on every implementation.
    """

    @property
    def name(self) -> str: ...

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
                 record: LLMCall | None = None, options: ServerOptions | None = None) -> str: ...  # fmt: skip

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
               record: LLMCall | None = None, options: ServerOptions | None = None) -> Iterator[str]: ...  # fmt: skip

    def structured(self, messages: Sequence[Message], schema: type[T], *, max_tokens: int = 400,
                   record: LLMCall | None = None) -> T: ...  # fmt: skip

    def warm_up(self, prompts: Sequence[Sequence[Message]] = ()) -> None:
        """Be ready to answer (start a managed server) and let a prompt cache read ``prompts`` now."""
        ...


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def parse_json_as(text: str, schema: type[T]) -> T:
    """Validate model text as ``schema``; tolerate code fences, reject everything else."""
    cleaned = _FENCE.sub("", text.strip())
    try:
        return schema.model_validate(json.loads(cleaned))
    except (ValueError, ValidationError) as e:
        raise LLMOutputError(f"model output is not a valid {schema.__name__}: {e}; got {text[:300]!r}") from e


class OpenAIChat:
    """:class:`ChatLLM` over the ``openai`` client.

    ``base_url`` may be a callable so that a managed local server can be (re)started lazily
    and move to a new port without the caller noticing.
    """

    def __init__(
        self,
        *,
        base_url: str | None | Callable[[], str],
        api_key: str,
        model: str | None,
        timeout_s: float,
        structured_mode: Literal["auto"] | StructuredMode = "auto",
        local: bool = False,
    ) -> None:
        self._base_url = base_url
        self._api_key = api_key
        self._model = model
        self.timeout_s = timeout_s
        self.local = local
        self._modes: list[StructuredMode] = (
            [structured_mode] if structured_mode != "auto" else ["json_schema", "json_object_schema", "json_object"]
        )
        self._stream_usage = True  # ask streams for a final usage chunk until a server refuses
        self._send_options = True  # send prompts' server options (llama.cpp's sampler settings) until a server refuses
        self._clients: dict[str | None, openai.OpenAI] = {}
        self._tokens: dict[str, int | None] = {}  # a word → its one token on the local server, None if it is several
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.model

    @property
    def model(self) -> str:
        if self._model is None:
            try:
                models = self._client().models.list().data
            except openai.OpenAIError as e:
                raise LLMUnavailable(f"cannot list the endpoint's models: {e}") from e
            if not models:
                raise LLMUnavailable("the endpoint serves no models; set CHATREC_LLM_MODEL")
            self._model = models[0].id
        return self._model

    @property
    def endpoint(self) -> str:
        """The URL requests go to now (a managed local server is started by asking)."""
        return str(self._client().base_url)

    def _client(self) -> openai.OpenAI:
        try:
            url = self._base_url() if callable(self._base_url) else self._base_url
        except Exception as e:  # a managed server that cannot start: the turn goes on without it
            raise LLMUnavailable(f"the local model server is not available: {e}") from e
        with self._lock:
            if url not in self._clients:
                self._clients[url] = openai.OpenAI(base_url=url, api_key=self._api_key, timeout=self.timeout_s, max_retries=0)
            return self._clients[url]

    def _one_token(self, word: str) -> int | None:
        """``word``'s token on the local server if it is exactly one ("冒险", " adventure"): a bias against one
        token of several ("惊" of "惊悚") would bar other words too."""
        if word not in self._tokens:
            root = str(self._client().base_url).rstrip("/").removesuffix("/v1")
            try:
                pieces = httpx.post(f"{root}/tokenize", json={"content": word}, timeout=self.timeout_s).json()["tokens"]
            except (httpx.HTTPError, ValueError, KeyError) as e:
                raise LLMUnavailable(f"the local server cannot tokenize: {e}") from e
            self._tokens[word] = pieces[0] if len(pieces) == 1 else None
        return self._tokens[word]

    def _bias(self, avoid: Sequence[str]) -> dict[str, int]:
        """A logit bias against the words to avoid that are one token each (a local server only, see :data:`AVOID`)."""
        if not self.local:
            return {}
        return {str(t): _AVOID_BIAS for w in avoid if (t := self._one_token(w)) is not None}

    def _create(self, messages: Sequence[Message], options: ServerOptions | None = None, **kwargs: Any) -> Any:
        """One request; a prompt's server ``options`` go in the body until an endpoint refuses them (then never again)."""
        if options and AVOID in options:
            avoid, options = options[AVOID], {k: v for k, v in options.items() if k != AVOID}
            if bias := self._bias(avoid):
                kwargs["logit_bias"] = bias
        if options and self._send_options:
            try:
                return self._create(messages, extra_body=dict(options), **kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as e:
                log.info("this endpoint refuses the prompts' server options (%s); they are no longer sent: %s", ", ".join(options), e)
                self._send_options = False
        try:
            return self._client().chat.completions.create(model=self.model, messages=list(messages), **kwargs)  # type: ignore[call-overload]
        except (openai.APITimeoutError, openai.APIConnectionError) as e:
            raise LLMUnavailable(f"language model unreachable or too slow: {e}") from e

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
                 record: LLMCall | None = None, options: ServerOptions | None = None) -> str:  # fmt: skip
        record = record or LLMCall(label="complete")
        started = time.perf_counter()
        try:
            resp = self._create(messages, options, max_tokens=max_tokens, temperature=temperature)
        except openai.APIStatusError as e:
            raise LLMUnavailable(f"language model error {e.status_code}: {e.message}") from e
        finally:
            record.seconds = time.perf_counter() - started
        record.take_usage(resp.usage)
        record.finish_reason = resp.choices[0].finish_reason
        record.ok = True
        return resp.choices[0].message.content or ""

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2,
               record: LLMCall | None = None, options: ServerOptions | None = None) -> Iterator[str]:  # fmt: skip
        record = record or LLMCall(label="stream")
        started = time.perf_counter()
        try:
            for chunk in self._open_stream(messages, max_tokens, temperature, options):
                record.take_usage(getattr(chunk, "usage", None))
                if chunk.choices and chunk.choices[0].finish_reason:
                    record.finish_reason = chunk.choices[0].finish_reason
                if chunk.choices and (delta := chunk.choices[0].delta.content):
                    if record.first_token_s is None:
                        record.first_token_s = time.perf_counter() - started
                    yield delta
            record.ok = True
        except openai.APIStatusError as e:
            raise LLMUnavailable(f"language model error {e.status_code}: {e.message}") from e
        except (openai.APITimeoutError, openai.APIConnectionError, ConnectionError) as e:
            raise LLMUnavailable(f"language model stream broke off: {e}") from e
        finally:
            record.seconds = time.perf_counter() - started

    def _open_stream(self, messages: Sequence[Message], max_tokens: int, temperature: float, options: ServerOptions | None) -> Any:
        """A streaming request, asking for a final usage chunk where the server allows it."""
        if self._stream_usage:
            try:
                return self._create(messages, options, max_tokens=max_tokens, temperature=temperature, stream=True,
                                    stream_options={"include_usage": True})  # fmt: skip
            except (openai.BadRequestError, openai.UnprocessableEntityError):
                log.info("this endpoint refuses stream_options; streams go unmetered")
                self._stream_usage = False
        return self._create(messages, options, max_tokens=max_tokens, temperature=temperature, stream=True)

    def structured(self, messages: Sequence[Message], schema: type[T], *, max_tokens: int = 400,
                   record: LLMCall | None = None) -> T:  # fmt: skip
        record = record or LLMCall(label="structured")
        started = time.perf_counter()
        try:
            text = self._structured_text(messages, schema, max_tokens, record)
        finally:
            record.seconds = time.perf_counter() - started
        result = parse_json_as(text, schema)
        record.ok = True
        return result

    def _structured_text(self, messages: Sequence[Message], schema: type[BaseModel], max_tokens: int, record: LLMCall) -> str:
        """The model's JSON text, in the first structured-output mode this endpoint accepts."""
        json_schema = schema.model_json_schema()
        last: Exception | None = None
        for mode in list(self._modes):
            msgs = list(messages)
            if mode == "json_object":  # nothing constrains decoding: the schema must be in the prompt
                msgs[-1] = {**msgs[-1], "content": msgs[-1]["content"] + "\n\nAnswer with one JSON object matching this JSON schema:\n"
                            + json.dumps(json_schema)}  # fmt: skip
            fmt: dict[str, Any] = {
                "json_schema": {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema}},
                "json_object_schema": {"type": "json_object", "schema": json_schema},
                "json_object": {"type": "json_object"},
            }[mode]
            try:
                resp = self._create(msgs, max_tokens=max_tokens, temperature=0.0, response_format=fmt)
            except (openai.BadRequestError, openai.InternalServerError, openai.UnprocessableEntityError) as e:
                last = e
                if len(self._modes) > 1:  # this server does not take this format: never try it again
                    log.info("structured output mode %s refused (%s); trying the next", mode, e.status_code)
                    with self._lock:
                        if mode in self._modes and len(self._modes) > 1:
                            self._modes.remove(mode)
                    continue
                raise LLMUnavailable(f"structured output refused by the endpoint: {e.message}") from e
            except openai.APIStatusError as e:
                raise LLMUnavailable(f"language model error {e.status_code}: {e.message}") from e
            record.take_usage(resp.usage)
            return resp.choices[0].message.content or ""
        raise LLMUnavailable(f"no structured output mode works with this endpoint: {last}")

    def warm_up(self, prompts: Sequence[Sequence[Message]] = ()) -> None:
        """Start a managed server and learn the model's name; a local server also reads ``prompts``
        into its prompt cache (one token each), so the first turn does not pay for them."""
        _ = self.model
        if self.local:
            for messages in prompts:
                self.complete(messages, max_tokens=1, temperature=0.0, record=LLMCall(label="warm-up"))


def local_llm(settings: Settings) -> OpenAIChat:
    """The shipped LLM backend ``local``: the bundled GGUF model behind a managed llama.cpp server."""
    from chatrec.llm import gguf
    from chatrec.llm.server import MODEL_ALIAS, shared_server

    path = gguf.resolve(settings.local_model, settings.cache_dir)
    server = shared_server(path, settings.server_options())
    return OpenAIChat(
        base_url=server.ensure_running, api_key="sk-local", model=MODEL_ALIAS,
        timeout_s=settings.llm_timeout_s, structured_mode=settings.structured_output, local=True,
    )  # fmt: skip


def openai_llm(settings: Settings) -> OpenAIChat:
    """The shipped LLM backend ``openai``: any OpenAI-compatible endpoint (OPENAI_BASE_URL / OPENAI_API_KEY)."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "sk-no-key"
    model = settings.llm_model or (None if settings.openai_base_url else "gpt-4o-mini")
    return OpenAIChat(
        base_url=settings.openai_base_url, api_key=key, model=model,
        timeout_s=settings.llm_timeout_s, structured_mode=settings.structured_output,
    )  # fmt: skip
