"""Recommendation turns of real ReDial conversations: does chatrec read the conversation? Prints figures.

    .venv/bin/python bench/redial.py                       # the held-out half, up to 600 turns
    .venv/bin/python bench/redial.py --split tune          # the half used to choose weights
    .venv/bin/python bench/redial.py --for-children        # only conversations read as for children

Data: ``../shared/data/redial-valid/redial_eval_valid_data_processed.jsonl`` (iEvaLM-CRS's
processing of ReDial's validation conversations, CC BY 4.0). Each turn's conversation so far
is given as one message to ``bot.rank(k=50)`` (no session, no language model). Gold films are
the ones the recommender named next, mapped onto the demo catalog by title and year; gold
already mentioned earlier in the conversation is excluded (He et al.'s rule), and turns with
no gold left are skipped. Dialogues are split in two halves by id (even: tune, odd: test).

Compared on the same turns (``chatrec.eval.redial``, also run by ``chatrec eval run --redial``):
popularity (rating count), item-kNN over the demo's ratings and co-mention item-kNN (ReDial
*training* conversations, the shipped ``comention`` signal alone) from the films mentioned so
far, and the pipeline. Recall@1/10/50 with 95% bootstrap intervals over turns; how well the films
named in the conversation are linked; the first 200 turns replayed through ``bot.chat`` message
by message (recall@3 of its cards against ``bot.rank``'s top 3 for the same turns); whether the films the seeker named are read as liked or
disliked as the seeker said afterwards (ReDial's original ``redial_valid_data.jsonl``); ranking time.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.eval.metrics import Interval  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

DATA = ROOT.parent / "shared" / "data" / "redial-valid"


def cell(iv: Interval) -> str:
    return f"{iv.mean:.3f} ({iv.low:.3f}-{iv.high:.3f})"


def plain_bot(data_dir: Path | None) -> ChatRec:
    """The chat on the demo store (default: the benchmark copy in the cache), without a model or stored sessions."""
    from chatrec.memory import InMemorySessions
    from chatrec.pipeline.dialogue import ChatRec

    base = Settings()
    return ChatRec(base.model_copy(update={"data_dir": data_dir or base.cache_dir / "bench-data"}), llm=None, sessions=InMemorySessions())


def conversation_bench(doc: str, *flags: tuple[str, str]) -> tuple[argparse.Namespace, ChatRec]:
    """A benchmark over real conversations: its arguments (--split, --limit, --data-dir, --weight, and ``flags``: (name, help)
    of its own switches) and the warmed-up chat."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["tune", "test"], default="test")
    ap.add_argument("--limit", type=int, default=600, help="turns sampled (seeded) from the split")
    ap.add_argument("--data-dir", type=Path)
    for name, text in flags:
        ap.add_argument(name, action="store_true", help=text)
    return weighed_bot(ap)


def weighed_bot(ap: argparse.ArgumentParser) -> tuple[argparse.Namespace, ChatRec]:
    """A benchmark's arguments with ``--weight SIGNAL=VALUE`` added (a signal's weight in every scenario, repeatable),
    and the warmed-up chat (``--data-dir``) with those weights."""
    ap.add_argument("--weight", action="append", default=[], metavar="SIGNAL=VALUE",
                    help="a signal's weight in every scenario, e.g. topic=0 or mood=0 (default: shipped)")
    args = ap.parse_args()
    bot = plain_bot(args.data_dir)
    bot.warm_up()
    for setting in args.weight:
        signal, _, value = setting.partition("=")
        bot.with_weight(signal, float(value))
    return args, bot


def main() -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args, bot = conversation_bench(__doc__ or "", ("--for-children", "only turns whose conversation reads as for children"))
    from chatrec.eval.metrics import mean_interval, per_user
    from chatrec.eval.redial import run_redial

    keep = (lambda t: bot.understand(t.context, domain="movies").constraints.audience == "children") if args.for_children else None
    run = run_redial(bot, DATA, args.split, args.limit, keep=keep)
    print(
        f"ReDial validation, {args.split} half: {len(run.relevant)} turns scored ({run.skipped} skipped: no gold in the catalog "
        "or all gold mentioned before)"
    )
    metrics = ["recall@1", "recall@10", "recall@50"]
    print(f"{'method':50s} " + "  ".join(f"{m:24s}" for m in metrics))
    for name, ranked in run.ranked.items():
        per = per_user(ranked, run.relevant, metrics)
        print(f"{name:50s} " + "  ".join(f"{cell(mean_interval(per[m])):24s}" for m in metrics))
    print(
        f"linking films in the conversation (against ReDial's entity list, each entity linked alone): precision "
        f"{run.linked_right / max(1, run.linked_all):.3f}, recall {run.linked_right / max(1, run.named_all):.3f} over {run.named_all} mentions"
    )
    if run.replayed:
        from chatrec.eval.protocols import replay_figures

        for name, value in replay_figures(run, 0).items():
            print(f"{name}: {value}")
    if run.opinions is not None:
        print(f"what the seeker thought of the films they named ({len(run.opinions.pairs)} labelled liked or disliked, "
              "against their own answers in redial_valid_data.jsonl):")
        for name, value in run.opinions.figures().items():
            print(f"  {name}: {value}")
    print(f"ranking time per turn: p50 {pct(run.seconds, 0.5) * 1000:.0f} ms, p95 {pct(run.seconds, 0.95) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
