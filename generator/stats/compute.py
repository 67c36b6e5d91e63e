"""The figures the regulations hold departments to: KPIs, reconciliation and inspection burden.

Everything is computed from the validated tables (``Report.tables``), including the
internal credit-risk class, which is only ever *counted*: no per-firm class leaves this
package. The published outputs are :meth:`Statistics.rows` (``data/statistics.csv``), the
逾期未公示 list, the burden and risk-class aggregates and the monthly report figures.

Units of counting, chosen so that every figure can be checked by hand:

* a **检查户次** (``Inspection``) is one enterprise in one task: drawn, checked (it has
  results) and published (one of its results has a 公示日期);
* a **task** belongs to its lead department (``lead_department``), a checked enterprise to
  the lead department of its task (else the result's 检查实施机关), so every count belongs
  to one department and the totals are the sums over departments;
* the **date** of an inspection is its latest 检查完成日期, or, when it was never checked,
  the task's end (检查日期至), else the draw; a task's date is its draw, else its start.

Deadlines are :data:`~generator.stats.figures.DEADLINE_WORKDAYS` working days
(:mod:`generator.core.workdays`), counted from the day after the check; a deadline still open
on the data's "as of" date is pending and counts in no denominator.

This module counts the KPIs; the parts it puts together are :mod:`generator.stats.figures`
(definitions and result types), :mod:`generator.stats.inspections` (the tables joined into
tasks and inspections), :mod:`generator.stats.deadlines` (the working-day rules and the
overdue and reconciliation lists), :mod:`generator.stats.tables` (monthly and risk-class
tables), :mod:`generator.stats.burden` (无事不扰) and :mod:`generator.stats.duties` (the
publisher's own deadlines, 工作进度).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.errors import ConfigError
from generator.core.settings import Settings, load_settings
from generator.core.values import shared_text
from generator.core.workdays import WorkCalendar, load_calendar
from generator.stats.burden import burden
from generator.stats.deadlines import Deadlines, unmatched_list
from generator.stats.definitions import definitions
from generator.stats.duties import progress
from generator.stats.figures import (
    ALL_REGIONS,
    DECLARED_SOURCE,
    IN_DENOMINATOR,
    IN_NUMERATOR,
    IN_NUMERATOR_ONLY,
    MISSING_DENOMINATOR,
    TOTAL,
    UNCOUNTED,
    UNKNOWN,
    Figure,
    Kpi,
    Statistics,
    Unknown,
    entity_class,
    iso,
)
from generator.stats.inspections import InspectionIndex
from generator.stats.tables import monthly, risk_class_table

if TYPE_CHECKING:
    from generator.validate.report import Report


# Computing


def compute_statistics(
    tables: Mapping[str, list[dict[str, Any]]],
    *,
    as_of: str | None,
    calendar: WorkCalendar,
    settings: Settings | None = None,
    held_back: Mapping[tuple[str, str], str] | None = None,
    draws: Iterable[Mapping[str, Any]] = (),
    strict: bool = True,
) -> Statistics:
    """Compute every figure from the validated tables.

    Args:
        tables: ``Report.tables`` (accepted records, internal fields included).
        as_of: The data's "as of" date: deadlines after it are still open.
        calendar: Working days (:func:`generator.core.workdays.load_calendar`).
        settings: The data folder's settings (directory sizes, target overrides).
        held_back: ``Report.held_back``: (task, code) of results rows withheld (不予公示) or
            quarantined; such an enterprise is not overdue, only counted apart. A row whose
            code matches no firm of its task is matched to a drawn firm by
            :meth:`generator.stats.inspections.InspectionIndex.attribute_broken_codes`.
        draws: Verifiable draws (:func:`generator.draws.published.load_draws`): a task whose draw of
            检查对象 has more than one stratum used the risk classes.
        strict: Raise when a year has no calendar. Otherwise the units touching such a year
            count in no working-day KPI (无法计算), and ``Statistics.warnings`` says so.

    Raises:
        ConfigError: a target names an unknown KPI, or (``strict``) a year has no calendar;
            the message names the row.
    """
    settings = settings or Settings()
    deadlines = Deadlines(tables.get("results", []), as_of, calendar, strict)
    index = InspectionIndex(tables, held_back or {}, draws)
    for inspection in index.inspections.values():
        deadlines.due_on(inspection)  # marks those whose deadline has no calendar
    kpis = definitions(settings, {i.department for i in index.inspections.values()})
    units: dict[str, list[Unit]] = defaultdict(list)
    for task_id, task in index.tasks.items():
        day = index.task_day(task_id)
        if day is None:
            continue
        department, joint = index.task_department(task), index.joint(task_id)
        where = task.get("region_code")
        task_unit = partial(Unit, department, day, joint=joint, ref=(task_id, "", ""), region=where)
        units["credit_risk_rating_use"].append(task_unit(index.stratified(task_id)))
        units["joint_check_share"].append(task_unit(joint))
        units["plan_completion"].append(task_unit(index.done(task_id, day.year)))
    dated_years = {
        measure: {r["inspected_on"][:4] for r in tables.get("results", [])
                  if r.get(field) and r.get("inspected_on")}
        for measure, (_, field, _) in DATED_MEASURES.items()
    }  # fmt: skip
    for inspection in index.inspections.values():
        day = inspection.day
        if day is None:
            continue
        kind = entity_class(_entity_type(inspection), inspection.uscc)
        ref = (inspection.task_id, inspection.uscc, "")
        unit = partial(Unit, inspection.department, day, joint=inspection.joint, entity=kind,
                       ref=ref, region=_region(index, inspection))  # fmt: skip
        published = inspection.published
        due = published or deadlines.overdue(inspection)
        unknown = inspection.no_calendar and not published and not inspection.held
        if due or unknown:
            units["publication_rate"].append(unit(UNKNOWN if unknown else published))
        if inspection.checked:
            if due or unknown:
                timely = UNKNOWN if unknown else deadlines.timely(inspection)
                units["timely_publication_rate"].append(unit(timely))
            if inspection.inspected_on is not None:
                units["coverage"].append(unit(True))
            units["joint_enterprise_share"].append(unit(inspection.joint))
            units["problem_rate"].append(unit(index.problem(inspection)))
            for result in inspection.results:
                ref = (inspection.task_id, inspection.uscc, result.get("result_id") or "")
                disposal = deadlines.disposal_unit(inspection, result)
                if disposal is not None:
                    units["disposal_timeliness"].append(unit(disposal, ref=ref))
                for measure, (start, field, _) in DATED_MEASURES.items():
                    hit = deadlines.dated_unit(inspection, result, start, field)
                    if hit is not None:
                        known = str(day.year) in dated_years[measure]
                        units[measure].append(unit(hit if known else UNKNOWN, ref=ref))
    directory_sources: dict[tuple[str, str], str] = {}
    figures: list[Figure] = []
    members: list[tuple[str | None, ...]] = []
    for kpi in kpis:
        counted = [u for u in units[kpi.computes] if _counts(kpi, u)]
        if kpi.computes == "coverage":
            figures += _coverage(kpi, counted, settings, directory_sources, members)
        else:
            figures += _count_figures(kpi, counted)
            members += [_member(kpi, u) for u in counted]
    figures += _region_figures(kpis, units, settings)
    measures = {k.name: k.computes for k in kpis}
    figures = [
        replace(f, note=DATED_MEASURES[measures[f.kpi]][2])
        if f.denominator is None
        and measures[f.kpi] in DATED_MEASURES
        and f.period[:4] not in dated_years[measures[f.kpi]]
        else f
        for f in figures
    ]
    order = {k.name: n for n, k in enumerate(kpis)}
    figures.sort(key=lambda f: (f.region != ALL_REGIONS, f.region, f.department != TOTAL,
                                f.department, f.period, order[f.kpi]))  # fmt: skip
    report_months = {f.period for f in figures if len(f.period) == 7}
    return Statistics(
        as_of=iso(deadlines.as_of),
        figures=figures,
        overdue=deadlines.overdue_list(index.inspections),
        unmatched=unmatched_list(index.inspections, index.draws),
        reconciliation=deadlines.reconciliation(index.inspections, index.draws),
        burden=burden(index.inspections, index.item_for),
        risk_classes=risk_class_table(index),
        monthly=monthly(index),
        directory_sources=directory_sources,
        warnings=deadlines.warnings(),
        progress=progress(index, report_months, deadlines.as_of, settings),
        kpis=kpis,
        members=sorted(members, key=lambda m: tuple(map(str, m))),
    )


def empty_statistics(as_of: str | None = None) -> Statistics:
    """Statistics with no figures: the 统计 page of a site built without them says so."""
    return Statistics(as_of, [], [], [], [], {}, [], {}, {})


def statistics_for_folder(
    report: Report,
    data_dir: Path,
    draws: Iterable[Mapping[str, Any]],
    *,
    site_build: bool = False,
) -> Statistics:
    """:func:`compute_statistics` for a validated folder, with its settings and holiday files,
    and its verifiable draws (:func:`generator.draws.published.load_draws`, which the caller
    reads: statistics never import the draws stage).

    With ``site_build`` a year without a calendar does not stop the build: the figures it
    touches are 无法计算 and a warning is printed on stderr.
    """
    statistics = compute_statistics(
        report.tables,
        as_of=report.data_as_of,
        calendar=load_calendar(data_dir),
        settings=load_settings(data_dir),
        held_back=report.held_back,
        draws=draws,
        strict=not site_build,
    )
    if site_build:
        import click

        for warning in statistics.warnings:
            click.echo(f"警告：{warning}", err=True)
    return statistics


# Helpers


DATED_MEASURES = {
    "entry_timeliness": ("inspected_on", "entered_on", "数据中没有录入日期"),
    "disposal_entry_timeliness": (
        "disposal_on",
        "disposal_entered_on",
        "数据中没有后续处置录入日期",
    ),
}
"""Measures of a date entered within the deadline after another: (from, entered, the note of
a year whose exports carry no such entry date — 无法计算 then, never 0 %)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One counted thing (a task, an inspection or a result) and what a definition may select by."""

    department: str
    day: dt.date
    hit: bool | Unknown
    joint: bool
    entity: str | None = None
    """主体类型 of an inspection or result (:func:`generator.stats.figures.entity_class`)."""
    region: str | None = None
    """行政区划代码 of its task or result."""
    ref: tuple[str, str, str] = ("", "", "")
    """What it is: (task, credit code, result id), as far as it is one of those."""


def _member(kpi: Kpi, unit: Unit) -> tuple[str | None, ...]:
    """A row of the figures' members: which task, firm or result a yearly figure counted."""
    counted = UNCOUNTED if unit.hit is UNKNOWN else IN_NUMERATOR if unit.hit else IN_DENOMINATOR
    return _member_row(kpi, str(unit.day.year), unit.department, unit.ref, counted)


def _member_row(
    kpi: Kpi, year: str, department: str, ref: tuple[str, str, str], counted: str
) -> tuple[str | None, ...]:
    """The values of :data:`generator.stats.figures.MEMBER_COLUMNS`; the year one shared
    string (10⁶ members name a handful of years)."""
    task_id, uscc, result_id = ref
    return (kpi.name, shared_text(year), department, task_id or None, uscc or None,
            result_id or None, counted)  # fmt: skip


def _region(index: InspectionIndex, inspection: Any) -> str | None:
    """Where a check was: its results' 行政区划代码, else its task's."""
    found = next((r["region_code"] for r in inspection.results if r.get("region_code")), None)
    return found or (index.tasks.get(inspection.task_id) or {}).get("region_code")


def _region_figures(
    kpis: tuple[Kpi, ...], units: Mapping[str, list[Unit]], settings: Settings
) -> list[Figure]:
    """Each region's totals, when the data covers several (a city site of its counties):
    counted from the region's own units, so the site's figure is never a mean of rates."""
    regions = sorted({u.region for group in units.values() for u in group if u.region})
    if len(regions) < 2:
        return []
    figures: list[Figure] = []
    for kpi in kpis:
        by_region: dict[str, list[Unit]] = defaultdict(list)
        for unit in units[kpi.computes]:
            if unit.region and _counts(kpi, unit):
                by_region[unit.region].append(unit)
        for region in regions:
            counted = by_region.get(region, [])
            if kpi.computes == "coverage":
                figures += _coverage(kpi, counted, settings, {}, [], region)
                continue
            figures += [replace(f, region=region) for f in _count_figures(kpi, counted)
                        if f.department == TOTAL]  # fmt: skip
    return figures


def _entity_type(inspection: Any) -> str | None:
    return next((r["entity_type"] for r in inspection.results if r.get("entity_type")), None)


def _counts(kpi: Kpi, unit: Unit) -> bool:
    """Whether a definition's scope takes the unit."""
    return (
        (not kpi.years or unit.day.year in kpi.years)
        and (kpi.joint is None or unit.joint == kpi.joint)
        and (not kpi.departments or kpi.departments in unit.department)
        and (not kpi.entity_types or unit.entity in kpi.entity_types)
    )


def _count_figures(kpi: Kpi, units: list[Unit]) -> list[Figure]:
    """Sum counting units into year and month figures, per department and in total.

    :data:`UNKNOWN` units count nowhere; a period with nothing but them is 无法计算 (no
    denominator)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    periods_of: dict[dt.date, list[str]] = {}  # units share days: format each day once
    for unit in units:
        day = unit.day
        periods = periods_of.get(day)
        if periods is None:
            periods = [f"{day.year}"] + ([f"{day:%Y-%m}"] if kpi.monthly else [])
            periods_of[day] = periods
        for period in periods:
            for who in (unit.department, TOTAL):
                cell = counts[(who, period)]
                if unit.hit is not UNKNOWN:
                    cell[0] += int(bool(unit.hit))
                    cell[1] += 1
    return [
        Figure(department, period, kpi.name, n, d or None, kpi.target)
        for (department, period), (n, d) in counts.items()
    ]


def _coverage(
    kpi: Kpi,
    units: list[Unit],
    settings: Settings,
    directory_sources: dict[tuple[str, str, str], str],
    members: list[tuple[str | None, ...]],
    region: str = ALL_REGIONS,
) -> list[Figure]:
    """抽查覆盖率: distinct firms among the checked ``units`` (those of the definition's scope,
    and of ``region`` when given) per department and period ÷ the figure the publisher
    declared; undeclared, :data:`MISSING_DENOMINATOR`, never a stand-in. With a ``region``:
    its total only, against its own figure.

    Raises:
        ConfigError: a declared figure is smaller than the firms counted against it.
    """
    firms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in units:
        for period in (f"{unit.day.year}", f"{unit.day:%Y-%m}"):
            for who in (unit.department, TOTAL):
                firms[(who, period)].add(unit.ref[1])
    if region != ALL_REGIONS:
        firms = {key: checked for key, checked in firms.items() if key[0] == TOTAL}
    for (department, period), checked in sorted(firms.items()):
        if department != TOTAL and len(period) == 4:
            members += [
                _member_row(kpi, period, department, ("", uscc, ""), IN_NUMERATOR_ONLY)
                for uscc in sorted(checked)
            ]
    declared = {
        (str(year), department or TOTAL): (size, source)
        for key, year, department, size, source, where in _declared(settings)
        if key == kpi.denominator_key and (where or ALL_REGIONS) == region
    }
    figures = []
    for (department, period), checked in sorted(firms.items()):
        size, source = declared.get((period[:4], department), (None, None))
        note = None
        if size is None:
            note = (
                f"{MISSING_DENOMINATOR}（应申报：{kpi.denominator_label or kpi.denominator_key}）"
            )
        elif len(period) == 4 and len(checked) > size:
            raise ConfigError(
                f"gongkai.yml 中 denominators 的 {kpi.denominator_key}（{period} 年，{department}）"
                f"申报为 {size}，少于数据中被检查的 {len(checked)} 户；请核对申报的数字"
            )
        if len(period) == 4 and region == ALL_REGIONS:
            directory_sources[(department, period, kpi.name)] = source or MISSING_DENOMINATOR
        figures.append(
            Figure(department, period, kpi.name, len(checked), size, kpi.target, note, region)
        )
    return figures


def _declared(settings: Settings) -> list[tuple[str, int, str | None, int, str, str | None]]:
    """The declared denominators, ``directory_sizes`` among them as the default coverage's."""
    legacy = [("directory", y, d, n, DECLARED_SOURCE, None) for y, d, n in settings.directory_sizes]
    return [*legacy, *settings.denominators]
