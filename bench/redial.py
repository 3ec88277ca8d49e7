"""Recommendation turns of real ReDial conversations: does chatrec read the conversation? Prints figures.

    .venv/bin/python bench/redial.py                       # the held-out half, up to 600 turns
    .venv/bin/python bench/redial.py --split tune          # the half used to choose weights

Data: ``../shared/data/redial-valid/redial_eval_valid_data_processed.jsonl`` (iEvaLM-CRS's
processing of ReDial's validation conversations, CC BY 4.0). Each turn's conversation so far
is given as one message to ``bot.rank(k=50)`` (no session, no language model). Gold films are
the ones the recommender named next, mapped onto the demo catalog by title and year; gold
already mentioned earlier in the conversation is excluded (He et al.'s rule), and turns with
no gold left are skipped. Dialogues are split in two halves by id (even: tune, odd: test).

Compared on the same turns: popularity (rating count), co-mention item-kNN from the films
mentioned so far (ReDial *training* conversations, the shipped ``comention`` signal alone),
and the pipeline. Recall@1/10/50 with 95% bootstrap intervals over turns; how well the films
named in the conversation are linked; ranking time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "redial-valid" / "redial_eval_valid_data_processed.jsonl"
KS = (1, 10, 50)


def interval(values: np.ndarray, seed: int = 0, resamples: int = 5000) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def recall(ranked: list[str], gold: set[str]) -> list[float]:
    return [len(set(ranked[:k]) & gold) / len(gold) for k in KS]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["tune", "test"], default="test")
    ap.add_argument("--limit", type=int, default=600, help="turns sampled (seeded) from the split")
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from chatrec.memory import InMemorySessions
    from chatrec.pipeline.dialogue import ChatRec

    base = Settings()
    bot = ChatRec(base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"}), llm=None,
                  sessions=InMemorySessions())  # fmt: skip
    bot.warm_up()
    titles = bot._titles  # the chat's own linker maps the gold and the mentions
    co = bot.comentions("movies")
    popular = [it.id for it in sorted(bot.store.items("movies"), key=lambda it: -(it.popularity or 0))]
    turns = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    turns = [t for t in turns if (int(t["dialog_id"]) % 2 == 0) == (args.split == "tune")]
    random.Random(0).shuffle(turns)
    rows: dict[str, list[list[float]]] = {"popularity": [], "co-mention kNN (shipped signal alone)": [], "chatrec rank, no model": []}
    seconds: list[float] = []
    skipped = unmapped = 0
    linked_right = linked_all = named_all = 0  # films linked in the context against ReDial's own entity list
    for t in turns:
        if len(seconds) >= args.limit:
            break
        context = "\n".join(line for line in t["context"] if line)
        mentioned = [m.item_id for m in titles.with_years(context, "movies")]
        named = {m.item_id for e in t["entity"] for m in titles.with_years(e, "movies")}  # each entity alone
        linked_right, linked_all, named_all = linked_right + len(named & set(mentioned)), linked_all + len(mentioned), named_all + len(named)
        gold = {m.item_id for g in t["rec"] for m in titles.with_years(g, "movies")} - set(mentioned)
        unmapped += len(t["rec"]) - len({m.item_id for g in t["rec"] for m in titles.with_years(g, "movies")})
        if not gold:
            skipped += 1
            continue
        started = time.perf_counter()
        picks = [r.item_id for r in bot.rank(context, k=50, domain="movies")]
        seconds.append(time.perf_counter() - started)
        rows["chatrec rank, no model"].append(recall(picks, gold))
        rows["popularity"].append(recall([i for i in popular if i not in mentioned][:50], gold))
        co_scores = co.scores(mentioned) if co else None
        rows["co-mention kNN (shipped signal alone)"].append(recall(co.top(co_scores, 50, set(mentioned)) if co_scores is not None else [], gold))
    print(f"ReDial validation, {args.split} half: {len(seconds)} turns scored ({skipped} skipped: no gold in the catalog "
          f"or all gold mentioned before; {unmapped} gold titles not in the catalog)")
    print(f"{'method':42s} " + "  ".join(f"R@{k:<2d} (95% CI)        " for k in KS))
    for name, values in rows.items():
        arr = np.asarray(values)
        cells = [f"{arr[:, j].mean():.3f} ({interval(arr[:, j])[0]:.3f}-{interval(arr[:, j])[1]:.3f})" for j in range(len(KS))]
        print(f"{name:42s} " + "  ".join(f"{c:22s}" for c in cells))
    print(f"linking films in the conversation (against ReDial's entity list, each entity linked alone): precision "
          f"{linked_right / max(1, linked_all):.3f}, recall {linked_right / max(1, named_all):.3f} over {named_all} mentions")
    print(f"ranking time per turn: p50 {pct(seconds, 0.5) * 1000:.0f} ms, p95 {pct(seconds, 0.95) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
