"""The 数据质量报告 page: totals, per-file accounting, errors, warnings and conflicts."""

from __future__ import annotations

from typing import Any

from generator.core.schemas import KINDS, load_schemas
from generator.publish.site.markdown import (
    COUNT_FIELDS,
    NO_VALUE,
    as_of_text,
    count_text,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
)

# Column sets shared by the error and warning tables.
_ISSUE_HEADERS = ("行", "列", "问题", "值")
"""A public page: what is wrong, in words. The issue code and the fix (for the operator) are in
``gongkai validate``'s report and the corrections workbook, not here."""


_ISSUE_ALIGN = ("right", "left", "left", "left")


def render_quality_page(report: dict[str, Any]) -> str:
    """Render the 数据质量报告 page.

    Args:
        report: The dict of ``Report.to_dict()``.

    Returns:
        The page as Markdown, the same for the same report.
    """
    titles = _kind_titles()
    parts = [
        # The tables are wide: give them the navigation sidebar's room (the tabs remain).
        front_matter(hide=["navigation"]),
        "# 数据质量报告",
        (
            "本页在每次生成网站时，根据发布机关从监管平台导出的文件自动生成。"
            "[如何阅读本报告](../about.md#如何阅读数据质量报告)"
        ),
        f"**数据截至：{as_of_text(report)}**",
        "## 总计",
        _render_totals(report),
        *_render_masked(report),
        "## 公示记录",
        markdown_table(
            ("类型", "条数"),
            [(titles.get(kind, kind), count_text(n)) for kind, n in _records(report)],
            ("left", "right"),
        ),
        "## 文件",
        _render_files(report, titles),
        *_render_issues(
            report.get("errors", []),
            "错误",
            "有错误的行已被隔离，暂不在本站公示；发布机关改正后，这些行随下一次更新公示。",
        ),
        *_render_issues(report.get("warnings", []), "警告", "警告不影响公示，但建议核对原始数据。"),
        *_render_conflicts(report.get("conflicts", []), titles),
    ]
    return join_blocks(parts)


def _render_totals(report: dict[str, Any]) -> str:
    counts = [int(report.get(name) or 0) for name in (*COUNT_FIELDS, "rows_refused")]
    rows_in, published, quarantined, withheld, refused = counts
    size = int(report.get("bytes_refused") or 0)
    table = markdown_table(
        ("项目", "行数", "含义"),
        [
            ("读入", count_text(rows_in), "导出文件中的全部数据行"),
            ("公示", count_text(published), "通过检查、在本站公示的行"),
            ("隔离", count_text(quarantined), "有错误、暂不公示的行，修正后可重新导入"),
            ("不予公示", count_text(withheld), "按公示规则不在本站公示的行（含只用于抽取和统计、不逐户公示的检查对象名录）"),
            ("拒收", count_text(refused), _refused_meaning(size)),
        ],
        ("left", "right", "left"),
    )
    total = published + quarantined + withheld + refused
    equation = "读入 = 公示 + 隔离 + 不予公示 + 拒收"
    if rows_in == total:
        verdict = (
            f'!!! success "行数平衡"\n\n    {equation}：{count_text(rows_in)} = {count_text(published)} + '
            f"{count_text(quarantined)} + {count_text(withheld)} + {count_text(refused)}。"
        )
    else:
        verdict = (
            f'!!! danger "行数不平衡"\n\n    {equation} 不成立：读入 {count_text(rows_in)} 行，'
            f"公示 + 隔离 + 不予公示 + 拒收 = {count_text(total)} 行，相差 {count_text(abs(rows_in - total))} 行。"
        )
    return f"{table}\n\n{verdict}"


def _refused_meaning(size: int) -> str:
    meaning = "所在文件无法读取或无法识别、整个文件未读入的行（原因见下方“错误”）"
    if size:
        meaning += f"；另有 {count_text(size)} 字节的文件无法统计行数"
    return meaning


def _render_masked(report: dict[str, Any]) -> list[str]:
    """How many free-text values had personal data masked; where is for the publisher only."""
    count = int(report.get("masked_values") or 0)
    if not count:
        return []
    text = (
        f"有 {count_text(count)} 处备注、问题描述等文字中写有身份证号或电话号码，"
        "已在本站全部页面和数据文件中遮盖（如 138\\*\\*\\*\\*5678），相应记录照常公示。"
    )
    return [text]


def _render_files(report: dict[str, Any], titles: dict[str, str]) -> str:
    files = sorted(report.get("files", []), key=lambda f: str(f.get("path") or ""))
    if not files:
        return "数据目录中没有找到导出文件。"
    return markdown_table(
        ("文件", "识别类型", "格式", "编码", "读入", "公示", "隔离", "不予公示", "拒收"),
        [
            (
                f.get("path"),
                f.get("kind_title") or titles.get(f.get("kind") or "") or "未识别",
                f.get("format") or NO_VALUE,
                f.get("encoding") or NO_VALUE,
                *(count_text(f.get(name, 0)) for name in COUNT_FIELDS),
                _refused_cell(f),
            )
            for f in files
        ],
        ("left", "left", "left", "left", "right", "right", "right", "right", "right"),
    )


def _refused_cell(entry: dict[str, Any]) -> str:
    """A file's refused rows, or its size when its rows could not be counted."""
    size = int(entry.get("bytes_refused") or 0)
    return f"{count_text(size)} 字节" if size else count_text(entry.get("rows_refused", 0))


def _render_issues(issues: list[dict[str, Any]], noun: str, intro: str) -> list[str]:
    """One section of issues (errors or warnings), grouped per file, sorted."""
    parts = [f"## {noun}（{count_text(len(issues))} 条）"]
    if not issues:
        return [*parts, f"未发现{noun}。"]
    parts.append(intro)
    groups: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        groups.setdefault(str(issue.get("file") or ""), []).append(issue)
    for file in sorted(groups):
        rows = sorted(groups[file], key=_issue_sort_key)
        heading = escape_markdown_cell(file) if file else "（不属于单个文件）"
        parts.append(f"### {heading}（{count_text(len(rows))} 条）")
        parts.append(
            markdown_table(
                _ISSUE_HEADERS,
                [
                    (
                        NO_VALUE if i.get("row") is None else i["row"],
                        i.get("column") or NO_VALUE,
                        i.get("message"),
                        i.get("value", ""),
                    )
                    for i in rows
                ],
                _ISSUE_ALIGN,
            )
        )
    return parts


def _render_conflicts(conflicts: list[dict[str, Any]], titles: dict[str, str]) -> list[str]:
    parts = [f"## 冲突（{count_text(len(conflicts))} 条）"]
    if not conflicts:
        return [*parts, "未发现冲突。"]
    parts.append("同一条记录出现在多个文件中且内容不一致时，只采用其中一行，其余舍弃：")
    rows = sorted(conflicts, key=lambda c: (str(c.get("kind")), str(c.get("key"))))
    parts.append(
        markdown_table(
            ("类型", "键", "采用", "舍弃"),
            [
                (
                    titles.get(c.get("kind") or "", c.get("kind")),
                    c.get("key"),
                    _location(c.get("winner") or {}),
                    "；".join(sorted(_location(loser) for loser in c.get("losers", []))),
                )
                for c in rows
            ],
            ("left", "left", "left", "left"),
        )
    )
    return parts


def _records(report: dict[str, Any]) -> list[tuple[str, int]]:
    """Record counts in the canonical kind order, unknown kinds last and sorted."""
    records = report.get("records") or {}
    order = [k for k in KINDS if k in records] + sorted(set(records) - set(KINDS))
    return [(kind, int(records[kind] or 0)) for kind in order]


def _kind_titles() -> dict[str, str]:
    """Chinese title of each record kind, from its Table Schema."""
    return {name: kind.title for name, kind in load_schemas().items()}


def _issue_sort_key(issue: dict[str, Any]) -> tuple[int, str, str, str, str]:
    row = issue.get("row")
    return (
        -1 if row is None else int(row),
        str(issue.get("column") or ""),
        str(issue.get("code") or ""),
        str(issue.get("message") or ""),
        str(issue.get("value") or ""),
    )


def _location(ref: dict[str, Any]) -> str:
    row = ref.get("row")
    return f"{ref.get('file')} 第 {row} 行" if row is not None else str(ref.get("file"))
