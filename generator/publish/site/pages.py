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

from pathlib import Path
from typing import Any

from generator.core.settings import objection_facts
from generator.model.entities import Model
from generator.publish.data.downloads import Release
from generator.publish.data.feeds import feed_formats
from generator.publish.site.dictionary import render_dictionary_page
from generator.publish.site.handbook import (
    handbook_page,
    render_handbook_index,
    render_handbook_page,
)
from generator.publish.site.lists import (
    render_home_snippet,
    render_items_page,
    render_latest_snippet,
    render_plans_page,
    render_tasks_page,
)
from generator.publish.site.markdown import (
    CHANGELOG_PAGE,
    CONTACT_SNIPPET,
    DICTIONARY_PAGE,
    FEEDS_PAGE,
    GENERATED_DIR,
    HANDBOOK_INDEX,
    HOME_SNIPPET,
    ITEMS_PAGE,
    LATEST_SNIPPET,
    OPEN_DATA_PAGE,
    PLANS_PAGE,
    QUALITY_PAGE,
    TASKS_PAGE,
    join_blocks,
    markdown_table,
    write_if_changed,
)
from generator.publish.site.open_data import (
    render_changelog_page,
    render_feeds_page,
    render_open_data_page,
)
from generator.publish.site.quality import render_quality_page
from generator.publish.site.statistics_downloads import render_statistics_dictionary
from generator.publish.site.statistics_pages import render_statistics_pages
from generator.stats.figures import Statistics


def render_contact_snippet(host: dict[str, str], objection: dict[str, str]) -> str:
    """Render 主办单位, 联系方式 and the 异议 route for the 关于 page (``site_src/about.md``).

    Args:
        host: ``publisher`` (主办单位) and ``contact`` (联系方式) from ``mkdocs.yml``'s ``extra``.
        objection: The 异议 route of ``gongkai.yml`` (:data:`generator.core.settings.OBJECTION_KEYS`).
    """
    rows = [("主办单位", host.get("publisher")), ("联系方式", host.get("contact"))]
    return join_blocks(
        [
            markdown_table(("项目", "内容"), [(k, v) for k, v in rows if v], ("left", "left"))
            if any(v for _, v in rows)
            else "",
            "## 异议与更正申请 {#objection}",
            (
                "市场主体对本站公示的检查结果有异议，或认为公示内容有误的，可以提出异议或更正申请，"
                "并提供相关证据（《中华人民共和国政府信息公开条例》第四十一条）。市场主体页面上每条"
                "检查结果旁都有“提出异议”链接；提出时请注明结果编号。监管部门的答复、企业的说明和"
                "回访情况，随检查结果一并公示。"
            ),
            markdown_table(("项目", "内容"), objection_facts(objection), ("left", "left")),
        ]
    )


def render_generated_pages(
    report: dict[str, Any],
    model: Model,
    *,
    release: Release | None = None,
    statistics: Statistics | None = None,
    host: dict[str, str] | None = None,
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
        CONTACT_SNIPPET: render_contact_snippet(host or {}, model.objection),
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
        pages[FEEDS_PAGE] = render_feeds_page(model, feed_formats(release.settings.site_url))
    if statistics is not None:
        pages.update(render_statistics_pages(statistics, model))
        if DICTIONARY_PAGE in pages:
            pages[DICTIONARY_PAGE] += "\n" + render_statistics_dictionary(statistics) + "\n"
    return pages


def write_generated_pages(
    report: dict[str, Any],
    docs_dir: Path,
    *,
    model: Model | None = None,
    release: Release | None = None,
    statistics: Statistics | None = None,
    host: dict[str, str] | None = None,
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
        host: 主办单位 and 联系方式 (:func:`render_contact_snippet`).

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
    pages = render_generated_pages(
        report, model, release=release, statistics=statistics, host=host
    )
    wanted = {root / name: text for name, text in pages.items()}
    for path, text in wanted.items():
        write_if_changed(path, text)
    for path in sorted(root.rglob("*"), reverse=True):
        if path.name.startswith("."):  # another build's file being written
            continue
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(wanted)


