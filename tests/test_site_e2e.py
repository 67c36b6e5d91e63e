"""End to end: build the demo ``data/`` and look at the site in real headless Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.build import PROJECT_DIR, REPORT_PATH, build_site

DATA_DIR = PROJECT_DIR / "data"
ARTIFACTS = PROJECT_DIR / "test-artifacts"

pytestmark = pytest.mark.slow

def _soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def _body_rows(table) -> list[list[str]]:
    return [
        [td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")
    ]


def _table_after(soup: BeautifulSoup, heading_id: str):
    return soup.find(id=heading_id).find_next("table")


# The built files


def test_quality_page_has_the_totals(engine_site):
    site, report = engine_site
    soup = _soup(site, "quality/index.html")
    assert soup.select_one("article h1").get_text(strip=True) == "数据质量报告¶"

    totals = {row[0]: row[1] for row in _body_rows(_table_after(soup, "总计"))}
    assert totals == {
        "读入": f"{report['rows_in']:,}",
        "公示": f"{report['rows_published']:,}",
        "隔离": f"{report['rows_quarantined']:,}",
        "不予公示": f"{report['rows_withheld']:,}",
        "拒收": f"{report['rows_refused']:,}",
    }
    equation = (
        f"读入 = 公示 + 隔离 + 不予公示 + 拒收：{report['rows_in']:,} = {report['rows_published']:,}"
        f" + {report['rows_quarantined']:,} + {report['rows_withheld']:,}"
        f" + {report['rows_refused']:,}。"
    )
    assert equation in soup.select_one(".admonition.success").get_text()


def test_quality_page_lists_every_file_and_issue(engine_site):
    site, report = engine_site
    soup = _soup(site, "quality/index.html")
    files = _body_rows(_table_after(soup, "文件"))
    assert [row[0] for row in files] == sorted(f["path"] for f in report["files"])
    # Row, column, the problem in words, value (the demo has no conflicts, the other 4-column table).
    issue_rows = [r for r in _body_rows(soup.select_one("article")) if len(r) == 4]
    assert len(issue_rows) == len(report["errors"]) + len(report["warnings"])
    assert report["errors"], "the demo data is meant to show some errors"
    messages = sorted(r[2] for r in issue_rows)
    assert messages == sorted(i["message"] for i in report["errors"] + report["warnings"])


def test_home_page_shows_date_and_counts(engine_site):
    site, report = engine_site
    soup = _soup(site, "index.html")
    text = soup.select_one("article").get_text()
    assert f"数据截至：{report['data_as_of']}" in text
    counts = {row[0]: row[1] for row in _body_rows(soup.select_one("article table"))}
    assert counts["检查结果"] == f"{report['records']['results']:,}"


def test_quality_report_json_is_published(engine_site):
    site, report = engine_site
    text = (site / REPORT_PATH).read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(report))
    assert text == json.dumps(report, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def test_two_builds_give_identical_bytes(engine_site, engine, tmp_path):
    """A second build, in another process with another hash seed, matches byte for byte;
    a third one replaces that site in place and matches too."""
    site, _ = engine_site
    again = tmp_path / "again"
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    command = [sys.executable, "-m", "generator", "build", str(DATA_DIR), "--out", str(again)]
    command += ["--engine", engine]
    done = subprocess.run(
        [*command, "--no-progress", "--timings"],
        check=False,
        cwd=tmp_path,
        env={**env, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr  # built, with the demo's quarantined rows
    # --timings tells the operator each stage's share (and changes no byte of the site).
    table = done.stderr[done.stderr.index("阶段") : done.stderr.index("\n", done.stderr.index("合计"))]
    rows = [line.split() for line in table.splitlines()[1:]]
    assert rows[0][0] == "读取与校验" and rows[-1][0] == "合计" and ["搜索索引"] == [
        r[0] for r in rows if r[0] == "搜索索引"
    ], table
    assert all(float(r[1]) >= 0 and float(r[3]) > 0 for r in rows), table
    assert _tree(again) == _tree(site)

    build_site(DATA_DIR, again, progress=False, engine=engine)
    assert _tree(again) == _tree(site)

    # Without site_url there is no sitemap (and no RSS), rather than one with relative links.
    assert not list(site.glob("sitemap*")) and not list(site.rglob("*.rss"))


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# In the browser


def test_quality_page_in_chromium(browser, engine_url, engine_site):
    _, report = engine_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    failures: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto(engine_url + "quality/")
    page.wait_for_load_state("networkidle")

    assert page.title().startswith("数据质量报告")
    heading = page.locator("article h1")
    # Headings end in the "¶" of their permalink.
    assert heading.inner_text() == "数据质量报告¶"
    h2 = [text.removesuffix("¶") for text in page.locator("article h2").all_inner_texts()]
    assert h2[:3] == ["总计", "公示记录", "文件"]

    banner = page.locator(".gongkai-as-of")
    assert banner.is_visible()
    assert banner.inner_text() == f"数据截至 {report['data_as_of']}"

    files = page.locator("xpath=//h2[@id='文件']/following::table[1]/tbody/tr")
    assert files.count() == len(report["files"])
    issues = page.locator("article tbody tr:has(td:nth-child(4)):not(:has(td:nth-child(5)))")
    assert issues.count() == len(report["errors"]) + len(report["warnings"])

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quality.png"), full_page=True)

    # CJK glyphs come from a real CJK font, not tofu boxes.
    box = heading.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert _platform_fonts(page, "article h1") & {
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "Noto Serif CJK SC",
        "Noto Sans CJK TC",
    }

    assert failures == []
    assert requests, "the page made no request at all"
    assert {urlsplit(url).hostname for url in requests} == {"127.0.0.1"}
    page.close()


def test_search_works_offline(browser, engine_url):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(engine_url)
    search = page.locator("input.md-search__input")
    search.click()
    search.fill("质量")  # the middle of 数据质量报告: needs word segmentation
    search.press("End")  # Material searches on keyup
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    assert "数据质量报告" in results.first.inner_text()
    assert {urlsplit(url).hostname for url in requests} == {"127.0.0.1"}
    page.close()


def _platform_fonts(page, selector: str) -> set[str]:
    """The font families Chromium actually used to draw the first node matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"] for font in fonts if font["glyphCount"] > 0}
