"""Exceptions and the registry of data-issue codes.

Exceptions are for problems that stop a command. Data problems are *issues*: one
:class:`Issue` per bad cell, row or file, with a stable kebab-case ``code`` and a Chinese
message and hint from :data:`ISSUE_CODES`. Codes are never renamed once published,
because reports and pages link to them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import click


class GongkaiError(click.ClickException):
    """Base of every error gongkai raises on purpose; the CLI prints it without a traceback."""

    exit_code = 2


class ConfigError(GongkaiError):
    """Raised when a setting or a schema is invalid."""


class IngestError(GongkaiError):
    """Raised when a file cannot be read at all (encoding, format, unsafe or corrupt content)."""

    def __init__(self, code: str, *, technical: str | None = None, **params: Any) -> None:
        self.code = code
        self.params = params
        message, hint = render_issue_text(code, params)
        super().__init__(f"{message}{hint and '。' + hint}")
        self.issue_message = message
        self.issue_hint = hint
        self.technical = technical
        """The exception text behind the refusal, for the operator's terminal: never published
        (it may hold English library messages and server paths)."""
        self.rows: list[int] = []
        """Numbers of the rows refused with the file, when they could be counted."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process, it travels back pickled: rebuilt from its code and params.
        return (functools.partial(IngestError, self.code, **self.params), ())


class BuildAbort(GongkaiError):
    """Raised when a build must stop before anything is published."""


@dataclass(frozen=True)
class IssueCode:
    """Chinese text for one issue code; ``{name}`` placeholders are filled from the issue."""

    level: str
    message: str
    hint: str


# Each code: level, message template, hint template. Placeholders: {column}, {value},
# {expected}, {detail}, {kind}, {other}.
ISSUE_CODES: dict[str, IssueCode] = {
    # File level
    "empty-file": IssueCode("error", "文件为空", "请确认导出时选择了正确的数据范围并重新导出"),
    "unreadable-encoding": IssueCode(
        "error",
        "文件编码无法识别（{detail}），无法读取",
        "请在 Excel 或 WPS 中“另存为 CSV UTF-8（逗号分隔）”后重新放入数据目录",
    ),
    "file-too-large": IssueCode(
        "error",
        "文件超过读取上限，未读取（{detail}）",
        "请删除工作表中远处的空白格式或多余的行列后重新保存，或把文件拆分为几个较小的文件；"
        "确认文件可信时，也可在数据目录的 gongkai.yml 中提高 limits 的 cells（单元格数）、"
        "unpacked_bytes（解压后字节数）或 file_bytes（文件字节数）",
    ),
    "control-characters": IssueCode(
        "warning",
        "「{column}」含有不可见的控制字符（如 NUL），已删除后读入",
        "控制字符多来自导出程序的缺陷；请核对该单元格的内容，并在业务系统中修正后重新导出",
    ),
    "unknown-file-format": IssueCode(
        "error",
        "无法识别的文件格式（{detail}）",
        "请导出为 .xlsx 或 .csv 文件；旧版 .xls 请用 Excel 另存为 .xlsx",
    ),
    "corrupt-file": IssueCode(
        "error", "文件已损坏，无法打开（{detail}）", "请从业务系统重新导出该文件"
    ),
    "unsafe-file": IssueCode(
        "error",
        "文件疑似恶意构造，已拒绝读取（{detail}）",
        "请从业务系统重新导出；如确为正常文件，请拆分为多个较小的文件",
    ),
    "header-not-found": IssueCode(
        "error",
        "无法识别文件类型：前 {detail} 行中没有找到可识别的表头",
        "表头应包含如“抽查任务编号”“企业名称”“统一社会信用代码”“检查结果”等列名；"
        "请检查是否导出了正确的表格",
    ),
    "missing-column": IssueCode(
        "error",
        "缺少必需的列「{column}」，整个文件的数据行均被隔离",
        "请在导出时勾选该列，或在表头中补上该列名",
    ),
    "no-data-rows": IssueCode(
        "warning", "文件只有表头，没有数据行", "如果本期确无数据可忽略；否则请重新导出"
    ),
    "unknown-column": IssueCode(
        "warning",
        "无法识别的列「{column}」，该列未被使用",
        "如该列应当发布，请在 schemas/ 中为对应字段增加同义列名",
    ),
    "duplicate-column": IssueCode(
        "warning",
        "列「{column}」与列「{other}」对应同一字段：以「{other}」为准，「{other}」为空的行取「{column}」的值",
        "两列含义相同（如统一社会信用代码与注册号）时无需修改；含义不同时请删除或改名其中一列",
    ),
    "extra-sheets": IssueCode(
        "warning", "工作簿有多个工作表，只读取了「{detail}」", "如其他工作表也有数据，请另存为单独的文件"
    ),
    # Identifiers
    "invalid-uscc-check": IssueCode(
        "error",
        "「{column}」校验位错误：应为 {expected}",
        "请核对原始登记信息，确认代码没有抄录或导出错误",
    ),
    "invalid-uscc-format": IssueCode(
        "error",
        "「{column}」不是有效的统一社会信用代码或注册号（{detail}）",
        "统一社会信用代码为 18 位数字或大写字母（不含 I、O、Z、S、V），旧版注册号为 15 位数字；请核对原始登记信息",
    ),
    "invalid-regno-check": IssueCode(
        "error",
        "「{column}」15 位注册号校验位错误：应为 {expected}",
        "请核对原始登记信息；若该企业已换发统一社会信用代码，请使用新代码",
    ),
    "excel-scientific-notation": IssueCode(
        "error",
        "「{column}」被 Excel 转成了科学计数法，原代码已丢失",
        "请在业务系统重新导出，并在 Excel 中把该列设为“文本”格式后再保存",
    ),
    "excel-precision-loss": IssueCode(
        "error",
        "「{column}」被 Excel 当作数字保存，只保留了 15 位有效数字，末尾几位已丢失",
        "请在业务系统重新导出，并在 Excel 中把该列设为“文本”格式后再保存",
    ),
    "invalid-region-code": IssueCode(
        "error",
        "「{column}」不是有效的 GB/T 2260 行政区划代码",
        "行政区划代码为 6 位数字，如 140902；请核对",
    ),
    "invalid-identifier": IssueCode(
        "error",
        "「{column}」编号格式不正确（只允许字母、数字、点、下划线和连字符，最长 64 位）",
        "请核对编号，去掉空格和其他符号",
    ),
    "invalid-id-number": IssueCode(
        "warning", "「{column}」身份证号码校验失败", "请核对经营者身份证号码（该字段不公示）"
    ),
    # Values
    "missing-value": IssueCode("error", "「{column}」为空", "该列为必填项，请补全后重新导出"),
    "invalid-date": IssueCode(
        "error",
        "「{column}」不是有效日期",
        "请使用 2024-03-25、2024/3/25、2024年3月25日 或 20240325 等格式，并确认日期真实存在",
    ),
    "invalid-datetime": IssueCode(
        "error", "「{column}」不是有效的日期时间", "请使用 2024-03-25 09:30:00 格式"
    ),
    "invalid-integer": IssueCode("error", "「{column}」应为整数", "请填写不带小数的数字，如 120"),
    "invalid-number": IssueCode("error", "「{column}」应为数字", "请填写数字"),
    "invalid-enum": IssueCode(
        "error", "「{column}」的取值不在允许范围内", "允许的取值：{expected}"
    ),
    "invalid-pattern": IssueCode("error", "「{column}」格式不正确", "应符合格式：{expected}"),
    "value-too-small": IssueCode("error", "「{column}」不能小于 {expected}", "请核对数值"),
    "unknown-outcome": IssueCode(
        "error",
        "「{column}」的检查结果用语无法对应到标准结果",
        "请使用标准用语，如“未发现问题”“发现问题已责令改正”“未按规定公示应当公示的信息”等；"
        "如确为新用语，请在 schemas/vocabulary/outcomes.yml 中登记",
    ),
    "unchecked-outcomes": IssueCode(
        "error",
        "「{column}」是复选框列表，但没有勾选任何结果",
        "请勾选（☑）实际的检查结果，或只填写结果用语，多个结果用“；”分隔",
    ),
    "corrections-applied": IssueCode(
        "warning",
        "已按更正表修改 {detail} 行",
        "更正后的行照常校验；全部修正后可在导出系统中一并更正，并删除更正表",
    ),
    "corrections-stale": IssueCode(
        "warning",
        "更正表中的行未使用，因为原文件对应的行已变化：{detail}",
        "原文件已修改或重新导出时，请重新运行 gongkai validate --corrections 生成新的更正表",
    ),
    "unreadable-corrections": IssueCode(
        "error",
        "更正表无法读取：{detail}",
        "请用 gongkai validate --corrections 重新生成更正表，只修改单元格内容，不要增删列或改动“原行号”和隐藏的工作表",
    ),
    "outcomes-for-whole-check": IssueCode(
        "warning",
        "「{column}」有 {detail}，无法逐项对应：全部结果作为这次检查的整体结果公示（结果对应方式 = 整体）",
        "如需逐项公示，请让检查事项与检查结果按相同顺序、相同个数用“；”分隔",
    ),
    # Tables
    "duplicate-record": IssueCode(
        "error",
        "与第 {other} 行重复（同一任务、企业和检查事项）",
        "请删除重复的行",
    ),
    "duplicate-key": IssueCode(
        "error", "「{column}」{value} 与第 {other} 行重复", "主键必须唯一，请核对编号"
    ),
    "unknown-task": IssueCode(
        "error",
        "「{column}」{value} 在抽查任务文件中不存在",
        "请核对任务编号，或把该任务补充到抽查任务文件中",
    ),
    "penalty-without-problem": IssueCode(
        "error",
        "「{column}」已填写，但检查结果“{detail}”没有发现问题：未发现问题的检查不能有立案或行政处罚",
        "请核对检查结果（发现问题的应填写相应结果用语）或删除立案、处罚信息；处罚应与查出问题的检查对应",
    ),
    "followup-before-inspection": IssueCode(
        "error",
        "「{column}」早于检查完成日期 {expected}",
        "后续处置、立案、处罚、列入经营异常名录和完结都发生在检查之后，请核对日期",
    ),
    "removal-before-listing": IssueCode(
        "error",
        "「{column}」早于列入经营异常名录日期（{expected}），或没有列入日期",
        "请填写列入经营异常名录日期，并核对移出日期不早于列入日期",
    ),
    "withdrawal-without-reason": IssueCode(
        "warning",
        "结果标为“撤回”，但没有填写撤回原因",
        "请在“撤回原因”列说明撤回的理由（不要写个人信息）；撤回公告将显示“未说明原因”",
    ),
    "unknown-plan": IssueCode(
        "warning",
        "「{column}」{value} 在年度抽查计划文件中不存在",
        "请核对计划编号，或把该计划补充到年度抽查计划文件中",
    ),
    "unknown-item": IssueCode(
        "warning",
        "「{column}」在抽查事项清单中找不到对应事项",
        "请核对检查事项名称是否与抽查事项清单一致",
    ),
    "conflicting-record": IssueCode(
        "error",
        "与「{other}」中的同一{kind}记录内容不一致，本行未被采用",
        "请核对两份文件，删除过时的一份或修正不一致的内容",
    ),
    "personal-data-masked": IssueCode(
        "warning",
        "「{column}」中有个人信息（{detail}），已遮盖后公示",
        "个人信息不应写入自由文本：请在业务系统中删除该处身份证号或电话号码后重新导出；"
        "本次公示的全部页面和数据文件中已遮盖（如 138****5678），本行照常公示",
    ),
    "template-row": IssueCode(
        "warning", "模板示例行或填写说明行，已跳过", "请在导出或填写后删除模板中的示例行"
    ),
}


def render_issue_text(code: str, params: dict[str, Any]) -> tuple[str, str]:
    """Return the Chinese message and hint of an issue code with its placeholders filled."""
    spec = ISSUE_CODES[code]
    values = _DefaultDict(params)
    return spec.message.format_map(values), spec.hint.format_map(values)


class _DefaultDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass
class Issue:
    """One data problem found while reading or validating exports."""

    code: str
    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    show_value: bool = True

    @property
    def level(self) -> str:
        """``error`` quarantines the row; ``warning`` is reported only."""
        return ISSUE_CODES[self.code].level

    def to_dict(self) -> dict[str, Any]:
        """The issue as the JSON report shows it (``value`` omitted for private fields)."""
        message, hint = render_issue_text(
            self.code,
            {
                "column": self.column or "",
                "value": (self.value or "") if self.show_value else "",
                **self.params,
            },
        )
        if self.row is not None:
            message = f"第 {self.row} 行{message}"
        out: dict[str, Any] = {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "level": self.level,
            "message": message,
            "hint": hint,
        }
        if self.show_value and self.value is not None:
            out["value"] = self.value
        return out

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order issues by file, row, column and code."""
        return (self.file, self.row or 0, self.column or "", self.code)
