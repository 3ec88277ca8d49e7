"""Load on the running web chat: N concurrent sessions for a fixed time. Prints figures; asserts nothing.

    .venv/bin/python bench/load.py --start --sessions 4 --duration 120     # starts app.py on a free port
    .venv/bin/python bench/load.py --url http://127.0.0.1:7860/ --auth user:pw

Each session is its own gradio client (its own conversation) sending requests one after
another through the web chat's ``/chat`` API, until ``--duration`` seconds or
``--max-requests`` in total. Figures: completed turns per minute, p50/p95 of the time to
the cards and of the whole turn, errors (exceptions), "busy" answers and answers made
without the model.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.pipeline.dialogue import BUSY  # noqa: E402

MESSAGES = [
    "something light to watch with my kids this weekend, nothing scary",
    "给我妈妈挑一本生日礼物书",
    "a gripping thriller with a twist ending",
    "cheap stocking fillers for Christmas",
    "a board game for a family with young kids under £20",
    "推荐一部九十年代的爱情电影",
    "books to get started with economics",
    "another one",
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    to_cards: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    busy: int = 0
    degraded: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0


def session(url: str, auth: tuple[str, str] | None, tally: Tally, deadline: float, max_requests: int, seed: int) -> None:
    from gradio_client import Client

    rng = random.Random(seed)
    client = Client(url, auth=auth, verbose=False)
    history: list = []  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        with tally.lock:
            if tally.sent >= max_requests:
                return
            tally.sent += 1
        message = rng.choice(MESSAGES)
        started = time.monotonic()
        cards_at = None
        try:
            job = client.submit(message, history, "auto", "auto", "", api_name="/chat")
            for update in job:  # the screen as the person sees it: the cards arrive before the words
                if cards_at is None and isinstance(update[1], str) and "chatrec-card" in update[1]:
                    cards_at = time.monotonic() - started
            history, _cards, _understood, status, *_ = job.result()
        except Exception as e:  # noqa: BLE001 - every failure is a figure here
            with tally.lock:
                tally.errors.append(f"{type(e).__name__}: {str(e)[:120]}")
            continue
        elapsed = time.monotonic() - started
        text = str(history[-1]["content"]) if history else ""
        with tally.lock:
            tally.latencies.append(elapsed)
            if cards_at is not None:
                tally.to_cards.append(cards_at)
            tally.busy += any(b in text for b in BUSY.values())
            tally.degraded += "without the language model" in str(status) or "without it" in str(status)


def start_app(port: int, data_dir: str) -> subprocess.Popen[bytes]:
    import httpx

    env = {**os.environ, "CHATREC_PORT": str(port), "CHATREC_DATA_DIR": data_dir}
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1800):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return app
        except httpx.HTTPError:
            time.sleep(0.2)
    app.kill()
    raise SystemExit("app.py did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:7860/")
    ap.add_argument("--start", action="store_true", help="start app.py on a free port (and a fresh data folder) first")
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds")
    ap.add_argument("--max-requests", type=int, default=200)
    ap.add_argument("--auth", help="user:password when the app asks for a login")
    args = ap.parse_args()
    app = None
    tmp = tempfile.TemporaryDirectory()
    if args.start:
        from chatrec.llm.server import free_port

        port = free_port()
        t = time.monotonic()
        app = start_app(port, tmp.name)
        args.url = f"http://127.0.0.1:{port}/"
        print(f"app.py answering at {args.url} after {time.monotonic() - t:.1f}s")
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.duration
    workers = [threading.Thread(target=session, args=(args.url, auth, tally, deadline, args.max_requests, n)) for n in range(args.sessions)]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        if app is not None:
            app.terminate()
            app.wait(60)
        tmp.cleanup()
    wall = time.monotonic() - started
    lat = tally.latencies
    print(f"{args.sessions} sessions, {wall:.0f}s wall (limit {args.duration:.0f}s, ≤{args.max_requests} requests)")
    print(f"completed turns {len(lat)}, throughput {len(lat) / wall * 60:.1f}/min")
    for name, values in (("time to cards", tally.to_cards), ("whole turn", lat)):
        print(f"{name:14s} p50 {pct(values, 0.5):.1f}s  p95 {pct(values, 0.95):.1f}s  "
              f"mean {statistics.fmean(values) if values else float('nan'):.1f}s  max {max(values, default=float('nan')):.1f}s")
    print(f"errors {len(tally.errors)}, busy answers {tally.busy}, answers without the model {tally.degraded}")
    for e in tally.errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main()
