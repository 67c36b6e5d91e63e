"""Building blocks of the generated Markdown pages: escaping data into cells, tables, links between pages, front matter; shared by every page module."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from generator.model.changes import describe_change
from generator.model.identity import record_path

GENERATED_DIR = "generated"
"""Folder inside the MkDocs ``docs_dir`` that holds every generated file."""
QUALITY_PAGE = "quality.md"
HOME_SNIPPET = "snippets/home.md"
LATEST_SNIPPET = "snippets/latest.md"
CONTACT_SNIPPET = "snippets/contact.md"
ITEMS_PAGE = "items.md"
PLANS_PAGE = "plans.md"
TASKS_PAGE = "tasks.md"
HANDBOOK_INDEX = "handbook/index.md"
OPEN_DATA_PAGE = "open-data/index.md"
DICTIONARY_PAGE = "open-data/dictionary.md"
CHANGELOG_PAGE = "open-data/changelog.md"
FEEDS_PAGE = "open-data/feeds.md"
"""Generated files, relative to :data:`GENERATED_DIR`; each industry adds
:func:`handbook_page`. Snippets are included into ``site_src/index.md`` (the site root).
The open-data pages are written only by builds that wrote the downloads (``release``)."""
OPEN_DATA_HTML = "open-data/index.html"
"""Where :data:`OPEN_DATA_PAGE` is published; ``build`` adds its JSON-LD there."""


DATA_DRIVEN_KEY = "gongkai_data"
"""Front-matter flag of pages whose HTML the hook checks with ``is_clean``."""


NAV_KEY = "gongkai_nav"
"""Front-matter key of :data:`HANDBOOK_INDEX`: the industry pages, ``[{title: path}]`` in
order, which the hook appends to the navigation section that holds the index."""


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|])")


# Control characters, including the STX/ETX that Python-Markdown uses for its placeholders.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


NO_VALUE = "—"


_TITLE_PUNCTUATION = frozenset(" ·-—（）()、，,。：:/／")


_TITLE_MAX = 40


class Markdown(str):
    """Markdown that this module built from escaped values; ``markdown_table`` takes it as it is."""


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


def safe_title(text: str | None, fallback: str) -> str:
    """``text`` if it can be a page or navigation title as it is, else ``fallback``.

    MkDocs and Material put titles into the page unescaped (and ``striptags`` even undoes
    escaping), so a title from data is used only when it consists of letters, digits
    (any script) and a little punctuation that means nothing in HTML, Markdown or YAML.

    Args:
        text: A title from data.
        fallback: Fixed text to use instead.
    """
    if (
        text
        and len(text) <= _TITLE_MAX
        and text == text.strip()
        and all(c.isalnum() or c in _TITLE_PUNCTUATION for c in text)
    ):
        return text
    return fallback


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]], align: Sequence[str]) -> str:
    """A Markdown table: fixed ``headers`` raw, every cell escaped unless built here."""
    rule = {"left": "---", "right": "---:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    return value if isinstance(value, Markdown) else escape_markdown_cell(value)


def front_matter(**meta: Any) -> str:
    """YAML front matter marking a data-driven page, with ``meta`` (fixed or safe text)."""
    text = yaml.safe_dump({**meta, DATA_DRIVEN_KEY: True}, allow_unicode=True, sort_keys=True)
    return f"---\n{text}---"


def root_of(page: str) -> str:
    """The relative URL from a generated page, as published, back to the site root.

    The hook publishes ``generated/a/b.md`` at ``a/b/`` (``use_directory_urls``, which it
    enforces) and ``generated/a/index.md`` at ``a/``.
    """
    parts = page.removesuffix(".md").split("/")
    if parts[-1] == "index":
        parts.pop()
    return "../" * len(parts)


def page_name(page: str) -> str:
    """A generated page's file name, for a Markdown link from a page in the same folder."""
    return page.rsplit("/", 1)[-1]


def page_link(text: str, page: str) -> Markdown:
    """A Markdown link (checked by MkDocs) from the home page to a generated page."""
    return Markdown(f"[{text}]({GENERATED_DIR}/{page})")


def record_href(root: str, kind: str, slug: str) -> str:
    """The relative link from a page at ``root`` to a record page."""
    return html.escape(root + record_path(kind, slug), quote=True)


def record_link(root: str, kind: str, record: dict[str, Any]) -> Markdown:
    """An inline HTML link to a plan's or task's record page, its name as the text."""
    key = {"plan": "plan_id", "task": "task_id"}[kind]
    text = escape_markdown_cell(record.get("name") or record[key])
    return Markdown(f'<a href="{record_href(root, kind, record["slug"])}">{text}</a>')


def period_text(record: dict[str, Any]) -> str:
    """A record's period (start to end) as one cell."""
    start, end = record.get("start"), record.get("end")
    if start and end:
        return f"{start} 至 {end}"
    return str(start or end or NO_VALUE)


def count_or_dash(value: Any) -> str:
    """A count, or a dash when there is none."""
    return NO_VALUE if value in (None, "") else count_text(value)


def natural_key(text: Any) -> tuple[Any, ...]:
    """Sort key that puts ``2`` before ``10``."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text))
    )


def join_blocks(parts: list[str]) -> str:
    """Markdown blocks separated by blank lines, ending in a newline."""
    return "\n\n".join(parts) + "\n"


def as_of_text(report: dict[str, Any]) -> str:
    """The report's 数据截至 date, escaped, or 暂无."""
    return escape_markdown_cell(report.get("data_as_of")) or "暂无"


def count_text(value: int | None) -> str:
    """A count with thousands separators."""
    return f"{int(value or 0):,}"


def write_if_changed(path: Path, text: str) -> None:
    """Replace a file atomically, and only when its content changed."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def correction_notice(notice: dict[str, Any], page: str) -> str:
    """A dated 更正说明 admonition for a generated page (record pages use a template)."""
    changes = [describe_change(change) for change in notice["changes"]]
    lines = [
        f'!!! warning "更正说明（{escape_markdown_cell(notice.get("date")) or "日期不详"}）"',
        "",
        (f"    版本 {escape_markdown_cell(notice['release'])} 更正了"
        f"{escape_markdown_cell(notice['label'])}："),
        "",
        *(f"    - {escape_markdown_cell(text)}" for text in changes),
        "",
        f"    各版本的全部变更见[更新日志]({os.path.relpath(CHANGELOG_PAGE, os.path.dirname(page))})。",
    ]
    return "\n".join(lines)


def item_ref_link(root: str, item: dict[str, Any]) -> str:
    """``SJ-SC-001 企业公示信息的检查`` linking to the item's page."""
    text = escape_markdown_cell(f"{item['item_id']} {item.get('name') or ''}".strip())
    return f'<a href="{record_href(root, "item", item["slug"])}">{text}</a>'


COUNT_FIELDS = ("rows_in", "rows_published", "rows_quarantined", "rows_withheld")
