"""How far the model's reasons can be trusted, and what they cost. Prints figures; asserts nothing.

    .venv/bin/python bench/explanations.py                  # the configured model (default: bundled 1.5B)
    .venv/bin/python bench/explanations.py --turns 60       # a shorter run
    .venv/bin/python bench/explanations.py --language zh    # only the conversations in Chinese
    .venv/bin/python bench/explanations.py --only "sad|dark|催泪"   # only conversations with a turn matching it

Turns come from the phrasing set (data/eval/phrasings.yaml): whole conversations, English and
Chinese, movies, books and toys, taken in a fixed order until ``--turns`` is reached; each
conversation is a new session on the shipped demo catalogs.

Printed: the model's sentences about the picks (checked, passing before any filtering,
dropped, and fragments the token budget cut); every shown sentence checked once more (must
all pass), shown sentences that do not end as sentences (must be 0), children's lists with an
adult-only item (must be 0), the most common reasons for a drop, and time: to the cards, to
the first reason, the whole turn and the reasons' call.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import pct  # noqa: E402
from chatrec.eval.phrasing import load_cases  # noqa: E402
from chatrec.models import Reply  # noqa: E402
from chatrec.pipeline.parse import is_chinese  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec


class Drops(logging.Handler):
    """Counts why sentences were dropped (from the explain stage's log lines)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.reasons: collections.Counter[str] = collections.Counter()
        self.examples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "dropped a sentence" in message and (m := re.search(r"\(([^()]*)\)$", message)):
            for problem in m.group(1).split("; "):
                self.reasons[re.sub(r"'[^']*'|\d+", "…", problem)] += 1
            self.examples.append(message[:240])


def recheck(bot: ChatRec, message: str, reply: Reply) -> tuple[int, int, int]:
    """(model sentences shown, of those failing a fresh check, of those not ending as a sentence)."""
    from chatrec.pipeline.explain import reason, sentences

    check = bot.grounding(reply.intent, message, reply.items)
    shown = failing = unfinished = 0
    for n, r in enumerate(reply.items):
        if r.reason == reason(r.item, reply.intent, bot.lexicon.chinese_names):
            continue
        for sentence in sentences(r.reason, [p.title for p in reply.items]):
            shown += 1
            failing += bool(check.problems(sentence, n))
            check.accept(sentence, n)
            unfinished += not re.search(r"[.!?。！？][\"'”’)]*$", sentence)
    return shown, failing, unfinished


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=120)
    ap.add_argument("--model", help="bundled model name or .gguf path (default: the configured one)")
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--language", choices=["en", "zh"], help="only the conversations that open in this language")
    ap.add_argument("--only", type=re.compile, help="only the conversations with a turn this regular expression finds")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    drops = Drops()
    logging.getLogger("chatrec.pipeline.explain").addHandler(drops)
    logging.getLogger("chatrec.pipeline.explain").setLevel(logging.INFO)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from chatrec.memory import InMemorySessions
    from chatrec.pipeline.dialogue import ChatRec

    base = Settings(**({"llm_backend": "local", "local_model": args.model} if args.model else {}))  # type: ignore[arg-type]
    settings = base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"})
    bot = ChatRec(settings, sessions=InMemorySessions())
    t = time.perf_counter()
    bot.warm_up()
    print(f"machine: {os.cpu_count()} cores; model {settings.local_model}; warm-up {time.perf_counter() - t:.1f}s")
    replies: list[tuple[str, Reply]] = []
    cases = [c for c in load_cases() if c.expect.action != "chitchat"
             and args.language in (None, "zh" if is_chinese(c.turns[0]) else "en")
             and (args.only is None or any(args.only.search(t) for t in c.turns))]  # fmt: skip
    for n, case in enumerate(cases):
        if len(replies) >= args.turns:
            break
        for message in case.turns:
            replies.append((message, bot.chat(message, f"bench-{n}")))
    recommending = [(m, r) for m, r in replies if r.items and r.intent.action != "ask_item"]
    totals = collections.Counter()
    for _, r in recommending:
        totals.update(r.sentences)
    shown = failing = unfinished = 0
    for message, r in recommending:
        a, b, c = recheck(bot, message, r)
        shown, failing, unfinished = shown + a, failing + b, unfinished + c
    children = [r for _, r in recommending if r.intent.constraints.audience == "children"]
    adult = [r for r in children if any(bot.lexicon.adult_only(x.item) for x in r.items)]
    zh = sum(r.intent.language == "zh" for _, r in replies)
    domains = collections.Counter(r.intent.domain for _, r in replies)
    print(f"turns {len(replies)} ({zh} in Chinese; {dict(domains)}), recommending {len(recommending)}")
    checked = totals["checked"]
    print(f"model sentences about the picks: {checked} checked, {checked - totals['dropped']} passed before filtering "
          f"({(checked - totals['dropped']) / max(1, checked):.1%}), {totals['dropped']} dropped, {totals['cut']} cut fragments never shown; "
          f"{totals['retitled']} opened with a Chinese title of their own, given the pick's title before the check")
    print(f"shown model sentences: {shown}; failing a fresh check {failing}; not ending as a sentence {unfinished}")
    picks = sum(len(r.items) for _, r in recommending)
    from chatrec.pipeline.explain import reason

    by_code = sum(x.reason == reason(x.item, r.intent, bot.lexicon.chinese_names) for _, r in recommending for x in r.items)
    print(f"picks {picks}: reason from the model {picks - by_code}, from code {by_code}")
    print(f"children's lists {len(children)}; with an adult-only item {len(adult)}")
    for problem, count in drops.reasons.most_common(8):
        print(f"  dropped because {problem}: {count}")
    for name, key in (("time to cards", "cards"), ("time to first reason", "first_reason"), ("whole turn", "done")):
        values = [r.timings[key] for _, r in recommending if key in r.timings]
        print(f"{name:22s} p50 {pct(values, 0.5):5.2f}s  p95 {pct(values, 0.95):5.2f}s  (n={len(values)})")
    calls = [c for _, r in recommending for c in r.llm_calls if c.label == "explain"]
    print(f"reasons call            p50 {pct([c.seconds for c in calls], 0.5):5.2f}s  p95 {pct([c.seconds for c in calls], 0.95):5.2f}s"
          f"  mean tokens out {sum(c.completion_tokens or 0 for c in calls) / max(1, len(calls)):.0f}")  # fmt: skip
    for example in drops.examples[:6]:
        print("  e.g.", example)


if __name__ == "__main__":
    main()
