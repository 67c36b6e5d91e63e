"""The published tables: which kinds are published, with which fields, in which order.

A :class:`Table` is a kind's schema reduced to its public and masked fields; every per-record
output (downloads, releases, pages) goes through it, so withheld and internal fields have no
way out. The file names of a release's index and history live here too, because releases
read them back from a previous site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.core.schemas import FieldSpec, KindSchema, load_schemas

TABLES = ("items", "plans", "tasks", "draws", "results", "handbook", "replies")
"""The published tables, in the order downloads are listed. ``targets`` (the population a
draw is made from) and the quality report are not datasets."""

DATA_FOLDER = "data"
"""Where the downloads are published, relative to the site folder."""
INDEX_FILE = "index.json"
CHECKSUMS_FILE = "SHA256SUMS"
HISTORY_FILE = "changes.json"
"""The release history: releases, corrections and withdrawals (``generator.model.releases``)."""
DELTA_FILE = "delta.json"
"""ADD / MOD / DEL lines against the previous release (``generator.model.releases``)."""
_PUBLISHED = ("public", "masked")


@dataclass(frozen=True)
class Table:
    """A published table: its kind schema reduced to the fields that may be published."""

    name: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict[str, Any], ...]

    @property
    def field_names(self) -> list[str]:
        """The published fields, in schema order."""
        return [f.name for f in self.fields]


def published_tables(schemas: Mapping[str, KindSchema] | None = None) -> dict[str, Table]:
    """The tables of :data:`TABLES` with their public and masked fields only."""
    schemas = schemas or load_schemas()
    tables = {}
    for name in TABLES:
        kind = schemas[name]
        tables[name] = Table(
            name=name,
            title=kind.title,
            description=str(kind.descriptor.get("description") or ""),
            fields=tuple(f for f in kind.fields if f.publicity in _PUBLISHED),
            primary_key=kind.primary_key,
            foreign_keys=kind.foreign_keys,
        )
    return tables


def withheld_fields(schemas: Mapping[str, KindSchema] | None = None) -> dict[str, list[FieldSpec]]:
    """Per table of :data:`TABLES`, the fields that are never published (withheld, internal)."""
    schemas = schemas or load_schemas()
    return {
        name: [f for f in schemas[name].fields if f.publicity not in _PUBLISHED] for name in TABLES
    }


def sorted_rows(table: Table, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with only the table's fields, in schema order, sorted by primary key."""
    names = table.field_names
    return [table_fields(names, row) for row in ordered_rows(table, rows)]


def ordered_rows(table: Table, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` sorted by primary key, as they are: a model's result row carries the model's
    fields too, so whoever writes one takes :func:`table_fields` of it, one row at a time
    (a copy of every result at once is half a gigabyte at a province)."""
    return sorted(rows, key=lambda r: tuple(_key_part(r.get(k)) for k in table.primary_key))


def table_fields(names: list[str], row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with only the fields ``names``, in that order; the row itself when it is that.
    Callers do not change rows."""
    if len(row) == len(names) and list(row) == names:
        return row
    return {name: row.get(name) for name in names}


def _key_part(value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, "")
    if isinstance(value, int):
        return (0, value)
    return (1, str(value))
