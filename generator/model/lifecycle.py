"""The life of a check after the draw: pending firms, and what follows a problem found.

A firm drawn for a task is public from the moment of the draw (the 抽取记录 are): until its
result is published it is shown as 已抽中、待检查, with the task, the deadline (the task's end
date) and where its draw can be verified. A result that found a problem carries its chain:
found → 后续处置 → 立案 / 行政处罚 / 经营异常名录 → 完结, or, while not closed, how many
working days it has been open against the 20-working-day rule for entering the follow-up.

Everything is dated by the data ("today" is ``Model.data_as_of``), never by the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from generator.core.values import normalise_identifier
from generator.core.workdays import MissingCalendar, WorkCalendar
from generator.model.entities import Enterprise, Model
from generator.model.identity import record_path, record_slug

FOLLOW_UP_WORKDAYS = 20
"""后续处置 is entered within 20 working days (Chang'an 2024 方案; see ``generator.stats``)."""
PENDING_STATUS = "已抽中、待检查"
OVERDUE_STATUS = "已抽中、检查逾期"
INSPECTOR_KIND = "执法检查人员"


def attach_lifecycle(
    model: Model,
    calendar: WorkCalendar,
    held_back: Collection[tuple[str, str]] = (),
    warn: Callable[[str], None] | None = None,
) -> None:
    """Give problem results their follow-up chain and drawn firms their pending status.

    Args:
        model: The published model, with its draws attached
            (``generator.draws.published.attach_draws``).
        calendar: Working days, for how long an open follow-up has been open.
        held_back: ``(task id, code)`` of results not published (quarantined or 不予公示):
            such a firm was inspected, so it is not shown as pending either.
        warn: Told, in Chinese, of each task whose pending firms have no verifiable draw.
    """
    today = _day(model.data_as_of)
    for result in model.results:
        if result["problem"]:
            result["chain"] = follow_up_chain(result)
            result["follow_up"] = _follow_up_state(result, today, calendar)
    _add_pending(model, today, {(t, normalise_identifier(c)) for t, c in held_back}, warn)


def follow_up_chain(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps a problem result went through, in order; each ``{step, date, text, url}``."""
    penalty = "；".join(p for p in (result.get("penalty_number"), result.get("penalty_summary")) if p)
    steps = [
        ("发现问题", result.get("inspected_on"), result.get("findings") or result.get("outcome"), None),
        ("后续处置", result.get("disposal_on"), result.get("disposal"), None),
        ("立案", result.get("case_filed_on"), None, None),
        ("行政处罚", result.get("penalty_on"), penalty or None, result.get("penalty_url")),
        ("列入经营异常名录", result.get("abnormal_listed_on"), None, None),
        ("移出经营异常名录", result.get("abnormal_removed_on"), None, None),
        ("完结", result.get("closed_on"), result.get("closed_result"), None),
    ]
    chain = []
    for step, day, text, url in steps:
        if day or text or url:
            chain.append({"step": step, "date": day, "text": text, "url": url})
    return chain


def _follow_up_state(
    result: dict[str, Any], today: dt.date | None, calendar: WorkCalendar
) -> dict[str, Any]:
    """Closed, or open since the inspection: working days so far and whether past the rule."""
    if result.get("closed_on"):
        return {"closed": True, "workdays": None, "late": False}
    found = _day(result.get("inspected_on"))
    workdays = None
    if found is not None and today is not None and today > found:
        try:
            workdays = calendar.workdays_between(found, today)
        except MissingCalendar:
            workdays = None
    late = workdays is not None and workdays > FOLLOW_UP_WORKDAYS and not result.get("disposal_on")
    return {"closed": False, "workdays": workdays, "late": late}


def _add_pending(
    model: Model,
    today: dt.date | None,
    held_back: set[tuple[str, str]],
    warn: Callable[[str], None] | None,
) -> None:
    for task_id, rows in model.draws.items():
        task = model.tasks.get(task_id)
        if task is None:
            continue
        inspected = {normalise_identifier(r["uscc"]) for r in task["results"]}
        drawn = [r for r in rows if r.get("drawn_kind") != INSPECTOR_KIND and r.get("uscc")]
        pending = [
            r for r in drawn
            if normalise_identifier(r["uscc"]) not in inspected
            and (task_id, normalise_identifier(r["uscc"])) not in held_back
        ]  # fmt: skip
        if not pending:
            continue
        verify = _verification(task)
        if verify is None and warn is not None:
            warn(f"提醒：抽查任务 {task_id} 有 {len(pending)} 户已抽中、尚未公示结果，但其抽取不可复核"
                 "（没有可验证抽取，抽取记录也缺少随机种子、抽取算法或名录摘要）；"
                 "企业页面将如实注明。请用 gongkai draw 进行可验证抽取，或在抽取记录中补齐这三项")
        deadline = _day(task.get("end"))
        overdue = bool(deadline and today and today > deadline)
        for row in pending:
            entry = {
                "task": task,
                "draw_id": row.get("draw_id"),
                "drawn_at": row.get("drawn_at"),
                "deadline": task.get("end"),
                "overdue": overdue,
                "status": OVERDUE_STATUS if overdue else PENDING_STATUS,
                "verify_path": verify,
            }
            _enterprise_for(model, row).pending.append(entry)
    model.enterprises = dict(sorted(model.enterprises.items()))


def _verification(task: dict[str, Any]) -> str | None:
    """Where a task's draw can be checked: its verifiable draw, else a re-runnable draw record."""
    page = record_path("task", task["slug"])
    for draw in task.get("verifiable_draws") or []:
        if draw.get("kind") != INSPECTOR_KIND:
            return f"{page}#draw-{draw['draw_id']}"
    draw = task.get("draw") or {}
    if draw.get("seed") and draw.get("algorithm") and draw.get("population_digest"):
        return f"{page}#draw"
    return None


def _enterprise_for(model: Model, row: dict[str, Any]) -> Enterprise:
    code = row["uscc"]
    enterprise = model.enterprises.get(code)
    if enterprise is None:
        enterprise = Enterprise(
            code=code,
            slug=record_slug(code),
            names=[],
            code_type="统一社会信用代码" if len(code) == 18 else "注册号",
            entity_type=None,
            region_code=None,
            status=None,
        )
        model.enterprises[code] = enterprise
    name = row.get("entity_name")
    if name and name not in enterprise.names:
        enterprise.names.append(name)
    return enterprise


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None
