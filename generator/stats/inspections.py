"""The tables joined into tasks and inspections (检查户次), with the rules on tasks applied to them.

:class:`InspectionIndex` is the index every figure is counted from: each task with its lead
department, day, draws and inspections; each enterprise drawn or checked in a task as one
:class:`~generator.stats.figures.Inspection`, its held-back rows attributed to it
(:meth:`InspectionIndex.attribute_broken_codes`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from generator.core.schemas import load_outcomes, normalise_value_key, split_outcomes
from generator.model.entities import Model
from generator.stats.figures import (
    PLAN_DEADLINE,
    RISK_CLASSES,
    TARGETS_KIND,
    UNKNOWN_DEPARTMENT,
    Inspection,
    date,
)


class InspectionIndex:
    """The tasks, plans, draws and inspections of the validated tables."""

    def __init__(
        self,
        tables: Mapping[str, list[dict[str, Any]]],
        held_back: Mapping[tuple[str, str], str],
        draws: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self.problems = {
            normalise_value_key(o.outcome): o.problem for o in load_outcomes().values()
        }
        self._problem_outcomes: dict[str | None, bool] = {}
        """:meth:`_is_problem` by 检查结果 text: exports repeat a handful of wordings."""
        self.catalogue = Model(None, {r["item_id"]: r for r in tables.get("items", [])},
                               {}, {}, {}, {}, [], {})  # fmt: skip
        """The items, for :meth:`generator.model.entities.Model.item_for`."""
        self.verifiably_stratified = {
            str(d.get("task_id")): len((d.get("commitment") or {}).get("strata") or []) > 1
            for d in draws
            if (d.get("commitment") or {}).get("drawn_kind") == TARGETS_KIND
        }
        self.plans = {r["plan_id"]: r for r in tables.get("plans", []) if r.get("plan_id")}
        self.tasks = {r["task_id"]: r for r in tables.get("tasks", []) if r.get("task_id")}
        self.draws: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in tables.get("draws", []):
            if row.get("drawn_kind") != "执法检查人员" and row.get("task_id"):
                self.draws[row["task_id"]].append(row)
        self.inspections: dict[tuple[str, str], Inspection] = {}
        for task_id, rows in sorted(self.draws.items()):
            for row in rows:
                if not row.get("uscc"):
                    continue
                inspection = self._inspection(task_id, row["uscc"], row.get("entity_name"), None)
                inspection.drawn = True
                inspection.drawn_at = row.get("drawn_at")
                inspection.risk_class = row.get("risk_class") or inspection.risk_class
                inspection.stratified_draw = self.verifiably_stratified.get(task_id, False)
        results = sorted(
            tables.get("results", []),
            key=lambda r: (r.get("task_id") or "", r["uscc"], r.get("result_id") or ""),
        )
        for result in results:
            task_id = result.get("task_id") or f"@{result.get('task_name') or ''}"
            inspection = self._inspection(
                task_id, result["uscc"], result.get("entity_name"), result
            )
            inspection.results.append(result)
            inspection.risk_class = inspection.risk_class or result.get("risk_class")
        for inspection in self.inspections.values():
            inspection.held = held_back.get((inspection.task_id, inspection.uscc))
        self.attribute_broken_codes(held_back)

    def attribute_broken_codes(self, held_back: Mapping[tuple[str, str], str]) -> None:
        """Match held-back rows whose code names no firm of their task to a drawn firm.

        ``Report.held_back`` is keyed by the code as exported; a row quarantined *because*
        its code is broken would leave its drawn firm looking overdue. Such a row covers a
        drawn firm of the same task with no published result and nothing held:

        1. the firm whose code it resembles (:func:`_resembles`: a typo or wrong check
           character, or the code as Excel mangles long numbers), if exactly one does;
        2. else, if it resembles no firm of the task at all, and it is the task's only such
           row and the task has only one such firm, that firm (by elimination).

        Anything else stays as it is: a firm is listed as overdue rather than hidden.
        """
        codes: dict[str, set[str]] = defaultdict(set)
        for task_id, uscc in self.inspections:
            codes[task_id].add(uscc)
        strays: dict[str, dict[str, str]] = defaultdict(dict)
        for (task_id, code), state in held_back.items():
            if code not in codes.get(task_id, ()):
                strays[task_id][code] = state
        for task_id, rows in sorted(strays.items()):
            firms = self._task_inspections(task_id)
            open_ = [i for i in firms if i.drawn and i.published_on is None and not i.held]
            alone = []
            for code, state in sorted(rows.items()):
                if not any(_resembles(code, i.uscc) for i in firms):
                    alone.append(state)
                    continue
                fits = [i for i in open_ if _resembles(code, i.uscc)]
                if len(fits) == 1:
                    fits[0].held = fits[0].held or state
            still_open = [i for i in open_ if not i.held]
            if len(alone) == 1 and len(still_open) == 1:
                still_open[0].held = alone[0]

    def _inspection(
        self, task_id: str, uscc: str, name: str | None, result: dict[str, Any] | None
    ) -> Inspection:
        key = (task_id, uscc)
        inspection = self.inspections.get(key)
        if inspection is None:
            task = self.tasks.get(task_id)
            department = self.task_department(task) if task else None
            if department in (None, UNKNOWN_DEPARTMENT) and result is not None:
                department = result.get("authority") or UNKNOWN_DEPARTMENT
            task_name = (task or {}).get("name") or (result or {}).get("task_name") or task_id
            inspection = Inspection(
                task_id=task_id,
                uscc=uscc,
                department=department or UNKNOWN_DEPARTMENT,
                entity_name=name or uscc,
                task_name=task_name,
                joint=self.joint(task_id),
                task_end=(task or {}).get("end"),
            )
            self.inspections[key] = inspection
        elif name and inspection.entity_name == inspection.uscc:
            inspection.entity_name = name
        return inspection

    # Tasks

    def task_department(self, task: Mapping[str, Any]) -> str:
        plan = self.plans.get(task.get("plan_id") or "") or {}
        return task.get("lead_department") or plan.get("department") or UNKNOWN_DEPARTMENT

    def task_day(self, task_id: str) -> dt.date | None:
        drawn = [r["drawn_at"] for r in self.draws.get(task_id, []) if r.get("drawn_at")]
        if drawn:
            return date(min(drawn))
        task = self.tasks[task_id]
        if task.get("start"):
            return date(task["start"])
        days = [i.inspected_on for i in self._task_inspections(task_id) if i.inspected_on]
        return min(days) if days else None

    def stratified(self, task_id: str) -> bool:
        if (self.tasks.get(task_id) or {}).get("risk_ratios"):
            return True
        if self.verifiably_stratified.get(task_id):
            return True
        rows = self.draws.get(task_id, [])
        return bool(rows) and all(r.get("risk_class") in RISK_CLASSES for r in rows)

    def joint(self, task_id: str) -> bool:
        task = self.tasks.get(task_id)
        if task is None:
            return False
        plan = self.plans.get(task.get("plan_id") or "") or {}
        return bool(task.get("partner_departments")) or plan.get("plan_type") == "部门联合"

    def done(self, task_id: str, year: int) -> bool:
        deadline = dt.date(year, *PLAN_DEADLINE)
        required = self.required(task_id)
        # A withheld or quarantined result was made, though its date is not known here.
        return bool(required) and all(
            i.held or (i.inspected_on is not None and i.inspected_on <= deadline) for i in required
        )

    def required(self, task_id: str) -> list[Inspection]:
        """The inspections that complete a task: its drawn firms, else the firms it checked."""
        inspections = self._task_inspections(task_id)
        return [i for i in inspections if i.drawn] or [i for i in inspections if i.checked]

    def _task_inspections(self, task_id: str) -> list[Inspection]:
        by_task = self.__dict__.get("_by_task")
        if by_task is None:
            by_task = defaultdict(list)
            for inspection in self.inspections.values():
                by_task[inspection.task_id].append(inspection)
            self.__dict__["_by_task"] = by_task
        return by_task.get(task_id, [])

    # Results

    def problem(self, inspection: Inspection) -> bool:
        return any(self._is_problem(r) for r in inspection.results)

    def _is_problem(self, result: Mapping[str, Any]) -> bool:
        """A check found a problem when any of its outcomes is a problem finding."""
        text = result.get("outcome")
        found = self._problem_outcomes.get(text)
        if found is None:
            found = self._problem_outcomes[text] = any(
                self.problems.get(normalise_value_key(outcome), False)
                for outcome in split_outcomes(text)
            )
        return found

    def item_for(self, result: Mapping[str, Any]) -> dict[str, Any] | None:
        """A result's item, by id or else by its name."""
        return self.catalogue.item_for(result.get("item_id")) or self.catalogue.item_for(
            result.get("item")
        )


_EXCEL_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?E\+?(\d+)")
_EXCEL_DIGITS = 15
"""Excel keeps 15 significant digits of a number: an 18-digit code loses its last three."""


def _resembles(broken: str, code: str) -> bool:
    """Whether ``broken`` may be ``code`` mistyped (at most two characters differ) or turned
    into a number by Excel (``9.11409E+17``, ``911409024512315000``)."""
    if broken == code:
        return True
    if len(broken) == len(code) and sum(a != b for a, b in zip(broken, code)) <= 2:
        return True
    if not code.isdigit():
        return False
    match = _EXCEL_SCIENTIFIC.fullmatch(broken)
    if match:
        mantissa = match.group(1) + (match.group(2) or "")
        if int(match.group(3)) + 1 != len(code):
            return False
        return _rounded(code, len(mantissa)) == int(mantissa)
    if broken.isdigit() and len(broken) == len(code) > _EXCEL_DIGITS:
        tail = broken[_EXCEL_DIGITS:]
        return set(tail) == {"0"} and (
            broken[:_EXCEL_DIGITS] == code[:_EXCEL_DIGITS]
            or int(broken[:_EXCEL_DIGITS]) == _rounded(code, _EXCEL_DIGITS)
        )
    return False


def _rounded(code: str, digits: int) -> int:
    """The first ``digits`` digits of ``code`` rounded half up, as Excel shows them."""
    quotient, rest = divmod(int(code), 10 ** (len(code) - digits))
    return quotient + (2 * rest >= 10 ** (len(code) - digits))
