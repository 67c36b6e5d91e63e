"""无事不扰: how often the same enterprise is checked, for one enterprise and in aggregate.

:func:`enterprise_burden` is shown on each enterprise's page; :func:`burden` gives the
per-year aggregates by department and by industry for the 统计 pages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from generator.core.schemas import normalise_value_key
from generator.core.values import shared_text
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
    """无事不扰 aggregates per year, by department and by industry (of the item).

    An inspection is one task at one firm, so a group (department or industry, and year)
    counts it once for its firm, and once for each item it checked there: counters, not a
    set of tasks per firm and item (a province has 10⁶ such pairs).
    """
    checks: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    items: dict[tuple[str, str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    for inspection in inspections.values():
        touched: set[tuple[str, str, str, str]] = set()
        for result in inspection.results:
            day = date(result.get("inspected_on"))
            if day is None:
                continue
            item = result.get("item_id") or normalise_value_key(result.get("item") or "")
            year = shared_text(str(day.year))
            touched.add(("department", inspection.department, year, item))
            touched.add(("department", TOTAL, year, item))
            touched.add(("industry", _industry(item_for, result), year, item))
        firm = inspection.uscc
        for group in {(kind, name, year) for kind, name, year, _ in touched}:
            checks[group][firm] += 1
        for kind, name, year, item in touched:
            items[(kind, name, year)][(firm, item)] += 1
    out: dict[str, list[dict[str, Any]]] = {"department": [], "industry": []}
    for (kind, name, year), per_firm in checks.items():
        counts = per_firm.values()
        out[kind].append(
            {
                kind: name,
                "year": year,
                "enterprises": len(counts),
                "checks": sum(counts),
                "checks_per_enterprise": round(sum(counts) / len(counts), 2),
                "checked_twice_or_more": sum(1 for n in counts if n >= 2),
                "max_checks": max(counts),
                "repeated_item_checks": sum(1 for n in items[(kind, name, year)].values() if n > 1),
            }
        )
    return {
        kind: sorted(rows, key=lambda r, kind=kind: (r["year"], r[kind] != TOTAL, r[kind]))
        for kind, rows in out.items()
    }


def _industry(
    item_for: Callable[[Mapping[str, Any]], Mapping[str, Any] | None], result: Mapping[str, Any]
) -> str:
    return (item_for(result) or {}).get("industry") or "未注明行业"
