"""Render the Markdown pages that are generated from the quality report.

The generated pages live in ``site_src/generated/`` (git-ignored) and are rebuilt on every
``gongkai build``; the hand-written pages (``index.md``, ``about.md``) never repeat what is
generated here. Everything taken from the report goes through :func:`escape_markdown_cell`,
so data can never turn into Markdown or HTML markup; only this module's fixed Chinese text is
written raw.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from generator.schemas import KINDS, load_schemas

GENERATED_DIR = "generated"
"""Folder inside the MkDocs ``docs_dir`` that holds every generated file."""

QUALITY_PAGE = "quality.md"
HOME_SNIPPET = "snippets/home.md"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|])")
# Control characters, including the STX/ETX that Python-Markdown uses for its placeholders.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NO_VALUE = "—"

# Column sets shared by the error and warning tables.
_ISSUE_HEADERS = ("行", "列", "代码", "说明", "修改建议", "值")
_ISSUE_ALIGN = ("right", "left", "left", "left", "left", "left")
_COUNT_FIELDS = ("rows_in", "rows_published", "rows_quarantined", "rows_withheld")


def escape_markdown_cell(value: object) -> str:
    """Make a value safe to place anywhere in Markdown text, including a table cell.

    Markdown metacharacters are backslash-escaped, then ``& < > " '`` become HTML entities,
    and line breaks and other control characters become spaces, so the value renders as the
    same plain text in the final HTML and can neither add markup nor leave its table cell.

    Args:
        value: Any value from the report; ``None`` becomes an empty string.

    Returns:
        The escaped text, on one line.
    """
    if value is None:
        return ""
    text = _CONTROL.sub(" ", " ".join(str(value).splitlines()))
    # Backslashes first, entities second: escaping the ``#`` of ``&#x27;`` would break it.
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=True)


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
        "---\nhide:\n  - navigation\n---",
        "# 数据质量报告",
        (
            "本页由 gongkai 在每次生成网站时根据数据目录中的导出文件自动生成。"
            "[如何阅读本报告](../about.md#如何阅读数据质量报告)"
        ),
        f"**数据截至：{_as_of(report)}**",
        "## 总计",
        _render_totals(report),
        "## 公示记录",
        _table(
            ("类型", "条数"),
            [(titles.get(kind, kind), _count(n)) for kind, n in _records(report)],
            ("left", "right"),
        ),
        "## 文件",
        _render_files(report, titles),
        *_render_issues(
            report.get("errors", []),
            "错误",
            "有错误的行已被隔离，不在本站公示，修正后重新导出即可。",
        ),
        *_render_issues(report.get("warnings", []), "警告", "警告不影响公示，但建议核对原始数据。"),
        *_render_conflicts(report.get("conflicts", []), titles),
    ]
    return _blocks(parts)


def render_home_snippet(report: dict[str, Any]) -> str:
    """Render the data-derived part of the home page: date and headline counts.

    ``site_src/index.md`` includes it with ``--8<--`` (pymdownx.snippets).

    Args:
        report: The dict of ``Report.to_dict()``.

    Returns:
        A Markdown fragment.
    """
    titles = _kind_titles()
    rows = [(titles.get(kind, kind), _count(n)) for kind, n in _records(report)]
    totals = (_count(report.get(name, 0)) for name in _COUNT_FIELDS)
    return _blocks(
        [
            f"**数据截至：{_as_of(report)}**",
            _table(("公示内容", "条数"), rows, ("left", "right")),
            "本期共读入 {} 行数据：公示 {} 行，隔离 {} 行，不予公示 {} 行。".format(*totals),
        ]
    )


GENERATED_FILES: dict[str, Callable[[dict[str, Any]], str]] = {
    QUALITY_PAGE: render_quality_page,
    HOME_SNIPPET: render_home_snippet,
}
"""Every generated file, by path relative to :data:`GENERATED_DIR`, and its renderer."""


def write_generated_pages(report: dict[str, Any], docs_dir: Path) -> list[Path]:
    """Write every generated page into ``docs_dir/generated/`` and remove stale ones.

    Each file is replaced atomically and only when its content changed, so a concurrent
    build or ``mkdocs serve`` never reads a half-written page.

    Args:
        report: The dict of ``Report.to_dict()``.
        docs_dir: The MkDocs ``docs_dir`` (``site_src/``).

    Returns:
        The paths written or kept, sorted.
    """
    root = docs_dir / GENERATED_DIR
    wanted = {root / name: render(report) for name, render in GENERATED_FILES.items()}
    for path, text in wanted.items():
        _write_if_changed(path, text)
    for path in sorted(root.rglob("*"), reverse=True):
        if path.name.startswith("."):  # another build's file being written
            continue
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(wanted)


# Sections


def _render_totals(report: dict[str, Any]) -> str:
    counts = [int(report.get(name) or 0) for name in _COUNT_FIELDS]
    rows_in, published, quarantined, withheld = counts
    table = _table(
        ("项目", "行数", "含义"),
        [
            ("读入", _count(rows_in), "导出文件中的全部数据行"),
            ("公示", _count(published), "通过检查、在本站公示的行"),
            ("隔离", _count(quarantined), "有错误、暂不公示的行，修正后可重新导入"),
            ("不予公示", _count(withheld), "按公示规则不在本站公示的行"),
        ],
        ("left", "right", "left"),
    )
    total = published + quarantined + withheld
    equation = "读入 = 公示 + 隔离 + 不予公示"
    if rows_in == total:
        verdict = (
            f'!!! success "行数平衡"\n\n    {equation}：'
            f"{_count(rows_in)} = {_count(published)} + {_count(quarantined)} + {_count(withheld)}。"
        )
    else:
        verdict = (
            f'!!! danger "行数不平衡"\n\n    {equation} 不成立：读入 {_count(rows_in)} 行，'
            f"公示 + 隔离 + 不予公示 = {_count(total)} 行，相差 {_count(abs(rows_in - total))} 行。"
        )
    return f"{table}\n\n{verdict}"


def _render_files(report: dict[str, Any], titles: dict[str, str]) -> str:
    files = sorted(report.get("files", []), key=lambda f: str(f.get("path") or ""))
    if not files:
        return "数据目录中没有找到导出文件。"
    return _table(
        ("文件", "识别类型", "格式", "编码", "读入", "公示", "隔离", "不予公示"),
        [
            (
                f.get("path"),
                f.get("kind_title") or titles.get(f.get("kind") or "") or "未识别",
                f.get("format") or _NO_VALUE,
                f.get("encoding") or _NO_VALUE,
                *(_count(f.get(name, 0)) for name in _COUNT_FIELDS),
            )
            for f in files
        ],
        ("left", "left", "left", "left", "right", "right", "right", "right"),
    )


def _render_issues(issues: list[dict[str, Any]], noun: str, intro: str) -> list[str]:
    """One section of issues (errors or warnings), grouped per file, sorted."""
    parts = [f"## {noun}（{_count(len(issues))} 条）"]
    if not issues:
        return [*parts, f"未发现{noun}。"]
    parts.append(intro)
    groups: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        groups.setdefault(str(issue.get("file") or ""), []).append(issue)
    for file in sorted(groups):
        rows = sorted(groups[file], key=_issue_sort_key)
        heading = escape_markdown_cell(file) if file else "（不属于单个文件）"
        parts.append(f"### {heading}（{_count(len(rows))} 条）")
        parts.append(
            _table(
                _ISSUE_HEADERS,
                [
                    (
                        _NO_VALUE if i.get("row") is None else i["row"],
                        i.get("column") or _NO_VALUE,
                        i.get("code"),
                        i.get("message"),
                        i.get("hint"),
                        i.get("value", ""),
                    )
                    for i in rows
                ],
                _ISSUE_ALIGN,
            )
        )
    return parts


def _render_conflicts(conflicts: list[dict[str, Any]], titles: dict[str, str]) -> list[str]:
    parts = [f"## 冲突（{_count(len(conflicts))} 条）"]
    if not conflicts:
        return [*parts, "未发现冲突。"]
    parts.append("同一条记录出现在多个文件中且内容不一致时，只采用其中一行，其余舍弃：")
    rows = sorted(conflicts, key=lambda c: (str(c.get("kind")), str(c.get("key"))))
    parts.append(
        _table(
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


# Helpers


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], align: Sequence[str]) -> str:
    """A Markdown table: fixed ``headers`` raw, every cell escaped."""
    rule = {"left": "---", "right": "---:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(escape_markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _blocks(parts: list[str]) -> str:
    """Markdown blocks separated by blank lines, ending in a newline."""
    return "\n\n".join(parts) + "\n"


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


def _as_of(report: dict[str, Any]) -> str:
    return escape_markdown_cell(report.get("data_as_of")) or "暂无"


def _count(value: int | None) -> str:
    return f"{int(value or 0):,}"


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
