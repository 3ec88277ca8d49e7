"""OpenDialKG's book dialogues read as recommendation turns (a two-dialogue file in the data's own format)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from chatrec.eval.opendialkg import FILE, Books, book_turns
from chatrec.models import Item

BOOKS = [Item(id=i, domain="books", title=t, popularity=p) for i, t, p in [
    ("h", "The Hobbit", 50), ("f1", "The Fellowship of the Ring", 40),
    ("f2", "The Fellowship of the Ring:Being the First Part of the Lord of the Rings", 10), ("g", "Gilead", 5),
]]  # fmt: skip


class _Store:
    def items(self, domain: str) -> list[Item]:
        return BOOKS if domain == "books" else []


def turn(role: str, text: str, items: list[str], entities: list[str] | None = None) -> dict[str, object]:
    return {"role": role, "text": text, "item": items, "entity": entities or items}


def test_each_book_named_next_that_was_not_named_before_is_gold(tmp_path: Path) -> None:
    dialogues = [
        [turn("user", "Could you recommend books like The Hobbit?", ["The Hobbit"]),
         turn("assistant", "The Hobbit's sequel, Fellowship of the Ring, and The Hobbit itself.", ["The Fellowship of the Ring", "The Hobbit"]),
         turn("user", "Anything by J.R.R. Tolkien?", [], ["J.R.R. Tolkien"]),
         turn("assistant", "Fellowship of the Ring again.", ["The Fellowship of the Ring"])],  # named before: no gold left
        [turn("user", "A book by Marilynne Robinson?", [], ["Marilynne Robinson"]),
         turn("assistant", "Gilead, and a book the catalog lacks.", ["Gilead", "Housekeeping"])],
    ]  # fmt: skip
    (tmp_path / FILE).write_text("\n".join(json.dumps(d) for d in dialogues), encoding="utf-8")
    books = Books(SimpleNamespace(store=_Store()))  # type: ignore[arg-type]
    assert books.ranking(["f2", "g", "f1"]) == ["f1", "g"]  # an edition is its title's book
    tune = [t for t in book_turns(books, tmp_path, "tune") if t is not None]
    assert [(t.context, t.mentioned, t.gold) for t in tune] == [("Could you recommend books like The Hobbit?", {"h"}, {"f1"})]
    assert sum(t is None for t in book_turns(books, tmp_path, "tune")) == 1  # the second recommendation named nothing new
    test = [t for t in book_turns(books, tmp_path, "test") if t is not None]
    assert [(t.mentioned, t.gold) for t in test] == [(set(), {"g"})]  # an author is not a book; a book the catalog lacks is no gold
