"""MkDocs hook: every page and theme template (404.html) leaves the build as valid HTML.

The corrections themselves, and why each is needed, are in
``generator/publish/site/theme_markup.py``.
"""

from __future__ import annotations

from typing import Any

from generator.publish.site.theme_markup import valid_theme_markup


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Correct the theme's markup on a built page."""
    return valid_theme_markup(output)


def on_post_template(output: str, template_name: str, config: Any) -> str:
    """Correct the theme's markup on a page built from a template alone (``404.html``)."""
    return valid_theme_markup(output) if template_name.endswith(".html") else output
