"""The download formats: one Exporter each (CSV, JSON, XLSX, Parquet, SQLite).

Each format reads every record once (one process per format at scale); :data:`EXPORTERS` lists
them by file name.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from generator.core.errors import BuildAbort
from generator.model.tables import Table
from generator.publish.data.derived import neutralise_csv_cell
from generator.publish.data.downloads import (
    FORMATS,
    FTS_COLUMNS,
    FTS_TABLE,
    SQLITE_FILE,
    segment_text,
)
from generator.publish.data.xlsx_sheets import EXCEL_ROWS, SheetRows

XLSX_MAX_ROWS = EXCEL_ROWS
"""Rows in one Excel worksheet, header included; longer tables continue on more sheets."""


SQLITE_PAGE_SIZE = 4096


SQLITE_APPLICATION_ID = 0x676B6169  # "gkai"


SQLITE_BATCH = 5_000
"""Rows inserted per ``executemany`` (rows come table by table, so a batch is one table's)."""


FTS_REPEATED = frozenset({"item", "outcome", "authority", "task_name"})
"""Full-text columns whose few values repeat on many results: each is segmented once."""


SQLITE_USER_VERSION = 1
"""Bumped whenever the layout of ``gongkai.sqlite`` changes incompatibly."""


_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}


class Exporter:
    """A writer of one format: ``setup``, then ``feed`` every row, ``finish``, ``close``.

    Rows come table by table, each table's rows sorted by primary key. ``finish`` returns the
    files written; ``close`` always runs, in ``finally``, and releases what ``setup`` took.
    """

    FILE_NAME: ClassVar[str]
    """The file written, ``{table}`` standing for each table's name."""
    TITLE: ClassVar[str]
    MIME_TYPE: ClassVar[str]
    FORMAT: ClassVar[str]

    def __init__(
        self, folder: Path, tables: Mapping[str, Table], release: Mapping[str, str] | None = None
    ) -> None:
        self.folder = folder
        self.tables = tables
        self.release = dict(release or {})
        """The release's version, date and licence, for formats that record them."""

    def path_for(self, table: str) -> Path:
        """The file of ``table``."""
        return self.folder / self.FILE_NAME.format(table=table)

    def setup(self) -> None:
        """Prepare to receive rows."""

    def feed(self, table: str, row: dict[str, Any]) -> None:
        """Receive one row of ``table`` (published fields, schema order, typed)."""
        raise NotImplementedError

    def finish(self) -> list[str]:
        """Complete every file; return their names."""
        return [self.FILE_NAME.format(table=t) for t in self.tables]

    def close(self) -> None:
        """Release files and connections, whether or not ``finish`` ran.

        Text exporters keep one open handle per table in ``_handles``; closing them is shared.
        """
        for handle in getattr(self, "_handles", {}).values():
            handle.close()
        self._handles: dict[str, Any] = {}


class CSVExporter(Exporter):
    """``<table>.csv``: UTF-8 with BOM, RFC 4180, text cells neutralised against formulas."""

    FILE_NAME = "{table}.csv"
    TITLE = "CSV（UTF-8，带 BOM）"
    MIME_TYPE = "text/csv"
    FORMAT = "csv"

    def setup(self) -> None:
        self._handles: dict[str, Any] = {}
        self._writers: dict[str, Any] = {}
        self.neutralised: dict[str, set[str]] = {t: set() for t in self.tables}
        for name, table in self.tables.items():
            handle = self.path_for(name).open("w", encoding="utf-8-sig", newline="")
            self._handles[name] = handle
            self._writers[name] = csv.writer(handle, lineterminator="\r\n")
            self._writers[name].writerow(table.field_names)

    def feed(self, table: str, row: dict[str, Any]) -> None:
        cells = []
        for name, value in row.items():
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cell = neutralise_csv_cell(value)
                if cell is not value:
                    self.neutralised[table].add(name)
                cells.append(cell)
            else:
                cells.append(str(value))
        self._writers[table].writerow(cells)

    def finish(self) -> list[str]:
        self.close()
        return super().finish()


class JSONExporter(Exporter):
    """``<table>.json``: an array of objects, one per line, keys in schema order, nulls kept."""

    FILE_NAME = "{table}.json"
    TITLE = "JSON（对象数组）"
    MIME_TYPE = "application/json"
    FORMAT = "json"

    def setup(self) -> None:
        self._handles: dict[str, Any] = {}
        self._first: dict[str, bool] = {}
        for name in self.tables:
            handle = self.path_for(name).open("w", encoding="utf-8", newline="\n")
            handle.write("[")
            self._handles[name] = handle
            self._first[name] = True

    def feed(self, table: str, row: dict[str, Any]) -> None:
        handle = self._handles[table]
        handle.write("\n" if self._first[table] else ",\n")
        self._first[table] = False
        handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))

    def finish(self) -> list[str]:
        for handle in self._handles.values():
            handle.write("\n]\n")
        self.close()
        return super().finish()


class XLSXExporter(Exporter):
    """``<table>.xlsx``: every text value stored as a string cell, never as a formula.

    XlsxWriter, in its constant-memory mode, writes the workbook: styles, properties, the
    frozen header row, the zip. The rows are written by :class:`SheetRows` a whole row at a
    time, text as inline strings, into the file where XlsxWriter would put them cell by cell
    (the same bytes, over three times faster); memory stays flat. What XML cannot hold is
    changed: control characters become U+FFFD and carriage returns line feeds (documented on
    the 开放数据 page).

    A second sheet, 字段说明, lists each column's Chinese name, type and description.
    Workbook properties and zip timestamps are fixed (:data:`XLSX_CREATED`, XlsxWriter's own
    :data:`XLSX_ZIP_TIME`), so the bytes depend on the data only.
    """

    FILE_NAME = "{table}.xlsx"
    TITLE = "Excel 工作簿（XLSX）"
    MIME_TYPE = FORMATS["xlsx"][1]
    FORMAT = "xlsx"

    def setup(self) -> None:
        import xlsxwriter

        self._books: dict[str, Any] = {}
        self._sheets: dict[str, SheetRows] = {}
        self._rows: dict[str, int] = {}
        for name, table in self.tables.items():
            book = xlsxwriter.Workbook(str(self.path_for(name)), XLSX_OPTIONS)
            book.set_properties({"author": "gongkai", "created": XLSX_CREATED})
            self._books[name] = book
            self._rows[name] = 0
            self._new_sheet(name, table, 1)

    def _new_sheet(self, name: str, table: Table, number: int) -> None:
        if name in self._sheets:
            self._sheets[name].close()
        sheet = self._books[name].add_worksheet(name if number == 1 else f"{name}_{number}")
        sheet.freeze_panes(1, 0)
        self._sheets[name] = SheetRows(sheet, len(table.fields))
        self._sheets[name].write(table.field_names)

    def feed(self, table: str, row: dict[str, Any]) -> None:
        self._rows[table] += 1
        rows_per_sheet = XLSX_MAX_ROWS - 1
        if self._rows[table] > rows_per_sheet and self._rows[table] % rows_per_sheet == 1:
            self._new_sheet(table, self.tables[table], self._rows[table] // rows_per_sheet + 1)
        self._sheets[table].write(row.values())

    def finish(self) -> list[str]:
        for name, book in self._books.items():
            self._sheets[name].close()
            notes = SheetRows(book.add_worksheet("字段说明"), 4)
            notes.write(("字段名", "中文名", "类型", "说明"))
            for spec in self.tables[name].fields:
                notes.write((spec.name, spec.title, spec.type, spec.descriptor.get("description")))
            notes.close()
            book.close()
        self._books = {}
        self._sheets = {}
        return super().finish()

    def close(self) -> None:
        # A failed build (even before setup ran): drop the workbooks' temporary files.
        for book in getattr(self, "_books", {}).values():
            with contextlib.suppress(Exception):
                book.close()
        self._books = {}
        self._sheets = {}


XLSX_CREATED = dt.datetime(1980, 1, 1)
"""The creation and modification date every download workbook states."""


XLSX_ZIP_TIME = (1980, 1, 31, 0, 0, 0)
"""The timestamp XlsxWriter gives every member of a workbook's zip (fixed, not the clock)."""


XLSX_OPTIONS = {"constant_memory": True, "strings_to_numbers": False,
                "strings_to_formulas": False, "strings_to_urls": False}  # fmt: skip
"""XlsxWriter's workbook options: rows streamed to disk, text never read as anything else."""


class ParquetExporter(Exporter):
    """``<table>.parquet``: typed columns (text, int64, date32), no pandas metadata.

    Dates are ``date32``; ``datetime`` fields stay ISO text, because exports mix local
    times with and without an offset. Rows are written in row groups of
    :data:`PARQUET_GROUP_ROWS`, each as soon as it is full, so memory does not grow with the
    table (a table no longer than that is one ``pyarrow.parquet.write_table`` call).
    """

    FILE_NAME = "{table}.parquet"
    TITLE = "Apache Parquet"
    MIME_TYPE = FORMATS["parquet"][1]
    FORMAT = "parquet"

    def setup(self) -> None:
        self._columns: dict[str, dict[str, list[Any]]] = {
            name: {f: [] for f in table.field_names} for name, table in self.tables.items()
        }
        self._pending = dict.fromkeys(self.tables, 0)
        self._writers: dict[str, Any] = {}

    def feed(self, table: str, row: dict[str, Any]) -> None:
        columns = self._columns[table]
        for name, value in row.items():
            columns[name].append(value)
        self._pending[table] += 1
        if self._pending[table] == PARQUET_GROUP_ROWS:
            self._write_group(table)

    def _write_group(self, name: str) -> None:
        """Write the rows fed since the last group as one row group of ``name``'s file."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = self.tables[name]
        arrays = []
        fields = []
        for spec in table.fields:
            values = self._columns[name][spec.name]
            if spec.type == "integer":
                kind = pa.int64()
            elif spec.type == "date":
                kind = pa.date32()
                values = [dt.date.fromisoformat(v) if v else None for v in values]
            else:
                kind = pa.string()
            metadata = {"title": spec.title, "publicity": spec.publicity}
            fields.append(pa.field(spec.name, kind, metadata=metadata))
            arrays.append(pa.array(values, type=kind))
        schema = pa.schema(fields, metadata={"table": name, "title": table.title})
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(
                self.path_for(name), schema, compression="zstd", write_statistics=True
            )
        self._writers[name].write_table(pa.Table.from_arrays(arrays, schema=schema))
        self._columns[name] = {f: [] for f in table.field_names}
        self._pending[name] = 0

    def finish(self) -> list[str]:
        for name in self.tables:
            if self._pending[name] or name not in self._writers:
                self._write_group(name)  # an empty table is a file with its schema
        self.close()
        return super().finish()

    def close(self) -> None:
        for writer in getattr(self, "_writers", {}).values():
            writer.close()
        self._writers = {}
        self._columns = {}


PARQUET_GROUP_ROWS = 65_536
"""Rows per Parquet row group: what the Parquet lane holds at once, whatever the size."""


class SQLiteExporter(Exporter):
    """``gongkai.sqlite``: a table per kind, field descriptions, and a Chinese FTS5 index.

    Column types follow the schema (``TEXT`` keeps identifiers' leading zeros); ``rowid``
    numbers each table's rows in primary-key order, and ``results_fts`` (contentless, its
    text pre-segmented by :func:`segment_text`) uses the same ``rowid`` as ``results``.
    The database is built in a scratch file, vacuumed into place with a fixed page size,
    and contains no timestamp.
    """

    FILE_NAME = SQLITE_FILE
    TITLE = "SQLite 数据库（含全文检索）"
    MIME_TYPE = FORMATS["sqlite"][1]
    FORMAT = "sqlite"

    def path_for(self, table: str) -> Path:
        return self.folder / SQLITE_FILE

    def setup(self) -> None:
        self._scratch = self.folder / f".{SQLITE_FILE}.{os.getpid()}.tmp"
        self._scratch.unlink(missing_ok=True)
        self._db = sqlite3.connect(self._scratch, isolation_level=None)
        self._db.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("BEGIN")
        for table in self.tables.values():
            self._db.execute(_create_table_sql(table))
        columns = ", ".join(FTS_COLUMNS)
        self._db.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        self._db.execute(
            "CREATE TABLE gongkai_fields (table_name TEXT NOT NULL, position INTEGER NOT NULL, "
            "name TEXT NOT NULL, title TEXT, type TEXT, description TEXT, publicity TEXT, "
            "PRIMARY KEY (table_name, position))"
        )
        self._db.execute("CREATE TABLE gongkai_release (key TEXT PRIMARY KEY, value TEXT)")
        self._inserts = {
            name: f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(t.fields))})'
            for name, t in self.tables.items()
        }
        self._fts_insert = (
            f"INSERT INTO {FTS_TABLE} (rowid, {columns}) VALUES (?{', ?' * len(FTS_COLUMNS)})"
        )
        self._rowids = {name: 0 for name in self.tables}
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self._pending_fts: list[tuple[Any, ...]] = []
        self._segments: dict[str | None, str] = {}

    def feed(self, table: str, row: dict[str, Any]) -> None:
        self._rowids[table] += 1
        self._pending.setdefault(table, []).append(tuple(row.values()))
        if table == "results":
            segmented = [self._segmented(c, row.get(c)) for c in FTS_COLUMNS]
            self._pending_fts.append((self._rowids[table], *segmented))
        if len(self._pending[table]) >= SQLITE_BATCH:
            self._flush()

    def _segmented(self, column: str, text: str | None) -> str:
        """:func:`segment_text`, once per text in the columns that repeat a few values
        (:data:`FTS_REPEATED`: the same task or item on thousands of results)."""
        if column not in FTS_REPEATED:
            return segment_text(text)
        done = self._segments.get(text)
        if done is None:
            done = self._segments[text] = segment_text(text)
        return done

    def _flush(self) -> None:
        """Insert the rows fed so far in bulk (one ``executemany`` per table), in feed order."""
        for table, rows in self._pending.items():
            self._db.executemany(self._inserts[table], rows)
        if self._pending_fts:
            self._db.executemany(self._fts_insert, self._pending_fts)
        self._pending, self._pending_fts = {}, []

    def finish(self) -> list[str]:
        self._flush()
        db = self._db
        for name, table in self.tables.items():
            for position, spec in enumerate(table.fields, 1):
                db.execute(
                    "INSERT INTO gongkai_fields VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, position, spec.name, spec.title, spec.type,
                     spec.descriptor.get("description"), spec.publicity),
                )  # fmt: skip
        db.executemany("INSERT INTO gongkai_release VALUES (?, ?)", sorted(self.release.items()))
        for name, columns in (("results", ("uscc",)), ("results", ("task_id",)),
                              ("draws", ("task_id",)), ("tasks", ("plan_id",))):  # fmt: skip
            if name in self.tables:
                db.execute(
                    f'CREATE INDEX "{name}_{"_".join(columns)}" ON "{name}" ({", ".join(columns)})'
                )
        db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        db.execute(f"PRAGMA application_id = {SQLITE_APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SQLITE_USER_VERSION}")
        db.execute("COMMIT")
        target = self.folder / SQLITE_FILE
        target.unlink(missing_ok=True)
        db.execute("VACUUM INTO ?", (str(target),))
        self.close()
        _check_rowids(target, self.tables)
        return [SQLITE_FILE]

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            scratch.unlink(missing_ok=True)


def _create_table_sql(table: Table) -> str:
    """``CREATE TABLE`` with each column's Chinese name as a comment (SQLite keeps it)."""
    lines = []
    for spec in table.fields:
        sql_type = _SQL_TYPES.get(spec.type, "TEXT")
        required = " NOT NULL" if spec.name in table.primary_key else ""
        comment = " ".join(spec.title.split())
        lines.append(f'  "{spec.name}" {sql_type}{required}, -- {comment}')
    keys = ", ".join(f'"{k}"' for k in table.primary_key)
    lines.append(f"  PRIMARY KEY ({keys})" if keys else "  CHECK (1)")
    return f'CREATE TABLE "{table.name}" ( -- {table.title}\n' + "\n".join(lines) + "\n)"


def _check_rowids(path: Path, tables: Mapping[str, Table]) -> None:
    """Check that VACUUM kept ``rowid`` = row number, which ``results_fts`` relies on.

    Raises:
        BuildAbort: SQLite renumbered a table's rows.
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for name in tables:
            count, low, high = db.execute(
                f'SELECT count(*), min(rowid), max(rowid) FROM "{name}"'
            ).fetchone()
            if count and (low, high) != (1, count):
                raise BuildAbort(
                    f"SQLite 数据库中 {name} 表的 rowid 不连续，全文检索会错位；网站未发布"
                )
    finally:
        db.close()


EXPORTERS: dict[str, type[Exporter]] = {
    exporter.FILE_NAME: exporter
    for exporter in (CSVExporter, JSONExporter, XLSXExporter, ParquetExporter, SQLiteExporter)
}
"""Every exporter by the file it writes (``{table}`` standing for each table)."""
