"""Tests for generator.pages: Markdown escaping and the generated pages."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from generator.build import publish_site
from generator.pages import (
    GENERATED_DIR,
    HOME_SNIPPET,
    QUALITY_PAGE,
    escape_markdown_cell,
    render_home_snippet,
    render_quality_page,
    write_generated_pages,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "a | b | c",
    "**粗体** _斜体_ `代码` # 标题",
    "&lt;已转义&gt; &amp; &#x27;",
    '--8<-- "about.md"',
    "{: onclick=alert(1) }",
    "第一行\n| 第二行 | 伪造 |\r\n第三行",
    "\x02wzxhzdk:0\x03",
    "\\",
    "![图](http://example.com/x.png)",
]


def _report(**changes: object) -> dict:
    """A small report in the shape of ``Report.to_dict()``."""
    report = {
        "rows_in": 10,
        "rows_published": 6,
        "rows_quarantined": 3,
        "rows_withheld": 1,
        "balanced": True,
        "records": {"results": 5, "items": 2, "plans": 1, "tasks": 1, "draws": 0, "handbook": 0},
        "data_as_of": "2024-12-20",
        "files": [
            {
                "path": "exports/结果.csv",
                "kind": "results",
                "kind_title": "检查结果",
                "format": "csv",
                "encoding": "gb18030",
                "rows_in": 8,
                "rows_published": 4,
                "rows_quarantined": 3,
                "rows_withheld": 1,
            },
            {
                "path": "exports/事项.xlsx",
                "kind": "items",
                "kind_title": "抽查事项清单",
                "format": "xlsx",
                "encoding": None,
                "rows_in": 2,
                "rows_published": 2,
                "rows_quarantined": 0,
                "rows_withheld": 0,
            },
        ],
        "errors": [
            _issue("exports/结果.csv", 7, "检查日期", "invalid-date", "2024-13-01"),
            _issue("exports/结果.csv", 3, "统一社会信用代码", "invalid-uscc-check", "91110000X"),
            _issue("exports/结果.csv", 5, "企业名称", "missing-value", None),
        ],
        "warnings": [_issue("exports/事项.xlsx", None, "备注", "unknown-column", None, "warning")],
        "conflicts": [
            {
                "kind": "results",
                "key": "JG-2024-001",
                "winner": {"file": "exports/结果.csv", "row": 4},
                "losers": [{"file": "exports/旧结果.csv", "row": 9}],
            }
        ],
    }
    report.update(changes)
    return report


def _issue(file, row, column, code, value, level="error"):
    issue = {
        "file": file,
        "row": row,
        "column": column,
        "code": code,
        "level": level,
        "message": f"第 {row} 行「{column}」有问题",
        "hint": "请核对",
    }
    if value is not None:
        issue["value"] = value
    return issue


def _plain(value: str) -> str:
    """The text a value should show: one line, control characters as spaces, trimmed."""
    text = " ".join(value.splitlines())
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).strip()


def _cells(markdown_text: str) -> list[list[str]]:
    """Render Markdown tables as MkDocs would and return each body row's cell texts."""
    html = markdown.markdown(markdown_text, extensions=["tables", "admonition"])
    soup = BeautifulSoup(html, "html.parser")
    return [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]


# Escaping


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("未发现问题", "未发现问题"),
        (42, "42"),
        ("a|b", "a\\|b"),
        ("<b>", "&lt;b&gt;"),
        ("第一行\n第二行", "第一行 第二行"),
        ("R-2024_01", "R\\-2024\\_01"),
        ("'", "&#x27;"),
    ],
)
def test_escape_markdown_cell_examples(value, expected):
    assert escape_markdown_cell(value) == expected


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_value_renders_as_its_own_text(value):
    """Each hostile value comes out as one cell of plain text, with no element inside."""
    table = "| 值 | 下一列 |\n| --- | --- |\n| " + escape_markdown_cell(value) + " | 末尾 |"
    html = markdown.markdown(table, extensions=["tables"])
    cells = BeautifulSoup(html, "html.parser").select("tbody td")
    assert [c.find(True) for c in cells] == [None, None]
    assert [c.get_text() for c in cells] == [_plain(value), "末尾"]


# Any character, with Markdown and HTML syntax drawn far more often than chance would.
SYNTAX = list("<>&#;[]()!*_`\\|-+{}:/=~^.\n\t\"' ")
TEXT = st.text(st.one_of(st.sampled_from(SYNTAX), st.characters(codec="utf-8")), max_size=60)


@given(TEXT)
def test_any_text_stays_one_plain_cell(value):
    table = "| 值 |\n| --- |\n| " + escape_markdown_cell(value) + " |"
    html = markdown.markdown(table, extensions=["tables"])
    cells = BeautifulSoup(html, "html.parser").select("tbody td")
    assert len(cells) == 1
    assert cells[0].find(True) is None
    assert cells[0].get_text().strip() == _plain(value)


def test_hostile_values_are_inert_in_the_built_site(project_copy, tmp_path):
    """Through MkDocs and Material, hostile values add no element, link or script."""
    errors = [
        {**_issue(value, 2, value, value, value), "message": value, "hint": value}
        for value in HOSTILE
    ]
    conflicts = [
        {"kind": value, "key": value, "winner": {"file": value, "row": 1}, "losers": []}
        for value in HOSTILE
    ]
    report = _report(errors=errors, warnings=[], conflicts=conflicts)
    site = tmp_path / "site"

    publish_site(report, site, config_file=project_copy)

    soup = BeautifulSoup((site / "quality/index.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article")
    assert article.find_all(["script", "img", "iframe", "style"]) == []
    assert all(not a["href"].startswith("javascript") for a in soup.find_all("a", href=True))
    assert not soup.find_all(attrs={"onclick": True}) + soup.find_all(attrs={"onerror": True})
    expected = sorted(_plain(v) for v in HOSTILE)
    value_cells = [tr.find_all("td")[-1] for tr in article.select("tbody tr") if len(tr("td")) == 6]
    assert sorted(td.get_text() for td in value_cells) == expected
    key_cells = [tr.find_all("td")[1] for tr in article.select("tbody tr") if len(tr("td")) == 4]
    assert sorted(td.get_text() for td in key_cells) == expected
    assert all(td.find(True) is None for td in value_cells + key_cells)


# The quality page


def test_quality_page_states_the_balance():
    page = render_quality_page(_report())
    assert "读入 = 公示 + 隔离 + 不予公示：10 = 6 + 3 + 1" in page
    assert "行数平衡" in page

    unbalanced = render_quality_page(_report(rows_in=11))
    assert "行数不平衡" in unbalanced
    assert "相差 1 行" in unbalanced


def test_quality_page_tables():
    page = render_quality_page(_report())
    rows = _cells(page)
    assert ["读入", "10", "导出文件中的全部数据行"] in rows
    assert ["exports/事项.xlsx", "抽查事项清单", "xlsx", "—", "2", "2", "0", "0"] in rows
    assert ["exports/结果.csv", "检查结果", "csv", "gb18030", "8", "4", "3", "1"] in rows
    # Errors are grouped per file and sorted by row; the file is the group heading.
    error_rows = [r for r in rows if len(r) == 6 and r[2].startswith(("invalid", "missing"))]
    assert [r[0] for r in error_rows] == ["3", "5", "7"]
    assert error_rows[0][5] == "91110000X"
    assert error_rows[1][5] == ""  # a masked or withheld field has no value
    assert "### exports/结果.csv（3 条）" in page
    conflict = ["检查结果", "JG-2024-001", "exports/结果.csv 第 4 行", "exports/旧结果.csv 第 9 行"]
    assert conflict in rows


def test_quality_page_records_follow_the_schema_order():
    rows = _cells(render_quality_page(_report()))
    kinds = [r[0] for r in rows if len(r) == 2]
    assert kinds[:6] == [
        "抽查事项清单",
        "年度抽查计划",
        "抽查任务",
        "抽取记录",
        "检查结果",
        "合规手册",
    ]


def test_quality_page_without_issues():
    page = render_quality_page(_report(errors=[], warnings=[], conflicts=[], data_as_of=None))
    assert "未发现错误。" in page
    assert "未发现警告。" in page
    assert "未发现冲突。" in page
    assert "数据截至：暂无" in page


def test_quality_page_is_deterministic():
    report = _report()
    shuffled = copy.deepcopy(report)
    rng = random.Random(1)
    for key in ("files", "errors", "warnings", "conflicts"):
        rng.shuffle(shuffled[key])
    shuffled["records"] = dict(reversed(list(report["records"].items())))
    assert render_quality_page(shuffled) == render_quality_page(report)
    assert render_home_snippet(shuffled) == render_home_snippet(report)


def test_home_snippet_has_date_and_counts():
    snippet = render_home_snippet(_report())
    assert "数据截至：2024\\-12\\-20" in snippet
    assert ["检查结果", "5"] in _cells(snippet)
    assert "本期共读入 10 行数据：公示 6 行，隔离 3 行，不予公示 1 行。" in snippet


def test_write_generated_pages_replaces_stale_files(tmp_path: Path):
    stale = tmp_path / GENERATED_DIR / "old.md"
    stale.parent.mkdir()
    stale.write_text("旧页面", encoding="utf-8")

    written = write_generated_pages(_report(), tmp_path)

    root = tmp_path / GENERATED_DIR
    assert written == sorted([root / QUALITY_PAGE, root / HOME_SNIPPET])
    assert not stale.exists()
    before = {p: p.stat().st_mtime_ns for p in written}
    write_generated_pages(_report(), tmp_path)
    assert {p: p.stat().st_mtime_ns for p in written} == before  # unchanged files left alone
