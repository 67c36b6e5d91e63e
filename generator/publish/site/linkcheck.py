"""Check every internal link and anchor of a built site.

A static site has no server to catch a broken link: every ``href`` and ``src`` that stays
inside the site must name a file that exists, and every ``#fragment`` an element id on the
target page. External links (``http:``, ``https:``, ``mailto:``) are not followed.
"""

from __future__ import annotations

import html.parser
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src"}


@dataclass(frozen=True)
class BrokenLink:
    """A link that points at nothing: the page it is on, the link, and why."""

    page: str
    link: str
    reason: str


class _PageParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(values[name])  # type: ignore[arg-type]
        attribute = LINK_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute):
            self.links.append(values[attribute])  # type: ignore[arg-type]


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _target(site_dir: Path, page: Path, path: str) -> Path | None:
    """The file a site-internal URL path resolves to, or ``None``."""
    base = page.parent.relative_to(site_dir).as_posix()
    joined = posixpath.normpath(posixpath.join(base, unquote(path)))
    if joined.startswith(".."):
        return None
    candidate = site_dir / joined
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def check_links(site_dir: Path) -> list[BrokenLink]:
    """Every broken internal link or anchor under ``site_dir``, sorted by page and link."""
    pages = sorted(site_dir.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    broken: list[BrokenLink] = []
    for page, parser in parsed.items():
        name = page.relative_to(site_dir).as_posix()
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue  # external, or mailto:/data:/javascript: (the sanitiser's concern)
            if parts.path.startswith("/"):
                # Only 404.html uses root-relative links (MkDocs' choice: it is served for
                # any missing path); they are checked against the site root.
                target = _target(site_dir, site_dir / "index.html", parts.path.lstrip("/") or ".")
            else:
                target = _target(site_dir, page, parts.path) if parts.path else page
            if target is None:
                broken.append(BrokenLink(name, link, "目标文件不存在"))
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(BrokenLink(name, link, "目标页面没有这个锚点"))
    return sorted(broken, key=lambda b: (b.page, b.link))
