"""The 月报表 and risk-class tables: aggregates of the inspection index, per month or year.

The risk classes are only ever counted: a cell of fewer than :data:`SMALL_CELL` enterprises
is shown as ``<3``, so that no single firm's class can be inferred.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Protocol

from generator.core.schemas import normalise_value_key
from generator.stats.figures import (
    RISK_CLASS_NAMES,
    RISK_CLASSES,
    SMALL_CELL,
    STRATIFIED,
    TOTAL,
    Inspection,
)


class Index(Protocol):
    """What the tables read of :class:`generator.stats.inspections.InspectionIndex`."""

    tasks: dict[str, dict[str, Any]]
    inspections: dict[tuple[str, str], Inspection]

    def task_department(self, task: Mapping[str, Any]) -> str: ...

    def task_day(self, task_id: str) -> dt.date | None: ...

    def problem(self, inspection: Inspection) -> bool: ...

    def item_for(self, result: Mapping[str, Any]) -> dict[str, Any] | None: ...


def risk_class_table(index: Index) -> list[dict[str, Any]]:
    """Per year and class: drawn, checked, with problems; only ever aggregates."""
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for inspection in index.inspections.values():
        day = inspection.day
        if day is None:
            continue
        risk = inspection.risk_class if inspection.risk_class in RISK_CLASSES else "未分类"
        if risk == "未分类" and inspection.stratified_draw:
            risk = STRATIFIED
        cell = table[(str(day.year), risk)]
        cell[0] += inspection.drawn
        cell[1] += inspection.checked
        cell[2] += index.problem(inspection)
    order = {c: n for n, c in enumerate((*RISK_CLASSES, STRATIFIED, "未分类"))}
    rows = []
    for (year, risk), (drawn, checked, problems) in sorted(
        table.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])
    ):
        rows.append(
            {
                "year": year,
                "risk_class": risk,
                "title": RISK_CLASS_NAMES.get(
                    risk, "已分层抽取，分类不公开" if risk == STRATIFIED else "未标注分类"
                ),
                "drawn": _suppressed(drawn),
                "checked": _suppressed(checked),
                "problems": _suppressed(problems),
                # The rate times the checked count gives the problems back: no rate
                # when either count is suppressed.
                "problem_rate": problems / checked
                if checked >= SMALL_CELL and _suppressed(problems) == problems
                else None,
            }
        )
    return rows


def monthly(index: Index) -> dict[str, dict[str, dict[str, Any]]]:
    """Month → department → the 月报表 二、开展情况 figures."""
    months: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def entry(month: str, department: str) -> dict[str, Any]:
        found = months[month].get(department)
        if found is None:
            found = months[month][department] = {
                "tasks_organised": set(), "tasks_checked": set(), "inspections": 0,
                "problems": 0, "major_items": set(), "minor_items": set(), "published": 0,
                "units": defaultdict(lambda: [0, 0]),
            }  # fmt: skip
        return found

    for task_id, task in index.tasks.items():
        day = index.task_day(task_id)
        if day is None:
            continue
        for who in (index.task_department(task), TOTAL):
            entry(f"{day:%Y-%m}", who)["tasks_organised"].add(
                (task.get("name") or task_id, task_id)
            )
    for inspection in index.inspections.values():
        checked = inspection.inspected_on
        authority = next(
            (r["authority"] for r in inspection.results if r.get("authority")),
            inspection.department,
        )
        # The same for the department and the total: worked out once.
        if checked is not None:
            checked_month = f"{checked:%Y-%m}"
            problem = index.problem(inspection)
            levels = [_item_levels(index, result) for result in inspection.results]
        published = inspection.published_on
        for who in (inspection.department, TOTAL):
            unit = authority if who != TOTAL else inspection.department
            if checked is not None:
                data = entry(checked_month, who)
                data["tasks_checked"].add(inspection.task_id)
                data["inspections"] += 1
                data["problems"] += problem
                data["units"][unit][0] += 1
                for major, minor in levels:
                    data["major_items"].add(major)
                    data["minor_items"].add(minor)
            if published is not None:
                data = entry(f"{published:%Y-%m}", who)
                data["published"] += 1
                data["units"][unit][1] += 1
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for month in sorted(months):
        out[month] = {}
        for who in sorted(months[month], key=lambda d: (d != TOTAL, d)):
            data = months[month][who]
            out[month][who] = {
                "tasks_organised": [
                    f"{name}（{tid}）" for name, tid in sorted(data["tasks_organised"])
                ],
                "task_ids": [tid for _, tid in sorted(data["tasks_organised"])],
                "checks": len(data["tasks_checked"]),
                "inspections": data["inspections"],
                "problems": data["problems"],
                "major_items": len(data["major_items"]),
                "minor_items": len(data["minor_items"]),
                "published": data["published"],
                "units": [
                    {"unit": unit, "inspections": n, "published": p}
                    for unit, (n, p) in sorted(data["units"].items())
                ],
            }
    return out


def _item_levels(index: Index, result: Mapping[str, Any]) -> tuple[str, str]:
    """(大项, 小项) of a result's item: the item's name, and its id (sub-item)."""
    item = index.item_for(result)
    if item is None:
        text = normalise_value_key(result.get("item") or "")
        return text, text
    return normalise_value_key(item.get("name") or item["item_id"]), item["item_id"]


def _suppressed(count: int) -> int | str:
    return count if count == 0 or count >= SMALL_CELL else f"<{SMALL_CELL}"
