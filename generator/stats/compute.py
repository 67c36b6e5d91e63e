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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.errors import ConfigError
from generator.core.settings import Settings, load_settings
from generator.core.workdays import WorkCalendar, load_calendar
from generator.stats.burden import burden
from generator.stats.deadlines import Deadlines, unmatched_list
from generator.stats.duties import progress
from generator.stats.figures import (
    DECLARED_SOURCE,
    KPIS,
    TOTAL,
    UNKNOWN,
    Figure,
    Kpi,
    Statistics,
    Unknown,
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
    targets = _targets(settings)
    deadlines = Deadlines(tables.get("results", []), as_of, calendar, strict)
    index = InspectionIndex(tables, held_back or {}, draws)
    for inspection in index.inspections.values():
        deadlines.due_on(inspection)  # marks those whose deadline has no calendar
    units: dict[str, list[tuple[str, dt.date, bool | Unknown]]] = {
        "credit_risk_rating_use": [], "joint_check_share": [], "plan_completion": [],
        "publication_rate": [], "timely_publication_rate": [], "disposal_timeliness": [],
        "joint_enterprise_share": [], "problem_rate": [],
    }  # fmt: skip
    for task_id, task in index.tasks.items():
        day = index.task_day(task_id)
        if day is None:
            continue
        department = index.task_department(task)
        units["credit_risk_rating_use"].append((department, day, index.stratified(task_id)))
        units["joint_check_share"].append((department, day, index.joint(task_id)))
        units["plan_completion"].append((department, day, index.done(task_id, day.year)))
    for inspection in index.inspections.values():
        day = inspection.day
        if day is None:
            continue
        department = inspection.department
        published = inspection.published
        due = published or deadlines.overdue(inspection)
        unknown = inspection.no_calendar and not published and not inspection.held
        if due or unknown:
            units["publication_rate"].append((department, day, UNKNOWN if unknown else published))
        if inspection.checked:
            if due or unknown:
                timely = UNKNOWN if unknown else deadlines.timely(inspection)
                units["timely_publication_rate"].append((department, day, timely))
            units["joint_enterprise_share"].append((department, day, inspection.joint))
            units["problem_rate"].append((department, day, index.problem(inspection)))
            for result in inspection.results:
                disposal = deadlines.disposal_unit(inspection, result)
                if disposal is not None:
                    units["disposal_timeliness"].append((department, day, disposal))
    directory_sources: dict[tuple[str, str], str] = {}
    figures = _coverage(index, settings, targets, directory_sources)
    for kpi in KPIS:
        if kpi.name in units:
            figures += _count_figures(kpi, units[kpi.name], targets[kpi.name])
    figures.sort(key=_figure_order)
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


def _targets(settings: Settings) -> dict[str, float | None]:
    targets = {k.name: k.target for k in KPIS}
    for name, value in settings.kpi_targets:
        if name not in targets:
            known = "、".join(targets)
            raise ConfigError(
                f"gongkai.yml 中 kpi_targets 的指标 {name} 无法识别；可用的指标：{known}"
            )
        targets[name] = value
    return targets


def _count_figures(
    kpi: Kpi, units: list[tuple[str, dt.date, bool | Unknown]], target: float | None
) -> list[Figure]:
    """Sum counting units into year and month figures, per department and in total.

    :data:`UNKNOWN` units count nowhere; a period with nothing but them is 无法计算 (no
    denominator)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for department, day, hit in units:
        periods = [f"{day.year}"] + ([f"{day:%Y-%m}"] if kpi.monthly else [])
        for period in periods:
            for who in (department, TOTAL):
                cell = counts[(who, period)]
                if hit is not UNKNOWN:
                    cell[0] += int(bool(hit))
                    cell[1] += 1
    return [
        Figure(department, period, kpi.name, n, d or None, target)
        for (department, period), (n, d) in counts.items()
    ]


def _coverage(
    index: InspectionIndex,
    settings: Settings,
    targets: Mapping[str, float | None],
    directory_sources: dict[tuple[str, str], str],
) -> list[Figure]:
    """抽查覆盖率: distinct enterprises checked per department and period ÷ directory size."""
    firms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for inspection in index.inspections.values():
        day = inspection.inspected_on
        if day is None:
            continue
        for period in (f"{day.year}", f"{day:%Y-%m}"):
            for who in (inspection.department, TOTAL):
                firms[(who, period)].add(inspection.uscc)
    declared = {
        (str(year), department or TOTAL): size
        for year, department, size in settings.directory_sizes
    }
    populations = index.populations()
    figures = []
    for (department, period), checked in firms.items():
        year = period[:4]
        size = declared.get((year, department))
        source = DECLARED_SOURCE
        if size is None and (department, year) in populations:
            # Draws of one year mostly reuse overlapping directories: their sum counts a
            # firm many times. The largest one is the floor, unless fewer than were checked.
            largest, total = populations[(department, year)]
            if len(firms[(department, year)]) <= largest:
                size, source = largest, "抽取记录中最大的名录库"
            else:
                size, source = total, "抽取记录中各名录库之和"
        if size is None:
            source = "未知"
        directory_sources[(department, year)] = source
        figures.append(
            Figure(department, period, "coverage", len(checked), size, targets["coverage"])
        )
    return figures


def _figure_order(figure: Figure) -> tuple[Any, ...]:
    order = {k.name: n for n, k in enumerate(KPIS)}
    return (figure.department != TOTAL, figure.department, figure.period, order[figure.kpi])
