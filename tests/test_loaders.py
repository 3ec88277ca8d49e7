"""Catalog loading: column mappings, value parsing, malformed rows with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.catalog.loaders import ColumnMapping, load_catalog, parse_number, parse_year

DATA = Path(__file__).parent / "data"


def test_mapping_reads_every_field(tiny_items) -> None:
    by_id = {it.id: it for it in tiny_items}
    assert len(by_id) == 10
    toy = by_id["m1"]
    assert (toy.title, toy.year, toy.genres, toy.authors) == ("Toy Story", 1995, ["Animation", "Children", "Comedy"], ["John Lasseter"])
    assert by_id["m6"].title == "甜蜜蜜"


def test_malformed_rows_are_reported_with_line_numbers_and_good_rows_kept() -> None:
    mapping = ColumnMapping.from_file(DATA / "mapping.yaml")
    result = load_catalog(DATA / "bad_rows.csv", "movies", mapping)
    errors = {e.line: e.message for e in result.errors}
    # b2 on line 3 has no title; b4 (line 6, after a two-line row) has no year; b5 too few columns; b6 bad price.
    assert "missing title" in errors[3]
    assert "year" in errors[6]
    assert "expected 7 columns, found 3" in errors[7]
    assert "price 'free'" in errors[8]
    assert "duplicate id 'b1' (also on line 2)" in errors[9]
    assert sorted(errors) == [3, 6, 7, 8, 9]
    by_id = {it.id: it for it in result.items}
    assert set(by_id) == {"b1", "b3", "b7"}
    assert by_id["b1"].title == "Good One Again"  # the later duplicate wins, and says so
    assert by_id["b3"].description == "This plot\nspans two lines."
    assert by_id["b7"].price == 1299.0


def test_jsonl_reports_invalid_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "1", "title": "A"}\nnot json\n\n["a list"]\n{"id": "2", "title": "B", "genres": ["x", "y"], "price": "£2.50"}\n'
    )
    result = load_catalog(path, "books")
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [(2, "invalid JSON"), (4, "expected a JSON object, found list")]
    assert [(it.id, it.genres, it.price) for it in result.items] == [("1", [], None), ("2", ["x", "y"], 2.5)]


def test_headerless_csv_with_column_names(tmp_path: Path) -> None:
    path = tmp_path / "toys.csv"
    path.write_text("u1,Wooden Train,Hobbies > Trains,Brio,£12.99\nu2,Kite,Outdoor,,3.5\n")
    mapping = ColumnMapping(id="uid", title="name", genres="cat", authors="maker", price="price",
                            list_separator=" > ", columns=["uid", "name", "cat", "maker", "price"])  # fmt: skip
    items = load_catalog(path, "toys", mapping).items
    assert [(i.genres, i.authors, i.price) for i in items] == [(["Hobbies", "Trains"], ["Brio"], 12.99), (["Outdoor"], [], 3.5)]


def test_command_line_overrides() -> None:
    m = ColumnMapping().with_overrides(["title=name", "price="])
    assert (m.title, m.price) == ("name", None)
    with pytest.raises(ValueError, match="bad mapping"):
        ColumnMapping().with_overrides(["nonsense=x"])


@pytest.mark.parametrize(("text", "year"), [("1995", 1995), ("2002.0", 2002), ("1999-05-01", 1999), (2004, 2004), ("", None)])
def test_parse_year(text: object, year: int | None) -> None:
    assert parse_year(text) == year


@pytest.mark.parametrize(("text", "value"), [("£3.42", 3.42), ("£1,299.00", 1299.0), ("3,50", 3.5), ("£3.00 - £5.00", 3.0), (7, 7.0)])
def test_parse_number(text: object, value: float) -> None:
    assert parse_number(text, "price") == value


def test_a_jsonl_rows_extra_object_is_kept(tmp_path: Path) -> None:
    """chatrec's own JSONL (the demo catalogs) carries extra fields as one object: ids for links, currency, stars."""
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "1", "title": "Toy Story", "extra": {"imdb_id": "tt0114709", "pages": 247, "nested": {"no": 1}}}\n')
    assert load_catalog(path, "movies").items[0].extra == {"imdb_id": "tt0114709", "pages": 247}
    demo = load_catalog(Path(__file__).parent.parent / "data" / "demo" / "toys.jsonl", "toys").items[0]
    assert demo.extra["currency"] == "GBP"
