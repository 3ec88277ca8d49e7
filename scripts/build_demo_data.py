"""Rebuild the shipped demo catalogs (data/demo/*.jsonl) from the original data sets.

Usage: python scripts/build_demo_data.py [SHARED_DATA_DIR]   (default: ../shared/data)

Maintainers run this once; users never need it. The vectors for these catalogs are then
rebuilt with `chatrec demo pack`. Sources and terms: data/demo/README.md.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "demo"


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _split(value: str | None, sep: str) -> list[str]:
    return [p.strip() for p in (value or "").split(sep) if p.strip()]


def _article_first(title: str) -> str:
    """MovieLens writes "Matrix, The" and "Postman, The (Postino, Il)"; people write "The Matrix" and "The Postman (Il
    Postino)": the article goes back in front of the title and of each name in brackets."""
    front = re.compile(r"^(.*), (The|A|An|Les|La|Le|Il|Das|Der|Die|El)$")
    title = re.sub(r"\(([^()]*)\)", lambda m: "(" + front.sub(r"\2 \1", m[1]) + ")", title)
    main, bracket, rest = title.partition(" (")
    return front.sub(r"\2 \1", main) + bracket + rest


def _num(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def movies(src: Path) -> list[dict[str, Any]]:
    stats: dict[str, list[float]] = defaultdict(list)
    with (src / "ratings.csv").open() as f:
        for row in csv.DictReader(f):
            stats[row["movieId"]].append(float(row["rating"]))
    tags: dict[str, set[str]] = defaultdict(set)
    with (src / "tags.csv").open() as f:
        for row in csv.DictReader(f):
            tags[row["movieId"]].add(row["tag"].strip().lower())
    out = []
    with (src / "movies_with_plots.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            m = re.match(r"^(.*?)\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$", row["title"].strip())
            title, year = (m.group(1), int(m.group(2))) if m else (row["title"].strip(), None)
            title = _article_first(title)
            ratings = stats.get(row["movieId"], [])
            genres = [g for g in _split(row["genres"], "|") if g != "(no genres listed)"]
            keywords = _split(row.get("tmdb_keywords"), "|")
            out.append({
                "id": row["movieId"], "title": title, "year": year,
                "description": _clean(row.get("overview")), "genres": genres,
                "authors": _split(row.get("director"), "|"),
                "tags": sorted(set(keywords[:12]) | tags.get(row["movieId"], set()))[:20],
                "rating": round(sum(ratings) / len(ratings), 3) if ratings else None,
                "popularity": len(ratings),
                "extra": {k: v for k, v in {
                    "stars": ", ".join(_split(row.get("stars"), "|")[:4]),
                    "imdb_id": row.get("imdbId") or "", "tmdb_id": row.get("tmdbId", "").split(".")[0],
                    "tagline": _clean(row.get("tagline")),
                }.items() if v},
            })  # fmt: skip
    return out


def with_chinese_titles(rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """``rows`` with the Chinese titles of ``path`` (id, title, title_zh; several titles split by "/") in their
    ``extra``. A row whose title is not the catalog's stops the build: an id typed wrong would name the wrong film."""
    by_id = {r["id"]: r for r in rows}
    with path.open(newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            item = by_id.get(row["id"])
            if item is None or item["title"] != row["title"]:
                raise SystemExit(f"{path.name}:{line}: no movie {row['id']} titled {row['title']!r}")
            item["extra"]["title_zh"] = row["title_zh"]
    return rows


def books(src: Path) -> list[dict[str, Any]]:
    out = []
    with (src / "books_with_categories.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            year = _num(row.get("published_year"))
            simple = row.get("simple_categories", "").strip().replace("Childern's", "Children's")  # source typo
            genres = list(dict.fromkeys(g for g in (row.get("categories", "").strip(), simple) if g))
            out.append({
                "id": row["isbn13"], "title": _clean(row.get("title_and_subtitle") or row["title"]),
                "year": int(year) if year else None, "description": _clean(row.get("description")),
                "genres": genres, "authors": _split(row.get("authors"), ";"),
                "rating": _num(row.get("average_rating")), "popularity": _num(row.get("ratings_count")),
                "extra": {k: v for k, v in {
                    "pages": int(_num(row.get("num_pages")) or 0), "isbn10": row.get("isbn10", ""),
                }.items() if v},
            })  # fmt: skip
    return out


def toys(src: Path) -> list[dict[str, Any]]:
    out = []
    with (src / "amazon_co-ecommerce_sample.csv").open(newline="") as f:
        for row in csv.reader(f):
            uid, name, category, maker, price, stock, reviews, answered, stars = row
            rating = re.match(r"[\d.]+", stars or "")
            out.append({
                "id": uid, "title": _clean(name), "genres": _split(category, ">"),
                "authors": [maker.strip()] if maker.strip() else [],
                "price": _num(re.sub(r"[^\d.]", "", price.split("-")[0])) if price else None,
                "rating": float(rating.group(0)) if rating else None,
                "popularity": _num(reviews.replace(",", "")) or 0.0,
                "extra": {"currency": "GBP"},
            })  # fmt: skip
    return out


def write(name: str, rows: list[dict[str, Any]]) -> None:
    path = OUT / f"{name}.jsonl"
    with path.open("w") as f:
        for r in rows:
            f.write(json.dumps({k: v for k, v in r.items() if v not in (None, [], {}, "")}, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(rows)} items")


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "licences").mkdir(exist_ok=True)
    write("movies", with_chinese_titles(movies(shared / "movielens-small"), OUT / "movies-titles-zh.csv"))
    write("books", books(shared / "books-7k"))
    write("toys", toys(shared / "amazon-toys"))
    shutil.copy(shared / "movielens-small" / "ratings.csv", OUT / "movies-ratings.csv")
    shutil.copy(shared / "movielens-small" / "README.txt", OUT / "licences" / "movielens-README.txt")


if __name__ == "__main__":
    main()
