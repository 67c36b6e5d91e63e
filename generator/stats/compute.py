"""The figures the regulations hold departments to: KPIs, reconciliation and inspection burden.

Everything is computed from the validated tables (``Report.tables``), including the
internal credit-risk class, which is only ever *counted*: no per-firm class leaves this
module. The published outputs are :meth:`Statistics.rows` (``data/statistics.csv``), the
逾期未公示 list, the burden and risk-class aggregates and the monthly report figures.

Units of counting, chosen so that every figure can be checked by hand:

* a **检查户次** (``Inspection``) is one enterprise in one task: drawn, checked (it has
  results) and published (one of its results has a 公示日期);
* a **task** belongs to its lead department (``lead_department``), a checked enterprise to
  the lead department of its task (else the result's 检查实施机关), so every count belongs
  to one department and the totals are the sums over departments;
* the **date** of an inspection is its latest 检查完成日期, or, when it was never checked,
  the task's end (检查日期至), else the draw; a task's date is its draw, else its start.

Deadlines are :data:`DEADLINE_WORKDAYS` working days (:mod:`generator.core.workdays`), counted
from the day after the check; a deadline still open on the data's "as of" date is pending
and counts in no denominator.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.errors import ConfigError
from generator.core.schemas import load_outcomes, normalise_value_key
from generator.core.settings import Settings, load_settings
from generator.core.workdays import (
    HOLIDAY_FOLDER,
    PACKAGE_YEARS,
    MissingCalendar,
    WorkCalendar,
    load_calendar,
)
from generator.model.entities import Model

if TYPE_CHECKING:
    from generator.validate.folder import Report

TOTAL = "全部部门"
"""The ``department`` of the rows that cover every department."""
DEADLINE_WORKDAYS = 20
"""Working days allowed to publish a result and to enter a follow-up disposal."""
PLAN_DEADLINE = (12, 20)
"""Month and day by which every planned task must be done (忻州市 2024)."""
RISK_CLASSES = ("A", "B", "C", "D")
RISK_CLASS_NAMES = {"A": "低风险", "B": "一般风险", "C": "较高风险", "D": "高风险"}
SMALL_CELL = 3
"""Risk-class aggregates below this many enterprises are shown as ``<3``, so that no
single firm's class can be inferred from a table."""
PENDING_OUTCOME = "发现问题待后续处理"
NO_DISPOSAL = "无需处置"
UNKNOWN_DEPARTMENT = "未注明部门"
DECLARED_SOURCE = "发布机关申报的年初企业数"
"""Where a coverage denominator came from when ``directory_sizes`` in gongkai.yml gave it."""
STRATIFIED = "分层"
"""The risk-class row of firms drawn by a verifiable stratified draw: which stratum holds
which class is sealed in the commitment (``strata_map_sha256``), so their class is unknown."""
TARGETS_KIND = "检查对象"
CALENDAR_KPIS = ("publication_rate", "timely_publication_rate", "disposal_timeliness")
"""The KPIs that count working days, so need a calendar of every year they touch."""


class _Unknown:
    """A counting unit that cannot be decided (its year has no calendar): 无法计算."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Kpi:
    """One indicator: its name, Chinese title, formula in words and seed target."""

    name: str
    title: str
    numerator: str
    denominator: str
    formula: str
    target: float | None
    target_source: str
    monthly: bool = True
    additive: bool = True
    """Whether numerator and denominator of the total are the sums over departments."""


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "coverage",
        "抽查覆盖率",
        "被检查的市场主体（去重）",
        "检查对象名录库规模",
        "本期被检查过的不同市场主体数 ÷ 检查对象名录库的主体数（发布机关申报的年初企业数；"
        "未申报时取本年各次抽取所用名录库中最大的一个，因为各次抽取的名录库多有"
        "重叠；只有被检查的主体多于最大的名录库时，才取各名录库（按名录摘要去重）之和）",
        0.05,
        "长安区2024年方案：不低于上年底企业数的5%；忻州市2024年：不低于3%",
        additive=False,
    ),
    Kpi(
        "credit_risk_rating_use",
        "信用风险分类结果运用率",
        "按信用风险分类抽取的任务",
        "抽查任务",
        "抽取时运用了信用风险分类的任务数 ÷ 抽查任务数。运用了分类：任务规定了分类抽查比例，"
        "或抽取记录中每个被抽中的检查对象都标注了信用风险分类，或任务的可验证抽取（检查对象）"
        "分了不止一层",
        1.0,
        "长安区：100%；忻州市：不低于95%；山西省部门联合抽查：不低于90%",
    ),
    Kpi(
        "publication_rate",
        "抽查结果公示率",
        "已公示的检查户次",
        "应公示的检查户次",
        "全部检查结果都已公示的检查户次 ÷ 应公示的检查户次。应公示：已公示，或检查完成（未检查的"
        "按任务结束日）后已超过20个工作日；只公示了部分检查结果的户次不算已公示",
        1.0,
        "忻州市2024年：抽查检查结果公示率达100%",
    ),
    Kpi(
        "timely_publication_rate",
        "及时公示率",
        "20个工作日内公示的检查户次",
        "应公示的已检查户次",
        "检查完成后20个工作日内（按国家法定节假日和调休计算）公示了全部检查结果的检查户次 ÷ "
        "已检查且应公示的检查户次",
        1.0,
        "检查结果应及时公示（国发〔2019〕5号）；本站按20个工作日计",
    ),
    Kpi(
        "disposal_timeliness",
        "后续处置及时率",
        "20个工作日内录入的后续处置",
        "应录入的后续处置",
        "检查完成后20个工作日内录入了处置日期的检查结果 ÷ 需要后续处置的检查结果（有后续处置，"
        "或结果为“发现问题待后续处理”；期限未到且尚未录入的不计）",
        1.0,
        "长安区：后续处置信息产生后20个工作日内录入",
    ),
    Kpi(
        "joint_check_share",
        "部门联合抽查占比（次数）",
        "部门联合抽查任务",
        "抽查任务",
        "部门联合抽查的任务数 ÷ 抽查任务数。联合：任务有联合部门，或所属计划为部门联合计划",
        1.0,
        "长安区：联合抽查次数占比100%",
    ),
    Kpi(
        "joint_enterprise_share",
        "部门联合抽查占比（户数）",
        "联合抽查的检查户次",
        "检查户次",
        "部门联合抽查任务中被检查的户次 ÷ 全部被检查的户次",
        1.0,
        "长安区：联合抽查户数占比100%",
    ),
    Kpi(
        "problem_rate",
        "问题发现率",
        "发现问题的检查户次",
        "检查户次",
        "至少一项检查结果为发现问题的检查户次 ÷ 被检查的户次",
        None,
        "各方案要求提升问题发现率，未定数值目标",
    ),
    Kpi(
        "plan_completion",
        "计划完成率",
        "12月20日前完成的任务",
        "计划的抽查任务",
        "12月20日前（含）检查完全部抽中对象的任务数 ÷ 本年度的抽查任务数（未抽取的任务按已有"
        "检查结果判断）",
        1.0,
        "忻州市2024年：各项抽查任务应于12月20日前全部完成",
        monthly=False,
    ),
)
"""Every indicator, in the order the 统计 page and ``statistics.csv`` list them."""

KPI_BY_NAME = {k.name: k for k in KPIS}

STATISTICS_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("department", "部门", "string", f"任务的牵头部门；“{TOTAL}”为全部部门合计。"),
    ("period", "统计期", "string", "年度（2024）或月份（2024-05）。"),
    ("kpi", "指标", "string", "指标的英文名，含义见下表。"),
    ("numerator", "分子", "integer", "指标公式的分子。"),
    ("denominator", "分母", "integer", "指标公式的分母；为空表示无法计算。"),
    (
        "value",
        "指标值",
        "number",
        "分子 ÷ 分母，0 到 1 之间，保留 4 位小数；分母为 0 或未知时为空。",
    ),
    ("target", "目标值", "number", "文件要求的目标（0 到 1）；为空表示无数值目标。"),
)
"""Columns of ``statistics.csv``: (name, Chinese title, Table Schema type, description)."""


# Records


@dataclass(frozen=True)
class Figure:
    """One row of ``statistics.csv``."""

    department: str
    period: str
    kpi: str
    numerator: int
    denominator: int | None
    target: float | None

    @property
    def value(self) -> float | None:
        """numerator ÷ denominator, or ``None`` when the denominator is 0 or unknown."""
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    def row(self) -> dict[str, Any]:
        """The CSV row: ``value`` rounded to 4 decimals."""
        value = self.value
        return {
            "department": self.department,
            "period": self.period,
            "kpi": self.kpi,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else round(value, 4),
            "target": self.target,
        }


@dataclass
class Inspection:
    """One enterprise in one task (检查户次): drawn, checked, published."""

    task_id: str
    uscc: str
    department: str
    entity_name: str
    task_name: str
    drawn: bool = False
    drawn_at: str | None = None
    risk_class: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    joint: bool = False
    task_end: str | None = None
    held: str | None = None
    """``withheld`` or ``quarantined`` when results rows of it were not published."""
    stratified_draw: bool = False
    """Drawn by a verifiable draw of more than one stratum (its class stays unknown)."""
    no_calendar: bool = False
    """Its deadline could not be computed: a year it touches has no calendar."""

    @property
    def checked(self) -> bool:
        """Whether it has a result."""
        return bool(self.results)

    @property
    def inspected_on(self) -> dt.date | None:
        """The latest 检查完成日期 of its results."""
        days = [r["inspected_on"] for r in self.results if r.get("inspected_on")]
        return dt.date.fromisoformat(max(days)) if days else None

    @property
    def published_on(self) -> dt.date | None:
        """The earliest 公示日期 of its results (when it first appeared: the 月报表's month)."""
        days = [r["published_on"] for r in self.results if r.get("published_on")]
        return dt.date.fromisoformat(min(days)) if days else None

    @property
    def published(self) -> bool:
        """Whether every one of its results has a 公示日期: a result left unpublished beside a
        published one is still a result due (公示率, 逾期未公示)."""
        return bool(self.results) and all(r.get("published_on") for r in self.results)

    @property
    def day(self) -> dt.date | None:
        """Its date: the check, else the task's end, else the draw."""
        for value in (self.inspected_on, self.task_end, (self.drawn_at or "")[:10]):
            if isinstance(value, dt.date):
                return value
            if value:
                return dt.date.fromisoformat(value)
        return None


@dataclass
class Statistics:
    """Everything the 统计 pages, ``statistics.csv`` and the monthly report show."""

    as_of: str | None
    figures: list[Figure]
    overdue: list[dict[str, Any]]
    """逾期未公示: drawn or checked enterprises with no published result after the deadline."""
    unmatched: list[dict[str, Any]]
    """Checked enterprises that match no draw of their task."""
    reconciliation: list[dict[str, Any]]
    burden: dict[str, list[dict[str, Any]]]
    risk_classes: list[dict[str, Any]]
    monthly: dict[str, dict[str, dict[str, Any]]]
    """Month → department (and :data:`TOTAL`) → the 月报表 figures."""
    directory_sources: dict[tuple[str, str], str]
    """(department, year) → where the coverage denominator came from."""
    warnings: list[str] = field(default_factory=list)
    """Why some figures could not be computed (years without a calendar), in Chinese."""

    def rows(self) -> list[dict[str, Any]]:
        """``statistics.csv`` rows, sorted by department (total first), period and KPI order."""
        return [f.row() for f in self.figures]

    def figure(self, department: str, period: str, kpi: str) -> Figure | None:
        """One figure, or ``None``."""
        return self._index.get((department, period, kpi))

    @property
    def _index(self) -> dict[tuple[str, str, str], Figure]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {(f.department, f.period, f.kpi): f for f in self.figures}
            self.__dict__["_cache"] = cache
        return cache

    @property
    def departments(self) -> list[str]:
        """Every department with a figure, sorted, the total first."""
        names = sorted({f.department for f in self.figures} - {TOTAL})
        return [TOTAL, *names] if self.figures else []

    @property
    def years(self) -> list[str]:
        """Every year with figures, ascending."""
        return sorted({f.period for f in self.figures if len(f.period) == 4})

    @property
    def months(self) -> list[str]:
        """Every month with figures, ascending."""
        return sorted({f.period for f in self.figures if len(f.period) == 7})


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
            :meth:`_Context.attribute_broken_codes`.
        draws: Verifiable draws (:func:`generator.draws.commitment.load_draws`): a task whose draw of
            检查对象 has more than one stratum used the risk classes.
        strict: Raise when a year has no calendar. Otherwise the units touching such a year
            count in no working-day KPI (无法计算), and ``Statistics.warnings`` says so.

    Raises:
        ConfigError: a target names an unknown KPI, or (``strict``) a year has no calendar;
            the message names the row.
    """
    settings = settings or Settings()
    targets = _targets(settings)
    context = _Context(tables, as_of, calendar, held_back or {}, draws, strict)
    units: dict[str, list[tuple[str, dt.date, bool | _Unknown]]] = {
        "credit_risk_rating_use": [], "joint_check_share": [], "plan_completion": [],
        "publication_rate": [], "timely_publication_rate": [], "disposal_timeliness": [],
        "joint_enterprise_share": [], "problem_rate": [],
    }  # fmt: skip
    for task_id, task in context.tasks.items():
        day = context.task_day(task_id)
        if day is None:
            continue
        department = context.task_department(task)
        units["credit_risk_rating_use"].append((department, day, context.stratified(task_id)))
        units["joint_check_share"].append((department, day, context.joint(task_id)))
        units["plan_completion"].append((department, day, context.done(task_id, day.year)))
    for inspection in context.inspections.values():
        day = inspection.day
        if day is None:
            continue
        department = inspection.department
        published = inspection.published
        due = published or context.overdue(inspection)
        unknown = inspection.no_calendar and not published and not inspection.held
        if due or unknown:
            units["publication_rate"].append((department, day, UNKNOWN if unknown else published))
        if inspection.checked:
            if due or unknown:
                timely = UNKNOWN if unknown else context.timely(inspection)
                units["timely_publication_rate"].append((department, day, timely))
            units["joint_enterprise_share"].append((department, day, inspection.joint))
            units["problem_rate"].append((department, day, context.problem(inspection)))
            for result in inspection.results:
                disposal = context.disposal_unit(inspection, result)
                if disposal is not None:
                    units["disposal_timeliness"].append((department, day, disposal))
    figures = _coverage(context, settings, targets)
    for kpi in KPIS:
        if kpi.name in units:
            figures += _count_figures(kpi, units[kpi.name], targets[kpi.name])
    figures.sort(key=_figure_order)
    return Statistics(
        as_of=_iso(context.as_of),
        figures=figures,
        overdue=context.overdue_list(),
        unmatched=context.unmatched_list(),
        reconciliation=context.reconciliation(),
        burden=context.burden(),
        risk_classes=context.risk_class_table(),
        monthly=context.monthly(),
        directory_sources=context.directory_sources,
        warnings=context.warnings(),
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
    and its verifiable draws (:func:`generator.draws.commitment.load_draws`, which the caller
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
    kpi: Kpi, units: list[tuple[str, dt.date, bool | _Unknown]], target: float | None
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
    context: _Context, settings: Settings, targets: Mapping[str, float | None]
) -> list[Figure]:
    """抽查覆盖率: distinct enterprises checked per department and period ÷ directory size."""
    firms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for inspection in context.inspections.values():
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
    populations = context.populations()
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
        context.directory_sources[(department, year)] = source
        figures.append(
            Figure(department, period, "coverage", len(checked), size, targets["coverage"])
        )
    return figures


def _figure_order(figure: Figure) -> tuple[Any, ...]:
    order = {k.name: n for n, k in enumerate(KPIS)}
    return (figure.department != TOTAL, figure.department, figure.period, order[figure.kpi])


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


class _Context:
    """The tables joined into tasks and inspections, with the rules applied to them."""

    def __init__(
        self,
        tables: Mapping[str, list[dict[str, Any]]],
        as_of: str | None,
        calendar: WorkCalendar,
        held_back: Mapping[tuple[str, str], str],
        draws: Iterable[Mapping[str, Any]] = (),
        strict: bool = True,
    ) -> None:
        self.calendar = calendar
        self.strict = strict
        self.missing: dict[int, set[tuple[str, str]]] = defaultdict(set)
        """Year without a calendar → the inspections it left out."""
        self.as_of_note: str | None = None
        self.as_of = self._checked_as_of(tables.get("results", []), _date(as_of))
        self.problems = {
            normalise_value_key(o.outcome): o.problem for o in load_outcomes().values()
        }
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
        self.directory_sources: dict[tuple[str, str], str] = {}
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
        for inspection in self.inspections.values():
            self.due_on(inspection)  # marks those whose deadline has no calendar

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
            for day in (_date(r.get("published_on")), _date(r.get("inspected_on")))
            if day is not None and day < as_of and self.calendar.covers(day.year)
        ]
        latest = max(days, default=None)
        self.as_of_note = (
            f"数据中最晚的日期 {as_of.isoformat()}（{where}）所在的 {as_of.year} "
            f"年没有节假日安排，逾期与否按 {_iso(latest) or '（无）'} 判断"
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
                    f"（日期 {_iso(inspection.day) or '不详'}）"
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
            return _date(min(drawn))
        task = self.tasks[task_id]
        if task.get("start"):
            return _date(task["start"])
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
        inspections = self._task_inspections(task_id)
        drawn = [i for i in inspections if i.drawn]
        required = drawn or [i for i in inspections if i.checked]
        # A withheld or quarantined result was made, though its date is not known here.
        return bool(required) and all(
            i.held or (i.inspected_on is not None and i.inspected_on <= deadline) for i in required
        )

    def _task_inspections(self, task_id: str) -> list[Inspection]:
        by_task = self.__dict__.get("_by_task")
        if by_task is None:
            by_task = defaultdict(list)
            for inspection in self.inspections.values():
                by_task[inspection.task_id].append(inspection)
            self.__dict__["_by_task"] = by_task
        return by_task.get(task_id, [])

    # Inspections

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

    def timely(self, inspection: Inspection) -> bool | _Unknown:
        return self._guarded(inspection, self._timely, inspection)

    def _timely(self, inspection: Inspection) -> bool:
        for result in inspection.results:
            checked, published = (
                _date(result.get("inspected_on")),
                _date(result.get("published_on")),
            )
            if checked is None or published is None:
                return False
            if not self.calendar.within(checked, published, DEADLINE_WORKDAYS):
                return False
        return bool(inspection.results)

    def problem(self, inspection: Inspection) -> bool:
        return any(self._is_problem(r) for r in inspection.results)

    def _is_problem(self, result: Mapping[str, Any]) -> bool:
        return self.problems.get(normalise_value_key(result.get("outcome") or ""), False)

    def disposal_unit(
        self, inspection: Inspection, result: Mapping[str, Any]
    ) -> bool | _Unknown | None:
        """Whether a result's follow-up was entered in time; ``None`` if it needs none yet."""
        disposal = result.get("disposal")
        needed = (disposal and disposal != NO_DISPOSAL) or result.get("outcome") == PENDING_OUTCOME
        checked = _date(result.get("inspected_on"))
        if not needed or checked is None:
            return None
        deadline = self._guarded(inspection, self.calendar.add_workdays, checked, DEADLINE_WORKDAYS)
        if deadline is UNKNOWN:
            return UNKNOWN
        entered = _date(result.get("disposal_on"))
        if entered is None:
            if self.as_of is None or deadline >= self.as_of:
                return None  # still open
            return False
        return bool(disposal) and entered <= deadline

    # Lists

    def overdue_list(self) -> list[dict[str, Any]]:
        rows = []
        for inspection in self.inspections.values():
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
                    "inspected_on": _iso(inspection.inspected_on),
                    "due_on": _iso(due),
                    "overdue_workdays": None if late is UNKNOWN else late,
                    "reason": _overdue_reason(inspection),
                }
            )
        return sorted(
            rows, key=lambda r: (r["department"], r["due_on"] or "", r["task_id"], r["uscc"])
        )

    def unmatched_list(self) -> list[dict[str, Any]]:
        rows = []
        for inspection in self.inspections.values():
            if inspection.drawn or not inspection.checked or inspection.task_id not in self.draws:
                continue
            rows.append(
                {
                    **_listed(inspection),
                    "inspected_on": _iso(inspection.inspected_on),
                    "published_on": _iso(inspection.published_on),
                    "reason": "检查结果没有对应的抽取记录",
                }
            )
        return sorted(rows, key=lambda r: (r["department"], r["task_id"], r["uscc"]))

    def reconciliation(self) -> list[dict[str, Any]]:
        """Per department and year: drawn → checked → published, and what is missing."""
        table: dict[tuple[str, str], dict[str, int]] = {}
        for inspection in self.inspections.values():
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
                    not inspection.drawn and inspection.checked and inspection.task_id in self.draws
                )
                row["tasks_without_draw"] += (
                    inspection.checked and inspection.task_id not in self.draws
                )
        return [
            {"department": who, "year": year, **counts}
            for (who, year), counts in sorted(
                table.items(), key=lambda kv: (kv[0][0] != TOTAL, kv[0])
            )
        ]

    # Aggregates

    def populations(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(department, year) → the largest directory its draws used, and the sum of the
        distinct ones (by 名录摘要)."""
        seen: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        for task_id, rows in self.draws.items():
            task = self.tasks.get(task_id)
            day = self.task_day(task_id) if task else _date(rows[0].get("drawn_at"))
            if day is None:
                continue
            department = self.task_department(task) if task else UNKNOWN_DEPARTMENT
            for row in rows:
                size = row.get("population_size")
                if not size:
                    continue
                directory = row.get("population_digest") or f"{task_id}:{size}"
                for who in (department, TOTAL):
                    seen[(who, str(day.year))][directory] = int(size)
        return {key: (max(sizes.values()), sum(sizes.values())) for key, sizes in seen.items()}

    def item_for(self, result: Mapping[str, Any]) -> dict[str, Any] | None:
        """A result's item, by id or else by its name."""
        return self.catalogue.item_for(result.get("item_id")) or self.catalogue.item_for(
            result.get("item")
        )

    def _industry(self, result: Mapping[str, Any]) -> str:
        return (self.item_for(result) or {}).get("industry") or "未注明行业"

    def burden(self) -> dict[str, list[dict[str, Any]]]:
        """无事不扰 aggregates per year, by department and by industry (of the item)."""
        groups: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
            "department": {}, "industry": {}
        }  # fmt: skip
        for inspection in self.inspections.values():
            for result in inspection.results:
                day = _date(result.get("inspected_on"))
                if day is None:
                    continue
                item = result.get("item_id") or normalise_value_key(result.get("item") or "")
                for kind, name in (
                    ("department", inspection.department),
                    ("department", TOTAL),
                    ("industry", self._industry(result)),
                ):
                    group = groups[kind].setdefault(
                        (name, str(day.year)),
                        {"tasks": defaultdict(set), "items": defaultdict(set)},
                    )
                    group["tasks"][inspection.uscc].add(inspection.task_id)
                    group["items"][(inspection.uscc, item)].add(inspection.task_id)
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

    def risk_class_table(self) -> list[dict[str, Any]]:
        """Per year and class: drawn, checked, with problems; only ever aggregates."""
        table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for inspection in self.inspections.values():
            day = inspection.day
            if day is None:
                continue
            risk = inspection.risk_class if inspection.risk_class in RISK_CLASSES else "未分类"
            if risk == "未分类" and inspection.stratified_draw:
                risk = STRATIFIED
            cell = table[(str(day.year), risk)]
            cell[0] += inspection.drawn
            cell[1] += inspection.checked
            cell[2] += self.problem(inspection)
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

    def monthly(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Month → department → the 月报表 二、开展情况 figures."""
        months: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

        def entry(month: str, department: str) -> dict[str, Any]:
            return months[month].setdefault(
                department,
                {"tasks_organised": set(), "tasks_checked": set(), "inspections": 0, "problems": 0,
                 "major_items": set(), "minor_items": set(), "published": 0,
                 "units": defaultdict(lambda: [0, 0])},
            )  # fmt: skip

        for task_id, task in self.tasks.items():
            day = self.task_day(task_id)
            if day is None:
                continue
            for who in (self.task_department(task), TOTAL):
                entry(f"{day:%Y-%m}", who)["tasks_organised"].add(
                    (task.get("name") or task_id, task_id)
                )
        for inspection in self.inspections.values():
            checked = inspection.inspected_on
            authority = next(
                (r["authority"] for r in inspection.results if r.get("authority")),
                inspection.department,
            )
            for who in (inspection.department, TOTAL):
                unit = authority if who != TOTAL else inspection.department
                if checked is not None:
                    data = entry(f"{checked:%Y-%m}", who)
                    data["tasks_checked"].add(inspection.task_id)
                    data["inspections"] += 1
                    data["problems"] += self.problem(inspection)
                    data["units"][unit][0] += 1
                    for result in inspection.results:
                        major, minor = self._item_levels(result)
                        data["major_items"].add(major)
                        data["minor_items"].add(minor)
                published = inspection.published_on
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

    def _item_levels(self, result: Mapping[str, Any]) -> tuple[str, str]:
        """(大项, 小项) of a result's item: the item's name, and its id (sub-item)."""
        item = self.item_for(result)
        if item is None:
            text = normalise_value_key(result.get("item") or "")
            return text, text
        return normalise_value_key(item.get("name") or item["item_id"]), item["item_id"]


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


def _suppressed(count: int) -> int | str:
    return count if count == 0 or count >= SMALL_CELL else f"<{SMALL_CELL}"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
