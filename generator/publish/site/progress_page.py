"""The 工作进度 page: the publisher's own deadlines, each met, late or pending.

``statistics/progress/`` (:data:`PROGRESS_PAGE`) lists every duty in force
(:attr:`generator.stats.figures.Statistics.progress`): its rule, the document and clause that
set it, where the day it was done comes from, and one row per plan, task, month or summary
with its deadline, the day it was done and its status. The 统计 page carries the summary
(:func:`progress_summary_blocks`).
"""

from __future__ import annotations

from generator.model.entities import Model
from generator.publish.site.markdown import (
    NO_VALUE,
    Markdown,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
    record_link,
    root_of,
)
from generator.stats.figures import STATUSES, Duty, DutyRow, Progress, Statistics

PROGRESS_PAGE = "statistics/progress.md"
STATUS_MEANINGS = (
    ("按时完成", "在期限当日或之前完成"),
    ("逾期完成", "完成了，但晚于期限"),
    ("待办", "期限在数据截至日期之后，尚未完成"),
    ("逾期未完成", "期限已过，数据显示尚未完成（如任务中仍有抽中的主体没有检查结果）"),
    ("未登记", "期限已过，数据中没有完成日期（如计划没有发布日期、报送日期未登记），无法判断"),
)
assert tuple(s for s, _ in STATUS_MEANINGS) == STATUSES


def progress_summary_blocks(statistics: Statistics) -> list[str]:
    """The 工作进度 section of the 统计 page: counts by duty and status, and the link."""
    return [
        "## 工作进度 {#progress}",
        (
            "发布机关自身工作的期限（年度抽查计划公示、月报表和工作总结报送、年度抽查任务完成），"
            "按本站数据中的日期判断；逐项列表和依据见[工作进度](progress.md)。"
        ),
        _summary_table(statistics.progress),
    ]


def render_progress_page(statistics: Statistics, model: Model) -> str:
    """The 工作进度 page."""
    progress = statistics.progress
    parts = [
        front_matter(hide=["navigation"]),
        "# 工作进度",
        (
            "“双随机、一公开”的文件不仅规定检查结果的公示期限，也规定发布机关自身工作的期限。"
            "本页逐项列出这些期限，并按本站数据中的日期判断是否按时完成，"
            f"数据截至 {escape_markdown_cell(statistics.as_of) or '暂无'}。"
        ),
        markdown_table(("状态", "含义"), STATUS_MEANINGS, ("left", "left")),
        _summary_table(progress),
    ]
    root = root_of(PROGRESS_PAGE)
    for duty in progress.duties:
        rows = [r for r in progress.rows if r.duty == duty.key]
        parts += [
            f"## {duty.title} {{#{duty.key}}}",
            Markdown(
                f"**期限**：{escape_markdown_cell(rule_text(duty))}。  \n"
                f"**依据**：{escape_markdown_cell(duty.source)}。  \n"
                f"**完成日期取自**：{escape_markdown_cell(duty.evidence)}。"
            ),
            markdown_table(
                ("事项", "部门", "期限", "完成日期", "状态"),
                [
                    (
                        _subject_cell(model, root, r),
                        r.department,
                        r.due_on,
                        r.done_on or NO_VALUE,
                        r.status,
                    )
                    for r in rows
                ],
                ("left",) * 5,
            )
            if rows
            else "数据中没有这一项。",
        ]
    if progress.disabled:
        titles = "、".join(d.title for d in progress.disabled)
        parts.append(f"本地区不适用的期限：{escape_markdown_cell(titles)}。")
    return join_blocks(parts)


def rule_text(duty: Duty) -> str:
    """A duty's deadline in words, e.g. 每月报表于次月20日前报送."""
    if duty.key == "monthly_report":
        return f"每月报表于次月{int(duty.due[0])}日前报送"
    days = [_month_day(d) for d in duty.due]
    if duty.key == "plan_publication":
        joint = f"，部门联合计划于{_month_day(duty.joint_due)}前" if duty.joint_due else ""
        return f"本部门计划于每年{days[0]}前公示{joint}"
    if duty.key == "work_summary":
        return f"每年{'、'.join(days)}前各报送一次"
    return f"计划内的抽查任务于每年{days[0]}前全部完成"


def _month_day(text: str) -> str:
    month, day = (int(part) for part in text.split("-"))
    return f"{month}月{day}日"


def _summary_table(progress: Progress) -> str:
    if not progress.duties:
        return "没有适用的期限。"
    return markdown_table(
        ("事项", "期限", *STATUSES),
        [
            (
                Markdown(f"[{escape_markdown_cell(d.title)}](progress.md#{d.key})"),
                rule_text(d),
                *(str(progress.counts(d.key)[s]) for s in STATUSES),
            )
            for d in progress.duties
        ],
        ("left", "left") + ("right",) * len(STATUSES),
    )


def _subject_cell(model: Model, root: str, row: DutyRow) -> object:
    kind, key = row.record or ("", "")
    record = {"plan": model.plans, "task": model.tasks}.get(kind, {}).get(key)
    if record is not None:
        return record_link(root, kind, record)
    if kind == "month":
        return Markdown(f"[{escape_markdown_cell(row.subject)}]({key}.md)")
    return row.subject
