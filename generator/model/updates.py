"""What kind of change a modified record is, and how the history words each kind.

A record published again with other values is one of three things:

* a **correction** (更正): an error put right; the old value of free text is not quoted again;
* an **adjustment** (调整): a plan or item list changed by due process (修订说明, 调整日期,
  报备日期, or a change of ratio, scope, items or dates without 变更类型 = 更正). Plans and
  item lists are public documents, so both versions are shown;
* a **follow-up** (后续处置): a result whose only changes are what followed the check
  (fields marked ``followUp`` in ``schemas/results.json``: 处置, 立案, 处罚, 经营异常名录, 完结),
  announced as an update of the result, never as a correction of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.core.schemas import FieldSpec
from generator.model.entities import Model
from generator.model.identity import industry_slug, record_path, record_slug
from generator.validate.report import FOLLOW_UP_DATES

CORRECTION = "correction"
ADJUSTMENT = "adjustment"
FOLLOW_UP = "follow-up"
KIND_LABELS = {CORRECTION: "更正", ADJUSTMENT: "调整", FOLLOW_UP: "后续处置"}
"""How ``delta.json``, the change log and the feeds name each kind of change."""
ADJUSTABLE_TABLES = ("plans", "items")
ADJUSTMENT_MARKS = ("revision_note", "adjusted_on", "filed_on")
"""Fields by which an export says a record was adjusted."""
ADJUSTMENT_META = (*ADJUSTMENT_MARKS, "change_type")
"""Fields that describe an adjustment rather than being adjusted."""
SUBSTANTIVE = frozenset(
    {"ratio", "scope", "item_ids", "start", "end", "schedule", "frequency", "sample_note",
     "content", "year", "legal_basis", "method", "target_type", "category", "department",
     "partner_departments", "level", "plan_type", "inspector_requirements"}
)  # fmt: skip
"""Fields whose change is an adjustment of a plan or item list unless flagged 更正."""


def change_kind(
    table_name: str, fields: Sequence[FieldSpec], after: Mapping[str, Any], changed: Iterable[str]
) -> str:
    """:data:`CORRECTION`, :data:`ADJUSTMENT` or :data:`FOLLOW_UP` for a modified record."""
    changed = set(changed)
    if table_name in ADJUSTABLE_TABLES:
        if after.get("change_type") == "更正":
            return CORRECTION
        marked = changed & set(ADJUSTMENT_MARKS) or any(after.get(n) for n in ("adjusted_on", "filed_on"))
        return ADJUSTMENT if marked or changed & SUBSTANTIVE else CORRECTION
    if table_name == "results":
        follow_up = {spec.name for spec in fields if spec.descriptor.get("followUp")}
        if changed and changed <= follow_up:
            return FOLLOW_UP
    return CORRECTION


def renumbered(old: Mapping[str, Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    """Plans that reappear under another 计划编号 (same name, year and department), in Chinese.

    An adjustment keeps the plan's number; a new number makes it another plan, and the old
    one is published as deleted, so the operator is told.
    """
    def key(row: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(str(row.get(n) or "") for n in ("name", "year", "department"))

    by_key = {key(row): ident for ident, row in old.items() if row.get("name")}
    new_ids = {str(row.get("plan_id")) for row in new}
    found = []
    for row in new:
        before = by_key.get(key(row))
        if before and before != str(row.get("plan_id")) and before not in new_ids:
            found.append(
                f"提醒：抽查计划“{row.get('name')}”的计划编号由 {before} 变为 {row.get('plan_id')}。"
                "调整计划不得更改计划编号：照此发布，原计划将作为已删除、新编号作为新计划公示，"
                "调整记录无法衔接。请在导出中保留原计划编号，用修订说明、调整日期写明调整"
            )
    return sorted(found)


def adjustment_entry(
    change: Any, fields: Sequence[FieldSpec], context: Mapping[str, Any], version: str,
    data_as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    """An adjustment as the history keeps it: both versions of every field that changed."""
    after = change.after or {}
    before = change.before or {}
    titles = {spec.name: spec.title for spec in fields}
    return {
        "release": version,
        "date": after.get("adjusted_on") or data_as_of,
        "filed_on": after.get("filed_on"),
        "note": after.get("revision_note"),
        "table": change.table,
        "id": change.id,
        "label": context["label"],
        "changes": [
            {"field": n, "title": titles[n], "before": before.get(n), "after": after.get(n)}
            for n in change.fields if n not in ADJUSTMENT_META
        ],
        "pages": context["pages"],
        "departments": context["departments"],
        "industries": context["industries"],
    }


def follow_up_entry(
    change: Any, fields: Sequence[FieldSpec], context: Mapping[str, Any], version: str,
    data_as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    """A follow-up of a result as the history keeps it: the steps added, with their values."""
    after = change.after or {}
    titles = {spec.name: spec.title for spec in fields}
    specs = {spec.name: spec for spec in fields}
    dates = [str(after[n]) for n in FOLLOW_UP_DATES if n in change.fields and after.get(n)]
    return {
        "release": version,
        "date": max(dates) if dates else data_as_of,
        "table": change.table,
        "id": change.id,
        "label": context["label"],
        "published_on": after.get("published_on"),
        "changes": [
            {
                "field": n,
                "title": titles[n],
                "before": (change.before or {}).get(n) if quotable(specs[n]) else None,
                "after": after.get(n),
            }
            for n in change.fields
        ],
        "pages": context["pages"],
        "departments": context["departments"],
        "industries": context["industries"],
        "enterprise": context["enterprise"],
    }


def record_context(model: Model, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Label, pages, departments and industries of a record, from its published fields."""
    pages: list[str] = []
    departments: list[str | None] = []
    industries: list[str | None] = []
    enterprise = None
    label = str(row.get("name") or row.get("title") or "")
    if table == "results":
        task = model.tasks.get(row.get("task_id") or "")
        task_name = (task or {}).get("name") or row.get("task_name") or row.get("task_id") or ""
        label = "：".join(str(p) for p in (task_name, row.get("item")) if p)
        enterprise = row.get("uscc")
        if enterprise and enterprise in model.enterprises:
            pages.append(record_path("enterprise", record_slug(enterprise)))
        if task is not None:
            pages.append(record_path("task", task["slug"]))
        departments.append(row.get("authority"))
        item = model.item_for(row.get("item_id") or row.get("item"))
        industries.append((item or {}).get("industry"))
    elif table in ("tasks", "draws"):
        task = model.tasks.get(row.get("task_id") or "")
        if task is not None:
            pages.append(record_path("task", task["slug"]))
            label = label if table == "tasks" else f"{task.get('name') or task['task_id']} 抽取记录"
            departments.append(task.get("lead_department"))
    elif table == "plans":
        if row.get("plan_id") in model.plans:
            pages.append(record_path("plan", record_slug(row["plan_id"])))
        departments.append(row.get("department"))
    elif table == "items":
        if row.get("item_id") in model.items:
            pages.append(record_path("item", record_slug(row["item_id"])))
        departments.append(row.get("department"))
        industries.append(row.get("industry"))
    elif table == "handbook":
        industry = row.get("industry")
        if industry in model.handbook:
            pages.append(f"handbook/{industry_slug(industry)}/")
        industries.append(industry)
        label = f"{industry} {row.get('section')} {row.get('title') or ''}".strip()
    return {
        "label": label or "记录",
        "pages": pages,
        "departments": sorted({d for d in departments if d}),
        "industries": sorted({i for i in industries if i}),
        "enterprise": enterprise,
    }


_QUOTED_NAMES = frozenset(
    {"name", "title", "entity_name", "task_name", "plan_name", "item", "authority",
     "lead_department", "partner_departments", "department", "industry", "section"}
)  # fmt: skip
"""Text fields whose old value a correction may quote: names of things, never free text."""


def quotable(spec: FieldSpec) -> bool:
    """Whether a correction may show a field's old value.

    Free text (findings, notes, handbook bodies) may hold what should never have been
    published — a phone number typed into 备注 — and a correction must not publish it twice:
    only values of enums, dates, numbers, identifiers, names of things and restatements of
    a controlled value (a wording the vocabulary matched, a code) are quoted.
    """
    return bool(
        spec.enum or spec.identifier or spec.type != "string" or spec.name in _QUOTED_NAMES
        or restates(spec)
    )


def restates(spec: FieldSpec) -> str | None:
    """The field this one restates (its code, its wording as exported), if any."""
    return spec.descriptor.get("restates")
