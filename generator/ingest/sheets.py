"""Reading one export file into a grid of cell texts.

The real format is sniffed from the bytes; CSV is decoded strictly (:mod:`generator.ingest.text`);
SpreadsheetML 2003 and XLSX are read behind guards against zip bombs, XML entities and oversized
sheets; merged cells are filled; control characters are removed from every cell.

Bounds per file (:class:`generator.core.settings.ReadLimits`): at most ``file_bytes`` read from
disk, at most ``unpacked_bytes`` of XLSX parts parsed (the time a file can take grows with
these), and at most ``cells`` cells held for a sheet (the memory it can take: a sheet whose
``<dimension>`` declares more is refused before a cell is read). An XLSX sheet is read sparse:
only the cells the file holds, each row as wide as its last non-empty cell, so a single cell
at ``XFD1048576`` costs one row, not a padded grid.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.core.errors import IngestError
from generator.core.settings import ReadLimits
from generator.ingest.text import clean_cells, csv_rows, decode_text

MAX_COMPRESSION_RATIO = 200


MAX_ZIP_MEMBERS = 10_000


MAX_ROWS = 1_048_576  # Excel's limits


MAX_COLUMNS = 16_384


_XML_DANGER = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


@dataclass
class RawSheet:
    """The cells of a file before the header is found, with spreadsheet row numbers."""

    format: str
    encoding: str | None
    rows: list[tuple[int, list[str | None]]]
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    cleaned: list[tuple[int, int]] = field(default_factory=list)
    """(row number, column index) of the cells control characters were removed from."""


def sniff_format(head: bytes) -> str:
    """Tell a file's format from its first bytes: ``xlsx``, ``xls``, ``xml``, ``html`` or ``csv``."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<workbook")):
        return "xml"
    if stripped.startswith((b"<html", b"<!doctype html", b"<table")):
        return "html"
    return "csv"


def read_sheet(path: Path, limits: ReadLimits | None = None) -> RawSheet:
    """Read a file's cells, whatever its name says it is, within ``limits``.

    Raises:
        IngestError: the file is empty, too large, unsafe, corrupt, in an unsupported format
            or encoding.
    """
    limits = limits or ReadLimits()
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty-file")
    if size > limits.file_bytes:
        raise IngestError(
            "file-too-large", detail=f"文件 {size} 字节，上限 {limits.file_bytes} 字节"
        )
    with path.open("rb") as handle:
        head = handle.read(512)
    kind = sniff_format(head)
    if kind == "xlsx":
        sheet = _read_xlsx(path, limits)
    elif kind == "csv":
        sheet = _read_csv(path.read_bytes())
    elif kind == "xml":
        sheet = _read_spreadsheet_xml(path.read_bytes(), limits.cells)
    else:
        detail = {"xls": "旧版 Excel 97-2003 .xls 二进制格式", "html": "网页（HTML）表格"}[kind]
        raise IngestError("unknown-file-format", detail=detail)
    sheet.cleaned = clean_cells(sheet.rows)
    return sheet


def _read_csv(data: bytes) -> RawSheet:
    text, encoding = decode_text(data)
    if not text.strip():
        raise IngestError("empty-file")
    return RawSheet("csv", encoding, list(csv_rows(text)))


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _read_spreadsheet_xml(data: bytes, cells_limit: int) -> RawSheet:
    """Read an Excel 2003 XML (SpreadsheetML) workbook, often saved with an .xlsx name."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if _XML_DANGER.search(data[:65536]):
        raise IngestError("unsafe-file", detail="XML 文件含有实体声明（billion laughs）")
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        where = f"第 {exc.position[0]} 行" if getattr(exc, "position", None) else "结构"
        raise IngestError(
            "corrupt-file", detail=f"XML 格式错误（{where}）", technical=technical_text(exc)
        ) from exc
    for table in root.iter(f"{_SS}Table"):
        rows: list[tuple[int, list[str | None]]] = []
        merges: list[tuple[int, int, int, int]] = []
        number = 0
        budget = CellBudget(cells_limit)
        for row in table.iter(f"{_SS}Row"):
            number = _ss_int(row, "Index", number + 1, number + 1, MAX_ROWS)
            cells: list[str | None] = []
            for cell in row.iter(f"{_SS}Cell"):
                column = _ss_int(cell, "Index", len(cells) + 1, len(cells) + 1, MAX_COLUMNS)
                cells.extend([None] * (column - 1 - len(cells)))
                data_element = cell.find(f"{_SS}Data")
                text = "".join(data_element.itertext()) if data_element is not None else None
                cells.append(text if text != "" else None)
                across = _ss_int(cell, "MergeAcross", 0, 0, MAX_COLUMNS - column)
                down = _ss_int(cell, "MergeDown", 0, 0, MAX_ROWS - number)
                if across or down:
                    merges.append((number, column, number + down, column + across))
                    cells.extend([None] * across)
            budget.take(len(cells))
            if any(c not in (None, "") for c in cells):
                rows.append((number, cells))
        if rows:
            _fill_merges(rows, merges, budget)
            return RawSheet("xml", None, rows)
    raise IngestError("empty-file")


def technical_text(exc: BaseException) -> str:
    """An exception as the operator's terminal shows it (never published)."""
    return f"{type(exc).__name__}: {exc}"


class CellBudget:
    """The cells a sheet may still hold (``limits.cells``); taking more refuses the file."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def take(self, cells: int) -> None:
        """Count ``cells`` more cells held.

        Raises:
            IngestError: ``file-too-large`` once more than the limit are held.
        """
        self.left -= cells
        if self.left < 0:
            raise IngestError("file-too-large", detail=f"工作表超过上限 {self.limit} 个单元格")


CORRUPT_FILE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    UnicodeDecodeError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
)
"""What a damaged zip or XML part can raise while being read: all mean "corrupt file"."""


def _ss_int(element: Any, name: str, default: int, low: int, high: int) -> int:
    """A SpreadsheetML integer attribute, refused unless ``low <= value <= high``."""
    raw = element.get(f"{_SS}{name}")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise IngestError("corrupt-file", detail=f"ss:{name}「{raw[:20]}」超出范围")
    return value


def check_zip(path: Path, unpacked_bytes: int | None = None) -> zipfile.ZipFile:
    """Open an XLSX zip after refusing bombs, oversized contents and XML entity declarations."""
    limit = unpacked_bytes or ReadLimits().unpacked_bytes
    try:
        archive = zipfile.ZipFile(path)
    except CORRUPT_FILE_ERRORS as exc:
        raise IngestError(
            "corrupt-file", detail="不是有效的 xlsx 压缩包", technical=technical_text(exc)
        ) from exc
    try:
        _check_members(archive, limit)
    except IngestError:
        archive.close()
        raise
    except CORRUPT_FILE_ERRORS as exc:
        archive.close()
        raise IngestError(
            "corrupt-file", detail="压缩包内容损坏", technical=technical_text(exc)
        ) from exc
    return archive


def _check_members(archive: zipfile.ZipFile, limit: int) -> None:
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise IngestError("unsafe-file", detail=f"压缩包内有 {len(members)} 个文件")
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 10 * 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
            raise IngestError("unsafe-file", detail=f"压缩炸弹：{info.filename} 压缩比 {ratio:.0f}:1")
        if total > limit:
            raise IngestError("file-too-large", detail=f"解压后超过上限 {limit} 字节")
    for info in members:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(info) as member:
                # Entity declarations sit in the prolog, before the root element; a longer
                # prolog still cannot pass, because openpyxl parses through defusedxml.
                if _XML_DANGER.search(member.read(65536)):
                    raise IngestError(
                        "unsafe-file", detail=f"{info.filename} 含有 XML 实体声明（billion laughs）"
                    )


def _read_xlsx(path: Path, limits: ReadLimits) -> RawSheet:
    archive = check_zip(path, limits.unpacked_bytes)
    import openpyxl  # heavy; imported only for spreadsheets
    from defusedxml import DefusedXmlException

    handle = path.open("rb")  # a handle, because openpyxl refuses names ending in .xls
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except DefusedXmlException as exc:
        handle.close()
        archive.close()
        raise IngestError("unsafe-file", detail="含有 XML 实体或 DTD 声明") from exc
    except Exception as exc:  # openpyxl raises many types for broken packages
        handle.close()
        archive.close()
        raise IngestError(
            "corrupt-file", detail="工作簿结构损坏", technical=technical_text(exc)
        ) from exc
    try:
        return _read_workbook(workbook, archive, limits.cells)
    except DefusedXmlException as exc:
        raise IngestError("unsafe-file", detail="含有 XML 实体或 DTD 声明") from exc
    except CORRUPT_FILE_ERRORS as exc:  # sheets are parsed lazily, while rows are read
        raise IngestError(
            "corrupt-file", detail="工作表内容损坏", technical=technical_text(exc)
        ) from exc
    finally:
        workbook.close()
        handle.close()
        archive.close()


def _read_workbook(workbook: Any, archive: zipfile.ZipFile, cells_limit: int) -> RawSheet:
    """The first visible sheet with data, merged cells filled."""
    notes: list[tuple[str, dict[str, Any]]] = []
    chosen = None
    chosen_rows: list[tuple[int, list[str | None]]] = []
    others: list[str] = []
    budget = CellBudget(cells_limit)
    for sheet in workbook.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        _check_declared(sheet, cells_limit)
        rows = _sparse_rows(workbook, sheet, budget)
        if not rows:
            continue
        if chosen is None:
            chosen, chosen_rows = sheet, rows
        else:
            others.append(sheet.title)
    if chosen is None:
        if not workbook.worksheets:
            raise IngestError("corrupt-file", detail="工作簿中没有工作表")
        raise IngestError("empty-file")
    merges = _merged_ranges(archive, getattr(chosen, "_worksheet_path", ""))
    _fill_merges(chosen_rows, merges, budget)
    if others:
        notes.append(("extra-sheets", {"detail": chosen.title}))
    return RawSheet("xlsx", None, chosen_rows, notes)


def _check_declared(sheet: Any, cells_limit: int) -> None:
    """Refuse a sheet whose ``<dimension>`` declares more cells than the limit, unread."""
    rows = (sheet.max_row or 0) - (sheet.min_row or 1) + 1
    columns = (sheet.max_column or 0) - (sheet.min_column or 1) + 1
    if rows > 0 and columns > 0 and rows * columns > cells_limit:
        raise IngestError(
            "file-too-large",
            detail=f"工作表「{sheet.title}」声明 {rows} 行 × {columns} 列，超过上限 {cells_limit} 个单元格",
        )


def _sparse_rows(workbook: Any, sheet: Any, budget: CellBudget) -> list[tuple[int, list[str | None]]]:
    """The non-empty rows of a read-only sheet, each as wide as its last non-empty cell.

    openpyxl's own ``iter_rows`` pads every row to the sheet's width and yields every missing
    row: a single cell at ``XFD1048576`` would become a grid of 17 billion cells.
    """
    from openpyxl.worksheet._reader import WorkSheetParser  # what iter_rows itself uses

    rows = []
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, found in parser.parse():
            values = {c["column"]: excel_cell_text(c["value"]) for c in found if c["value"] is not None}
            values = {column: text for column, text in values.items() if text != ""}
            if not values:
                continue
            width = max(values)
            if not (1 <= number <= MAX_ROWS and 1 <= min(values) and width <= MAX_COLUMNS):
                raise IngestError("corrupt-file", detail=f"单元格位置超出 Excel 的范围（第 {number} 行）")
            budget.take(width)
            cells: list[str | None] = [None] * width
            for column, text in values.items():
                cells[column - 1] = text
            rows.append((number, cells))
    return rows


def _merged_ranges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a sheet as (min_row, min_col, max_row, max_col), 1-based."""
    from defusedxml.ElementTree import iterparse

    if not part:
        return []
    ranges = []
    with archive.open(part.lstrip("/")) as stream:
        for _, element in iterparse(stream):
            if element.tag.endswith("}mergeCell"):
                ref = element.get("ref", "")
                if ":" in ref:
                    start, end = ref.split(":")
                    r1, c1 = _cell_position(start)
                    r2, c2 = _cell_position(end)
                    ranges.append((r1, c1, r2, c2))
            elif element.tag.endswith("}row"):
                element.clear()
    return ranges


def _cell_position(ref: str) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(ref.replace("$", ""))
    if not match:
        return (0, 0)
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits), column


def _fill_merges(
    rows: list[tuple[int, list[str | None]]],
    merges: list[tuple[int, int, int, int]],
    budget: CellBudget,
) -> None:
    """Copy each merged range's top-left value into the range's other cells."""
    # Ranges are clamped to the rows and columns that exist: a tiny file may declare a
    # merge over a million rows, and trusting it would cost minutes.
    by_number = {number: cells for number, cells in rows}
    numbers = sorted(by_number)
    width = max((len(cells) for cells in by_number.values()), default=0)
    for r1, c1, r2, c2 in merges:
        top = by_number.get(r1)
        if top is None or c1 > len(top) or c1 < 1:
            continue
        value = top[c1 - 1]
        last_column = min(c2, width)
        for number in numbers[bisect.bisect_left(numbers, r1) : bisect.bisect_right(numbers, r2)]:
            cells = by_number[number]
            if len(cells) < last_column:
                budget.take(last_column - len(cells))
                cells.extend([None] * (last_column - len(cells)))
            for column in range(c1, last_column + 1):
                if cells[column - 1] in (None, ""):
                    cells[column - 1] = value


def excel_cell_text(value: Any) -> str | None:
    """Turn an openpyxl cell value into text the way Excel would show it.

    Large numbers keep only 15 significant digits, as Excel stores them, so a credit code
    saved as a number shows its damage instead of a plausible-looking value.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int):
        value = float(value) if abs(value) >= 10**15 else value
        if isinstance(value, int):
            return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**15:
            return str(int(value))
        rounded = Decimal(format(value, ".15g"))
        if rounded == rounded.to_integral_value():
            return str(int(rounded))
        return format(rounded, "f").rstrip("0").rstrip(".")
    return str(value)
