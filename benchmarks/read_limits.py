"""Benchmark the read limits: hostile workbooks are refused (or read sparse) in bounded time and memory.

Writes five workbooks, each alone in a data folder, and runs the real ``gongkai validate``
on each in a process of its own, printing its exit status, the issue it reported, its wall
time and its peak resident memory (``wait4``'s ``ru_maxrss``):

* a 5 KB sheet whose ``<dimension>`` and one cell claim ``XFD1048576`` (once 63 s, 2.8 GB
  and a MemoryError), with the default limits and with the cell limit raised;
* a small sheet whose ``<dimension>`` alone claims ``A1:XFD1048576``;
* a 2 MB sheet with a far cell in each of 300,000 rows (real cells over the limit);
* a zip bomb: a sheet part that inflates about 500 times.

A tiny valid file is run first as the floor (interpreter and imports). The workbooks are
written by a child process, so this process stays small: Linux carries a parent's peak
memory into a child's ``ru_maxrss`` through fork and exec. docs/reliability.md quotes the
figures::

    .venv/bin/python benchmarks/read_limits.py
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["抽查任务编号", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "检查日期"]
ROW = [
    "140902202404101008",
    "示例县甲商店",
    "92140902MA0FM0NW95",
    "公共场所卫生许可情况的检查",
    "未发现问题",
    "20240522",
]


def _book(far: bool) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROW)
    if far:
        book.active["XFD1048576"] = "x"  # the dimension becomes A1:XFD1048576
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            target.writestr(info.filename, body)
    return out.getvalue()


def _declared_only() -> bytes:
    return _with_sheet(
        _book(False),
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )


def _far_rows(rows: int = 300_000) -> bytes:
    cells = b"".join(
        b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(3, rows + 3)
    )
    return _with_sheet(
        _book(False), lambda xml: xml.replace(b"</sheetData>", cells + b"</sheetData>")
    )


def _bomb(size: int = 200 * 1024 * 1024) -> bytes:
    return _with_sheet(
        _book(False), lambda xml: xml.replace(b"</sheetData>", b" " * size + b"</sheetData>")
    )


CASES = (
    ("tiny valid file (the floor)", lambda: _book(False), ""),
    ("5 KB sheet, one cell at XFD1048576", lambda: _book(True), ""),
    ("the same, cell limit raised", lambda: _book(True), "limits:\n  cells: 100000000000\n"),
    ('<dimension ref="A1:XFD1048576"> only', _declared_only, ""),
    ("a far cell in each of 300,000 rows", _far_rows, ""),
    ("zip bomb (sheet part inflates ~500x)", _bomb, ""),
)


def run(data_dir: Path) -> tuple[int, str, float, float]:
    """Validate ``data_dir`` in a child: (exit status, first issue code, seconds, peak MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "generator", "validate", str(data_dir), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    report = json.loads(out) if out.strip() else {"errors": []}
    code = report["errors"][0]["code"] if report["errors"] else "—"
    return os.waitstatus_to_exitcode(status), code, seconds, usage.ru_maxrss / 1024


def write_cases(folder: Path) -> None:
    """Write each case's workbook (and settings) into ``folder``/case<n>/."""
    for n, (_, make, settings) in enumerate(CASES):
        case = folder / f"case{n}"
        case.mkdir()
        (case / "results.xlsx").write_bytes(make())
        if settings:
            (case / "gongkai.yml").write_text(settings, encoding="utf-8")


def main() -> None:
    if sys.argv[1:2] == ["--write"]:
        write_cases(Path(sys.argv[2]))
        return
    print(f"load: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'input':<40} {'bytes':>10} {'exit':>4} {'issue':<22} {'seconds':>7} {'peak MiB':>8}")
    with tempfile.TemporaryDirectory(prefix="gongkai-limits-") as tmp:
        subprocess.run([sys.executable, __file__, "--write", tmp], check=True)
        for n, (name, _, _) in enumerate(CASES):
            folder = Path(tmp) / f"case{n}"
            size = (folder / "results.xlsx").stat().st_size
            status, code, seconds, peak = run(folder)
            print(f"{name:<40} {size:>10,} {status:>4} {code:<22} {seconds:>7.2f} {peak:>8.0f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
