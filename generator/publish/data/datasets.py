"""Open data: the public tables as downloadable datasets, a data package and a release index.

``write_datasets`` writes, into one folder (published as ``SITE_DIR/data/``):

* for each table of :data:`TABLES`: ``<table>.csv`` (UTF-8 with BOM, formula triggers
  neutralised), ``<table>.json`` (an array of objects), ``<table>.xlsx`` (strings always
  stored as strings) and ``<table>.parquet``;
* ``gongkai.sqlite``: one table per kind, plus ``results_fts``, an FTS5 index over the
  results whose text is pre-segmented into Chinese character bigrams and single characters
  (see :func:`segment_text`), so a 2-character query finds what contains it;
* ``datapackage.json`` (Frictionless Data Package: every CSV with its Table Schema, every
  other file as a ``file`` resource, each with ``bytes`` and ``hash``), ``index.json`` (the
  release: version, data-as-of, counts, resources and hashes) and ``SHA256SUMS``.

Only :attr:`generator.model.entities.Model.tables` goes in, which holds public and masked fields
only; the published Table Schemas likewise leave out withheld and internal fields, so their
names appear in no download either. Every file is a function of the data, the schemas and
the settings: rows are sorted by primary key, JSON keys are in schema order, workbooks carry
fixed properties and zip timestamps, Parquet files carry no pandas metadata or clock, and
the SQLite database is written in one order, vacuumed, with a fixed page size. The date in
the version and in ``created`` is the data's own "as of" date, never the clock's.

Each format is an :class:`Exporter` (``setup``, ``feed``, ``finish``, ``close``) listed in
:data:`EXPORTERS` by its ``FILE_NAME``; every record is fed once to every exporter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from generator.core.errors import BuildAbort, ConfigError
from generator.core.workbook import save_workbook
from generator.model.entities import Model
from generator.model.tables import (
    CHECKSUMS_FILE,
    DELTA_FILE,
    HISTORY_FILE,
    INDEX_FILE,
    TABLES,
    Table,
    published_tables,
    sorted_rows,
)

DATAPACKAGE_FILE = "datapackage.json"
SQLITE_FILE = "gongkai.sqlite"
FTS_TABLE = "results_fts"
FTS_COLUMNS = ("entity_name", "uscc", "item", "outcome", "authority", "task_name")
"""The results columns indexed for full-text search in :data:`FTS_TABLE`."""
FTS_EXAMPLE = "食品"
"""The 2-character query of the example on the 开放数据 page (and in the tests)."""

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
"""A CSV text cell starting with one of these gets a leading ``'`` (OWASP CSV injection).

The first six make spreadsheets read the cell as a formula. ``'`` itself is on the list so
that the rule can be undone exactly: a text cell that starts with ``'`` had one added."""
CSV_GUARD = "'"

DEFAULT_LICENSE = "CC-BY-4.0"
LICENSES: dict[str, dict[str, str]] = {
    "CC-BY-4.0": {
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "知识共享 署名 4.0 国际（CC BY 4.0）",
    },
    "CC-BY-SA-4.0": {
        "path": "https://creativecommons.org/licenses/by-sa/4.0/",
        "title": "知识共享 署名-相同方式共享 4.0 国际（CC BY-SA 4.0）",
    },
    "CC0-1.0": {
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "title": "CC0 1.0 公有领域贡献",
    },
    "ODC-BY-1.0": {
        "path": "https://opendatacommons.org/licenses/by/1-0/",
        "title": "开放数据共享署名许可 1.0（ODC-By）",
    },
    "ODbL-1.0": {
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "开放数据库许可 1.0（ODbL）",
    },
    "PDDL-1.0": {
        "path": "https://opendatacommons.org/licenses/pddl/1-0/",
        "title": "开放数据共享公有领域贡献和许可 1.0（PDDL）",
    },
}
"""Licences known by SPDX id; ``extra.license`` may also give ``{name, path, title}``."""

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
    "sqlite": ("SQLite", "application/vnd.sqlite3"),
}
"""Format → (label shown on the 开放数据 page, media type)."""

XLSX_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet, header included; longer tables continue on more sheets."""
SQLITE_PAGE_SIZE = 4096
SQLITE_APPLICATION_ID = 0x676B6169  # "gkai"
SQLITE_USER_VERSION = 1
"""Bumped whenever the layout of ``gongkai.sqlite`` changes incompatibly."""
SHORT_HASH = 8
"""Hex digits of the content hash in a release version."""

_CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True,
                "lineTerminator": "\r\n", "header": True}  # fmt: skip
_CONSTRAINT_KEYS = ("required", "unique", "enum", "pattern", "minimum", "maximum",
                    "minLength", "maxLength")  # fmt: skip
_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
# Characters XML 1.0 cannot hold, which openpyxl refuses; Excel cannot store them either.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RUN = re.compile(r"[^\W_]+")
_UNIT = re.compile(r"[0-9a-z]+|.", re.DOTALL)


# Settings


@dataclass(frozen=True)
class OpenDataSettings:
    """What the data package says about itself: licence, publisher, sources, address.

    Read from ``mkdocs.yml`` by :func:`open_data_settings`.
    """

    title: str
    """The dataset's title: the site name."""
    publisher: str
    """Who publishes the data (``extra.publisher``; the site name by default)."""
    license: dict[str, str] = field(
        default_factory=lambda: dict(LICENSES[DEFAULT_LICENSE], name=DEFAULT_LICENSE)
    )
    """``{name, path, title}`` of the licence (``extra.license``; CC BY 4.0 by default)."""
    site_url: str | None = None
    """The site's public address (``site_url``): makes links in the JSON-LD absolute."""
    sources: tuple[dict[str, str], ...] = ()
    """``[{title, path?}]`` (``extra.sources``); by default one per export file read."""
    description: str = ""
    """One paragraph about the data (``site_description``)."""


def open_data_settings(
    extra: Mapping[str, Any],
    *,
    site_name: str,
    site_url: str | None = None,
    site_description: str | None = None,
) -> OpenDataSettings:
    """Read the open-data settings from MkDocs' ``extra`` section.

    ``extra.license`` is an SPDX id from :data:`LICENSES` or a mapping with ``name``,
    ``path`` (an http(s) URL) and ``title``; ``extra.publisher`` a name; ``extra.sources``
    a list of ``{title, path}``. Each is optional.

    Raises:
        ConfigError: a setting has the wrong shape; the message names the bad value.
    """
    license_ = _license(extra.get("license", DEFAULT_LICENSE))
    publisher = extra.get("publisher") or site_name
    if not isinstance(publisher, str) or not publisher.strip():
        raise ConfigError(f"mkdocs.yml 中 extra.publisher 应为发布机构名称，而不是 {publisher!r}")
    sources_value = extra.get("sources") or []
    if not isinstance(sources_value, list):
        raise ConfigError(f"mkdocs.yml 中 extra.sources 应为列表，而不是 {sources_value!r}")
    sources = []
    for source in sources_value:
        if not isinstance(source, dict) or not isinstance(source.get("title"), str):
            raise ConfigError(f"mkdocs.yml 中 extra.sources 的每一项都需要 title：{source!r}")
        if source.get("path") is not None and not _is_http(source["path"]):
            raise ConfigError(f"mkdocs.yml 中 extra.sources 的 path 应为 http(s) 网址：{source!r}")
        sources.append({k: str(source[k]) for k in ("title", "path") if source.get(k)})
    if site_url is not None and not _is_http(site_url):
        raise ConfigError(f"site_url 应为 http(s) 网址，而不是 {site_url!r}")
    return OpenDataSettings(
        title=site_name,
        publisher=publisher.strip(),
        license=license_,
        site_url=site_url.rstrip("/") + "/" if site_url else None,
        sources=tuple(sources),
        description=site_description or "",
    )


def _license(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        if value not in LICENSES:
            known = "、".join(LICENSES)
            raise ConfigError(
                f"mkdocs.yml 中 extra.license 的取值 {value!r} 无法识别；请用 {known} 之一，"
                "或写成 {name, path, title}"
            )
        return {"name": value, **LICENSES[value]}
    if isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("name", "path")):
        if not _is_http(value["path"]):
            raise ConfigError(
                f"mkdocs.yml 中 extra.license.path 应为 http(s) 网址：{value['path']!r}"
            )
        return {"name": value["name"], "path": value["path"],
                "title": str(value.get("title") or value["name"])}  # fmt: skip
    raise ConfigError(
        f"mkdocs.yml 中 extra.license 应为许可协议代码或 {{name, path, title}}：{value!r}"
    )


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"https?://[^\s<>\"']+", value) is not None


# Tables


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
    rows: tuple[dict[str, Any], ...]

    def schema(self) -> dict[str, Any]:
        """The Table Schema of its CSV."""
        return {"fields": [dict(f) for f in self.fields], "missingValues": [""],
                "primaryKey": list(self.primary_key)}  # fmt: skip

    def csv_bytes(self) -> bytes:
        """The CSV as the tables' CSVs are written: BOM, CRLF, formula triggers guarded."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        names = [f["name"] for f in self.fields]
        writer.writerow(names)
        for row in self.rows:
            writer.writerow([_derived_cell(row.get(name)) for name in names])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _derived_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        return neutralise_csv_cell(value)
    return str(value)


def table_schema(table: Table, *, neutralised: Iterable[str] = ()) -> dict[str, Any]:
    """The published Table Schema of a table's CSV.

    Only standard Table Schema keys and the custom ``publicity`` are kept; header synonyms
    and the other ingest settings are not part of the published data.

    Args:
        table: The table.
        neutralised: Fields in which some CSV cell got the :data:`CSV_GUARD`; their
            ``pattern`` then also accepts the guarded form.
    """
    relaxed = set(neutralised)
    fields = []
    for spec in table.fields:
        descriptor: dict[str, Any] = {
            "name": spec.name,
            "title": spec.title,
            "type": spec.type,
        }
        if spec.descriptor.get("description"):
            descriptor["description"] = spec.descriptor["description"]
        if spec.descriptor.get("format"):
            descriptor["format"] = spec.descriptor["format"]
        given = spec.descriptor.get("constraints") or {}
        constraints = {k: given[k] for k in _CONSTRAINT_KEYS if k in given}
        if "enum" in constraints and spec.type == "string":
            constraints["enum"] = [neutralise_csv_cell(v) for v in constraints["enum"]]
        if "pattern" in constraints and spec.name in relaxed:
            constraints["pattern"] = f"'?(?:{constraints['pattern']})"
        if constraints:
            descriptor["constraints"] = constraints
        descriptor["publicity"] = spec.publicity
        fields.append(descriptor)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return schema


def neutralise_csv_cell(value: str) -> str:
    """A text cell as written to CSV: with a leading ``'`` when it starts with a trigger.

    >>> neutralise_csv_cell('=HYPERLINK("http://x")'), neutralise_csv_cell("示例")
    ('\\'=HYPERLINK("http://x")', '示例')
    """
    return CSV_GUARD + value if value.startswith(CSV_TRIGGERS) else value


def restore_csv_cell(value: str) -> str:
    """Undo :func:`neutralise_csv_cell`: drop one leading ``'`` from a text cell."""
    return value[1:] if value.startswith(CSV_GUARD) else value


# Full-text search


def segment_text(text: str | None) -> str:
    """Pre-segment text for the FTS5 index: per run, its bigrams, then its single units.

    Text is NFKC-normalised and lower-cased, then cut into runs of letters and digits; a
    *unit* is an ASCII letter/digit stretch (a credit code, ``ktv``) or one other character
    (a Han character). Bigrams come first so that the bigrams of a longer query are adjacent,
    which lets a phrase query match them in order (see :func:`fts_query`).

    >>> segment_text("示例县酒楼（KTV）")
    '示例 例县 县酒 酒楼 示 例 县 酒 楼 ktv'
    """
    tokens: list[str] = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        units = _UNIT.findall(run)
        tokens += [a + b for a, b in itertools.pairwise(units)]
        tokens += units
    return " ".join(tokens)


def fts_query(text: str) -> str:
    """An FTS5 ``MATCH`` expression that finds rows whose indexed text contains ``text``.

    One unit is searched as itself, a longer run as the phrase of its bigrams, and several
    runs (words separated by spaces or punctuation) must all match.

    >>> fts_query("酒楼"), fts_query("食品销售 示例县")
    ('"酒楼"', '"食品 品销 销售" AND "示例 例县"')
    """
    parts = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower()):
        units = _UNIT.findall(run)
        tokens = [a + b for a, b in itertools.pairwise(units)] or units
        parts.append('"' + " ".join(tokens) + '"')
    return " AND ".join(parts)


# Downloads and the release


@dataclass(frozen=True)
class Download:
    """One published file, relative to the data folder."""

    path: str
    format: str
    mediatype: str
    bytes: int
    sha256: str
    table: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Release:
    """What one build published: version, date, counts and every download."""

    version: str
    data_as_of: str | None
    content_hash: str
    counts: dict[str, int]
    downloads: tuple[Download, ...]
    settings: OpenDataSettings
    tables: dict[str, Table] = field(repr=False)

    def download(self, path: str) -> Download:
        """The download at ``path``."""
        for item in self.downloads:
            if item.path == path:
                return item
        raise KeyError(path)

    @property
    def created(self) -> str | None:
        """The release's date as an RFC 3339 timestamp: midnight UTC of the data's date."""
        return f"{self.data_as_of}T00:00:00Z" if self.data_as_of else None


class ReleaseNotesWriter(Protocol):
    """Writes the release history once the release has its version."""

    def write(self, folder: Path, *, version: str, data_as_of: str | None,
              counts: Mapping[str, int]) -> list[str]: ...  # fmt: skip

    def index_fields(self) -> dict[str, Any]: ...


# Exporters


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

    def __init__(self, folder: Path, tables: Mapping[str, Table]) -> None:
        self.folder = folder
        self.tables = tables

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

    What XML cannot hold is changed: control characters become U+FFFD and carriage returns
    line feeds (documented on the 开放数据 page).

    A second sheet, 字段说明, lists each column's Chinese name, type and description.
    Workbook properties and zip timestamps are fixed, so the bytes depend on the data only.
    """

    FILE_NAME = "{table}.xlsx"
    TITLE = "Excel 工作簿（XLSX）"
    MIME_TYPE = FORMATS["xlsx"][1]
    FORMAT = "xlsx"

    def setup(self) -> None:
        from openpyxl import Workbook

        self._books: dict[str, Any] = {}
        self._sheets: dict[str, Any] = {}
        self._rows: dict[str, int] = {}
        for name, table in self.tables.items():
            book = Workbook(write_only=True)
            self._books[name] = book
            self._rows[name] = 0
            self._new_sheet(name, table, 1)

    def _new_sheet(self, name: str, table: Table, number: int) -> None:
        sheet = self._books[name].create_sheet(name if number == 1 else f"{name}_{number}")
        sheet.freeze_panes = "A2"
        sheet.append([self._cell(sheet, n) for n in table.field_names])
        self._sheets[name] = sheet

    @staticmethod
    def _cell(sheet: Any, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        if isinstance(value, str):
            # XML turns a bare CR into LF on reading (unless the writer escapes it, which
            # openpyxl does only with lxml): write LF, the same with or without lxml.
            text = value.replace("\r\n", "\n").replace("\r", "\n")
            cell = WriteOnlyCell(sheet, value=_XML_ILLEGAL.sub("\ufffd", text))
            # Assigning a value that starts with "=" makes openpyxl write a formula; the
            # explicit type makes it an inline string whatever the text.
            cell.data_type = "s"
            return cell
        return WriteOnlyCell(sheet, value=value)

    def feed(self, table: str, row: dict[str, Any]) -> None:
        self._rows[table] += 1
        rows_per_sheet = XLSX_MAX_ROWS - 1
        if self._rows[table] > rows_per_sheet and self._rows[table] % rows_per_sheet == 1:
            self._new_sheet(table, self.tables[table], self._rows[table] // rows_per_sheet + 1)
        sheet = self._sheets[table]
        sheet.append([self._cell(sheet, v) for v in row.values()])

    def finish(self) -> list[str]:
        for name, book in self._books.items():
            table = self.tables[name]
            notes = book.create_sheet("字段说明")
            notes.append([self._cell(notes, h) for h in ("字段名", "中文名", "类型", "说明")])
            for spec in table.fields:
                values = (spec.name, spec.title, spec.type, spec.descriptor.get("description"))
                notes.append([self._cell(notes, v) for v in values])
            save_workbook(book, self.path_for(name))
        self._books = {}
        return super().finish()

    def close(self) -> None:
        self._books = {}
        self._sheets = {}


class ParquetExporter(Exporter):
    """``<table>.parquet``: typed columns (text, int64, date32), no pandas metadata.

    Dates are ``date32``; ``datetime`` fields stay ISO text, because exports mix local
    times with and without an offset.
    """

    FILE_NAME = "{table}.parquet"
    TITLE = "Apache Parquet"
    MIME_TYPE = FORMATS["parquet"][1]
    FORMAT = "parquet"

    def setup(self) -> None:
        self._columns: dict[str, dict[str, list[Any]]] = {
            name: {f: [] for f in table.field_names} for name, table in self.tables.items()
        }

    def feed(self, table: str, row: dict[str, Any]) -> None:
        columns = self._columns[table]
        for name, value in row.items():
            columns[name].append(value)

    def finish(self) -> list[str]:
        import datetime as dt

        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, table in self.tables.items():
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
            pq.write_table(
                pa.Table.from_arrays(arrays, schema=schema),
                self.path_for(name),
                compression="zstd",
                write_statistics=True,
            )
        self._columns = {}
        return super().finish()

    def close(self) -> None:
        self._columns = {}


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

    def __init__(self, folder: Path, tables: Mapping[str, Table], release: dict[str, str]) -> None:
        super().__init__(folder, tables)
        self.release = release

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

    def feed(self, table: str, row: dict[str, Any]) -> None:
        self._rowids[table] += 1
        self._db.execute(self._inserts[table], tuple(row.values()))
        if table == "results":
            segmented = [segment_text(row.get(c)) for c in FTS_COLUMNS]
            self._db.execute(self._fts_insert, (self._rowids[table], *segmented))

    def finish(self) -> list[str]:
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


# Writing a release


def write_datasets(
    model: Model,
    folder: Path,
    settings: OpenDataSettings,
    *,
    sources: Sequence[str] = (),
    notes: ReleaseNotesWriter | None = None,
    derived: Sequence[DerivedTable] = (),
) -> Release:
    """Write every download, ``datapackage.json``, ``index.json`` and ``SHA256SUMS``.

    Args:
        model: The published model; only ``model.tables`` is read.
        folder: An empty or missing folder; published as ``SITE_DIR/data/``.
        settings: Licence, publisher and sources (:func:`open_data_settings`).
        sources: The export files read (paths from the quality report); the data package's
            ``sources`` when the settings name none.
        notes: Writes the release history and delta (``generator.model.releases.ReleaseNotes``).
        derived: Tables computed from the data (``statistics.csv``), one CSV each.

    Returns:
        The release, for the pages that list the downloads.

    Raises:
        BuildAbort: an exporter failed; nothing written may be published.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = published_tables()
    rows = {name: sorted_rows(table, model.tables.get(name, [])) for name, table in tables.items()}
    counts = {name: len(rows[name]) for name in TABLES}
    content_hash = _content_hash(tables, rows, derived)
    version = release_version(model.data_as_of, content_hash)
    release_meta = {"version": version, "data_as_of": model.data_as_of or "",
                    "license": settings.license["name"]}  # fmt: skip

    csv_exporter = CSVExporter(folder, tables)
    exporters: list[Exporter] = [
        csv_exporter,
        JSONExporter(folder, tables),
        XLSXExporter(folder, tables),
        ParquetExporter(folder, tables),
        SQLiteExporter(folder, tables, release_meta),
    ]
    written: list[str] = []
    try:
        for exporter in exporters:
            exporter.setup()
        # One pass: each row goes to every exporter before the next row.
        for name in TABLES:
            for row in rows[name]:
                for exporter in exporters:
                    exporter.feed(name, row)
        for exporter in exporters:
            written += exporter.finish()
        for table in derived:
            (folder / f"{table.name}.csv").write_bytes(table.csv_bytes())
            written.append(f"{table.name}.csv")
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise BuildAbort(f"开放数据文件写入失败，网站未发布：{exc}") from exc
    finally:
        for exporter in exporters:
            exporter.close()

    index_fields: dict[str, Any] = {}
    if notes is not None:
        written += notes.write(folder, version=version, data_as_of=model.data_as_of, counts=counts)
        index_fields = notes.index_fields()
    extra = {f"{t.name}.csv": t for t in derived}
    downloads = [_download(folder, path, tables, extra) for path in _ordered(written)]
    sources_ = list(settings.sources) or [{"title": f"导出文件 {s}"} for s in sorted(sources)]
    package = _datapackage(
        tables, downloads, csv_exporter.neutralised, rows, settings, version,
        model.data_as_of, sources_, extra,
    )  # fmt: skip
    _write_json(folder / DATAPACKAGE_FILE, package)
    downloads.append(_download(folder, DATAPACKAGE_FILE, tables))
    index = {**_index(version, model.data_as_of, content_hash, counts, downloads), **index_fields}
    _write_json(folder / INDEX_FILE, index)
    downloads.append(_download(folder, INDEX_FILE, tables))
    sums = "".join(f"{d.sha256}  {d.path}\n" for d in sorted(downloads, key=lambda d: d.path))
    (folder / CHECKSUMS_FILE).write_bytes(sums.encode("ascii"))
    downloads.append(_download(folder, CHECKSUMS_FILE, tables))
    return Release(
        version=version,
        data_as_of=model.data_as_of,
        content_hash=content_hash,
        counts=counts,
        downloads=tuple(downloads),
        settings=settings,
        tables=tables,
    )


def release_version(data_as_of: str | None, content_hash: str) -> str:
    """``YYYYMMDD-<hash>``: the data's date, then the first digits of its content hash.

    >>> release_version("2024-12-01", "3f9a1c2e77")
    '20241201-3f9a1c2e'
    """
    day = data_as_of.replace("-", "") if data_as_of else "00000000"
    return f"{day}-{content_hash[:SHORT_HASH]}"


def _content_hash(
    tables: Mapping[str, Table],
    rows: Mapping[str, list[dict[str, Any]]],
    derived: Sequence[DerivedTable] = (),
) -> str:
    """SHA-256 of the published schemas and rows as canonical JSON: not of any file's bytes,
    so a new library version that writes Parquet differently does not make a new version."""
    digest = hashlib.sha256()
    for name, table in tables.items():
        header = {"table": name, "schema": table_schema(table)}
        digest.update(json.dumps(header, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        for row in rows[name]:
            digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    for extra in derived:
        header = {"table": extra.name, "schema": extra.schema()}
        digest.update(json.dumps(header, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        for row in extra.rows:
            digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def _ordered(paths: Iterable[str]) -> list[str]:
    """Per table, its formats in :data:`FORMATS` order; the database last."""
    order = {fmt: n for n, fmt in enumerate(FORMATS)}

    def key(path: str) -> tuple[int, int, str]:
        stem, _, suffix = path.rpartition(".")
        table = TABLES.index(stem) if stem in TABLES else len(TABLES)
        return (table, order.get(suffix, len(order)), path)

    return sorted(set(paths), key=key)


def _download(
    folder: Path,
    path: str,
    tables: Mapping[str, Table],
    derived: Mapping[str, DerivedTable] | None = None,
) -> Download:
    data = (folder / path).read_bytes()
    stem, _, suffix = path.rpartition(".")
    table = stem if stem in tables else None
    if path == CHECKSUMS_FILE:
        fmt, mediatype = "sha256sums", "text/plain"
    elif path in (DATAPACKAGE_FILE, INDEX_FILE, HISTORY_FILE):
        fmt, mediatype = "json", "application/json"
    elif path == DELTA_FILE:
        fmt, mediatype = "jsonl", "application/jsonl"
    else:
        fmt, mediatype = suffix, FORMATS[suffix][1]
    if table:
        title = f"{tables[table].title}（{FORMATS[fmt][0]}）"
    elif derived and path in derived:
        title = f"{derived[path].title}（CSV）"
    elif path == SQLITE_FILE:
        title = "全部数据表与检查结果全文检索（SQLite）"
    else:
        title = {DATAPACKAGE_FILE: "数据包描述（Frictionless Data Package）",
                 INDEX_FILE: "版本信息", CHECKSUMS_FILE: "SHA-256 校验和",
                 HISTORY_FILE: "发布历史：各版本、更正与撤回",
                 DELTA_FILE: "与上一版相比的变更（JSON Lines：ADD / MOD / DEL）"}[path]  # fmt: skip
    return Download(path, fmt, mediatype, len(data), hashlib.sha256(data).hexdigest(), table, title)


def _datapackage(
    tables: Mapping[str, Table],
    downloads: list[Download],
    neutralised: Mapping[str, set[str]],
    rows: Mapping[str, list[dict[str, Any]]],
    settings: OpenDataSettings,
    version: str,
    data_as_of: str | None,
    sources: list[dict[str, str]],
    derived: Mapping[str, DerivedTable] | None = None,
) -> dict[str, Any]:
    resources = []
    for item in downloads:
        resource: dict[str, Any] = {
            "name": item.path.replace(".", "-").lower(),
            "title": item.title,
            "path": item.path,
            "format": item.format,
            "mediatype": item.mediatype,
            "bytes": item.bytes,
            "hash": f"sha256:{item.sha256}",
        }
        if item.format == "csv" and item.table:
            table = tables[item.table]
            resource["name"] = item.table
            resource.update(
                type="table",
                description=table.description,
                encoding="utf-8-sig",
                dialect=dict(_CSV_DIALECT),
                schema=table_schema(table, neutralised=neutralised[item.table]),
            )
            foreign_keys = _holding_foreign_keys(table, rows)
            if foreign_keys:
                resource["schema"]["foreignKeys"] = foreign_keys
        elif derived and item.path in derived:
            extra = derived[item.path]
            resource.update(
                name=extra.name,
                type="table",
                description=extra.description,
                encoding="utf-8-sig",
                dialect=dict(_CSV_DIALECT),
                schema=extra.schema(),
            )
        else:
            # Not read as a table by validators: they check its size and hash only.
            resource["type"] = "file"
            if item.table:
                resource["gongkai:table"] = item.table
        resources.append(resource)
    package: dict[str, Any] = {
        "name": "gongkai",
        "title": settings.title,
        "description": settings.description
        or "“双随机、一公开”抽查事项、计划、任务、抽取记录、检查结果和合规手册。",
        "version": version,
        "licenses": [dict(settings.license)],
        "contributors": [{"title": settings.publisher, "role": "publisher"}],
        "sources": sources,
        "keywords": ["双随机、一公开", "市场监管", "随机抽查"],
        "gongkai:dataAsOf": data_as_of,
        "resources": resources,
    }
    if settings.site_url:
        package["homepage"] = settings.site_url
    if data_as_of:
        package["created"] = f"{data_as_of}T00:00:00Z"
    return package


def _holding_foreign_keys(
    table: Table, rows: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The table's foreign keys that the published rows satisfy (a declared key must hold)."""
    kept = []
    for key in table.foreign_keys:
        parent = key["reference"]["resource"]
        if parent not in rows:
            continue
        fields, parent_fields = key["fields"], key["reference"]["fields"]
        known = {tuple(r[f] for f in parent_fields) for r in rows[parent]}
        values = (tuple(r[f] for f in fields) for r in rows[table.name])
        if all(None in v or v in known for v in values):
            kept.append(key)
    return kept


def _index(
    version: str,
    data_as_of: str | None,
    content_hash: str,
    counts: dict[str, int],
    downloads: list[Download],
) -> dict[str, Any]:
    return {
        "version": version,
        "data_as_of": data_as_of,
        "created": f"{data_as_of}T00:00:00Z" if data_as_of else None,
        "content_hash": f"sha256:{content_hash}",
        "previous": None,
        "counts": counts,
        "datapackage": DATAPACKAGE_FILE,
        "checksums": CHECKSUMS_FILE,
        "resources": [
            {
                "path": d.path,
                "table": d.table,
                "format": d.format,
                "mediatype": d.mediatype,
                "bytes": d.bytes,
                "hash": f"sha256:{d.sha256}",
            }
            for d in downloads
        ],
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path.write_bytes(text.encode("utf-8"))
