"""Markup a public page must not carry: foreign scripts, event handlers, ``javascript:`` links,
embedded frames and objects, and resources loaded from other sites.

Used by :mod:`generator.publish.site.audit` on HTML, SVG, feeds and CSS. A page's own
scripts are those of the theme's and the site's templates: each ``<script>`` of a template,
with its ``{{ … }}`` expressions matching any text, is allowed inline; every other inline
script is a finding. Links (``<a href>``) to other sites are fine; what a browser *loads* from
another site (scripts, styles, images, frames, fonts through CSS) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT, HANDLER, SCRIPT_URL, EMBED, EXTERNAL = (
    "脚本", "事件属性", "脚本链接", "嵌入框架或对象", "外部资源",
)  # fmt: skip
"""Kinds of markup findings, as the audit prints them."""
EMBED_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet"})
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})
"""Script elements that hold data, never run."""
LOADED_RELS = frozenset(
    {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest",
     "apple-touch-icon", "mask-icon", "preconnect", "dns-prefetch"}
)  # fmt: skip
"""``<link rel>`` values that make the browser fetch the ``href``."""
RESOURCE_ATTRS = {
    "script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",),
    "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "embed": ("src",), "object": ("data",), "input": ("src",),
    "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
}  # fmt: skip
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
)
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)
_TEMPLATE_SCRIPT = re.compile(r"<script(\s[^>]*)?>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)
_INVISIBLE = re.compile(r"[\x00-\x20]+")
_EXPRESSION = r"[^\"'`<>\\]*?"
MIN_SCRIPT_CODE = 16
"""Characters of literal code a template's script needs to be allowed on pages."""


def excerpt(text: str, limit: int = 80) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def template_scripts(folders: Iterable[Path]) -> list[re.Pattern[str]]:
    """The inline scripts of the templates in ``folders``, as patterns a page's script matches."""
    patterns: dict[str, re.Pattern[str]] = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.html")):
            for attrs, body in _TEMPLATE_SCRIPT.findall(path.read_text(encoding="utf-8")):
                parts = _JINJA.split(body.strip())
                code = "".join(p for p in parts if not _JINJA.fullmatch(p))
                if "src=" in (attrs or "") or len(code.strip()) < MIN_SCRIPT_CODE:
                    continue  # a script that is all template (JSON data) allows nothing
                # An expression fills in a value (a URL, a path), never quotes or markup:
                # otherwise a page could close the string and run its own code.
                regex = "".join(
                    (_EXPRESSION if part.startswith("{{") else "")
                    if _JINJA.fullmatch(part)
                    else re.escape(part)
                    for part in parts
                )
                patterns.setdefault(regex, re.compile(regex, re.DOTALL))
    return list(patterns.values())


def is_external(url: str, own_hosts: frozenset[str]) -> bool:
    """Whether ``url`` is fetched from another site (``//host`` or ``http(s)://`` elsewhere)."""
    url = _INVISIBLE.sub("", url)
    if url.startswith(("//", "\\\\", "/\\")):
        return urlsplit("http:" + url.replace("\\", "/")).hostname not in own_hosts
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "ftp", "ws", "wss"):
        return False
    return parts.hostname not in own_hosts


def is_script_url(url: str) -> bool:
    """Whether a link runs script when followed (``javascript:``, ``vbscript:``, HTML data)."""
    return _INVISIBLE.sub("", url).lower().startswith(_SCRIPT_SCHEMES)


def css_findings(css: str, own_hosts: frozenset[str]) -> list[tuple[int, str, str]]:
    """``(offset, kind, excerpt)`` for each ``url(…)`` or ``@import`` loading another site."""
    found = []
    for match in _CSS_URL.finditer(css):
        url = match.group(1) or match.group(2)
        if is_external(url, own_hosts):
            found.append((match.start(), EXTERNAL, excerpt(match.group())))
    return found


class MarkupCheck(HTMLParser):
    """Feed one HTML document; ``findings`` holds ``(line, kind, excerpt)`` for each problem.

    Args:
        allowed_scripts: Patterns of the inline scripts that may appear (the templates').
        own_hosts: Host names of the site itself (its ``site_url``): not external.
    """

    def __init__(self, allowed_scripts: list[re.Pattern[str]], own_hosts: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.own_hosts = own_hosts
        self.findings: list[tuple[int, str, str]] = []
        self._open: tuple[str, dict[str, str], int] | None = None
        self._body: list[str] = []

    def _add(self, kind: str, text: str, line: int | None = None) -> None:
        self.findings.append((line or self.getpos()[0], kind, excerpt(text)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        shown = self.get_starttag_text() or f"<{tag}>"
        if tag in EMBED_TAGS:
            self._add(EMBED, shown)
        for name, value in values.items():
            if name.startswith("on"):
                self._add(HANDLER, shown)
            elif name in URL_ATTRS and is_script_url(value):
                self._add(SCRIPT_URL, shown)
            elif name == "style":
                for _, kind, text in css_findings(value, self.own_hosts):
                    self._add(kind, text)
        for url in self._loaded(tag, values):
            if is_external(url, self.own_hosts):
                self._add(EXTERNAL, shown)
        if tag in ("script", "style"):
            self._open, self._body = (tag, values, self.getpos()[0]), []

    def _loaded(self, tag: str, values: dict[str, str]) -> list[str]:
        """The URLs an element makes the browser fetch."""
        names: tuple[str, ...] = RESOURCE_ATTRS.get(tag, ())
        if tag == "link" and LOADED_RELS & set(values.get("rel", "").lower().split()):
            names = ("href",)
        urls = []
        for name in names:
            value = values.get(name, "")
            if name == "srcset":
                urls += [part.split()[0] for part in value.split(",") if part.split()]
            elif value:
                urls.append(value)
        return urls

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is None or tag != self._open[0]:
            return
        tag, values, line = self._open
        body = "".join(self._body)
        self._open, self._body = None, []
        if tag == "style":
            for _, kind, text in css_findings(body, self.own_hosts):
                self._add(kind, text, line)
            return
        kind = values.get("type", "").strip().lower()
        if "src" in values or kind in DATA_SCRIPT_TYPES or not body.strip():
            return
        if not any(p.fullmatch(body.strip()) for p in self.allowed_scripts):
            self._add(SCRIPT, f"<script>{body}", line)

    def close(self) -> None:
        super().close()
        if self._open is not None:  # a script left open runs to the end of the page
            self.handle_endtag(self._open[0])


def html_findings(
    text: str, allowed_scripts: list[re.Pattern[str]], own_hosts: frozenset[str]
) -> list[tuple[int, str, str]]:
    """``(line, kind, excerpt)`` for each problem of the markup of one HTML document."""
    check = MarkupCheck(allowed_scripts, own_hosts)
    check.feed(text)
    check.close()
    return check.findings


def xml_findings(text: str, own_hosts: frozenset[str]) -> list[tuple[int, str, str]]:
    """Problems of an XML document (SVG, Atom, RSS, sitemap): script-bearing elements and
    attributes anywhere, and the HTML a feed carries as escaped text (``type="html"``,
    RSS ``description``), which a feed reader renders."""
    import defusedxml.ElementTree as SafeTree

    try:
        root = SafeTree.fromstring(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - not well-formed: scan it as HTML, as a browser would
        return html_findings(text, [], own_hosts)
    found = []
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        attrs = {str(k).rsplit("}", 1)[-1].lower(): v for k, v in element.attrib.items()}
        shown = excerpt(f"<{tag} " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">")
        if tag == "script" or tag in EMBED_TAGS:
            found.append((0, SCRIPT if tag == "script" else EMBED, shown))
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append((0, HANDLER, shown))
            elif name in URL_ATTRS and is_script_url(value):
                found.append((0, SCRIPT_URL, shown))
        escaped_html = attrs.get("type") in ("html", "text/html") or tag in (
            "description",
            "encoded",
        )
        if escaped_html and element.text and "<" in element.text:
            found += [(0, k, e) for _, k, e in html_findings(element.text, [], own_hosts)]
    return found
