"""Identity of published records: ids as URL slugs, lists of ids in a cell, record paths.

Every address a page, feed, sitemap or change log links to is made here, from validated ids
only, so a link can never carry a path-unsafe value.
"""

from __future__ import annotations

import hashlib
import re

SAFE_SLUG = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
"""Ids used as they are in URL paths; any other id gets a hashed slug."""

_SPLIT_IDS = re.compile(r"[；、\n]+")
"""The separators the exports and the schemas document for lists in a cell (``抽查事项``:
“多个以“、”或“；”分隔”), and line breaks. Never spaces or ASCII commas and semicolons: they
occur inside department and item names (``{% raw %}`` is one name, not three)."""

RECORD_KINDS = ("enterprise", "task", "plan", "item")
"""URL prefixes of record pages: ``/enterprise/<slug>/`` and so on."""
NOTICE_KIND = "result"
"""URL prefix of withdrawal notices of results, which have no page of their own."""

def record_slug(identifier: str) -> str:
    """The path segment for an id: the id itself when it is safe, else ``x-`` and a hash.

    >>> record_slug("140902202403051001"), record_slug("001号")
    ('140902202403051001', 'x-6f3c1f3a0b9e4f8d')
    """
    if SAFE_SLUG.fullmatch(identifier) and identifier not in (".", ".."):
        return identifier
    return "x-" + hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:16]


def split_ids(text: str | None) -> list[str]:
    """Split a cell listing several ids or names (``SJ-1；SJ-2``, ``SJ-1、SJ-2``), each part
    without the spaces around it; a name with spaces or commas inside stays whole."""
    return [part.strip() for part in _SPLIT_IDS.split(text or "") if part.strip()]


def record_path(kind: str, slug: str) -> str:
    """The site-relative path of a record page, e.g. ``enterprise/9114…/`` (trailing slash).

    Raises:
        ValueError: an unknown kind, or a slug that is not path-safe.
    """
    if kind not in (*RECORD_KINDS, NOTICE_KIND):
        raise ValueError(f"unknown record kind {kind!r}")
    if not (SAFE_SLUG.fullmatch(slug) and slug not in (".", "..")):
        raise ValueError(f"unsafe record slug {slug!r}")
    return f"{kind}/{slug}/"


def industry_slug(industry: str) -> str:
    """A stable, path-safe slug for a handbook industry (``i-`` and a short hash)."""
    return "i-" + hashlib.sha256(industry.encode("utf-8")).hexdigest()[:10]
