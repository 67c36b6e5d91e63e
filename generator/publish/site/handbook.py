"""The 合规手册: its index and one page per industry, with section anchors item pages link to."""

from __future__ import annotations

import re
from typing import Any

from generator.model.entities import Model
from generator.model.identity import industry_slug, split_ids
from generator.publish.site.markdown import (
    GENERATED_DIR,
    NAV_KEY,
    NO_VALUE,
    Markdown,
    correction_notice,
    count_text,
    escape_markdown_cell,
    front_matter,
    item_ref_link,
    join_blocks,
    markdown_table,
    page_name,
    root_of,
    safe_title,
)
from generator.publish.site.sanitize import render_markdown

_SPLIT_LIST = re.compile(r"[；\n]+")


_ANCHOR = re.compile(r"[A-Za-z][0-9A-Za-z._-]{0,80}")


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
        link = f"[{escape_markdown_cell(industry)}]({page_name(handbook_page(industry))})"
        items = {i for s in sections for i in _section_items(model, s)[0]}
        updated = max((s.get("updated_on") or "" for s in sections), default="")
        rows.append(
            (Markdown(link), count_text(len(sections)), count_text(len(items)), updated or NO_VALUE)
        )
    return join_blocks(
        [
            front_matter(**{NAV_KEY: nav}),
            "# 合规手册",
            (
                "“一业一查”合规手册按行业说明市场监管部门会检查什么、依据哪些法律法规、"
                "经营者怎样做才合规，并列出常见问题，供经营者自查自纠。"
                "每一节都对应抽查事项清单中的事项，事项页面也链接到这里。"
            ),
            markdown_table(
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
    root = root_of(page)
    sections = model.handbook[industry]
    parts = [
        front_matter(title=safe_title(industry, f"行业 {industry_slug(industry)}")),
        f"# 合规手册：{escape_markdown_cell(industry)}",
        (
            f"本行业共 {count_text(len(sections))} 节。每节说明检查要求和合规做法，"
            "并列出对应的抽查事项、法律依据和常见问题。"
            "其他行业见[合规手册](index.md)。"
        ),
    ]
    parts += [
        correction_notice(notice, page)
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
        references = [item_ref_link(root, model.items[i]) for i in linked]
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
    return join_blocks(parts)


def handbook_page(industry: str) -> str:
    """The generated file of an industry's handbook page, relative to :data:`GENERATED_DIR`.

    It is published at ``handbook/<industry_slug>/``, which item pages link to.
    """
    return f"handbook/{industry_slug(industry)}.md"


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
