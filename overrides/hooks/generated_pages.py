"""MkDocs hook: publish generated pages at the site root, list handbook industries in the
navigation, check that data-driven pages contain only allowlisted HTML, and put the site's
name (``site_name`` in mkdocs.yml) where a hand-written page says ``{{ config.site_name }}``,
so that no page names a jurisdiction the configuration does not.

``gongkai build`` writes data-derived pages into ``site_src/generated/`` (see
``generator/publish/site/pages.py``) so that they stay apart from the hand-written ones in git; readers
should not see that split in addresses, so ``generated/quality.md`` is published as
``quality/`` rather than ``generated/quality/``.
"""

from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from generator.core.errors import BuildAbort
from generator.publish.site.markdown import DATA_DRIVEN_KEY, GENERATED_DIR, HANDBOOK_INDEX
from generator.publish.site.navigation import handbook_entries, insert_after
from generator.publish.site.sanitize import is_clean, sanitize_html

PREFIX = f"{GENERATED_DIR}/"
log = get_plugin_logger("gongkai")


def on_config(config: Any) -> Any:
    """Refuse settings under which generated pages' relative links would break.

    Raises:
        PluginError: ``use_directory_urls`` is off.
    """
    # generator/publish/site (markdown.py) computes links to record pages from each page's depth as published
    # with directory URLs (``items/`` → ``../item/<slug>/``).
    if not config.use_directory_urls:
        raise PluginError("gongkai 生成的页面需要 use_directory_urls: true")
    return config


def on_files(files: Files, config: Any) -> Files:
    """Drop the ``generated/`` prefix from generated pages' addresses, and add each handbook
    industry page to the navigation section that holds the handbook index.

    Raises:
        PluginError: A hand-written page already has the address, or the handbook index
            names a page that is missing or a title that is not safe.
    """
    taken = {f.dest_uri: f.src_uri for f in files if not f.src_uri.startswith(PREFIX)}
    for file in files:
        if file.src_uri.startswith(PREFIX) and file.is_documentation_page():
            dest = file.dest_uri.removeprefix(PREFIX)
            if dest in taken:
                raise PluginError(f"生成的页面 {file.src_uri} 与手写页面 {taken[dest]} 地址冲突")
            file.dest_uri = dest
    _add_handbook_nav(files, config)
    return files


SITE_NAME = "{{ config.site_name }}"


def on_page_markdown(markdown: str, page: Page, config: Any, files: Files) -> str:
    """Fill ``{{ config.site_name }}`` in a hand-written page (generated ones are data)."""
    if page.file.src_uri.startswith(PREFIX):
        return markdown
    return markdown.replace(SITE_NAME, str(config.site_name))


def on_page_content(html: str, page: Page, config: Any, files: Files) -> str:
    """Check a data-driven page's HTML against the allowlist; sanitise it if it fails.

    A failure is a gongkai defect (data reached the page unescaped), logged as a warning,
    which aborts a strict build; a non-strict build publishes the sanitised HTML.
    """
    if not (page.meta or {}).get(DATA_DRIVEN_KEY):
        return html
    if is_clean(html):
        return html
    log.warning(
        "页面 %s 的 HTML 含有白名单以外的标签、属性或链接，已净化；"
        "这是 gongkai 的缺陷，请报告此问题",
        page.file.src_uri,
    )
    return sanitize_html(html)


# Helpers


def _add_handbook_nav(files: Files, config: Any) -> None:
    """Append the industry pages listed in the handbook index's front matter after it."""
    index_path = PREFIX + HANDBOOK_INDEX
    index = files.get_file_from_path(index_path)
    if index is None or not config.nav:
        return
    try:
        pages = handbook_entries(index.content_string)
    except BuildAbort as exc:
        raise PluginError(exc.message) from exc
    for page in pages:
        (path,) = page.values()
        if files.get_file_from_path(path) is None:
            raise PluginError(f"合规手册目录列出的页面 {path} 不存在")
    insert_after(config.nav, index_path, pages)
