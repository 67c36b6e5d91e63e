"""Record pages: one static HTML page per enterprise, task, plan and item.

Rendered with Jinja2 (autoescape) straight into the site, outside MkDocs: MkDocs renders the
whole navigation into every page and slows to minutes at a few thousand pages. The pages
reuse the Material look by wrapping their content in a *shell*: a page MkDocs itself built
(``site_src/record/shell.md``, at the same depth as record pages), cut at a marker.
"""

from __future__ import annotations

RECORD_KINDS = ("enterprise", "task", "plan", "item")
"""URL prefixes of record pages: ``/enterprise/<slug>/`` and so on."""


def record_path(kind: str, slug: str) -> str:
    """The site-relative path of a record page, e.g. ``enterprise/9114…/`` (trailing slash).

    Raises:
        ValueError: an unknown kind, or a slug that is not path-safe.
    """
    from generator.model import SAFE_SLUG

    if kind not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    if not (SAFE_SLUG.fullmatch(slug) and slug not in (".", "..")):
        raise ValueError(f"unsafe record slug {slug!r}")
    return f"{kind}/{slug}/"
