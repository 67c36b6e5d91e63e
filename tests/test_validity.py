"""The built site against checkers nobody here wrote: the Nu HTML Checker on every page,
sitemaps.org's schema on the sitemap, and what a build without ``site_url`` leaves out.

The checkers are installed by ``make checkers`` (part of ``make test``) into .venv/checkers.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from helpers import DATA_DIR

from generator.build import NO_SITE_URL, PROJECT_DIR, build_site

pytestmark = pytest.mark.slow

CHECKERS = PROJECT_DIR / ".venv" / "checkers"
VNU = CHECKERS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SITEMAP_XSD = CHECKERS / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"
SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _checker(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing: `make checkers` installs the independent checkers")
    return path


def _vnu_errors(site: Path) -> list[str]:
    """Every error the Nu HTML Checker finds in the site's HTML pages, as 'page: message'."""
    pages = sorted(str(p) for p in site.rglob("*.html"))
    done = subprocess.run(
        ["java", "-jar", str(_checker(VNU)), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(done.stderr)["messages"]
    return [
        f"{m.get('url', '').rsplit(str(site), 1)[-1]}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]


def test_every_page_of_the_demo_is_valid_html(engine_site) -> None:
    site, _ = engine_site
    assert len(list(site.rglob("*.html"))) > 100
    assert _vnu_errors(site) == []


def test_the_public_sitemap_matches_the_sitemaps_org_schema(engine_public_site) -> None:
    import xmlschema

    site, url = engine_public_site
    schema = xmlschema.XMLSchema(str(_checker(SITEMAP_XSD)))
    # sitemap.xml is an index of parts (kept small: the theme fetches it on every page view).
    index = ElementTree.parse(site / "sitemap.xml").getroot()
    assert index.tag == f"{{{SITEMAPS}}}sitemapindex"
    parts = [loc.text or "" for loc in index.iterfind(f"{{{SITEMAPS}}}sitemap/{{{SITEMAPS}}}loc")]
    assert parts and all(part.startswith(url) for part in parts)
    pages = 0
    for part in parts:
        path = site / part.removeprefix(url)
        schema.validate(str(path))
        locations = [
            loc.text or "" for loc in ElementTree.parse(path).getroot().iter(f"{{{SITEMAPS}}}loc")
        ]
        assert all(urlsplit(loc).scheme == "https" and loc.startswith(url) for loc in locations)
        pages += len(locations)
    assert pages > 100


def test_the_public_rss_feeds_link_only_to_absolute_addresses(engine_public_site) -> None:
    site, url = engine_public_site
    feeds = sorted(site.rglob("*.rss"))
    assert feeds
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo and parsed.version == "rss20", feed
        links = [parsed.feed.link, *(entry.link for entry in parsed.entries)]
        assert all(link.startswith(url) for link in links), feed


def test_a_build_without_site_url_leaves_out_what_needs_one_and_says_so(
    demo_site, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site, _ = demo_site
    assert not list(site.glob("sitemap*")) and not list(site.rglob("*.rss"))
    assert "feed.rss" not in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "feed.atom").is_file()
    build_site(DATA_DIR, tmp_path / "site")
    assert NO_SITE_URL in capfd.readouterr().err
