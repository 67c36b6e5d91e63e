"""Benchmark the XLSX download of the results table: XlsxWriter cell by cell against rows in bulk.

Builds a province-shaped export folder (``corpus.write_province_corpus``, 4 results per
check), reads it through the real pipeline (validation, model, published rows sorted by key)
and writes ``results.xlsx`` twice in one run:

* **per cell**: :class:`PerCellXLSXExporter`, the writer before issue 17 (``write_string`` per
  cell in XlsxWriter's constant-memory mode), kept here as the baseline and for the tests;
* **bulk rows**: :class:`XLSXExporter` as shipped (``xlsx_sheets.SheetRows``).

It prints rows per second for each (setup, every row, finish with the zip), the ratio, whether
the two files are byte for byte the same, and the load average: these machines are shared.

    .venv/bin/python benchmarks/bench_xlsx.py                 # 100,000 results
    .venv/bin/python benchmarks/bench_xlsx.py --rows 20000    # a quick look
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_province_corpus

from generator.model.tables import Table
from generator.publish.data import exporters
from generator.publish.data.exporters import XLSXExporter
from generator.publish.data.xlsx_sheets import XML_ILLEGAL


class PerCellXLSXExporter(XLSXExporter):
    """The XLSX writer before issue 17: one XlsxWriter call per cell (the baseline)."""

    def _new_sheet(self, name: str, table: Table, number: int) -> None:
        sheet = self._books[name].add_worksheet(name if number == 1 else f"{name}_{number}")
        sheet.freeze_panes(1, 0)
        write_row_per_cell(sheet, 0, table.field_names)
        self._sheets[name] = sheet

    def feed(self, table: str, row: dict[str, Any]) -> None:
        self._rows[table] += 1
        rows_per_sheet = exporters.XLSX_MAX_ROWS - 1  # as patched by tests
        if self._rows[table] > rows_per_sheet and self._rows[table] % rows_per_sheet == 1:
            self._new_sheet(table, self.tables[table], self._rows[table] // rows_per_sheet + 1)
        line = (self._rows[table] - 1) % rows_per_sheet + 1
        write_row_per_cell(self._sheets[table], line, row.values())

    def finish(self) -> list[str]:
        for name, book in self._books.items():
            notes = book.add_worksheet("字段说明")
            write_row_per_cell(notes, 0, ("字段名", "中文名", "类型", "说明"))
            for line, spec in enumerate(self.tables[name].fields, 1):
                values = (spec.name, spec.title, spec.type, spec.descriptor.get("description"))
                write_row_per_cell(notes, line, values)
            book.close()
        self._books = {}
        return [self.FILE_NAME.format(table=t) for t in self.tables]


def write_row_per_cell(sheet: Any, line: int, values: Iterable[Any]) -> None:
    """Write one row: text always as a string cell, numbers as numbers, nothing for None."""
    for column, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            text = value.replace("\r\n", "\n").replace("\r", "\n")
            sheet.write_string(line, column, XML_ILLEGAL.sub("\ufffd", text))
        elif isinstance(value, bool):
            sheet.write_boolean(line, column, value)
        else:
            sheet.write_number(line, column, value)


def results_rows(work: Path, rows: int) -> tuple[Table, list[dict[str, Any]]]:
    """About ``rows`` published results rows of a province-shaped corpus, sorted by key."""
    from generator.model.entities import build_model
    from generator.model.tables import published_tables, sorted_rows
    from generator.validate.folder import validate_folder

    write_province_corpus(work / "data", max(rows // 4, 1))
    report = validate_folder(work / "data")
    model = build_model(report.public_tables(), report.data_as_of)
    table = published_tables()["results"]
    return table, sorted_rows(table, model.tables["results"])


def write(
    kind: type[XLSXExporter], folder: Path, table: Table, rows: list[dict]
) -> tuple[float, float]:
    """Seconds to write ``results.xlsx`` with ``kind``: in all, and of those in ``finish``
    (XlsxWriter assembling the sheets and zipping them)."""
    folder.mkdir()
    start = time.perf_counter()
    exporter = kind(folder, {"results": table})
    try:
        exporter.setup()
        for row in rows:
            exporter.feed("results", row)
        finishing = time.perf_counter()
        exporter.finish()
    finally:
        exporter.close()
    end = time.perf_counter()
    return end - start, end - finishing


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="results rows (4 per check)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as scratch:
        work = Path(scratch)
        start = time.perf_counter()
        table, rows = results_rows(work, args.rows)
        cells = sum(v is not None for row in rows for v in row.values())
        print(f"{len(rows):,} rows × {len(table.fields)} columns, {cells:,} cells "
              f"(corpus and pipeline {time.perf_counter() - start:.1f} s); load {_load()}")  # fmt: skip
        seconds = {}
        for label, kind in (("per cell", PerCellXLSXExporter), ("bulk rows", XLSXExporter)):
            seconds[label], finish = write(kind, work / label.replace(" ", "-"), table, rows)
            size = (work / label.replace(" ", "-") / "results.xlsx").stat().st_size
            print(f"{label:>10}: {seconds[label]:6.2f} s ({finish:.2f} s of them finishing)"
                  f"  {len(rows) / seconds[label]:>9,.0f} rows/s  {size / 2**20:6.1f} MiB"
                  f"  load {_load()}")  # fmt: skip
        ratio = seconds["per cell"] / seconds["bulk rows"]
        digests = {
            hashlib.sha256((work / label.replace(" ", "-") / "results.xlsx").read_bytes()).hexdigest()
            for label in seconds
        }
        same = "byte for byte the same" if len(digests) == 1 else "DIFFERENT bytes"
        print(f"bulk rows {ratio:.2f}× per cell; the two workbooks are {same}; load {_load()}")


if __name__ == "__main__":
    main()
