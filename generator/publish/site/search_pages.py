"""The editorial pages MkDocs built, read back for the search index: URL, title and text.

Only a Material page's article counts (its ``<h1>`` or, failing that, its ``<title>``, and
its text without permalinks, scripts or ``data-pagefind-ignore`` blocks); record folders and
other generated trees are skipped without being walked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SKIPPED_PAGES = frozenset(("404.html",))


@dataclass(frozen=True)
class EditorialPage:
    """One editorial page: its site URL, its title and its article's text (squashed)."""

    url: str
    title: str
    text: str


def editorial_pages(site_dir: Path, skipped_top: Collection[str]) -> Iterator[EditorialPage]:
    """The editorial pages in ``site_dir``, sorted by URL.

    Top-level folders in ``skipped_top`` (record folders hold 10⁵ pages at province scale)
    are not walked; ``404.html`` and any page without a Material article (a redirect, say)
    are skipped.
    """
    site_name = site_title(site_dir)
    tops = [p for p in site_dir.iterdir() if p.name not in skipped_top]
    pages = [p for top in tops for p in ([top] if top.is_file() else top.rglob("*.html"))]
    for path in sorted(p for p in pages if p.suffix == ".html"):
        relative = path.relative_to(site_dir)
        if relative.as_posix() in SKIPPED_PAGES:
            continue
        parser = _ArticleText()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        parser.close()
        text = squash("".join(parser.text))
        if not text:
            continue
        title = squash("".join(parser.h1)) or _page_title("".join(parser.title), site_name)
        url = "/" + relative.as_posix()
        if url.endswith("/index.html") or url == "/index.html":
            url = url[: -len("index.html")]
        yield EditorialPage(url, title, text)


def site_title(site_dir: Path) -> str | None:
    """The site name, from the home page's ``<title>`` (MkDocs titles pages "X - site")."""
    home = site_dir / "index.html"
    if not home.is_file():
        return None
    match = re.search(r"<title>(.*?)</title>", home.read_text(encoding="utf-8"), re.DOTALL)
    return html.unescape(match.group(1)).strip() if match else None


def squash(text: str) -> str:
    """``text`` with every run of white space made one space, and trimmed."""
    return " ".join(text.split())


def _page_title(title: str, site_name: str | None) -> str:
    title = squash(title)
    if site_name and title.endswith(" - " + site_name):
        title = title[: -len(site_name) - 3]
    return title


class _ArticleText(HTMLParser):
    """The title and text of a Material page's article, without permalinks or scripts."""

    SKIP = frozenset(("script", "style", "template", "svg", "noscript"))
    VOID = frozenset(
        (
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        )
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open elements inside the article (0: outside)
        self.skip_depth = 0  # open elements inside a skipped element
        self.in_h1 = False
        self.in_title = False
        self.title: list[str] = []
        self.h1: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.depth == 0:
            if tag == "article" and "md-content__inner" in classes:
                self.depth = 1
            elif tag == "title":
                self.in_title = True
            return
        self.depth += 1
        if self.skip_depth:
            self.skip_depth += 1
        elif tag in self.SKIP or "headerlink" in classes or "data-pagefind-ignore" in dict(attrs):
            self.skip_depth = 1
        elif tag == "h1" and not self.h1:
            self.in_h1 = True
        if tag in ("p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "br"):
            self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if tag == "title":
            self.in_title = False
        if self.depth == 0:
            return
        self.depth -= 1
        if self.skip_depth:
            self.skip_depth -= 1
        if tag == "h1":
            self.in_h1 = False
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self.in_title and self.depth == 0:
            self.title.append(data)
        if self.depth and not self.skip_depth:
            self.text.append(data)
            if self.in_h1:
                self.h1.append(data)
