"""Open data: the public tables as downloadable datasets, a data package and a release index.

``write_datasets`` writes, into one folder (published as ``SITE_DIR/data/``):

* for each table of :data:`TABLES`: ``<table>.csv`` (UTF-8 with BOM, formula triggers
  neutralised), ``<table>.json`` (an array of objects), ``<table>.xlsx`` (strings always
  stored as strings) and ``<table>.parquet``;
* ``gongkai.sqlite``: one table per kind, plus ``results_fts``, an FTS5 index over the
  results whose text is pre-segmented into Chinese character bigrams and single characters
  (see :func:`generator.publish.data.downloads.segment_text`), so a 2-character query finds
  what contains it;
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

Each format is an :class:`~generator.publish.data.exporters.Exporter` (``setup``, ``feed``,
``finish``, ``close``) listed in :data:`generator.publish.data.exporters.EXPORTERS` by its
``FILE_NAME``. The formats are independent shards (:data:`LANES`): each reads every row
once, in its own process when ``workers`` > 1 or on a Dask cluster
(:func:`generator.core.shards.run_shards`), and the bytes are the same either way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.core.errors import BuildAbort
from generator.core.outputs import Outputs, file_sha256
from generator.core.shards import Emit, run_shards
from generator.model.entities import Model
from generator.model.tables import (
    CHECKSUMS_FILE,
    DELTA_FILE,
    HISTORY_FILE,
    INDEX_FILE,
    TABLES,
    Table,
    ordered_rows,
    published_tables,
    table_fields,
)
from generator.publish.data.catalog import CATALOG_FILES, write_catalog
from generator.publish.data.derived import DerivedTable, neutralise_csv_cell
from generator.publish.data.downloads import (
    DATAPACKAGE_FILE,
    FORMATS,
    PERIOD_FIELDS,
    SQLITE_FILE,
    Download,
    OpenDataSettings,
    Release,
    ReleaseNotesWriter,
)
from generator.publish.data.exporters import EXPORTERS, CSVExporter

SHORT_HASH = 8
"""Hex digits of the content hash in a release version."""

_CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True,
                "lineTerminator": "\r\n", "header": True}  # fmt: skip
_CONSTRAINT_KEYS = ("required", "unique", "enum", "pattern", "minimum", "maximum",
                    "minLength", "maxLength")  # fmt: skip


# Tables


def table_schema(table: Table, *, neutralised: Iterable[str] = ()) -> dict[str, Any]:
    """The published Table Schema of a table's CSV.

    Only standard Table Schema keys and the custom ``publicity``, ``separator`` and
    ``itemEnum`` (a multi-valued field: the items its cells join, and the values each may
    take) are kept; header synonyms and the other ingest settings are not published.

    Args:
        table: The table.
        neutralised: Fields in which some CSV cell got the
            :data:`generator.publish.data.derived.CSV_GUARD`; their ``pattern`` then also
            accepts the guarded form.
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
        if spec.separator:  # a multi-valued field: its pattern checks every item
            descriptor["separator"] = spec.separator
            if spec.enum:
                descriptor["itemEnum"] = list(spec.enum)
        descriptor["publicity"] = spec.publicity
        fields.append(descriptor)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return schema


# Writing a release


def write_datasets(
    model: Model,
    folder: Path,
    settings: OpenDataSettings,
    *,
    sources: Sequence[str] = (),
    notes: ReleaseNotesWriter | None = None,
    derived: Sequence[DerivedTable] = (),
    workers: int = 1,
    scheduler: str | None = None,
) -> Release:
    """Write every download, ``datapackage.json``, ``index.json`` and ``SHA256SUMS``.

    Args:
        model: The published model; only ``model.tables`` is read.
        folder: An empty or missing folder; published as ``SITE_DIR/data/``.
        settings: Licence, publisher and sources
            (:func:`generator.publish.data.downloads.open_data_settings`).
        sources: The export files read (paths from the quality report); the data package's
            ``sources`` when the settings name none.
        notes: Writes the release history and delta (``generator.model.releases.ReleaseNotes``).
        derived: Tables computed from the data (``statistics.csv``), one CSV each.
        workers: Local processes: each format is written by one (:data:`LANES`); the bytes
            do not depend on it.
        scheduler: A Dask scheduler's address: write the formats on that cluster instead
            (:func:`generator.core.shards.run_shards`).

    Returns:
        The release, for the pages that list the downloads.

    Raises:
        BuildAbort: an exporter failed; nothing written may be published.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = published_tables()
    rows = {name: ordered_rows(table, model.tables.get(name, [])) for name, table in tables.items()}
    counts = {name: len(rows[name]) for name in TABLES}
    release_meta = {"data_as_of": model.data_as_of or "", "license": settings.license["name"]}

    shared = (tables, rows, release_meta, tuple(derived))
    written: list[str] = []
    neutralised: dict[str, set[str]] = {}
    content_hash = ""
    # Each format's files are hashed as they are handed over, in the lane that made them.
    lanes = Outputs(folder)
    try:
        for lane in run_shards(_write_format, shared, LANES, lanes, workers=workers,
                               scheduler=scheduler):  # fmt: skip
            written += lane["files"]
            neutralised.update(lane.get("neutralised", {}))
            content_hash = lane.get("content_hash", content_hash)
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise BuildAbort(f"开放数据文件写入失败，网站未发布：{exc}") from exc
    version = release_version(model.data_as_of, content_hash)

    index_fields: dict[str, Any] = {}
    if notes is not None:
        written += notes.write(folder, version=version, data_as_of=model.data_as_of, counts=counts)
        index_fields = notes.index_fields()
    extra = {f"{t.name}.csv": t for t in derived}
    known = lanes.written.hashes
    downloads = [_download(folder, path, tables, extra, known.get(path)) for path in _ordered(written)]
    sources_ = list(settings.sources) or [{"title": f"导出文件 {s}"} for s in sorted(sources)]
    package = _datapackage(
        tables, downloads, neutralised, rows, settings, version,
        model.data_as_of, sources_, extra,
    )  # fmt: skip
    _write_json(folder / DATAPACKAGE_FILE, package)
    downloads.append(_download(folder, DATAPACKAGE_FILE, tables))
    index = {**_index(version, model.data_as_of, content_hash, counts, downloads), **index_fields}
    _write_json(folder / INDEX_FILE, index)
    downloads.append(_download(folder, INDEX_FILE, tables))
    release = Release(
        version=version,
        data_as_of=model.data_as_of,
        content_hash=content_hash,
        counts=counts,
        downloads=tuple(downloads),
        settings=settings,
        tables=tables,
        period=_period(rows),
    )
    # The catalogue describes every file above; SHA256SUMS, written last, covers it too.
    downloads += [_download(folder, path, tables) for path in write_catalog(folder, release)]
    sums = "".join(f"{d.sha256}  {d.path}\n" for d in sorted(downloads, key=lambda d: d.path))
    (folder / CHECKSUMS_FILE).write_bytes(sums.encode("ascii"))
    downloads.append(_download(folder, CHECKSUMS_FILE, tables))
    return dataclasses.replace(release, downloads=tuple(downloads))


LANES = ("sqlite", "xlsx", "csv", "json", "parquet")
"""The formats, each written by one process, the slowest first (so two processes finish
together): every format reads all rows once, so none waits for another."""
VERSIONED_LANE = "sqlite"
"""The format that records the release's version (its ``gongkai_release`` table). Its lane
also computes the content hash the version is made from, over the same rows, so that no
format waits for the hash: it is a sixth of the downloads' work at a province."""
DERIVED_LANE = "csv"
"""The lane that also writes the derived tables (``statistics.csv`` and its members)."""


def _write_format(
    shared: tuple[
        Mapping[str, Table],
        Mapping[str, list[dict[str, Any]]],
        dict[str, str],
        Sequence[DerivedTable],
    ],
    fmt: str,
    emit: Emit,
) -> dict[str, Any]:
    """Write one format's files in a scratch folder and hand them to ``emit``."""
    tables, rows, release_meta, derived = shared
    kind = next(e for e in EXPORTERS.values() if e.FORMAT == fmt)
    lane: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"gongkai-{fmt}-") as scratch:
        folder = Path(scratch)
        exporter = kind(folder, tables, release_meta)
        try:
            exporter.setup()
            for name in TABLES:
                names = tables[name].field_names
                for row in rows[name]:
                    exporter.feed(name, table_fields(names, row))
            if fmt == VERSIONED_LANE:
                lane["content_hash"] = _content_hash(tables, rows, derived)
                version = release_version(release_meta["data_as_of"], lane["content_hash"])
                exporter.release["version"] = version
            files = exporter.finish()
        finally:
            exporter.close()
        if fmt == DERIVED_LANE:
            for table in derived:
                table.write_csv(folder / f"{table.name}.csv")
                files.append(f"{table.name}.csv")
        for name in files:
            emit(name, folder / name)
    lane["files"] = files
    if isinstance(exporter, CSVExporter):
        lane["neutralised"] = exporter.neutralised
    return lane


def _period(rows: Mapping[str, list[dict[str, Any]]]) -> tuple[str, str] | None:
    """The first and last of the :data:`PERIOD_FIELDS` dates in the published rows."""
    days = [
        str(row[name])
        for table, names in PERIOD_FIELDS.items()
        for row in rows.get(table, [])
        for name in names
        if _ISO_DAY.fullmatch(str(row.get(name) or ""))
    ]
    return (min(days), max(days)) if days else None


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
        names = table.field_names
        for row in rows[name]:
            digest.update(json.dumps(table_fields(names, row), ensure_ascii=False).encode() + b"\n")
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
    sha256: str | None = None,
) -> Download:
    """The download ``path`` of ``folder``; ``sha256``, when given, is its bytes' hash."""
    size = (folder / path).stat().st_size
    sha256 = sha256 or file_sha256(folder / path)
    stem, _, suffix = path.rpartition(".")
    table = stem if stem in tables else None
    if path == CHECKSUMS_FILE:
        fmt, mediatype = "sha256sums", "text/plain"
    elif path in CATALOG_FILES:
        fmt, mediatype, title = CATALOG_FILES[path]
        return Download(path, fmt, mediatype, size, sha256, None, title)
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
    return Download(path, fmt, mediatype, size, sha256, table, title)


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
