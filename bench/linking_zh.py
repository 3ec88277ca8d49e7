"""Films and books named by their Chinese titles, linked with and without the model. Prints figures.

    .venv/bin/python bench/linking_zh.py               # both samples of data/eval/linking_zh.yaml
    .venv/bin/python bench/linking_zh.py --show        # and every message with what was linked
    .venv/bin/python bench/linking_zh.py --sample development

Each message goes through ``bot.understand`` (nothing stored), once on a chat without a model and
once with the bundled model, which is asked for the original titles (``original_titles`` prompt)
only when the message is in Chinese, may name a work, and names no catalog title by itself.
Linked = the liked and disliked items of the intent. Precision = links that are a labelled
item of their message; recall = labelled items linked; disliked = labelled dislikes that
were linked as disliked. Time = the model's share of reading a message (p50, p95).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.memory import InMemorySessions  # noqa: E402
from chatrec.pipeline.dialogue import ChatRec  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

LABELS = ROOT / "data" / "eval" / "linking_zh.yaml"
DOMAINS = {"films": "movies", "books": "books"}


def gold(bot: ChatRec, case: dict[str, list[str]], key: str) -> set[str]:
    """The catalog ids of a case's labelled names (every name must be a catalog item)."""
    out = set()
    for field, domain in DOMAINS.items():
        for name in case.get(field, []):
            if key == "disliked" and name not in case.get("disliked", []):
                continue
            item_id = bot._titles.lookup(name, domain)
            if item_id is None:
                raise SystemExit(f"{LABELS}: {name!r} is not a {domain} item of the catalog")
            out.add(item_id)
    return out


def run(bot: ChatRec, cases: list[dict[str, list[str]]], show: bool) -> tuple[str, list[float]]:
    links = right = labelled = found = dislikes = dislikes_found = 0
    seconds = []
    for case in cases:
        message = str(case["message"])
        start = time.perf_counter()
        intent = bot.understand(message)
        seconds.append(time.perf_counter() - start)
        linked, rejected = set(intent.liked_ids) | set(intent.rejected_ids), set(intent.rejected_ids)
        want, unwanted = gold(bot, case, "all"), gold(bot, case, "disliked")
        links, right, labelled, found = links + len(linked), right + len(linked & want), labelled + len(want), found + len(want & linked)
        dislikes, dislikes_found = dislikes + len(unwanted), dislikes_found + len(unwanted & rejected)
        if show:
            titles = [it.title for d in DOMAINS.values() for it in bot.store.get(d, sorted(linked))]
            print(f"  {message} -> {titles} {'ok' if linked == want else 'WRONG'} ({intent.domain})")
    figures = (f"precision {right}/{links} = {right / max(1, links):.2f}, recall {found}/{labelled} = {found / max(1, labelled):.2f}, "
               f"disliked {dislikes_found}/{dislikes}")  # fmt: skip
    return figures, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--sample", choices=["development", "held_out"], help="one sample only (default: both)")
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    base = Settings()
    settings = base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"})
    with_model = ChatRec(settings, sessions=InMemorySessions())
    with_model.warm_up()
    plain = ChatRec(settings, llm=None, store=with_model.store, sessions=InMemorySessions())
    samples = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    for sample, cases in samples.items():
        if args.sample not in (None, sample):
            continue
        print(f"{sample} ({len(cases)} messages)")
        for name, bot in (("without the model", plain), ("with the model", with_model)):
            figures, seconds = run(bot, cases, args.show)
            print(f"  {name:18s} {figures}; reading a message p50 {pct(seconds, 0.5):.2f}s p95 {pct(seconds, 0.95):.2f}s")


if __name__ == "__main__":
    main()
