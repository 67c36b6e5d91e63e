"""What the statistics count and what they return: the constants of the rules, the KPIs and
the result types (:class:`Figure`, :class:`Inspection`, :class:`Statistics`).

The figures themselves are computed by :func:`generator.stats.compute.compute_statistics`;
the pages and the monthly report need only the definitions here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TOTAL = "全部部门"
"""The ``department`` of the rows that cover every department."""
ALL_REGIONS = "全部区划"
"""The ``region`` of the rows that cover the whole site's data."""
DEADLINE_WORKDAYS = 20
"""Working days allowed to publish a result and to enter a follow-up disposal."""
PLAN_DEADLINE = (12, 20)
"""Month and day by which every planned task must be done (忻市监信用〔2024〕47号)."""
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
CALENDAR_KPIS = (
    "publication_rate",
    "timely_publication_rate",
    "entry_timeliness",
    "disposal_timeliness",
    "disposal_entry_timeliness",
)
"""The KPIs that count working days, so need a calendar of every year they touch."""


MET = "按时完成"
LATE = "逾期完成"
PENDING = "待办"
MISSED = "逾期未完成"
UNRECORDED = "未登记"
STATUSES = (MET, LATE, PENDING, MISSED, UNRECORDED)
"""Every status, in the order the 工作进度 page counts them."""


@dataclass(frozen=True)
class Duty:
    """One kind of deadline: what is due, by when (``MM-DD``), and which document says so."""

    key: str
    title: str
    due: tuple[str, ...]
    source: str
    evidence: str
    """Where the day it was done comes from."""
    joint_due: str | None = None


@dataclass(frozen=True)
class DutyRow:
    """One deadline of one plan, task, month or summary, and how it stands."""

    duty: str
    subject: str
    """What is due: a plan's or task's name, a month, a summary's deadline."""
    record: tuple[str, str] | None
    """``("plan", plan_id)``, ``("task", task_id)`` or ``("month", YYYY-MM)`` to link to."""
    department: str
    due_on: str
    done_on: str | None
    status: str


@dataclass(frozen=True)
class Progress:
    """The duties in force, their rows and the duties ``gongkai.yml`` switched off."""

    duties: tuple[Duty, ...] = ()
    rows: tuple[DutyRow, ...] = ()
    disabled: tuple[Duty, ...] = ()

    def counts(self, duty: str) -> Counter[str]:
        """Rows of ``duty`` by status."""
        return Counter(r.status for r in self.rows if r.duty == duty)


class Unknown:
    """A counting unit that cannot be decided (its year has no calendar): 无法计算."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


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
    measure: str | None = None
    """What it counts (a name of :data:`KPIS`); ``None``: its own name. A preset's
    definition (:mod:`generator.stats.definitions`) names a measure and narrows it."""
    document: str | None = None
    """The governing document's 文号, when a preset set this definition."""
    clause: str | None = None
    """The document's sentence that sets the figure, word for word."""
    entity_types: tuple[str, ...] = ()
    """Only checks of these 主体类型 (:func:`entity_class`); empty: every type."""
    joint: bool | None = None
    """Only 部门联合 (``True``) or only single-department (``False``) tasks; ``None``: all."""
    departments: str | None = None
    """Only departments whose name contains this text (e.g. 市场监督管理)."""
    denominator_key: str | None = None
    """Coverage: the declared figure (``denominators`` in gongkai.yml) it divides by."""
    denominator_label: str | None = None
    """What that figure is, in words (e.g. 2023年底企业数量)."""
    years: tuple[int, ...] = ()
    """The years the definition governs; empty: every year."""

    @property
    def computes(self) -> str:
        """The measure counted."""
        return self.measure or self.name

    @property
    def basis(self) -> str:
        """Where the target comes from: the document and clause, else the seeds' summary."""
        if self.document:
            return f"{self.document}：“{self.clause}”" if self.clause else self.document
        return self.target_source


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "coverage",
        "抽查覆盖率",
        "被检查的市场主体（去重）",
        "检查对象名录库规模",
        "本期被检查过的不同市场主体数 ÷ 发布机关申报的名录库规模（如年初企业数）；未申报的"
        "不计算（分母未申报），不以抽取所用的名录库代替",
        None,
        "长双随机办〔2024〕3号（不低于上年底企业数量的5%）和忻市监信用〔2024〕47号（企业覆盖率不低于3%）"
        "只考核企业；这里统计全部市场主体，与两者的口径都不同，所以不评判是否达标，按文件口径的企业"
        "覆盖率见所选的考核文件",
        additive=False,
        denominator_key="directory",
        denominator_label="检查对象名录库规模（如年初企业数）",
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
        "长双随机办〔2024〕3号：100%",
        document="长双随机办〔2024〕3号",
        clause="运用信用风险分级分类开展的抽查数量占比要达到本地总抽查数的100%",
    ),
    Kpi(
        "publication_rate",
        "抽查结果公示率",
        "已公示的检查户次",
        "应公示的检查户次",
        "全部检查结果都已公示的检查户次 ÷ 应公示的检查户次。应公示：已公示，或检查完成（未检查的"
        "按任务结束日）后已超过20个工作日；只公示了部分检查结果的户次不算已公示",
        1.0,
        "抽查检查结果公示率达100%",
        document="《山西省2025年“双随机、一公开”监管工作实施方案》",
        clause="将抽查检查结果及时全量录入监管平台，通过国家企业信用信息公示系统或门户网站进行公开",
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
        document="《山西省2025年“双随机、一公开”监管工作实施方案》",
        clause="防止在任务制定、开展检查、结果录入、结果公示等环节出现超时违规现象",
    ),
    Kpi(
        "entry_timeliness",
        "录入及时率",
        "20个工作日内录入的检查结果",
        "应录入的检查结果",
        "检查完成后20个工作日内（按国家法定节假日和调休计算）录入的检查结果 ÷ 应录入的检查结果"
        "（已录入，或检查完成后已超过20个工作日）；数据中没有录入日期的年度无法计算",
        None,
        "忻市监信用〔2024〕47号：“未在规定时间内录入检查结果的，视为未完成检查任务”（未定数值目标）",
    ),
    Kpi(
        "disposal_timeliness",
        "后续处置及时率",
        "20个工作日内录入的后续处置",
        "应录入的后续处置",
        "检查完成后20个工作日内录入了处置日期的检查结果 ÷ 需要后续处置的检查结果（有后续处置，"
        "或结果为“发现问题待后续处理”；期限未到且尚未录入的不计）",
        None,
        "从检查完成起算，是本站的口径；长双随机办〔2024〕3号从后续处置信息产生起算，见“后续处置录入"
        "及时率”，所以这里不评判是否达标",
    ),
    Kpi(
        "disposal_entry_timeliness",
        "后续处置录入及时率",
        "20个工作日内录入的后续处置",
        "应录入的后续处置",
        "后续处置信息产生（处置日期）后20个工作日内录入（后续处置录入日期）的检查结果 ÷ 应录入的"
        "（已录入，或处置后已超过20个工作日）；数据中没有后续处置录入日期的年度无法计算",
        None,
        "长双随机办〔2024〕3号：后续处置信息产生后20个工作日内录入（未定数值目标）",
    ),
    Kpi(
        "joint_check_share",
        "部门联合抽查占比（次数）",
        "部门联合抽查任务",
        "抽查任务",
        "部门联合抽查的任务数 ÷ 抽查任务数。联合：任务有联合部门，或所属计划为部门联合计划",
        1.0,
        "联合抽查次数占比100%",
        document="长双随机办〔2024〕3号",
        clause="除特殊情况外，联合抽查次数占比、户数占比均实现100%",
    ),
    Kpi(
        "joint_enterprise_share",
        "部门联合抽查占比（户数）",
        "联合抽查的检查户次",
        "检查户次",
        "部门联合抽查任务中被检查的户次 ÷ 全部被检查的户次",
        1.0,
        "联合抽查户数占比100%",
        document="长双随机办〔2024〕3号",
        clause="除特殊情况外，联合抽查次数占比、户数占比均实现100%",
    ),
    Kpi(
        "problem_rate",
        "问题发现率",
        "发现问题的检查户次",
        "检查户次",
        "至少一项检查结果为发现问题的检查户次 ÷ 被检查的户次（一个检查事项有多个检查结果时，"
        "任一检查结果属于发现问题即计为发现问题）",
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
        "各项抽查任务应于12月20日前全部完成",
        monthly=False,
        document="忻市监信用〔2024〕47号",
        clause="纳入《年度抽查计划》的各项抽查任务应于12月20日前全部完成",
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
    ("note", "说明", "string", "没有指标值的原因，如“分母未申报”及应申报的数字。"),
    ("region", "行政区划", "string", f"六位行政区划代码；“{ALL_REGIONS}”为本站全部数据（不是各区划指标值的平均）。"),
    ("title", "指标名称", "string", "指标的中文名称，按所依据文件的说法。"),
    (
        "basis",
        "依据",
        "string",
        "规定该指标的文件（文号）和原文；未选用考核文件时为各地文件的概括。",
    ),
)
"""Columns of ``statistics.csv``: (name, Chinese title, Table Schema type, description)."""


FIGURES: tuple[tuple[str, str, str], ...] = (
    ("checks", "本月随机抽查次数、数量", "次数（抽查任务）"),
    ("inspections", "本月随机抽查次数、数量", "数量（检查户次）"),
    ("problems", "发现问题的检查主体数量", "户次"),
    ("major_items", "随机抽查的检查事项", "大项"),
    ("minor_items", "随机抽查的检查事项", "小项"),
    ("published", "随机抽查结果公示数量及网站", "公示数量（户次）"),
)
"""The counted figures of item 4 of the 月报表 (:mod:`generator.stats.monthly`): (key in
``Statistics.monthly``, form label, sub-label)."""


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
    note: str | None = None
    """Why there is no value, e.g. 分母未申报（应申报：2023年底企业数量）."""
    region: str = ALL_REGIONS
    """The 行政区划代码 it covers, or :data:`ALL_REGIONS` (the whole site's data)."""

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
            "note": self.note,
            "region": self.region,
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
    directory_sources: dict[tuple[str, str, str], str]
    """(department, year, coverage definition) → where its denominator came from."""
    warnings: list[str] = field(default_factory=list)
    """Why some figures could not be computed (years without a calendar), in Chinese."""
    progress: Progress = field(default_factory=lambda: Progress())
    """The publisher's own deadlines (工作进度, :mod:`generator.stats.duties`)."""
    kpis: tuple[Kpi, ...] = ()
    """The definitions the figures follow (:func:`generator.stats.definitions.definitions`)."""
    members: list[tuple[str | None, ...]] = field(default_factory=list)
    """What each yearly figure counted: one row per task, firm or result and figure, its
    values in :data:`MEMBER_COLUMNS` order (tuples: a province has millions of them)."""

    def rows(self) -> list[dict[str, Any]]:
        """``statistics.csv`` rows, sorted by department (total first), period and KPI order,
        each with its definition's title and basis (document and clause)."""
        kpis = {k.name: k for k in self.kpis}
        rows = []
        for figure in self.figures:
            row, kpi = figure.row(), kpis.get(figure.kpi)
            rows.append(
                {**row, "title": kpi.title if kpi else None, "basis": kpi.basis if kpi else None}
            )
        return rows

    def figure(
        self, department: str, period: str, kpi: str, region: str = ALL_REGIONS
    ) -> Figure | None:
        """One figure, or ``None``."""
        return self._index.get((department, period, kpi, region))

    @property
    def _index(self) -> dict[tuple[str, str, str, str], Figure]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {(f.department, f.period, f.kpi, f.region): f for f in self.figures}
            self.__dict__["_cache"] = cache
        return cache

    @property
    def departments(self) -> list[str]:
        """Every department with a figure, sorted, the total first."""
        names = sorted({f.department for f in self.figures} - {TOTAL})
        return [TOTAL, *names] if self.figures else []

    @property
    def regions(self) -> list[str]:
        """Every region code with figures of its own (only when the data has several)."""
        return sorted({f.region for f in self.figures} - {ALL_REGIONS})

    @property
    def years(self) -> list[str]:
        """Every year with figures, ascending."""
        return sorted({f.period for f in self.figures if len(f.period) == 4})

    @property
    def months(self) -> list[str]:
        """Every month with figures, ascending."""
        return sorted({f.period for f in self.figures if len(f.period) == 7})


MISSING_DENOMINATOR = "分母未申报"
IN_NUMERATOR, IN_DENOMINATOR, UNCOUNTED = "计入分子和分母", "仅计入分母", "无法计算"
IN_NUMERATOR_ONLY = "计入分子（分母为申报的数字）"
"""How a member counted in its figure (``statistics_members.csv``)."""


MEMBER_COLUMNS = ("kpi", "period", "department", "task_id", "uscc", "result_id", "counted")
"""The columns of :attr:`Statistics.members` (``statistics_members.csv``)."""
ENTITY_CLASSES = {"91": "企业", "92": "个体工商户", "93": "农民专业合作社"}
"""GB 32100: 登记管理部门码 9 (工商) with 机构类别码 1 企业, 2 个体工商户, 3 农民专业合作社."""


def entity_class(entity_type: str | None, uscc: str) -> str | None:
    """A checked firm's 主体类型 as exported, else as its credit code's first two characters say."""
    return entity_type or ENTITY_CLASSES.get(uscc[:2])


def date(value: str | None) -> dt.date | None:
    """The date at the start of an ISO date or timestamp, or ``None``."""
    return dt.date.fromisoformat(value[:10]) if value else None


def iso(day: dt.date | None) -> str | None:
    """``day`` as ``YYYY-MM-DD``, or ``None``."""
    return day.isoformat() if day else None
