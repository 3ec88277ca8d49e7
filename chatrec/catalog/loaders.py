"""Read catalogs from CSV or JSONL into :class:`~chatrec.models.Item`, row by row.

A bad row never sinks the file: it is reported with its line number (the line where the
row starts, counting from 1, header included) and the good rows still load.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from chatrec.datafiles import validation_message
from chatrec.models import Item, Scalar

csv.field_size_limit(1 << 24)


class ColumnMapping(BaseModel):
    """Which source column feeds which :class:`Item` field (``None``: not present)."""

    id: str | None = Field("id", description="None: use the line number as id.")
    title: str = "title"
    description: str | None = "description"
    genres: str | None = "genres"
    year: str | None = "year"
    authors: str | None = "authors"
    price: str | None = "price"
    tags: str | None = "tags"
    rating: str | None = "rating"
    popularity: str | None = "popularity"
    extra: list[str] = Field(default_factory=list, description="Columns copied verbatim into Item.extra.")
    list_separator: str = Field("|", description="Separator of list fields given as text (regex alternatives allowed: '[|;]').")
    columns: list[str] | None = Field(None, description="Column names for a CSV without a header row.")

    @classmethod
    def from_file(cls, path: Path) -> "ColumnMapping":
        return cls.model_validate(yaml.safe_load(path.read_text()) or {})

    def with_overrides(self, pairs: list[str]) -> "ColumnMapping":
        """Apply ``field=column`` pairs from the command line (``field=`` clears a field)."""
        data = self.model_dump()
        for pair in pairs:
            field, sep, column = pair.partition("=")
            if not sep or field not in data or field in {"extra", "columns"}:
                raise ValueError(f"bad mapping {pair!r}: expected field=column with field in {sorted(data)}")
            data[field] = column or None
        return ColumnMapping.model_validate(data)


class RowError(BaseModel):
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class LoadResult(BaseModel):
    source: str
    items: list[Item]
    errors: list[RowError]


class RowProblem(ValueError):
    """A value in a row that cannot be turned into an Item field."""


_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2}|2100)\b")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = _YEAR.search(str(value))
    if not m:
        raise RowProblem(f"year {value!r} has no four-digit year")
    return int(m.group(1))


def parse_number(value: Any, what: str) -> float | None:
    """A number from text such as ``£3.42``, ``1,234`` or ``£3.00 - £5.00`` (the first one)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "") if re.search(r"\d,\d{3}", str(value)) else str(value).strip()
    m = _NUMBER.search(text)
    if not m:
        raise RowProblem(f"{what} {value!r} is not a number")
    return float(m.group(0).replace(",", "."))


def parse_list(value: Any, separator: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(separator if len(separator) > 1 else re.escape(separator), str(value)) if p.strip()]


def row_to_item(row: dict[str, Any], mapping: ColumnMapping, domain: str, line: int) -> Item:
    """Build an Item from one source row; raises RowProblem with a readable reason."""

    def get(column: str | None) -> Any:
        if column is None:
            return None
        value = row.get(column)
        return value.strip() if isinstance(value, str) else value

    item_id = get(mapping.id) if mapping.id else str(line)
    if item_id in (None, ""):
        raise RowProblem(f"missing id (column {mapping.id!r})")
    title = get(mapping.title)
    if not title:
        raise RowProblem(f"missing title (column {mapping.title!r})")
    nested = row.get("extra")  # a JSONL row may carry its extra fields as one object (chatrec's own format)
    extra: dict[str, Scalar] = {k: v for k, v in nested.items() if isinstance(v, str | int | float | bool)} if isinstance(nested, dict) else {}
    for column in mapping.extra:
        value = get(column)
        if value not in (None, ""):
            extra[column] = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
    try:
        return Item(
            id=str(item_id),
            domain=domain,
            title=str(title),
            description=str(get(mapping.description) or ""),
            genres=parse_list(get(mapping.genres), mapping.list_separator),
            year=parse_year(get(mapping.year)),
            authors=parse_list(get(mapping.authors), mapping.list_separator),
            price=parse_number(get(mapping.price), "price"),
            tags=parse_list(get(mapping.tags), mapping.list_separator),
            rating=parse_number(get(mapping.rating), "rating"),
            popularity=parse_number(get(mapping.popularity), "popularity"),
            extra=extra,
        )
    except ValidationError as e:
        raise RowProblem(validation_message(e)) from e


def _csv_rows(path: Path, mapping: ColumnMapping) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f)
        header = mapping.columns
        if header is None:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield start, f"unreadable CSV: {e}"
                continue
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield start, f"expected {len(header)} columns, found {len(values)}"
                continue
            yield start, dict(zip(header, values, strict=True))


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                yield line_no, f"invalid JSON: {e}"
                continue
            yield line_no, row if isinstance(row, dict) else f"expected a JSON object, found {type(row).__name__}"


def load_catalog(
    path: Path,
    domain: str,
    mapping: ColumnMapping | None = None,
    fmt: Literal["csv", "jsonl"] | None = None,
) -> LoadResult:
    """Load every good row of ``path``; collect the bad ones as :class:`RowError`."""
    mapping = mapping or ColumnMapping()
    fmt = fmt or ("jsonl" if path.suffix.lower() in {".jsonl", ".ndjson", ".json"} else "csv")
    rows = _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path, mapping)
    items: dict[str, Item] = {}
    first_line: dict[str, int] = {}
    errors: list[RowError] = []
    for line, row in rows:
        if isinstance(row, str):
            errors.append(RowError(line=line, message=row))
            continue
        try:
            item = row_to_item(row, mapping, domain, line)
        except RowProblem as e:
            errors.append(RowError(line=line, message=str(e)))
            continue
        if item.id in items:
            errors.append(
                RowError(line=line, message=f"duplicate id {item.id!r} (also on line {first_line[item.id]}); this later row is kept")
            )
        else:
            first_line[item.id] = line
        items[item.id] = item
    return LoadResult(source=str(path), items=list(items.values()), errors=errors)
