"""Working-day deadlines, judged on the data's "as of" date, and the lists they make.

:class:`Deadlines` says when an inspection's results are due (:data:`DEADLINE_WORKDAYS`
working days after the check), whether they are overdue or were timely, and whether a
follow-up disposal was entered in time; a year without a calendar makes a deadline
:data:`UNKNOWN` (or stops the build). From the same rules come the 逾期未公示 list, the
reconciliation (drawn → checked → published) and the list of checked firms no draw matches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from generator.core.schemas import split_outcomes
from generator.core.workdays import HOLIDAY_FOLDER, PACKAGE_YEARS, MissingCalendar, WorkCalendar
from generator.stats.figures import (
    CALENDAR_KPIS,
    DEADLINE_WORKDAYS,
    KPI_BY_NAME,
    NO_DISPOSAL,
    PENDING_OUTCOME,
    TOTAL,
    UNKNOWN,
    Inspection,
    Unknown,
    date,
    iso,
)


class Deadlines:
    """The working-day rules: a calendar, the as-of date, and the years it could not judge."""

    def __init__(
        self,
        results: list[dict[str, Any]],
        as_of: str | None,
        calendar: WorkCalendar,
        strict: bool = True,
    ) -> None:
        self.calendar = calendar
        self.strict = strict
        self.missing: dict[int, set[tuple[str, str]]] = defaultdict(set)
        """Year without a calendar → the inspections it left out."""
        self.as_of_note: str | None = None
        self.as_of = self._checked_as_of(results, date(as_of))

    def _checked_as_of(
        self, results: list[dict[str, Any]], as_of: dt.date | None
    ) -> dt.date | None:
        """The as-of date, if its year has a calendar; else (not strict) the latest result
        date that has one, since no deadline can be judged against a date without one."""
        if as_of is None or self.calendar.covers(as_of.year):
            return as_of
        row = next(
            (
                r
                for r in results
                if as_of.isoformat() in (r.get("published_on"), r.get("inspected_on"))
            ),
            None,
        )
        where = f"检查结果 {_row_label(row)}" if row else "数据截至日期"
        if self.strict:
            self._refuse(as_of.year, f"{where}的日期 {as_of.isoformat()}")
        days = [
            day
            for r in results
            for day in (date(r.get("published_on")), date(r.get("inspected_on")))
            if day is not None and day < as_of and self.calendar.covers(day.year)
        ]
        latest = max(days, default=None)
        self.as_of_note = (
            f"数据中最晚的日期 {as_of.isoformat()}（{where}）所在的 {as_of.year} "
            f"年没有节假日安排，逾期与否按 {iso(latest) or '（无）'} 判断"
        )
        return latest

    def _refuse(self, year: int, where: str) -> None:
        try:
            self.calendar.year(year)
        except MissingCalendar as exc:
            raise MissingCalendar(f"{where}：{exc}", exc.year, exc.path) from exc

    def _guarded(self, inspection: Inspection, compute: Any, *args: Any) -> Any:
        """``compute(*args)``; if a year it needs has no calendar, :data:`UNKNOWN` (or raise)."""
        try:
            return compute(*args)
        except MissingCalendar as exc:
            if self.strict:
                where = (
                    f"任务 {inspection.task_id} 中统一社会信用代码为 {inspection.uscc} 的检查户次"
                    f"（日期 {iso(inspection.day) or '不详'}）"
                )
                raise MissingCalendar(f"{where}：{exc}", exc.year, exc.path) from exc
            inspection.no_calendar = True
            self.missing[exc.year].add((inspection.task_id, inspection.uscc))
            return UNKNOWN

    def warnings(self) -> list[str]:
        """Why figures are missing (years without a calendar), for the page and the build."""
        titles = "、".join(KPI_BY_NAME[k].title for k in CALENDAR_KPIS)
        first, last = PACKAGE_YEARS
        out = [
            f"{year} 年没有节假日安排（chinese-calendar 只包含 {first}–{last} 年，数据目录中也没有"
            f"节假日文件 {HOLIDAY_FOLDER}/{year}.yml）：{len(units)} 个检查户次的期限无法计算，"
            f"未计入{titles}和逾期未公示名单。如果是日期录入错误，请更正数据；否则请按国务院办公厅"
            "的通知填写该文件"
            for year, units in sorted(self.missing.items())
        ]
        return [*out, *([self.as_of_note] if self.as_of_note else [])]

    def due_on(self, inspection: Inspection) -> dt.date | None:
        """The last day to publish: 20 working days after the check (or the task's end);
        ``None`` when unknown (no date, or no calendar)."""
        start = inspection.inspected_on or inspection.day
        if start is None:
            return None
        due = self._guarded(inspection, self.calendar.add_workdays, start, DEADLINE_WORKDAYS)
        return None if due is UNKNOWN else due

    def overdue(self, inspection: Inspection) -> bool:
        """Unpublished, not withheld or quarantined, and past its deadline on the as-of date."""
        if inspection.published or inspection.held or self.as_of is None:
            return False
        due = self.due_on(inspection)
        return due is not None and due < self.as_of

    def timely(self, inspection: Inspection) -> bool | Unknown:
        return self._guarded(inspection, self._timely, inspection)

    def _timely(self, inspection: Inspection) -> bool:
        for result in inspection.results:
            checked, published = (
                date(result.get("inspected_on")),
                date(result.get("published_on")),
            )
            if checked is None or published is None:
                return False
            if not self.calendar.within(checked, published, DEADLINE_WORKDAYS):
                return False
        return bool(inspection.results)

    def disposal_unit(
        self, inspection: Inspection, result: Mapping[str, Any]
    ) -> bool | Unknown | None:
        """Whether a result's follow-up was entered in time; ``None`` if it needs none yet."""
        disposal = result.get("disposal")
        needed = (disposal and disposal != NO_DISPOSAL) or PENDING_OUTCOME in split_outcomes(
            result.get("outcome")
        )
        if not needed:
            return None
        timely = self.dated_unit(inspection, result, "inspected_on", "disposal_on")
        return (bool(disposal) and timely) if isinstance(timely, bool) else timely

    def dated_unit(
        self, inspection: Inspection, result: Mapping[str, Any], start: str, field: str
    ) -> bool | Unknown | None:
        """Whether ``field`` of a result (e.g. 录入日期) is dated within the deadline after its
        ``start`` (e.g. the check); ``None`` while undated and not yet due (or without a
        start), :data:`UNKNOWN` when its year has no calendar."""
        began = date(result.get(start))
        if began is None:
            return None
        deadline = self._guarded(inspection, self.calendar.add_workdays, began, DEADLINE_WORKDAYS)
        if deadline is UNKNOWN:
            return UNKNOWN
        entered = date(result.get(field))
        if entered is None:
            return None if self.as_of is None or deadline >= self.as_of else False
        return entered <= deadline

    # Lists

    def overdue_list(
        self, inspections: Mapping[tuple[str, str], Inspection]
    ) -> list[dict[str, Any]]:
        """逾期未公示: the overdue inspections, by department, deadline, task and code."""
        rows = []
        for inspection in inspections.values():
            if not self.overdue(inspection):
                continue
            due = self.due_on(inspection)
            late = (
                self._guarded(inspection, self.calendar.workdays_between, due, self.as_of)
                if due and self.as_of
                else None
            )
            rows.append(
                {
                    **_listed(inspection),
                    "drawn_at": (inspection.drawn_at or "")[:10] or None,
                    "inspected_on": iso(inspection.inspected_on),
                    "due_on": iso(due),
                    "overdue_workdays": None if late is UNKNOWN else late,
                    "reason": _overdue_reason(inspection),
                }
            )
        return sorted(
            rows, key=lambda r: (r["department"], r["due_on"] or "", r["task_id"], r["uscc"])
        )

    def reconciliation(
        self,
        inspections: Mapping[tuple[str, str], Inspection],
        draws: Mapping[str, list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        """Per department and year: drawn → checked → published, and what is missing."""
        table: dict[tuple[str, str], dict[str, int]] = {}
        for inspection in inspections.values():
            day = inspection.day
            if day is None:
                continue
            for who in (inspection.department, TOTAL):
                row = table.setdefault(
                    (who, str(day.year)),
                    dict.fromkeys(("drawn", "checked", "published", "withheld", "quarantined",
                                   "overdue", "pending", "undetermined", "not_drawn",
                                   "tasks_without_draw"), 0),
                )  # fmt: skip
                unpublished = inspection.drawn and not inspection.published
                overdue = self.overdue(inspection)
                row["drawn"] += inspection.drawn
                row["checked"] += inspection.drawn and inspection.checked
                row["published"] += inspection.drawn and inspection.published
                row["withheld"] += unpublished and inspection.held == "withheld"
                row["quarantined"] += unpublished and inspection.held == "quarantined"
                row["overdue"] += unpublished and overdue
                undetermined = unpublished and not inspection.held and inspection.no_calendar
                row["pending"] += (
                    unpublished and not inspection.held and not overdue and not undetermined
                )
                row["undetermined"] += undetermined
                row["not_drawn"] += (
                    not inspection.drawn and inspection.checked and inspection.task_id in draws
                )
                row["tasks_without_draw"] += inspection.checked and inspection.task_id not in draws
        return [
            {"department": who, "year": year, **counts}
            for (who, year), counts in sorted(
                table.items(), key=lambda kv: (kv[0][0] != TOTAL, kv[0])
            )
        ]


def unmatched_list(
    inspections: Mapping[tuple[str, str], Inspection], draws: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Checked enterprises of a task with draws that match none of them."""
    rows = []
    for inspection in inspections.values():
        if inspection.drawn or not inspection.checked or inspection.task_id not in draws:
            continue
        rows.append(
            {
                **_listed(inspection),
                "inspected_on": iso(inspection.inspected_on),
                "published_on": iso(inspection.published_on),
                "reason": "检查结果没有对应的抽取记录",
            }
        )
    return sorted(rows, key=lambda r: (r["department"], r["task_id"], r["uscc"]))


def _listed(inspection: Inspection) -> dict[str, Any]:
    """The columns every public list of 检查户次 starts with."""
    return {
        "department": inspection.department,
        "task_id": inspection.task_id,
        "task_name": inspection.task_name,
        "uscc": inspection.uscc,
        "entity_name": inspection.entity_name,
    }


def _row_label(row: Mapping[str, Any]) -> str:
    return (
        f"{row.get('result_id') or ''}（任务 {row.get('task_id') or row.get('task_name') or '不详'}，"
        f"统一社会信用代码 {row.get('uscc')}）"
    )


def _overdue_reason(inspection: Inspection) -> str:
    if not inspection.checked:
        return "已抽中，超过20个工作日未见检查结果"
    if inspection.published_on is not None:
        return "已检查，部分检查结果超过20个工作日未公示"
    return "已检查，超过20个工作日未公示结果"
