"""The 统计 pages, their SVG charts and chart data, and the ``statistics.csv`` download.

* ``statistics/`` (:data:`STATISTICS_PAGE`): every KPI with numerator, denominator, value,
  target and formula, per department and year; the reconciliation drawn → checked →
  published; the public 逾期未公示 list; inspection burden (无事不扰); risk-class aggregates;
  charts drawn here as SVG, each with its data as CSV.
* ``statistics/<YYYY-MM>/`` (:func:`month_page`): the 月报表 figures of that month, the same
  as ``gongkai report monthly`` writes.

Charts are SVG built at build time, no script, no network. Data-driven MkDocs pages may not
contain ``<svg>`` (the allowlist in :mod:`generator.publish.site.sanitize`), so a page carries a marker
paragraph ``GONGKAI-CHART:<name>`` and :func:`inject_charts` puts the SVG in its place
after MkDocs, from the chart files MkDocs copied. Every text in an SVG is XML-escaped here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.core.errors import BuildAbort
from generator.model.entities import Model
from generator.model.identity import record_slug
from generator.publish.data.downloads import DerivedTable
from generator.publish.site.pages import (
    GENERATED_DIR,
    _blocks,
    _count,
    _front_matter,
    _href,
    _Markdown,
    _record_link,
    _root_of,
    _table,
    escape_markdown_cell,
)
from generator.stats.figures import (
    DEADLINE_WORKDAYS,
    FIGURES,
    KPI_BY_NAME,
    KPIS,
    PLAN_DEADLINE,
    RISK_CLASSES,
    STATISTICS_FIELDS,
    TOTAL,
    Statistics,
)

STATISTICS_PAGE = "statistics/index.md"
CHART_FOLDER = "statistics/charts"
"""Chart SVG and CSV files, relative to the generated folder (published under
``generated/statistics/charts/``: MkDocs copies them as they are)."""
STATISTICS_FILE = "statistics.csv"
CHART_MARKER = "GONGKAI-CHART:"
NO_VALUE = "—"
UNCOMPUTABLE = "无法计算"

_MARKER = re.compile(r"<p>" + CHART_MARKER + r"([a-z0-9-]+)</p>")
_CHART_WIDTH = 720
_BAR = 22
_GAP = 10
_LABEL = 230
_COLOURS = ("#c62828", "#1565c0", "#2e7d32", "#6a1b9a")


def month_page(month: str) -> str:
    """The generated file of a month's page, e.g. ``statistics/2024-05.md``."""
    return f"statistics/{month}.md"


def statistics_table(statistics: Statistics) -> DerivedTable:
    """``statistics.csv`` as a derived table for :func:`generator.publish.data.datasets.write_datasets`."""
    fields = [
        {"name": name, "title": title, "type": kind, "description": description}
        for name, title, kind, description in STATISTICS_FIELDS
    ]
    fields[2]["constraints"] = {"required": True, "enum": [k.name for k in KPIS]}
    return DerivedTable(
        name="statistics",
        title="统计指标",
        description="各部门按年度和月份的考核指标：分子、分母、指标值和目标值（由检查结果等计算）。",
        fields=tuple(fields),
        primary_key=("department", "period", "kpi"),
        rows=tuple(statistics.rows()),
    )


def website_label(config_file: Path) -> str:
    """The site's name (and address, when set) from ``mkdocs.yml``, for the 月报表."""
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    return f"{config.site_name}（{config.site_url}）" if config.site_url else str(config.site_name)


# Pages


def render_statistics_pages(statistics: Statistics, model: Model) -> dict[str, str]:
    """The 统计 page, one page per month, and every chart's SVG and CSV.

    Returns:
        Generated files by path relative to ``GENERATED_DIR``.
    """
    files: dict[str, str] = {}
    charts: list[tuple[str, str, str]] = []
    for year in reversed(statistics.years):
        for name, title, svg, data in _year_charts(statistics, year):
            files[f"{CHART_FOLDER}/{name}.svg"] = svg
            files[f"{CHART_FOLDER}/{name}.csv"] = data
            charts.append((year, name, title))
    files[STATISTICS_PAGE] = _render_index(statistics, model, charts)
    for month in statistics.months:
        files[month_page(month)] = _render_month(statistics, model, month)
    return files


def render_statistics_dictionary() -> str:
    """The 数据字典 section of ``statistics.csv``: its columns and every KPI name."""
    fields = [
        (name, title, kind, description) for name, title, kind, description in STATISTICS_FIELDS
    ]
    kpis = [(k.name, k.title, k.formula, _percent(k.target), k.target_source) for k in KPIS]
    return _blocks(
        [
            "## 统计指标（statistics） {#statistics}",
            (
                "由 gongkai 根据检查结果、抽查任务和抽取记录计算，每行是一个部门在一个统计期的一个指标。"
                f"下载文件为 {STATISTICS_FILE}，只有 CSV 格式；计算方法见“统计”页。"
            ),
            _table(("字段名", "中文名", "类型", "说明"), fields, ("left",) * 4),
            "kpi 列的取值：",
            _table(("kpi", "指标", "公式", "目标", "依据"), kpis, ("left",) * 5),
        ]
    ).rstrip("\n")


def _render_index(statistics: Statistics, model: Model, charts: list[tuple[str, str, str]]) -> str:
    root = _root_of(STATISTICS_PAGE)
    csv_link = _Markdown(
        f'<a href="{html.escape(root)}data/{STATISTICS_FILE}">{STATISTICS_FILE}</a>'
    )
    parts = [
        _front_matter(hide=["navigation"]),
        "# 统计",
        (
            "本页按各地“双随机、一公开”工作方案规定的考核指标，逐个部门、逐年、逐月统计本站公示的数据，"
            "并列出每个指标的分子、分母、计算公式和文件要求的目标，供公众和监督部门核对。"
            f"数据截至 {escape_markdown_cell(statistics.as_of) or '暂无'}。"
        ),
        _Markdown(
            f"全部指标可下载为 {csv_link}（列：department, period, kpi, numerator, denominator, "
            "value, target；说明见[数据字典](../open-data/dictionary.md#statistics)）。"
        ),
        (
            f"统计单位：一个市场主体在一个抽查任务中计一个**检查户次**；任务和户次都记在任务的牵头部门名下，"
            f"所以各部门相加等于合计（覆盖率除外：同一主体可能被几个部门检查）。期限按{DEADLINE_WORKDAYS}个工作日计，"
            "工作日按国务院办公厅每年的节假日安排（含调休）计算。"
        ),
    ]
    if statistics.warnings:
        parts.append("**无法计算的指标**")
        parts.append(_bullets(statistics.warnings))
    if not statistics.figures:
        parts.append("暂无可统计的数据。")
        return _blocks(parts)
    for year in reversed(statistics.years):
        parts.append(f"## {year} 年指标 {{#y{year}}}")
        parts.append(_kpi_table(statistics, TOTAL, year))
        for chart_year, name, title in charts:
            if chart_year == year:
                parts += _chart_block(name, title)
        parts.append(f"### {year} 年各部门指标")
        parts.append(_department_table(statistics, year))
    parts += [
        "## 指标定义 {#definitions}",
        _table(
            ("指标", "分子", "分母", "公式", "目标", "依据"),
            [
                (
                    k.title,
                    k.numerator,
                    k.denominator,
                    k.formula,
                    _percent(k.target),
                    k.target_source,
                )
                for k in KPIS
            ],
            ("left",) * 6,
        ),
        *_directory_blocks(statistics),
        *_reconciliation_blocks(statistics),
        *_overdue_blocks(statistics, model, root),
        *_burden_blocks(statistics),
        *_risk_blocks(statistics),
        "## 按月统计 {#months}",
        (
            "每月的数字与长安区“双随机、一公开”月报表第二部分的各项一致，也可以用 "
            "`gongkai report monthly` 直接生成月报表（XLSX，供发布机关报送）。"
        ),
        _table(
            ("月份", "抽查次数", "检查户次", "发现问题户次", "公示户次"),
            [
                (
                    _Markdown(f"[{month}]({month}.md)"),
                    *(
                        _count(statistics.monthly.get(month, {}).get(TOTAL, {}).get(key, 0))
                        for key in ("checks", "inspections", "problems", "published")
                    ),
                )
                for month in statistics.months
            ],
            ("left", "right", "right", "right", "right"),
        ),
    ]
    return _blocks(parts)


def _kpi_table(statistics: Statistics, department: str, period: str) -> str:
    rows = []
    for kpi in KPIS:
        figure = statistics.figure(department, period, kpi.name)
        if figure is None:
            continue
        rows.append(
            (
                kpi.title,
                _count(figure.numerator),
                NO_VALUE if figure.denominator is None else _count(figure.denominator),
                UNCOMPUTABLE if figure.denominator is None else _percent(figure.value),
                _percent(figure.target),
                _period_verdict(statistics, figure),
            )
        )
    if not rows:
        return "本期没有可统计的数据。"
    return _table(
        ("指标", "分子", "分母", "指标值", "目标", "是否达标"),
        rows,
        ("left", "right", "right", "right", "right", "left"),
    )


def _department_table(statistics: Statistics, period: str) -> str:
    rows = []
    for department in statistics.departments:
        if department == TOTAL:
            continue
        cells: list[object] = [department]
        for kpi in KPIS:
            figure = statistics.figure(department, period, kpi.name)
            cells.append(
                NO_VALUE
                if figure is None
                else UNCOMPUTABLE
                if figure.denominator is None
                else f"{_percent(figure.value)}（{figure.numerator}/{figure.denominator}）"
            )
        rows.append(cells)
    return _table(("部门", *(k.title for k in KPIS)), rows, ("left",) + ("right",) * len(KPIS))


def _directory_blocks(statistics: Statistics) -> list[str]:
    """Where each coverage denominator came from (``Statistics.directory_sources``)."""
    rows = []
    for (department, year), source in sorted(
        statistics.directory_sources.items(), key=lambda kv: (kv[0][1], kv[0][0] != TOTAL, kv[0])
    ):
        figure = statistics.figure(department, year, "coverage")
        size = figure.denominator if figure is not None else None
        rows.append((year, department, NO_VALUE if size is None else _count(size), source))
    return [
        "### 抽查覆盖率的分母 {#directory}",
        (
            "覆盖率的分母是检查对象名录库的主体数。优先取发布机关申报的年初企业数；"
            "未申报时取本年各次抽取所用名录库中最大的一个（各次抽取的名录库多有重叠，相加会"
            "重复计算同一主体，所以这只是名录库规模的下限，覆盖率可能偏高）；被检查的主体多于最大的名录库"
            "时，取各名录库（按名录摘要去重）之和。"
        ),
        _table(("年度", "部门", "名录库规模", "来源"), rows, ("left", "left", "right", "left"))
        if rows
        else "暂无。",
    ]


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {escape_markdown_cell(line)}" for line in lines)


def _chart_block(name: str, title: str) -> list[str]:
    return [
        f"**{escape_markdown_cell(title)}**",
        f"{CHART_MARKER}{name}",
        _Markdown(f"[下载图表数据（CSV）](charts/{name}.csv)"),
    ]


def _reconciliation_blocks(statistics: Statistics) -> list[str]:
    undetermined = any(r.get("undetermined") for r in statistics.reconciliation)
    rows = [
        (
            r["department"], r["year"], _count(r["drawn"]), _count(r["checked"]),
            _count(r["published"]), _count(r["withheld"]), _count(r["quarantined"]),
            _count(r["overdue"]), _count(r["pending"]),
            *((_count(r["undetermined"]),) if undetermined else ()), _count(r["not_drawn"]),
        )
        for r in statistics.reconciliation
    ]  # fmt: skip
    return [
        "## 公示核对：抽中 → 检查 → 公示 {#reconciliation}",
        (
            "每个被抽中的市场主体都应有检查结果并按时公示。下表逐部门核对：抽中的户次中，有检查结果的、"
            "检查结果全部公示的、依法不予公示的、结果数据有误被隔离（见数据质量报告）的、逾期未公示的和期限未到的；"
            "最后一列是有检查结果但抽取记录中没有的户次。统一社会信用代码有误而被隔离的检查结果，"
            "若其代码与本任务某个抽中主体的代码只差一两位，或是 Excel 把该代码变成数字后的样子"
            "（如 9.11409E+17），或本任务只有这一条代码无法辨认的结果和一个未公示的抽中主体，"
            "则视为该主体的结果，计入“数据有误”而不列为逾期。"
        ),
        _table(
            (
                "部门",
                "年度",
                "抽中",
                "已检查",
                "已公示",
                "不予公示",
                "数据有误",
                "逾期未公示",
                "期限未到",
                *(("期限无法计算",) if undetermined else ()),
                "无抽取记录",
            ),
            rows,
            ("left", "left") + ("right",) * (9 if undetermined else 8),
        ),
    ]


def _overdue_blocks(statistics: Statistics, model: Model, root: str) -> list[str]:
    parts = [
        "## 逾期未公示 {#overdue}",
        (
            f"已抽中的市场主体，在检查完成（未检查的按任务结束日）后超过{DEADLINE_WORKDAYS}个工作日，"
            "本站仍没有其公示的检查结果，或只公示了其中一部分；依法不予公示和数据有误待更正的不在此列。"
        ),
    ]
    if statistics.overdue:
        parts.append(
            _table(
                (*_FIRM_HEADERS, "抽取日期", "公示期限", "已逾期（工作日）", "情况"),
                [
                    (
                        *_firm_cells(model, root, r),
                        r["drawn_at"] or NO_VALUE,
                        r["due_on"],
                        _or_dash(r["overdue_workdays"]),
                        r["reason"],
                    )
                    for r in statistics.overdue
                ],
                ("left",) * 6 + ("right", "left"),
            )
        )
    else:
        parts.append("没有逾期未公示的检查结果。")
    parts.append("### 没有对应抽取记录的检查结果 {#unmatched}")
    if statistics.unmatched:
        parts.append(
            _table(
                (*_FIRM_HEADERS, "检查完成日期", "公示日期", "情况"),
                [
                    (
                        *_firm_cells(model, root, r),
                        r["inspected_on"] or NO_VALUE,
                        r["published_on"] or NO_VALUE,
                        r["reason"],
                    )
                    for r in statistics.unmatched
                ],
                ("left",) * 7,
            )
        )
    else:
        parts.append("每条检查结果都能在其任务的抽取记录中找到被检查的主体。")
    return parts


def _burden_blocks(statistics: Statistics) -> list[str]:
    headers = ("年度", "被检查主体", "检查户次", "平均每户检查次数", "被检查两次及以上的主体",
               "单户最多检查次数", "同一事项一年内重复检查")  # fmt: skip

    def rows(kind: str) -> list[tuple[object, ...]]:
        return [
            (r[kind], r["year"], _count(r["enterprises"]), _count(r["checks"]),
             f"{r['checks_per_enterprise']:.2f}", _count(r["checked_twice_or_more"]),
             _count(r["max_checks"]), _count(r["repeated_item_checks"]))
            for r in statistics.burden.get(kind, [])
        ]  # fmt: skip

    align = ("left", "left") + ("right",) * 6
    return [
        "## 检查负担（无事不扰） {#burden}",
        (
            "同一市场主体一年内被检查的次数（按抽查任务计）和同一检查事项在一年内被不同任务重复检查的次数，"
            "按部门和按行业（检查事项所属行业）汇总。每个市场主体的数字见其记录页。"
        ),
        "### 按部门",
        _table(("部门", *headers), rows("department"), align),
        "### 按行业",
        _table(("行业", *headers), rows("industry"), align),
    ]


def _risk_blocks(statistics: Statistics) -> list[str]:
    rows = [
        (r["year"], f"{r['risk_class']} {r['title']}" if r["risk_class"] in RISK_CLASSES else r["title"],
         _or_dash(r["drawn"]), _or_dash(r["checked"]),
         _or_dash(r["problems"]), _percent(r["problem_rate"]))
        for r in statistics.risk_classes
    ]  # fmt: skip
    return [
        "## 按信用风险分类汇总 {#risk-classes}",
        (
            "各信用风险分类的抽中、检查和发现问题户次。单个市场主体的信用风险分类属内部信息，不予公示；"
            "不足 3 户的格子只显示“<3”。可验证抽取按分类分层，但哪一层对应哪一类是保密的（承诺中只公布"
            "其摘要），这些主体计入“已分层抽取，分类不公开”。"
        ),
        _table(
            ("年度", "信用风险分类", "抽中户次", "检查户次", "发现问题户次", "问题发现率"),
            rows,
            ("left", "left", "right", "right", "right", "right"),
        ),
    ]


def _render_month(statistics: Statistics, model: Model, month: str) -> str:
    year, number = month.split("-")
    root = _root_of(month_page(month))
    data = statistics.monthly.get(month, {})
    # A month may have figures (a deadline fell in it) but nothing to report.
    columns = [d for d in data if d == TOTAL] + [d for d in data if d != TOTAL]
    rows: list[list[object]] = [
        ["本月组织随机抽查的任务", *(len(data[c]["tasks_organised"]) for c in columns)]
    ]
    for key, label, sub in FIGURES:
        rows.append([f"{label}：{sub}", *(_count(data[c][key]) for c in columns)])
    parts = [
        _front_matter(hide=["navigation"]),
        f"# {year} 年 {int(number)} 月统计",
        (
            "本页各项数字对应长安区“双随机、一公开”监管工作月报表的“二、开展情况”，"
            "与发布机关用 `gongkai report monthly` 生成的月报表相同。[返回统计](index.md)"
        ),
        "## 本月开展情况",
        _table(
            ("项目", *(escape_markdown_cell(c) for c in columns)),
            rows,
            ("left",) + ("right",) * len(columns),
        )
        if columns
        else "本月没有抽查、检查或公示记录。",
    ]
    for who in columns:
        entry = data[who]
        parts.append(f"**{escape_markdown_cell(who)}**")
        organised = zip(entry["tasks_organised"], entry["task_ids"])
        parts.append(
            "本月组织随机抽查的任务："
            + ("；".join(_organised_task(model, root, t, i) for t, i in organised) or "无")
        )
        if entry["units"]:
            parts.append(
                _table(
                    ("开展的单位", "抽查检查主体数量（户次）", "抽查结果公示数量（户次）"),
                    [
                        (u["unit"], _count(u["inspections"]), _count(u["published"]))
                        for u in entry["units"]
                    ],
                    ("left", "right", "right"),
                )
            )
    parts += ["## 本月指标", _kpi_table(statistics, TOTAL, month)]
    return _blocks(parts)


# Charts


def _year_charts(statistics: Statistics, year: str) -> list[tuple[str, str, str, str]]:
    """(name, title, svg, csv) of each chart of ``year``."""
    charts = []
    kpis = [(k, statistics.figure(TOTAL, year, k.name)) for k in KPIS]
    kpis = [(k, f) for k, f in kpis if f is not None and f.value is not None]
    title = f"{year} 年各项指标（全部部门）与目标"
    charts.append(
        (
            f"kpis-{year}",
            title,
            _bar_chart(title, [(k.title, f.value, f.target) for k, f in kpis], percent=True),
            _csv(
                ("kpi", "title", "numerator", "denominator", "value", "target"),
                [
                    (k.name, k.title, f.numerator, f.denominator, _round(f.value), f.target)
                    for k, f in kpis
                ],
            ),
        )
    )
    coverage = [
        (d, statistics.figure(d, year, "coverage")) for d in statistics.departments if d != TOTAL
    ]
    coverage = [(d, f) for d, f in coverage if f is not None and f.value is not None]
    if coverage:
        title = f"{year} 年各部门抽查覆盖率"
        charts.append(
            (
                f"coverage-{year}",
                title,
                _bar_chart(title, [(d, f.value, f.target) for d, f in coverage], percent=True),
                _csv(
                    ("department", "numerator", "denominator", "value", "target"),
                    [
                        (d, f.numerator, f.denominator, _round(f.value), f.target)
                        for d, f in coverage
                    ],
                ),
            )
        )
    months = [m for m in statistics.months if m.startswith(year)]
    series = {}
    for kpi in ("publication_rate", "timely_publication_rate"):
        series[KPI_BY_NAME[kpi].title] = [_value(statistics.figure(TOTAL, m, kpi)) for m in months]
    title = f"{year} 年每月公示率与及时公示率（全部部门）"
    charts.append(
        (
            f"publication-{year}",
            title,
            _line_chart(title, months, series, target=KPI_BY_NAME["publication_rate"].target),
            _csv(
                ("month", *series),
                [(m, *(_round(v[i]) for v in series.values())) for i, m in enumerate(months)],
            ),
        )
    )
    counts = {
        "检查户次": [
            statistics.monthly.get(m, {}).get(TOTAL, {}).get("inspections", 0) for m in months
        ],
        "发现问题户次": [
            statistics.monthly.get(m, {}).get(TOTAL, {}).get("problems", 0) for m in months
        ],
    }
    title = f"{year} 年每月检查户次与发现问题户次（全部部门）"
    charts.append(
        (
            f"inspections-{year}",
            title,
            _line_chart(title, months, counts, target=None, percent=False),
            _csv(
                ("month", *counts),
                [(m, *(v[i] for v in counts.values())) for i, m in enumerate(months)],
            ),
        )
    )
    return charts


def _bar_chart(
    title: str, rows: Sequence[tuple[str, float, float | None]], *, percent: bool
) -> str:
    """Horizontal bars, 0–100 %, each with its target as a dashed tick."""
    plot = _CHART_WIDTH - _LABEL - 70
    height = 40 + len(rows) * (_BAR + _GAP) + 30
    top = 30
    parts = [_svg_open(title, height)]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = _LABEL + tick * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 26}" stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(_text(x, height - 10, f"{tick:.0%}", anchor="middle", size=11, colour="#666"))
    for n, (label, value, target) in enumerate(rows):
        y = top + n * (_BAR + _GAP)
        width = max(0.0, min(1.0, value)) * plot
        parts.append(_text(_LABEL - 8, y + _BAR * 0.7, label, anchor="end"))
        parts.append(
            f'<rect x="{_LABEL}" y="{y}" width="{width:.1f}" height="{_BAR}" fill="{_COLOURS[1]}"/>'
        )
        parts.append(
            _text(
                _LABEL + width + 6,
                y + _BAR * 0.7,
                _percent(value) if percent else str(value),
                size=12,
            )
        )
        if target is not None:
            x = _LABEL + min(1.0, target) * plot
            parts.append(
                f'<line class="gongkai-target" x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + _BAR + 3}" '
                f'stroke="{_COLOURS[0]}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
    parts.append(
        _legend(height, [("指标值", _COLOURS[1])], target=any(r[2] is not None for r in rows))
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _line_chart(
    title: str,
    months: Sequence[str],
    series: dict[str, list[float | None]] | dict[str, list[int]],
    *,
    target: float | None,
    percent: bool = True,
) -> str:
    """One line per series over the months, with the target as a dashed line."""
    height = 300
    left, right, top, bottom = 60, 20, 30, 60
    plot_w, plot_h = _CHART_WIDTH - left - right, height - top - bottom
    values = [v for line in series.values() for v in line if v is not None]
    high = 1.0 if percent else _nice_top(max([1, *values]), steps=4)
    low = 0.0
    if percent and values and min(values) > 0.8 and (target is None or target > 0.8):
        low = 0.8  # rates near 100 %: show the differences
    parts = [_svg_open(title, height)]

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - low) / ((high - low) or 1))

    for step in range(5):
        v = low + (high - low) * step / 4
        y = y_of(v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
        )
        label = f"{v:.0%}" if percent else f"{v:,.0f}"
        parts.append(_text(left - 6, y + 4, label, anchor="end", size=11, colour="#666"))
    step_x = plot_w / max(1, len(months) - 1) if len(months) > 1 else 0
    xs = [left + (i * step_x if len(months) > 1 else plot_w / 2) for i in range(len(months))]
    for x, month in zip(xs, months):
        parts.append(
            _text(x, top + plot_h + 18, month[5:] + "月", anchor="middle", size=11, colour="#666")
        )
    if target is not None:
        y = y_of(target)
        parts.append(
            f'<line class="gongkai-target" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{_COLOURS[0]}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
    legend = []
    for n, (name, line) in enumerate(series.items()):
        colour = _COLOURS[1 + n % 3]
        points = [(x, y_of(v)) for x, v in zip(xs, line) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for x, y in points:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        legend.append((name, colour))
    parts.append(_legend(height, legend, target=target is not None))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _nice_top(value: float, *, steps: int) -> int:
    """The axis top for counts: ``steps`` equal whole steps of 1, 2, 3, 4, 5, 6 or 8 × 10^k."""
    need = value / steps
    magnitude = 1
    while magnitude * 10 < need:
        magnitude *= 10
    step = next(f * magnitude for f in (1, 2, 3, 4, 5, 6, 8, 10) if f * magnitude >= need)
    return step * steps


def _svg_open(title: str, height: int) -> str:
    label = html.escape(title, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gongkai-chart" role="img" '
        f'aria-label="{label}" viewBox="0 0 {_CHART_WIDTH} {height}" width="{_CHART_WIDTH}" '
        f'height="{height}" style="max-width:100%;height:auto" font-family="sans-serif">'
        f"<title>{html.escape(title)}</title>"
        f'<rect x="0" y="0" width="{_CHART_WIDTH}" height="{height}" fill="#fff"/>'
    )


def _legend(height: int, entries: list[tuple[str, str]], *, target: bool) -> str:
    parts = []
    x = 10
    y = 16
    for name, colour in entries:
        parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{colour}"/>')
        parts.append(_text(x + 16, y, name, size=12))
        x += 24 + 13 * len(name)
    if target:
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{_COLOURS[0]}" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
        )
        parts.append(_text(x + 22, y, "目标", size=12))
    return "".join(parts)


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 13, colour: str = "#222"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
        f'text-anchor="{anchor}">{html.escape(str(text))}</text>'
    )


def inject_charts(site_dir: Path) -> int:
    """Put each chart's SVG where the 统计 pages' markers are, after MkDocs built them.

    Returns:
        How many charts were put in.

    Raises:
        BuildAbort: a marker names a chart whose SVG is missing.
    """
    charts = site_dir / GENERATED_DIR / CHART_FOLDER
    done = 0
    for page in sorted((site_dir / "statistics").rglob("index.html")):
        text = page.read_text(encoding="utf-8")

        def replace(match: re.Match[str]) -> str:
            svg = charts / f"{match.group(1)}.svg"
            if not svg.is_file():
                raise BuildAbort(f"统计图 {match.group(1)} 的 SVG 文件缺失，网站未发布")
            return f'<figure class="gongkai-figure">{svg.read_text(encoding="utf-8")}</figure>'

        new, count = _MARKER.subn(replace, text)
        if count:
            page.write_text(new, encoding="utf-8")
            done += count
    return done


# Helpers


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A chart's data as the downloads are written (:meth:`DerivedTable.csv_bytes`)."""
    table = DerivedTable(
        name="chart", title="", description="", primary_key=(),
        fields=tuple({"name": name} for name in header),
        rows=tuple(dict(zip(header, row)) for row in rows),
    )  # fmt: skip
    return table.csv_bytes().decode("utf-8")


_FIRM_HEADERS = ("部门", "抽查任务", "市场主体", "统一社会信用代码")


def _firm_cells(model: Model, root: str, row: dict[str, Any]) -> tuple[object, ...]:
    """部门, 抽查任务, 市场主体, 统一社会信用代码 of a listed 检查户次."""
    return (
        row["department"],
        _task_cell(model, root, row),
        _enterprise_cell(model, root, row),
        row["uscc"],
    )


def _organised_task(model: Model, root: str, text: str, task_id: str) -> str:
    """A month's 本月组织随机抽查的任务 entry, ``名称（编号）``, linked to its task page."""
    task = model.tasks.get(task_id)
    if task is None:
        return escape_markdown_cell(text)
    return f"{_record_link(root, 'task', task)}（{escape_markdown_cell(task_id)}）"


def _task_cell(model: Model, root: str, row: dict[str, Any]) -> object:
    task = model.tasks.get(row["task_id"])
    if task is None:
        return row["task_name"]
    text = escape_markdown_cell(row["task_name"])
    return _Markdown(f'<a href="{_href(root, "task", task["slug"])}">{text}</a>')


def _enterprise_cell(model: Model, root: str, row: dict[str, Any]) -> object:
    if row["uscc"] not in model.enterprises:
        return row["entity_name"]
    text = escape_markdown_cell(row["entity_name"])
    return _Markdown(f'<a href="{_href(root, "enterprise", record_slug(row["uscc"]))}">{text}</a>')


def _percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1%}"


def _verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return NO_VALUE
    return "达标" if value >= target - 1e-12 else "未达标"


def _period_verdict(statistics: Statistics, figure: Any) -> str:
    """达标 or not, but not for a month against a yearly target (coverage), nor for plan
    completion while 20 December of its year is still ahead of the data's date."""
    if figure.kpi == "coverage" and len(figure.period) == 7:
        return "按年度评判"
    verdict = _verdict(figure.value, figure.target)
    month, day = PLAN_DEADLINE
    if (
        figure.kpi == "plan_completion"
        and verdict == "未达标"
        and statistics.as_of is not None
        and statistics.as_of < f"{figure.period}-{month:02d}-{day:02d}"
    ):
        return f"期限未到（{month}月{day}日）"
    return verdict


def _or_dash(value: object) -> str:
    return NO_VALUE if value is None else str(value)


def _value(figure: Any) -> float | None:
    return None if figure is None else figure.value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
