"""Fuzz every reader with generated hostile inputs: no crash, every row accounted for.

Seven readers, each fed by a hypothesis strategy that builds inputs shaped like real
exports and then spoils them (payloads in every cell, control characters and NUL bytes,
commas and quotes inside names, full-width and Arabic-Indic digits, Excel-damaged numbers,
title rows, every encoding a platform writes, flipped and cut bytes, lying XLSX parts):

- ``csv`` and ``xlsx``: whole export files. Each is read on its own (only ``IngestError``
  may come out); then files are validated together, a batch folder at a time, by the real
  ``validate_folder`` (frictionless included). Every file must balance — rows in =
  published + quarantined + withheld + refused — and no published value may carry a
  control character.
- ``headers``: header rows, matched to a record kind; a kind's own titles are recognised.
- ``identifiers``, ``dates``, ``outcomes``: cell values through the normalisers.
- ``markdown``: 一业一查 handbook text; the rendered HTML passes the sanitiser's allowlist.

A failing input is written to ``--keep`` for replay. ``tests/test_fuzz.py`` runs a seeded
slice of every reader in the test suite; this script runs the full count::

    .venv/bin/python benchmarks/fuzz.py                      # 100,000 inputs per reader
    .venv/bin/python benchmarks/fuzz.py --count 2000 --reader csv --jobs 2

Not a test: these machines are shared and noisy. It prints inputs, failures and inputs per
second per reader.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import io
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit

from generator.core.errors import IngestError
from generator.core.schemas import load_outcomes, load_schemas, match_outcome
from generator.core.values import (
    check_entity_code,
    normalise_entity_code,
    normalise_identifier,
    parse_date,
)
from generator.ingest.exports import locate_header, read_export
from generator.ingest.sheets import RawSheet
from generator.publish.site.sanitize import is_clean, render_markdown
from generator.validate.folder import validate_folder
from generator.validate.rows import outcome_pieces

READERS = ("csv", "xlsx", "headers", "identifiers", "dates", "outcomes", "markdown")
BATCH = 200
"""Files validated together by one ``validate_folder`` call (its cost is per table)."""
CHUNK = 5000
"""Inputs per hypothesis run: a fresh run keeps hypothesis's own memory flat."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Cells

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% raw %}",
    "%}",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "../../etc/passwd",
    "\u202egnp.exe",
    "\x00",
    "\x1b[31m",
    "&lt;b&gt;",
    "[x](javascript:alert(1))",
    "甲,乙",
    "甲 乙",
    "甲；乙、丙",
    'a"b',
    "line\nbreak",
)
REAL_WORDS = (
    "未发现问题",
    "发现问题经责令已改正",
    "发现问题待后续处理",
    "通过登记的住所（经营场所）无法联系",
    "未按规定公示年报信息",
    "定向抽查",
    "不定向抽查",
    "示例县市场监督管理局",
    "示例县卫生健康局、示例县文化和旅游局",
    "食品经营许可情况的检查；从业人员健康管理情况的检查",
    "公示",
    "不予公示",
    "撤回",
)


def _uscc(body: str) -> str:
    return body + calc_check_digit(body)


USCC_BODY = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17)
DIGIT_FORMS = st.sampled_from(["ascii", "fullwidth", "arabic-indic", "hyphens", "spaces"])


def _respell(code: str, form: str) -> str:
    """A code as an operator might have typed it."""
    if form == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in code)
    if form == "arabic-indic":
        return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in code)
    if form == "hyphens":
        return f"{code[:2]}-{code[2:8]}-{code[8:]}"
    if form == "spaces":
        return f" {code[:6]} {code[6:]} "
    return code


IDENTIFIERS = st.one_of(
    st.builds(_respell, USCC_BODY.map(_uscc), DIGIT_FORMS),
    st.builds(_respell, st.text(alphabet="0123456789", min_size=13, max_size=15), DIGIT_FORMS),
    st.text(max_size=24),
    st.from_regex(r"\A[0-9]{1,20}(\.0|E\+1[0-9])?\Z"),
)
DATE_TEXTS = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)).flatmap(
        lambda d: st.sampled_from(
            [
                d.isoformat(),
                d.strftime("%Y%m%d"),
                d.strftime("%Y/%m/%d"),
                f"{d.year}年{d.month}月{d.day}日",
                f"{d.year}.{d.month}.{d.day}",
                str((d - dt.date(1899, 12, 30)).days),
                f"{d.isoformat()} 00:00:00",
            ]
        )
    ),
    st.text(alphabet="0123456789-/.年月日 :", max_size=20),
    st.text(max_size=12),
)
CELLS = st.one_of(
    st.sampled_from(PAYLOADS),
    st.sampled_from(REAL_WORDS),
    IDENTIFIERS,
    DATE_TEXTS,
    st.text(max_size=30),
    st.just(""),
)


# Whole files


@st.composite
def export_rows(draw: st.DrawFn) -> list[list[str]]:
    """A header of some kind's titles and synonyms (some dropped, some noise), a title row
    above it sometimes, and up to eight rows of hostile cells."""
    kind = draw(st.sampled_from(sorted(load_schemas())))
    specs = [s for s in load_schemas()[kind].fields if not s.derived]
    chosen = draw(
        st.lists(
            st.sampled_from(specs), min_size=1, max_size=len(specs), unique_by=lambda s: s.name
        )
    )
    header = [draw(st.sampled_from((s.title, *s.synonyms))) for s in chosen]
    if draw(st.booleans()):
        header.insert(
            draw(st.integers(0, len(header))), draw(st.sampled_from(["序号", "", *PAYLOADS]))
        )
    rows = [header]
    if draw(st.integers(0, 3)) == 0:
        rows.insert(0, [draw(st.sampled_from(["2024年双随机抽查结果公示", *PAYLOADS]))])
    width = len(header)
    rows += draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 1), max_size=8))
    return rows


ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be")


def _csv_text(rows: list[list[str]], delimiter: str, newline: str) -> str:
    def cell(text: str) -> str:
        if any(c in text for c in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return newline.join(delimiter.join(cell(c) for c in row) for row in rows) + newline


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """An export as CSV in any encoding and delimiter; sometimes a few bytes spoiled."""
    text = _csv_text(
        draw(export_rows()),
        draw(st.sampled_from([",", "\t"])),
        draw(st.sampled_from(["\r\n", "\n"])),
    )
    data = bytearray(text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace"))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if data and draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data) - 1))]
    return bytes(data)


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    """An export as XLSX: typed cells (numbers, dates, formulas), merges and a title row;
    sometimes a part replaced, the dimension lying, or bytes flipped or cut."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    book.set_properties({"created": dt.datetime(2024, 1, 1)})  # the same bytes on replay
    sheet = book.add_worksheet(draw(st.sampled_from(["Sheet1", "检查结果", "说明"])))
    rows = draw(export_rows())
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            style = draw(st.sampled_from(["text", "text", "text", "number", "date", "formula"]))
            if style == "number" and re.fullmatch(r"-?\d{1,17}(\.\d+)?", value or ""):
                sheet.write_number(r, c, float(value))
            elif style == "date" and parse_date(value or ""):
                sheet.write_datetime(
                    r,
                    c,
                    dt.datetime.fromisoformat(parse_date(value)),
                    book.add_format({"num_format": "yyyy-mm-dd"}),
                )
            elif style == "formula":
                sheet.write_formula(r, c, "=1+1", None, value)
            else:
                sheet.write_string(r, c, value or "")
    if len(rows) > 2 and draw(st.booleans()):
        sheet.merge_range(len(rows), 0, len(rows), 1, draw(CELLS) or "x")
    book.close()
    data = buffer.getvalue()
    spoil = draw(st.sampled_from(["none", "none", "none", "dimension", "member", "flip", "cut"]))
    if spoil == "dimension":
        data = _replace_part(
            data,
            "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(
                rb'<dimension ref="[^"]*"',
                b'<dimension ref="A1:'
                + draw(st.sampled_from([b"XFD1048576", b"B2", b"ZZ99", b"A0", b"", b"-1"]))
                + b'"',
                xml,
            ),
        )
    elif spoil == "member":
        name = draw(st.sampled_from(zipfile.ZipFile(io.BytesIO(data)).namelist()))
        junk = draw(
            st.one_of(
                st.binary(max_size=200),
                st.sampled_from(
                    [b"", b"<x>", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>']
                ),
            )
        )
        data = _replace_part(
            data, name, lambda xml: draw(st.sampled_from([junk, xml[: len(xml) // 2]]))
        )
    elif spoil == "flip":
        spoilt = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            spoilt[draw(st.integers(0, len(spoilt) - 1))] = draw(st.integers(0, 255))
        data = bytes(spoilt)
    elif spoil == "cut":
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


def _replace_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


# The readers


@dataclass
class Batch:
    """Files written for one ``validate_folder`` call, and the failures found so far."""

    folder: Path
    keep: Path
    files: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, suffix: str, data: bytes) -> None:
        name = f"f{len(self.files):04d}{suffix}"
        (self.folder / name).write_bytes(data)
        self.files.append(name)
        try:
            read_export(self.folder / name, name)
        except IngestError:
            pass
        except Exception:  # noqa: BLE001 - any other error is the finding
            self.fail(name, traceback.format_exc(limit=4))
        if len(self.files) >= BATCH:
            self.check()

    def check(self) -> None:
        """Validate the batch folder; every file must balance, no value carry a control."""
        if not self.files:
            return
        try:
            report = validate_folder(self.folder)
        except Exception:  # noqa: BLE001
            self.fail(None, traceback.format_exc(limit=6))
        else:
            self.failures += balance_problems(report.to_dict(), self.folder, self.files)
            for kind, rows in report.public_tables().items():
                for row in rows:
                    for name, value in row.items():
                        if isinstance(value, str) and CONTROL.search(value):
                            self.failures.append(f"{kind}.{name}: control character in {value!r}")
        if self.failures:
            shutil.copytree(self.folder, self.keep / f"batch-{os.getpid()}-{time.monotonic_ns()}")
        shutil.rmtree(self.folder)
        self.folder.mkdir()
        self.files = []

    def fail(self, name: str | None, why: str) -> None:
        self.failures.append(f"{name or '(batch)'}: {why}")


def balance_problems(report: dict[str, Any], folder: Path, files: list[str]) -> list[str]:
    """What the report fails to account for: a file it does not name, a file (or the
    total) whose rows in ≠ published + quarantined + withheld + refused, or an unreadable
    file with content whose rows or bytes are not counted as refused."""
    named = {f["path"]: f for f in report["files"]}
    problems = [f"{name}: missing from the report" for name in files if name not in named]
    for where, counts in [("(total)", report), *named.items()]:
        fates = sum(
            counts.get(f"rows_{fate}", 0)
            for fate in ("published", "quarantined", "withheld", "refused")
        )
        if counts["rows_in"] != fates:
            problems.append(f"{where}: rows in {counts['rows_in']} ≠ fates {fates}")
    for name, counts in named.items():
        has_content = (folder / name).read_bytes().strip(b" \t\r\n\x00")
        refused = counts.get("rows_refused", 0) + counts.get("bytes_refused", 0)
        if counts["kind"] is None and has_content and not refused:
            problems.append(f"{name}: unreadable, yet nothing counted as refused")
    if not report["balanced"]:
        problems.append("report says unbalanced")
    return problems


def _file_reader(
    strategy: st.SearchStrategy[bytes], suffix: str
) -> Callable[[Batch], Callable[[], None]]:
    def make(batch: Batch) -> Callable[[], None]:
        @given(data=strategy)
        def run(data: bytes) -> None:
            batch.add(suffix, data)

        return run

    return make


def _value_reader(
    strategy: st.SearchStrategy[Any], check: Callable[[Any], None]
) -> Callable[[Batch], Callable[[], None]]:
    def make(batch: Batch) -> Callable[[], None]:
        @given(value=strategy)
        def run(value: Any) -> None:
            try:
                check(value)
            except Exception:  # noqa: BLE001
                batch.fail(repr(value)[:200], traceback.format_exc(limit=4))

        return run

    return make


def check_header(rows: list[list[str]]) -> None:
    """Header matching never fails, and is the same twice; a kind's titles find the kind."""
    sheet = RawSheet(rows=list(enumerate(rows, start=1)), format="csv", encoding="utf-8-sig")
    first, again = locate_header(sheet), locate_header(sheet)
    assert (first and first.kind.name) == (again and again.kind.name)
    for kind in load_schemas().values():
        if rows and rows[0] == _titles(kind):
            assert first is not None and first.kind.name == kind.name, (kind.name, first)


def _titles(kind: Any) -> list[str]:
    """Every column title of a kind, as a template export's header row shows them."""
    return [s.title for s in kind.fields if not s.derived]


@st.composite
def header_rows(draw: st.DrawFn) -> list[list[str]]:
    kind = load_schemas()[draw(st.sampled_from(sorted(load_schemas())))]
    if draw(st.integers(0, 4)) == 0:
        return [_titles(kind)]
    return draw(export_rows())[:3]


def check_identifier(text: str) -> None:
    """Normalising is idempotent and leaves only ASCII digits; a credit code or 注册号 typed
    with other digits or with separators normalises and checks as the plain ASCII code."""
    once = normalise_identifier(text)
    assert normalise_identifier(once) == once, (text, once)
    assert not any(c.isdecimal() and not c.isascii() for c in once), (text, once)
    code = normalise_entity_code(text)
    assert normalise_entity_code(code) == code, (text, code)
    check_entity_code(code)
    digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    plain = re.sub(r"[\s\-.]", "", unicodedata.normalize("NFKC", digits)).upper()
    if re.fullmatch(r"[0-9A-Z]{15,18}", plain):
        assert code == plain, (text, code)
        assert check_entity_code(code) == check_entity_code(plain), (text, code)


def check_date(text: str) -> None:
    """A parsed date is a real ISO date; an ISO date parses to itself."""
    parsed = parse_date(text)
    if parsed is not None:
        dt.date.fromisoformat(parsed)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return
        assert parsed == text, (text, parsed)


def check_outcome(text: str) -> None:
    """Each piece maps to a declared outcome or to none; a declared wording maps to itself."""
    pieces, _ = outcome_pieces(text)
    codes = {o.code for o in load_outcomes().values()}
    for piece in pieces:
        found = match_outcome(piece)
        assert found is None or found.code in codes, (piece, found)
    if text in WORDINGS:
        assert pieces == [text] and match_outcome(text) is not None, (text, pieces)


WORDINGS = sorted({o.outcome for o in load_outcomes().values()})
OUTCOME_TEXTS = st.one_of(
    st.sampled_from(WORDINGS),
    st.lists(st.sampled_from(WORDINGS + list(REAL_WORDS)), max_size=4).flatmap(
        lambda words: st.sampled_from(["；", ";", "，", ",", "\n", "、", " "]).map(
            lambda sep: sep.join(words)
        )
    ),
    st.text(alphabet="□☑√✓■未发现问题经责令已改正；,", max_size=30),
    CELLS,
)


def check_markdown(text: str) -> None:
    """Rendered handbook text passes the allowlist: no script, handler or script URL."""
    html = render_markdown(text)
    assert is_clean(html), (text, html)
    elements = _Elements()
    elements.feed(html)
    for tag, attributes in elements.found:
        assert tag not in ("script", "style", "iframe", "object", "embed"), (text, html)
        for name, value in attributes:
            assert not name.startswith("on"), (text, html)
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (text, html)


class _Elements(html.parser.HTMLParser):
    """The start tags of an HTML fragment with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


MARKDOWN = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(
            [
                "# 标题",
                "**加粗**",
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "<b>x</b>",
                "<a href='javascript:x'>y</a>",
                "![i](http://x/i.png)",
                "[链接](https://example.org)",
                "[l](//evil.example/x)",
                "```\ncode\n```",
                "<!-- c -->",
                "&#x3C;script&#x3E;",
                "\n\n",
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=8,
).map("".join)

FACTORIES: dict[str, Callable[[Batch], Callable[[], None]]] = {
    "csv": _file_reader(csv_files(), ".csv"),
    "xlsx": _file_reader(xlsx_files(), ".xlsx"),
    "headers": _value_reader(header_rows(), check_header),
    "identifiers": _value_reader(IDENTIFIERS, check_identifier),
    "dates": _value_reader(DATE_TEXTS, check_date),
    "outcomes": _value_reader(OUTCOME_TEXTS, check_outcome),
    "markdown": _value_reader(MARKDOWN, check_markdown),
}


def run_reader(reader: str, count: int, seed_value: int, keep: Path) -> tuple[int, list[str]]:
    """Feed ``count`` generated inputs to ``reader``; returns (inputs, failures)."""
    done = 0
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gongkai-fuzz-") as tmp:
        batch = Batch(Path(tmp) / "batch", keep)
        batch.folder.mkdir()
        while done < count:
            size = min(CHUNK, count - done)
            run = FACTORIES[reader](batch)
            run = settings(
                max_examples=size,
                deadline=None,
                database=None,
                derandomize=False,
                suppress_health_check=list(HealthCheck),
            )(run)
            try:
                seed(seed_value * 1_000_003 + done)(run)()
            except Exception:  # noqa: BLE001 - hypothesis's own complaints are findings too
                batch.fail(f"(run of {size} from input {done})", traceback.format_exc(limit=3))
            done += size
        batch.check()
        failures += batch.failures
    return done, failures


def _job(args: tuple[str, int, int, str]) -> tuple[str, int, list[str], float]:
    reader, count, seed_value, keep = args
    start = time.process_time()
    done, failures = run_reader(reader, count, seed_value, Path(keep))
    return reader, done, failures, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reader", action="append", choices=READERS, help="one reader (repeatable); all by default"
    )
    parser.add_argument(
        "--count", type=int, default=100_000, help="inputs per reader (default 100,000)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--keep", type=Path, default=Path("fuzz-failures"), help="where failing inputs go"
    )
    args = parser.parse_args()
    readers = args.reader or list(READERS)
    args.keep.mkdir(parents=True, exist_ok=True)
    jobs = []
    for reader in readers:
        share = -(-args.count // args.jobs)
        for part in range(args.jobs):
            count = min(share, args.count - part * share)
            if count > 0:
                jobs.append((reader, count, args.seed + part, str(args.keep)))
    print(f"load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}; {args.jobs} processes")
    totals: dict[str, list[Any]] = {r: [0, [], 0.0] for r in readers}
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for reader, done, failures, cpu in pool.imap_unordered(_job, jobs):
            totals[reader][0] += done
            totals[reader][1] += failures
            totals[reader][2] += cpu
    wall = time.perf_counter() - start
    print(f"{'reader':<12} {'inputs':>8} {'failures':>8} {'CPU s':>8} {'inputs/CPU s':>12}")
    for reader in readers:
        done, failures, cpu = totals[reader]
        print(
            f"{reader:<12} {done:>8} {len(failures):>8} {cpu:>8.1f} {done / max(cpu, 1e-9):>12.0f}"
        )
        for failure in failures[:5]:
            print("   ", failure.strip().replace("\n", "\n    ")[:2000])
    print(f"wall {wall:.0f} s")
    if any(totals[r][1] for r in readers):
        sys.exit(1)


if __name__ == "__main__":
    main()
