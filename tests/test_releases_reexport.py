"""Releases against real re-exports: the same facts in another shape are no change, and a
results file that went missing stops the build instead of publishing mass withdrawals.

Regulators re-export: the next release's files come as GBK instead of UTF-8, XLSX instead of
CSV, with other header synonyms, columns reordered, dates as Excel serials or ``2024/5/6``,
``(中国)`` for ``（中国）``, padded names, ``正常`` for ``未发现问题``, one row per enterprise
instead of one per item, one file split in two. None of that may publish a 更正 or a 撤回.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import openpyxl
import pytest
from helpers import DATA_DIR

from generator.build import build_site
from generator.core.errors import BuildAbort
from generator.core.schemas import match_outcome
from generator.core.values import parse_date
from generator.model.releases import QUARANTINED_REASON, changed_fields, published_deletions
from generator.model.tables import published_tables

CULTURE = "检查结果_文旅局_2024.csv"  # UTF-8, one row per item, ISO dates
HEALTH = "检查结果_卫健局_2024.csv"  # UTF-8-BOM, compact dates 20240522
HANDBOOK = "合规手册.csv"
VARIANT = {"未发现问题": "正常（符合信息公示相关规定）", "发现问题已责令改正": "发现问题经责令已改正",
           "发现问题经责令已改正": "发现问题已责令改正"}  # fmt: skip
SYNONYM = {"检查对象名称": "市场主体名称", "企业名称": "抽查市场主体名称", "信用代码": "统一社会信用代码/注册号",
           "统一社会信用代码（注册号）": "注册号/统一社会信用代码", "检查结果": "抽查检查结果",
           "检查时间": "抽查完成日期", "检查日期": "检查时间", "抽查单位": "检查机关", "检查机关": "抽查机关",
           "公示日期": "公示时间", "检查事项": "抽查事项", "后续处置": "处置情况", "处置日期": "后续处置日期"}  # fmt: skip
DATES = {"检查时间", "检查日期", "公示日期", "处置日期", "更新日期"}


def _read(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _name(text: str) -> str:
    """Another export's spelling of a name: other bracket width, trailing spaces."""
    if "（" in text:
        return text.replace("（", "(").replace("）", ")") + " "
    return text.replace("(", "（").replace(")", "）") + "  "


def _restyled(header: list[str], row: list[str], date) -> list:
    out: list = []
    for name, cell in zip(header, row):
        if name in DATES and parse_date(cell or "-"):
            out.append(date(parse_date(cell)))
        elif name in ("检查对象名称", "企业名称") and cell:
            out.append(_name(cell))
        elif name == "检查结果":
            out.append("；".join(VARIANT.get(p, p) for p in cell.split("；")))
        else:
            out.append(cell)
    return out


def _serial(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - dt.date(1899, 12, 30)).days


def _slashed(iso: str) -> str:
    return "/".join(str(int(p)) for p in iso.split("-"))


def _reexport(source: Path, target: Path) -> None:
    """The demo data with three exports re-exported in another shape, same facts."""
    shutil.copytree(source, target)
    exports = target / "exports"
    # 文旅局: CSV one row per item -> XLSX one row per enterprise and task, Excel serial
    # dates, reversed columns, other header synonyms, a title row and extra empty sheets.
    header, rows = _read(exports / CULTURE)
    (exports / CULTURE).unlink()
    col = {name: i for i, name in enumerate(header)}
    grouped: dict[tuple, list[list[str]]] = {}
    for row in rows:
        if row[col["后续处置"]] or match_outcome(row[col["检查结果"]] or "-") is None:
            grouped[(len(grouped),)] = [row]  # a disposal or a bad outcome stays on its own
            continue
        key = tuple(c for i, c in enumerate(row) if i not in (col["检查事项"], col["检查结果"]))
        grouped.setdefault(key, []).append(row)
    merged = []
    for group in grouped.values():
        row = list(group[0])
        row[col["检查事项"]] = "；".join(r[col["检查事项"]] for r in group)
        outcomes = [r[col["检查结果"]] for r in group]
        row[col["检查结果"]] = outcomes[0] if len(set(outcomes)) == 1 else "；".join(outcomes)
        merged.append(row)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["示例县文化和旅游局抽查检查结果"])
    sheet.append([SYNONYM.get(h, h) for h in reversed(header)])
    for row in merged:
        sheet.append(list(reversed(_restyled(header, row, _serial))))
    book.create_sheet("Sheet2")
    book.save(exports / "文旅局结果导出(2024).xlsx")
    # 卫健局: one UTF-8-BOM CSV -> two GB18030 CSVs, columns reordered, 2024/5/6 dates.
    header, rows = _read(exports / HEALTH)
    (exports / HEALTH).unlink()
    order = sorted(range(len(header)), key=lambda i: header[i])
    for part, chunk in (("一", rows[: len(rows) // 2]), ("二", rows[len(rows) // 2 :])):
        with (exports / f"卫健局_{part}.csv").open("w", encoding="gb18030", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([SYNONYM.get(header[i], header[i]) for i in order])
            for row in chunk:
                styled = _restyled(header, row, _slashed)
                writer.writerow([styled[i] for i in order])
    # Handbook: CSV -> XLSX, CRLF line ends and trailing spaces in the bodies.
    header, rows = _read(exports / HANDBOOK)
    (exports / HANDBOOK).unlink()
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        body = header.index("正文")
        row[body] = row[body].replace("\n", " \r\n")
        book.active.append(row)
    book.save(exports / "合规手册.xlsx")


@pytest.fixture(scope="module")
def reexport(demo_site, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("reexport")
    _reexport(DATA_DIR, root / "data")
    site = root / "site"
    build_site(root / "data", site, previous=demo_site[0])
    return {"root": root, "first": demo_site[0], "site": site}


def test_the_same_facts_re_exported_are_no_change(reexport) -> None:
    site, first = reexport["site"], reexport["first"]
    data = site / "data"
    # The re-export really is different: other names' bytes, other outcome wordings.
    new_rows = json.loads((data / "results.json").read_text(encoding="utf-8"))
    old_rows = json.loads((first / "data" / "results.json").read_text(encoding="utf-8"))
    assert {r["result_id"] for r in new_rows} == {r["result_id"] for r in old_rows}
    assert sum(r["entity_name"].endswith(" ") for r in new_rows) > 500
    assert sum(r["outcome_text"] == "正常（符合信息公示相关规定）" for r in new_rows) > 300
    # ... and yet nothing changed.
    assert not (data / "delta.json").exists() or (data / "delta.json").read_text("utf-8") == ""
    history = json.loads((data / "changes.json").read_text(encoding="utf-8"))
    assert history["releases"][0]["changes"] == {"ADD": 0, "MOD": 0, "DEL": 0}
    assert history["corrections"] == [] and history["withdrawals"] == []
    kinds = {t["term"] for e in feedparser.parse((site / "feed.atom").read_bytes()).entries
             for t in e.get("tags", [])}  # fmt: skip
    assert not kinds & {"correction", "withdrawal"}
    pages = [p for p in site.rglob("index.html") if "更正说明（" in p.read_text("utf-8")]
    assert pages == [] and not (site / "result").exists()


def test_changed_fields_ignore_the_shape_of_a_value_not_its_meaning() -> None:
    results, handbook = published_tables()["results"], published_tables()["handbook"]
    old = {"entity_name": "雅芳（中国）有限公司", "outcome": "未发现问题", "outcome_code": "01",
           "outcome_text": "未发现问题", "inspected_on": "2024-05-06"}  # fmt: skip
    same = {**old, "entity_name": "雅芳(中国)有限公司  ", "outcome_text": "正常"}
    assert changed_fields(results, old, same) == []
    other = {**same, "entity_name": "雅芳（中国）日用品有限公司", "outcome": "注销",
             "outcome_code": "10", "outcome_text": "已注销"}  # fmt: skip
    assert changed_fields(results, old, other) == ["entity_name", "outcome", "outcome_code",
                                                   "outcome_text"]  # fmt: skip
    body = "第一段\n\n- 要点"
    assert changed_fields(handbook, {"body": body}, {"body": "第一段 \r\n\r\n- 要点\n"}) == []
    # A paragraph break is meaning in Markdown: joining two paragraphs is a change.
    assert changed_fields(handbook, {"body": body}, {"body": "第一段\n- 要点"}) == ["body"]


def _without(data: Path, name: str) -> None:
    (data / "exports" / name).unlink()


def test_a_results_file_left_out_stops_the_build(reexport, tmp_path: Path) -> None:
    """Without the 卫健局 file, ~450 results would be published as withdrawn: refused."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    _without(data, HEALTH)
    site = tmp_path / "site"
    command = [sys.executable, "-m", "generator", "build", str(data), "--out", str(site),
               "--previous", str(reexport["first"]), "--no-progress"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert "检查结果" in result.stderr and "没有在数据中声明撤回" in result.stderr
    assert "--allow-mass-deletion" in result.stderr and not site.exists()
    # The operator confirms: published, with a warning that names the count.
    result = subprocess.run([*command, "--allow-mass-deletion"], capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode == 1, result.stderr  # the demo data has quarantined rows
    lines = (site / "data" / "delta.json").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 300 and {json.loads(line)["op"] for line in lines} == {"DEL"}
    assert f"检查结果 {len(lines)} 条" in result.stderr


def test_a_few_results_gone_are_published_with_a_warning_and_quarantine_is_no_withdrawal(
    reexport, tmp_path: Path
) -> None:
    """Below the threshold the build goes on. A result whose row is still in the data but
    now fails validation is not “gone from the source”: its notice says so."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "exports" / CULTURE
    header, rows = _read(path, "utf-8")
    broken = rows[0]
    broken[header.index("检查时间")] = "2024-13-45"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    build_site(data, tmp_path / "site", previous=reexport["first"])
    lines = [json.loads(line) for line in
             (tmp_path / "site" / "data" / "delta.json").read_text("utf-8").splitlines()]  # fmt: skip
    assert lines and {line["op"] for line in lines} == {"DEL"}
    assert {line["reason"] for line in lines} == {QUARANTINED_REASON}
    assert published_deletions(tmp_path / "site") == {"results": len(lines)}


def test_the_guard_counts_only_undeclared_disappearances(reexport, tmp_path: Path) -> None:
    """Withdrawing many results on purpose (撤回 declared) is no accident and builds."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "exports" / CULTURE
    header, rows = _read(path, "utf-8")
    header += ["公示状态", "撤回原因", "撤回日期"]
    rows = [row + (["撤回", "任务整体撤销", "2024-11-30"] if n < 200 else ["", "", ""])
            for n, row in enumerate(rows)]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    build_site(data, tmp_path / "site", previous=reexport["first"])
    assert published_deletions(tmp_path / "site") == {}
    history = json.loads((tmp_path / "site" / "data" / "changes.json").read_text("utf-8"))
    assert len(history["withdrawals"]) > 180 and all(w["declared"] for w in history["withdrawals"])
    # The same withdrawals undeclared (rows deleted) are refused.
    shutil.rmtree(data)
    shutil.copytree(DATA_DIR, data)
    header, rows = _read(path, "utf-8")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows[200:]])
    with pytest.raises(BuildAbort, match="从数据中消失"):
        build_site(data, tmp_path / "site-2", previous=reexport["first"])


def test_a_column_left_out_of_a_re_export_stops_the_build(reexport, tmp_path: Path) -> None:
    """Without its 公示日期 column, every 文旅局 result would be “corrected” to no date: refused."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "exports" / CULTURE
    header, rows = _read(path, "utf-8")
    drop = header.index("公示日期")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([r[:drop] + r[drop + 1 :] for r in [header, *rows]])
    with pytest.raises(BuildAbort, match="检查结果的“公示日期”.* 条由有值变为空值"):
        build_site(data, tmp_path / "site", previous=reexport["first"])
    assert not (tmp_path / "site").exists()
    # Confirmed by the operator, the emptied dates are published as corrections.
    build_site(data, tmp_path / "site", previous=reexport["first"], allow_mass_deletion=True)
    lines = [json.loads(line) for line in
             (tmp_path / "site" / "data" / "delta.json").read_text("utf-8").splitlines()]  # fmt: skip
    assert len(lines) > 100 and all("published_on" in line["changes"] for line in lines)
