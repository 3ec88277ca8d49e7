"""Faults: a model endpoint down or slow, the local model killed mid-turn, ingestion killed
halfway, the Chroma server (by URL) gone. Each turn still answers; nothing is lost or doubled."""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatrec.catalog.ingest import ingest
from chatrec.catalog.store import ChromaStore
from chatrec.embeddings import Embedder
from chatrec.llm.server import LocalLLMServer, free_port
from chatrec.models import Item
from chatrec.pipeline.dialogue import CATALOG_DOWN
from chatrec.settings import Settings
from tests.helpers import enable_rerank, make_bot

SECRET = "sk-fault-test-93b1e0c4"


class Hanging(http.server.BaseHTTPRequestHandler):
    """An endpoint that accepts requests and never answers in time."""

    def do_POST(self) -> None:  # noqa: N802
        time.sleep(30)

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(30)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hanging_endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hanging)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.parametrize("endpoint", ["down", "slow"])
def test_an_external_endpoint_down_or_slow_still_gets_an_answer_in_bounded_time(
    endpoint: str, request: pytest.FixtureRequest, catalog_store: ChromaStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = request.getfixturevalue("hanging_endpoint") if endpoint == "slow" else f"http://127.0.0.1:{free_port()}/v1"
    caplog.set_level(logging.DEBUG)
    bot = enable_rerank(make_bot(catalog_store, "default", tmp_path, llm_backend="openai", openai_base_url=url,
                                 openai_api_key=SECRET, llm_model="remote-model", llm_timeout_s=1.5, llm_understand=True))  # fmt: skip
    reply = bot.chat("a funny animated film for my kids", "s1")
    attempted = [c for c in reply.llm_calls if c.seconds > 0]
    assert len(reply.llm_calls) == 3 and len(attempted) == 1  # one call waited for the endpoint; the rest failed fast
    assert reply.items and any("without the language model" in n for n in reply.notices)
    assert not {"Horror"} & {g for r in reply.items for g in r.metadata["genres"]}
    assert SECRET not in caplog.text and SECRET not in reply.model_dump_json()


@pytest.mark.llm
def test_the_local_model_killed_mid_turn(catalog_store: ChromaStore, test_settings: Settings, local_server: LocalLLMServer,
                                         tmp_path: Path) -> None:  # fmt: skip
    """SIGKILL the llama.cpp server while it writes the reply: the turn answers without it, the next with it."""
    bot = make_bot(catalog_store, "default", tmp_path, llm_backend="local", local_model=test_settings.local_model)
    local_server.ensure_running()
    victim = local_server.pid
    inner = bot.llm.inner  # type: ignore[union-attr]
    original = inner.stream

    def kill_while_working(*args: object, **kwargs: object) -> Iterator[str]:
        inner.stream = original
        for n, chunk in enumerate(original(*args, **kwargs)):
            if n == 0:  # the first words are out: the server dies mid-reply
                os.killpg(victim, signal.SIGKILL)  # type: ignore[arg-type]
            yield chunk

    inner.stream = kill_while_working
    reply = bot.chat("a funny animated film for my kids", "s1")
    assert reply.items and any("without the language model" in n for n in reply.notices)
    for _ in range(600):  # the background probe restarts the server
        if bot.llm.available:  # type: ignore[union-attr]
            break
        time.sleep(0.2)
    assert bot.llm.available and local_server.pid != victim  # type: ignore[union-attr]
    again = bot.chat("an adventure film", "s1")
    assert again.items and not any("without the language model" in n for n in again.notices), again.notices


def catalog_file(path: Path, n: int) -> list[Item]:
    items = [Item(id=f"x{i}", domain="gadgets", title=f"Gadget number {i}", description=f"A handy gadget, model {i}, for home use.")
             for i in range(n)]  # fmt: skip
    path.write_text("\n".join(it.model_dump_json() for it in items) + "\n")
    return items


def test_ingestion_killed_halfway_finishes_on_rerun_without_duplicates(tmp_path: Path, embedder: Embedder) -> None:
    items = catalog_file(tmp_path / "gadgets.jsonl", 300)
    env = {**os.environ, "CHATREC_DATA_DIR": str(tmp_path / "data"), "CHATREC_LOAD_DEMO": "false", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chatrec"), "ingest", str(tmp_path / "gadgets.jsonl"), "--domain", "gadgets"],
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)  # fmt: skip
    assert proc.stderr is not None
    seen = b""
    while proc.poll() is None:  # the progress bar says how far it got; kill it mid-way
        seen += os.read(proc.stderr.fileno(), 4096)
        done = [int(m) for m in re.findall(rb"(\d+)/300", seen)]
        if done and 0 < max(done) < 300:
            proc.send_signal(signal.SIGKILL)
            break
    assert proc.wait(60) == -signal.SIGKILL, seen[-500:]
    store = ChromaStore(embedder, path=tmp_path / "data" / "chroma")
    partial = store.count("gadgets")
    assert 0 < partial < 300
    [report] = ingest(items, store=store, embedder=embedder, progress=False)
    assert report.unchanged == partial and report.added == 300 - partial
    assert store.count("gadgets") == 300
    assert sorted(store.titles("gadgets")) == sorted(it.id for it in items)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield url, proc
    proc.kill()
    proc.wait(30)


def test_the_pipeline_against_a_chroma_server_and_a_clear_message_when_it_is_gone(
    chroma_server: tuple[str, subprocess.Popen[bytes]], embedder: Embedder, tiny_items: list[Item], tmp_path: Path
) -> None:
    url, proc = chroma_server
    store = ChromaStore(embedder, url=url)
    ingest(tiny_items, store=store, embedder=embedder, progress=False)
    bot = make_bot(store, None, tmp_path, chroma_url=url)
    reply = bot.chat("a funny animated film", "s1", domain="movies")
    assert reply.items and {r.item_id for r in reply.items} <= {it.id for it in tiny_items}
    proc.kill()
    proc.wait(30)
    for _ in range(3):  # every turn gets the message; nothing loops or raises
        down = bot.chat("a funny animated film", "s1", domain="movies")
        assert down.text == CATALOG_DOWN["en"] and down.notices == ["error"]
    assert len(bot.session("s1").turns) == 2  # failed turns are not stored
    json.dumps(down.model_dump(mode="json"))
