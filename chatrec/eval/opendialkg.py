"""Book recommendations in real conversations: OpenDialKG's book dialogues.

Data: ``opendialkg_dialog_Books.jsonl`` as processed by iEvaLM-CRS (CC BY-NC 4.0: read from a
folder the user points at for evaluation, never shipped). In each dialogue a person asks for
books and an assistant names some; every turn lists the books it names. An assistant turn that
names a book the catalog has, not named earlier in the dialogue, is a recommendation turn: the
conversation before it is one message to ``bot.rank(k=50)``, and the gold is those books (He et
al.'s rule: books already mentioned are not gold). Books are matched to the catalog by title, or
by the title before its subtitle ("The Guns of August:Kits for Teens" is The Guns of August), and
every edition of a title counts as that book.
Dialogues are split in halves by position: even to tune, odd to report.

Compared on the same turns: popularity (the catalog's rating counts) without the books
mentioned, and ``bot.rank`` with the domain given and with the domain read from the
conversation. How well the chat's linker finds the books mentioned so far is measured against
the dialogue's own lists.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chatrec.eval.redial import Half, scored_turns
from chatrec.pipeline.titles import TitleIndex, title_key

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

FILE = "opendialkg_dialog_Books.jsonl"
METHODS = ("popularity", "chatrec rank, domain given", "chatrec rank, domain read from the conversation")


@dataclass
class BookTurn:
    key: str
    context: str  # the conversation before the recommendation, one utterance per line
    mentioned: set[str]  # catalog ids of the books named so far (the dialogue's own lists)
    gold: set[str]


@dataclass
class BookRun:
    ranked: dict[str, dict[str, list[str]]]
    relevant: dict[str, set[str]]
    skipped: int = 0  # recommendation turns whose books the catalog lacks, or were all mentioned before
    linked: int = 0  # books the chat's linker found in the context
    linked_right: int = 0  # of those, books the dialogue lists as mentioned
    mentioned: int = 0
    seconds: list[float] = field(default_factory=list)


class Books:
    """The catalog's books by title: a dialogue's book names matched by title or by the title before its subtitle,
    the most-rated edition first; every edition of a title counts as that book when a ranking is scored."""

    def __init__(self, bot: ChatRec) -> None:
        items = sorted(bot.store.items("books"), key=lambda it: -(it.popularity or 0))
        self.popular = [it.id for it in items]  # the most-rated first
        self.keys: dict[str, str] = {}
        self.canonical: dict[str, str] = {}
        for item in items:
            forms = [k for form in (item.title, item.title.split(":")[0]) if (k := title_key(form))]
            for key in forms:
                self.keys.setdefault(key, item.id)
            self.canonical[item.id] = self.keys[forms[-1]] if forms else item.id

    def ids(self, names: list[str]) -> set[str]:
        return {self.keys[k] for name in names if (k := title_key(name)) in self.keys}

    def ranking(self, ids: list[str]) -> list[str]:
        """``ids`` with each edition read as its title's book, each book once."""
        return list(dict.fromkeys(self.canonical.get(i, i) for i in ids))


def book_turns(books: Books, folder: Path, half: Half) -> Iterator[BookTurn | None]:
    """Recommendation turns of the half's dialogues in a seeded shuffled order; None for one without gold. Only the
    turns' book lists count as mentions (their other entities are authors and genres)."""
    dialogues = [json.loads(line) for line in (folder / FILE).open(encoding="utf-8") if line.strip()]
    chosen = [(n, d) for n, d in enumerate(dialogues) if (n % 2 == 0) == (half == "tune")]
    found: list[BookTurn | None] = []
    for n, dialogue in chosen:
        lines: list[str] = []
        mentioned: set[str] = set()
        for i, turn in enumerate(dialogue):
            named = books.ids(turn["item"])
            if turn["role"] == "assistant" and lines and named - mentioned:
                found.append(BookTurn(f"{n}/{i}", "\n".join(lines), set(mentioned), named - mentioned))
            elif turn["role"] == "assistant" and lines and turn["item"]:
                found.append(None)
            lines.append(turn["text"])
            mentioned |= named
    random.Random(0).shuffle(found)
    yield from found


def run_opendialkg(bot: ChatRec, folder: Path, half: Half = "test", limit: int = 600, progress: bool = True) -> BookRun:
    """Popularity and ``bot.rank`` (no model; books given, and the domain left to the reading) on ``limit`` turns."""
    titles, books = TitleIndex(bot.store), Books(bot)
    run = BookRun({m: {} for m in METHODS}, {})
    for t in scored_turns(book_turns(books, folder, half), run, limit, f"OpenDialKG books, {half} half", progress):
        run.relevant[t.key] = t.gold
        linked = {books.canonical.get(m.item_id, m.item_id) for m in titles.mentions(t.context, "books")}
        run.linked, run.linked_right, run.mentioned = run.linked + len(linked), run.linked_right + len(linked & t.mentioned), \
            run.mentioned + len(t.mentioned)  # fmt: skip
        run.ranked["popularity"][t.key] = [i for i in books.ranking(books.popular) if i not in t.mentioned][:50]
        started = time.perf_counter()
        run.ranked[METHODS[1]][t.key] = books.ranking([r.item_id for r in bot.rank(t.context, k=50, domain="books")])
        run.seconds.append(time.perf_counter() - started)
        run.ranked[METHODS[2]][t.key] = books.ranking([r.item_id for r in bot.rank(t.context, k=50) if r.domain == "books"])
    return run
