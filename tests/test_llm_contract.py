"""One contract for every :class:`ChatLLM`: the real client on the local server, the back-pressure
wrapper around it, and the scripted test model (bare and wrapped). A wrapper that drops a method,
a keyword or the metering fails here, not in the middle of a turn."""

from __future__ import annotations

import http.server
import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple

import httpx
import pytest
from pydantic import BaseModel

from chatrec.llm.client import ChatLLM, OpenAIChat
from chatrec.llm.gate import BoundedLLM, Gate
from chatrec.llm.meter import LLMCall
from chatrec.llm.server import MODEL_ALIAS, LocalLLMServer
from tests.fakes import ScriptedLLM


class Answer(BaseModel):
    ok: bool
    word: str


def scripted() -> ScriptedLLM:
    return ScriptedLLM({"Answer": {"ok": True, "word": "yes"}}, text="Hello there.")


def real(server: LocalLLMServer) -> OpenAIChat:
    return OpenAIChat(base_url=server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)


DRY = {"dry_multiplier": 0.8, "dry_allowed_length": 2}  # server options of the kind a prompt file gives (llama.cpp's sampler)


def bounded(inner: ChatLLM) -> BoundedLLM:
    return BoundedLLM(inner, Gate(2, 4, 30))


IMPLEMENTATIONS: dict[str, Callable[[pytest.FixtureRequest], ChatLLM]] = {
    "scripted": lambda request: scripted(),
    "bounded-scripted": lambda request: bounded(scripted()),
    "openai-local": lambda request: real(request.getfixturevalue("local_server")),
    "bounded-openai-local": lambda request: bounded(real(request.getfixturevalue("local_server"))),
}
REAL = {"openai-local", "bounded-openai-local"}


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.llm) if name in REAL else name for name in IMPLEMENTATIONS])
def impl(request: pytest.FixtureRequest) -> tuple[str, ChatLLM]:
    return request.param, IMPLEMENTATIONS[request.param](request)


def test_the_whole_interface_is_there(impl: tuple[str, ChatLLM]) -> None:
    _, llm = impl
    assert isinstance(llm, ChatLLM)
    for method in ("complete", "stream", "structured"):
        assert "record" in inspect.signature(getattr(llm, method)).parameters, f"{method} drops the record keyword"
    for method in ("complete", "stream"):
        assert "options" in inspect.signature(getattr(llm, method)).parameters, f"{method} drops a prompt's server options"
    assert isinstance(llm.name, str) and llm.name


def test_every_call_answers_and_is_metered(impl: tuple[str, ChatLLM]) -> None:
    name, llm = impl
    messages = [{"role": "system", "content": "You answer briefly."}, {"role": "user", "content": "Say hello."}]
    records = [LLMCall(label=label) for label in ("complete", "stream", "structured")]
    assert isinstance(llm.complete(messages, max_tokens=8, record=records[0], options=DRY), str)
    assert "".join(llm.stream(messages, max_tokens=8, record=records[1], options=DRY))
    got = llm.structured([{"role": "user", "content": "Answer ok=true and one word."}], Answer, max_tokens=30, record=records[2])
    assert isinstance(got, Answer)
    assert all(r.ok for r in records), records
    if name in REAL:  # the server reports what each call read and wrote, including its prompt cache
        for r in records:
            assert r.prompt_tokens and r.completion_tokens and r.cached_tokens is not None and r.seconds > 0, r
        assert records[1].first_token_s is not None and records[1].first_token_s <= records[1].seconds


def test_warm_up_reads_prompts_into_the_cache(impl: tuple[str, ChatLLM]) -> None:
    name, llm = impl
    static = "You rank films for people. " * 40
    prompt = [{"role": "system", "content": static}, {"role": "user", "content": "warm"}]
    llm.warm_up([prompt])
    later = LLMCall(label="later")
    llm.complete([prompt[0], {"role": "user", "content": "a different question"}], max_tokens=2, record=later)
    if name in REAL:  # the static part was read at warm-up: the next call only reads what changed
        assert later.cached_tokens is not None and later.prompt_tokens is not None
        assert later.cached_tokens >= later.prompt_tokens - 20, later


class RefusesJsonSchema(http.server.BaseHTTPRequestHandler):
    """A proxy to the real server that answers HTTP 400 to OpenAI's json_schema response format and to fields
    OpenAI does not define (llama.cpp's sampler settings), as some OpenAI-compatible servers do."""

    upstream = ""
    seen: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = json.loads(body)
        self.seen.append(request)
        if request.get("response_format", {}).get("type") == "json_schema":
            self._send(400, b'{"error": {"message": "response_format json_schema is not supported"}}')
            return
        if "dry_multiplier" in request:
            self._send(400, b'{"error": {"message": "Unrecognized request argument supplied: dry_multiplier"}}')
            return
        got = httpx.post(self.upstream + self.path.removeprefix("/v1"), content=body,
                         headers={"Content-Type": "application/json"}, timeout=120)  # fmt: skip
        self._send(got.status_code, got.content)

    def do_GET(self) -> None:  # noqa: N802
        got = httpx.get(self.upstream + self.path.removeprefix("/v1"), timeout=30)
        self._send(got.status_code, got.content)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Proxy(NamedTuple):
    url: str
    seen: list[dict[str, object]]  # every request body it was sent


@pytest.fixture
def refusing_endpoint(local_server: LocalLLMServer) -> Iterator[Proxy]:
    seen: list[dict[str, object]] = []
    handler = type("Handler", (RefusesJsonSchema,), {"upstream": local_server.ensure_running(), "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Proxy(f"http://127.0.0.1:{server.server_address[1]}/v1", seen)
    server.shutdown()


@pytest.mark.llm
def test_a_server_that_refuses_json_schema_gets_the_next_format(refusing_endpoint: Proxy) -> None:
    llm = OpenAIChat(base_url=refusing_endpoint.url, api_key="x", model=MODEL_ALIAS, timeout_s=120)
    got = llm.structured([{"role": "user", "content": "Answer ok=true and one word."}], Answer, max_tokens=30)
    assert isinstance(got, Answer)
    assert llm._modes[0] == "json_object_schema"  # json_schema was refused once and is not tried again
    assert isinstance(llm.structured([{"role": "user", "content": "Again."}], Answer, max_tokens=30), Answer)


@pytest.mark.llm
def test_a_server_that_refuses_server_options_answers_without_them(refusing_endpoint: Proxy, caplog: pytest.LogCaptureFixture) -> None:
    llm = OpenAIChat(base_url=refusing_endpoint.url, api_key="x", model=MODEL_ALIAS, timeout_s=120)
    messages = [{"role": "user", "content": "Say hello."}]
    caplog.set_level(logging.INFO)
    assert "".join(llm.stream(messages, max_tokens=8, options=DRY))
    assert llm.complete(messages, max_tokens=8, options=DRY) is not None
    sent = [("dry_multiplier" in r, bool(r.get("stream"))) for r in refusing_endpoint.seen]
    assert sent == [(True, True), (False, True), (False, False)]  # refused once, then never sent again
    assert "refuses the prompts' server options (dry_multiplier, dry_allowed_length)" in caplog.text
