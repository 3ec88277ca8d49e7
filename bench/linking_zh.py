"""Films and books named by their Chinese titles, linked with and without the model. Prints figures.

    .venv/bin/python bench/linking_zh.py               # both samples of data/eval/linking_zh.yaml
    .venv/bin/python bench/linking_zh.py --show        # and every message with what was linked
    .venv/bin/python bench/linking_zh.py --sample development
    .venv/bin/python bench/linking_zh.py --table 50    # the model alone on 50 films of the shipped table

Each message goes through ``bot.understand`` (nothing stored), once on a chat without a model and
once with the bundled model, which is asked for the original titles (``original_titles`` prompt)
only when the message is in Chinese, may name a work, and names no catalog title by itself.
Linked = the liked and disliked items of the intent. Precision = links that are a labelled
item of their message; recall = labelled items linked; disliked = labelled dislikes that
were linked as disliked. Time = the model's share of reading a message (p50, p95).

``--table N``: how often the model's own answer is right for a film code would not know. For each of the first N
films of ``data/demo/movies-titles-zh.csv`` (the most-rated first), "我喜欢《<Chinese title>》，推荐几部类似的电影" is
given to the ``original_titles`` prompt with code's table out of the way, and its answer is put through code's check
(which knows the other films' Chinese titles, not that film's):
the film itself (right), another catalog film (wrong: it would be taken as liked), or nothing kept (none).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.eval.metrics import mean_interval  # noqa: E402
from chatrec.llm.meter import TurnModel  # noqa: E402
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


def table(bot: ChatRec, n: int, show: bool) -> None:
    """The model alone on the first ``n`` films of the shipped table (see the module doc)."""
    import numpy as np

    originals = bot.understander.originals
    assert originals is not None
    rows = list(csv.DictReader((ROOT / "data" / "demo" / "movies-titles-zh.csv").open(encoding="utf-8")))[:n]
    outcomes, seconds = [], []
    for row in rows:
        zh = row["title_zh"].split("/")[0]
        message = f"我喜欢《{zh}》，推荐几部类似的电影"
        known = bot._titles.chinese("movies")
        hidden = {t: i for t, i in known.items() if i == row["id"]}  # the film's own titles, as if code did not know them
        for t in hidden:
            del known[t]
        try:
            start = time.perf_counter()
            read = originals(message, TurnModel(bot.llm))  # the chat's own path: code's table first, then the model
            seconds.append(time.perf_counter() - start)
            mentions = bot._titles.mentions(read, "movies")
        finally:
            known.update(hidden)
        outcome = "none" if not mentions else "right" if mentions[0].item_id == row["id"] else "wrong"
        outcomes.append(outcome)
        if show:
            print(f"  {zh} ({row['title']}) -> {[bot._titles.name(m.item_id) for m in mentions]} {outcome}")
    for outcome in ("right", "wrong", "none"):
        iv = mean_interval(np.array([o == outcome for o in outcomes], float))
        print(f"  {outcome:5s} {outcomes.count(outcome)}/{len(outcomes)} = {iv.mean:.2f} ({iv.low:.2f}-{iv.high:.2f})")
    print(f"  the model's call p50 {pct(seconds, 0.5):.2f}s p95 {pct(seconds, 0.95):.2f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--sample", choices=["development", "held_out"], help="one sample only (default: both)")
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--table", type=int, metavar="N", help="the model alone on the first N films of the shipped table instead")
    args = ap.parse_args()
    base = Settings()
    settings = base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"})
    with_model = ChatRec(settings, sessions=InMemorySessions())
    with_model.warm_up()
    if args.table:
        print(f"the model alone on the first {args.table} films of the shipped Chinese titles")
        return table(with_model, args.table, args.show)
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
