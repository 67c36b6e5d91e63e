"""The correction workbook (待更正.xlsx): quarantined rows for the operator to fix, and back.

``gongkai validate DATA_DIR --corrections 待更正.xlsx`` writes every quarantined row in its
file's own columns and order (withheld columns left out), one sheet per source file, with
原行号 first, a 错误说明 column last, and each bad cell filled yellow and commented with the
message and the fix. A hidden sheet (:data:`META_SHEET`) says which file each sheet comes
from and which source column each workbook column is.

Dropped into the data folder, the workbook is not an export: its rows *replace the cells* of
their source rows before those are read (:func:`generator.ingest.exports.apply_corrections`),
so a corrected row keeps its file and row number and is counted once, in its own file; rows
in = published + quarantined + withheld still holds. A correction applies only while the
source row is still the row that was exported when the workbook was written (a fingerprint
in the hidden sheet), so a fixed or re-exported source wins over a stale workbook.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from generator.core.errors import IngestError, Issue
from generator.core.schemas import load_schemas
from generator.core.settings import ReadLimits, load_settings
from generator.core.workbook import save_workbook
from generator.ingest.exports import (
    RowCorrection,
    apply_corrections,
    find_exports,
    read_export,
    row_fingerprint,
)
from generator.ingest.sheets import (
    CORRUPT_FILE_ERRORS,
    check_zip,
    excel_cell_text,
    read_sheet,
    technical_text,
)
from generator.validate.report import QUARANTINED, Report

META_SHEET = "gongkai-更正"
"""The hidden sheet that marks a correction workbook and maps its sheets to source files."""
ROW_HEADER = "原行号"
NOTE_HEADER = "错误说明"
_BAD_FILL = "FFFF00"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def is_corrections_workbook(path: Path) -> bool:
    """Whether a file is a correction workbook (an XLSX holding :data:`META_SHEET`)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return META_SHEET in archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except CORRUPT_FILE_ERRORS:  # a damaged workbook is an export to read, and refuse there
        return False


def write_corrections(report: Report, data_dir: Path, out_file: Path) -> int:
    """Write the quarantined rows of ``report`` into ``out_file``; return how many rows.

    A workbook with no quarantined row still gets its hidden sheet and one line saying so,
    so an operator who asked for it is never left guessing.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    corrections = load_corrections(data_dir)[0]
    limits = load_settings(data_dir).limits
    book = openpyxl.Workbook()
    book.remove(book.active)
    meta: list[list[str]] = []
    written = 0
    problems: dict[tuple[str, int], list[Issue]] = defaultdict(list)
    for issue in report.issues:
        if issue.level == "error" and issue.row is not None:
            problems[(issue.file, issue.row)].append(issue)
    for file in sorted(report.files, key=lambda f: f.path):
        rows = sorted(n for n, state in file.rows.items() if state == QUARANTINED)
        if not rows or file.kind is None:
            continue
        source = data_dir / file.path
        sheet_rows, table = _source_rows(source, file.path, corrections.get(file.path, {}), limits)
        withheld = {s.name for s in load_schemas()[table.kind].fields if s.publicity == "withheld"}
        columns = [c for c in table.columns if c.field not in withheld]
        title = _sheet_title(file.path, book.sheetnames)
        sheet = book.create_sheet(title)
        sheet.append([ROW_HEADER, *(c.header for c in columns), NOTE_HEADER])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        fingerprints = []
        for number in rows:
            cells, fingerprint = sheet_rows[number]
            issues = problems.get((file.path, number), [])
            texts = [i.to_dict() for i in issues]
            note = "\n".join(f"{t['message']}（{t['hint']}）" for t in texts)
            sheet.append([number, *(_cell(cells, c.index) for c in columns), note])
            line = sheet.max_row
            for issue, text in zip(issues, texts):
                position = next((k for k, c in enumerate(columns) if c.header == issue.column), None)
                if position is None:
                    continue
                cell = sheet.cell(row=line, column=position + 2)
                cell.fill = PatternFill("solid", start_color=_BAD_FILL, end_color=_BAD_FILL)
                cell.comment = Comment(f"{text['message']}\n修改建议：{text['hint']}", "gongkai")
            fingerprints.append(fingerprint)
            written += 1
        prints = {str(number): fp for number, fp in zip(rows, fingerprints)}
        meta.append([title, file.path, json.dumps([c.index for c in columns]),
                     json.dumps(prints, sort_keys=True)])  # fmt: skip
    info = book.create_sheet(META_SHEET)
    info.append(["工作表", "原文件", "列", "原行指纹"])
    for line in meta:
        info.append(line)
    info.sheet_state = "hidden"
    if not meta:
        sheet = book.create_sheet("说明", 0)
        sheet.append(["没有被隔离的行，无需更正。"])
    book.active = 0
    out_file.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(book, out_file)
    return written


def load_corrections(
    data_dir: Path,
) -> tuple[dict[str, dict[int, RowCorrection]], list[Issue], list[Path]]:
    """Every correction workbook in ``data_dir``: corrections by source file and row number,
    issues about unreadable workbooks, and the workbooks' paths (which are not exports)."""
    found: dict[str, dict[int, RowCorrection]] = defaultdict(dict)
    issues: list[Issue] = []
    workbooks = [p for p in find_exports(data_dir) if is_corrections_workbook(p)]
    for path in workbooks:
        display = path.relative_to(data_dir).as_posix()
        try:
            for file, number, correction in _read_workbook(path, display):
                found[file][number] = correction
        except IngestError as exc:
            issues.append(Issue("unreadable-corrections", display, params={"detail": exc.issue_message}))
        except (ValueError, KeyError, IndexError) as exc:
            # The exception text is English and may name paths: the operator's terminal only.
            print(f"{display}：更正表结构不符（技术细节，不公开：{technical_text(exc)}）", file=sys.stderr)
            detail = "表格结构与 gongkai 写出时不同（列、隐藏工作表或“原行号”被改动）"
            issues.append(Issue("unreadable-corrections", display, params={"detail": detail}))
    return dict(found), issues, workbooks


def _read_workbook(path: Path, display: str) -> list[tuple[str, int, RowCorrection]]:
    import openpyxl

    check_zip(path).close()  # the same zip-bomb guards as exports
    with path.open("rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            meta = list(book[META_SHEET].iter_rows(min_row=2, values_only=True))
            out = []
            for title, file, indices, fingerprints in (row[:4] for row in meta if row[0]):
                columns = json.loads(indices)
                prints = json.loads(fingerprints)
                lines = list(book[title].iter_rows(min_row=2, values_only=True))
                for position, line in enumerate(lines):
                    if line[0] in (None, ""):
                        continue
                    values = line[1 : 1 + len(columns)]
                    cells = {i: excel_cell_text(v) for i, v in zip(columns, values)}
                    source = f"{display}「{title}」第 {position + 2} 行"
                    number = int(line[0])
                    out.append((file, number, RowCorrection(prints[str(number)], cells, source)))
            return out
        finally:
            book.close()


def _source_rows(
    path: Path, display: str, corrections: dict[int, RowCorrection], limits: ReadLimits
) -> tuple[dict[int, tuple[list[str | None], str]], Any]:
    """The rows of a source file as validated (corrections applied), each with the
    fingerprint of the row as exported, and the file's recognised table."""
    raw = read_sheet(path, limits)
    original = {number: row_fingerprint(cells) for number, cells in raw.rows}
    if corrections:
        apply_corrections(raw, corrections)
    table = read_export(path, display, corrections, limits)
    rows = {}
    for number, cells in raw.rows:
        correction = corrections.get(number)
        applied = correction is not None and correction.fingerprint == original[number]
        rows[number] = (cells, correction.fingerprint if applied else original[number])
    return rows, table


def _cell(cells: list[str | None], index: int) -> str | None:
    return cells[index] if index < len(cells) else None


def _sheet_title(path: str, taken: list[str]) -> str:
    """A sheet name for a source file: its name without folders, at most 31 characters."""
    base = _SHEET_UNSAFE.sub("_", Path(path).stem)[:28] or "sheet"
    title, n = base, 2
    while title in taken or title == META_SHEET:
        title, n = f"{base[:26]}_{n}", n + 1
    return title
