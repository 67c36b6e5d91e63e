"""The 月报表: the Chang'an district's monthly form, its 二、开展情况 filled from the data.

The form is the attachment of 《2024年石家庄市长安区“双随机、一公开”监管工作实施方案》
(长双随机办〔2024〕3号): 一、安排部署情况 (meetings, documents, training) is free text that
only the operator knows, so those cells stay blank; 二、开展情况 is counted from the data by
:mod:`generator.stats.compute` (``Statistics.monthly``), the same figures the site shows on
each month's page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator.core.errors import ConfigError
from generator.stats.figures import FIGURES, TOTAL, Statistics

FORM_TITLE = "区有关部门“双随机、一公开”监管工作月报表"
SHEET = "月报表"
NOTES_SHEET = "统计口径"
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")

NOTES: tuple[tuple[str, str], ...] = (
    (
        "本月组织随机抽查的文件",
        "本月完成抽取（未抽取的按任务开始日期）的抽查任务，列出任务名称和编号。",
    ),
    ("次数（抽查任务）", "本月有检查完成的抽查任务个数。"),
    ("数量（检查户次）", "本月检查完成的检查户次：一个市场主体在一个抽查任务中计一户次。"),
    ("发现问题的检查主体数量", "本月检查完成、至少一项检查结果为发现问题的户次。"),
    ("大项、小项", "本月检查结果涉及的抽查事项：大项按事项名称计，小项按事项编码（子项）计。"),
    ("公示数量（户次）", "本月公示了检查结果的户次（按公示日期）。"),
    (
        "全区本系统开展随机抽查情况",
        "按检查实施机关列出本月检查户次和公示户次；全部部门合计时按部门列出。",
    ),
    ("一、安排部署情况", "会议、文件、培训情况数据中没有，由填报单位填写。"),
)


def check_month(month: str) -> str:
    """``month`` if it is ``YYYY-MM``.

    Raises:
        ConfigError: it is not.
    """
    if not MONTH.fullmatch(month or ""):
        raise ConfigError(f"月份 {month!r} 格式不对，应写成 2024-05")
    return month


def monthly_figures(statistics: Statistics, month: str, department: str | None) -> dict[str, Any]:
    """The form's figures for one month and department (all departments when ``None``).

    Raises:
        ConfigError: the month is malformed, or the department has no data at all.
    """
    check_month(month)
    who = department or TOTAL
    known = set(statistics.departments) | {TOTAL}
    if who not in known:
        names = "、".join(d for d in statistics.departments if d != TOTAL) or "（无）"
        raise ConfigError(f"数据中没有部门“{who}”；数据中的部门有：{names}")
    empty = {"tasks_organised": [], "units": [], **{key: 0 for key, _, _ in FIGURES}}
    return {**empty, **statistics.monthly.get(month, {}).get(who, {})}


def write_monthly_report(
    statistics: Statistics,
    month: str,
    out: Path,
    *,
    department: str | None = None,
    website: str = "",
) -> dict[str, Any]:
    """Write the 月报表 of ``month`` as XLSX.

    Args:
        statistics: :func:`generator.stats.compute.compute_statistics` of the data folder.
        month: ``YYYY-MM``.
        out: The ``.xlsx`` file to write.
        department: A lead department; all departments when ``None``.
        website: Where the results are published (the site's name and address).

    Returns:
        The figures written.

    Raises:
        ConfigError: bad month or department, or the file cannot be written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from generator.core.workbook import save_workbook

    figures = monthly_figures(statistics, month, department)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(row: int, column: int, value: Any, *, strong: bool = False) -> None:
        cell = sheet.cell(row=row, column=column)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        cell.alignment = wrap
        if strong:
            cell.font = bold

    year, number = month.split("-")
    put(1, 1, FORM_TITLE, strong=True)
    sheet.merge_cells("A1:D1")
    put(2, 1, f"单位名称（盖章）：{department or TOTAL}")
    put(2, 3, "填表时间：    年   月   日")
    put(2, 4, f"报告月份：{year}年{int(number)}月")
    put(3, 1, "一、“双随机、一公开”监管工作安排部署情况", strong=True)
    sheet.merge_cells("A3:D3")
    for row, (n, label, hint) in enumerate(
        (
            (1, "本月召开会议部署随机抽查工作情况", "（注明召开会议的名称及时间）"),
            (2, "本月印发双随机工作文件情况", "（注明文件名称及文号）"),
            (3, "本月组织随机抽查业务培训情况", "（培训班名称、培训人员数量、及内容）"),
        ),
        start=4,
    ):
        put(row, 1, n)
        put(row, 2, label)
        put(row, 3, hint)
    put(7, 1, "二、“双随机、一公开”监管工作开展情况", strong=True)
    sheet.merge_cells("A7:D7")
    put(8, 1, 4)
    put(8, 2, "本月按年度随机抽查工作计划市本级开展随机抽查情况", strong=True)
    put(9, 2, "本月组织随机抽查的文件")
    put(9, 4, "\n".join(figures["tasks_organised"]) or "无")
    row = 10
    for key, label, sub in FIGURES:
        put(row, 2, label)
        put(row, 3, sub)
        put(row, 4, int(figures[key]))
        row += 1
    put(row, 2, "随机抽查结果公示数量及网站")
    put(row, 3, "公示网站")
    put(row, 4, website)
    row += 1
    put(row, 1, 5)
    put(row, 2, "全区本系统开展随机抽查情况", strong=True)
    row += 1
    for column, header in enumerate(
        ("开展的单位", "抽查检查主体数量（户次）", "抽查结果公示数量（户次）"), 2
    ):
        put(row, column, header, strong=True)
    for unit in figures["units"]:
        row += 1
        put(row, 2, unit["unit"])
        put(row, 3, int(unit["inspections"]))
        put(row, 4, int(unit["published"]))
    row += 2
    put(row, 1, "联系人：           联系电话：         手机：         ")
    for column, width in zip("ABCD", (6, 44, 24, 60)):
        sheet.column_dimensions[column].width = width

    notes = book.create_sheet(NOTES_SHEET)
    for line in (("项目", "统计口径"), *NOTES):
        notes.append(list(line))
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 90
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        save_workbook(book, out)
    except OSError as exc:
        raise ConfigError(f"无法写入 {out}：{exc.strerror or exc}") from exc
    return figures
