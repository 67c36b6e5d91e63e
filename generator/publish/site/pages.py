"""Render the Markdown pages that are generated from the quality report and the model.

The generated pages live in ``site_src/generated/`` (git-ignored) and are rebuilt on every
``gongkai build``; the hand-written pages (``index.md``, ``about.md``) never repeat what is
generated here. The overrides hook publishes ``generated/x.md`` at ``x/``.

Safe by construction: every value taken from the data goes through
:func:`escape_markdown_cell`, so it can never turn into Markdown or HTML markup; Markdown
from data (合规手册 section bodies) is rendered and sanitised by
:func:`generator.publish.site.sanitize.render_markdown` and embedded as HTML. Only this module's fixed
Chinese text, record-page hrefs built from validated slugs, and titles that pass
:func:`safe_title` are written raw. Page titles are fixed Chinese text wherever possible,
because MkDocs and Material do not escape titles. Every generated page carries
``gongkai_data: true`` in its front matter, which makes the hook check that its HTML passes
the allowlist sanitiser unchanged.

Links to record pages (``item/<slug>/`` and so on, written outside MkDocs) are inline HTML
``<a href>`` with a URL relative to the page, so that MkDocs does not try to validate a page
it does not know and the site works under any subpath; links between MkDocs pages are
Markdown links to ``.md`` files, which ``mkdocs build --strict`` checks.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from generator.core.schemas import KINDS, load_schemas
from generator.model.changes import describe_change
from generator.model.entities import Model
from generator.model.identity import industry_slug, record_path, split_ids
from generator.model.tables import (
    DATA_FOLDER,
    DELTA_FILE,
    HISTORY_FILE,
    published_tables,
    withheld_fields,
)
from generator.publish.data.downloads import (
    CSV_TRIGGERS,
    FORMATS,
    FTS_COLUMNS,
    FTS_EXAMPLE,
    FTS_TABLE,
    SQLITE_FILE,
    Release,
)
from generator.publish.data.publications import (
    SITE_FEED,
    clean_text,
    department_slug,
    feed_file,
    feed_scopes,
)
from generator.publish.site.sanitize import render_markdown
from generator.stats.figures import Statistics

GENERATED_DIR = "generated"
"""Folder inside the MkDocs ``docs_dir`` that holds every generated file."""

QUALITY_PAGE = "quality.md"
HOME_SNIPPET = "snippets/home.md"
LATEST_SNIPPET = "snippets/latest.md"
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

LATEST_TASKS = 10
"""How many tasks the home page lists under 最新公示的检查结果."""
LATEST_PLANS = 5
"""How many plans the home page lists under 最新发布的抽查计划."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|])")
# Control characters, including the STX/ETX that Python-Markdown uses for its placeholders.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NO_VALUE = "—"
_SPLIT_LIST = re.compile(r"[；\n]+")
_TITLE_PUNCTUATION = frozenset(" ·-—（）()、，,。：:/／")
_TITLE_MAX = 40
_ANCHOR = re.compile(r"[A-Za-z][0-9A-Za-z._-]{0,80}")

# Column sets shared by the error and warning tables.
_ISSUE_HEADERS = ("行", "列", "代码", "说明", "修改建议", "值")
_ISSUE_ALIGN = ("right", "left", "left", "left", "left", "left")
_COUNT_FIELDS = ("rows_in", "rows_published", "rows_quarantined", "rows_withheld")


class _Markdown(str):
    """Markdown that this module built from escaped values; ``_table`` takes it as it is."""


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
        _front_matter(hide=["navigation"]),
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


def render_home_snippet(report: dict[str, Any], model: Model) -> str:
    """Render the headline figures of the home page: date, counts, problem share.

    ``site_src/index.md`` includes it with ``--8<--`` (pymdownx.snippets).

    Args:
        report: The dict of ``Report.to_dict()``.
        model: The published model.

    Returns:
        A Markdown fragment.
    """
    results = len(model.results)
    problems = sum(1 for r in model.results if r.get("problem"))
    share = f"{problems / results:.1%}" if results else _NO_VALUE
    rows: list[tuple[object, ...]] = [
        (_page_link("抽查事项", ITEMS_PAGE), _count(len(model.items))),
        (_page_link("年度抽查计划", PLANS_PAGE), _count(len(model.plans))),
        (_page_link("抽查任务", TASKS_PAGE), _count(len(model.tasks))),
        ("被检查的市场主体", _count(len(model.enterprises))),
        ("检查结果", _count(results)),
        ("发现问题的检查结果", f"{_count(problems)}（{share}）"),
    ]
    if model.handbook:
        sections = sum(len(s) for s in model.handbook.values())
        rows.append(
            (_page_link("合规手册", HANDBOOK_INDEX), f"{len(model.handbook)} 个行业，{sections} 节")
        )
    totals = (_count(report.get(name, 0)) for name in _COUNT_FIELDS)
    return _blocks(
        [
            f"**数据截至：{_as_of(report)}**",
            _table(("公示内容", "数量"), rows, ("left", "right")),
            "本期共读入 {} 行数据：公示 {} 行，隔离 {} 行，不予公示 {} 行。".format(*totals),
        ]
    )


def render_latest_snippet(model: Model) -> str:
    """Render the home page's latest publications: result batches and plans.

    A result *batch* is what one task published on one day. The home page lists the
    :data:`LATEST_TASKS` tasks that published most recently, each with its latest batch,
    and the :data:`LATEST_PLANS` newest plans. Included into ``site_src/index.md``.

    Args:
        model: The published model.

    Returns:
        A Markdown fragment (links relative to the site root).
    """
    root = ""
    batches: dict[str, dict[str, Any]] = {}
    for result in model.results:
        day = result.get("published_on")
        if not day:
            continue
        key = result.get("task_id") or f"@{result.get('task_name') or ''}"
        batch = batches.setdefault(key, {"day": day, "count": 0, "total": 0, "result": result})
        batch["total"] += 1
        if day > batch["day"]:
            batch.update(day=day, count=0, result=result)
        if day == batch["day"]:
            batch["count"] += 1
    latest = sorted(batches.items(), key=lambda kv: (kv[1]["day"], kv[0]), reverse=True)
    batch_rows = [
        (
            batch["day"],
            _task_cell(model, root, batch["result"]),
            _count(batch["count"]),
            _count(batch["total"]),
        )
        for _, batch in latest[:LATEST_TASKS]
    ]
    plans = sorted(
        model.plans.values(),
        key=lambda p: (p.get("published_on") or "", p["plan_id"]),
        reverse=True,
    )
    plan_rows = [
        (p.get("published_on"), _record_link(root, "plan", p), p.get("department"))
        for p in plans[:LATEST_PLANS]
    ]
    parts = ["### 最新公示的检查结果"]
    if batch_rows:
        parts += [
            "各抽查任务最近一次公示检查结果的日期和条数：",
            _table(
                ("公示日期", "抽查任务", "本次公示", "累计公示"),
                batch_rows,
                ("left", "left", "right", "right"),
            ),
            f"全部任务见{_page_link('抽查任务', TASKS_PAGE)}。",
        ]
    else:
        parts.append("暂无公示的检查结果。")
    parts.append("### 最新发布的抽查计划")
    if plan_rows:
        parts += [
            _table(("发布日期", "计划名称", "制定部门"), plan_rows, ("left", "left", "left")),
            f"全部计划见{_page_link('年度抽查计划', PLANS_PAGE)}。",
        ]
    else:
        parts.append("暂无抽查计划。")
    return _blocks(parts)


def render_items_page(model: Model) -> str:
    """Render 抽查事项清单: one table of every check item, each linking to its page.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = _root_of(ITEMS_PAGE)
    items = sorted(model.items.values(), key=lambda i: _natural(i["item_id"]))
    categories: dict[str, int] = {}
    for item in items:
        category = item.get("category") or "未分类"
        categories[category] = categories.get(category, 0) + 1
    summary = "，".join(f"{escape_markdown_cell(c)} {n} 项" for c, n in sorted(categories.items()))
    rows = [
        (
            item["item_id"],
            item.get("category"),
            _item_name_cell(root, item),
            item.get("department"),
            item.get("method"),
            item.get("industry"),
        )
        for item in items
    ]
    return _blocks(
        [
            _front_matter(hide=["navigation"]),
            "# 抽查事项清单",
            (
                f"本清单共 {_count(len(items))} 项抽查事项"
                + (f"（{summary}）" if summary else "")
                + "。点击事项名称，查看抽查依据、检查内容、涉及的抽查任务和对应的合规手册章节。"
            ),
            _table(
                ("事项编码", "类别", "名称/子项", "检查主体", "检查方式", "所属行业"),
                rows,
                ("left",) * 6,
            )
            if rows
            else "暂无抽查事项。",
        ]
    )


def render_plans_page(model: Model) -> str:
    """Render 年度抽查计划: one table of every plan, newest first.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = _root_of(PLANS_PAGE)
    plans = sorted(
        model.plans.values(),
        key=lambda p: (str(p.get("year") or ""), p.get("published_on") or "", p["plan_id"]),
        reverse=True,
    )
    rows = [
        (
            plan.get("year"),
            _record_link(root, "plan", plan),
            plan.get("department"),
            plan.get("plan_type"),
            _period(plan),
            plan.get("published_on"),
            _count(len(plan.get("tasks", []))),
        )
        for plan in plans
    ]
    return _blocks(
        [
            _front_matter(hide=["navigation"]),
            "# 年度抽查计划",
            (
                f"共 {_count(len(plans))} 个抽查计划，按年度和发布日期从新到旧排列。"
                "点击计划名称，查看抽查范围、比例、时间安排、抽查事项、抽查任务和修订说明。"
            ),
            _table(
                ("年度", "计划名称", "制定部门", "计划类型", "实施期间", "发布日期", "抽查任务"),
                rows,
                ("left", "left", "left", "left", "left", "left", "right"),
            )
            if rows
            else "暂无抽查计划。",
        ]
    )


def render_tasks_page(model: Model) -> str:
    """Render 抽查任务: one table of every task, newest first.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = _root_of(TASKS_PAGE)
    tasks = sorted(
        model.tasks.values(), key=lambda t: (t.get("start") or "", t["task_id"]), reverse=True
    )
    rows = [
        (
            _record_link(root, "task", task),
            task.get("lead_department"),
            _period(task),
            _count_or_blank(task.get("sample_size")),
            _count(len(task["results"])),
            _count(sum(1 for r in task["results"] if r.get("problem"))),
        )
        for task in tasks
    ]
    return _blocks(
        [
            _front_matter(hide=["navigation"]),
            "# 抽查任务",
            (
                f"共 {_count(len(tasks))} 个抽查任务，按开始日期从新到旧排列。"
                "点击任务名称，查看检查事项、牵头和配合部门、抽取过程和结果公告。"
                "抽取按户计，检查结果按条计（一户检查几个事项就有几条结果）。"
            ),
            _table(
                ("任务名称", "牵头部门", "实施期间", "抽取（户）", "检查结果（条）", "发现问题（条）"),
                rows,
                ("left", "left", "left", "right", "right", "right"),
            )
            if rows
            else "暂无抽查任务。",
        ]
    )


def render_handbook_index(model: Model) -> str:
    """Render the 合规手册 overview: one row per industry, linking to its page.

    Its front matter lists the industry pages under :data:`NAV_KEY` for the navigation.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    nav = [
        {
            safe_title(
                industry, f"行业 {industry_slug(industry)}"
            ): f"{GENERATED_DIR}/{handbook_page(industry)}"
        }
        for industry in model.handbook
    ]
    rows = []
    for industry, sections in model.handbook.items():
        link = f"[{escape_markdown_cell(industry)}]({_page_name(handbook_page(industry))})"
        items = {i for s in sections for i in _section_items(model, s)[0]}
        updated = max((s.get("updated_on") or "" for s in sections), default="")
        rows.append(
            (_Markdown(link), _count(len(sections)), _count(len(items)), updated or _NO_VALUE)
        )
    return _blocks(
        [
            _front_matter(**{NAV_KEY: nav}),
            "# 合规手册",
            (
                "“一业一查”合规手册按行业说明市场监管部门会检查什么、依据哪些法律法规、"
                "经营者怎样做才合规，并列出常见问题，供经营者自查自纠。"
                "每一节都对应抽查事项清单中的事项，事项页面也链接到这里。"
            ),
            _table(
                ("行业", "章节", "涉及抽查事项", "更新日期"),
                rows,
                ("left", "right", "right", "left"),
            )
            if rows
            else "暂无合规手册。",
        ]
    )


def render_handbook_page(model: Model, industry: str) -> str:
    """Render one industry's 合规手册 page: every section, with its ``anchor`` as id.

    Section bodies are Markdown from data, rendered and sanitised by
    :func:`generator.publish.site.sanitize.render_markdown` and embedded as an HTML block.

    Args:
        model: The published model.
        industry: A key of ``model.handbook``.

    Returns:
        The page as Markdown.
    """
    page = handbook_page(industry)
    root = _root_of(page)
    sections = model.handbook[industry]
    parts = [
        _front_matter(title=safe_title(industry, f"行业 {industry_slug(industry)}")),
        f"# 合规手册：{escape_markdown_cell(industry)}",
        (
            f"本行业共 {_count(len(sections))} 节。每节说明检查要求和合规做法，"
            "并列出对应的抽查事项、法律依据和常见问题。"
            "其他行业见[合规手册](index.md)。"
        ),
    ]
    parts += [
        _correction_notice(notice, page)
        for notice in model.notices.get(f"handbook/{industry_slug(industry)}/", [])
    ]
    for section in sections:
        parts.append(f"## {escape_markdown_cell(section.get('title'))} {{#{_anchor(section)}}}")
        body = render_markdown(section.get("body"))
        if body:
            # A raw HTML block: Python-Markdown leaves it as it is, so the sanitised HTML is
            # what the page shows. Blank lines around it make it a block of its own.
            parts.append(f'<div class="gongkai-markdown">\n{body.strip()}\n</div>')
        linked, unknown = _section_items(model, section)
        references = [_item_ref_link(root, model.items[i]) for i in linked]
        references += [escape_markdown_cell(ref) for ref in unknown]
        facts = [
            ("章节编号", escape_markdown_cell(section.get("section"))),
            ("对应抽查事项", "、".join(references)),
            ("法律依据", escape_markdown_cell(section.get("legal_basis"))),
            ("更新日期", escape_markdown_cell(section.get("updated_on"))),
        ]
        parts += [f"**{label}：** {value}" for label, value in facts if value]
        problems = [p.strip() for p in _SPLIT_LIST.split(section.get("common_problems") or "")]
        problems = [p for p in problems if p]
        if problems:
            parts.append("**常见问题：**")
            parts.append("\n".join(f"- {escape_markdown_cell(p)}" for p in problems))
    return _blocks(parts)


def handbook_page(industry: str) -> str:
    """The generated file of an industry's handbook page, relative to :data:`GENERATED_DIR`.

    It is published at ``handbook/<industry_slug>/``, which item pages link to.
    """
    return f"handbook/{industry_slug(industry)}.md"


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


def render_dictionary_page() -> str:
    """Render 数据字典: every published table and field, from ``schemas/``.

    Each table lists its published fields (public and masked) with 中文名, 类型, 说明,
    取值范围 and 公开方式; the fields that are never published are named, with the reason,
    in a note after the table. Everything comes from the schemas, nothing from the data.

    Returns:
        The page as Markdown.
    """
    parts = [
        _front_matter(hide=["navigation"]),
        "# 数据字典",
        (
            "本页根据表结构（schemas/）自动生成，说明[开放数据](index.md)中每张表、每个字段的含义。"
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
            f"共 {len(table.fields)} 个公开字段；主键（每行唯一）：{keys or _NO_VALUE}。"
        )
        rows = [
            (
                spec.name,
                spec.title,
                _TYPE_NAMES.get(spec.type, spec.type),
                ("主键。" if spec.name in table.primary_key else "")
                + str(spec.descriptor.get("description") or ""),
                _Markdown(_value_range(spec)),
                _publicity_text(spec),
            )
            for spec in table.fields
        ]
        parts.append(
            _table(
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
    return _blocks(parts)


def render_open_data_page(release: Release) -> str:
    """Render 开放数据: every download with format, size and SHA-256, the licence, how to
    cite the release, how to check and load the files, and the SQLite full-text example.

    Its JSON-LD (:func:`render_open_data_json_ld`) is added to the built page's ``<head>``
    by ``generator.build``: the page itself must pass the allowlist, which has no script.

    Args:
        release: What :func:`generator.publish.data.datasets.write_datasets` wrote.

    Returns:
        The page as Markdown.
    """
    root = _root_of(OPEN_DATA_PAGE)
    settings = release.settings
    licence = settings.license
    licence_link = _Markdown(
        f'<a href="{html.escape(licence["path"], quote=True)}">'
        f"{escape_markdown_cell(licence['title'])}</a>"
    )
    by_table = []
    for name, table in release.tables.items():
        cells: list[object] = [
            _Markdown(f"[{escape_markdown_cell(table.title)}](dictionary.md#{name})"),
            _count(release.counts.get(name, 0)),
        ]
        for fmt in ("csv", "json", "xlsx", "parquet"):
            item = release.download(f"{name}.{fmt}")
            cells.append(
                _Markdown(f"{_download_link(root, item, FORMATS[fmt][0])}（{_size(item.bytes)}）")
            )
        by_table.append(cells)
    every = [
        (
            _Markdown(_download_link(root, item, item.path)),
            item.title,
            _size(item.bytes),
            _Markdown(f"<code>{_hex(item.sha256)}</code>"),
        )
        for item in release.downloads
    ]
    sqlite = release.download(SQLITE_FILE)
    publisher = "" if settings.publisher == settings.title else f"{settings.publisher}．"
    citation = (
        f"{escape_markdown_cell(publisher)}{escape_markdown_cell(settings.title)}"
        f"开放数据［数据集］，版本 {escape_markdown_cell(release.version)}（数据截至 "
        f"{escape_markdown_cell(release.data_as_of) or '暂无'}）．"
        + (f"{escape_markdown_cell(settings.site_url)}open-data/．" if settings.site_url else "")
        + f"{escape_markdown_cell(licence['title'])}．"
    )
    columns = "、".join(FTS_COLUMNS)
    names = [_TRIGGER_NAMES.get(t, f"`{t}`") for t in CSV_TRIGGERS]
    triggers = "、".join(names[:-1]) + "或" + names[-1]
    return _blocks(
        [
            _front_matter(hide=["navigation"]),
            "# 开放数据",
            (
                "本站公示的全部数据都可以整表下载，供研究、新闻报道和再利用。"
                "每次更新数据都会生成一个新版本；各文件的字段说明见[数据字典](dictionary.md)。"
            ),
            (
                f"**版本：{escape_markdown_cell(release.version)}**　"
                f"**数据截至：{escape_markdown_cell(release.data_as_of) or '暂无'}**"
            ),
            "## 许可协议 {#license}",
            _Markdown(
                f"本站数据按 {licence_link} 发布：可以自由复制、分发和改编，"
                "包括用于商业目的，但须注明来源（见下文“如何引用”）。"
            ),
            "## 按数据表下载 {#downloads}",
            _table(
                ("数据表", "条数", "CSV", "JSON", "Excel", "Parquet"),
                by_table,
                ("left", "right", "left", "left", "left", "left"),
            ),
            (
                "全部数据表也合在一个 SQLite 数据库中："
                + _download_link(root, sqlite, sqlite.path)
                + f"（{_size(sqlite.bytes)}），可直接用 SQL 查询，并支持中文全文检索（见下文）。"
            ),
            "## 全部文件与校验和 {#checksums}",
            (
                "数据包描述 datapackage.json 符合 Frictionless Data Package 规范，"
                "列出每个文件的表结构、大小和 SHA-256；index.json 记录版本、数据截至日期和各表条数；"
                "SHA256SUMS 是全部下载文件的校验和。"
            ),
            _table(("文件", "内容", "大小", "SHA-256"), every, ("left", "left", "right", "left")),
            "下载后可以用校验和核对文件是否完整、未被改动（Linux 或 macOS）：",
            "    sha256sum -c SHA256SUMS",
            "Windows 可以用 `certutil -hashfile results.csv SHA256` 逐个核对。",
            "## 如何引用 {#cite}",
            "引用时请注明发布者、版本号和数据截至日期，例如：",
            f"> {citation}",
            "版本号由数据截至日期和数据内容的哈希值组成：数据内容不变，版本号就不变。",
            "## 格式说明 {#formats}",
            "\n".join(
                f"- {line}"
                for line in (
                    (
                        "**CSV**：UTF-8 编码、带 BOM（Excel 可直接显示中文），逗号分隔，"
                        "第一行为字段名。为防止电子表格把文本当作公式执行（CSV 注入），"
                        f"以 {triggers} 开头的文本单元格前面加了一个英文单引号 '；"
                        "程序读取时，去掉文本单元格开头的一个 ' 即得原值。"
                    ),
                    (
                        "**JSON**：每张表是一个对象数组，每个对象是一行，键为字段名、"
                        "按表结构顺序排列，空值为 null，整数为数字，其余（包括日期和各类编码）"
                        "为字符串。"
                    ),
                    (
                        "**Excel（XLSX）**：第一个工作表为数据，“字段说明”工作表列出各列的"
                        "中文名和含义；文本一律存为文本单元格，不含任何公式，编码不会丢失前导零"
                        "（Excel 无法保存的控制字符显示为 �，回车符改为换行符）。"
                        "超过 1,048,575 行的表续写在后面的工作表中。"
                    ),
                    "**Parquet**：整数为 int64，日期为 date32，其余为字符串，适合 pandas、R、DuckDB。",
                    (
                        "**SQLite**：每张数据表一个同名表，gongkai_fields 表列出字段说明，"
                        "gongkai_release 表记录版本。"
                    ),
                    (
                        "统一社会信用代码、注册号、抽查任务编号、行政区划代码等编码在所有格式中"
                        "都是文本，保留前导零和末位 X。用 Excel 直接打开 CSV 会把长数字显示为"
                        "科学计数法，请改用 XLSX 文件，或导入时把这些列设为“文本”。"
                    ),
                )
            ),
            "用 pandas 读取时，把编码列按文本读入：",
            (
                "    import pandas as pd\n"
                '    results = pd.read_csv("results.csv", dtype=str, keep_default_na=False)\n'
                '    results = pd.read_parquet("results.parquet")  # 或读 Parquet：已带类型'
            ),
            "## SQLite 全文检索 {#sqlite-fts}",
            (
                f"{FTS_TABLE} 表是检查结果（results）的全文索引，收录 {escape_markdown_cell(columns)} "
                "六列。SQLite 自带的分词器不能切分中文，所以索引中的文字预先切成了相邻两字"
                "（二元组）和单字：查询一个字或两个字的词，直接写这个词；查询更长的词，"
                "把它拆成相邻的两字组合，用双引号括成短语（Python 用户可以用 gongkai 的 "
                "generator.datasets.fts_query 生成查询）。"
                f"{FTS_TABLE} 与 results 表的 rowid 一一对应。"
                "例如在 sqlite3 gongkai.sqlite 中查找企业名称、检查事项、检查结果、检查机关或"
                f"任务名称中含有“{escape_markdown_cell(FTS_EXAMPLE)}”的检查结果："
            ),
            _indent(fts_example_sql()),
            (
                "查询“食品销售”写作 `MATCH '\"食品 品销 销售\"'`；只在企业名称中查找写作 "
                "`MATCH 'entity_name : \"酒楼\"'`；要求几个词同时出现，用 AND 连接。"
            ),
        ]
    )


def render_changelog_page(model: Model, release: Release) -> str:
    """Render 更新日志: every release, newest first, with its counts, corrections and withdrawals.

    The history comes from ``model.releases`` / ``corrections`` / ``withdrawals``
    (:func:`generator.model.releases.annotate_model`); a build without it shows this release only.
    """
    root = _root_of(CHANGELOG_PAGE)
    titles = {name: table.title for name, table in release.tables.items()}
    releases = model.releases or [
        {"version": release.version, "data_as_of": release.data_as_of, "previous": None,
         "counts": release.counts, "changes": {}, "tables": {}}
    ]  # fmt: skip
    parts = [
        _front_matter(title="更新日志"),
        "# 更新日志",
        "本站每次生成就是一个版本，版本号由数据截至日期和内容摘要组成。每个版本与上一版本相比"
        "新增、更正、删除了哪些记录都记录在这里；被撤回的检查结果留下撤回公告，说明撤回日期和原因。"
        "机器可读的全部历史见 "
        + _download_link(root, _File(HISTORY_FILE), HISTORY_FILE)
        + "；本版相对上一版的逐条变更（JSON Lines，每行一条 ADD / MOD / DEL）见 "
        + (
            _download_link(root, _File(DELTA_FILE), DELTA_FILE)
            if any(d.path == DELTA_FILE for d in release.downloads)
            else "delta.json（本版为首次发布，没有上一版本可比较）"
        )
        + "。",
    ]
    for entry in releases:
        version = str(entry["version"])
        anchor = "v-" + re.sub(r"[^0-9A-Za-z-]", "", version)
        previous = entry.get("previous")
        parts.append(f"## 版本 {escape_markdown_cell(version)} {{#{anchor}}}")
        parts.append(
            f"数据截至 {escape_markdown_cell(entry.get('data_as_of')) or '暂无'}；"
            + (f"上一版本 {escape_markdown_cell(previous)}。" if previous else "首次发布。")
        )
        per_table = entry.get("tables", {})
        rows = [
            (
                titles.get(name, name),
                _count(entry.get("counts", {}).get(name, 0)),
                *(_count(per_table.get(name, {}).get(op, 0)) for op in ("ADD", "MOD", "DEL")),
            )
            for name in release.tables
        ]
        parts.append(
            _table(("数据表", "记录数", "新增", "更正", "删除或撤回"), rows,
                   ("left", "right", "right", "right", "right"))
        )  # fmt: skip
        corrections = [c for c in model.corrections if c["release"] == version]
        if corrections:
            parts.append("### 更正")
            parts.append(
                _table(
                    ("记录", "更正内容", "页面"),
                    [
                        (
                            c["label"],
                            "；".join(describe_change(ch) for ch in c["changes"]),
                            _page_links(root, c["pages"]),
                        )
                        for c in corrections
                    ],
                    ("left", "left", "left"),
                )
            )
        withdrawals = [w for w in model.withdrawals if w["release"] == version]
        if withdrawals:
            parts.append("### 撤回")
            parts.append(
                _table(
                    ("结果编号", "记录", "撤回日期", "撤回原因", "撤回公告"),
                    [
                        (w["id"], w["label"], w.get("date") or _NO_VALUE, w["reason"],
                         _page_links(root, w["pages"][:1]))
                        for w in withdrawals
                    ],
                    ("left", "left", "left", "left", "left"),
                )
            )
    return _blocks(parts)


def render_feeds_page(model: Model) -> str:
    """Render 订阅: the site-wide feed and every department and industry feed."""
    root = _root_of(FEEDS_PAGE)
    departments, industries = feed_scopes(model)

    def links(key: str) -> _Markdown:
        return _Markdown(
            "、".join(
                f'<a href="{html.escape(root + feed_file(key, fmt), quote=True)}">{label}</a>'
                for fmt, label in (("atom", "Atom"), ("rss", "RSS"))
            )
        )

    parts = [
        _front_matter(title="订阅"),
        "# 订阅",
        "用任何 RSS/Atom 阅读器订阅本站的更新：新发布的抽查计划、每一批检查结果公示（同一抽查任务在"
        "同一公示日期公示的结果合为一条）、合规手册更新，以及更正和撤回。每条更新的日期取自数据，"
        "编号（tag URI）长期不变，可以引用。每个市场主体的页面上另有它自己的订阅源（Atom）。"
        "全部订阅源的机器可读清单见 "
        + f'<a href="{root}feeds/index.json">feeds/index.json</a>。',
        "## 全站",
        _table(("订阅源", "格式"), [("全部公示", links(SITE_FEED))], ("left", "left")),
        "## 按部门",
        _table(
            ("部门", "格式"),
            [(name, links(f"department/{department_slug(name)}")) for name in departments],
            ("left", "left"),
        ),
        "## 按行业",
        _table(
            ("行业", "格式"),
            [(clean_text(name), links(f"industry/{industry_slug(name)}")) for name in industries],
            ("left", "left"),
        ),
    ]
    return _blocks(parts)


def _correction_notice(notice: dict[str, Any], page: str) -> str:
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


class _File:
    """A download known by its path only, for :func:`_download_link`."""

    def __init__(self, path: str) -> None:
        self.path = path


def _page_links(root: str, pages: Iterable[str]) -> _Markdown:
    """Inline links to record pages (validated paths) by their kind's Chinese name."""
    names = {"enterprise": "市场主体", "task": "抽查任务", "plan": "抽查计划", "item": "抽查事项",
             "handbook": "合规手册", "result": "撤回公告"}  # fmt: skip
    links = [
        f'<a href="{html.escape(root + page, quote=True)}">{names.get(page.split("/")[0], "页面")}</a>'
        for page in pages
    ]
    return _Markdown("、".join(links) or _NO_VALUE)


def render_open_data_json_ld(release: Release) -> str:
    """The 开放数据 page's schema.org ``Dataset`` / DCAT description as a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so no value can end the script.

    Args:
        release: What :func:`generator.publish.data.datasets.write_datasets` wrote.

    Returns:
        ``<script type="application/ld+json">…</script>``.
    """
    settings = release.settings
    base = settings.site_url

    def url(path: str) -> str:
        return f"{base}{DATA_FOLDER}/{path}" if base else f"../{DATA_FOLDER}/{path}"

    document: dict[str, Any] = {
        "@context": {
            "@vocab": "https://schema.org/",
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@type": ["Dataset", "dcat:Dataset"],
        "name": f"{settings.title}开放数据",
        "description": settings.description
        or "“双随机、一公开”抽查事项、计划、任务、抽取记录、检查结果和合规手册。",
        "version": release.version,
        "dateModified": release.data_as_of,
        "license": settings.license["path"],
        "dct:license": {"@id": settings.license["path"]},
        "isAccessibleForFree": True,
        "inLanguage": "zh-CN",
        "keywords": ["双随机、一公开", "市场监管", "随机抽查", "检查结果"],
        "publisher": {"@type": "Organization", "name": settings.publisher},
        "dct:publisher": {"@type": "Organization", "name": settings.publisher},
        "variableMeasured": [f"{table.title}（{name}）" for name, table in release.tables.items()],
        "distribution": [
            {
                "@type": ["DataDownload", "dcat:Distribution"],
                "name": item.title,
                "contentUrl": url(item.path),
                "dcat:downloadURL": {"@id": url(item.path)},
                "encodingFormat": item.mediatype,
                "dcat:mediaType": item.mediatype,
                "contentSize": f"{item.bytes} B",
                "dcat:byteSize": item.bytes,
                "spdx:checksum": {
                    "@type": "spdx:Checksum",
                    "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                    "spdx:checksumValue": item.sha256,
                },
            }
            for item in release.downloads
        ],
    }
    if base:
        document["url"] = f"{base}open-data/"
        document["@id"] = f"{base}open-data/#dataset"
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def render_generated_pages(
    report: dict[str, Any],
    model: Model,
    *,
    release: Release | None = None,
    statistics: Statistics | None = None,
) -> dict[str, str]:
    """Every generated file, by path relative to :data:`GENERATED_DIR`, with its content.

    Args:
        report: The dict of ``Report.to_dict()``.
        model: The published model (``build_model`` over the report's public tables).
        release: The downloads written for this build; with it come the 开放数据 and
            数据字典 pages.
        statistics: The figures (:mod:`generator.stats.compute`); with them come the 统计
            pages, their chart files and the statistics section of the 数据字典.
    """
    pages = {
        QUALITY_PAGE: render_quality_page(report),
        HOME_SNIPPET: render_home_snippet(report, model),
        LATEST_SNIPPET: render_latest_snippet(model),
        ITEMS_PAGE: render_items_page(model),
        PLANS_PAGE: render_plans_page(model),
        TASKS_PAGE: render_tasks_page(model),
        HANDBOOK_INDEX: render_handbook_index(model),
    }
    for industry in model.handbook:
        pages[handbook_page(industry)] = render_handbook_page(model, industry)
    if release is not None:
        pages[OPEN_DATA_PAGE] = render_open_data_page(release)
        pages[DICTIONARY_PAGE] = render_dictionary_page()
        pages[CHANGELOG_PAGE] = render_changelog_page(model, release)
        pages[FEEDS_PAGE] = render_feeds_page(model)
    if statistics is not None:
        from generator.publish.site.statistics_pages import (
            render_statistics_dictionary,
            render_statistics_pages,
        )

        pages.update(render_statistics_pages(statistics, model))
        if DICTIONARY_PAGE in pages:
            pages[DICTIONARY_PAGE] += "\n" + render_statistics_dictionary() + "\n"
    return pages


def write_generated_pages(
    report: dict[str, Any],
    docs_dir: Path,
    *,
    model: Model | None = None,
    release: Release | None = None,
    statistics: Statistics | None = None,
) -> list[Path]:
    """Write every generated page into ``docs_dir/generated/`` and remove stale ones.

    Each file is replaced atomically and only when its content changed, so a concurrent
    build or ``mkdocs serve`` never reads a half-written page.

    Args:
        report: The dict of ``Report.to_dict()``.
        docs_dir: The MkDocs ``docs_dir`` (``site_src/``).
        model: The published model: ``build_model(report.public_tables(), report.data_as_of)``.
        release: The downloads this build wrote (:func:`generator.publish.data.datasets.write_datasets`).
        statistics: The figures for the 统计 pages (:mod:`generator.stats.compute`).

    Returns:
        The paths written or kept, sorted.

    Raises:
        TypeError: ``model`` is missing.
    """
    if model is None:
        raise TypeError(
            "write_generated_pages(report, docs_dir, model=...) needs the published model: "
            "build_model(validated.public_tables(), validated.data_as_of)"
        )
    root = docs_dir / GENERATED_DIR
    pages = render_generated_pages(report, model, release=release, statistics=statistics)
    wanted = {root / name: text for name, text in pages.items()}
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
            ("不予公示", _count(withheld), "按公示规则不在本站公示的行（含只用于抽取和统计、不逐户公示的检查对象名录）"),
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
_TRIGGER_NAMES = {"\t": "制表符", "\r": "回车符"}
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
    if constraints.get("enum"):
        parts.append("取值：" + "、".join(escape_markdown_cell(v) for v in constraints["enum"]))
    if constraints.get("pattern"):
        pattern = escape_markdown_cell(constraints["pattern"])
        parts.append(f"格式（正则表达式）：<code>{pattern}</code>")
    if constraints.get("minimum") is not None:
        parts.append(f"最小值 {constraints['minimum']}")
    if constraints.get("maximum") is not None:
        parts.append(f"最大值 {constraints['maximum']}")
    return "；".join(parts) or _NO_VALUE


def fts_example_sql(query: str = FTS_EXAMPLE) -> str:
    """The SQL of the full-text example on the 开放数据 page (the tests run it as it is)."""
    return (
        "SELECT r.entity_name, r.uscc, r.item, r.outcome, r.inspected_on\n"
        f"FROM {FTS_TABLE}\n"
        f"JOIN results AS r ON r.rowid = {FTS_TABLE}.rowid\n"
        f"WHERE {FTS_TABLE} MATCH '{query}'\n"
        "ORDER BY r.inspected_on DESC, r.result_id;"
    )


def _indent(text: str) -> str:
    """A Markdown code block (the site has no fenced-code extension)."""
    return "\n".join(f"    {line}" for line in text.splitlines())


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


def _download_link(root: str, item: Any, text: str) -> str:
    """An inline HTML link to a download (outside MkDocs' pages, so not a Markdown link)."""
    href = html.escape(f"{root}{DATA_FOLDER}/{item.path}", quote=True)
    return f'<a href="{href}">{escape_markdown_cell(text)}</a>'


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _hex(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError(f"not a SHA-256 digest: {value!r}")
    return value


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], align: Sequence[str]) -> str:
    """A Markdown table: fixed ``headers`` raw, every cell escaped unless built here."""
    rule = {"left": "---", "right": "---:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    return value if isinstance(value, _Markdown) else escape_markdown_cell(value)


def _front_matter(**meta: Any) -> str:
    """YAML front matter marking a data-driven page, with ``meta`` (fixed or safe text)."""
    text = yaml.safe_dump({**meta, DATA_DRIVEN_KEY: True}, allow_unicode=True, sort_keys=True)
    return f"---\n{text}---"


def _root_of(page: str) -> str:
    """The relative URL from a generated page, as published, back to the site root.

    The hook publishes ``generated/a/b.md`` at ``a/b/`` (``use_directory_urls``, which it
    enforces) and ``generated/a/index.md`` at ``a/``.
    """
    parts = page.removesuffix(".md").split("/")
    if parts[-1] == "index":
        parts.pop()
    return "../" * len(parts)


def _page_name(page: str) -> str:
    """A generated page's file name, for a Markdown link from a page in the same folder."""
    return page.rsplit("/", 1)[-1]


def _page_link(text: str, page: str) -> _Markdown:
    """A Markdown link (checked by MkDocs) from the home page to a generated page."""
    return _Markdown(f"[{text}]({GENERATED_DIR}/{page})")


def _href(root: str, kind: str, slug: str) -> str:
    return html.escape(root + record_path(kind, slug), quote=True)


def _record_link(root: str, kind: str, record: dict[str, Any]) -> _Markdown:
    """An inline HTML link to a plan's or task's record page, its name as the text."""
    key = {"plan": "plan_id", "task": "task_id"}[kind]
    text = escape_markdown_cell(record.get("name") or record[key])
    return _Markdown(f'<a href="{_href(root, kind, record["slug"])}">{text}</a>')


def _task_cell(model: Model, root: str, result: dict[str, Any]) -> _Markdown:
    """A result's task: a link to its page when the task is published, else its name."""
    task = model.tasks.get(result.get("task_id") or "")
    if task is not None:
        return _record_link(root, "task", task)
    return _Markdown(
        escape_markdown_cell(result.get("task_name") or result.get("task_id")) or _NO_VALUE
    )


def _item_name_cell(root: str, item: dict[str, Any]) -> _Markdown:
    """名称/子项: the item's name linking to its page, then its sub-items if any."""
    name = escape_markdown_cell(item.get("name") or item["item_id"])
    cell = f'<a href="{_href(root, "item", item["slug"])}">{name}</a>'
    if item.get("sub_item"):
        cell += f"（{escape_markdown_cell(item['sub_item'])}）"
    return _Markdown(cell)


def _item_ref_link(root: str, item: dict[str, Any]) -> str:
    """``SJ-SC-001 企业公示信息的检查`` linking to the item's page."""
    text = escape_markdown_cell(f"{item['item_id']} {item.get('name') or ''}".strip())
    return f'<a href="{_href(root, "item", item["slug"])}">{text}</a>'


def _section_items(model: Model, section: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A handbook section's items: ids found in the list, and references that are not."""
    linked: list[str] = []
    unknown: list[str] = []
    for reference in split_ids(section.get("item_ids")):
        item = model.item_for(reference)
        if item is None:
            unknown.append(reference)
        elif item["item_id"] not in linked:
            linked.append(item["item_id"])
    return linked, unknown


def _anchor(section: dict[str, Any]) -> str:
    """The section's ``anchor`` from the model, checked: it becomes an attr_list id."""
    anchor = str(section["anchor"])
    if not _ANCHOR.fullmatch(anchor):
        raise ValueError(f"unsafe handbook anchor {anchor!r}")
    return anchor


def _period(record: dict[str, Any]) -> str:
    start, end = record.get("start"), record.get("end")
    if start and end:
        return f"{start} 至 {end}"
    return str(start or end or _NO_VALUE)


def _count_or_blank(value: Any) -> str:
    return _NO_VALUE if value in (None, "") else _count(value)


def _natural(text: Any) -> tuple[Any, ...]:
    """Sort key that puts ``2`` before ``10``."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text))
    )


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
