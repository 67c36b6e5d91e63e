"""The demo built by each engine, compared page by page: what gongkai writes is the same
bytes, the editorial pages show the same content, links and navigation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR, copy_project

from generator.build import build_site
from generator.core.errors import BuildAbort

pytestmark = pytest.mark.slow

ENGINE_FREE = ("data", "draws", "feeds", "pagefind", "feed.atom")
"""What gongkai writes after the engine, from the model alone."""


def _files(root: Path, top: str) -> dict[str, bytes]:
    base = root / top
    paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in paths}


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _site_path(page: str, href: str) -> str:
    """A link of the page at site path ``page``, as a site path (its fragment kept)."""
    url = urlsplit(urljoin(f"http://site/{page}", href))
    return url.path + (f"#{url.fragment}" if url.fragment else "")


def _editorial(site: Path) -> list[str]:
    records = ("enterprise/", "task/", "plan/", "item/", "pagefind/", "assets/")
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith(records)
    )


def _content(site: Path, path: str) -> tuple[str, list[str]]:
    """An editorial page's article, as text and as the site paths it links to."""
    page = path.removesuffix("index.html")
    article = _soup(site / path).select_one("article.md-content__inner")
    for skip in article.select("a#__skip, a.headerlink"):
        skip.decompose()
    text = re.sub(r"\s+", " ", article.get_text(" ")).strip()
    return text, [_site_path(page, a["href"]) for a in article.find_all("a", href=True)]


def _navigation(site: Path, path: str) -> list[tuple[str, str]]:
    """The primary navigation's entries: (title, site path)."""
    page = path.removesuffix("index.html")
    nav = _soup(site / path).select_one("nav.md-nav--primary")
    return [
        (re.sub(r"\s+", "", a.get_text()), _site_path(page, a["href"]))
        for a in nav.select("a.md-nav__link[href]")
    ]


def test_what_gongkai_writes_is_the_same_bytes_under_both_engines(demo_site, zensical_site):
    mkdocs, zensical = demo_site[0], zensical_site[0]
    for top in ENGINE_FREE:
        assert _files(zensical, top) == _files(mkdocs, top), top
    assert demo_site[1] == zensical_site[1]  # the quality report


def test_record_pages_carry_the_same_record_in_each_engines_frame(demo_site, zensical_site):
    mkdocs, zensical = demo_site[0], zensical_site[0]
    records = sorted(
        p.relative_to(mkdocs)
        for k in ("enterprise", "task", "plan", "item")
        for p in (mkdocs / k).rglob("index.html")
    )
    assert len(records) > 800
    assert records == sorted(
        p.relative_to(zensical)
        for k in ("enterprise", "task", "plan", "item")
        for p in (zensical / k).rglob("index.html")
    )
    for path in records:
        ours = [
            str(_soup(site / path).select_one("div.gongkai-record")) for site in (mkdocs, zensical)
        ]
        assert ours[0] == ours[1], path
    # The frame is the engine's: the record page links the stylesheet its editorial pages use.
    for site in (mkdocs, zensical):
        sheets = [
            {
                _site_path(page, link["href"])
                for link in _soup(site / page / "index.html").select("link[rel=stylesheet]")
            }
            for page in ("", records[0].parent.as_posix() + "/")
        ]
        assert sheets[0] == sheets[1] and any("/main." in href for href in sheets[0])


def test_editorial_pages_show_the_same_content_links_and_navigation(demo_site, zensical_site):
    mkdocs, zensical = demo_site[0], zensical_site[0]
    pages = _editorial(mkdocs)
    assert len(pages) > 20
    assert _editorial(zensical) == pages
    for path in pages:
        assert _content(zensical, path) == _content(mkdocs, path), path
        if path != "404.html":
            assert _navigation(zensical, path) == _navigation(mkdocs, path), path
        for site in (mkdocs, zensical):
            soup = _soup(site / path)
            assert soup.html["lang"] == "zh" and soup.title.get_text().endswith(
                "示例县双随机、一公开公示平台"
            )
    industries = [
        t for t, href in _navigation(zensical, "index.html") if href.startswith("/handbook/i-")
    ]
    assert len(industries) >= 5  # the handbook's industries, added to the navigation by gongkai


def test_the_editorial_pages_keep_the_chinese_ui_and_gongkai_search(zensical_site):
    site, _ = zensical_site
    soup = _soup(site / "tasks" / "index.html")
    assert soup.select_one("[data-gongkai-search] input")["placeholder"].startswith("搜索企业名称")
    assert soup.select_one(".gongkai-as-of time")["datetime"] == zensical_site[1]["data_as_of"]
    assert "主办单位：示例县市场监督管理局" in soup.select_one("footer").get_text()
    assert not (site / "search.json").exists()  # Zensical's own index; Pagefind serves search
    assert not (site / "hooks").exists()  # the MkDocs hooks are gongkai's code, not the site's


def test_a_broken_link_fails_the_zensical_build(tmp_path: Path):
    config = copy_project(tmp_path)
    page = config.parent / "site_src" / "about.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[不存在](missing.md)\n", encoding="utf-8")
    with pytest.raises(BuildAbort, match="Zensical"):
        build_site(DATA_DIR, tmp_path / "site", config_file=config, engine="zensical")
    assert not (tmp_path / "site").exists()
    shutil.rmtree(config.parent)
