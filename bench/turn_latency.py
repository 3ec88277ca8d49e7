"""How long a turn feels: time to the cards, to the first word of the reply, and to the end. Prints figures; asserts nothing.

    .venv/bin/python bench/turn_latency.py                                  # the configured model (default: bundled 1.5B, local server)
    .venv/bin/python bench/turn_latency.py --model qwen2.5-coder-0.5b       # another bundled model
    .venv/bin/python bench/turn_latency.py --base-url http://127.0.0.1:8080/v1 --llm-model NAME   # any OpenAI-compatible server
    .venv/bin/python bench/turn_latency.py --no-llm                         # only the work without the model
    .venv/bin/python bench/turn_latency.py --every-call                     # also the model's reading and re-rank (off by default)

The script is 24 turns in 8 conversations: English and Chinese, movies, books and toys,
with refinements ("something cheaper", "not that one", "more like the second one"). Each
conversation is its own session, run one after another, on the shipped demo catalogs (in
a data folder under the cache, ingested once).

Printed: each turn's time to the cards, to the first text and to the end, and every model
call with its prompt, cached and completion tokens; then p50/p95 of each, the model's share
per call type, and the same turns without the model (the work code does: understanding,
retrieval, fusion, the reply). ``--repeat 2`` sends the same turns again: identical prompts,
the prompt cache's best case, not a new person's.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatrec.llm.meter import LLMCall  # noqa: E402
from chatrec.models import Cards, Done, Reply  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

CONVERSATIONS: list[list[str]] = [
    ["something light to watch with my kids this weekend, nothing scary", "something newer, from after 2010", "more like the second one"],
    ["推荐一部九十年代的爱情电影", "不要太悲伤的", "不喜欢第一个"],
    ["a board game for a 6 year old under £20", "something cheaper", "more like the first one"],
    ["给我妈妈挑一本生日礼物书", "要历史类的", "换一批"],
    ["books to get started with economics", "not that one, the second one is fine", "tell me more about the second one"],
    ["a gripping thriller with a twist ending", "nothing made before 2000", "more like the third one"],
    ["给五岁孩子买个拼图，100元以内", "便宜一点的", "更像第二个的"],
    ["I loved Toy Story and Finding Nemo, what else would we like?", "no more cartoons", "something older"],
]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``; NaN if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def summary(name: str, values: list[float]) -> str:
    return f"{name:24s} p50 {pct(values, 0.5):6.2f}s  p95 {pct(values, 0.95):6.2f}s  max {max(values, default=float('nan')):6.2f}s  (n={len(values)})"


def call_text(c: LLMCall) -> str:
    tokens = f"prompt {c.prompt_tokens} (cached {c.cached_tokens}, new {c.new_prompt_tokens}), out {c.completion_tokens}"
    first = f", first text {c.first_token_s:.2f}s" if c.first_token_s is not None else ""
    return f"{c.label:10s} {c.seconds:5.2f}s{first}  {tokens}{'' if c.ok else '  FAILED'}"


def run_script(bot: object, tag: str, verbose: bool) -> list[Reply]:
    """Every conversation through ``bot.events``; each Reply carries its stage times and model calls."""
    replies: list[Reply] = []
    for n, conversation in enumerate(CONVERSATIONS):
        session = f"{tag}-{n}-{time.time_ns()}"
        for message in conversation:
            started = time.perf_counter()
            cards_at = None
            for event in bot.events(message, session):  # type: ignore[attr-defined]
                if isinstance(event, Cards) and cards_at is None:
                    cards_at = time.perf_counter() - started
                elif isinstance(event, Done):
                    replies.append(event.reply)
            reply = replies[-1]
            if verbose:
                t = reply.timings
                print(f"  [{tag}] {message[:48]:48s} cards {t.get('cards', float('nan')):5.2f}s  first text "
                      f"{t.get('first_text', float('nan')):5.2f}s  done {t.get('done', float('nan')):5.2f}s  "
                      f"{reply.intent.action}/{reply.intent.domain}  {len(reply.items)} items"
                      + (f"  notices: {reply.notices}" if reply.notices else ""))  # fmt: skip
                for c in reply.llm_calls:
                    print("      " + call_text(c))
    return replies


def report(label: str, replies: list[Reply]) -> None:
    def stage(key: str) -> list[float]:
        return [r.timings[key] for r in replies if key in r.timings]

    print(f"\n== {label}: {len(replies)} turns ==")
    print(summary("time to cards", stage("cards")))
    print(summary("time to first text", stage("first_text")))
    print(summary("whole turn", stage("done")))
    degraded = [r for r in replies if any("without the language model" in n or "could not rank" in n for n in r.notices)]
    print(f"turns with a model fault notice: {len(degraded)}")
    by_label: dict[str, list[LLMCall]] = defaultdict(list)
    for r in replies:
        for c in r.llm_calls:
            by_label[c.label].append(c)
    for name, calls in sorted(by_label.items()):
        def mean(attr: str, calls: list[LLMCall] = calls) -> float:
            values = [getattr(c, attr) for c in calls if getattr(c, attr) is not None]
            return statistics.fmean(values) if values else float("nan")

        print(f"  {name:10s} calls {len(calls):3d}  seconds p50 {pct([c.seconds for c in calls], 0.5):5.2f} p95 "
              f"{pct([c.seconds for c in calls], 0.95):5.2f}  mean tokens: prompt {mean('prompt_tokens'):6.0f}, cached "
              f"{mean('cached_tokens'):6.0f}, new {mean('new_prompt_tokens'):5.0f}, out {mean('completion_tokens'):5.1f}"
              f"  failed {sum(not c.ok for c in calls)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="bundled model name or .gguf path for the local server (default: the configured one)")
    ap.add_argument("--base-url", help="an OpenAI-compatible endpoint instead of the local server")
    ap.add_argument("--llm-model", help="model name at --base-url (default: the first it lists)")
    ap.add_argument("--no-llm", action="store_true", help="only the pass without a model")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the script with the model")
    ap.add_argument("--no-warm-up", action="store_true", help="do not prime the server's prompt cache first")
    ap.add_argument("--every-call", action="store_true", help="also let the model read each message and re-rank the cards")
    ap.add_argument("--data-dir", type=Path, help="catalog store folder (default: <cache>/bench-data)")
    ap.add_argument("--quiet", action="store_true", help="only the summaries")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from chatrec.memory import InMemorySessions
    from chatrec.pipeline.dialogue import ChatRec

    overrides: dict[str, object] = {}
    if args.model:
        overrides |= {"llm_backend": "local", "local_model": args.model}
    if args.base_url:
        overrides |= {"llm_backend": "openai", "openai_base_url": args.base_url, "llm_model": args.llm_model}
    if args.every_call:
        overrides |= {"llm_understand": True}
    base = Settings(**overrides)  # type: ignore[arg-type]
    settings = base.model_copy(update={"data_dir": args.data_dir or base.cache_dir / "bench-data"})
    print(f"machine: {os.cpu_count()} cores; model: {'none' if args.no_llm else args.base_url or settings.local_model}")

    code_only = ChatRec(settings, llm=None, sessions=InMemorySessions())
    run_script(code_only, "warm-up", verbose=False)  # fits the collaborative models, loads title indexes
    no_llm = run_script(code_only, "no-llm", verbose=not args.quiet and args.no_llm)
    report("without the model (code only)", no_llm)
    if args.no_llm:
        return
    bot = ChatRec(settings, sessions=InMemorySessions(), store=code_only.store)
    if args.every_call:  # the re-rank as a scenario would turn it on: some weight on the model's order
        bot.ranker.default_weights = {**bot.ranker.default_weights, "llm": 0.15}
        bot.scenarios = {n: s.model_copy(update={"weights": {**s.weights, "llm": 0.15}}) for n, s in bot.scenarios.items()}
    if not args.no_warm_up:
        t = time.perf_counter()
        bot.warm_up()
        print(f"\nwarm-up (server start + prompt prefixes read): {time.perf_counter() - t:.1f}s")
    for n in range(args.repeat):
        replies = run_script(bot, f"pass{n + 1}", verbose=not args.quiet)
        report(f"with the model, pass {n + 1}", replies)


if __name__ == "__main__":
    main()
