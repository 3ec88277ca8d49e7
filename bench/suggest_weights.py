"""Choose the weight of the model's title suggestions on ReDial's tuning half (even dialogue ids). Prints figures.

    .venv/bin/python bench/suggest_weights.py --turns 100

The first ``--turns`` scored turns of the tuning half (the same seeded order as protocol D),
each ranked by ``bot.rank(k=50)`` without the model and with the model suggesting titles at
each weight; the model is called once per turn (its answers are remembered across weights).
Recall@1/10/50 with and without, and the paired difference with its 95% bootstrap interval.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatrec.settings import Settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "redial-valid"
METRICS = ["recall@1", "recall@10", "recall@50"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--weights", type=float, nargs="+", default=[0.15, 0.3, 0.6, 1.0])
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from chatrec.eval.metrics import paired_bootstrap, per_user
    from chatrec.eval.redial import run_redial
    from chatrec.memory import InMemorySessions
    from chatrec.pipeline.dialogue import ChatRec

    base = Settings()
    settings = base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"})
    plain = ChatRec(settings, llm=None, sessions=InMemorySessions())
    bot = ChatRec(settings, sessions=InMemorySessions())
    for weight in args.weights:
        run = run_redial(plain, DATA, "tune", args.turns, False, bot.with_weight("suggested", weight), args.turns)
        keys = sorted(run.with_model)
        relevant = {k: run.relevant[k] for k in keys}
        without = per_user({k: run.ranked["chatrec rank, no model"][k] for k in keys}, relevant, METRICS)
        with_model = per_user(run.with_model, relevant, METRICS)
        print(f"weight {weight:g}: {len(keys)} turns; the model named {run.names} titles, {run.dropped} dropped; "
              f"{np.mean(run.model_seconds):.2f} s per turn (the first weight pays for the model's answers)")  # fmt: skip
        for m in METRICS:
            effect = paired_bootstrap(without[m], with_model[m]).text(3)
            print(f"  {m}: without {without[m].mean():.3f}, with {with_model[m].mean():.3f}, effect {effect}")


if __name__ == "__main__":
    main()
