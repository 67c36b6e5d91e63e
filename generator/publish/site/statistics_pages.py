"""The 统计 pages, their SVG charts and chart data, and the ``statistics.csv`` download.

* ``statistics/`` (:data:`STATISTICS_PAGE`): every KPI with numerator, denominator, value,
  target and formula, per department and year; the reconciliation drawn → checked →
  published; the public 逾期未公示 list; inspection burden (无事不扰); risk-class aggregates;
  charts drawn here as SVG, each with its data as CSV.
* ``statistics/<YYYY-MM>/`` (:func:`month_page`): the 月报表 figures of that month, the same
  as ``gongkai report monthly`` writes (the public page does not name the command);
* ``statistics/progress/``: the publisher's own deadlines (:mod:`generator.publish.site.progress_page`).

Charts are SVG built at build time, no script, no network. Data-driven MkDocs pages may not
contain ``<svg>`` (the allowlist in :mod:`generator.publish.site.sanitize`), so a page carries a marker
paragraph ``GONGKAI-CHART:<name>`` and :func:`inject_charts` puts the SVG in its place
after MkDocs, from the chart files MkDocs copied. Every text in an SVG is XML-escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.model.entities import Model
from generator.model.identity import record_slug
from generator.publish.site.charts import CHART_FOLDER, CHART_MARKER, percent_text, year_charts
from generator.publish.site.markdown import (
    NO_VALUE,
    Markdown,
    count_text,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
    record_href,
    record_link,
    root_of,
)
from generator.publish.site.progress_page import (
    PROGRESS_PAGE,
    progress_summary_blocks,
    render_progress_page,
)
from generator.publish.site.statistics_downloads import MEMBERS_FILE, STATISTICS_FILE
from generator.stats.figures import (
    DEADLINE_WORKDAYS,
    FIGURES,
    MISSING_DENOMINATOR,
    PLAN_DEADLINE,
    RISK_CLASSES,
    TOTAL,
    Statistics,
)

STATISTICS_PAGE = "statistics/index.md"
UNCOMPUTABLE = "无法计算"


def month_page(month: str) -> str:
    """The generated file of a month's page, e.g. ``statistics/2024-05.md``."""
    return f"statistics/{month}.md"


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
        for name, title, svg, data in year_charts(statistics, year):
            files[f"{CHART_FOLDER}/{name}.svg"] = svg
            files[f"{CHART_FOLDER}/{name}.csv"] = data
            charts.append((year, name, title))
    files[STATISTICS_PAGE] = _render_index(statistics, model, charts)
    files[PROGRESS_PAGE] = render_progress_page(statistics, model)
    for month in statistics.months:
        files[month_page(month)] = _render_month(statistics, model, month)
    return files


def _render_index(statistics: Statistics, model: Model, charts: list[tuple[str, str, str]]) -> str:
    root = root_of(STATISTICS_PAGE)
    csv_link = Markdown(
        f'<a href="{html.escape(root)}data/{STATISTICS_FILE}">{STATISTICS_FILE}</a>'
    )
    members_link = f'<a href="{html.escape(root)}data/{MEMBERS_FILE}">{MEMBERS_FILE}</a>'
    parts = [
        front_matter(hide=["navigation"]),
        "# 统计",
        (
            "本页按各地“双随机、一公开”工作方案规定的考核指标，逐个部门、逐年、逐月统计本站公示的数据，"
            "并列出每个指标的分子、分母、计算公式和文件要求的目标，供公众和监督部门核对。"
            f"数据截至 {escape_markdown_cell(statistics.as_of) or '暂无'}。"
        ),
        Markdown(
            f"全部指标可下载为 {csv_link}（列：department, period, kpi, numerator, denominator, "
            "value, target, note, region, title, basis；说明见[数据字典](../open-data/dictionary.md#statistics)）；"
            f"每个年度指标计入了哪些任务、市场主体和检查结果见 {members_link}，可逐条核对分子和分母。"
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
        return join_blocks(parts)
    for year in reversed(statistics.years):
        parts.append(f"## {year} 年指标 {{#y{year}}}")
        parts.append(_kpi_table(statistics, TOTAL, year))
        for chart_year, name, title in charts:
            if chart_year == year:
                parts += _chart_block(name, title)
        parts.append(f"### {year} 年各部门指标")
        parts.append(_department_table(statistics, year))
        if statistics.regions:
            parts.append(f"### {year} 年各行政区划指标 {{#regions-{year}}}")
            parts.append(
                "本站汇集了几个行政区划的数据。各区划的指标按其自身的任务和检查户次计算；"
                "上方的合计按全部数据计算，不是各区划指标值的平均。"
            )
            parts.append(_department_table(statistics, year, by_region=True))
    parts += [
        *progress_summary_blocks(statistics),
        "## 指标定义 {#definitions}",
        markdown_table(
            ("指标", "分子", "分母", "公式", "目标", "依据"),
            [
                (
                    k.title,
                    k.numerator,
                    k.denominator,
                    k.formula,
                    percent_text(k.target),
                    k.basis,
                )
                for k in statistics.kpis
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
            "每月的数字按“双随机、一公开”监管工作月报表“二、开展情况”的各项统计。"
        ),
        markdown_table(
            ("月份", "抽查次数", "检查户次", "发现问题户次", "公示户次"),
            [
                (
                    Markdown(f"[{month}]({month}.md)"),
                    *(
                        count_text(statistics.monthly.get(month, {}).get(TOTAL, {}).get(key, 0))
                        for key in ("checks", "inspections", "problems", "published")
                    ),
                )
                for month in statistics.months
            ],
            ("left", "right", "right", "right", "right"),
        ),
    ]
    return join_blocks(parts)


def _kpi_table(statistics: Statistics, department: str, period: str) -> str:
    rows = []
    for kpi in statistics.kpis:
        figure = statistics.figure(department, period, kpi.name)
        if figure is None:
            continue
        rows.append(
            (
                kpi.title,
                count_text(figure.numerator),
                NO_VALUE if figure.denominator is None else count_text(figure.denominator),
                (figure.note or UNCOMPUTABLE)
                if figure.denominator is None
                else percent_text(figure.value),
                percent_text(figure.target),
                _period_verdict(statistics, figure),
            )
        )
    if not rows:
        return "本期没有可统计的数据。"
    return markdown_table(
        ("指标", "分子", "分母", "指标值", "目标", "是否达标"),
        rows,
        ("left", "right", "right", "right", "right", "left"),
    )


def _department_table(statistics: Statistics, period: str, *, by_region: bool = False) -> str:
    """Every KPI of ``period`` per department, or (``by_region``) per 行政区划 in total."""
    keys = statistics.regions if by_region else [d for d in statistics.departments if d != TOTAL]
    rows = []
    for key in keys:
        cells: list[object] = [key]
        for kpi in statistics.kpis:
            figure = (
                statistics.figure(TOTAL, period, kpi.name, key)
                if by_region
                else statistics.figure(key, period, kpi.name)
            )
            cells.append(
                NO_VALUE
                if figure is None
                else (figure.note or UNCOMPUTABLE)
                if figure.denominator is None
                else f"{percent_text(figure.value)}（{figure.numerator}/{figure.denominator}）"
            )
        rows.append(cells)
    kpis = statistics.kpis
    return markdown_table(
        ("行政区划" if by_region else "部门", *(k.title for k in kpis)),
        rows,
        ("left",) + ("right",) * len(kpis),
    )


def _directory_blocks(statistics: Statistics) -> list[str]:
    """Where each coverage denominator came from (``Statistics.directory_sources``)."""
    titles = {k.name: k.title for k in statistics.kpis}
    rows = []
    for (department, year, kpi), source in sorted(
        statistics.directory_sources.items(),
        key=lambda kv: (kv[0][1], kv[0][2], kv[0][0] != TOTAL, kv[0]),
    ):
        figure = statistics.figure(department, year, kpi)
        size = figure.denominator if figure is not None else None
        rows.append((year, titles.get(kpi, kpi), department,
                     NO_VALUE if size is None else count_text(size), source))  # fmt: skip
    return [
        "### 抽查覆盖率的分母 {#directory}",
        (
            "覆盖率的分母是发布机关申报的数字（如上年底企业数量），并注明来源。没有申报的，"
            f"覆盖率显示为“{MISSING_DENOMINATOR}”，不计算、不评判是否达标：抽取所用的名录库"
            "只是其中一部分主体，用它代替会使覆盖率偏高。"
        ),
        markdown_table(
            ("年度", "指标", "部门", "分母", "来源"),
            rows,
            ("left", "left", "left", "right", "left"),
        )
        if rows
        else "暂无。",
    ]


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {escape_markdown_cell(line)}" for line in lines)


def _chart_block(name: str, title: str) -> list[str]:
    return [
        f"**{escape_markdown_cell(title)}**",
        f"{CHART_MARKER}{name}",
        Markdown(f"[下载图表数据（CSV）](charts/{name}.csv)"),
    ]


def _reconciliation_blocks(statistics: Statistics) -> list[str]:
    undetermined = any(r.get("undetermined") for r in statistics.reconciliation)
    rows = [
        (
            r["department"], r["year"], count_text(r["drawn"]), count_text(r["checked"]),
            count_text(r["published"]), count_text(r["withheld"]), count_text(r["quarantined"]),
            count_text(r["overdue"]), count_text(r["pending"]),
            *((count_text(r["undetermined"]),) if undetermined else ()), count_text(r["not_drawn"]),
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
        markdown_table(
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
            markdown_table(
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
            markdown_table(
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
            (r[kind], r["year"], count_text(r["enterprises"]), count_text(r["checks"]),
             f"{r['checks_per_enterprise']:.2f}", count_text(r["checked_twice_or_more"]),
             count_text(r["max_checks"]), count_text(r["repeated_item_checks"]))
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
        markdown_table(("部门", *headers), rows("department"), align),
        "### 按行业",
        markdown_table(("行业", *headers), rows("industry"), align),
    ]


def _risk_blocks(statistics: Statistics) -> list[str]:
    rows = [
        (r["year"], f"{r['risk_class']} {r['title']}" if r["risk_class"] in RISK_CLASSES else r["title"],
         _or_dash(r["drawn"]), _or_dash(r["checked"]),
         _or_dash(r["problems"]), percent_text(r["problem_rate"]))
        for r in statistics.risk_classes
    ]  # fmt: skip
    return [
        "## 按信用风险分类汇总 {#risk-classes}",
        (
            "各信用风险分类的抽中、检查和发现问题户次。单个市场主体的信用风险分类属内部信息，不予公示；"
            "不足 3 户的格子只显示“<3”。可验证抽取按分类分层，但哪一层对应哪一类是保密的（承诺中只公布"
            "其摘要），这些主体计入“已分层抽取，分类不公开”。"
        ),
        markdown_table(
            ("年度", "信用风险分类", "抽中户次", "检查户次", "发现问题户次", "问题发现率"),
            rows,
            ("left", "left", "right", "right", "right", "right"),
        ),
    ]


def _render_month(statistics: Statistics, model: Model, month: str) -> str:
    year, number = month.split("-")
    root = root_of(month_page(month))
    data = statistics.monthly.get(month, {})
    # A month may have figures (a deadline fell in it) but nothing to report.
    columns = [d for d in data if d == TOTAL] + [d for d in data if d != TOTAL]
    rows: list[list[object]] = [
        ["本月组织随机抽查的任务", *(len(data[c]["tasks_organised"]) for c in columns)]
    ]
    for key, label, sub in FIGURES:
        rows.append([f"{label}：{sub}", *(count_text(data[c][key]) for c in columns)])
    parts = [
        front_matter(hide=["navigation"]),
        f"# {year} 年 {int(number)} 月统计",
        (
            "本页各项数字按“双随机、一公开”监管工作月报表“二、开展情况”的各项统计。"
            "[返回统计](index.md)"
        ),
        "## 本月开展情况",
        markdown_table(
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
                markdown_table(
                    ("开展的单位", "抽查检查主体数量（户次）", "抽查结果公示数量（户次）"),
                    [
                        (u["unit"], count_text(u["inspections"]), count_text(u["published"]))
                        for u in entry["units"]
                    ],
                    ("left", "right", "right"),
                )
            )
    parts += ["## 本月指标", _kpi_table(statistics, TOTAL, month)]
    return join_blocks(parts)


# Helpers


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
    return f"{record_link(root, 'task', task)}（{escape_markdown_cell(task_id)}）"


def _task_cell(model: Model, root: str, row: dict[str, Any]) -> object:
    task = model.tasks.get(row["task_id"])
    if task is None:
        return row["task_name"]
    text = escape_markdown_cell(row["task_name"])
    return Markdown(f'<a href="{record_href(root, "task", task["slug"])}">{text}</a>')


def _enterprise_cell(model: Model, root: str, row: dict[str, Any]) -> object:
    if row["uscc"] not in model.enterprises:
        return row["entity_name"]
    text = escape_markdown_cell(row["entity_name"])
    return Markdown(
        f'<a href="{record_href(root, "enterprise", record_slug(row["uscc"]))}">{text}</a>'
    )


def _verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return NO_VALUE
    return "达标" if value >= target - 1e-12 else "未达标"


def _period_verdict(statistics: Statistics, figure: Any) -> str:
    """达标 or not, but not for a month against a yearly target (coverage), nor for plan
    completion while 20 December of its year is still ahead of the data's date."""
    measure = next((k.computes for k in statistics.kpis if k.name == figure.kpi), figure.kpi)
    if measure == "coverage" and len(figure.period) == 7:
        return "按年度评判"
    verdict = _verdict(figure.value, figure.target)
    month, day = PLAN_DEADLINE
    if (
        measure == "plan_completion"
        and verdict == "未达标"
        and statistics.as_of is not None
        and statistics.as_of < f"{figure.period}-{month:02d}-{day:02d}"
    ):
        return f"期限未到（{month}月{day}日）"
    return verdict


def _or_dash(value: object) -> str:
    return NO_VALUE if value is None else str(value)
