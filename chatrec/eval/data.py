"""Evaluation data: MovieLens-100K (ratings, official splits, items with plots) and INSPIRED.

Neither may be redistributed, so both are read from a folder the user points at (the
project's CI uses ``../shared/data``). Item text for the content signal is built exactly as
for the chat catalog, so the shipped demo vectors are reused where a MovieLens-100K item is
also in the demo catalog; the rest are embedded once and cached.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from chatrec.catalog.ingest import embed_text
from chatrec.catalog.loaders import load_catalog
from chatrec.catalog.pack import VectorPack, text_hash
from chatrec.embeddings import Embedder
from chatrec.models import Item
from chatrec.signals.collaborative import Interactions

_YEAR = re.compile(r"\s*\((\d{4})\)\s*$")
_SPLIT = re.compile(r"u([1-5])\.(base|test)")


@dataclass
class Ratings:
    """One ratings table as (user, item, rating, time) rows over a fixed item axis."""

    rows: list[tuple[str, str, float, float]]

    @classmethod
    def read(cls, path: Path) -> Ratings:
        """MovieLens tab-separated ``user item rating timestamp``."""
        out = []
        with path.open(encoding="latin-1") as f:
            for line in f:
                if line.strip():
                    u, i, r, t = line.split("\t")[:4]
                    out.append((u, i, float(r), float(t)))
        return cls(out)

    def interactions(self, items: list[str]) -> Interactions:
        return Interactions.from_triples(self.rows, items)


@dataclass
class MovieLens100K:
    root: Path
    items: list[Item]
    max_users: int | None = None  # keep users 1..max_users only (small test runs)

    @classmethod
    def load(cls, root: Path, demo_dir: Path | None = None, max_users: int | None = None) -> MovieLens100K:
        """Items from ``items_with_plots.csv``; where a movie is in the demo catalog, its demo record
        (same text, so the same shipped vector) stands in for it, under the MovieLens-100K id."""
        demo = {}
        if demo_dir is not None and (demo_dir / "movies.jsonl").is_file():
            demo = {it.id: it for it in load_catalog(demo_dir / "movies.jsonl", "movies").items}
        items = []
        with (root / "items_with_plots.csv").open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                twin = demo.get(row.get("ml_latest_small_movieId") or "")
                if twin is not None:
                    items.append(twin.model_copy(update={"id": row["item_id"]}))
                    continue
                m = _YEAR.search(row["title"])
                items.append(Item(id=row["item_id"], domain="movies", title=_YEAR.sub("", row["title"]) or row["title"],
                                  year=int(m.group(1)) if m else None, description=row.get("overview") or "",
                                  genres=[g for g in (row.get("genres") or "").split("|") if g and g != "unknown"]))  # fmt: skip
        return cls(root, items, max_users)

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    def ratings(self, name: str) -> Ratings:
        """``u.data`` or a split; a split file that is absent is made from ``u.data`` by the dataset's own ``mku.sh``
        rule (fold k tests lines 20,000·(k−1)+1 … 20,000·k of u.data and trains on the rest)."""
        path = self.root / name
        if path.is_file():
            rows = Ratings.read(path).rows
        elif m := _SPLIT.fullmatch(name):
            every = Ratings.read(self.root / "u.data").rows
            k, part = int(m.group(1)), m.group(2)
            lo, hi = 20_000 * (k - 1), 20_000 * k
            rows = every[lo:hi] if part == "test" else every[:lo] + every[hi:]
        else:
            raise FileNotFoundError(path)
        return Ratings([r for r in rows if self.max_users is None or int(r[0]) <= self.max_users])


def item_vectors(items: list[Item], embedder: Embedder, packs: list[Path], cache: Path, description_chars: int = 200) -> np.ndarray:
    """Unit vectors for ``items`` (rows in order): from the packs where the text matches, else embedded
    and added to the ``cache`` pack for next time."""
    texts = [embed_text(it, description_chars) for it in items]
    hashes = [text_hash(t) for t in texts]
    loaded = [p for path in [*packs, cache] if (p := VectorPack.load(path, embedder.name)) is not None]
    found: dict[str, np.ndarray] = {}
    for h in hashes:
        for pack in loaded:
            if (v := pack.get(h)) is not None:
                found[h] = v
                break
    missing = [n for n, h in enumerate(hashes) if h not in found]
    if missing:
        fresh = embedder.embed_passages([texts[n] for n in missing])
        found.update({hashes[n]: v for n, v in zip(missing, fresh, strict=True)})
        cached = VectorPack.load(cache, embedder.name) or VectorPack(embedder.name, {})
        cached.add({hashes[n]: found[hashes[n]] for n in missing}).save(cache)
    matrix = np.stack([found[h] for h in hashes]).astype(np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


@dataclass
class DialogueTurn:
    """One INSPIRED recommendation turn: what the user said so far, what was mentioned, the gold movies."""

    turn_id: str
    user_text: list[str]
    mentioned: list[str]  # entity names
    gold: list[str]  # entity names


def _entity_name(uri: str) -> str:
    return uri.strip("<>").rsplit("/", 1)[-1].replace("_", " ")


def load_inspired(root: Path) -> list[DialogueTurn]:
    """The test turns with entity ids turned into DBpedia names like ``Frozen (2013 film)``."""
    names = {v: _entity_name(k) for k, v in json.loads((root / "entity2id.json").read_text()).items()}
    movies = set(json.loads((root / "item_ids.json").read_text()))
    turns = []
    for line in (root / "test.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        users = [ln[len("User: ") :] for ln in row["input"].splitlines() if ln.startswith("User: ")]
        turns.append(DialogueTurn(
            turn_id=f"{row['dialog_id']}/{row['turn_id']}", user_text=users,  # turn ids repeat across dialogues
            mentioned=[names[e] for e in row.get("prev_entity", []) if e in movies and e in names],  # named earlier
            gold=[names[e] for e in row["rec"] if e in names],
        ))  # fmt: skip
    return turns


_FILM = re.compile(r"\s*\((?:(\d{4}) )?(?:[\w ]*film|[\w ]*movie)\)\s*$", re.IGNORECASE)


class TitleMapper:
    """DBpedia movie names → catalog ids: the title must match closely; a year in the name must agree (±1)."""

    def __init__(self, items: list[Item], threshold: float = 92.0) -> None:
        self.items = items
        self.keys = [self._norm(it.title) for it in items]
        self.threshold = threshold

    @staticmethod
    def _norm(title: str) -> str:
        t = title.casefold()
        t = re.sub(r"^(.*), (the|a|an)$", r"\2 \1", t)  # "Matrix, The" → "the matrix"
        return " ".join(re.sub(r"[^\w ]+", " ", t).split())

    def __call__(self, name: str) -> str | None:
        m = _FILM.search(name)
        year = int(m.group(1)) if m and m.group(1) else None
        title = _FILM.sub("", name)
        hits = process.extract(self._norm(title), self.keys, scorer=fuzz.ratio, limit=5, score_cutoff=self.threshold)
        for _, _, n in sorted(hits, key=lambda h: -h[1]):
            it = self.items[n]
            if year is None or it.year is None or abs(it.year - year) <= 1:
                return it.id
        return None
