"""Real export samples: the same findings whether they come as UTF-8, GB18030 or XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from generator.validate.folder import validate_folder

REAL = Path(__file__).parent / "fixtures" / "real"
TITLE = "XX市市场监督管理局双随机抽查结果公示"

# The real errors these samples contain (checked by hand against the check-digit rules).
EXPECTED_ERRORS = {
    ("real_objects_zj2017_annualreport_task", 115, "注册号/统一社会信用代码", "invalid-uscc-check"),
    ("real_objects_zj2017_annualreport_task", 151, "注册号/统一社会信用代码", "invalid-regno-check"),
    ("real_objects_zj2017_annualreport_task", 152, "注册号/统一社会信用代码", "invalid-regno-check"),
    ("real_objects_zj2017_annualreport_task", 153, "注册号/统一社会信用代码", "invalid-regno-check"),
    ("real_objects_zj2017_annualreport_task", 154, "注册号/统一社会信用代码", "invalid-regno-check"),
}


def _write_gb18030(source: Path, target: Path) -> None:
    target.write_bytes(source.read_text(encoding="utf-8").encode("gb18030"))


def _write_xlsx_with_title(source: Path, target: Path) -> None:
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    book = openpyxl.Workbook()
    sheet = book.active
    width = max(len(r) for r in rows)
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for row in rows:
        sheet.append(row)
    book.save(target)


def _findings(folder: Path, shift: int) -> tuple[set[tuple[str, int, str, str]], dict[str, tuple[str, int, int]]]:
    report = validate_folder(folder).to_dict()
    errors = {
        (Path(e["file"]).name.split(".")[0], e["row"] - shift, e["column"], e["code"])
        for e in report["errors"]
    }
    files = {
        Path(f["path"]).name.split(".")[0]: (f["kind"], f["rows_in"], f["rows_quarantined"])
        for f in report["files"]
    }
    assert report["rows_in"] == (
        report["rows_published"] + report["rows_quarantined"] + report["rows_withheld"]
    )
    return errors, files


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("real")
    folders = {name: root / name for name in ("utf8", "gb18030", "xlsx")}
    for folder in folders.values():
        folder.mkdir()
    for source in sorted(REAL.glob("*.csv")):
        (folders["utf8"] / source.name).write_bytes(source.read_bytes())
        _write_gb18030(source, folders["gb18030"] / source.name)
        _write_xlsx_with_title(source, folders["xlsx"] / f"{source.stem}.xlsx")
    return folders


def test_real_samples_report_exactly_their_real_errors(variants: dict[str, Path]) -> None:
    errors, files = _findings(variants["utf8"], shift=0)
    assert errors == EXPECTED_ERRORS
    assert files["real_objects_zj2017_annualreport_task"] == ("targets", 153, 5)
    assert files["real_sxqd_zj2017"] == ("items", 75, 0)
    assert files["real_plan_shanggao_2023"] == ("plans", 7, 0)
    assert all(q == 0 for name, (_, _, q) in files.items() if "annualreport" not in name)


@pytest.mark.parametrize(("variant", "shift"), [("gb18030", 0), ("xlsx", 1)])
def test_encodings_and_title_rows_change_nothing(
    variants: dict[str, Path], variant: str, shift: int
) -> None:
    expected = _findings(variants["utf8"], shift=0)
    assert _findings(variants[variant], shift=shift) == expected
