"""The bundled demo corpus: every planted error found, nothing else, every row accounted for."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from helpers import personal_values

from generator.core.schemas import load_schemas
from generator.validate.folder import validate_folder
from generator.validate.report import Report

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def report() -> Report:
    return validate_folder(DATA)


def test_exactly_the_planted_errors_are_reported(report: Report) -> None:
    planted = json.loads((DATA / "planted_errors.json").read_text(encoding="utf-8"))
    expected = {(e["file"], e["row"], e["column"], e["code"]) for e in planted}
    found = {(e["file"], e["row"], e["column"], e["code"]) for e in report.to_dict()["errors"]}
    assert found == expected
    assert report.to_dict()["warnings"] == []


def test_every_row_is_accounted_for(report: Report) -> None:
    summary = report.to_dict()
    for entry in summary["files"]:
        assert entry["rows_in"] == (
            entry["rows_published"] + entry["rows_quarantined"] + entry["rows_withheld"]
        ), entry["path"]
    assert summary["rows_in"] == (
        summary["rows_published"] + summary["rows_quarantined"] + summary["rows_withheld"]
    )
    planted_rows = {(e["file"], e["row"]) for e in summary["errors"]}
    assert summary["rows_quarantined"] == len(planted_rows)
    # The two planted 不予公示 rows, and any population list (检查对象名录: never published).
    population = sum(e["rows_in"] for e in summary["files"] if e["kind"] == "targets")
    assert summary["rows_withheld"] == 2 + population


def test_corpus_has_the_size_the_brief_asks_for(report: Report) -> None:
    tables = report.tables
    assert len(tables["items"]) >= 40
    assert len(tables["plans"]) >= 3
    assert {p["plan_type"] for p in tables["plans"]} == {"本部门", "部门联合"}
    assert len(tables["tasks"]) >= 30
    assert len(tables["results"]) >= 3000
    assert len({h["industry"] for h in tables["handbook"]}) >= 3
    assert len({t["lead_department"] for t in tables["tasks"]}) >= 2
    sole_traders = [r for r in tables["results"] if r["uscc"].startswith("92")]
    assert sole_traders
    assert any(r["code_type"] == "注册号" for r in tables["results"])


def test_every_messy_format_is_present(report: Report) -> None:
    formats = {(f.format, f.encoding) for f in report.files}
    assert {("xlsx", None), ("csv", "gb18030"), ("csv", "utf-8-sig")} <= formats
    raw = {p.name: p.read_bytes() for p in (DATA / "exports").glob("*.csv")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values())
    assert any(not b.startswith(b"\xef\xbb\xbf") and b.isascii() is False for b in raw.values())
    from generator.ingest.text import decode_text

    text = "".join(decode_text(b)[0] for b in raw.values())
    for sample in ("2024/3/", "年9月", ",202406", "-03-"):
        assert sample in text, sample
    book = openpyxl.load_workbook(DATA / "exports" / "检查结果_市场监管局_2024上半年.xlsx")
    sheet = book.active
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    values = [c.value for row in sheet.iter_rows(min_row=3, max_row=200) for c in row]
    assert any(hasattr(v, "year") for v in values)  # real Excel date cells
    assert any(isinstance(v, int) and 40000 < v < 50000 for v in values)  # Excel serials



def test_withheld_personal_data_appears_in_no_output(report: Report) -> None:
    personal = personal_values()
    assert len(personal) > 100
    dumped = json.dumps([report.to_dict(), report.tables], ensure_ascii=False, default=str)
    leaks = [value for value in personal if value in dumped]
    assert leaks == []
    names = [r.get("operator_name") for r in report.tables["results"] if r.get("operator_name")]
    assert names and all(n[1:] == "*" * (len(n) - 1) for n in names)


def test_risk_classes_never_reach_public_tables(report: Report) -> None:
    internal = {f.name for k in load_schemas().values() for f in k.fields if f.publicity == "internal"}
    for rows in report.public_tables().values():
        for row in rows:
            assert not internal & set(row)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_generator_reproduces_the_committed_corpus(tmp_path: Path) -> None:
    out, private = tmp_path / "data", tmp_path / "private"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_demo_data.py"), "--out", str(out),
         "--private", str(private)],
        check=True,
        capture_output=True,
    )
    assert _digest(out) == _digest(DATA)
    assert _digest(private) == _digest(ROOT / "demo" / "private")


def test_no_private_draw_input_is_in_the_published_data(report: Report) -> None:
    """The regulator's population (with 信用风险分类) is a draw input, kept in demo/private/:
    nothing in data/ is read as a 检查对象名录, and the quality report counts no such rows."""
    assert [f.path for f in report.files if f.kind == "targets"] == []
    assert report.to_dict()["records"].get("targets", 0) == 0
    names = {p.name for p in (ROOT / "demo" / "private").iterdir()}
    assert {"检查对象名录_2024.csv", "执法检查人员名录_2024.json", "README.md"} <= names


def test_planted_overdue_cases(report: Report) -> None:
    """scripts/make_demo_data.py plant_overdue: three drawn firms without any result row,
    one result row set for a firm its task never drew (the 统计 page's 逾期未公示 list)."""
    planted = json.loads((DATA / "planted_overdue.json").read_text(encoding="utf-8"))
    kinds = [p["kind"] for p in planted]
    assert kinds.count("drawn-not-published") == 3 and kinds.count("result-without-draw") == 1
    results = {(r["task_id"], r["uscc"]) for r in report.tables["results"]}
    drawn = {(r["task_id"], r["uscc"]) for r in report.tables["draws"] if r.get("uscc")}
    for case in planted:
        key = (case["task_id"], case["uscc"])
        if case["kind"] == "drawn-not-published":
            assert key in drawn and key not in results and key not in report.held_back
        else:
            assert key in results and key not in drawn
    assert len(report.tables["results"]) == 3225
    with_dates = [r for r in report.tables["results"] if r.get("disposal_on")]
    assert len(with_dates) == 611  # 471 in the planted cases' files, 140 more with follow-ups
