"""Entry point of the server subprocess: llama_cpp.server plus a parent watchdog.

Usage: ``python -m chatrec.llm._serve PARENT_PID <llama_cpp.server args>``. The watchdog
ends this process as soon as PARENT_PID is no longer its parent (the app exited in any way,
including SIGKILL), which Linux's PDEATHSIG cannot do reliably for threaded parents.
"""

from __future__ import annotations

import os
import sys
import threading
import time


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def main() -> None:
    parent = int(sys.argv[1])
    sys.argv = ["llama_cpp.server", *sys.argv[2:]]
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
