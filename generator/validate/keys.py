"""Cross-file rules and the row accounting they update.

One record per key, a deterministic winner of each conflict, foreign keys, tasks and plans
derived from result columns, and the fields results take from their task.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from generator.core.errors import Issue
from generator.core.schemas import KindSchema, load_schemas, normalise_value_key
from generator.ingest.exports import ExportTable
from generator.validate.report import PUBLISHED, QUARANTINED, FileReport, Record


class Accounting:
    """Row states per file; a row once quarantined stays quarantined."""

    def __init__(self, files: list[FileReport], issues: list[Issue]) -> None:
        self.files = {f.path: f for f in files}
        self.issues = issues

    def set(self, file: str, row: int, state: str) -> None:
        rows = self.files[file].rows
        if rows.get(row) == PUBLISHED or (state == QUARANTINED and row in rows):
            rows[row] = state

    def quarantine_rows(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.set(issue.file, issue.row, QUARANTINED)  # type: ignore[arg-type]

    def is_live(self, record: Record) -> bool:
        return self.files[record.file].rows.get(record.row) == PUBLISHED

    def is_published(self, record: Record) -> bool:
        return self.is_live(record)

    def reject(self, record: Record, issue: Issue) -> None:
        """Report an issue on a record's row; an error-level issue quarantines the row."""
        self.issues.append(issue)
        if issue.level == "error":
            self.set(record.file, record.row, QUARANTINED)


def cross_checks(
    records: list[Record], tables: list[ExportTable], state: Accounting
) -> tuple[dict[str, list[Record]], list[dict[str, Any]], dict[str, int]]:
    """Keys, conflicts, foreign keys and derived parents over all accepted records."""
    schemas = load_schemas()
    headers = {t.path: t for t in tables}
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    _number_sub_items(by_kind.get("items", []))
    conflicts: list[dict[str, Any]] = []
    for kind_name, kind_records in list(by_kind.items()):
        by_kind[kind_name], found = _resolve_keys(schemas[kind_name], kind_records, headers, state)
        conflicts.extend(found)
    present = {t.kind for t in tables if t.rows}
    derived: dict[str, int] = {}
    for child, parent, field_name, code in (
        ("tasks", "plans", "plan_id", "unknown-plan"),
        ("results", "tasks", "task_id", "unknown-task"),
        ("draws", "tasks", "task_id", "unknown-task"),
    ):
        if parent in present:
            known = {r.values.get(field_name) for r in by_kind.get(parent, []) if state.is_live(r)}
            for record in by_kind.get(child, []):
                value = record.values.get(field_name)
                if value and value not in known and state.is_live(record):
                    header = headers[record.file].header_of(field_name)
                    state.reject(record, Issue(code, record.file, record.row, header, value))
    if "tasks" not in present:
        by_kind["tasks"] = _derive_parents(by_kind.get("results", []), state, _TASK_FROM_RESULT)
        derived["tasks"] = len(by_kind["tasks"])
    if "plans" not in present:
        sources = by_kind.get("tasks", []) + by_kind.get("results", [])
        by_kind["plans"] = _derive_parents(sources, state, _PLAN_FROM_CHILD)
        derived["plans"] = len(by_kind["plans"])
    _fill_from_parents(by_kind, state)
    _link_items(by_kind, headers, state, "items" in present)
    ordered = {}
    for kind_name in schemas:
        kind = schemas[kind_name]
        rows = by_kind.get(kind_name, [])
        ordered[kind_name] = sorted(rows, key=lambda r: _sort_key(kind, r))
    return ordered, conflicts, derived


def _sort_key(kind: KindSchema, record: Record) -> tuple[Any, ...]:
    return tuple((v is None, str(v) if v is not None else "") for v in record.key(kind))


def _content(record: Record) -> str:
    return json.dumps(record.values, sort_keys=True, ensure_ascii=False, default=str)


def _resolve_keys(
    kind: KindSchema,
    records: list[Record],
    headers: dict[str, ExportTable],
    state: Accounting,
) -> tuple[list[Record], list[dict[str, Any]]]:
    """One record per primary key: duplicates in a file are errors, conflicts across files
    have a deterministic winner (latest dates, then content) whatever the file order."""
    first_in_file: dict[tuple[str, tuple[Any, ...]], Record] = {}
    groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for record in records:
        key = record.key(kind)
        seen = first_in_file.get((record.file, key))
        if seen is not None:
            if seen.row == record.row:
                continue  # one row split into identical records (repeated item names)
            column = kind.primary_key[0]
            code = "duplicate-key"
            if kind.name == "results":
                column, code = "uscc", "duplicate-record"
            header = headers[record.file].header_of(column)
            value = str(record.values.get(column))
            state.reject(record, Issue(code, record.file, record.row, header, value, {"other": seen.row}))
            continue
        first_in_file[(record.file, key)] = record
        groups[key].append(record)
    kept: list[Record] = []
    conflicts = []
    for key, group in groups.items():
        live = [r for r in group if state.is_live(r)]
        if not live:
            continue
        if len(live) == 1:  # most keys: no conflict, so no content to compare
            kept.append(live[0])
            continue
        contents = [_content(r) for r in live]  # each record's JSON once, not per comparison
        winner, won = max(
            zip(live, contents), key=lambda p: (_recency(p[0]), p[1], p[0].file, p[0].row)
        )
        kept.append(winner)
        if len(set(contents)) == 1:
            continue
        losers = [r for r, content in zip(live, contents) if r is not winner and content != won]
        for loser in losers:
            issue = Issue(
                "conflicting-record",
                loser.file,
                loser.row,
                None,
                None,
                {"other": f"{winner.file} 第 {winner.row} 行", "kind": kind.title},
            )
            state.reject(loser, issue)
        conflicts.append(
            {
                "kind": kind.name,
                "key": "|".join(str(v) for v in key),
                "winner": {"file": winner.file, "row": winner.row},
                "losers": [{"file": r.file, "row": r.row} for r in sorted(losers, key=lambda r: (r.file, r.row))],
            }
        )
    conflicts.sort(key=lambda c: (c["kind"], c["key"]))
    return kept, conflicts


def _recency(record: Record) -> tuple[str, ...]:
    values = record.values
    return tuple(
        str(values.get(name) or "")
        for name in ("published_on", "entered_on", "disposal_on", "inspected_on", "updated_on")
    )


_TASK_FROM_RESULT = {
    "task_id": "task_id",
    "plan_id": "plan_id",
    "plan_name": "plan_name",
    "name": "task_name",
    "check_type": "check_type",
    "lead_department": "authority",
}


_PLAN_FROM_CHILD = {"plan_id": "plan_id", "name": "plan_name"}


def _derive_parents(
    children: list[Record], state: Accounting, mapping: dict[str, str]
) -> list[Record]:
    """Build parent records (tasks, plans) from the columns children carry."""
    key_field = next(iter(mapping))
    parents: dict[str, Record] = {}
    for child in sorted(children, key=lambda r: (r.file, r.row)):
        if not state.is_live(child):
            continue
        values = {target: child.values.get(source, child.values.get(target)) for target, source in mapping.items()}
        key = values.get(key_field)
        if not key:
            continue
        parent = parents.setdefault(key, Record("derived", child.file, child.row, {"derived": True}))
        for target, value in values.items():
            if value and not parent.values.get(target):
                parent.values[target] = value
    return list(parents.values())


_RESULT_FROM_TASK = {"plan_id": "plan_id", "plan_name": "plan_name", "task_name": "name", "check_type": "check_type"}


_TYPE_FROM_USCC = {"92": "个体工商户", "93": "农民专业合作社"}
"""主体类型 read from a 统一社会信用代码's first two characters (GB 32100: 登记管理部门 9 =
market regulation, 机构类别 2 / 3). Category 1 (企业) also covers other forms, so it is not read."""


def _fill_from_parents(by_kind: dict[str, list[Record]], state: Accounting) -> None:
    """Give results their task's plan, task name and check type where their file has none,
    and a sole trader's or cooperative's 主体类型 from its code.

    An export without a 抽查计划编号 column would otherwise publish results whose plan is known
    (from the task list) but blank, and a reader grouping ``results.csv`` by plan loses them.
    """
    tasks = {r.values.get("task_id"): r.values for r in by_kind.get("tasks", []) if state.is_live(r)}
    plans = {r.values.get("plan_id"): r.values for r in by_kind.get("plans", []) if state.is_live(r)}
    for record in by_kind.get("results", []):
        values = record.values
        task = tasks.get(values.get("task_id")) or {}
        for target, source in _RESULT_FROM_TASK.items():
            if not values.get(target) and task.get(source):
                values[target] = task[source]
        plan = plans.get(values.get("plan_id")) or {}
        if not values.get("plan_name") and plan.get("name"):
            values["plan_name"] = plan["name"]
        code = values.get("uscc") or ""
        if not values.get("entity_type") and len(code) == 18 and code[:2] in _TYPE_FROM_USCC:
            values["entity_type"] = _TYPE_FROM_USCC[code[:2]]


def _number_sub_items(items: list[Record]) -> None:
    """Give sub-items under one 编号 their own ids (``1.1``, ``1.2``) within a file."""
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in items:
        groups[(record.file, record.values.get("item_id") or "")].append(record)
    for (_, item_id), group in groups.items():
        distinct = {(r.values.get("name"), r.values.get("sub_item")) for r in group}
        if item_id and len(group) > 1 and len(distinct) == len(group):
            for position, record in enumerate(sorted(group, key=lambda r: r.row), start=1):
                record.values["item_id"] = f"{item_id}.{position}"


def _link_items(
    by_kind: dict[str, list[Record]],
    headers: dict[str, ExportTable],
    state: Accounting,
    have_items: bool,
) -> None:
    """Resolve results' item names to item ids; warn about names the item list lacks."""
    index: dict[str, str] = {}
    for item in by_kind.get("items", []):
        item_id = item.values.get("item_id")
        for name in (item.values.get("sub_item"), item.values.get("name"), item_id):
            if name and item_id:
                index.setdefault(normalise_value_key(name), item_id)
    for record in by_kind.get("results", []):
        item = record.values.get("item")
        record.values["item_id"] = index.get(normalise_value_key(item)) if item else None
        if have_items and item and record.values["item_id"] is None and state.is_live(record):
            header = headers[record.file].header_of("item")
            state.issues.append(Issue("unknown-item", record.file, record.row, header, item))


def unknown_tasks_of_quarantined(
    records: list[Record],
    tables: list[ExportTable],
    by_kind: dict[str, list[Record]],
    state: Accounting,
) -> None:
    """Report the task reference of rows already quarantined for another cell, so that the
    operator learns every error of a row at once (the row stays quarantined once)."""
    if not any(t.kind == "tasks" and t.rows for t in tables):
        return
    headers = {t.path: t for t in tables}
    known = {r.values.get("task_id") for r in by_kind.get("tasks", []) if state.is_live(r)}
    for record in records:
        value = record.values.get("task_id")
        stale = record.kind in ("results", "draws") and value and value not in known
        if stale and not state.is_live(record):
            header = headers[record.file].header_of("task_id")
            state.issues.append(Issue("unknown-task", record.file, record.row, header, value))
