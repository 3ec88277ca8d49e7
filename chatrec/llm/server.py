"""Lifecycle of the local model's server: llama.cpp's own OpenAI-compatible server (``xllamacpp``).

One server per configuration per process, started on a free loopback port, awaited until it
answers ``/v1/models``, restarted if it died, and stopped on exit. The child runs
:mod:`chatrec.llm._serve`, which exits by itself when its parent disappears, so not even a
``kill -9`` of the app leaves a server behind.

The server has ``slots`` parallel sequences (continuous batching: concurrent requests share
each forward pass) and a RAM prompt cache, so each call type's static prompt prefix is read
once and then restored, whichever slot and session the next request lands on.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from pydantic import BaseModel, Field

from chatrec.llm._serve import ServeConfig

log = logging.getLogger(__name__)

MODEL_ALIAS = "local-llm"


class ServerError(RuntimeError):
    """The local server could not be started."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerOptions(BaseModel, frozen=True):
    """How the local server runs; one server per distinct set of options."""

    threads: int = Field(2, ge=1, description="CPU threads for prompt reading and generation.")
    ctx: int = Field(4096, ge=512, description="Context tokens per slot.")
    slots: int = Field(4, ge=1, description="Requests decoded together (continuous batching).")
    cache_ram_mib: int = Field(2048, ge=0, description="RAM for prompts evicted from a slot (0: none).")
    startup_timeout_s: float = Field(180.0, gt=0)


class LocalLLMServer:
    """A llama.cpp server subprocess bound to 127.0.0.1."""

    def __init__(self, model_path: Path, options: ServerOptions | None = None, *, log_dir: Path | None = None) -> None:
        self.model_path = model_path
        self.options = options or ServerOptions()
        self.host = "127.0.0.1"
        self.port: int | None = None
        # One log per app process; removed after a clean stop, kept when the server died on its own.
        self.log_path = (log_dir or model_path.parent / "logs") / f"llama-server-{os.getpid()}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ServerError("server not started")
        return f"http://{self.host}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ensure_running(self) -> str:
        """Start the server if it is not running (first use, or after it died); return its URL."""
        with self._lock:
            if not self.alive():
                if self._proc is not None:
                    log.warning("local LLM server (pid %s) is gone; restarting", self._proc.pid)
                self._start()
            return self.base_url

    def _start(self) -> None:
        self.port = free_port(self.host)
        o = self.options
        config = ServeConfig(model=str(self.model_path), alias=MODEL_ALIAS, port=self.port, threads=o.threads,
                             ctx_per_slot=o.ctx, slots=o.slots, cache_ram_mib=o.cache_ram_mib)  # fmt: skip
        cmd = [sys.executable, "-m", "chatrec.llm._serve", str(os.getpid()), config.model_dump_json()]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logf = self.log_path.open("ab")
        # Own process group: a Ctrl-C in the terminal reaches us, and we stop the child in order.
        self._proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()
        deadline = time.monotonic() + self.options.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerError(f"local LLM server exited with {self._proc.returncode}:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    log.info("local LLM server ready at %s (pid %s)", self.base_url, self._proc.pid)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise ServerError(f"local LLM server not ready after {self.options.startup_timeout_s:.0f}s:\n{self._log_tail()}")

    def _log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        self.log_path.unlink(missing_ok=True)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def __enter__(self) -> "LocalLLMServer":
        self.ensure_running()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_servers: dict[tuple[str, ServerOptions], LocalLLMServer] = {}
_registry_lock = threading.Lock()


def shared_server(model_path: Path, options: ServerOptions) -> LocalLLMServer:
    """The process-wide server for this model and configuration (started lazily, reused)."""
    key = (str(model_path), options)
    with _registry_lock:
        if key not in _servers:
            _servers[key] = LocalLLMServer(model_path, options)
            _install_exit_handlers()
        return _servers[key]


def stop_all() -> None:
    with _registry_lock:
        for server in _servers.values():
            server.stop()


_handlers_installed = False


def _install_exit_handlers() -> None:
    """Stop servers on normal exit, Ctrl-C (KeyboardInterrupt unwinds to atexit) and SIGTERM."""
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(stop_all)
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
