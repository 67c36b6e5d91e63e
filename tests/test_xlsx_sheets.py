"""The XLSX downloads' rows written in bulk (issue 17) are XlsxWriter's own, byte for byte.

The baseline is the writer before issue 17, one XlsxWriter call per cell, kept in
``benchmarks/bench_xlsx.py``; every kind of value a row can hold is written both ways and
the workbooks compared as bytes, then read back with openpyxl.
"""

from __future__ import annotations

import re
import sys
import tracemalloc
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from generator.model.tables import Table, published_tables
from generator.publish.data import exporters
from generator.publish.data.exporters import XLSX_OPTIONS, XLSXExporter
from generator.publish.data.xlsx_sheets import SheetRows, column_name

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_xlsx import PerCellXLSXExporter, write_row_per_cell


class Tag(str):
    """A ``str`` subclass, as an enum's value might be."""


HOSTILE: list[Any] = [
    "", " ", "  leading", "trailing  ", "\u3000全角空格", "中间 空格", "a\tb", "tab\t", "\nline",
    "line\n", "<b>&amp;</b> & < > \" '", "a\rb", "a\r\nb\r\n", "\r", "\x00\x07\x08\x0b\x0c\x1f",
    "\ufffe\uffff", "😀 emoji 👩‍👩‍👧", "_x0041_ literal", "__x00e9__", "_x12G4_", "=SUM(A1:A2)",
    "+1", "-1", "@cmd", "0012", "1e5", "https://example.org/?a=1&b=2", "\xa0nbsp\xa0",
    "x" * 40_000, "😀" * 20_000, "字" * 16_383 + " ", Tag("tagged "), 0, -1, 2**53 + 1, 10**20,
    1.5, -0.0, 1e-300, 1e300, 0.1 + 0.2, True, False, None, Fraction(1, 3), Decimal("1.10"),
]  # fmt: skip
"""Text with spaces, markup, line ends, control and non-characters, emoji, escapes, formulas
and links, text past Excel's cell limit, numbers of every kind, booleans, None."""


def _rows(table: Table, count: int) -> list[dict[str, Any]]:
    """``count`` rows cycling through :data:`HOSTILE`, with an empty row and an empty last row."""
    names = table.field_names
    rows = []
    for n in range(count):
        values = [HOSTILE[(n * 7 + c) % len(HOSTILE)] for c in range(len(names))]
        if n in (3, count - 1):
            values = [None] * len(names)
        rows.append(dict(zip(names, values, strict=True)))
    return rows


def _write(kind: type[XLSXExporter], folder: Path, tables: dict[str, Table], rows: dict) -> bytes:
    folder.mkdir()
    exporter = kind(folder, tables)
    try:
        exporter.setup()
        for name, table_rows in rows.items():
            for row in table_rows:
                exporter.feed(name, row)
        exporter.finish()
    finally:
        exporter.close()
    return (folder / "results.xlsx").read_bytes()


def test_bulk_rows_are_byte_for_byte_xlsxwriters_own(tmp_path):
    tables = {"results": published_tables()["results"]}
    rows = {"results": _rows(tables["results"], 60)}
    bulk = _write(XLSXExporter, tmp_path / "bulk", tables, rows)
    assert bulk == _write(PerCellXLSXExporter, tmp_path / "cells", tables, rows)
    assert bulk == _write(XLSXExporter, tmp_path / "again", tables, rows)


def test_bulk_rows_continue_on_more_sheets_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(exporters, "XLSX_MAX_ROWS", 4)  # a header and three rows per sheet
    tables = {"results": published_tables()["results"]}
    rows = {"results": _rows(tables["results"], 11)}
    bulk = _write(XLSXExporter, tmp_path / "bulk", tables, rows)
    assert bulk == _write(PerCellXLSXExporter, tmp_path / "cells", tables, rows)
    book = openpyxl.load_workbook(tmp_path / "bulk" / "results.xlsx")
    assert book.sheetnames == ["results", "results_2", "results_3", "results_4", "字段说明"]


@pytest.mark.parametrize(
    "rows",
    [
        [[None, None, "c"], [None, 5, None]],  # the dimension starts at C1, ends at C2
        [[None, None], ["a", None], [None, None]],  # no cell in the first and last rows
        [[None], [None]],  # no cell at all: an empty sheetData, no dimension
        [[" x", True, 2.5, None, "&"]],
    ],
)
def test_the_dimension_is_xlsxwriters(tmp_path, rows):
    files = []
    for label in ("cells", "bulk"):
        path = tmp_path / f"{label}.xlsx"
        book = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
        book.set_properties({"created": exporters.XLSX_CREATED})
        sheet = book.add_worksheet("s")
        if label == "cells":
            for line, values in enumerate(rows):
                write_row_per_cell(sheet, line, values)
        else:
            writer = SheetRows(sheet, len(rows[0]))
            for values in rows:
                writer.write(values)
            writer.close()
        book.close()
        files.append(path.read_bytes())
    assert files[0] == files[1]


def test_openpyxl_reads_back_every_value(tmp_path):
    table = published_tables()["results"]
    rows = _rows(table, 12)
    _write(XLSXExporter, tmp_path / "bulk", {"results": table}, {"results": rows})
    book = openpyxl.load_workbook(tmp_path / "bulk" / "results.xlsx")
    assert book["results"].freeze_panes == "A2"
    read = list(book["results"].iter_rows(values_only=True))
    assert list(read[0]) == table.field_names
    assert book["results"].dimensions == f"A1:{column_name(len(table.fields) - 1)}12"
    for got, row in zip(read[1:], rows[:-1], strict=True):
        assert list(got) == [_expected(v) for v in row.values()]


def _expected(value: Any) -> Any:
    """What the workbook holds for ``value``, read by openpyxl."""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)
        # Excel reads _x005F_ back as "_"; openpyxl leaves XlsxWriter's escape as it is.
        return re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", CUT.get(text, text))
    if value is None or isinstance(value, bool):
        return value
    return float(f"{float(value) if isinstance(value, Fraction) else value:.16G}")


CUT = {"x" * 40_000: "x" * 32_767, "😀" * 20_000: "😀" * 16_383}
"""Text past Excel's 32,767 UTF-16 units, cut there (an emoji is two units)."""


def test_nan_and_infinity_are_refused_as_xlsxwriter_refuses_them(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "n.xlsx"), XLSX_OPTIONS)
    writer = SheetRows(book.add_worksheet("s"), 1)
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(TypeError):
            writer.write([value])
    writer.close()
    book.close()


def test_leading_and_trailing_space_is_the_regex_s_of_xlsxwriter():
    """The writer asks ``text.strip() != text`` where XlsxWriter matches ``^\\s|\\s$``."""
    space = re.compile(r"^\s|\s$")
    for code in range(0x110000):
        char = chr(code)
        assert (char.strip() != char) == bool(space.search(char)), hex(code)


def test_excel_limits_are_refused(tmp_path, monkeypatch):
    from generator.publish.data import xlsx_sheets

    book = xlsxwriter.Workbook(str(tmp_path / "l.xlsx"), XLSX_OPTIONS)
    with pytest.raises(ValueError, match="columns"):
        SheetRows(book.add_worksheet("wide"), 16_385)
    monkeypatch.setattr(xlsx_sheets, "EXCEL_ROWS", 2)
    writer = SheetRows(book.add_worksheet("long"), 1)
    writer.write(["a"])
    writer.write(["b"])
    with pytest.raises(ValueError, match="rows"):
        writer.write(["c"])
    writer.close()
    book.close()
    in_memory = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"))
    with pytest.raises(ValueError, match="constant_memory"):
        SheetRows(in_memory.add_worksheet(), 1)
    in_memory.close()


def test_column_names():
    assert [column_name(c) for c in (0, 25, 26, 51, 52, 701, 702, 16_383)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"
    ]  # fmt: skip


def test_memory_stays_flat(tmp_path):
    table = published_tables()["results"]
    row = dict(zip(table.field_names, ["示例县市场监督管理局检查"] * len(table.fields), strict=True))
    book = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"), XLSX_OPTIONS)
    writer = SheetRows(book.add_worksheet("s"), len(table.fields))
    tracemalloc.start()
    for _ in range(6_000):  # about 15 MB of XML
        writer.write(row.values())
    writer.close()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    book.close()
    assert peak < 8 * 2**20
