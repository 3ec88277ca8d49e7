"""The run command's end state: app.py serving the demo catalogs with the local model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chatrec.llm.server import free_port
from tests.conftest import TEST_MODEL

pytestmark = pytest.mark.llm
ROOT = Path(__file__).parent.parent


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_app_serves_the_demo_catalogs_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CHATREC_DATA_DIR": str(tmp_path), "CHATREC_LOCAL_MODEL": TEST_MODEL,
           "CHATREC_PORT": str(port), "CHATREC_LLM_BACKEND": "local", "GRADIO_ANALYTICS_ENABLED": "False"}  # fmt: skip
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert app.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the app did not answer within 300 s")
        from gradio_client import Client

        history, cards, understood, status, why = Client(url, verbose=False).predict(
            "a board game for a 6 year old under £20", [], "auto", "auto", "", api_name="/chat")  # fmt: skip
        assert "chatrec-card" in cards and cards.count("chatrec-card") == 3
        assert "toys" in understood and "price ≤ 20" in understood
        assert history[-1]["role"] == "assistant" and history[-1]["content"]
        assert {row[0].split(".")[0] for row in why["data"]} == {"1", "2", "3"}  # "why these?" covers every card
        server_pids = children(app.pid)
        assert server_pids, "the local LLM server should be a child of the app"
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(30)
        log.close()
    time.sleep(1)
    for pid in server_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
