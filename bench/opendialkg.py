"""Book recommendations in real conversations (OpenDialKG's book dialogues). Prints figures; asserts nothing.

    .venv/bin/python bench/opendialkg.py                   # the held-out half, up to 600 turns
    .venv/bin/python bench/opendialkg.py --split tune      # the other half

Data: ``../shared/data/opendialkg/opendialkg_dialog_Books.jsonl`` (CC BY-NC 4.0: evaluation only,
never shipped). Each recommendation turn's conversation so far is one message to ``bot.rank(k=50)``
(no session, no language model); gold books are the ones the assistant named next that the demo
book catalog has, minus books named earlier (see ``chatrec.eval.opendialkg``). Prints recall@1/10/50
with 95% bootstrap intervals for popularity and the pipeline (domain given, and read from the
conversation), how well the linker finds the books named so far, and ranking time.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redial import cell, conversation_bench  # noqa: E402
from bench.turn_latency import pct  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "opendialkg"


def main() -> None:
    args, bot = conversation_bench(__doc__ or "")
    from chatrec.eval.metrics import mean_interval, per_user
    from chatrec.eval.opendialkg import run_opendialkg

    run = run_opendialkg(bot, DATA, args.split, args.limit)
    print(f"OpenDialKG books, {args.split} half: {len(run.relevant)} turns scored ({run.skipped} skipped: no gold book in the "
          "catalog, or all named before)")  # fmt: skip
    metrics = ["recall@1", "recall@10", "recall@50"]
    print(f"{'method':50s} " + "  ".join(f"{m:24s}" for m in metrics))
    for name, ranked in run.ranked.items():
        per = per_user(ranked, run.relevant, metrics)
        print(f"{name:50s} " + "  ".join(f"{cell(mean_interval(per[m])):24s}" for m in metrics))
    print(f"linking the books named so far (against the dialogues' own lists): precision {run.linked_right}/{run.linked} = "
          f"{run.linked_right / max(1, run.linked):.2f}, recall {run.linked_right}/{run.mentioned} = "
          f"{run.linked_right / max(1, run.mentioned):.2f}")  # fmt: skip
    print(f"ranking time per turn: p50 {pct(run.seconds, 0.5) * 1000:.0f} ms, p95 {pct(run.seconds, 0.95) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
