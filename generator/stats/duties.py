"""The publisher's own deadlines (工作进度): met, late or pending, from the data's own dates.

The seeds set deadlines for the regulators' own work, not only for each result:

* **年度抽查计划公示**: 本部门 plans by the end of April, 部门联合 plans by the end of March
  (晋双随机办发〔2024〕2号); judged on each plan's 发布日期;
* **月报表**: each month's report by the 20th of the next month, and **工作总结** by 4月1日,
  6月20日, 10月1日 and 12月16日 (长双随机办〔2024〕3号); no export carries these, so they are
  met only when ``gongkai.yml`` records the day they were handed in (``duties.submitted``);
* **抽查任务完成**: every planned task done by 12月20日 (忻市监信用〔2024〕47号); judged on the
  latest 检查完成日期 of the firms the task drew (or, without a draw, checked).

A duty is judged on the data's "as of" date (:attr:`Statistics.as_of`): before its deadline
an unfinished duty is :data:`PENDING`; after it, :data:`MISSED` when the data shows it is not
done and :data:`UNRECORDED` when the data cannot tell. ``gongkai.yml`` may drop a duty, move
its deadline or name another document (:class:`generator.core.settings.DutySetting`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace

from generator.core.settings import DUTY_KEYS, DutySetting, Settings
from generator.stats.figures import (
    LATE,
    MET,
    MISSED,
    PENDING,
    PLAN_DEADLINE,
    TOTAL,
    UNRECORDED,
    Duty,
    DutyRow,
    Progress,
    date,
    iso,
)
from generator.stats.inspections import InspectionIndex

DEFAULT_DUTIES = (
    Duty(
        "plan_publication",
        "年度抽查计划公示",
        ("04-30",),
        "晋双随机办发〔2024〕2号《2024年省市场监管领域“双随机、一公开”监管工作要点》一（一）"
        "制定本部门随机抽查事项清单、抽查计划，“完成时限：2024年4月底前”；一（二）制定部门联合"
        "抽查计划，“完成时限：2024年3月底前”",
        "抽查计划的发布日期",
        joint_due="03-31",
    ),
    Duty(
        "monthly_report",
        "月报表报送",
        ("20",),
        "长双随机办〔2024〕3号："
        "“各成员单位于每月20日前将月报表……报送区‘双随机、一公开’领导小组办公室”"
        "（本站按上月报表于本月20日前报送计）",
        "发布机关登记的报送日期",
    ),
    Duty(
        "work_summary",
        "工作总结报送",
        ("04-01", "06-20", "10-01", "12-16"),
        "长双随机办〔2024〕3号：“4月1日、6月20日、10月1日、12月16日前将本部门"
        "‘双随机、一公开’监管工作总结报送区‘双随机、一公开’领导小组办公室”",
        "发布机关登记的报送日期",
    ),
    Duty(
        "task_completion",
        "年度抽查任务完成",
        (f"{PLAN_DEADLINE[0]:02d}-{PLAN_DEADLINE[1]:02d}",),
        "忻市监信用〔2024〕47号：“纳入《年度抽查计划》的各项抽查任务应于12月20日前全部完成”",
        "任务抽中的每户（无抽取记录的按已检查的每户）中最晚的检查完成日期",
    ),
)
assert tuple(d.key for d in DEFAULT_DUTIES) == DUTY_KEYS


def duties_in_force(settings: Settings) -> tuple[tuple[Duty, ...], tuple[Duty, ...]]:
    """The default duties with ``gongkai.yml``'s changes: (in force, switched off)."""
    changes: Mapping[str, DutySetting] = {s.key: s for s in settings.duties}
    active, disabled = [], []
    for duty in DEFAULT_DUTIES:
        change = changes.get(duty.key)
        if change is None:
            active.append(duty)
        elif not change.enabled:
            disabled.append(duty)
        else:
            active.append(
                replace(
                    duty,
                    due=change.due or duty.due,
                    joint_due=change.joint_due or duty.joint_due,
                    source=change.source or duty.source,
                )
            )
    return tuple(active), tuple(disabled)


def progress(
    index: InspectionIndex, months: Iterable[str], as_of: dt.date | None, settings: Settings
) -> Progress:
    """Every duty's rows from the joined tables, the months with figures and the settings."""
    duties, disabled = duties_in_force(settings)
    submitted = {s.key: dict(s.submitted) for s in settings.duties}
    rows: list[DutyRow] = []
    for duty in duties:
        if duty.key == "plan_publication":
            rows += _plan_rows(duty, index, as_of)
        elif duty.key == "task_completion":
            rows += _task_rows(duty, index, as_of)
        elif duty.key == "monthly_report":
            rows += _month_rows(duty, months, as_of, submitted.get(duty.key, {}))
        else:
            rows += _summary_rows(duty, _years(index), as_of, submitted.get(duty.key, {}))
    order = {d.key: n for n, d in enumerate(DEFAULT_DUTIES)}
    rows.sort(key=lambda r: (order[r.duty], r.due_on, r.department, r.subject, r.record or ()))
    return Progress(duties, tuple(rows), disabled)


def status(due_on: dt.date, done_on: dt.date | None, as_of: dt.date | None, *, known: bool) -> str:
    """How a deadline stands on ``as_of``; ``known``: whether the data could show it done."""
    if done_on is not None:
        return MET if done_on <= due_on else LATE
    if as_of is None or as_of <= due_on:
        return PENDING
    return MISSED if known else UNRECORDED


# Rows


def _plan_rows(duty: Duty, index: InspectionIndex, as_of: dt.date | None) -> list[DutyRow]:
    rows = []
    for plan_id, plan in sorted(index.plans.items()):
        year = plan.get("year") or (date(plan.get("start")) or dt.date.min).year
        if not isinstance(year, int) or year < 1900:
            continue
        joint = plan.get("plan_type") == "部门联合"
        due = _day(year, (duty.joint_due if joint else None) or duty.due[0])
        done = date(plan.get("published_on"))
        rows.append(
            DutyRow(
                duty.key,
                plan.get("name") or plan_id,
                ("plan", plan_id),
                plan.get("department") or TOTAL,
                due.isoformat(),
                iso(done),
                status(due, done, as_of, known=False),
            )
        )
    return rows


def _task_rows(duty: Duty, index: InspectionIndex, as_of: dt.date | None) -> list[DutyRow]:
    rows = []
    for task_id, task in sorted(index.tasks.items()):
        plan = index.plans.get(task.get("plan_id") or "") or {}
        day = index.task_day(task_id)
        year = plan.get("year") if isinstance(plan.get("year"), int) else day and day.year
        if not year:
            continue
        due = _day(year, duty.due[0])
        required = index.required(task_id)
        complete = bool(required) and all(i.checked or i.held for i in required)
        days = [i.inspected_on for i in required if i.inspected_on is not None]
        done = max(days) if complete and days else None
        state = status(due, done, as_of, known=not complete)
        rows.append(
            DutyRow(
                duty.key,
                task.get("name") or task_id,
                ("task", task_id),
                index.task_department(task),
                due.isoformat(),
                iso(done),
                state,
            )
        )
    return rows


def _month_rows(
    duty: Duty, months: Iterable[str], as_of: dt.date | None, submitted: Mapping[str, str]
) -> list[DutyRow]:
    rows = []
    for month in sorted(months):
        year, number = (int(part) for part in month.split("-"))
        next_year, next_month = (year + 1, 1) if number == 12 else (year, number + 1)
        last = calendar.monthrange(next_year, next_month)[1]
        due = dt.date(next_year, next_month, min(int(duty.due[0]), last))
        done = date(submitted.get(month))
        rows.append(
            DutyRow(
                duty.key,
                f"{month} 月报表",
                ("month", month),
                TOTAL,
                due.isoformat(),
                iso(done),
                status(due, done, as_of, known=False),
            )
        )
    return rows


def _summary_rows(
    duty: Duty, years: Iterable[int], as_of: dt.date | None, submitted: Mapping[str, str]
) -> list[DutyRow]:
    rows = []
    for year in years:
        for due_text in duty.due:
            due = _day(year, due_text)
            done = date(submitted.get(due.isoformat()))
            rows.append(
                DutyRow(
                    duty.key,
                    f"{due.month}月{due.day}日前报送的工作总结",
                    None,
                    TOTAL,
                    due.isoformat(),
                    iso(done),
                    status(due, done, as_of, known=False),
                )
            )
    return rows


def _years(index: InspectionIndex) -> list[int]:
    """The years of the plans, else of the tasks."""
    years = {p["year"] for p in index.plans.values() if isinstance(p.get("year"), int)}
    if not years:
        years = {day.year for t in index.tasks if (day := index.task_day(t)) is not None}
    return sorted(years)


def _day(year: int, month_day: str) -> dt.date:
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(year, month, day)
