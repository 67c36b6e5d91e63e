"""The 统计 page of the demo site: statistics.csv, the overdue list, and charts in Chromium."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR, console_errors

from generator.build import PROJECT_DIR
from generator.draws.published import load_draws
from generator.publish.site.statistics_downloads import statistics_table
from generator.stats.compute import statistics_for_folder
from generator.stats.figures import KPIS
from generator.validate.folder import validate_folder

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_DIR / "test-artifacts"
COLUMNS = ["department", "period", "kpi", "numerator", "denominator", "value", "target", "note",
           "region", "title", "basis"]  # fmt: skip
# KPIs, publication and inspections per month; the per-department coverage chart needs
# declared directory sizes, which the demo does not declare (分母未申报).
CHARTS = 3


@pytest.fixture(scope="module")
def demo_statistics():
    return statistics_for_folder(validate_folder(DATA_DIR), DATA_DIR, load_draws(DATA_DIR))


def _page(site: Path) -> BeautifulSoup:
    return BeautifulSoup((site / "statistics" / "index.html").read_text("utf-8"), "html.parser")


def test_statistics_csv_is_in_the_data_package(demo_site, demo_statistics) -> None:
    data = demo_site[0] / "data"
    raw = (data / "statistics.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS
    assert {r["kpi"] for r in rows} == {k.name for k in KPIS}
    assert {r["period"] for r in rows} >= {"2024", "2024-05"}
    expected = statistics_table(demo_statistics).csv_bytes()
    assert raw == expected
    package = json.loads((data / "datapackage.json").read_text("utf-8"))
    resource = next(r for r in package["resources"] if r["path"] == "statistics.csv")
    assert [f["name"] for f in resource["schema"]["fields"]] == COLUMNS
    assert resource["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    sums = (data / "SHA256SUMS").read_text("ascii")
    assert f"{hashlib.sha256(raw).hexdigest()}  statistics.csv\n" in sums
    dictionary = (demo_site[0] / "open-data" / "dictionary" / "index.html").read_text("utf-8")
    for name in [*COLUMNS, *(k.name for k in KPIS)]:
        assert name in dictionary


def test_overdue_list_on_the_page_is_exactly_the_planted_cases(demo_site) -> None:
    planted = json.loads((DATA_DIR / "planted_overdue.json").read_text("utf-8"))
    soup = _page(demo_site[0])
    for anchor, kind in (("overdue", "drawn-not-published"), ("unmatched", "result-without-draw")):
        table = soup.find(id=anchor).find_next("table")
        codes = {
            tr.find_all("td")[3].get_text(strip=True) for tr in table.find("tbody").find_all("tr")
        }
        assert codes == {p["uscc"] for p in planted if p["kind"] == kind}, anchor


def test_the_page_shows_each_kpi_with_its_formula_and_target(demo_site, demo_statistics) -> None:
    soup = _page(demo_site[0])
    text = soup.get_text()
    for kpi in KPIS:
        assert kpi.title in text and kpi.formula.split("。")[0][:20] in text
    table = soup.find(id="y2024").find_next("table")
    rows = {
        tr.find_all("td")[0].get_text(strip=True): [
            td.get_text(strip=True) for td in tr.find_all("td")
        ]
        for tr in table.find("tbody").find_all("tr")
    }
    figure = demo_statistics.figure("全部部门", "2024", "publication_rate")
    assert rows["抽查结果公示率"][1:5] == [
        f"{figure.numerator:,}",
        f"{figure.denominator:,}",
        f"{figure.value:.1%}",
        "100.0%",
    ]
    links = [a["href"] for a in soup.find_all("a", href=True) if a["href"].endswith(".csv")]
    assert len([h for h in links if "/charts/" in h]) == CHARTS
    for href in links:
        assert (demo_site[0] / "statistics" / href).resolve().is_file(), href


def test_statistics_page_in_chromium(browser, site_url) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors = console_errors(page)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site_url + "statistics/", wait_until="networkidle")
    charts = page.locator("svg.gongkai-chart")
    assert charts.count() == CHARTS
    for n in range(CHARTS):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 500 and box["height"] > 150
    assert page.locator("svg.gongkai-chart .gongkai-target").count() >= 5
    assert page.locator("svg.gongkai-chart rect").count() > 10
    charts.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "statistics.png"), full_page=True)
    csv_link = page.locator("a", has_text="下载图表数据（CSV）").first
    response = page.request.get(csv_link.evaluate("a => a.href"))
    assert response.ok and response.text().lstrip("\ufeff").startswith("kpi,title,numerator")
    page.goto(site_url + "statistics/2024-05/", wait_until="networkidle")
    assert "2024 年 5 月统计" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "statistics-month.png"))
    page.close()
    foreign = [u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", None)]
    assert foreign == [] and errors == []
    assert requests


def test_month_page_links_the_tasks_behind_its_figures(demo_site, demo_statistics) -> None:
    site = demo_site[0]
    organised = demo_statistics.monthly["2024-05"]["全部部门"]["tasks_organised"]
    soup = BeautifulSoup((site / "statistics" / "2024-05" / "index.html").read_text("utf-8"), "html.parser")
    paragraph = next(p for p in soup.find_all("p") if p.get_text().startswith("本月组织随机抽查的任务："))
    links = paragraph.find_all("a")
    assert len(links) == len(organised) > 0
    for link, entry in zip(links, organised):
        assert entry.startswith(link.get_text())
        target = (site / "statistics" / "2024-05" / link["href"] / "index.html").resolve()
        assert target.is_file() and link.get_text() in target.read_text("utf-8")


def test_public_text_names_no_configuration_keys(demo_site) -> None:
    text = _page(demo_site[0]).get_text()
    assert "gongkai.yml" not in text and "directory_sizes" not in text


def test_count_chart_axis_has_round_steps(demo_site) -> None:
    svg = (demo_site[0] / "generated" / "statistics" / "charts" / "inspections-2024.svg").read_text("utf-8")
    labels = [t.get_text() for t in BeautifulSoup(svg, "html.parser").find_all("text", attrs={"text-anchor": "end"})]
    ticks = [int(t.replace(",", "")) for t in labels]
    assert ticks[0] == 0 and len(ticks) == 5
    step = ticks[1]
    assert ticks == [step * n for n in range(5)]
    assert str(step).rstrip("0") in {"1", "2", "3", "4", "5", "6", "8"}


def test_charts_stay_readable_on_a_phone(browser, site_url) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site_url + "statistics/", wait_until="networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391  # charts scroll in their box
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('svg.gongkai-chart text')]"
        ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert smallest >= 8  # px on screen: the 11-unit axis labels, not shrunk to a third
    page.close()
