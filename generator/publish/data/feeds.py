"""Atom and RSS 2.0 feeds of what the site publishes, written with feedgen.

Every *publication* becomes one feed entry: a plan published (``plan``), the results a task
published on one 公示日期 (``result-batch``: one entry per batch, not per row) and the
合规手册 sections of one industry updated on one day (``handbook``). Entries go into the
site-wide feed and into the feeds of the departments and industries they concern; each
enterprise gets a feed of its own results, one entry per batch it appears in. Layout under
the site folder (``<slug>`` as in :func:`department_slug`, :func:`generator.publish.site.records.
industry_slug` and the enterprise's record page)::

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
  and counted in :class:`FeedSummary`.
* **Text** from data loses control characters (which XML 1.0 cannot carry) and bidi
  overrides. Atom text is ``type="text"``; RSS readers treat ``title`` and ``description`` as
  HTML, so RSS text is HTML-escaped once more: a ``<script>`` in the data shows as the
  literal text it is in both.
* **Links** are absolute under ``site_url`` when it is set. Without it the build cannot know
  the public address, so links are relative to the feed file (``../task/…/``): valid IRI
  references in Atom (RFC 4287 resolves them against the feed's own address), which
  feedparser and common readers resolve the same way in RSS; the RSS 2.0 profile asks for
  full URLs, so deployments should set ``site_url``.
* Each entry carries its kind as ``<category term="result-batch" scheme="tag:…:kind">``
  (RSS: the Chinese label, with the scheme as ``domain``).
* feedgen stamps ``updated``/``lastBuildDate`` with the clock, names its own version as
  generator and puts each new entry first; here the dates and generator are set and entries
  are appended newest first. Output is pretty-printed UTF-8. A feed keeps its newest
  :data:`MAX_ENTRIES` entries.

Changing ``site_url``'s host or path changes every id (subscribers then see every entry as
new): set it before the first public release.

Corrections and withdrawals are meant to become further entry kinds: add a name to
:data:`ENTRY_KINDS` and a collector that yields :class:`Publication` objects with their own
ids and an ``updated`` later than ``published``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from generator.model.changes import CHANGELOG_PAGE, describe_change
from generator.model.entities import Enterprise, Model
from generator.model.identity import industry_slug, record_path, split_ids

FEEDS_DIR = "feeds"
"""Folder of every feed but the site-wide one, relative to the site folder."""
SITE_FEED = "all"
"""Key of the site-wide feed, which is written at the site root (:func:`feed_file`)."""
INDEX_FILE = "index.json"

ENTRY_KINDS: dict[str, str] = {
    "plan": "抽查计划发布",
    "result-batch": "检查结果公示",
    "handbook": "合规手册更新",
    "correction": "更正",
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

DEFAULT_AUTHORITY = "gongkai"
"""Tag URI authority when ``site_url`` is not configured."""
TAG_DATE = "2024"
"""The date part of every tag URI; fixed forever, or every id would change."""
TIMEZONE = dt.timezone(dt.timedelta(hours=8))
"""Dates in the data are days in China Standard Time; entries are dated at its midnight."""
LANGUAGE = "zh-CN"
GENERATOR = "gongkai"
EPOCH = dt.date(1970, 1, 1)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")


def feed_file(key: str, fmt: str) -> str:
    """Where a feed is written, relative to the site folder.

    The site-wide feed sits at the root (``feed.atom``) because Material's JavaScript fetches
    ``sitemap.xml`` next to every ``<link rel="alternate">`` of a page (it is meant for
    language versions): next to ``feeds/all.atom`` that request would fail on every page
    view, at the root it finds the real sitemap.
    """
    if key == SITE_FEED:
        return f"feed.{fmt}"
    return f"{FEEDS_DIR}/{key}.{fmt}"


# Publications


@dataclass(frozen=True)
class Publication:
    """One feed entry, before it is written in a format.

    ``key`` is the id without the tag prefix (``task/<id>/batch/<date>``); ``path`` the
    site-relative page it links to; ``feeds`` the feeds it belongs to (``all``,
    ``department/<slug>``, ``industry/<slug>``, ``enterprise/<slug>``).
    """

    kind: str
    key: str
    title: str
    summary: str
    published: dt.date
    path: str
    feeds: tuple[str, ...]
    author: str | None = None
    updated: dt.date | None = None
    """Later than ``published`` only for an entry that changed (a correction)."""

    @property
    def last_change(self) -> dt.date:
        """The entry's ``updated`` date."""
        return self.updated or self.published


@dataclass(frozen=True)
class FeedInfo:
    """A feed's own metadata: title, subtitle and the page it stands for."""

    title: str
    subtitle: str
    path: str


@dataclass
class FeedSummary:
    """What :func:`write_feeds` wrote: files, entries per kind, publications skipped."""

    feeds: int = 0
    """Feeds written (a feed in two formats counts once)."""
    files: int = 0
    enterprise_feeds: int = 0
    entries: Counter[str] = field(default_factory=Counter)
    """Publications per kind (each counted once, however many feeds carry it)."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Publications per kind left out because the data gives them no date."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with sorted keys."""
        return {
            "feeds": self.feeds,
            "files": self.files,
            "enterprise_feeds": self.enterprise_feeds,
            "entries": dict(sorted(self.entries.items())),
            "skipped_without_date": dict(sorted(self.skipped.items())),
        }


def clean_text(value: Any) -> str:
    """``value`` as one line of text without control characters or bidi overrides."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)
    return _SPACE.sub(" ", text).strip()


def department_slug(department: str) -> str:
    """A stable, path-safe slug for a department (``d-`` and a short hash)."""
    return "d-" + hashlib.sha256(department.encode("utf-8")).hexdigest()[:10]


def parse_day(value: Any) -> dt.date | None:
    """The day a date cell names (``2024-03-05`` or a date), or ``None``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def collect_publications(model: Model, summary: FeedSummary | None = None) -> list[Publication]:
    """Every publication of the site-wide, department and industry feeds, newest first.

    Args:
        model: The published model.
        summary: Counts entries and skipped publications when given.
    """
    publications: list[Publication] = []
    for collect in COLLECTORS:
        publications += _counted(collect(model), summary)
    return _newest_first(publications)


def collect_enterprise_publications(
    model: Model, summary: FeedSummary | None = None
) -> dict[str, list[Publication]]:
    """Each enterprise's publications (one per batch it appears in), newest first, by slug."""
    feeds: dict[str, list[Publication]] = {}
    corrections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for correction in model.corrections:
        if correction.get("enterprise"):
            corrections[correction["enterprise"]].append(correction)
    for enterprise in model.enterprises.values():
        entries = _counted(_enterprise_batches(model, enterprise), summary, "enterprise-")
        own = (f"enterprise/{enterprise.slug}",)
        for correction in corrections.get(enterprise.code, []):
            entries += _counted([_correction(correction, own) or ("correction", None)],
                                summary, "enterprise-")  # fmt: skip
        feeds[enterprise.slug] = _newest_first(entries)
    return feeds


def _counted(
    items: Iterable[Publication | tuple[str, None]],
    summary: FeedSummary | None,
    prefix: str = "",
) -> list[Publication]:
    """Publications from a collector, which yields ``(kind, None)`` for one without a date."""
    kept = []
    for item in items:
        if isinstance(item, Publication):
            kept.append(item)
            if summary is not None:
                summary.entries[prefix + item.kind] += 1
        elif summary is not None:
            summary.skipped[prefix + item[0]] += 1
    return kept


def _newest_first(publications: list[Publication]) -> list[Publication]:
    return sorted(publications, key=lambda p: (p.last_change, p.published, p.key), reverse=True)


def _plans(model: Model) -> Iterator[Publication | tuple[str, None]]:
    for plan in model.plans.values():
        day = parse_day(plan.get("published_on"))
        if day is None:
            yield "plan", None
            continue
        name = clean_text(plan.get("name")) or clean_text(plan["plan_id"])
        department = clean_text(plan.get("department"))
        items = [model.item_for(ref) for ref in split_ids(plan.get("item_ids"))]
        facts = [
            ("计划编号", plan["plan_id"]),
            ("年度", plan.get("year")),
            ("制定部门", department),
            ("抽查对象范围", plan.get("scope")),
            ("抽查比例", plan.get("ratio")),
            ("计划开展时间", plan.get("schedule")),
        ]
        yield Publication(
            kind="plan",
            key=f"plan/{_quote(plan['plan_id'])}",
            title=f"抽查计划：{name}",
            summary=f"{day.isoformat()} 发布抽查计划“{name}”。" + _facts(facts),
            published=day,
            path=record_path("plan", plan["slug"]),
            feeds=_scopes([department], [i.get("industry") for i in items if i is not None]),
            author=department or None,
        )


def _result_batches(model: Model) -> Iterator[Publication | tuple[str, None]]:
    for (task_key, day), results in _batches(model.results).items():
        if day is None:
            yield "result-batch", None
            continue
        first = results[0]
        task = model.tasks.get(first.get("task_id") or "")
        name = clean_text((task or {}).get("name") or first.get("task_name")) or "未注明任务"
        authorities = sorted({clean_text(r.get("authority")) for r in results} - {""})
        departments = list(authorities)
        if task is not None:
            departments.append(clean_text(task.get("lead_department")))
            departments += [clean_text(d) for d in split_ids(task.get("partner_departments"))]
        industries = [model.items[i].get("industry") for i in (task or {}).get("items", [])]
        industries += [model.items[r["item_ref"]].get("industry") for r in results if r["item_ref"]]
        enterprises = len({r["uscc"] for r in results})
        problems = sum(1 for r in results if r.get("problem"))
        facts = [
            ("抽查任务编号", first.get("task_id")),
            ("检查实施机关", "、".join(authorities)),
            ("发现问题", f"{problems} 条"),
        ]
        yield Publication(
            kind="result-batch",
            key=f"{task_key}/batch/{day.isoformat()}",
            title=f"检查结果公示：{name}（{len(results)} 条）",
            summary=(
                f"{day.isoformat()} 公示抽查任务“{name}”的 {len(results)} 条检查结果，"
                f"涉及 {enterprises} 户市场主体。" + _facts(facts)
            ),
            published=day,
            path=record_path("task", task["slug"]) if task is not None else "tasks/",
            feeds=_scopes(departments, industries),
            author=authorities[0] if len(authorities) == 1 else None,
        )


def _handbook_updates(model: Model) -> Iterator[Publication | tuple[str, None]]:
    for industry, sections in model.handbook.items():
        by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
        for section in sections:
            day = parse_day(section.get("updated_on"))
            if day is None:
                yield "handbook", None
            else:
                by_day[day].append(section)
        name = clean_text(industry)
        page = f"handbook/{industry_slug(industry)}/"
        for day, updated in sorted(by_day.items()):
            titles = "；".join(
                clean_text(f"{s.get('section')} {s.get('title') or ''}") for s in updated
            )
            yield Publication(
                kind="handbook",
                key=f"handbook/{industry_slug(industry)}/update/{day.isoformat()}",
                title=f"合规手册更新：{name}（{len(updated)} 节）",
                summary=f"{day.isoformat()} 更新“{name}”行业合规手册：{titles}。",
                published=day,
                path=page + (f"#{updated[0]['anchor']}" if len(updated) == 1 else ""),
                feeds=_scopes([], [industry]),
            )


def _corrections(model: Model) -> Iterator[Publication | tuple[str, None]]:
    for correction in model.corrections:
        publication = _correction(correction)
        yield publication if publication is not None else ("correction", None)


def _correction(
    correction: dict[str, Any], feeds: tuple[str, ...] | None = None
) -> Publication | None:
    """A correction (from ``generator.model.releases``) as an entry; ``None`` without a date."""
    day = parse_day(correction.get("date"))
    if day is None:
        return None
    label = clean_text(correction["label"])
    changed = "；".join(clean_text(describe_change(c)) for c in correction["changes"])
    pages = correction["pages"]
    return Publication(
        kind="correction",
        key=f"correction/{_quote(correction['release'])}/{correction['table']}/"
        f"{_quote(correction['id'])}",
        title=f"更正：{label}",
        summary=f"{day.isoformat()} 更正“{label}”：{changed}。",
        published=day,
        path=pages[0] if pages else CHANGELOG_PAGE,
        feeds=feeds or _scopes(map(clean_text, correction["departments"]), correction["industries"]),
    )


def _withdrawals(model: Model) -> Iterator[Publication | tuple[str, None]]:
    for withdrawal in model.withdrawals:
        day = parse_day(withdrawal.get("date"))
        if day is None:
            yield "withdrawal", None
            continue
        label = clean_text(withdrawal["label"])
        yield Publication(
            kind="withdrawal",
            key=f"withdrawal/{withdrawal['table']}/{_quote(withdrawal['id'])}",
            title=f"撤回：{label}",
            summary=f"{day.isoformat()} 撤回检查结果“{label}”（结果编号 "
            f"{clean_text(withdrawal['id'])}）。撤回原因：{clean_text(withdrawal['reason'])}。",
            published=day,
            path=withdrawal["pages"][0],
            feeds=_scopes(map(clean_text, withdrawal["departments"]), withdrawal["industries"]),
        )
def _draw_commitments(model: Model) -> Iterator[Publication | tuple[str, None]]:
    """One entry per verifiable draw commitment, dated by its commitment (issue 6): published
    the moment it is made, before the randomness it names exists."""
    for task in model.tasks.values():
        for draw in task.get("verifiable_draws") or []:
            day = parse_day((draw.get("committed_at") or "")[:10])
            if day is None:
                yield "draw-commitment", None
                continue
            name = clean_text(task.get("name")) or clean_text(task["task_id"])
            sizes = "，".join(f"{s['label']} {s['size']} 抽 {s['sample_size']}" for s in draw["strata"])
            facts = [
                ("抽取批次编号", draw["draw_id"]),
                ("承诺时间", draw.get("committed_at")),
                ("随机来源", draw.get("source")),
                ("名录摘要", draw.get("population_digest")),
                ("承诺文件 SHA-256", draw.get("commitment_sha256")),
                ("分层", sizes),
            ]
            yield Publication(
                kind="draw-commitment",
                key=f"task/{_quote(task['task_id'])}/draw/{_quote(draw['draw_id'])}/commitment",
                title=f"抽取承诺：{name}（{clean_text(draw.get('kind'))}）",
                summary=f"{day.isoformat()} 公布抽查任务“{name}”的抽取承诺。" + _facts(facts),
                published=day,
                path=record_path("task", task["slug"]) + f"#draw-{draw['draw_id']}",
                feeds=_scopes([task.get("lead_department")], []),
                author=clean_text(task.get("lead_department")) or None,
            )


COLLECTORS: tuple[Callable[[Model], Iterator[Publication | tuple[str, None]]], ...] = (
    _plans,
    _result_batches,
    _handbook_updates,
    _corrections,
    _withdrawals,
    _draw_commitments,
)
"""One collector per entry kind of the shared feeds; each yields ``(kind, None)`` for a
publication it skips for want of a date."""


def _enterprise_batches(
    model: Model, enterprise: Enterprise
) -> Iterator[Publication | tuple[str, None]]:
    """One entry per batch of results about ``enterprise``: its own rows only."""
    for (task_key, day), results in _batches(enterprise.results).items():
        if day is None:
            yield "result-batch", None
            continue
        first = results[0]
        task = model.tasks.get(first.get("task_id") or "")
        task_name = clean_text((task or {}).get("name") or first.get("task_name")) or "未注明任务"
        outcomes = "；".join(
            f"{clean_text(r.get('item')) or '检查事项未注明'}：{clean_text(r.get('outcome'))}"
            for r in results
        )
        problems = sum(1 for r in results if r.get("problem"))
        name = clean_text(enterprise.name)
        facts = [
            ("抽查任务编号", first.get("task_id")),
            (
                "检查实施机关",
                "、".join(sorted({clean_text(r.get("authority")) for r in results} - {""})),
            ),
            (
                "检查完成日期",
                "、".join(sorted({r["inspected_on"] for r in results if r.get("inspected_on")})),
            ),
        ]
        yield Publication(
            kind="result-batch",
            key=f"enterprise/{_quote(enterprise.code)}/{task_key}/batch/{day.isoformat()}",
            title=f"{name}：{task_name}检查结果" + ("（发现问题）" if problems else ""),
            summary=f"{day.isoformat()} 公示：{outcomes}。" + _facts(facts),
            published=day,
            path=record_path("enterprise", enterprise.slug) + "#history",
            feeds=(f"enterprise/{enterprise.slug}",),
            author=clean_text(first.get("authority")) or None,
        )


def _batches(
    results: Iterable[dict[str, Any]],
) -> dict[tuple[str, dt.date | None], list[dict[str, Any]]]:
    """Results grouped by task and 公示日期, in a fixed order.

    A result without a task id is grouped by its task name and authority instead.
    """
    groups: dict[tuple[str, dt.date | None], list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        task_id = result.get("task_id")
        if task_id:
            task_key = f"task/{_quote(task_id)}"
        else:
            label = f"{result.get('authority') or ''}\x00{result.get('task_name') or ''}"
            task_key = "results/" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:16]
        groups[(task_key, parse_day(result.get("published_on")))].append(result)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or EPOCH)))


def _scopes(departments: Iterable[str | None], industries: Iterable[str | None]) -> tuple[str, ...]:
    feeds = [SITE_FEED]
    feeds += sorted({f"department/{department_slug(d)}" for d in departments if d})
    feeds += sorted({f"industry/{industry_slug(i)}" for i in industries if i})
    return tuple(feeds)


def _facts(facts: list[tuple[str, Any]]) -> str:
    return "".join(f"{label}：{clean_text(value)}。" for label, value in facts if clean_text(value))


def _quote(identifier: Any) -> str:
    """An id as a tag-URI path segment: printable ASCII kept, the rest percent-encoded."""
    return quote(str(identifier), safe="-._~")


# Feed metadata


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


def feed_scopes(model: Model) -> tuple[list[str], list[str]]:
    """The departments and the industries that have a feed of their own, sorted."""
    departments = {p.get("department") for p in model.plans.values()}
    for task in model.tasks.values():
        departments.add(task.get("lead_department"))
        departments.update(split_ids(task.get("partner_departments")))
    departments.update(r.get("authority") for r in model.results)
    industries = {i.get("industry") for i in model.items.values()} | set(model.handbook)
    return sorted({clean_text(d) for d in departments} - {""}), sorted(i for i in industries if i)


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
    site_dir: Path,
    *,
    site_url: str | None = None,
    site_name: str = "gongkai",
) -> FeedSummary:
    """Write every feed into ``site_dir/feeds/`` and its index; returns what was written.

    Args:
        model: The published model.
        site_dir: The (staging) site folder.
        site_url: ``site_url`` from ``mkdocs.yml``: absolute links and the id authority.
        site_name: ``site_name`` from ``mkdocs.yml``: feed titles and author.
    """
    summary = FeedSummary()
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
            _write(site_dir / feed_file(key, fmt), xml)
            summary.files += 1

    index = []
    for key, info in infos.items():
        write(key, info, by_feed[key], FORMATS)
        summary.feeds += 1
        newest = max((p.last_change for p in by_feed[key]), default=fallback)
        index.append(
            {
                "title": info.title,
                "atom": feed_file(key, "atom"),
                "rss": feed_file(key, "rss"),
                "page": info.path,
                "entries": min(len(by_feed[key]), MAX_ENTRIES),
                "updated": newest.isoformat(),
            }
        )
    enterprise_feeds = collect_enterprise_publications(model, summary)
    for enterprise in model.enterprises.values():
        info = _enterprise_info(enterprise, site_name)
        key = f"enterprise/{enterprise.slug}"
        write(key, info, enterprise_feeds[enterprise.slug], ENTERPRISE_FORMATS)
        summary.enterprise_feeds += 1
    document = {"feeds": index, "counts": summary.to_dict()}
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write(site_dir / FEEDS_DIR / INDEX_FILE, text.encode("utf-8"))
    return summary


def _write(path: Path, data: bytes) -> None:
    # Every key is a fixed prefix and a validated or hashed slug: never outside site_dir.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TIMEZONE)


def _html_text(value: Any) -> str:
    """Clean text, HTML-escaped once more: RSS readers treat these fields as HTML."""
    return html.escape(clean_text(value), quote=False)
