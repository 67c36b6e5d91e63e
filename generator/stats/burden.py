"""无事不扰: how often the same enterprise is checked, for one enterprise and in aggregate.

:func:`enterprise_burden` is shown on each enterprise's page; :func:`burden` gives the
per-year aggregates by department and by industry for the 统计 pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from generator.core.schemas import normalise_value_key
from generator.stats.figures import TOTAL, Inspection, date


def enterprise_burden(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """无事不扰 for one enterprise: per year, checks (tasks), items and repeated items.

    Args:
        results: The enterprise's published results (public fields).

    Returns:
        ``[{year, checks, departments, item_count, repeated_items}]``, newest year first.
    """
    by_year: dict[str, dict[str, Any]] = {}
    for result in results:
        day = result.get("inspected_on")
        if not day:
            continue
        year = by_year.setdefault(
            day[:4], {"tasks": set(), "departments": set(), "items": defaultdict(set)}
        )
        task = result.get("task_id") or f"@{result.get('task_name') or ''}"
        year["tasks"].add(task)
        if result.get("authority"):
            year["departments"].add(result["authority"])
        item = result.get("item_ref") or result.get("item_id") or result.get("item")
        if item:
            year["items"][item].add(task)
    return [
        {
            "year": year,
            "checks": len(data["tasks"]),
            "departments": len(data["departments"]),
            "item_count": len(data["items"]),
            "repeated_items": sum(1 for tasks in data["items"].values() if len(tasks) > 1),
        }
        for year, data in sorted(by_year.items(), reverse=True)
    ]


def burden(
    inspections: Mapping[tuple[str, str], Inspection],
    item_for: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
) -> dict[str, list[dict[str, Any]]]:
    """无事不扰 aggregates per year, by department and by industry (of the item)."""
    groups: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
        "department": {}, "industry": {}
    }  # fmt: skip
    for inspection in inspections.values():
        for result in inspection.results:
            day = date(result.get("inspected_on"))
            if day is None:
                continue
            item = result.get("item_id") or normalise_value_key(result.get("item") or "")
            year, firm, task = str(day.year), inspection.uscc, inspection.task_id
            for kind, name in (
                ("department", inspection.department),
                ("department", TOTAL),
                ("industry", _industry(item_for, result)),
            ):
                group = groups[kind].get((name, year))
                if group is None:  # not built per result only to be thrown away
                    group = groups[kind][(name, year)] = {
                        "tasks": defaultdict(set), "items": defaultdict(set)
                    }  # fmt: skip
                group["tasks"][firm].add(task)
                group["items"][(firm, item)].add(task)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, table in groups.items():
        rows = []
        for (name, year), group in table.items():
            per_firm = [len(t) for t in group["tasks"].values()]
            rows.append(
                {
                    kind: name,
                    "year": year,
                    "enterprises": len(per_firm),
                    "checks": sum(per_firm),
                    "checks_per_enterprise": round(sum(per_firm) / len(per_firm), 2),
                    "checked_twice_or_more": sum(1 for n in per_firm if n >= 2),
                    "max_checks": max(per_firm),
                    "repeated_item_checks": sum(
                        1 for tasks in group["items"].values() if len(tasks) > 1
                    ),
                }
            )
        out[kind] = sorted(rows, key=lambda r: (r["year"], r[kind] != TOTAL, r[kind]))
    return out


def _industry(
    item_for: Callable[[Mapping[str, Any]], Mapping[str, Any] | None], result: Mapping[str, Any]
) -> str:
    return (item_for(result) or {}).get("industry") or "未注明行业"
