"""Entry point of the server subprocess: llama.cpp's own server (``xllamacpp``) plus a parent watchdog.

Usage: ``python -m chatrec.llm._serve PARENT_PID CONFIG_JSON`` (see :class:`ServeConfig`). The
watchdog ends this process as soon as PARENT_PID is no longer its parent (the app exited in
any way, including SIGKILL), which Linux's PDEATHSIG cannot do reliably for threaded parents.
The server runs in this process's threads; the main thread only watches.
"""

from __future__ import annotations

import os
import sys
import time

from pydantic import BaseModel


class ServeConfig(BaseModel):
    """What the parent asks of the server; every field maps onto llama.cpp's ``common_params``."""

    model: str
    alias: str
    port: int
    threads: int
    ctx_per_slot: int
    slots: int
    cache_ram_mib: int


def serve(cfg: ServeConfig) -> object:
    """Start llama.cpp's HTTP server for ``cfg`` on 127.0.0.1 (returns once it listens)."""
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = cfg.model
    p.model_alias = {cfg.alias}
    p.hostnames = ["127.0.0.1"]  # loopback only
    p.port = cfg.port
    p.n_parallel = cfg.slots
    p.n_ctx = cfg.ctx_per_slot * cfg.slots  # llama.cpp splits n_ctx evenly between the slots
    p.cpuparams.n_threads = cfg.threads
    p.cpuparams_batch.n_threads = cfg.threads
    p.cache_prompt = True  # a slot reuses the longest common prefix of its last prompt
    p.cache_ram_mib = cfg.cache_ram_mib  # prompts evicted from a slot stay in RAM, restored by prefix
    p.cont_batching = True  # concurrent requests share each forward pass
    p.ui = False  # no web UI: only the API
    return xllamacpp.Server(p)


def main() -> None:
    parent = int(sys.argv[1])
    server = serve(ServeConfig.model_validate_json(sys.argv[2]))
    print(f"listening at {server.listening_address}", flush=True)  # type: ignore[attr-defined]
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    main()
