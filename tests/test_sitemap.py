"""Tests for generator.publish.site.sitemap: live pages only, a small index, parts at the protocol's limit."""

from __future__ import annotations

import gzip
from pathlib import Path
from xml.etree import ElementTree

import pytest

from generator.model.entities import build_model
from generator.publish.site import sitemap
from generator.publish.site.sitemap import write_sitemap

BASE = "https://example.gov.cn/gongkai/"
SPACES = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _site(tmp_path: Path, pages: list[str], listed: list[str]) -> Path:
    """A site folder with ``pages`` written and a MkDocs-style sitemap listing ``listed``."""
    site = tmp_path / "site"
    for page in pages:
        (site / page).mkdir(parents=True, exist_ok=True)
        (site / page / "index.html").write_text("<html></html>", encoding="utf-8")
    entries = "".join(
        f"<url>\n <loc>{BASE}{page}</loc>\n <lastmod>2024-12-01</lastmod>\n</url>\n"
        for page in listed
    )
    (site / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SPACES["s"]}">\n'
        f"{entries}</urlset>\n",
        encoding="utf-8",
    )
    return site


def _locations(path: Path, element: str = "url") -> list[str]:
    root = ElementTree.parse(path).getroot()
    return [loc.text or "" for loc in root.iterfind(f"s:{element}/s:loc", SPACES)]


def test_pages_the_build_removed_leave_the_sitemap(tmp_path: Path) -> None:
    site = _site(tmp_path, ["", "items/"], ["", "items/", "record/shell/"])
    assert write_sitemap(site, build_model({}, "2024-12-01"), BASE) == 2
    # sitemap.xml stays small (Material fetches it on every page view): an index of the parts.
    assert _locations(site / "sitemap.xml", "sitemap") == [BASE + "sitemap-1.xml"]
    assert _locations(site / "sitemap-1.xml") == [BASE, BASE + "items/"]
    assert "<lastmod>2024-12-01</lastmod>" in (site / "sitemap-1.xml").read_text(encoding="utf-8")


def test_without_site_url_there_is_no_sitemap(tmp_path: Path) -> None:
    """The protocol takes absolute addresses only: MkDocs' empty <urlset> is removed."""
    site = _site(tmp_path, [""], ["", "record/shell/"])
    (site / "sitemap.xml.gz").write_bytes(b"")
    assert write_sitemap(site, build_model({}, "2024-12-01"), None) == 0
    assert not list(site.glob("sitemap*"))


def test_more_pages_than_one_file_holds_make_a_sitemap_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitemap, "MAX_URLS", 10)
    pages = [""] + [f"p{n:02d}/" for n in range(24)]
    site = _site(tmp_path, pages, pages)
    assert write_sitemap(site, build_model({}, "2024-12-01"), BASE) == 25
    parts = _locations(site / "sitemap.xml", "sitemap")
    assert parts == [f"{BASE}sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = [loc for n in (1, 2, 3) for loc in _locations(site / f"sitemap-{n}.xml")]
    assert listed == [BASE + page for page in pages]
    for name in ("sitemap.xml", "sitemap-3.xml"):
        assert gzip.decompress((site / f"{name}.gz").read_bytes()) == (site / name).read_bytes()
    # A smaller rebuild leaves no stale part behind.
    monkeypatch.setattr(sitemap, "MAX_URLS", 50_000)
    write_sitemap(site, build_model({}, "2024-12-01"), BASE)
    assert sorted(p.name for p in site.glob("sitemap-*")) == ["sitemap-1.xml", "sitemap-1.xml.gz"]
