"""The site's navigation as gongkai completes it: one entry per handbook industry after the
handbook index, for either engine (the MkDocs hook, or the config written for Zensical)."""

from __future__ import annotations

from typing import Any

import yaml

from generator.core.errors import BuildAbort
from generator.publish.site.markdown import NAV_KEY, safe_title


def handbook_entries(index_markdown: str) -> list[dict[str, str]]:
    """The industry pages the handbook index lists in its front matter, ``[{title: path}]``.

    Raises:
        BuildAbort: a title is not safe to show as it is.
    """
    head, found, _ = index_markdown.removeprefix("---\n").partition("\n---")
    meta = yaml.safe_load(head) if index_markdown.startswith("---\n") and found else None
    entries = (meta or {}).get(NAV_KEY) or []
    pages = []
    for entry in entries:
        ((title, path),) = entry.items()
        if safe_title(title, "") != title:
            raise BuildAbort(f"合规手册目录中的标题 {title!r} 不能用作导航标题")
        pages.append({title: path})
    return pages


def insert_after(nav: list[Any], path: str, pages: list[dict[str, str]]) -> None:
    """Put ``pages`` right after the entry for ``path``, in the section that holds it, skipping
    pages the section already lists; nothing when no section holds ``path``."""
    section = _find_section(nav, path)
    if section is None:
        return
    at = next(i for i, e in enumerate(section) if entry_path(e) == path)
    listed = {entry_path(e) for e in section}
    section[at + 1 : at + 1] = [p for p in pages if entry_path(p) not in listed]


def entry_path(entry: Any) -> str | None:
    """The page a navigation entry (``path`` or ``{title: path}``) points to; none for a section."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and len(entry) == 1:
        (value,) = entry.values()
        return value if isinstance(value, str) else None
    return None


def _find_section(nav: list[Any], path: str) -> list[Any] | None:
    """The nav list that holds ``path`` directly, searched depth first."""
    if any(entry_path(entry) == path for entry in nav):
        return nav
    for entry in nav:
        if isinstance(entry, dict):
            for value in entry.values():
                if isinstance(value, list) and (found := _find_section(value, path)):
                    return found
    return None
