"""The statistics as downloads: ``statistics.csv``, ``statistics_members.csv`` and their
section of the 数据字典.

``statistics.csv`` holds every figure with its definition's title and basis;
``statistics_members.csv`` lists what each yearly figure counted (task, firm, result), so a
reader can recount any numerator and denominator from the other downloads.
"""

from __future__ import annotations

from generator.publish.data.derived import DerivedTable, RowsOf
from generator.publish.site.charts import percent_text
from generator.publish.site.markdown import join_blocks, markdown_table
from generator.stats.figures import (
    IN_DENOMINATOR,
    IN_NUMERATOR,
    IN_NUMERATOR_ONLY,
    MEMBER_COLUMNS,
    STATISTICS_FIELDS,
    UNCOUNTED,
    Statistics,
)

STATISTICS_FILE = "statistics.csv"


def statistics_table(statistics: Statistics) -> DerivedTable:
    """``statistics.csv`` as a derived table for :func:`generator.publish.data.datasets.write_datasets`."""
    fields = _descriptors(STATISTICS_FIELDS)
    fields[2]["constraints"] = {"required": True, "enum": [k.name for k in statistics.kpis]}
    return DerivedTable(
        name="statistics",
        title="统计指标",
        description="各部门按年度和月份的考核指标：分子、分母、指标值和目标值（由检查结果等计算）。",
        fields=tuple(fields),
        primary_key=("department", "period", "kpi", "region"),
        rows=tuple(statistics.rows()),
    )


MEMBERS_FILE = "statistics_members.csv"
MEMBER_FIELDS = (
    ("kpi", "指标", "string", "指标的英文名，同 statistics.csv。"),
    ("period", "年度", "string", "统计年度。"),
    ("department", "部门", "string", "计入的部门（任务的牵头部门）；合计是各部门的并集。"),
    ("task_id", "抽查任务编号", "string", "计入的任务或检查户次所属的任务。"),
    ("uscc", "统一社会信用代码", "string", "计入的市场主体（检查户次、检查结果和覆盖率）。"),
    ("result_id", "检查结果编号", "string", "计入的检查结果（录入及时率、后续处置及时率）。"),
    (
        "counted",
        "计入方式",
        "string",
        f"{IN_NUMERATOR}、{IN_NUMERATOR_ONLY}、{IN_DENOMINATOR}或{UNCOUNTED}。",
    ),
)


def members_table(statistics: Statistics) -> DerivedTable:
    """``statistics_members.csv``: every task, firm or result each yearly figure counted."""
    fields = _descriptors(MEMBER_FIELDS)
    fields[-1]["constraints"] = {
        "enum": [IN_NUMERATOR, IN_NUMERATOR_ONLY, IN_DENOMINATOR, UNCOUNTED]
    }
    return DerivedTable(
        name="statistics_members",
        title="统计指标明细",
        description="每个年度指标计入了哪些任务、市场主体和检查结果，可据此逐条核对分子和分母。",
        fields=tuple(fields),
        primary_key=(),
        rows=RowsOf(MEMBER_COLUMNS, statistics.members),
    )


def render_statistics_dictionary(statistics: Statistics) -> str:
    """The 数据字典 sections of ``statistics.csv`` (its columns and every KPI name) and of
    ``statistics_members.csv``."""
    fields = [
        (name, title, kind, description) for name, title, kind, description in STATISTICS_FIELDS
    ]
    kpis = [(k.name, k.title, k.formula, percent_text(k.target), k.basis) for k in statistics.kpis]
    return join_blocks(
        [
            "## 统计指标（statistics） {#statistics}",
            (
                "由 gongkai 根据检查结果、抽查任务和抽取记录计算，每行是一个部门在一个统计期的一个指标。"
                f"下载文件为 {STATISTICS_FILE}，只有 CSV 格式；计算方法见“统计”页。"
            ),
            markdown_table(("字段名", "中文名", "类型", "说明"), fields, ("left",) * 4),
            "kpi 列的取值：",
            markdown_table(("kpi", "指标", "公式", "目标", "依据"), kpis, ("left",) * 5),
            "## 统计指标明细（statistics_members） {#statistics_members}",
            (
                f"{MEMBERS_FILE} 列出每个年度指标计入了哪些任务、市场主体和检查结果，"
                "按指标和部门筛选即可逐条核对 statistics.csv 的分子和分母。"
            ),
            markdown_table(("字段名", "中文名", "类型", "说明"), MEMBER_FIELDS, ("left",) * 4),
        ]
    ).rstrip("\n")


def _descriptors(spec: tuple[tuple[str, str, str, str], ...]) -> list[dict[str, object]]:
    """Table Schema field descriptors from (name, title, type, description)."""
    return [{"name": n, "title": t, "type": k, "description": d} for n, t, k, d in spec]
