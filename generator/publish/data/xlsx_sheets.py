"""The rows of the XLSX downloads, written as SpreadsheetML in bulk (issue 17).

XlsxWriter in its constant-memory mode keeps each worksheet's ``<sheetData>`` rows in a
temporary file (``row_data_fh``) and copies it into the sheet's XML when the workbook closes.
:class:`SheetRows` writes a whole row into that file as one string, instead of a
``write_string`` call per cell, and records the sheet's dimension where XlsxWriter would. The
XML is exactly what XlsxWriter writes for the same cells (inline strings, no row spans, no
styles), so the workbooks keep their bytes; the tests compare both writers byte for byte.

What XML cannot hold is changed before it is written: control characters become U+FFFD and
carriage returns line feeds (a reader would turn a bare CR into LF anyway). Text longer than
Excel's 32,767 UTF-16 units is cut there, and a literal ``_xHHHH_`` is escaped as
``_x005F_xHHHH_``, both as XlsxWriter does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (openpyxl refuses them, XlsxWriter would write _xHHHH_)."""

EXCEL_ROWS = 1_048_576
"""Rows in one Excel worksheet."""

EXCEL_COLUMNS = 16_384
"""Columns in one Excel worksheet (A to XFD)."""

XLSX_MAX_TEXT = 32_767
"""UTF-16 units in one Excel cell; longer text is cut there."""

ROWS_PER_WRITE = 512
"""Rows joined into one write to the sheet's row file."""

_UNUSUAL = re.compile(r"[\x00-\x08\x0b-\x1f&<>_\ufffe\uffff]")
"""A row whose text holds none of these needs no escaping (``_`` for ``_xHHHH_``)."""

_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def cell_text(value: str) -> str:
    """``value`` as a workbook holds it: CR and CRLF to LF, illegal characters to U+FFFD,
    at most :data:`XLSX_MAX_TEXT` UTF-16 units, ``_xHHHH_`` escaped (not yet XML-escaped)."""
    text = XML_ILLEGAL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > XLSX_MAX_TEXT // 2:
        units = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > XLSX_MAX_TEXT:
                text = text[:index]
                break
    return _ESCAPED_ESCAPE.sub(r"_x005F\1", text)


def column_name(column: int) -> str:
    """The letters of a zero-based column: 0 → ``A``, 26 → ``AA``, 16383 → ``XFD``."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class SheetRows:
    """Row after row of one constant-memory XlsxWriter worksheet, from its first row down.

    ``write`` takes a row's values in column order: text becomes an inline string cell (never
    a formula, number or link), ``bool`` a boolean, other numbers numbers, ``None`` no cell.
    ``close`` writes what is pending and sets the sheet's dimension; call it before the
    workbook closes. The sheet takes no cells from XlsxWriter itself (its formatting, such as
    ``freeze_panes``, is XlsxWriter's).

    Raises:
        ValueError: the workbook is not in constant-memory mode, or the sheet would pass
            Excel's :data:`EXCEL_ROWS` or :data:`EXCEL_COLUMNS`.
    """

    def __init__(self, sheet: Any, columns: int) -> None:
        self._out = getattr(sheet, "row_data_fh", None)
        if self._out is None:
            raise ValueError("SheetRows needs a worksheet of a constant_memory workbook")
        if not 0 < columns <= EXCEL_COLUMNS:
            raise ValueError(f"a worksheet holds 1 to {EXCEL_COLUMNS:,} columns, not {columns:,}")
        self._sheet = sheet
        self._starts = [f'<c r="{column_name(c)}' for c in range(columns)]
        self._columns = columns
        self._number = 0
        self._pending: list[str] = []
        self._first_row = self._last_row = 0
        """The first and last row numbers (1-based) holding a cell; 0 before any."""
        self._span = (columns, -1)
        """The first and last columns (0-based) holding a cell."""
        self._full_span = (0, columns - 1)

    def write(self, values: Iterable[Any]) -> None:
        """Add the next row."""
        values = tuple(values)
        if self._number == EXCEL_ROWS:
            raise ValueError(f"a worksheet holds at most {EXCEL_ROWS:,} rows")
        self._number += 1
        number = str(self._number)
        cells = []
        texts = []
        for start, value in zip(self._starts, values):
            if value is None:
                continue
            if value.__class__ is str:
                texts.append(value)
                if value.strip() != value:
                    cells.append(f'{start}{number}" t="inlineStr"><is><t xml:space="preserve">'
                                 f"{value}</t></is></c>")  # fmt: skip
                else:
                    cells.append(f'{start}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif value.__class__ is int:
                cells.append(f'{start}{number}"><v>{value:.16G}</v></c>')
            else:
                cells.append(_cell(f"{start}{number}", value))
        if not cells:
            return
        joined = "".join(texts)
        if len(joined) > XLSX_MAX_TEXT // 2 or _UNUSUAL.search(joined):
            cells = [_cell(f"{start}{number}", value)
                     for start, value in zip(self._starts, values) if value is not None]  # fmt: skip
        self._pending.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self._pending) >= ROWS_PER_WRITE:
            self._flush()
        self._first_row = self._first_row or self._number
        self._last_row = self._number
        if self._span != self._full_span:  # the header row usually fills it at once
            filled = [c for c, v in enumerate(values[: self._columns]) if v is not None]
            self._span = (min(self._span[0], filled[0]), max(self._span[1], filled[-1]))

    def _flush(self) -> None:
        self._out.write("".join(self._pending))
        self._pending = []

    def close(self) -> None:
        """Write the pending rows and record the cells' extent as the sheet's dimension."""
        self._flush()
        if self._first_row:
            sheet = self._sheet
            sheet.dim_rowmin, sheet.dim_rowmax = self._first_row - 1, self._last_row - 1
            sheet.dim_colmin, sheet.dim_colmax = self._span


def _cell(reference: str, value: Any) -> str:
    """One ``<c>`` element, for any value (``reference`` as ``<c r="A1``)."""
    if isinstance(value, str):
        text = cell_text(value)
        space = ' xml:space="preserve"' if text.strip() != text else ""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'{reference}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'{reference}" t="b"><v>{int(value)}</v></c>'
    if math.isnan(value) or math.isinf(value):
        raise TypeError(f"a workbook cell cannot hold {value!r}")
    if value.__class__ is Fraction:
        value = float(value)
    return f'{reference}"><v>{value:.16G}</v></c>'
