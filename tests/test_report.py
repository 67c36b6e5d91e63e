"""``gongkai report monthly``: the 月报表 XLSX reopens with openpyxl and equals the site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from helpers import DATA_DIR

from generator.cli.commands import cli
from generator.stats.figures import FIGURES, TOTAL
from generator.stats.monthly import SHEET

pytestmark = pytest.mark.slow

MONTH = "2024-05"
MSC = "示例县市场监督管理局"


def read_monthly_report(path: Path) -> dict[str, Any]:
    """The figures of a 月报表 as an operator's spreadsheet would see them, read back by label."""

    sheet = openpyxl.load_workbook(path)[SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_col=1, max_col=4)]
    figures: dict[str, Any] = {"units": []}
    by_label = {(r[1], r[2]): r[3] for r in rows}
    for key, label, sub in FIGURES:
        figures[key] = by_label[(label, sub)]
    figures["website"] = by_label[("随机抽查结果公示数量及网站", "公示网站")]
    organised = by_label[("本月组织随机抽查的文件", None)]
    figures["tasks_organised"] = [] if organised == "无" else str(organised).split("\n")
    header = next(n for n, r in enumerate(rows) if r[1] == "开展的单位")
    for r in rows[header + 1 :]:
        if r[1] is None:
            break
        figures["units"].append({"unit": r[1], "inspections": r[2], "published": r[3]})
    return figures


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, ["report", "monthly", str(DATA_DIR), *args])


def _site_month(site: Path, month: str) -> dict[str, dict[str, int]]:
    """The 本月开展情况 table of a month page: {department: {figure key: number}}."""
    soup = BeautifulSoup(
        (site / "statistics" / month / "index.html").read_text("utf-8"), "html.parser"
    )
    table = soup.find("h2", id="本月开展情况").find_next("table")
    headers = [th.get_text(strip=True) for th in table.find_all("th")][1:]
    labels = {f"{label}：{sub}": key for key, label, sub in FIGURES}
    figures: dict[str, dict[str, int]] = {h: {} for h in headers}
    for tr in table.find("tbody").find_all("tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        key = labels.get(cells[0])
        if key:
            for header, value in zip(headers, cells[1:]):
                figures[header][key] = int(value.replace(",", ""))
    return figures


@pytest.mark.parametrize("department", [None, MSC])
def test_monthly_xlsx_equals_the_site(demo_site, tmp_path: Path, department: str | None) -> None:
    out = tmp_path / "月报表.xlsx"
    args = ["--month", MONTH, "--out", str(out)] + (
        ["--department", department] if department else []
    )
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert "月报表已生成" in result.output
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("二、“双随机、一公开”监管工作开展情况" in t for t in texts)
    # 一、安排部署情况 is free text for the operator: its answer cells stay empty.
    assert [sheet.cell(row=r, column=4).value for r in (4, 5, 6)] == [None, None, None]
    written = read_monthly_report(out)
    site = _site_month(demo_site[0], MONTH)[department or TOTAL]
    assert {key: written[key] for key, _, _ in FIGURES} == site
    assert site["inspections"] > 0 and site["published"] > 0
    assert "示例县双随机、一公开公示平台" in written["website"]
    units = {u["unit"] for u in written["units"]}
    assert units == ({MSC} if department else {MSC, "示例县卫生健康局", "示例县文化和旅游局"})


def test_monthly_report_refuses_bad_input(tmp_path: Path) -> None:
    bad_month = _run("--month", "2024-13", "--out", str(tmp_path / "x.xlsx"))
    assert bad_month.exit_code == 2 and "2024-05" in bad_month.output
    unknown = _run("--month", MONTH, "--department", "不存在局", "--out", str(tmp_path / "x.xlsx"))
    assert unknown.exit_code == 2 and "不存在局" in unknown.output and MSC in unknown.output
    assert not (tmp_path / "x.xlsx").exists()


def test_report_help_is_bilingual() -> None:
    result = CliRunner().invoke(cli, ["report", "monthly", "-h"])
    assert result.exit_code == 0
    assert "月报表" in result.output and "monthly form" in result.output
