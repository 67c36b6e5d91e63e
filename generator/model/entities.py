"""The published model: validated public records joined into what pages show.

Built from :meth:`generator.validate.folder.Report.public_tables` only, so nothing withheld or
internal can reach a page through it. Every collection is sorted, so everything rendered
from the model is deterministic.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from generator.core.schemas import load_outcomes, normalise_value_key, split_outcomes
from generator.model.identity import record_path, record_slug, split_ids

CLOSED_OUTCOMES = {"注销", "被吊销", "被撤销", "迁出", "已关闭停业或正在组织清算"}


@dataclass
class Enterprise:
    """A market entity as its results show it: names, code, status and its whole history."""

    code: str
    slug: str
    names: list[str]
    code_type: str | None
    entity_type: str | None
    region_code: str | None
    status: str | None
    results: list[dict[str, Any]] = field(default_factory=list)
    task_ids: list[str] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    """Tasks it was drawn for whose result is not published yet (``generator.model.lifecycle``)."""

    @property
    def name(self) -> str:
        """The name on the latest result."""
        return self.names[-1] if self.names else self.code


@dataclass
class Model:
    """Everything the site publishes, joined and sorted."""

    data_as_of: str | None
    items: dict[str, dict[str, Any]]
    plans: dict[str, dict[str, Any]]
    tasks: dict[str, dict[str, Any]]
    enterprises: dict[str, Enterprise]
    handbook: dict[str, list[dict[str, Any]]]
    results: list[dict[str, Any]]
    draws: dict[str, list[dict[str, Any]]]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The public tables the model was built from (public and masked fields, schema order).

    A result row is also the model's result, so it carries the model's fields after the
    table's: take a row's table fields with :func:`generator.model.tables.table_fields`."""
    releases: list[dict[str, Any]] = field(default_factory=list)
    """Every release so far, newest first: version, date, counts, changes per table."""
    corrections: list[dict[str, Any]] = field(default_factory=list)
    """Corrections (更正) of this and earlier releases, newest first (``generator.model.releases``)."""
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    """Withdrawn records (撤回) whose address now shows a notice, newest first."""
    replies: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """企业说明、异议 and 回访 per (task id, enterprise code), oldest first."""
    objection: dict[str, str] = field(default_factory=dict)
    """The 异议 route every enterprise page shows (``objection`` in ``gongkai.yml``)."""
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    """Adjustments (调整) of plans and item lists in this and earlier releases, newest first."""
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    """Follow-up updates (后续处置) of published results, newest first."""
    notices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Corrections per site-relative page path (``task/T1/``), for 更正说明 on that page."""

    def record_paths(self) -> list[str]:
        """Site-relative paths of every live record page (enterprise, task, plan, item), in a
        fixed order; a path listed twice means two records would share a page."""
        paths = [record_path("enterprise", e.slug) for e in self.enterprises.values()]
        for kind, records in (("task", self.tasks), ("plan", self.plans), ("item", self.items)):
            paths += [record_path(kind, r["slug"]) for r in records.values()]
        return sorted(paths)

    def item_for(self, reference: str | None) -> dict[str, Any] | None:
        """An item by id or by (folded) name; ``None`` when the list lacks it."""
        if not reference:
            return None
        return self.items.get(reference) or self._item_names.get(normalise_value_key(reference))

    @property
    def _item_names(self) -> dict[str, dict[str, Any]]:
        cache = self.__dict__.get("_names_cache")
        if cache is None:
            cache = {}
            for item in self.items.values():
                for text in (item.get("sub_item"), item.get("name")):
                    if text:
                        cache.setdefault(normalise_value_key(text), item)
            self.__dict__["_names_cache"] = cache
        return cache


def build_model(tables: dict[str, list[dict[str, Any]]], data_as_of: str | None) -> Model:
    """Join the public tables of a validation report into the published model.

    Args:
        tables: ``Report.public_tables()``: public and masked fields only. The result rows
            become the model's results, extended in place (no copy of each).
        data_as_of: the report's "data as of" date.
    """
    items = {r["item_id"]: {**r, "slug": record_slug(r["item_id"]), "tasks": [], "handbook": []} for r in tables.get("items", [])}
    plans = {r["plan_id"]: {**r, "slug": record_slug(r["plan_id"]), "tasks": []} for r in tables.get("plans", []) if r.get("plan_id")}
    tasks = {
        r["task_id"]: {**r, "slug": record_slug(r["task_id"]), "results": [], "draw": None}
        for r in tables.get("tasks", [])
        if r.get("task_id")
    }
    model = Model(
        data_as_of, items, plans, tasks, {}, defaultdict(list), [], defaultdict(list), tables
    )
    _link_handbook(model, tables.get("handbook", []))
    _link_plans_and_items(model)
    _add_results(model, tables.get("results", []))
    _add_draws(model, tables.get("draws", []))
    for reply in sorted(tables.get("replies", []), key=lambda r: (r.get("replied_on") or "", r["reply_id"])):
        model.replies.setdefault((reply.get("task_id") or "", reply.get("uscc") or ""), []).append(reply)
    model.handbook = dict(sorted(model.handbook.items()))
    model.draws = dict(sorted(model.draws.items()))
    return model


def _link_handbook(model: Model, sections: list[dict[str, Any]]) -> None:
    for section in sorted(sections, key=lambda s: (s["industry"], _natural(s["section"]))):
        entry = {**section, "anchor": f"s-{record_slug(str(section['section']))}"}
        model.handbook[section["industry"]].append(entry)
        for reference in split_ids(section.get("item_ids")):
            item = model.item_for(reference)
            if item is not None:
                item["handbook"].append(entry)


def _link_plans_and_items(model: Model) -> None:
    for task_id, task in sorted(model.tasks.items()):
        plan = model.plans.get(task.get("plan_id") or "")
        if plan is not None:
            plan["tasks"].append(task_id)
        task["items"] = []
        for reference in split_ids(task.get("item_ids")):
            item = model.item_for(reference)
            if item is not None and item["item_id"] not in task["items"]:
                task["items"].append(item["item_id"])
                item["tasks"].append(task_id)


def _add_results(model: Model, results: list[dict[str, Any]]) -> None:
    problems = {o.outcome: o.problem for o in load_outcomes().values()}
    ordered = sorted(
        results,
        key=lambda r: (r.get("inspected_on") or "", r.get("task_id") or "", r["uscc"], r.get("item") or ""),
    )
    for result in ordered:
        outcomes = split_outcomes(result.get("outcome"))
        # A check found a problem when any of its outcomes is one (a finding and its handling).
        # Added to the public row itself: a copy of each result would double a province's
        # rows; whoever reads ``model.tables`` takes the table's fields (``table_fields``).
        result["problem"] = any(problems.get(o, False) for o in outcomes)
        item = model.item_for(result.get("item_id") or result.get("item"))
        result["item_ref"] = item["item_id"] if item else None
        result["item_slug"] = item["slug"] if item else None
        result["enterprise_slug"] = record_slug(result["uscc"])
        model.results.append(result)
        task = model.tasks.get(result.get("task_id") or "")
        if task is not None:
            task["results"].append(result)
        enterprise = model.enterprises.get(result["uscc"])
        if enterprise is None:
            enterprise = Enterprise(
                code=result["uscc"],
                slug=record_slug(result["uscc"]),
                names=[],
                code_type=result.get("code_type"),
                entity_type=None,
                region_code=None,
                status=None,
            )
            model.enterprises[result["uscc"]] = enterprise
        enterprise.results.append(result)
        if result["entity_name"] not in enterprise.names:
            enterprise.names.append(result["entity_name"])
        enterprise.entity_type = result.get("entity_type") or enterprise.entity_type
        enterprise.region_code = result.get("region_code") or enterprise.region_code
        for outcome in outcomes:
            if outcome in CLOSED_OUTCOMES:
                enterprise.status = outcome
        task_id = result.get("task_id")
        if task_id and task_id not in enterprise.task_ids:
            enterprise.task_ids.append(task_id)
    model.enterprises = dict(sorted(model.enterprises.items()))
    for task in model.tasks.values():
        task["results"].sort(key=lambda r: (r["entity_name"], r["uscc"], r.get("item") or ""))


def _add_draws(model: Model, draws: list[dict[str, Any]]) -> None:
    for row in sorted(draws, key=lambda r: (r.get("task_id") or "", r["draw_id"], r["position"])):
        model.draws[row["task_id"]].append(row)
    for task_id, rows in model.draws.items():
        task = model.tasks.get(task_id)
        if task is None:
            continue
        targets = [r for r in rows if r.get("drawn_kind") != "执法检查人员"]
        first = rows[0]
        task["draw"] = {
            "draw_id": first["draw_id"],
            "drawn_at": first.get("drawn_at"),
            "population_size": first.get("population_size"),
            "population_digest": first.get("population_digest"),
            "seed": first.get("seed"),
            "algorithm": first.get("algorithm"),
            "targets": len(targets),
            "inspectors": len(rows) - len(targets),
        }


def _natural(text: Any) -> tuple[Any, ...]:
    """Sort key that puts ``2`` before ``10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))
