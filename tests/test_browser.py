"""The built site in real headless Chromium: pages, history, tables, and hostile data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import console_errors, valid_code, write_csv

from generator.build import PROJECT_DIR, build_site
from generator.model.entities import build_model
from generator.publish.site.preview import create_server
from generator.validate.folder import validate_folder

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_DIR / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo_model(demo_site):
    report = validate_folder(PROJECT_DIR / "data")
    return build_model(report.public_tables(), report.data_as_of)


def _visit(browser, url: str, viewport: dict | None = None):
    """Open ``url``; returns the page plus the console errors, foreign requests and dialogs."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    seen = {"errors": console_errors(page), "foreign": [], "dialogs": []}
    page.on(
        "request",
        lambda r: seen["foreign"].append(r.url)
        if urlsplit(r.url).hostname not in ("127.0.0.1", None)
        else None,
    )
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url, wait_until="networkidle")
    return page, seen


def test_home_task_and_enterprise_pages_load_cleanly(browser, engine_url, demo_model) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    task = max(demo_model.tasks.values(), key=lambda t: len(t["results"]))
    enterprise = max(demo_model.enterprises.values(), key=lambda e: len(e.task_ids))
    for name, path in (
        ("home", ""),
        ("task", f"task/{task['slug']}/"),
        ("enterprise", f"enterprise/{enterprise.slug}/"),
    ):
        for label, viewport in (("", None), ("-phone", PHONE)):
            page, seen = _visit(browser, engine_url + path, viewport)
            assert seen["errors"] == [] and seen["foreign"] == [], (path, seen)
            assert "数据截至" in page.inner_text(".gongkai-as-of")
            page.screenshot(path=str(ARTIFACTS / f"{name}{label}.png"), full_page=False)
            page.close()


def test_task_page_lists_one_row_per_result(browser, engine_url, demo_model) -> None:
    task = max(demo_model.tasks.values(), key=lambda t: len(t["results"]))
    page, _ = _visit(browser, f"{engine_url}task/{task['slug']}/")
    rows = page.locator("#results ~ * table tbody tr, #results ~ table tbody tr")
    assert rows.count() == len(task["results"])
    first = rows.first.locator("td")
    assert first.nth(2).inner_text() == task["results"][0]["uscc"]
    page.close()


def test_enterprise_page_shows_its_history_and_links_back(browser, engine_url, demo_model) -> None:
    enterprise = max(demo_model.enterprises.values(), key=lambda e: len(e.task_ids))
    page, _ = _visit(browser, f"{engine_url}enterprise/{enterprise.slug}/")
    assert page.locator("h1").first.inner_text() == enterprise.name
    assert page.locator(".gongkai-history").count() == len(enterprise.task_ids)
    assert page.locator(".gongkai-history tbody tr").count() >= len(enterprise.results)
    page.locator(".gongkai-history h3 a").first.click()
    page.wait_for_load_state("networkidle")
    assert "/task/" in page.url and enterprise.name in page.inner_text("article")
    page.close()


def test_tables_fit_a_phone_without_widening_the_page(browser, engine_url, demo_model) -> None:
    task = max(demo_model.tasks.values(), key=lambda t: len(t["results"]))
    page, _ = _visit(browser, f"{engine_url}task/{task['slug']}/", PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # wide tables scroll inside their own box
    page.close()


def test_record_tables_use_the_page_width_on_a_desktop(browser, engine_url, demo_model) -> None:
    task = max(demo_model.tasks.values(), key=lambda t: len(t["results"]))
    page, _ = _visit(browser, f"{engine_url}task/{task['slug']}/")
    # No empty nav or TOC columns beside a record: the 结果公告 table shows all its columns.
    table = page.locator("#results ~ * table, #results ~ table").first
    box = "t => t.closest('.md-typeset__scrollwrap') || t"  # Material wraps tables in a scroller
    assert table.evaluate(f"t => ({box})(t).scrollWidth <= ({box})(t).clientWidth + 1")
    assert page.locator(".md-sidebar--primary").first.is_hidden()
    page.close()


def test_record_tables_with_a_class_look_like_the_others(browser, engine_url, demo_model) -> None:
    enterprise = max(demo_model.enterprises.values(), key=lambda e: len(e.task_ids))
    page, _ = _visit(browser, f"{engine_url}enterprise/{enterprise.slug}/")
    style = "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.paddingLeft]; }"
    burden = page.locator("table.gongkai-burden")
    plain = page.locator(".gongkai-history table").last
    assert burden.evaluate(style) == plain.evaluate(style)  # the table border
    cell = "t => getComputedStyle(t.querySelector('td')).paddingLeft"
    assert burden.evaluate(cell) == plain.evaluate(cell) != "0px"
    page.close()


def test_draw_verifier_says_when_it_is_ready(browser, engine_url) -> None:
    page, seen = _visit(browser, engine_url + "verify/")
    result = page.locator("[data-draw-result][data-status=ready]")
    result.wait_for()
    assert "载入" not in result.inner_text() and "就绪" in result.inner_text()
    assert seen["errors"] == []
    page.close()


# Hostile data

HOSTILE = [
    "<script>alert('name')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(2)>",
    "javascript:alert(3)",
    "</script><script>alert(4)</script>",
    "[点我](javascript:alert(5))",
    "{{ 7*7 }}<b onmouseover=alert(6)>粗</b>",
]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    data.mkdir()
    write_csv(
        data / "items.csv",
        ["事项编码", "事项类别", "抽查事项名称", "抽查依据", "所属行业"],
        [[f"SJ-{n}", "一般检查事项", f"事项{n}{text}", text, "餐饮服务"] for n, text in enumerate(HOSTILE)],
    )
    write_csv(
        data / "handbook.csv",
        ["行业", "章节编号", "章节标题", "对应抽查事项", "正文"],
        [["餐饮服务", str(n), f"章节{text}", f"SJ-{n}", f"正文 {text}\n\n- 列表 {text}"] for n, text in enumerate(HOSTILE)],
    )
    write_csv(
        data / "tasks.csv",
        ["抽查任务编号", "抽查任务名称", "检查机关", "抽查事项"],
        [[f"T{n}", f"任务{text}", f"机关{text}", f"SJ-{n}"] for n, text in enumerate(HOSTILE)],
    )
    write_csv(
        data / "results.csv",
        ["抽查任务编号", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "发现问题情况", "检查完成日期"],
        [
            [f"T{n}", f"企业{text}", valid_code(n), f"事项{n}{text}", "发现问题已责令改正", text, "2024-05-06"]
            for n, text in enumerate(HOSTILE)
        ],
    )
    site = root / "site"
    build_site(data, site)
    with create_server(site, port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}/", site
        server.shutdown()


def test_hostile_strings_never_run_and_show_as_text(browser, hostile_site) -> None:
    url, site = hostile_site
    pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
    assert any(p.startswith("enterprise/") for p in pages) and any(p.startswith("task/") for p in pages)
    shown = ""
    for path in pages:
        page, seen = _visit(browser, url + ("" if path == "." else path + "/"))
        assert seen["dialogs"] == [], (path, seen["dialogs"])
        assert page.locator("article script, article img, article svg[onload]").count() == 0, path
        assert page.locator("article [onerror], article [onmouseover], article [onload]").count() == 0
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], path
        shown += page.inner_text("body")
        page.close()
    for text in HOSTILE:
        assert f"企业{text}" in shown and f"任务{text}" in shown, text
