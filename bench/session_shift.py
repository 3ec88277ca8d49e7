"""When a message asks for something of its own, should the films named earlier in the session weigh less? Prints figures.

    .venv/bin/python bench/session_shift.py --split tune               # the half used to choose weights
    .venv/bin/python bench/session_shift.py --split tune --scale 1,0.5,0

Data: ReDial's validation turns, as in bench/redial.py, where the seeker's last line names no film and the lines
before it named films chatrec reads as liked. The earlier lines are read into a session (the films liked, the
request and its constraints, as a chat turn would leave them); the last line is then ranked in that session
(top 50, no language model) with the conversation signals' weights (comention, neighbours, collaborative, profile)
multiplied by each ``--scale``. Turns are grouped by what the last line asks: genres or an audience ("any good
comedies?"), other words ("something with a twist"), or no taste ("any others?"); each group prints Recall@10/50
with 95% bootstrap intervals. Gold is the films the recommender named next, as in bench/redial.py.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redial import DATA, cell, plain_bot  # noqa: E402
from chatrec.eval.metrics import mean_interval  # noqa: E402

CONVERSATION = ("comention", "neighbours", "collaborative", "profile")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["tune", "test"], default="tune")
    ap.add_argument("--scale", default="1,0.5,0.25,0", help="comma-separated factors for the conversation signals' weights")
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from chatrec.eval.redial import turns
    from chatrec.llm.meter import TurnModel
    from chatrec.memory import Session

    bot = plain_bot(args.data_dir)
    bot.warm_up()
    scales = [float(x) for x in args.scale.split(",")]
    shipped = bot.ranker.weights
    recall: dict[tuple[str, float], dict[int, list[float]]] = collections.defaultdict(lambda: {10: [], 50: []})
    skipped: collections.Counter[str] = collections.Counter()
    for t in turns(bot, DATA, args.split):
        last, earlier = (t.lines[-1] or "") if t else "", "\n".join(x for x in t.lines[:-1] if x) if t else ""
        if t is None or not earlier or not last.strip():
            continue
        if bot._titles.named(last, ["movies"]):
            skipped["the last line names a film"] += 1
            continue
        session = Session(id="shift", domain="movies")
        before, _ = bot.understander(earlier, session, TurnModel(None), domain="movies")
        session.take_feedback(before)
        if not session.liked:
            skipped["no film liked earlier"] += 1
            continue
        session.query, session.constraints, session.scenario = before.query, before.constraints, before.scenario
        intent, _ = bot.understander(last, session, TurnModel(None), domain="movies")
        session.take_feedback(intent)
        parsed = bot.lexicon.parse(last, "movies")
        group = ("genres or an audience" if parsed.include or parsed.children
                 else "no taste" if bot.lexicon.states_no_taste(last, beyond_constraints=True) else "other words")  # fmt: skip
        for scale in scales:
            bot.ranker.weights = lambda scenario, s=scale: {k: v * s if k in CONVERSATION else v for k, v in shipped(scenario).items()}
            ranked = [r.candidate.item.id for r in bot._fusion(intent, session, 50, TurnModel(None), []).ranked[:50]]
            for k in (10, 50):
                recall[(group, scale)][k].append(len(set(ranked[:k]) & t.gold) / len(t.gold))
        bot.ranker.weights = shipped
    print(f"ReDial validation, {args.split} half; not counted: {dict(skipped)}")
    for group in ("genres or an audience", "other words", "no taste"):
        for scale in scales:
            if got := recall[(group, scale)][10]:
                print(f"{group:22s} scale {scale:<5g} n={len(got):4d}  R@10 {cell(mean_interval(got))}  "
                      f"R@50 {cell(mean_interval(recall[(group, scale)][50]))}")  # fmt: skip


if __name__ == "__main__":
    main()
