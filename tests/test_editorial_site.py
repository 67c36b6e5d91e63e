"""End to end: the editorial pages (MkDocs) of the demo site, and of a site built from hostile
data, inspected in the built HTML."""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from helpers import copy_project, valid_code, write_csv

from generator.build import CONFIG_FILE, build_site
from generator.model.entities import Model, build_model
from generator.model.identity import industry_slug, record_path
from generator.publish.site.linkcheck import check_links
from generator.publish.site.lists import LATEST_PLANS, LATEST_TASKS
from generator.publish.site.sanitize import is_clean
from generator.validate.folder import validate_folder

pytestmark = pytest.mark.slow

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EDITORIAL = ["", "items/", "plans/", "tasks/", "handbook/", "quality/", "about/"]
"""Editorial pages by address; each handbook industry adds ``handbook/<slug>/``."""
DATA_DRIVEN = ["", "items/", "plans/", "tasks/", "handbook/", "quality/"]


@pytest.fixture(scope="module")
def demo_model() -> Model:
    validated = validate_folder(DATA_DIR)
    return build_model(validated.public_tables(), validated.data_as_of)


def _soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def _article(soup: BeautifulSoup):
    """The page's content; Zensical's theme puts its skip link's target first, not content."""
    article = soup.select_one("article.md-content__inner")
    for target in article.select("a#__skip"):
        target.decompose()
    return article


def _rows(soup: BeautifulSoup) -> list:
    return _article(soup).select("table tbody tr")


def _resolve(url: str, href: str) -> str:
    """A relative href on the page at ``url``, as a path from the site root."""
    return posixpath.normpath(posixpath.join("/" + url, href)).lstrip("/") + "/"


def _handbook_urls(model: Model) -> list[str]:
    return [f"handbook/{industry_slug(industry)}/" for industry in model.handbook]


# The demo site


def test_the_build_is_strict():
    """build_site runs MkDocs in strict mode with every link validation as a warning, so the
    demo_site fixture exists only if ``mkdocs build --strict`` had no warning."""
    from mkdocs.config import load_config

    config = load_config(str(CONFIG_FILE))
    assert config.strict
    assert config.validation.links.unrecognized_links >= 30  # logging.WARNING
    assert config.validation.links.anchors >= 30
    assert config.validation.nav.omitted_files >= 30


def test_every_editorial_page_exists(engine_site, demo_model):
    site, _ = engine_site
    for url in EDITORIAL + _handbook_urls(demo_model):
        assert (site / url / "index.html").is_file(), url
    nav = _soup(site, "").select("nav.md-nav--primary a.md-nav__link")
    titles = {a.get_text(strip=True) for a in nav}
    assert {"首页", "抽查事项清单", "年度抽查计划", "抽查任务", "行业一览"} <= titles
    assert set(demo_model.handbook) <= titles  # one entry per industry


def test_items_page_has_one_row_per_item(engine_site, demo_model):
    site, _ = engine_site
    rows = _rows(_soup(site, "items/"))
    assert len(rows) == len(demo_model.items) == 44
    headers = [th.get_text() for th in _article(_soup(site, "items/")).select("thead th")]
    assert headers == ["事项编码", "类别", "名称/子项", "检查主体", "检查方式", "所属行业"]
    links = {}
    for row in rows:
        cells = row.find_all("td")
        links[cells[0].get_text()] = _resolve("items/", cells[2].a["href"])
    assert links == {
        item_id: record_path("item", item["slug"]) for item_id, item in demo_model.items.items()
    }
    for path in links.values():
        assert (site / path / "index.html").is_file(), path


def test_plans_page_has_one_row_per_plan(engine_site, demo_model):
    site, _ = engine_site
    rows = _rows(_soup(site, "plans/"))
    assert len(rows) == len(demo_model.plans) == 10
    targets = sorted(_resolve("plans/", row.a["href"]) for row in rows)
    assert targets == sorted(record_path("plan", p["slug"]) for p in demo_model.plans.values())
    assert all((site / t / "index.html").is_file() for t in targets)


def test_tasks_page_has_one_row_per_task(engine_site, demo_model):
    site, _ = engine_site
    rows = _rows(_soup(site, "tasks/"))
    assert len(rows) == len(demo_model.tasks) == 41
    for row in rows:
        path = _resolve("tasks/", row.a["href"])
        task = next(t for t in demo_model.tasks.values() if record_path("task", t["slug"]) == path)
        cells = [td.get_text() for td in row.find_all("td")]
        assert cells[0] == task["name"]
        assert cells[4] == f"{len(task['results']):,}"
        assert (site / path / "index.html").is_file()
    # Units differ between columns (firms drawn, result rows), so the headers say which.
    headers = [th.get_text() for th in _article(_soup(site, "tasks/")).find("table").find_all("th")]
    assert headers[3:] == ["抽取（户）", "检查结果（条）", "发现问题（条）"]


def test_each_handbook_page_has_its_sections(engine_site, demo_model):
    site, _ = engine_site
    index = _rows(_soup(site, "handbook/"))
    assert len(index) == len(demo_model.handbook)
    for industry, sections in demo_model.handbook.items():
        url = f"handbook/{industry_slug(industry)}/"
        article = _article(_soup(site, url))
        assert article.h1.get_text().removesuffix("¶") == f"合规手册：{industry}"
        headings = article.find_all("h2")
        assert [h["id"] for h in headings] == [s["anchor"] for s in sections]
        assert [h.get_text().removesuffix("¶") for h in headings] == [s["title"] for s in sections]
        assert len(article.select("div.gongkai-markdown")) == len(sections)


def test_home_page_shows_figures_and_latest_publications(engine_site, demo_model):
    site, report = engine_site
    article = _article(_soup(site, ""))
    assert f"数据截至：{report['data_as_of']}" in article.get_text()
    figures = {
        tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text()
        for tr in article.find("table").select("tbody tr")
    }
    assert figures["抽查事项"] == "44" and figures["年度抽查计划"] == "10"
    assert figures["抽查任务"] == "41"
    assert figures["被检查的市场主体"] == f"{len(demo_model.enterprises):,}"
    assert figures["检查结果"] == f"{len(demo_model.results):,}"
    latest = article.find(id="最新公示的检查结果").find_next("table")
    dates = [tr.find("td").get_text() for tr in latest.select("tbody tr")]
    assert dates and dates == sorted(dates, reverse=True)
    assert dates[0] == max(r["published_on"] for r in demo_model.results)
    for a in latest.select("tbody a"):
        assert (site / _resolve("", a["href"]) / "index.html").is_file()


def test_home_page_leads_to_every_section(engine_site):
    site, _ = engine_site
    browse = _article(_soup(site, "")).find(id="浏览本站").find_next("ul")
    targets = {_resolve("", a["href"]) for a in browse.find_all("a")}
    for url in ("items/", "plans/", "tasks/", "handbook/", "statistics/", "open-data/", "quality/",
                "verify/"):
        assert url in targets, url
        assert (site / url / "index.html").is_file()
    # The footer speaks Chinese only: no "Made with Material for MkDocs".
    assert "Made with" not in (site / "index.html").read_text(encoding="utf-8")


def test_verify_page_tells_a_firm_how_to_find_itself(engine_site):
    site, _ = engine_site
    article = _article(_soup(site, "verify/"))
    section = article.find(id="查自己是否在名录中")
    assert section is not None
    command = section.find_next("pre").get_text()
    assert "verify_draw.py" in command and "--member" in command and "--salt" in command
    # Readers of the site cannot open the repository's docs/: the page stands on its own.
    assert "docs/" not in article.get_text()
    script = [a for a in article.find_all("a", href=True) if a["href"].endswith("verify_draw.py")]
    assert script and all((site / _resolve("verify/", a["href"]).rstrip("/")).is_file() for a in script)


def test_every_page_names_the_host_and_the_way_to_object(engine_site, demo_model):
    """The footer names 主办单位 and 联系方式 from mkdocs.yml and leads to the 异议 route."""
    site, _ = engine_site
    import yaml

    extra = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8").split("\ntheme:")[0])["extra"]
    enterprise = next(iter(demo_model.enterprises.values()))
    for url in ("", "about/", f"enterprise/{enterprise.slug}/", "no-such-page/"):
        page = site / url / "index.html" if url != "no-such-page/" else site / "404.html"
        footer = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(
            ".md-copyright"
        )
        text = footer.get_text(" ", strip=True)
        assert f"主办单位：{extra['publisher']}" in text and f"联系方式：{extra['contact']}" in text
        href, fragment = footer.find("a", string="异议与更正申请")["href"].split("#")
        base = "" if url == "no-such-page/" else url  # 404.html is served from the root
        assert posixpath.normpath(posixpath.join(base, href)).lstrip("/") == "about", url
        assert fragment == "objection"
    about = _soup(site, "about/")
    route = about.find(id="objection").find_next("table").get_text(" ", strip=True)
    assert "受理机关" in route and "提出方式" in route


def test_data_driven_pages_pass_the_allowlist(engine_site, demo_model):
    site, _ = engine_site
    for url in DATA_DRIVEN + _handbook_urls(demo_model):
        article = _article(_soup(site, url))
        assert is_clean(article.decode_contents()), url


def test_no_broken_internal_links(engine_site):
    site, _ = engine_site
    assert check_links(site) == []


# Place names come from configuration or data

PLACE_NAMES = ("示例县", "山西", "忻州", "忻府", "离石", "长安", "石家庄", "河北", "晋中", "太原")
"""Place names that gongkai's code, presets, pages and demo mention: the probe."""
OTHER_PLACE = "样例市"
CITATION = re.compile(r"《[^》]*》|\S{0,12}〔\d{4}〕\d+号")
"""A document cited by its 《title》 or its 文号 may name its own place."""


@pytest.fixture(scope="module")
def renamed_site(tmp_path_factory) -> Path:
    """The demo data published for another jurisdiction: every 示例县 of mkdocs.yml (the
    site_name and site_description) says 样例市."""
    config = copy_project(tmp_path_factory.mktemp("project"))
    text = config.read_text(encoding="utf-8")
    assert "site_name: 示例县" in text
    config.write_text(text.replace("示例县", OTHER_PLACE), encoding="utf-8")
    site = tmp_path_factory.mktemp("renamed") / "site"
    build_site(DATA_DIR, site, config_file=config)
    return site


def _visible_texts(page: str) -> list[str]:
    """The text nodes and the readable attributes (title, alt, aria-label, placeholder,
    meta content) of a page; scripts and styles left out."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    nodes = re.split(r"<[^>]+>", page)
    nodes += re.findall(r'\b(?:title|alt|aria-label|placeholder|content)="([^"]*)"', page)
    return [html.unescape(node) for node in nodes]


def test_no_place_name_but_the_configured_ones_and_the_datas(renamed_site):
    """Published under another site_name, no page names 示例县, 长安区 or any place that
    neither the configuration nor the data names: titles, form names and sentences come from
    configuration or data (enterprise names, departments, task names are data)."""
    validated = validate_folder(DATA_DIR)
    data_texts = {v for rows in validated.public_tables().values() for row in rows
                  for v in row.values() if isinstance(v, str)}
    data_texts |= {f["path"] for f in validated.to_dict()["files"]}
    quoted = {name: sorted((t for t in data_texts if name in t), key=len, reverse=True)
              for name in PLACE_NAMES}
    found: set[str] = set()
    for page in sorted(renamed_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if not any(name in text for name in PLACE_NAMES):
            continue
        for node in _visible_texts(text):
            node = CITATION.sub("", node)
            for name in PLACE_NAMES:
                if name not in node:
                    continue
                for data_text in quoted[name]:
                    node = node.replace(data_text, "")
                if name in node:
                    found.add(f"{page.relative_to(renamed_site)}: {node.strip()[:80]}")
    assert sorted(found) == []
    home = _soup(renamed_site, "")
    assert _article(home).h1.get_text(strip=True).removesuffix("¶") == f"{OTHER_PLACE}双随机、一公开公示平台"
    assert home.title.get_text() == f"{OTHER_PLACE}双随机、一公开公示平台"


def test_the_place_probe_finds_a_hard_coded_jurisdiction() -> None:
    """The probe above is not blind: a sentence naming another place is caught, a citation
    of a document is not."""
    page = ("<p>本页对应长安区“双随机、一公开”月报表。</p>"
            "<td>长双随机办〔2024〕3号《2024年石家庄市长安区实施方案》</td><meta content=\"忻州市平台\">")
    nodes = [CITATION.sub("", node) for node in _visible_texts(page)]
    assert [name for name in PLACE_NAMES if any(name in node for node in nodes)] == ["忻州", "长安"]


# Hostile data

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(2)>",
    "javascript:alert(3)",
    "</script><script>alert(4)</script>",
    "</title><script>alert(5)</script>",
    "[点我](javascript:alert(6))",
    "&lt;已转义&gt; &amp; &#x27;",
    "{: onclick=alert(7) }",
    '--8<-- "about.md"',
    "**粗** _斜_ `码` # 标 | 竖",
]
BODY_HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(2)">点我</a>',
    "</script><script>alert(3)</script>",
    "[点我](javascript:alert(4))",
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)",
    '--8<-- "about.md"',
]
INDUSTRY = "</title><script>alert('行业')</script>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A site built from exports whose every text field holds a hostile string."""
    data = tmp_path_factory.mktemp("hostile-editorial") / "data"
    data.mkdir()
    numbered = list(enumerate(HOSTILE))
    write_csv(
        data / "items.csv",
        ["事项编码", "事项类别", "抽查事项名称", "抽查子项", "检查主体", "检查方式", "所属行业"],
        [
            [f"SJ-{n}", "一般检查事项", f"事项{text}", f"子项{text}", f"主体{text}",
             f"方式{text}", f"行业{text}"]
            for n, text in numbered
        ],
    )  # fmt: skip
    write_csv(
        data / "plans.csv",
        ["抽查计划编号", "抽查计划名称", "年度", "制定部门", "计划类型", "发布日期"],
        [[f"P{n}", f"计划{text}", "2024", f"部门{text}", "本部门", "2024-02-26"]
         for n, text in numbered],
    )  # fmt: skip
    write_csv(
        data / "tasks.csv",
        ["抽查任务编号", "抽查计划编号", "抽查任务名称", "检查机关", "抽查事项", "检查日期自"],
        [[f"T{n}", f"P{n}", f"任务{text}", f"机关{text}", f"SJ-{n}", "2024-03-08"]
         for n, text in numbered],
    )  # fmt: skip
    write_csv(
        data / "results.csv",
        ["抽查任务编号", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "检查完成日期",
         "公示日期"],
        [[f"T{n}", f"企业{text}", valid_code(n), f"SJ-{n}", "发现问题已责令改正", "2024-05-06",
          "2024-05-10"]
         for n, text in numbered],
    )  # fmt: skip
    write_csv(
        data / "handbook.csv",
        ["行业", "章节编号", "章节标题", "对应抽查事项", "正文", "法律依据", "常见问题"],
        [
            [INDUSTRY, f"S{n}", f"章节{text}", f"SJ-{n}；{text}",
             "\n\n".join(["正文开始", *BODY_HOSTILE]), f"依据{text}", f"问题{text}"]
            for n, text in numbered
        ],
    )  # fmt: skip
    site = data.parent / "site"
    report = build_site(data, site)
    assert report["rows_quarantined"] == 0, report["errors"]
    return site


def _hostile_pages() -> list[str]:
    return [*DATA_DRIVEN, f"handbook/{industry_slug(INDUSTRY)}/"]


def test_hostile_data_pages_pass_the_allowlist(hostile_site):
    for url in _hostile_pages():
        assert is_clean(_article(_soup(hostile_site, url)).decode_contents()), url


_ROOT_URL = re.compile(r'(?<=new URL\(")[./]*(?=")')


def _scripts(soup: BeautifulSoup) -> set[tuple[str, str]]:
    """The page's scripts but the theme's JSON configuration: (file name, inline code), the
    relative path to the site root (which depends on the page's depth) left out."""
    return {
        (posixpath.basename(script.get("src") or ""), _ROOT_URL.sub("", script.get_text()))
        for script in soup.find_all("script")
        if script.get("id") != "__config"
    }


def test_hostile_data_adds_no_script_or_handler(hostile_site):
    theme = _scripts(_soup(hostile_site, "about/"))  # a page without data
    assert theme
    for url in _hostile_pages():
        soup = _soup(hostile_site, url)
        assert _scripts(soup) == theme, url
        config = soup.find("script", id="__config")
        assert config["type"] == "application/json" and json.loads(config.get_text())
        assert not [
            (el.name, attr)
            for el in soup.find_all(True)
            for attr in el.attrs
            if attr.lower().startswith("on")
        ], url
        hrefs = [a["href"] for a in soup.find_all("a", href=True)]
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))]
        assert soup.find_all(["img", "iframe", "object", "embed"]) == [], url
        assert "<script" not in soup.title.get_text(), url


def test_hostile_strings_show_as_literal_text(hostile_site):
    texts = {url: _article(_soup(hostile_site, url)).get_text() for url in _hostile_pages()}
    handbook = texts[f"handbook/{industry_slug(INDUSTRY)}/"]
    for text in HOSTILE:
        assert f"事项{text}" in texts["items/"] and f"子项{text}" in texts["items/"], text
        assert f"主体{text}" in texts["items/"] and f"行业{text}" in texts["items/"], text
        assert f"计划{text}" in texts["plans/"] and f"部门{text}" in texts["plans/"], text
        assert f"任务{text}" in texts["tasks/"] and f"机关{text}" in texts["tasks/"], text
        assert f"章节{text}" in handbook and f"依据{text}" in handbook, text
        assert f"问题{text}" in handbook, text
    home = texts[""]  # the newest few only
    assert sum(f"任务{text}" in home for text in HOSTILE) == min(len(HOSTILE), LATEST_TASKS)
    assert sum(f"计划{text}" in home for text in HOSTILE) == min(len(HOSTILE), LATEST_PLANS)
    assert f"合规手册：{INDUSTRY}" in handbook
    assert INDUSTRY in texts["handbook/"]
    # Section bodies are Markdown: raw HTML and javascript: links are shown, not run.
    soup = _soup(hostile_site, f"handbook/{industry_slug(INDUSTRY)}/")
    for body in soup.select("div.gongkai-markdown"):
        shown = body.get_text()
        for text in BODY_HOSTILE:
            assert text in shown, text
        assert body.find("a") is None


def test_hostile_industry_gets_a_fixed_title(hostile_site):
    soup = _soup(hostile_site, f"handbook/{industry_slug(INDUSTRY)}/")
    assert soup.title.get_text().startswith(f"行业 {industry_slug(INDUSTRY)} - ")
    nav = [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary a.md-nav__link")]
    assert f"行业 {industry_slug(INDUSTRY)}" in nav
