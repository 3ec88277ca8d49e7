"""Films named in free-text messages, linked to the catalog, against hand-labelled samples. Prints figures.

    .venv/bin/python bench/linking.py                  # every labelled sample
    .venv/bin/python bench/linking.py --show           # and every message with what was linked

Messages: user utterances of INSPIRED's test dialogues (``../shared/data/inspired/test.jsonl``,
not shipped), drawn with fixed seeds: 60 that the first rules were developed on (not labelled),
then 80 and 100 messages that the rules have been tuned on since ("development"), then 150
held-out messages, then 150 "fresh" ones, then ("fresh2") the 382 user messages of
``test_raw.jsonl`` that no recommendation turn's context holds; at last 83 user messages of
OpenDialKG's test dialogues (``../shared/data/opendialkg``, not shipped; see :func:`opendialkg`),
and two more samples of the same draw (82 and 84 messages).
All are labelled by hand in ``data/eval/linking_inspired.yaml`` (keyed by the SHA-1 of each
message; the films each one names that the demo catalog has), each before the linker was first
run on it. Linked = what the chat's understander links in a message: "Title (Year)", titles after
a cue word or in quotes, and titles written in running text or as a list's items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redial import plain_bot  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "inspired" / "test.jsonl"
LABELS = ROOT / "data" / "eval" / "linking_inspired.yaml"
OPENDIALKG = ROOT.parent / "shared" / "data" / "opendialkg" / "opendialkg_eval_test_data_processed.jsonl"


def samples(path: Path) -> dict[str, list[str]]:
    """The labelled messages by sample, in the order they were labelled."""
    lines = [json.loads(line)["input"] for line in path.open(encoding="utf-8")]
    said = list(dict.fromkeys(u[6:] for text in lines for u in text.split("\n") if u.startswith("User: ")))
    said = [u for u in said if len(u) > 10]
    dev = said[:]
    random.Random(1).shuffle(dev)
    rest = [u for u in said if u not in set(dev[:60])]
    first = rest[:]
    random.Random(2).shuffle(first)
    second = [u for u in rest if u not in set(first[:80])]
    random.Random(3).shuffle(second)
    third = [u for u in rest if u not in set(first[:80]) | set(second[:100])]
    random.Random(4).shuffle(third)
    fourth = [u for u in rest if u not in set(first[:80]) | set(second[:100]) | set(third[:150])]
    random.Random(5).shuffle(fourth)
    return {"development": first[:80] + second[:100], "held_out": third[:150], "fresh": fourth[:150],
            "fresh2": unseen(path.with_name("test_raw.jsonl"), set(said))}


def unseen(path: Path, said: set[str]) -> list[str]:
    """Every user message of the dialogues' turns that no recommendation turn's context holds (so none of the
    samples above could draw it), shuffled."""
    turns = [json.loads(line) for line in path.open(encoding="utf-8")]
    users = list(dict.fromkeys(t["resp"] for t in turns if t["is_user"] == 1))
    rest = [u for u in users if u not in said and len(u) > 10]
    random.Random(6).shuffle(rest)
    return rest


def opendialkg(path: Path, not_films: set[str], start: int) -> list[str]:
    """120 user messages of OpenDialKG's test dialogues (each evaluation turn's context, even turns) from ``start`` in
    a draw with a fixed seed, less those about books or sport (labelled so by hand: the benchmark links films)."""
    turns = [json.loads(line)["context"] for line in path.open(encoding="utf-8")]
    said = list(dict.fromkeys(u for context in turns for u in context[::2] if len(u) > 10))
    random.Random(7).shuffle(said)
    return [u for u in said[start : start + 120] if hashlib.sha1(u.encode()).hexdigest() not in not_films]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    bot = plain_bot(args.data_dir)
    titles = bot._titles
    by_name = {f"{it.title} ({it.year})": it.id for it in bot.store.items("movies")}
    data = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    not_films = set(data["opendialkg_not_films"])
    drawn = {**samples(DATA), "opendialkg": opendialkg(OPENDIALKG, not_films, 0), "opendialkg2": opendialkg(OPENDIALKG, not_films, 120),
             "opendialkg3": opendialkg(OPENDIALKG, not_films, 240)}
    labelled = [data["labels"], data["held_out"], data["fresh"], data["fresh2"], data["opendialkg"], data["opendialkg2"], data["opendialkg3"]]
    for (name, messages), labels in zip(drawn.items(), labelled, strict=True):
        if missing := set(labels) - {hashlib.sha1(m.encode()).hexdigest() for m in messages}:
            sys.exit(f"{len(missing)} labelled messages are not in the {name} sample: the data or the draw changed")
        score(titles, by_name, messages, labels, name, args.show)
    print("(precision: links that are a labelled film of their message; recall: labelled films linked)")


def score(titles: object, by_name: dict[str, str], messages: list[str], labels: dict[str, list[list[str]]], name: str,
          show: bool) -> None:  # fmt: skip
    """Print one sample's precision and recall (and, with ``show``, each message with a link or a label)."""
    links = right = films = found = 0
    for message in messages:
        groups = [{by_name[title] for title in group} for group in labels.get(hashlib.sha1(message.encode()).hexdigest(), [])]
        linked = {m.item_id: m.title for m in titles.mentions(message, "movies")}  # type: ignore[attr-defined]
        good = {i for i in linked if any(i in g for g in groups)}
        links, right = links + len(linked), right + len(good)
        films, found = films + len(groups), found + sum(bool(g & set(linked)) for g in groups)
        if show and (linked or groups):
            print(f"- {message[:160]!r}\n    linked {sorted(linked.values())}; films {[sorted(g) for g in groups]}")
    print(f"{name}: {len(messages)} messages, {films} films named that the catalog has (hand-labelled)")
    print(f"  precision {right}/{links} = {right / max(1, links):.2f}; recall {found}/{films} = {found / max(1, films):.2f}")

if __name__ == "__main__":
    main()
