"""Build data/demo/movies-comentions.csv: which demo movies were liked in the same ReDial training conversation.

    .venv/bin/python scripts/build_comentions.py ../shared/data/redial-train

Each ReDial training conversation becomes one "user" (``redial-<conversation id>``) with the
films its seeker liked, mapped onto the demo movie catalog by title and year (the same title
forms the chat links mentions with). The result is an ordinary interaction file: chatrec fits
item-kNN on it for the ``comention`` signal. ReDial (Li et al. 2018) is CC BY 4.0.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatrec.pipeline.titles import title_keys  # noqa: E402

YEAR = re.compile(r"^(.*?)\s*\((\d{4})\)\s*$")


def main(source: Path) -> None:
    index: dict[tuple[str, int], str] = {}
    rows = [json.loads(line) for line in (ROOT / "data" / "demo" / "movies.jsonl").open(encoding="utf-8")]
    for row in sorted(rows, key=lambda r: -float(r.get("popularity") or 0)):  # the most-rated film wins a tie
        for key in title_keys(row["title"]) if row.get("year") else []:
            index.setdefault((key, int(row["year"])), str(row["id"]))
    kept = total = 0
    out = ROOT / "data" / "demo" / "movies-comentions.csv"
    with (source / "redial_train_mentions.csv").open(newline="", encoding="utf-8") as f, out.open("w", newline="") as w:
        writer = csv.writer(w)
        writer.writerow(["userId", "movieId", "rating", "timestamp"])
        seen: set[tuple[str, str]] = set()
        for row in csv.DictReader(f):
            if row["liked"] != "1" or not (m := YEAR.match(row["title"].strip())):
                continue
            total += 1
            keys = title_keys(m.group(1))
            movie = next((index[(k, int(m.group(2)))] for k in keys if (k, int(m.group(2))) in index), None)
            pair = (f"redial-{row['conversation_id']}", movie or "")
            if movie is not None and pair not in seen:
                seen.add(pair)
                writer.writerow([*pair, 1, 0])
                kept += 1
    print(f"{out}: {kept} liked mentions kept of {total} ({kept / max(1, total):.1%} mapped onto the demo catalog)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "redial-train")
