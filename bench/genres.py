"""Requests for two genres at once ("a horror comedy", "科幻惊悚片"): do the picks have both? Prints figures.

    .venv/bin/python bench/genres.py                        # fresh requests through bot.rank (top 3 and top 10)
    .venv/bin/python bench/genres.py --genres-weight 0      # the same without the genres signal
    .venv/bin/python bench/genres.py --after "I loved The Matrix"   # each asked after that message, in one session

A genre constraint admits an item with any of the genres asked, so without a signal for how many of them an
item has, "a horror comedy" leads with the best-loved horror films. Each request is read by code (no language
model) on the shipped demo catalogs; a pick counts when it has every genre the request was read as asking for.
With ``--after``, the request is the second message of a session (bot.chat, the 3 cards), where the films
named first steer the picks through the conversation signals.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redial import plain_bot  # noqa: E402

REQUESTS = (
    "a romantic comedy", "a sci-fi thriller", "an action comedy", "a crime drama", "a war drama", "an animated comedy",
    "a horror comedy", "a musical romance", "a fantasy adventure", "a mystery thriller", "a dark crime comedy",
    "一部浪漫喜剧", "科幻惊悚片", "动作喜剧", "犯罪剧情片", "战争剧情片", "动画喜剧", "恐怖喜剧", "奇幻冒险片",
)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--genres-weight", type=float, help="the genres signal's weight in every scenario (default: shipped)")
    ap.add_argument("--after", help="a message sent first in each request's session")
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    bot = plain_bot(args.data_dir)
    bot.warm_up()
    if args.genres_weight is not None:
        bot.with_weight("genres", args.genres_weight)
    counted = top3 = top10 = 0
    for n, request in enumerate(REQUESTS):
        if args.after:
            bot.chat(args.after, f"genres-{n}", domain="movies")
            reply = bot.chat(request, f"genres-{n}", domain="movies")
            asked, picks = reply.intent.constraints.include_genres, [r.item for r in reply.items]
        else:
            asked = bot.understand(request, f"genres-{n}", domain="movies").constraints.include_genres
            picks = [r.item for r in bot.rank(request, k=10, domain="movies")]
        if len(asked) < 2:
            print(f"{request:22s} read as {asked}: not counted")
            continue
        full = [set(asked) <= set(it.genres) for it in picks]
        counted, top3, top10 = counted + 1, top3 + sum(full[:3]), top10 + sum(full)
        print(f"{request:22s} {'+'.join(asked):22s} {sum(full[:3])}/3  {sum(full)}/{len(full)}  "
              + "; ".join(f"{it.title[:30]} ({'/'.join(it.genres)})" for it in picks[:3]))  # fmt: skip
    print(f"{counted} requests read as two genres or more; picks with every genre asked: top 3 {top3}/{3 * counted}"
          + ("" if args.after else f", top 10 {top10}/{10 * counted}"))


if __name__ == "__main__":
    main()
