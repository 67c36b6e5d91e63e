"""Markdown from data to safe HTML, and the allowlist that every data-driven page must pass.

Two layers, so that one mistake is not enough to publish markup from data:

1. :func:`render_markdown` renders the Markdown of a data field (the 合规手册 section bodies)
   with markdown-it-py in CommonMark mode **with raw HTML off**: a ``<script>`` or
   ``<img onerror=…>`` in the data is shown as the literal text it is. Links whose scheme
   markdown-it rejects (``javascript:``, ``vbscript:``, ``file:``, most ``data:``) stay
   literal text too; images are not rendered (a page must never load another host).
2. The result then goes through the allowlist sanitiser (nh3, the binding of the Rust
   crate ammonia), which keeps only :data:`ALLOWED_TAGS` and :data:`ALLOWED_ATTRIBUTES`, and
   for data Markdown keeps only absolute ``http``/``https`` links.

The same allowlist checks whole pages: :func:`is_clean` says whether sanitising an HTML
fragment would change it, comparing parsed trees, so attribute order, quoting or entity
spelling do not count. ``overrides/hooks/generated_pages.py`` runs it on the content of
every data-driven MkDocs page and fails a strict build when it is not clean.
"""

from __future__ import annotations

import html.parser
import re
from functools import lru_cache
from typing import Any

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        # Text
        "p", "br", "hr", "blockquote", "pre", "code", "em", "strong", "del", "s",
        "sub", "sup", "abbr", "span",
        # Headings: MkDocs pages use all six; data Markdown is shifted below the page's own.
        "h1", "h2", "h3", "h4", "h5", "h6",
        # Lists and tables
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        # Links and containers (admonitions, embedded handbook bodies)
        "a", "div",
    }
)  # fmt: skip
"""Every element a data-driven page may contain. No ``script``, ``style``, ``img``,
``iframe``, ``form``, ``svg`` or ``object``: nothing that runs code or loads a resource."""

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    **{f"h{level}": frozenset({"id"}) for level in range(1, 7)},
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"scope"}),
}
"""Attributes allowed per element, besides ``class`` (:data:`ALLOWED_CLASSES`) and ``align``
(:data:`ALLOWED_ATTRIBUTE_VALUES`). No ``style`` and no ``on*`` event handler anywhere."""

ALLOWED_ATTRIBUTE_VALUES: dict[str, dict[str, frozenset[str]]] = {
    cell: {"align": frozenset({"left", "center", "right"})} for cell in ("th", "td")
}
"""Attributes allowed only with one of a few fixed values: table cell alignment, which
Python-Markdown writes as ``align`` (``tables: use_align_attribute`` in ``mkdocs.yml``)."""

ALLOWED_CLASSES: dict[str, frozenset[str]] = {
    # The permalink that the toc extension adds to every heading.
    "a": frozenset({"headerlink"}),
    # Admonitions (``!!! success "标题"``) and the box around an embedded handbook body.
    "div": frozenset(
        {"admonition", "note", "info", "tip", "success", "warning", "danger", "gongkai-markdown"}
    ),
    "p": frozenset({"admonition-title"}),
}
"""CSS classes allowed per element; any other class name is removed."""

URL_SCHEMES: frozenset[str] = frozenset({"http", "https"})
"""Schemes allowed in absolute URLs. Pages also link relatively to their own site; data
Markdown may not (see :func:`render_markdown`)."""

MARKDOWN_HEADING_OFFSET = 2
"""Data Markdown sits under a page's ``##`` section: its ``#`` becomes ``<h3>``."""

_MAX_PASSES = 8
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
# C0 controls but tab and line breaks, and DEL: never meaningful in text, and STX/ETX are the
# placeholders Python-Markdown uses when this HTML is embedded in a MkDocs page.
_ALIGN = re.compile(r"text-align:\s*(left|center|right);?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize_html(fragment: str) -> str:
    """Keep only the allowlisted elements, attributes, classes and URLs of an HTML fragment.

    Disallowed elements are unwrapped (their text is kept), except ``script`` and ``style``,
    which are dropped with their content; comments are dropped. Relative URLs are kept: a
    page links to the rest of its own site; ``//host`` links are not relative and go.

    Args:
        fragment: HTML, e.g. the content of a page.

    Returns:
        The sanitised HTML; sanitising it again changes nothing.
    """
    return _fixed_point(_cleaner(relative_urls=True), fragment)


def render_markdown(text: str | None) -> str:
    """Render Markdown from data to sanitised HTML.

    Raw HTML in ``text`` is shown as literal text, links other than absolute
    ``http``/``https`` ones become plain text, images are not rendered, and headings are
    shifted down by :data:`MARKDOWN_HEADING_OFFSET` levels (at most ``<h6>``).

    CommonMark's emphasis rules apply as written: ``应当**“取得”**许可`` stays literal,
    because a ``**`` between a letter and a punctuation mark opens nothing; authors write
    ``应当“**取得**”许可`` instead (a known CommonMark limit for CJK text).

    Args:
        text: CommonMark with GFM tables and ``~~strikethrough~~``; ``None`` is empty.

    Returns:
        HTML that :func:`is_clean` accepts.
    """
    if not text:
        return ""
    parser = _markdown()
    tokens = parser.parse(_CONTROL.sub("", text))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + MARKDOWN_HEADING_OFFSET, 6)
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open") and token.attrs:
            # markdown-it aligns cells with ``style``, which the allowlist does not take.
            align = _ALIGN.fullmatch(str(token.attrs.get("style", "")))
            token.attrs = {"align": align.group(1)} if align else {}
    rendered = parser.renderer.render(tokens, parser.options, {})
    # Twice: once with data rules (absolute http(s) links only), once with the page rules,
    # so the result is exactly what sanitize_html would leave.
    return sanitize_html(_fixed_point(_cleaner(relative_urls=False), rendered))


def is_clean(fragment: str) -> bool:
    """Whether :func:`sanitize_html` would leave ``fragment`` as it is.

    The two are compared as parsed trees (element names, attribute sets, text), so
    differences of serialisation — attribute order, quotes, ``&quot;`` versus ``"``, ``<br>``
    versus ``<br/>`` — do not count; any element, attribute, class, URL, comment or text
    that the sanitiser would change or remove does.

    Args:
        fragment: HTML, e.g. the content of a built page's ``<article>``.
    """
    return _tree(fragment) == _tree(sanitize_html(fragment))


# Helpers


def _fixed_point(cleaner: Any, fragment: str) -> str:
    """Clean until nothing changes.

    One pass is not always enough: unwrapping a disallowed element can leave markup that
    parses differently the next time (``<p><select><p>`` gives ``<p><p></p></p>``, which
    re-parses as three paragraphs). Real pages converge in one or two passes.
    """
    cleaned: str = cleaner.clean(fragment)
    for _ in range(_MAX_PASSES):
        again: str = cleaner.clean(cleaned)
        if again == cleaned:
            return cleaned
        cleaned = again
    raise ValueError("HTML sanitising did not converge")  # never seen; fail rather than guess


@lru_cache(maxsize=2)
def _cleaner(*, relative_urls: bool) -> Any:
    import nh3

    attributes = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=attributes,
        tag_attribute_values={
            tag: {name: set(values) for name, values in spec.items()}
            for tag, spec in ALLOWED_ATTRIBUTE_VALUES.items()
        },
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative="pass_through" if relative_urls else "deny",
        attribute_filter=_drop_network_path,
        link_rel=None,
        strip_comments=True,
    )


def _drop_network_path(tag: str, attribute: str, value: str) -> str | None:
    """``//host/x`` and ``\\\\host`` are absolute in a browser but relative to ammonia."""
    if attribute == "href" and value.lstrip().startswith(("//", "\\", "/\\")):
        return None
    return value


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.disable("image")
    return parser


Node = tuple[str, tuple[tuple[str, str], ...], list[Any]]


class _TreeBuilder(html.parser.HTMLParser):
    """A plain tree of an HTML fragment: (tag, sorted attributes, children) and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: Node = ("#root", (), [])
        self._stack: list[Node] = [self.root]

    def _append(self, node: Node | str) -> None:
        children = self._stack[-1][2]
        if isinstance(node, str) and children and isinstance(children[-1], str):
            children[-1] += node
        else:
            children.append(node)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: Node = (tag, tuple(sorted((k, v or "") for k, v in attrs)), [])
        self._append(node)
        if tag not in _VOID:
            self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._append((tag, tuple(sorted((k, v or "") for k, v in attrs)), []))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return
        self._append(("/" + tag, (), []))  # a stray end tag: the sanitiser would drop it

    def handle_data(self, data: str) -> None:
        self._append(data)

    def handle_comment(self, data: str) -> None:
        self._append(("#comment", (("", data),), []))

    def handle_decl(self, decl: str) -> None:
        self._append(("#decl", (("", decl),), []))

    def handle_pi(self, data: str) -> None:
        self._append(("#pi", (("", data),), []))

    def unknown_decl(self, data: str) -> None:
        self._append(("#decl", (("", data),), []))


def _tree(fragment: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root
