"""Sitemap: every live page of the site, editorial and record pages alike.

MkDocs writes ``sitemap.xml`` for the pages it builds, and only when ``site_url`` is set
(the protocol wants absolute addresses). It knows nothing of the record pages, and it lists
the record shell that the build cuts out. This stage rewrites the sitemap once the record
pages exist: MkDocs' pages that are still in the site, then each enterprise, task, plan and
item page. Withdrawal notices are not listed: a withdrawn record leaves the sitemap.

``sitemap.xml`` itself is always a small sitemap index of ``sitemap-1.xml``, ``sitemap-2.xml``
… (at most 50,000 addresses each, the protocol's limit), each with its ``.gz`` twin as MkDocs
makes: Material's JavaScript fetches ``sitemap.xml`` on every page view (next to each
``<link rel="alternate">``, see ``feeds.feed_file``), and a list of every record page would
cost each visitor megabytes at province scale.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from generator.model.entities import Model

SITEMAP = "sitemap.xml"
MAX_URLS = 50_000
"""The sitemap protocol's limit of addresses per file."""
_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
_ENTRY = re.compile(r"<url>\s*<loc>([^<]*)</loc>(?:\s*<lastmod>([^<]*)</lastmod>)?")


def write_sitemap(site_dir: Path, model: Model, site_url: str | None) -> int:
    """Rewrite the sitemap of ``site_dir`` to list every live page; returns the count.

    Without ``site_url`` there is no sitemap: the protocol takes absolute addresses only, and
    the one MkDocs writes then (an empty ``<urlset>``) fails sitemaps.org's schema. Any
    ``sitemap*.xml*`` is removed and 0 is returned; ``gongkai build`` says so.
    """
    if not site_url:
        for stale in site_dir.glob("sitemap*.xml*"):
            stale.unlink()
        return 0
    base = site_url.rstrip("/") + "/"
    entries = [
        (loc, lastmod)
        for loc, lastmod in _mkdocs_entries(site_dir / SITEMAP)
        if _exists(site_dir, loc.removeprefix(base))
    ]
    entries += [(base + path, None) for path in model.record_paths()]
    for stale in site_dir.glob("sitemap-*.xml*"):
        stale.unlink()
    chunks = [entries[i : i + MAX_URLS] for i in range(0, len(entries), MAX_URLS)] or [[]]
    names = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
    for name, chunk in zip(names, chunks, strict=True):
        _write(site_dir / name, _urlset(chunk))
    _write(site_dir / SITEMAP, _index(base + name for name in names))
    return len(entries)


def _mkdocs_entries(path: Path) -> list[tuple[str, str | None]]:
    """The (address, lastmod) pairs of the sitemap MkDocs wrote."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [(loc.strip(), lastmod) for loc, lastmod in _ENTRY.findall(text)]


def _exists(site_dir: Path, relative: str) -> bool:
    """Whether an address of the site (relative to its root) is a page that was written."""
    if relative.startswith(("/", "http:", "https:")) or ".." in relative.split("/"):
        return False
    target = site_dir / relative
    return (
        (target / "index.html").is_file()
        if relative.endswith("/") or not relative
        else target.is_file()
    )


def _urlset(entries: Iterable[tuple[str, str | None]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{_NAMESPACE}">']
    for loc, lastmod in entries:
        modified = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(loc)}</loc>{modified}</url>")
    return "\n".join([*lines, "</urlset>", ""])


def _index(locations: Iterable[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{_NAMESPACE}">']
    lines += [f"  <sitemap><loc>{escape(loc)}</loc></sitemap>" for loc in locations]
    return "\n".join([*lines, "</sitemapindex>", ""])


def _write(path: Path, text: str) -> None:
    """Write ``path`` and its gzip twin; the gzip header's time is ``SOURCE_DATE_EPOCH``'s."""
    data = text.encode("utf-8")
    path.write_bytes(data)
    buffer = io.BytesIO()
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=mtime) as packed:
        packed.write(data)
    path.with_name(path.name + ".gz").write_bytes(buffer.getvalue())
