"""Tables computed from the data (the statistics) and the CSV cell rules of every download.

The formula guard included; imports nothing else of gongkai, so pages and charts can use it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
"""A CSV text cell starting with one of these gets a leading ``'`` (OWASP CSV injection).

The first six make spreadsheets read the cell as a formula. ``'`` itself is on the list so
that the rule can be undone exactly: a text cell that starts with ``'`` had one added."""


CSV_GUARD = "'"


@dataclass(frozen=True)
class DerivedTable:
    """A table computed from the data rather than exported (the statistics), published as
    one CSV with its own Table Schema and covered by the data package and the checksums."""

    name: str
    title: str
    description: str
    fields: tuple[dict[str, Any], ...]
    """Table Schema field descriptors (name, title, type, description, constraints)."""
    primary_key: tuple[str, ...]
    rows: Iterable[Mapping[str, Any]]
    """Read more than once (the content hash, then the CSV): a collection, not a generator."""

    def schema(self) -> dict[str, Any]:
        """The Table Schema of its CSV."""
        schema = {"fields": [dict(f) for f in self.fields], "missingValues": [""]}
        return {**schema, "primaryKey": list(self.primary_key)} if self.primary_key else schema

    def csv_bytes(self) -> bytes:
        """The CSV as the tables' CSVs are written: BOM, CRLF, formula triggers guarded."""
        buffer = io.StringIO()
        self._write_rows(buffer)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def write_csv(self, path: Path) -> None:
        """Write :meth:`csv_bytes` to ``path`` row by row: a province's members table has
        millions of rows, which would be held twice over as one string."""
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            self._write_rows(handle)

    def _write_rows(self, handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\r\n")
        names = [f["name"] for f in self.fields]
        writer.writerow(names)
        for row in self.rows:
            writer.writerow([_derived_cell(row.get(name)) for name in names])


class RowsOf:
    """Rows kept as tuples of values (a province's members table has millions of rows, a
    dict each would be three times the memory), read as dicts of ``names``, as often as
    they are iterated."""

    def __init__(self, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.names = tuple(names)
        self.values = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (dict(zip(self.names, row, strict=True)) for row in self.values)


def _derived_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        return neutralise_csv_cell(value)
    return str(value)


def neutralise_csv_cell(value: str) -> str:
    """A text cell as written to CSV: with a leading ``'`` when it starts with a trigger.

    >>> neutralise_csv_cell('=HYPERLINK("http://x")'), neutralise_csv_cell("示例")
    ('\\'=HYPERLINK("http://x")', '示例')
    """
    return CSV_GUARD + value if value.startswith(CSV_TRIGGERS) else value


def restore_csv_cell(value: str) -> str:
    """Undo :func:`neutralise_csv_cell`: drop one leading ``'`` from a text cell."""
    return value[1:] if value.startswith(CSV_GUARD) else value
