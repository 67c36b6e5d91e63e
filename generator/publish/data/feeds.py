"""Atom and RSS 2.0 feeds of what the site publishes, written with feedgen.

Every *publication* becomes one feed entry: a plan published (``plan``), the results a task
published on one 公示日期 (``result-batch``: one entry per batch, not per row) and the
合规手册 sections of one industry updated on one day (``handbook``). Entries go into the
site-wide feed and into the feeds of the departments and industries they concern; each
enterprise gets a feed of its own results, one entry per batch it appears in. Layout under
the site folder (``<slug>`` as in :func:`generator.publish.data.publications.department_slug`,
:func:`generator.model.identity.industry_slug` and the enterprise's record page)::

    feed.atom, feed.rss                     (site-wide, at the site root: see feed_file)
    feeds/department/<d-slug>.atom|.rss
    feeds/industry/<i-slug>.atom|.rss
    feeds/enterprise/<slug>.atom            (Atom only: ~18,000 of them at 100,000 results)
    feeds/index.json                        (every feed but the enterprise ones, and counts)

Every page names the site-wide feed in a ``<link rel="alternate">`` (``overrides/main.html``).

Rules that make the feeds citable and byte-stable:

* **Ids** are tag URIs (RFC 4151) built from the record's own keys only, e.g.
  ``tag:example.gov.cn,2024:task/<task_id>/batch/2024-03-05``: they change neither between
  builds nor when other records change. The authority is the host of ``site_url`` (and its
  path goes first in the specific part, so two sites on one host differ), else
  :data:`DEFAULT_AUTHORITY`.
* **Dates** come from the data (``published_on``, ``updated_on``), as midnight China
  Standard Time; never from the clock. A feed's ``updated`` is its newest entry's date (the
  data's "as of" date for a feed without entries). Publications without a date are skipped
  and counted in :class:`generator.publish.data.publications.FeedSummary`.
* **Text** from data loses control characters (which XML 1.0 cannot carry) and bidi
  overrides. Atom text is ``type="text"``; RSS readers treat ``title`` and ``description`` as
  HTML, so RSS text is HTML-escaped once more: a ``<script>`` in the data shows as the
  literal text it is in both.
* **Links** are absolute under ``site_url`` when it is set. Without it the build cannot know
  the public address, so links are relative to the feed file (``../task/…/``): valid IRI
  references in Atom (RFC 4287 resolves them against the feed's own address). RSS 2.0 has
  no relative links (the W3C feed validator rejects them), so **without ``site_url`` no RSS
  is written**: :func:`feed_formats` says which formats a build has, the 订阅 page and the
  pages' autodiscovery links offer Atom only, and ``gongkai build`` says what it left out.
* Each entry carries its kind as ``<category term="result-batch" scheme="tag:…:kind">``
  (RSS: the Chinese label, with the scheme as ``domain``).
* feedgen stamps ``updated``/``lastBuildDate`` with the clock, names its own version as
  generator and puts each new entry first; here the dates and generator are set and entries
  are appended newest first. Output is pretty-printed UTF-8. A feed keeps its newest
  :data:`MAX_ENTRIES` entries.

Changing ``site_url``'s host or path changes every id (subscribers then see every entry as
new): set it before the first public release.

What the feeds announce is collected in :mod:`generator.publish.data.publications`. A further
entry kind is a name in :data:`ENTRY_KINDS` and a collector there that yields
:class:`~generator.publish.data.publications.Publication` objects with their own ids (and, for
an entry that changed, an ``updated`` later than ``published``).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from generator.core.fingerprint import code_digest, value_digest
from generator.core.outputs import Outputs
from generator.core.shards import Emit, run_shards
from generator.model.entities import Enterprise, Model
from generator.model.identity import industry_slug, record_path
from generator.publish.data.publications import (
    EPOCH,
    FEEDS_DIR,
    SITE_FEED,
    FeedSummary,
    Publication,
    clean_text,
    collect_enterprise_publications,
    collect_publications,
    department_slug,
    feed_file,
    feed_scopes,
    parse_day,
)

INDEX_FILE = "index.json"

ENTRY_KINDS: dict[str, str] = {
    "plan": "抽查计划发布",
    "result-batch": "检查结果公示",
    "handbook": "合规手册更新",
    "correction": "更正",
    "adjustment": "调整",
    "follow-up": "后续处置更新",
    "withdrawal": "撤回",
    "draw-commitment": "抽取承诺",
}
"""Entry kinds and their Chinese labels (the entry's ``<category>``)."""

MAX_ENTRIES = 1000
"""Newest entries kept per feed: a county's whole year fits; at province scale the feeds
announce what is new and the datasets keep the whole history."""
FORMATS = ("atom", "rss")
"""Formats of the site-wide, department and industry feeds."""
ENTERPRISE_FORMATS = ("atom",)
"""Formats of per-enterprise feeds. Atom only: at 100,000 results there are ~17,500 of them,
and every file costs time and space to write and deploy (5.4 s and 37 MB in Atom; adding
RSS made it 8.6 s, 72 MB and 35,000 files). Every reader that takes RSS takes Atom."""
ENTERPRISE_FEEDS_PER_SHARD = 5_000
"""Enterprise feeds one process writes at a time (:func:`write_feeds` with ``workers``)."""

DEFAULT_AUTHORITY = "gongkai"
"""Tag URI authority when ``site_url`` is not configured."""
TAG_DATE = "2024"
"""The date part of every tag URI; fixed forever, or every id would change."""
TIMEZONE = dt.timezone(dt.timedelta(hours=8))
"""Dates in the data are days in China Standard Time; entries are dated at its midnight."""
LANGUAGE = "zh-CN"
GENERATOR = "gongkai"


# Feed metadata


@dataclass(frozen=True)
class FeedInfo:
    """A feed's own metadata: title, subtitle and the page it stands for."""

    title: str
    subtitle: str
    path: str


def feed_infos(model: Model, site_name: str) -> dict[str, FeedInfo]:
    """Title, subtitle and page of every shared feed (site-wide, departments, industries)."""
    site = clean_text(site_name) or "gongkai"
    infos = {
        SITE_FEED: FeedInfo(
            f"{site}：全部公示",
            "新发布的抽查计划、检查结果公示、合规手册更新，以及更正和撤回。",
            "",
        )
    }
    departments, industries = feed_scopes(model)
    for name in departments:
        infos[f"department/{department_slug(name)}"] = FeedInfo(
            f"{site}：{name}",
            f"{name}制定的抽查计划、参与的抽查任务的检查结果公示，以及更正和撤回。",
            "",
        )
    for industry in industries:
        name = clean_text(industry)
        page = f"handbook/{industry_slug(industry)}/" if industry in model.handbook else "items/"
        infos[f"industry/{industry_slug(industry)}"] = FeedInfo(
            f"{site}：{name}行业",
            f"涉及{name}行业抽查事项的计划、检查结果公示和合规手册更新。",
            page,
        )
    return infos


def _enterprise_info(enterprise: Enterprise, site_name: str) -> FeedInfo:
    name = clean_text(enterprise.name)
    return FeedInfo(
        f"{clean_text(site_name) or 'gongkai'}：{name}",
        f"{name}（{clean_text(enterprise.code)}）的抽查检查结果公示。",
        record_path("enterprise", enterprise.slug),
    )


# Writing


class _Site:
    """Ids and links of one site: tag URIs, and URLs absolute or relative to the feed."""

    def __init__(self, site_url: str | None) -> None:
        self.base: str | None = None
        self.authority = f"{DEFAULT_AUTHORITY},{TAG_DATE}:"
        if not site_url:
            return
        parts = urlsplit(site_url)
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            return
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return
        path = parts.path.strip("/")
        self.base = site_url.split("#")[0].split("?")[0].rstrip("/") + "/"
        prefix = quote(path, safe="/-._~") + "/" if path else ""
        self.authority = f"{host.lower()},{TAG_DATE}:{prefix}"

    def tag(self, key: str) -> str:
        return f"tag:{self.authority}{key}"

    def href(self, path: str, origin: str) -> str:
        """A link to the site-relative ``path`` from the file ``origin`` (site-relative)."""
        if self.base is not None:
            return self.base + path
        return ("../" * origin.count("/") + path) or "./"

    def self_href(self, origin: str) -> str:
        """The feed file's own address."""
        if self.base is not None:
            return self.base + origin
        return origin.rsplit("/", 1)[-1]


def feed_formats(site_url: str | None) -> tuple[str, ...]:
    """The formats of the site-wide, department and industry feeds a build writes: RSS only
    when ``site_url`` gives the absolute links RSS 2.0 requires."""
    return FORMATS if _Site(site_url).base is not None else ("atom",)


def render_feed(
    info: FeedInfo,
    feed_key: str,
    publications: list[Publication],
    site: _Site,
    fmt: str,
    *,
    site_name: str,
    fallback: dt.date,
) -> bytes:
    """One feed in ``fmt`` (``atom`` or ``rss``) as UTF-8 XML bytes.

    Args:
        info: The feed's metadata.
        feed_key: ``all``, ``department/<slug>`` and so on.
        publications: Its entries, newest first (at most :data:`MAX_ENTRIES` are written).
        site: Ids and links.
        fmt: ``atom`` or ``rss``.
        site_name: The publisher, as the feed's author.
        fallback: ``updated`` of a feed without entries (the data's "as of" date).
    """
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

    path = feed_file(feed_key, fmt)
    rss = fmt == "rss"
    text = _html_text if rss else clean_text
    kept = publications[:MAX_ENTRIES]
    generator = FeedGenerator()
    generator.id(site.tag(f"feed/{feed_key}"))
    generator.title(text(info.title))
    generator.description(text(info.subtitle))
    generator.author(name=clean_text(site_name) or "gongkai")
    media = "application/rss+xml" if rss else "application/atom+xml"
    generator.link(href=site.self_href(path), rel="self", type=media)
    # RSS's channel <link> is feedgen's *last* link: the page, so it must come after self.
    generator.link(href=site.href(info.path, path), rel="alternate", type="text/html")
    generator.language(LANGUAGE)
    # feedgen stamps the clock and its own version by default: both pinned here.
    generator.generator(GENERATOR)
    generator.docs("https://www.rssboard.org/rss-specification")
    newest = max((p.last_change for p in kept), default=fallback)
    generator.updated(_moment(newest))
    for publication in kept:
        entry = generator.add_entry(order="append")
        entry.id(site.tag(publication.key))
        entry.title(text(publication.title))
        entry.link(href=site.href(publication.path, path), rel="alternate", type="text/html")
        entry.summary(text(publication.summary))
        entry.published(_moment(publication.published))
        entry.updated(_moment(publication.last_change))
        entry.category(
            term=publication.kind,
            label=ENTRY_KINDS[publication.kind],
            scheme=site.tag("kind"),
        )
        if publication.author:
            entry.author(name=clean_text(publication.author))
    if rss:
        return generator.rss_str(pretty=True)  # type: ignore[no-any-return]
    return generator.atom_str(pretty=True)  # type: ignore[no-any-return]


def write_feeds(
    model: Model,
    site_dir: Path | Outputs,
    *,
    site_url: str | None = None,
    site_name: str = "gongkai",
    workers: int = 1,
    scheduler: str | None = None,
) -> FeedSummary:
    """Write every feed into ``site_dir/feeds/`` and its index; returns what was written.

    Args:
        model: The published model.
        site_dir: The (staging) site folder, or its :class:`~generator.core.outputs.Outputs`
            (which then notes every feed's hash, and keeps the previous site's unchanged feeds).
        site_url: ``site_url`` from ``mkdocs.yml``: absolute links and the id authority.
        site_name: ``site_name`` from ``mkdocs.yml``: feed titles and author.
        workers: Local processes for the enterprises' feeds (one file each, nine feeds in
            ten), in runs of :data:`ENTERPRISE_FEEDS_PER_SHARD`; the bytes do not depend on it.
        scheduler: A Dask scheduler's address: write those on that cluster instead
            (:func:`generator.core.shards.run_shards`).
    """
    summary = FeedSummary()
    # Every key is a fixed prefix and a validated or hashed slug: never outside site_dir.
    outputs = Outputs.of(site_dir)
    site = _Site(site_url)
    fallback = parse_day(model.data_as_of) or EPOCH
    infos = feed_infos(model, site_name)
    by_feed: dict[str, list[Publication]] = {key: [] for key in infos}
    for publication in collect_publications(model, summary):
        for key in publication.feeds:
            # A correction may name a department the data no longer has: no feed of its own.
            if key in by_feed:
                by_feed[key].append(publication)

    def write(
        key: str, info: FeedInfo, publications: list[Publication], formats: tuple[str, ...]
    ) -> None:
        for fmt in formats:
            xml = render_feed(
                info, key, publications, site, fmt, site_name=site_name, fallback=fallback
            )
            outputs.write(feed_file(key, fmt), xml)
            summary.files += 1

    index = []
    formats = feed_formats(site_url)
    for key, info in infos.items():
        write(key, info, by_feed[key], formats)
        summary.feeds += 1
        newest = max((p.last_change for p in by_feed[key]), default=fallback)
        index.append(
            {
                "title": info.title,
                "atom": feed_file(key, "atom"),
                "rss": feed_file(key, "rss") if "rss" in formats else None,
                "page": info.path,
                "entries": min(len(by_feed[key]), MAX_ENTRIES),
                "updated": newest.isoformat(),
            }
        )
    # Each shard collects its own enterprises' publications: most of the stage's work.
    codes = list(model.enterprises)
    step = ENTERPRISE_FEEDS_PER_SHARD
    jobs = [codes[n : n + step] for n in range(0, len(codes), step)]
    shared = (model, site_url, site_name, fallback)
    for shard in run_shards(_write_enterprise_feeds, shared, jobs, outputs, workers=workers,
                            scheduler=scheduler):  # fmt: skip
        summary.files += shard.files
        summary.enterprise_feeds += shard.enterprise_feeds
        summary.entries.update(shard.entries)
        summary.skipped.update(shard.skipped)
    document = {"feeds": index, "counts": summary.to_dict()}
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    outputs.write(f"{FEEDS_DIR}/{INDEX_FILE}", text.encode("utf-8"))
    return summary


def _write_enterprise_feeds(
    shared: tuple[Model, str | None, str, dt.date], codes: list[str], emit: Emit
) -> FeedSummary:
    """One shard of the enterprises' feeds, by credit code: what it wrote and collected."""
    model, site_url, site_name, fallback = shared
    site = _Site(site_url)
    frame = code_digest("feedgen", "lxml")
    counted = FeedSummary()
    firms = [model.enterprises[code] for code in codes]
    publications = collect_enterprise_publications(model, counted, firms)
    for enterprise in firms:
        key, info = f"enterprise/{enterprise.slug}", _enterprise_info(enterprise, site_name)
        entries = publications[enterprise.slug]
        for fmt in ENTERPRISE_FORMATS:
            # Everything the feed is made from: an unchanged feed is taken over unmade.
            inputs = value_digest(frame, info, key, entries, site_url, fmt, site_name, fallback)
            make = functools.partial(
                render_feed, info, key, entries, site, fmt, site_name=site_name, fallback=fallback
            )
            emit(feed_file(key, fmt), make, inputs)
            counted.files += 1
        counted.enterprise_feeds += 1
    return counted


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TIMEZONE)


def _html_text(value: Any) -> str:
    """Clean text, HTML-escaped once more: RSS readers treat these fields as HTML."""
    return html.escape(clean_text(value), quote=False)
