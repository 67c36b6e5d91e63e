"""The 数据字典 page: every published field with its type, range, publicity and rules."""

from __future__ import annotations

from typing import Any

from generator.model.tables import published_tables, withheld_fields
from generator.publish.site.markdown import (
    NO_VALUE,
    Markdown,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
)


def render_dictionary_page() -> str:
    """Render 数据字典: every published table and field, from ``schemas/``.

    Each table lists its published fields (public and masked) with 中文名, 类型, 说明,
    取值范围 and 公开方式; the fields that are never published are named, with the reason,
    in a note after the table. Everything comes from the schemas, nothing from the data.

    Returns:
        The page as Markdown.
    """
    parts = [
        front_matter(hide=["navigation"]),
        "# 数据字典",
        (
            "本页根据表结构自动生成，说明[开放数据](index.md)中每张表、每个字段的含义。"
            "CSV、JSON、Excel、Parquet 和 SQLite 各格式的列名都是下表中的英文字段名，"
            "内容完全相同。"
        ),
        "## 通用约定",
        "\n".join(f"- {line}" for line in _DICTIONARY_CONVENTIONS),
    ]
    hidden = withheld_fields()
    for name, table in published_tables().items():
        keys = "、".join(escape_markdown_cell(k) for k in table.primary_key)
        parts.append(f"## {escape_markdown_cell(table.title)}（{name}） {{#{name}}}")
        parts.append(
            f"{escape_markdown_cell(table.description)}"
            f"共 {len(table.fields)} 个公开字段；主键（每行唯一）：{keys or NO_VALUE}。"
        )
        rows = [
            (
                spec.name,
                spec.title,
                _TYPE_NAMES.get(spec.type, spec.type),
                ("主键。" if spec.name in table.primary_key else "")
                + str(spec.descriptor.get("description") or ""),
                Markdown(_value_range(spec)),
                _publicity_text(spec),
            )
            for spec in table.fields
        ]
        parts.append(
            markdown_table(
                ("字段名", "中文名", "类型", "说明", "取值范围", "公开方式"),
                rows,
                ("left",) * 6,
            )
        )
        if hidden[name]:
            notes = [
                f"- **{escape_markdown_cell(spec.title)}**：{_publicity_text(spec)}。"
                f"{escape_markdown_cell(spec.descriptor.get('description'))}"
                for spec in hidden[name]
            ]
            parts.append(
                "**不公开的字段**（不出现在本站任何页面和下载文件中）：\n\n" + "\n".join(notes)
            )
    return join_blocks(parts)


_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "boolean": "是/否",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "日期时间（YYYY-MM-DDThh:mm:ss，北京时间，可带时区）",
}


_MASK_RULES = {
    "name": "保留第一个字（姓氏），其余每个字替换为 *",
    "id_number": "保留前 3 位和后 4 位，其余替换为 *",
    "phone": "保留前 3 位和后 4 位，其余替换为 *",
}


_DICTIONARY_CONVENTIONS = (
    "**字段名**是各格式中的列名或键名；**中文名**是导出文件中常见的表头。",
    "**空值**：CSV 中为空单元格，JSON 中为 null，Excel 中为空单元格，Parquet 和 SQLite 中为 NULL。",
    "**日期**写作 YYYY-MM-DD；**日期时间**写作 YYYY-MM-DDThh:mm:ss（北京时间；导出文件注明时区的，带时区）。",
    "**编码**（统一社会信用代码、注册号、各类编号、行政区划代码）在所有格式中都是文本，保留前导零和末位 X。",
    (
        "**CSV 防公式注入**：以 `=`、`+`、`-`、`@`、制表符、回车符或英文单引号 `'` 开头的"
        "文本单元格，在 CSV 中前面多加一个 '，使电子表格不会把它当作公式执行；"
        "去掉开头的一个 ' 即得原值。其他格式保存原值。"
    ),
    (
        "**公开方式**：“公开”按原样发布；“遮蔽后公开”的个人信息只发布遮蔽后的值，"
        "原值不进入本站任何页面和文件；“不予公示”和“仅内部统计”的字段不发布。"
    ),
)


def _value_range(spec: Any) -> str:
    """取值范围 of a field: enum, pattern, bounds and whether it is required."""
    constraints = spec.descriptor.get("constraints") or {}
    parts = []
    if constraints.get("required"):
        parts.append("必填")
    if spec.separator:
        parts.append(f"可有多个值，以“{escape_markdown_cell(spec.separator)}”分隔")
        if spec.enum:
            parts.append("每个值取：" + "、".join(escape_markdown_cell(v) for v in spec.enum))
    elif constraints.get("enum"):
        parts.append("取值：" + "、".join(escape_markdown_cell(v) for v in constraints["enum"]))
    if constraints.get("pattern") and not (spec.separator and spec.enum):
        pattern = escape_markdown_cell(constraints["pattern"])
        parts.append(f"格式（正则表达式）：<code>{pattern}</code>")
    if constraints.get("minimum") is not None:
        parts.append(f"最小值 {constraints['minimum']}")
    if constraints.get("maximum") is not None:
        parts.append(f"最大值 {constraints['maximum']}")
    return "；".join(parts) or NO_VALUE


def _publicity_text(spec: Any) -> str:
    """公开方式 of a field, with the masking rule or the reason it is not published."""
    if spec.publicity == "public":
        return "公开"
    if spec.publicity == "masked":
        rule = _MASK_RULES.get(spec.mask or "", "全部替换为 *")
        return f"遮蔽后公开：个人信息，{rule}"
    if spec.publicity == "withheld":
        return "不予公示：个人信息，导入时即删除"
    if spec.publicity == "notice":
        return "只用于撤回公告：撤回的记录不再出现在数据集中，原因和日期见撤回公告与更新日志"
    return "仅内部统计：不按企业公示，只用于按类别汇总"
