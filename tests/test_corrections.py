"""The correction workbook round trip on the demo data (issue 12, part 4).

An operator writes the quarantined rows with ``gongkai validate --corrections``, fixes the
highlighted cells in Excel, drops the workbook into the data folder and validates again: the
fixed rows are accepted exactly once, the rest stay in the next workbook.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import uscc

from generator.validate.corrections import META_SHEET, NOTE_HEADER, ROW_HEADER
from generator.validate.folder import validate_folder

ROOT = Path(__file__).resolve().parent.parent
YELLOW = "00FFFF00"


def _gongkai(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args],
                          capture_output=True, text=True, check=False, cwd=ROOT)  # fmt: skip


def _fix(value: str, comment: str) -> str | None:
    """What an operator would type into a highlighted cell whose error a cell edit can fix
    (an impossible date, a wrong check character, an unknown outcome wording)."""
    if "不是有效日期" in comment:
        return "2024-06-30"
    if "校验位错误" in comment and len(value) == 18:
        return value[:17] + uscc.calc_check_digit(value[:17])
    if "无法对应到标准结果" in comment:
        return "未发现问题"
    return None


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory) -> dict[str, object]:
    data = tmp_path_factory.mktemp("demo") / "data"
    shutil.copytree(ROOT / "data", data)
    workbook = data.parent / "待更正.xlsx"
    first = _gongkai("validate", str(data), "--corrections", str(workbook))
    before = validate_folder(data)
    book = openpyxl.load_workbook(workbook)
    fixed: list[tuple[str, int]] = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        for line in sheet.iter_rows(min_row=2):
            bad = [c for c in line if c.fill.start_color.rgb == YELLOW]
            fixes = [_fix(str(c.value), c.comment.text if c.comment else "") for c in bad]
            if bad and all(fixes):
                for cell, value in zip(bad, fixes):
                    cell.value = value
                fixed.append((sheet.title, line[0].value))
    book.save(data / "exports" / "待更正.xlsx")  # dropped into the data folder
    after = validate_folder(data)
    again = data.parent / "仍待更正.xlsx"
    second = _gongkai("validate", str(data), "--corrections", str(again))
    return {"first": first, "before": before, "after": after, "fixed": fixed,
            "workbook": workbook, "again": again, "second": second, "data": data}  # fmt: skip


def test_the_workbook_holds_every_quarantined_row_with_its_errors(round_trip) -> None:
    before = round_trip["before"]
    assert round_trip["first"].returncode == 1
    assert "更正表已写出" in round_trip["first"].stdout
    book = openpyxl.load_workbook(round_trip["workbook"])
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    quarantined = {f.path: sum(s == "quarantined" for s in f.rows.values()) for f in before.files}
    assert sum(s.max_row - 1 for s in visible) == before.total("quarantined") == 18
    assert len(visible) == sum(1 for n in quarantined.values() if n)
    assert book[META_SHEET].sheet_state == "hidden"
    for sheet in visible:
        headers = [c.value for c in sheet[1]]
        assert headers[0] == ROW_HEADER and headers[-1] == NOTE_HEADER
        for line in sheet.iter_rows(min_row=2, values_only=True):
            assert line[-1], "every row says what is wrong"
    text = json.dumps([[c for c in r] for s in visible for r in s.iter_rows(values_only=True)],
                      ensure_ascii=False, default=str)  # fmt: skip
    for secret in ("身份证", "手机", "联系电话"):  # withheld columns are not written
        assert secret not in text


def test_fixed_rows_are_accepted_once_and_the_accounting_balances(round_trip) -> None:
    before, after, fixed = round_trip["before"], round_trip["after"], round_trip["fixed"]
    assert len(fixed) >= 3
    assert after.total() == before.total(), "rows in do not change: a correction replaces a row"
    assert after.total("quarantined") == before.total("quarantined") - len(fixed)
    assert after.total("published") == before.total("published") + len(fixed)
    assert after.balanced
    ids = [r["result_id"] for r in after.public_tables()["results"]]
    assert len(ids) == len(set(ids)), "no duplicates"
    assert any(i.code == "corrections-applied" for i in after.warnings)


def test_rows_still_wrong_stay_in_the_next_workbook(round_trip) -> None:
    book = openpyxl.load_workbook(round_trip["again"])
    rows = [r for s in book.worksheets if s.sheet_state == "visible"
            for r in s.iter_rows(min_row=2, values_only=True)]  # fmt: skip
    assert len(rows) == 18 - len(round_trip["fixed"])
    assert round_trip["second"].returncode == 1


def test_a_fixed_source_row_wins_over_a_stale_workbook(round_trip, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(round_trip["data"], data)
    source = data / "exports" / "检查结果_卫健局_2024.csv"
    text = source.read_bytes().decode("utf-8-sig").replace("20240631", "20240629")
    source.write_bytes(("\ufeff" + text).encode("utf-8"))
    report = validate_folder(data)
    assert any(i.code == "corrections-stale" for i in report.warnings)
    assert report.balanced


@pytest.mark.slow
def test_build_writes_the_workbook_for_the_operator_but_never_into_the_site(tmp_path) -> None:
    site = tmp_path / "site"
    refused = _gongkai("build", "data", "--out", str(site), "--no-progress",
                       "--corrections", str(site / "待更正.xlsx"))  # fmt: skip
    assert refused.returncode == 2 and "不能写在网站目录中" in refused.stderr
    assert not site.exists()
    workbook = tmp_path / "待更正.xlsx"
    built = _gongkai("build", "data", "--out", str(site), "--no-progress",
                     "--corrections", str(workbook))  # fmt: skip
    assert built.returncode == 1 and "更正表已写出" in built.stdout
    sheets = openpyxl.load_workbook(workbook).sheetnames
    assert META_SHEET in sheets and len(sheets) > 1
    assert not [p for p in site.rglob("*") if "更正" in p.name]
