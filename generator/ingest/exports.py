"""Read regulators' export files (XLSX or CSV) into header-mapped rows.

Everything here is about getting cells out of a file safely and finding the header:

* the format is sniffed from the content, never from the file name;
* CSV text is decoded strictly, ``utf-8-sig`` first, then ``gb18030``;
* XLSX is checked for zip bombs and XML entity tricks before openpyxl sees it, and
  openpyxl itself parses with defusedxml;
* merged cells are filled from their top-left cell; title rows above the header are skipped;
  one- and two-row headers are matched against every schema's titles and synonyms.

Withheld fields are dropped and masked fields masked here, at the door, so no later stage,
cache, log or report ever holds their raw values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import IngestError
from generator.core.publicity import mask_value
from generator.core.schemas import KindSchema, load_schemas
from generator.core.settings import ReadLimits
from generator.core.values import shared_text
from generator.ingest.sheets import RawSheet, read_sheet
from generator.ingest.text import lenient_rows

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
HEADER_SEARCH_ROWS = 20
TEMPLATE_MARKERS = ("请删除", "（示例）", "(示例)", "填写说明")


@dataclass
class Column:
    """One column of an export: where it is, its header as written, and the field it feeds."""

    index: int
    header: str
    field: str | None
    fallback: bool = False
    """A second column for a field already mapped: it fills only the rows where the first is blank
    (``统一社会信用代码`` and ``注册号`` side by side, as platform data-centre exports have them)."""


@dataclass
class SourceRow:
    """One data row: its spreadsheet row number and its values keyed by field name."""

    number: int
    values: dict[str, str | None]


@dataclass
class ExportTable:
    """A recognised export: its record kind, columns and data rows."""

    path: str
    format: str
    encoding: str | None
    kind: str
    columns: list[Column]
    rows: list[SourceRow]
    header_row: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    cleaned: list[tuple[int, str]] = field(default_factory=list)
    """(row number, column header) of the cells control characters were removed from."""

    def header_of(self, field_name: str) -> str:
        """The header text as written in the file for a field (falls back to the schema title)."""
        for column in self.columns:
            if column.field == field_name:
                return column.header
        return load_schemas()[self.kind].field(field_name).title


# Header location


@dataclass
class _HeaderGuess:
    kind: KindSchema
    start: int
    depth: int
    headers: list[str]
    fields: list[str | None]
    score: int


def _header_cells(rows: list[list[str | None]], width: int) -> list[str]:
    """Combine one or two header rows into one header text per column."""
    if len(rows) == 1:
        return [(rows[0][c] if c < len(rows[0]) else None) or "" for c in range(width)]
    upper, lower = rows
    combined = []
    for column in range(width):
        top = (upper[column] if column < len(upper) else None) or ""
        bottom = (lower[column] if column < len(lower) else None) or ""
        combined.append(bottom or top)
    return combined


def _guess(kind: KindSchema, headers: list[str]) -> tuple[int, list[str | None]]:
    fields: list[str | None] = []
    for text in headers:
        fields.append(kind.match_header(text) if text.strip() else None)
    score = len({f for f in fields if f})
    return score, fields


def locate_header(sheet: RawSheet) -> _HeaderGuess | None:
    """Find the header row (or two rows) and the record kind it belongs to."""
    schemas = load_schemas()
    candidates = sheet.rows[:HEADER_SEARCH_ROWS]
    best: _HeaderGuess | None = None
    for index in range(len(candidates)):
        for depth in (1, 2):
            block = [cells for _, cells in candidates[index : index + depth]]
            if len(block) < depth:
                continue
            width = max(len(cells) for cells in block)
            headers = _header_cells(block, width)
            non_empty = sum(1 for h in headers if h.strip())
            for kind in schemas.values():
                score, fields = _guess(kind, headers)
                if score < 2 or score * 2 < non_empty - sum(
                    1 for h in headers if h.strip() and kind.is_ignored(h)
                ):
                    continue
                guess = _HeaderGuess(kind, index, depth, headers, fields, score)
                if best is None or _rank(guess) > _rank(best):
                    best = guess
    return best


def _rank(guess: _HeaderGuess) -> tuple[float, ...]:
    """Most matched columns first, then the kind whose required columns are all there."""
    required = [f.name for f in guess.kind.fields if f.required and not f.derived and not f.derive_from]
    covered = sum(1 for name in required if name in guess.fields) / max(len(required), 1)
    return (guess.score, covered, -guess.depth, -guess.kind.rank, -guess.start)


def _is_template_row(cells: list[str | None]) -> bool:
    return any(cell and any(marker in cell for marker in TEMPLATE_MARKERS) for cell in cells)


def read_export(
    path: Path,
    display_path: str,
    corrections: Mapping[int, RowCorrection] | None = None,
    limits: ReadLimits | None = None,
) -> ExportTable:
    """Read one export file into an :class:`ExportTable` of header-mapped rows.

    Args:
        path: The file.
        display_path: The file as reports name it (relative to the data folder).
        corrections: Cells an operator corrected in a correction workbook, by row number
            (:func:`apply_corrections`).
        limits: How much of the file may be read (:class:`ReadLimits`).

    Raises:
        IngestError: when the file cannot be read or its kind cannot be recognised; its
            ``rows`` are the rows refused with it, when they could be counted.
    """
    try:
        sheet = read_sheet(path, limits)
    except IngestError as error:
        if error.code == "unreadable-encoding":  # text in some other encoding: count its lines
            error.rows = _data_row_numbers(RawSheet("csv", None, lenient_rows(path.read_bytes())))
        raise
    if corrections:
        apply_corrections(sheet, corrections)
    guess = locate_header(sheet)
    if guess is None:
        error = IngestError("header-not-found", detail=str(min(len(sheet.rows), HEADER_SEARCH_ROWS)))
        error.rows = [number for number, _ in sheet.rows]
        raise error
    kind = guess.kind
    columns: list[Column] = []
    seen: dict[str, str] = {}
    notes = list(sheet.notes)
    for index, (header, field_name) in enumerate(zip(guess.headers, guess.fields)):
        text = " ".join(header.split())
        fallback = bool(field_name and field_name in seen)
        if fallback:
            notes.append(("duplicate-column", {"column": text, "other": seen[field_name]}))
        elif field_name:
            seen[field_name] = text
        elif text and not kind.is_ignored(text):
            notes.append(("unknown-column", {"column": text}))
        columns.append(Column(index, text, field_name, fallback))
    missing = [
        spec.name
        for spec in kind.fields
        if spec.required and not spec.derived and not spec.derive_from and spec.name not in seen
    ]
    header_numbers = {n for n, _ in sheet.rows[guess.start : guess.start + guess.depth]}
    last_header = max(header_numbers)
    table = ExportTable(
        path=display_path,
        format=sheet.format,
        encoding=sheet.encoding,
        kind=kind.name,
        columns=columns,
        rows=[],
        header_row=last_header,
        missing_required=missing,
        notes=notes,
    )
    table.rows = list(_data_rows(sheet, table, kind, last_header))
    table.cleaned = [
        (number, columns[index].header if index < len(columns) and columns[index].header
         else f"第 {index + 1} 列")
        for number, index in sheet.cleaned
    ]  # fmt: skip
    return table


def _data_row_numbers(sheet: RawSheet) -> list[int]:
    """The numbers of the rows below the header, or of every row when none is found."""
    guess = locate_header(sheet)
    last_header = guess.start + guess.depth if guess else 0
    return [number for number, _ in sheet.rows[last_header:]]


def _data_rows(
    sheet: RawSheet, table: ExportTable, kind: KindSchema, last_header: int
) -> Iterator[SourceRow]:
    """Yield the rows below the header as field dicts, publicity applied at the door."""
    specs = {spec.name: spec for spec in kind.fields}
    used = [c for c in table.columns if c.field]
    previous: dict[str, str | None] = {}
    for number, cells in sheet.rows:
        if number <= last_header or not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        if _is_template_row(cells):
            table.skipped.append((number, "template-row"))
            continue
        values: dict[str, str | None] = {}
        for column in used:
            spec = specs[column.field]  # type: ignore[index]
            if spec.publicity == "withheld":
                continue  # dropped before anything else can see it
            if column.fallback and values.get(spec.name) is not None:
                continue  # the first column for this field has a value
            raw = cells[column.index] if column.index < len(cells) else None
            if raw is not None and (not raw.strip() or not spec.descriptor.get("keepBytes")):
                raw = raw.strip() or None  # names keep their bytes, but blank is blank
            if raw is not None and spec.publicity == "masked":
                raw = mask_value(raw, spec.mask)
            values[spec.name] = shared_text(raw)
        for name, value in values.items():
            if value is None and specs[name].fill_down:
                values[name] = previous.get(name)
        previous = values
        yield SourceRow(number, values)


def find_exports(data_dir: Path) -> list[Path]:
    """Every export file under ``data_dir`` (recursively), sorted by path.

    Hidden files, Office lock files (``~$x.xlsx``) and documentation (``*.md``, ``*.json``,
    ``*.yml``) are not exports.
    """
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or any(part.startswith((".", "~$")) for part in relative.parts):
            continue
        if path.suffix.lower().strip() in SUPPORTED_SUFFIXES or path.name.lower().rstrip().endswith(
            SUPPORTED_SUFFIXES
        ):
            found.append(path)
    return found


@dataclass(frozen=True)
class RowCorrection:
    """An operator's corrected cells for one row of an export (from a correction workbook).

    ``fingerprint`` is the row as it was exported when the workbook was written; a row that
    no longer looks like that (the export was fixed or re-exported since) is left as it is.
    """

    fingerprint: str
    cells: Mapping[int, str | None]
    """Column index → corrected text."""
    source: str
    """Where the correction comes from, for reports: ``待更正.xlsx`` and its sheet and row."""


def row_fingerprint(cells: Sequence[str | None]) -> str:
    """A short hash of a row's cells as read, blank cells at its end ignored."""
    texts = ["" if c is None else str(c) for c in cells]
    while texts and not texts[-1].strip():
        texts.pop()
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]


def apply_corrections(sheet: RawSheet, corrections: Mapping[int, RowCorrection]) -> None:
    """Replace corrected cells in a sheet's rows, row numbers kept, and note what happened."""
    applied, stale = 0, []
    rows = []
    for number, cells in sheet.rows:
        correction = corrections.get(number)
        if correction is not None and row_fingerprint(cells) == correction.fingerprint:
            width = max([len(cells), *(i + 1 for i in correction.cells)])
            patched = [*cells, *([None] * (width - len(cells)))]
            for index, text in correction.cells.items():
                patched[index] = text
            applied += row_fingerprint(patched) != row_fingerprint(cells)
            cells = patched
        elif correction is not None:
            stale.append(correction.source)
        rows.append((number, cells))
    missing = sorted(set(corrections) - {n for n, _ in sheet.rows})
    stale += [corrections[n].source for n in missing]
    sheet.rows = rows
    if applied:
        sheet.notes.append(("corrections-applied", {"detail": str(applied)}))
    if stale:
        sheet.notes.append(("corrections-stale", {"detail": "、".join(stale)}))
