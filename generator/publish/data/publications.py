"""What the feeds announce.

Publications (plans, result batches, handbook updates, corrections, withdrawals, draw
commitments) collected from the model, and the feed names and scopes the pages link to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from generator.model.changes import (
    CHANGELOG_PAGE,
    describe_adjustment,
    describe_change,
    describe_follow_up,
)
from generator.model.entities import Enterprise, Model
from generator.model.identity import industry_slug, record_path, split_ids

FEEDS_DIR = "feeds"
"""Folder of every feed but the site-wide one, relative to the site folder."""


SITE_FEED = "all"
"""Key of the site-wide feed, which is written at the site root (:func:`feed_file`)."""


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


@dataclass
class FeedSummary:
    """What :func:`generator.publish.data.feeds.write_feeds` wrote: files, entries per kind,
    publications skipped."""

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
    model: Model,
    summary: FeedSummary | None = None,
    enterprises: Iterable[Enterprise] | None = None,
) -> dict[str, list[Publication]]:
    """Each enterprise's publications (one per batch it appears in), newest first, by slug;
    of ``enterprises`` only (a shard's), else of every one."""
    feeds: dict[str, list[Publication]] = {}
    corrections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for correction in model.corrections:
        if correction.get("enterprise"):
            corrections[correction["enterprise"]].append(correction)
    for enterprise in model.enterprises.values() if enterprises is None else enterprises:
        entries = _counted(_enterprise_batches(model, enterprise), summary, "enterprise-")
        own = (f"enterprise/{enterprise.slug}",)
        for correction in corrections.get(enterprise.code, []):
            entries += _counted([_correction(correction, own) or ("correction", None)],
                                summary, "enterprise-")  # fmt: skip
        entries += _counted(_follow_ups(model, enterprise.code, own), summary, "enterprise-")
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


def _adjustments(model: Model) -> Iterator[Publication | tuple[str, None]]:
    """One entry per adjustment (调整) of a plan or item list: both versions quoted."""
    for adjustment in model.adjustments:
        day = parse_day(adjustment.get("date"))
        if day is None:
            yield "adjustment", None
            continue
        label = clean_text(adjustment["label"])
        changed = "；".join(clean_text(describe_adjustment(c)) for c in adjustment["changes"])
        facts = [("报备日期", adjustment.get("filed_on")), ("调整说明", adjustment.get("note"))]
        what = "抽查计划" if adjustment["table"] == "plans" else "抽查事项"
        pages = adjustment["pages"]
        yield Publication(
            kind="adjustment",
            key=f"adjustment/{_quote(adjustment['release'])}/{adjustment['table']}/"
            f"{_quote(adjustment['id'])}",
            title=f"{what}调整：{label}",
            summary=f"{day.isoformat()} 调整{what}“{label}”：{changed or '内容未变'}。" + _facts(facts),
            published=day,
            path=(pages[0] + "#versions") if pages else CHANGELOG_PAGE,
            feeds=_scopes(map(clean_text, adjustment["departments"]), adjustment["industries"]),
        )


def _follow_ups(
    model: Model, enterprise: str | None = None, feeds: tuple[str, ...] | None = None
) -> Iterator[Publication | tuple[str, None]]:
    """One entry per result whose follow-up moved on: an update of that result, not a new one.

    Its id is the result's, ``published`` the result's 公示日期 and ``updated`` the latest
    step's date, so a reader sees the entry change as the case goes on. ``enterprise`` keeps
    the follow-ups of one enterprise only (its own feed).
    """
    latest: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in model.follow_ups:
        if enterprise is None or entry.get("enterprise") == enterprise:
            latest[entry["id"]].append(entry)
    for ident, entries in sorted(latest.items()):
        days = [d for d in (parse_day(e.get("date")) for e in entries) if d is not None]
        if not days:
            yield "follow-up", None
            continue
        newest = entries[0]
        label = clean_text(newest["label"])
        steps = "；".join(
            clean_text(describe_follow_up(c)) for e in reversed(entries) for c in e["changes"]
        )
        published = parse_day(newest.get("published_on")) or min(days)
        yield Publication(
            kind="follow-up",
            key=f"result/{_quote(ident)}/follow-up",
            title=f"后续处置更新：{label}",
            summary=f"{max(days).isoformat()} 更新检查结果“{label}”（结果编号 {clean_text(ident)}）"
            f"的后续处置：{steps}。",
            published=min(published, max(days)),
            updated=max(days),
            path=newest["pages"][0] + f"#r-{ident}",
            feeds=feeds or _scopes(map(clean_text, newest["departments"]), newest["industries"]),
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


def feed_scopes(model: Model) -> tuple[list[str], list[str]]:
    """The departments and the industries that have a feed of their own, sorted."""
    departments = {p.get("department") for p in model.plans.values()}
    for task in model.tasks.values():
        departments.add(task.get("lead_department"))
        departments.update(split_ids(task.get("partner_departments")))
    departments.update(r.get("authority") for r in model.results)
    industries = {i.get("industry") for i in model.items.values()} | set(model.handbook)
    return sorted({clean_text(d) for d in departments} - {""}), sorted(i for i in industries if i)


COLLECTORS: tuple[Callable[[Model], Iterator[Publication | tuple[str, None]]], ...] = (
    _plans,
    _result_batches,
    _handbook_updates,
    _corrections,
    _adjustments,
    _follow_ups,
    _withdrawals,
    _draw_commitments,
)
"""One collector per entry kind of the shared feeds; each yields ``(kind, None)`` for a
publication it skips for want of a date."""
