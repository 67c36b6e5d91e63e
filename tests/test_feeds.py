"""Tests for generator.publish.data.feeds: Atom and RSS feeds of plans, result batches and handbook updates.

Expected entries are counted here from the model directly, not through generator.publish.data.feeds.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import posixpath
import re
import shutil
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR

from generator.build import build_site
from generator.draws.published import attach_draws, load_draws
from generator.model.entities import Model, build_model
from generator.model.identity import industry_slug, record_path, split_ids
from generator.publish.data import feeds
from generator.publish.data.feeds import write_feeds
from generator.publish.data.publications import department_slug
from generator.publish.site.linkcheck import check_links
from generator.validate.folder import validate_folder

SITE_NAME = "示例县双随机、一公开公示平台"
PUBLIC_URL = "https://example.gov.cn/gongkai/"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def model() -> Model:
    validated = validate_folder(DATA_DIR)
    model = build_model(validated.public_tables(), validated.data_as_of)
    attach_draws(model, load_draws(DATA_DIR))  # as build_site does
    return model


@pytest.fixture(scope="module")
def written(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model's feeds without ``site_url``; returns the site folder."""
    site = tmp_path_factory.mktemp("feeds") / "site"
    write_feeds(model, site, site_name=SITE_NAME)
    return site


@pytest.fixture(scope="module")
def public(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model's feeds with ``site_url`` (RSS too); returns the site folder."""
    site = tmp_path_factory.mktemp("feeds-public") / "site"
    write_feeds(model, site, site_url=PUBLIC_URL, site_name=SITE_NAME)
    return site


PUBLIC_PREFIX = "tag:example.gov.cn,2024:gongkai/"


def _parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    return parsed


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# What the model publishes, counted independently of generator.publish.data.feeds.


def _expected(model: Model) -> dict[str, dict[str, dt.date]]:
    """Expected entry-id suffixes and their dates, per kind."""
    plans = {
        f"plan/{p['plan_id']}": _day(p["published_on"])
        for p in model.plans.values()
        if p.get("published_on")
    }
    batches = {
        f"task/{r['task_id']}/batch/{r['published_on']}": _day(r["published_on"])
        for r in model.results
        if r.get("published_on")
    }
    handbook = {
        f"handbook/{industry_slug(industry)}/update/{s['updated_on']}": _day(s["updated_on"])
        for industry, sections in model.handbook.items()
        for s in sections
        if s.get("updated_on")
    }
    commitments = {
        f"task/{t['task_id']}/draw/{d['draw_id']}/commitment": _day(d["committed_at"][:10])
        for t in model.tasks.values()
        for d in t.get("verifiable_draws") or []
    }
    return {
        "plan": plans,
        "result-batch": batches,
        "handbook": handbook,  # type: ignore[dict-item]
        "draw-commitment": commitments,
    }


def _ids(parsed: feedparser.FeedParserDict, prefix: str = "tag:gongkai,2024:") -> list[str]:
    ids = [e.id for e in parsed.entries]
    assert all(i.startswith(prefix) for i in ids)
    return [i.removeprefix(prefix) for i in ids]


# Parsing and layout


def _feed_files(site: Path) -> dict[str, bytes]:
    """Every feed file and the feed index, by site-relative path."""
    files = [*site.glob("feed.*"), *(site / "feeds").rglob("*.*")]
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in files}


def test_without_site_url_there_is_no_rss(written: Path) -> None:
    """RSS 2.0 takes absolute links only: without site_url the build writes Atom alone."""
    assert not list(written.rglob("*.rss"))
    index = json.loads((written / "feeds" / "index.json").read_text(encoding="utf-8"))
    assert index["feeds"] and all(f["rss"] is None and f["atom"] for f in index["feeds"])


def test_every_feed_parses_without_errors(public: Path, model: Model) -> None:
    names = set(_feed_files(public)) - {"feeds/index.json"}
    for name in names:
        parsed = _parse(public / name)
        assert not parsed.bozo, name
        assert parsed.version == ("atom10" if name.endswith(".atom") else "rss20"), name
        links = [parsed.feed.link, *(e.link for e in parsed.entries)]
        assert all(link.startswith(PUBLIC_URL) for link in links), name
    assert {"feed.atom", "feed.rss"} <= names
    enterprise = {n for n in names if n.startswith("feeds/enterprise/")}
    assert enterprise == {f"feeds/enterprise/{e.slug}.atom" for e in model.enterprises.values()}
    departments = {p.get("department") for p in model.plans.values()}
    departments |= {r["authority"] for r in model.results}
    for department in departments:
        assert f"feeds/department/{department_slug(department)}.atom" in names
    for industry in model.handbook:
        assert f"feeds/industry/{industry_slug(industry)}.rss" in names


def test_site_feed_has_one_entry_per_plan_batch_and_handbook_update(
    written: Path, public: Path, model: Model
) -> None:
    expected = _expected(model)
    total = sum(len(v) for v in expected.values())
    assert 0 < total <= feeds.MAX_ENTRIES  # the demo fits: nothing is cut
    for parsed, name in (
        (_parse(written / "feed.atom"), "atom"),
        (_parse(public / "feed.atom"), "public atom"),
        (_parse(public / "feed.rss"), "rss"),
    ):
        ids = _ids(parsed, "tag:gongkai,2024:" if name == "atom" else PUBLIC_PREFIX)
        assert len(ids) == len(set(ids)) == total, name
        assert set(ids) == {key for kind in expected.values() for key in kind}
    # Batches, not rows: far fewer entries than results.
    assert len(expected["result-batch"]) < len(model.results)
    atom = _parse(written / "feed.atom")
    kinds = defaultdict(int)
    for entry in atom.entries:
        kinds[entry.tags[0].term] += 1
    assert kinds == {kind: len(keys) for kind, keys in expected.items()}


def test_department_and_industry_feeds_hold_what_concerns_them(written: Path, model: Model) -> None:
    department = "示例县文化和旅游局"
    plans = {f"plan/{p['plan_id']}" for p in model.plans.values() if p["department"] == department}
    batches = set()
    for r in model.results:
        task = model.tasks[r["task_id"]]
        involved = {
            r["authority"],
            task["lead_department"],
            *split_ids(task.get("partner_departments")),
        }
        if department in involved:
            batches.add(f"task/{r['task_id']}/batch/{r['published_on']}")
    parsed = _parse(written / "feeds" / "department" / f"{department_slug(department)}.atom")
    assert set(_ids(parsed)) == plans | batches
    assert plans and batches

    industry = next(iter(model.handbook))
    parsed = _parse(written / "feeds" / "industry" / f"{industry_slug(industry)}.atom")
    ids = set(_ids(parsed))
    updates = {s["updated_on"] for s in model.handbook[industry]}
    assert {i for i in ids if i.startswith("handbook/")} == {
        f"handbook/{industry_slug(industry)}/update/{day}" for day in updates
    }
    task_ids = {t for t, task in model.tasks.items()
                if any(model.items[i]["industry"] == industry for i in task["items"])}  # fmt: skip
    assert {i.split("/")[1] for i in ids if i.startswith("task/")} >= task_ids


def test_enterprise_feeds_have_one_entry_per_batch_of_their_results(
    written: Path, model: Model
) -> None:
    for enterprise in model.enterprises.values():
        parsed = _parse(written / "feeds" / "enterprise" / f"{enterprise.slug}.atom")
        batches = {(r["task_id"], r["published_on"]) for r in enterprise.results}
        expected = {
            f"enterprise/{enterprise.code}/task/{task}/batch/{day}" for task, day in batches
        }
        assert set(_ids(parsed)) == expected
        assert parsed.feed.title.endswith(enterprise.name)


# Ids and dates


def test_two_builds_give_identical_bytes(written: Path, model: Model, tmp_path: Path) -> None:
    again = tmp_path / "site"
    write_feeds(model, again, site_name=SITE_NAME)
    assert _feed_files(again) == _feed_files(written)


def test_ids_do_not_change_when_unrelated_records_are_added(
    written: Path, model: Model, tmp_path: Path
) -> None:
    tables = {kind: list(rows) for kind, rows in model.tables.items()}
    template = next(r for r in tables["results"] if r.get("published_on"))
    tables["results"].append({**template, "published_on": "2024-12-24", "result_id": "NEW-1"})
    plan = {**tables["plans"][0], "plan_id": "JH-NEW", "published_on": "2024-12-20"}
    tables["plans"].insert(0, plan)
    grown = build_model(tables, model.data_as_of)
    attach_draws(grown, load_draws(DATA_DIR))
    site = tmp_path / "site"
    write_feeds(grown, site, site_name=SITE_NAME)
    before = _parse(written / "feed.atom")
    after = _parse(site / "feed.atom")
    old = {e.id: (e.title, e.published) for e in before.entries}
    new = {e.id: (e.title, e.published) for e in after.entries}
    added = {
        f"tag:gongkai,2024:task/{template['task_id']}/batch/2024-12-24",
        "tag:gongkai,2024:plan/JH-NEW",
    }
    assert set(new) - set(old) == added
    assert {i: new[i] for i in old} == old
    assert after.feed.updated == "2024-12-24T00:00:00+08:00"


def test_dates_come_from_the_data(written: Path, public: Path, model: Model) -> None:
    expected = {k: v for kind in _expected(model).values() for k, v in kind.items()}
    newest = max(expected.values())
    atom = _parse(written / "feed.atom")
    assert atom.feed.updated == f"{newest.isoformat()}T00:00:00+08:00"
    for entry in atom.entries:
        day = expected[entry.id.removeprefix("tag:gongkai,2024:")]
        assert entry.published == entry.updated == f"{day.isoformat()}T00:00:00+08:00"
    rss = _parse(public / "feed.rss")
    assert rss.feed.updated == _rfc2822(newest)  # lastBuildDate: pinned, not the clock
    for entry in rss.entries:
        day = expected[entry.id.removeprefix(PUBLIC_PREFIX)]
        assert entry.published == _rfc2822(day)
    published = [dt.date(*e.published_parsed[:3]) for e in atom.entries]
    assert published == sorted(published, reverse=True)  # newest first


def _rfc2822(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), CST).strftime("%a, %d %b %Y %H:%M:%S +0800")


def test_publications_without_a_date_are_skipped_and_counted(model: Model, tmp_path: Path) -> None:
    tables = {kind: list(rows) for kind, rows in model.tables.items()}
    tables["plans"][0] = {**tables["plans"][0], "published_on": None}
    undated = {**tables["results"][0], "task_id": "UNDATED", "published_on": None}
    tables["results"].append(undated)
    summary = write_feeds(build_model(tables, model.data_as_of), tmp_path, site_name=SITE_NAME)
    assert summary.skipped == {"plan": 1, "result-batch": 1, "enterprise-result-batch": 1}
    ids = _ids(_parse(tmp_path / "feed.atom"))
    assert f"plan/{tables['plans'][0]['plan_id']}" not in ids
    assert not any("UNDATED" in i for i in ids)
    index = (tmp_path / "feeds" / "index.json").read_text(encoding="utf-8")
    assert '"skipped_without_date"' in index


def test_a_feed_without_entries_is_dated_by_the_data(tmp_path: Path) -> None:
    write_feeds(build_model({}, "2024-06-30"), tmp_path, site_url=PUBLIC_URL, site_name=SITE_NAME)
    for name in ("feed.atom", "feed.rss"):
        parsed = _parse(tmp_path / name)
        assert parsed.entries == []
    assert _parse(tmp_path / "feed.atom").feed.updated == "2024-06-30T00:00:00+08:00"


def test_feeds_keep_only_the_newest_entries(
    model: Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 5)
    write_feeds(model, tmp_path, site_name=SITE_NAME)
    expected = {k: v for kind in _expected(model).values() for k, v in kind.items()}
    newest = sorted(expected.values(), reverse=True)[:5]
    parsed = _parse(tmp_path / "feed.atom")
    assert [expected[i] for i in _ids(parsed)] == newest


# Text and links


HOSTILE_NAME = "\x01检查\x1b<script>alert(1)</script>\u202e任务\x7f & <b>粗</b>\r\n第二行"
CLEAN_NAME = "检查<script>alert(1)</script>任务 & <b>粗</b> 第二行"


def test_hostile_text_is_escaped_and_loses_control_characters(model: Model, tmp_path: Path) -> None:
    tables = {kind: list(rows) for kind, rows in model.tables.items()}
    task_id = tables["tasks"][0]["task_id"]
    tables["tasks"][0] = {**tables["tasks"][0], "name": HOSTILE_NAME}
    write_feeds(
        build_model(tables, model.data_as_of), tmp_path, site_url=PUBLIC_URL, site_name=SITE_NAME
    )
    for name in ("feed.atom", "feed.rss"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "<script" not in text and "<b>" not in text
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", text)
        parsed = _parse(tmp_path / name)
        entries = [e for e in parsed.entries if f"/task/{task_id}/" in e.id]
        assert entries
        for entry in entries:
            title = entry.title
            if name.endswith(".atom"):
                # type="text": the reader shows exactly this string.
                assert CLEAN_NAME in title and entry.title_detail.type == "text/plain"
            else:
                # RSS readers treat titles as HTML: the markup arrives as escaped text.
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in title
                assert "<script" not in title


def test_site_url_gives_absolute_links_and_the_id_authority(model: Model, tmp_path: Path) -> None:
    write_feeds(model, tmp_path, site_url=PUBLIC_URL, site_name=SITE_NAME)
    for name in (
        "feed.atom",
        "feed.rss",
        f"feeds/enterprise/{next(iter(model.enterprises.values())).slug}.atom",
    ):
        parsed = _parse(tmp_path / name)
        ids = _ids(parsed, "tag:example.gov.cn,2024:gongkai/")
        assert ids
        for entry in parsed.entries:
            assert entry.link.startswith(PUBLIC_URL), entry.link
    atom = (tmp_path / "feed.atom").read_text(encoding="utf-8")
    assert f'href="{PUBLIC_URL}feed.atom" rel="self"' in atom
    rss = (tmp_path / "feed.rss").read_text(encoding="utf-8")
    assert f"<link>{PUBLIC_URL}</link>" in rss  # the channel's page, not the feed itself
    assert f'href="{PUBLIC_URL}feed.rss" rel="self"' in rss
    department = _parse(
        tmp_path / "feeds" / "department" / f"{department_slug('示例县卫生健康局')}.rss"
    )
    assert department.feed.link == PUBLIC_URL
    # The same records get the same ids under either authority.
    keys = _ids(_parse(tmp_path / "feed.atom"), "tag:example.gov.cn,2024:gongkai/")
    assert sorted(keys) == sorted(_expected_keys(model))


def _expected_keys(model: Model) -> list[str]:
    return [k for kind in _expected(model).values() for k in kind]


def test_relative_links_resolve_from_the_feed(written: Path, model: Model) -> None:
    """Without site_url, links are relative to the feed file; they name real record pages."""
    for name, depth in (
        ("feed.atom", 0),
        (f"feeds/department/{department_slug('示例县卫生健康局')}.atom", 2),
    ):
        parsed = _parse(written / name)
        for entry in parsed.entries:
            assert entry.link.startswith("../" * depth) and not entry.link.startswith("/")
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), entry.link))
            kind = path.split("/")[0]
            assert kind in {"plan", "task", "handbook"}, entry.link
            if kind in {"plan", "task"}:
                slug = path.split("/")[1]
                records = model.plans if kind == "plan" else model.tasks
                assert any(
                    record_path(kind, r["slug"]) == f"{kind}/{slug}/" for r in records.values()
                )


# The built site (slow: builds the demo)


def _head_links(page: Path) -> dict[str, str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {
        link["type"]: link["href"]
        for link in soup.head.find_all("link", rel="alternate")
        if link.get("type") in ("application/atom+xml", "application/rss+xml")
    }


@pytest.mark.slow
def test_built_site_has_autodiscovery_links_and_feeds(demo_site, model: Model) -> None:
    site, _ = demo_site
    enterprise = next(iter(model.enterprises.values()))
    pages = {
        "index.html": "",
        "about/index.html": "../",
        f"{record_path('enterprise', enterprise.slug)}index.html": "../../",
        f"{record_path('task', next(iter(model.tasks.values()))['slug'])}index.html": "../../",
    }
    for page, root in pages.items():
        links = _head_links(site / page)
        # The demo has no site_url: Atom only (RSS needs absolute links).
        assert links == {"application/atom+xml": f"{root}feed.atom"}, page
        for href in links.values():
            assert (site / page).parent.joinpath(href).resolve().is_file()
    soup = BeautifulSoup(
        (site / record_path("enterprise", enterprise.slug) / "index.html").read_text("utf-8"),
        "html.parser",
    )
    own = {a["href"] for a in soup.select(".gongkai-feeds a")}
    assert own == {f"../../feeds/enterprise/{enterprise.slug}.atom"}
    assert check_links(site) == []
    # Every entry link of the site feed names a file of the built site (and its anchor).
    parsed = _parse(site / "feed.atom")
    assert len(parsed.entries) == len(_expected_keys(model))
    for entry in parsed.entries:
        parts = urlsplit(entry.link)
        target = site / parts.path / "index.html"
        assert target.resolve().is_file(), entry.link
        if parts.fragment:
            assert f'id="{parts.fragment}"' in target.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_second_build_in_another_time_zone_gives_the_same_feeds(
    demo_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, _ = demo_site
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    monkeypatch.chdir(tmp_path)
    time.tzset()
    try:
        again = tmp_path / "site"
        build_site(DATA_DIR, again)
    finally:
        monkeypatch.undo()
        time.tzset()
    first = _feed_files(site)
    assert _feed_files(again) == first and len(first) > 100


@pytest.mark.slow
def test_configured_site_url_reaches_the_feeds_and_sitemap(
    project_copy: Path, tmp_path: Path, model: Model
) -> None:
    config = project_copy.read_text(encoding="utf-8")
    config = config.replace("# site_url:", "site_url:", 1)
    project_copy.write_text(config, encoding="utf-8")
    url = re.search(r"^site_url: (\S+)", config, re.MULTILINE)
    assert url
    site = tmp_path / "site"
    build_site(DATA_DIR, site, config_file=project_copy)
    host = urlsplit(url.group(1)).hostname
    parsed = _parse(site / "feed.rss")
    assert parsed.entries and all(e.id.startswith(f"tag:{host},2024:") for e in parsed.entries)
    assert _head_links(site / "index.html")["application/rss+xml"] == "feed.rss"
    assert all(e.link.startswith(url.group(1)) for e in parsed.entries)
    # The sitemap lists every live page, record pages included, and no page that is not there.
    spaces = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ElementTree.parse(site / "sitemap.xml").getroot()
    parts = [loc.text or "" for loc in index.iterfind("s:sitemap/s:loc", spaces)]
    assert parts == [f"{url.group(1)}sitemap-1.xml"]
    sitemap = ElementTree.parse(site / "sitemap-1.xml").getroot()
    locations = [loc.text or "" for loc in sitemap.iterfind("s:url/s:loc", spaces)]
    assert len(locations) == len(set(locations)) and locations
    relative = [loc.removeprefix(url.group(1)) for loc in locations]
    assert all((site / path / "index.html").is_file() for path in relative)
    enterprise = next(iter(model.enterprises.values()))
    assert f"enterprise/{enterprise.slug}/" in relative and "open-data/" in relative
    assert not any(path.startswith(("record/", "result/")) for path in relative)
    assert (
        gzip.decompress((site / "sitemap.xml.gz").read_bytes())
        == (site / "sitemap.xml").read_bytes()
    )
    shutil.rmtree(site)


def test_no_wall_clock_in_feeds(written: Path) -> None:
    today = dt.date.today()
    for path in written.glob("feed.*"):
        text = path.read_text(encoding="utf-8")
        assert today.isoformat() not in text and today.strftime("%d %b %Y") not in text
        assert "python-feedgen" not in text  # feedgen's default generator names its version
