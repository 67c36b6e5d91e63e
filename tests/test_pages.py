"""Tests for generator.publish.site.pages: Markdown escaping and the generated pages."""

from __future__ import annotations

import copy
import posixpath
import random
from pathlib import Path

import markdown
import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from generator.build import publish_site
from generator.model.entities import build_model
from generator.model.identity import industry_slug, record_path
from generator.publish.site.handbook import (
    handbook_page,
    render_handbook_index,
    render_handbook_page,
)
from generator.publish.site.lists import (
    render_home_snippet,
    render_items_page,
    render_latest_snippet,
    render_plans_page,
    render_tasks_page,
)
from generator.publish.site.markdown import (
    CONTACT_SNIPPET,
    DATA_DRIVEN_KEY,
    GENERATED_DIR,
    HANDBOOK_INDEX,
    HOME_SNIPPET,
    ITEMS_PAGE,
    LATEST_SNIPPET,
    NAV_KEY,
    PLANS_PAGE,
    QUALITY_PAGE,
    TASKS_PAGE,
    escape_markdown_cell,
    safe_title,
)
from generator.publish.site.pages import render_generated_pages, write_generated_pages
from generator.publish.site.quality import render_quality_page
from generator.publish.site.sanitize import is_clean

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


# The Markdown extensions of mkdocs.yml that matter for generated pages.
EXTENSIONS = ["admonition", "attr_list", "tables", "toc"]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}, "toc": {"permalink": True}}


def _html(markdown_text: str) -> str:
    """Render Markdown as MkDocs would (front matter removed)."""
    return markdown.markdown(
        _split_front_matter(markdown_text)[1],
        extensions=EXTENSIONS,
        extension_configs=EXTENSION_CONFIGS,
    )


def _split_front_matter(page: str) -> tuple[dict, str]:
    if not page.startswith("---\n"):
        return {}, page
    meta, _, body = page[4:].partition("\n---\n")
    return yaml.safe_load(meta), body


def _cells(markdown_text: str) -> list[list[str]]:
    """Render Markdown tables as MkDocs would and return each body row's cell texts."""
    soup = BeautifulSoup(_html(markdown_text), "html.parser")
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
    def rows(header: str) -> list:
        tables = [t for t in article.find_all("table") if t.find("th", string=header)]
        return [tr.find_all("td") for table in tables for tr in table.select("tbody tr")]

    value_cells = [cells[-1] for cells in rows("问题")]
    assert sorted(td.get_text() for td in value_cells) == expected
    key_cells = [cells[1] for cells in rows("键")]
    assert sorted(td.get_text() for td in key_cells) == expected
    assert all(td.find(True) is None for td in value_cells + key_cells)


# The quality page


def test_quality_page_states_the_balance():
    page = render_quality_page(_report())
    assert "读入 = 公示 + 隔离 + 不予公示 + 拒收：10 = 6 + 3 + 1 + 0" in page
    assert "行数平衡" in page

    unbalanced = render_quality_page(_report(rows_in=11))
    assert "行数不平衡" in unbalanced
    assert "相差 1 行" in unbalanced


def test_quality_page_tables():
    page = render_quality_page(_report())
    rows = _cells(page)
    assert ["读入", "10", "导出文件中的全部数据行"] in rows
    assert ["exports/事项.xlsx", "抽查事项清单", "xlsx", "—", "2", "2", "0", "0", "0"] in rows
    assert ["exports/结果.csv", "检查结果", "csv", "gb18030", "8", "4", "3", "1", "0"] in rows
    # Errors are grouped per file and sorted by row; the file is the group heading.
    # A public page: row, column, the problem in words and the value; no issue code, no fix.
    error_rows = [r for r in rows if len(r) == 4 and r[2].endswith("有问题") and r[0] != "—"]
    assert [r[0] for r in error_rows] == ["3", "5", "7"]
    assert error_rows[0][3] == "91110000X"
    assert error_rows[1][3] == ""  # a masked or withheld field has no value
    assert "invalid-" not in page and "请核对" not in page
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


def test_home_snippet_has_date_and_counts():
    snippet = render_home_snippet(_report(), _model())
    assert "数据截至：2024\\-12\\-20" in snippet
    rows = _cells(snippet)
    assert ["检查结果", "4"] in rows
    assert ["抽查事项", "3"] in rows and ["抽查任务", "2"] in rows and ["年度抽查计划", "2"] in rows
    assert ["被检查的市场主体", "2"] in rows
    assert ["发现问题的检查结果", "1（25.0%）"] in rows
    assert ["合规手册", "2 个行业，3 节"] in rows
    assert "本期共读入 10 行数据：公示 6 行，隔离 3 行，不予公示 1 行。" in snippet
    links = {a.get_text(): a["href"] for a in BeautifulSoup(_html(snippet), "html.parser")("a")}
    assert links["抽查事项"] == "generated/items.md"  # a Markdown link, which MkDocs checks


def test_home_snippet_without_results():
    snippet = render_home_snippet(_report(), build_model({}, None))
    assert ["发现问题的检查结果", "0（—）"] in _cells(snippet)


# Pages from the model

UNSAFE = "</title><script>alert(1)</script>"
CODES = ["91140902MA0F8NRF1D", "91140902MA05TE4N15"]


def _tables() -> dict[str, list[dict]]:
    """Public tables in the shape of ``Report.public_tables()``: hostile text in names."""
    return {
        "items": [
            {
                "item_id": "SJ-10",
                "name": "事项十",
                "category": "一般检查事项",
                "industry": "餐饮服务",
            },
            {
                "item_id": "SJ-2",
                "name": f"事项二{UNSAFE}",
                "sub_item": "子项 | 甲",
                "category": "重点检查事项",
                "department": "示例县市场监督管理局",
                "method": "实地核查",
                "industry": "餐饮服务",
            },
            {"item_id": "SJ-001号", "name": "编号不安全的事项", "category": "一般检查事项"},
        ],
        "plans": [
            {"plan_id": "P1", "name": "二〇二三年计划", "year": 2023, "published_on": "2023-02-01"},
            {
                "plan_id": "P2",
                "name": f"计划{UNSAFE}",
                "year": 2024,
                "department": "示例县市场监督管理局",
                "plan_type": "本部门",
                "start": "2024-03-01",
                "end": "2024-11-30",
                "published_on": "2024-02-26",
            },
        ],
        "tasks": [
            {
                "task_id": "T1",
                "plan_id": "P2",
                "name": f"任务{UNSAFE}",
                "lead_department": "示例县市场监督管理局",
                "item_ids": "SJ-2、SJ-10",
                "sample_size": 1200,
                "start": "2024-03-08",
                "end": "2024-04-22",
            },
            {"task_id": "T2", "plan_id": "P1", "name": "早的任务", "start": "2023-05-01"},
        ],
        "results": [
            _result("T1", CODES[0], "SJ-2", "2024-04-16", "2024-04-20", "未发现问题"),
            _result("T1", CODES[1], "SJ-2", "2024-04-17", "2024-04-21", "发现问题已责令改正"),
            _result("T1", CODES[1], "SJ-10", "2024-04-17", "2024-04-21", "未发现问题"),
            _result("T2", CODES[0], "SJ-10", "2023-05-10", "2023-05-20", "未发现问题"),
        ],
        "handbook": [
            _section(
                "餐饮服务", "CY-2", "第二节", "SJ-2；SJ-404", "**加粗** <script>alert(1)</script>"
            ),
            _section(
                "餐饮服务", "CY-10", f"第十节{UNSAFE}", "SJ-10", "[点我](javascript:alert(1))"
            ),
            _section(UNSAFE, "X-1", "标题", "", "# 大标题\n\n正文"),
        ],
    }


def _result(task, code, item, inspected, published, outcome):
    return {
        "task_id": task,
        "task_name": None,
        "uscc": code,
        "entity_name": f"企业{code[-4:]}",
        "item_id": item,
        "item": None,
        "outcome": outcome,
        "inspected_on": inspected,
        "published_on": published,
    }


def _section(industry, section, title, items, body):
    return {
        "industry": industry,
        "section": section,
        "title": title,
        "item_ids": items,
        "body": body,
        "legal_basis": f"《条例》第一条{UNSAFE}",
        "common_problems": "问题甲；问题乙",
        "updated_on": "2024-03-12",
    }


def _model():
    return build_model(_tables(), "2024-12-20")


def _soup_of(page: str) -> BeautifulSoup:
    return BeautifulSoup(_html(page), "html.parser")


def _published_url(name: str) -> str:
    """Where the hook publishes ``generated/<name>``."""
    stem = name.removesuffix(".md")
    return (
        "" if stem == "" else (stem.removesuffix("index") if stem.endswith("index") else stem + "/")
    )


def _resolved(name: str, href: str) -> str:
    """A relative href on the published page, as a path from the site root."""
    return posixpath.normpath(posixpath.join(_published_url(name), href)) + "/"


def test_items_page_lists_every_item_with_its_link():
    page = render_items_page(_model())
    soup = _soup_of(page)
    assert soup.h1.get_text().removesuffix("¶") == "抽查事项清单"
    rows = _cells(page)
    assert [r[0] for r in rows] == ["SJ-001号", "SJ-2", "SJ-10"]  # natural order
    assert rows[1] == [
        "SJ-2",
        "重点检查事项",
        f"事项二{UNSAFE}（子项 | 甲）",
        "示例县市场监督管理局",
        "实地核查",
        "餐饮服务",
    ]
    model = _model()
    hrefs = [a["href"] for a in soup.select("tbody a")]
    assert [_resolved(ITEMS_PAGE, h) for h in hrefs] == [
        record_path("item", model.items[i]["slug"]) for i in ("SJ-001号", "SJ-2", "SJ-10")
    ]
    assert hrefs[0].startswith("../item/x-")  # an unsafe id gets a hashed slug


def test_plans_page_lists_plans_newest_first():
    page = render_plans_page(_model())
    rows = _cells(page)
    assert [r[1] for r in rows] == [f"计划{UNSAFE}", "二〇二三年计划"]
    assert rows[0] == [
        "2024",
        f"计划{UNSAFE}",
        "示例县市场监督管理局",
        "本部门",
        "2024-03-01 至 2024-11-30",
        "2024-02-26",
        "1",
    ]
    hrefs = [a["href"] for a in _soup_of(page).select("tbody a")]
    assert [_resolved(PLANS_PAGE, h) for h in hrefs] == ["plan/P2/", "plan/P1/"]


def test_tasks_page_counts_results_and_problems():
    page = render_tasks_page(_model())
    rows = _cells(page)
    assert rows == [
        [f"任务{UNSAFE}", "示例县市场监督管理局", "2024-03-08 至 2024-04-22", "1,200", "3", "1"],
        ["早的任务", "", "2023-05-01", "—", "1", "0"],
    ]
    hrefs = [a["href"] for a in _soup_of(page).select("tbody a")]
    assert [_resolved(TASKS_PAGE, h) for h in hrefs] == ["task/T1/", "task/T2/"]


def test_latest_snippet_shows_the_newest_batch_per_task_and_plans():
    snippet = render_latest_snippet(_model())
    tables = _soup_of(snippet).find_all("table")
    batches = [[td.get_text() for td in tr("td")] for tr in tables[0].select("tbody tr")]
    assert batches == [
        ["2024-04-21", f"任务{UNSAFE}", "2", "3"],
        ["2023-05-20", "早的任务", "1", "1"],
    ]
    assert [a["href"] for a in tables[0]("a")] == ["task/T1/", "task/T2/"]  # from the root
    plans = [[td.get_text() for td in tr("td")] for tr in tables[1].select("tbody tr")]
    assert [p[:2] for p in plans] == [
        ["2024-02-26", f"计划{UNSAFE}"],
        ["2023-02-01", "二〇二三年计划"],
    ]


def test_latest_snippet_without_data():
    snippet = render_latest_snippet(build_model({}, None))
    assert "暂无公示的检查结果。" in snippet and "暂无抽查计划。" in snippet


def test_handbook_index_links_each_industry_and_lists_the_navigation():
    model = _model()
    page = render_handbook_index(model)
    meta, _ = _split_front_matter(page)
    assert meta[DATA_DRIVEN_KEY] is True
    safe = f"行业 {industry_slug(UNSAFE)}"
    assert meta[NAV_KEY] == [
        {safe: f"{GENERATED_DIR}/{handbook_page(UNSAFE)}"},
        {"餐饮服务": f"{GENERATED_DIR}/{handbook_page('餐饮服务')}"},
    ]
    rows = _cells(page)
    assert [r[0] for r in rows] == [UNSAFE, "餐饮服务"]
    assert rows[1][1:] == ["2", "2", "2024-03-12"]
    hrefs = [a["href"] for a in _soup_of(page).select("tbody a")]
    assert hrefs == [handbook_page(UNSAFE).split("/")[1], handbook_page("餐饮服务").split("/")[1]]


def test_handbook_page_has_sections_with_their_anchors():
    model = _model()
    page = render_handbook_page(model, "餐饮服务")
    meta, _ = _split_front_matter(page)
    assert meta == {"title": "餐饮服务", DATA_DRIVEN_KEY: True}
    soup = _soup_of(page)
    assert soup.h1.get_text().removesuffix("¶") == "合规手册：餐饮服务"
    sections = model.handbook["餐饮服务"]
    assert [h["id"] for h in soup("h2")] == [s["anchor"] for s in sections]
    assert [h.get_text().removesuffix("¶") for h in soup("h2")] == ["第二节", f"第十节{UNSAFE}"]
    bodies = soup.select("div.gongkai-markdown")
    assert bodies[0].strong.get_text() == "加粗"
    assert "<script>alert(1)</script>" in bodies[0].get_text()
    assert bodies[1].get_text().strip() == "[点我](javascript:alert(1))"
    assert bodies[0].find("script") is None and bodies[1].find("a") is None
    # Items: linked when in the list, plain text when not.
    name = handbook_page("餐饮服务")
    links = soup.select("p a")
    assert [(a.get_text(), _resolved(name, a["href"])) for a in links if "item" in a["href"]] == [
        (f"SJ-2 事项二{UNSAFE}", "item/SJ-2/"),
        ("SJ-10 事项十", "item/SJ-10/"),
    ]
    assert "SJ-404" in soup.get_text()
    assert soup.get_text().count(f"《条例》第一条{UNSAFE}") == 2
    assert [li.get_text() for li in soup.select("article li, ul li")][:2] == ["问题甲", "问题乙"]


def test_handbook_page_of_an_unsafe_industry_has_a_fixed_title():
    page = render_handbook_page(_model(), UNSAFE)
    meta, _ = _split_front_matter(page)
    assert meta["title"] == f"行业 {industry_slug(UNSAFE)}"
    soup = _soup_of(page)
    assert soup.h1.get_text().removesuffix("¶") == f"合规手册：{UNSAFE}"
    assert soup.find("h3").get_text() == "大标题"  # body headings sit below the section


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("餐饮服务", "餐饮服务"),
        ("住宿（含民宿）", "住宿（含民宿）"),
        ("Food 2024", "Food 2024"),
        (UNSAFE, "备用"),
        ("a&b", "备用"),
        ("a_b", "备用"),
        (" 前后空格", "备用"),
        ("很" * 41, "备用"),
        ("", "备用"),
        (None, "备用"),
    ],
)
def test_safe_title(text, expected):
    assert safe_title(text, "备用") == expected


def test_every_generated_page_is_clean_and_shows_hostile_text_literally():
    model = _model()
    pages = render_generated_pages(_report(), model)
    assert set(pages) == {
        QUALITY_PAGE,
        HOME_SNIPPET,
        LATEST_SNIPPET,
        CONTACT_SNIPPET,
        ITEMS_PAGE,
        PLANS_PAGE,
        TASKS_PAGE,
        HANDBOOK_INDEX,
        handbook_page("餐饮服务"),
        handbook_page(UNSAFE),
    }
    for name, text in pages.items():
        html = _html(text)
        assert is_clean(html), name
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find_all(["script", "img", "svg", "iframe", "style", "title"]) == [], name
        meta, _ = _split_front_matter(text)
        if not name.startswith("snippets/"):
            assert meta.get(DATA_DRIVEN_KEY) is True, name
        if "title" in meta:
            assert safe_title(meta["title"], "") == meta["title"]
    shown = "".join(BeautifulSoup(_html(t), "html.parser").get_text() for t in pages.values())
    for text in (f"事项二{UNSAFE}", f"计划{UNSAFE}", f"任务{UNSAFE}", f"第十节{UNSAFE}", UNSAFE):
        assert text in shown


def test_generated_pages_are_deterministic():
    tables = _tables()
    shuffled = copy.deepcopy(tables)
    rng = random.Random(2)
    for rows in shuffled.values():
        rng.shuffle(rows)
    first = render_generated_pages(_report(), build_model(tables, "2024-12-20"))
    again = render_generated_pages(_report(), build_model(shuffled, "2024-12-20"))
    assert first == again


def test_write_generated_pages_replaces_stale_files(tmp_path: Path):
    stale = tmp_path / GENERATED_DIR / "old.md"
    stale.parent.mkdir()
    stale.write_text("旧页面", encoding="utf-8")

    written = write_generated_pages(_report(), tmp_path, model=_model())

    root = tmp_path / GENERATED_DIR
    assert written == sorted(root / name for name in render_generated_pages(_report(), _model()))
    assert root / ITEMS_PAGE in written and root / handbook_page("餐饮服务") in written
    assert not stale.exists()
    before = {p: p.stat().st_mtime_ns for p in written}
    write_generated_pages(_report(), tmp_path, model=_model())
    assert {p: p.stat().st_mtime_ns for p in written} == before  # unchanged files left alone


def test_write_generated_pages_needs_the_model(tmp_path: Path):
    with pytest.raises(TypeError, match="build_model"):
        write_generated_pages(_report(), tmp_path)


# The overrides hook


def _hook():
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "overrides/hooks/generated_pages.py"
    spec = importlib.util.spec_from_file_location("gongkai_generated_pages_hook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Page:
    def __init__(self, meta: dict) -> None:
        self.meta = meta
        self.file = type("File", (), {"src_uri": "generated/items.md"})()


def test_hook_sanitises_and_warns_about_unclean_data_pages(caplog):
    hook = _hook()
    dirty = '<p onclick="alert(1)">甲<script>alert(2)</script></p>'
    with caplog.at_level("WARNING"):
        cleaned = hook.on_page_content(dirty, _Page({DATA_DRIVEN_KEY: True}), None, None)
    assert cleaned == "<p>甲</p>"
    assert "generated/items.md" in caplog.text  # a warning: strict builds abort
    clean = "<p>甲</p>"
    assert hook.on_page_content(clean, _Page({DATA_DRIVEN_KEY: True}), None, None) == clean
    # Pages without the flag (hand-written, the record shell) are not the hook's business.
    assert hook.on_page_content(dirty, _Page({}), None, None) == dirty


def test_hook_refuses_file_urls():
    from mkdocs.exceptions import PluginError

    hook = _hook()
    config = type("Config", (), {"use_directory_urls": False})()
    with pytest.raises(PluginError, match="use_directory_urls"):
        hook.on_config(config)


def test_hook_adds_industry_pages_after_the_handbook_index(tmp_path: Path):
    from mkdocs.structure.files import File, Files

    hook = _hook()
    docs = tmp_path / "docs"
    write_generated_pages(_report(), docs, model=_model())
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    files = Files(
        [
            File(p.relative_to(docs).as_posix(), str(docs), str(tmp_path / "site"), True)
            for p in sorted(docs.rglob("*.md"))
        ]
    )
    nav = [
        {"首页": "index.md"},
        {"合规手册": [{"行业一览": f"{GENERATED_DIR}/{HANDBOOK_INDEX}"}]},
        {"数据质量报告": f"{GENERATED_DIR}/{QUALITY_PAGE}"},
    ]
    config = type("Config", (), {"nav": nav})()

    hook.on_files(files, config)
    hook.on_files(files, config)  # a rebuild (mkdocs serve) adds nothing twice

    assert nav[1]["合规手册"] == [
        {"行业一览": f"{GENERATED_DIR}/{HANDBOOK_INDEX}"},
        {f"行业 {industry_slug(UNSAFE)}": f"{GENERATED_DIR}/{handbook_page(UNSAFE)}"},
        {"餐饮服务": f"{GENERATED_DIR}/{handbook_page('餐饮服务')}"},
    ]
    page = files.get_file_from_path(f"{GENERATED_DIR}/{handbook_page('餐饮服务')}")
    assert page.dest_uri == f"handbook/{industry_slug('餐饮服务')}/index.html"
