"""A small RDF graph written as JSON-LD and as Turtle, byte for byte the same every build.

The catalogue (:mod:`generator.publish.data.catalog`) is one :class:`Graph`; this module
writes it out without a library: nodes come out in the order they were added, properties in
the order they were set, and blank nodes are nested (``[ … ]`` in Turtle, an object without
``@id`` in JSON-LD), so no generated blank-node label ever reaches a file.

An IRI is absolute (``https://…``) or a path from the site's root (``data/results.csv``,
``open-data/#dataset``, ``""`` for the home page). :func:`resolve` makes it absolute against
``site_url`` when the site has one; otherwise it writes it relative to the document that
holds it (``../data/results.csv`` in ``open-data/index.html``), which JSON-LD and Turtle
both resolve against the address the document was read from.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

PREFIXES = {
    "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
"""Every prefix a property or class name may use; ``schema`` is the JSON-LD ``@vocab``."""

IRI_TERMS = ("contentUrl", "license", "url")
"""schema.org properties whose values JSON-LD writes as plain strings (typed ``@id`` in the
context, as schema.org's own context does), so consumers that read them as URLs see URLs."""


class Ref(str):
    """An IRI: absolute, or a path from the site's root."""


@dataclass(frozen=True)
class Lit:
    """A literal with a language tag or a datatype (a prefixed name such as ``xsd:date``)."""

    value: str
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Node:
    """A subject: an IRI (``id``) or, with ``id`` None, a blank node nested where it is used.

    An ``inline`` node (a media type, a licence) only states its classes: JSON-LD repeats
    it wherever it is used, Turtle states it once.
    """

    id: Ref | None
    types: tuple[str, ...]
    props: dict[str, list[Value]] = field(default_factory=dict)
    inline: bool = False

    def add(self, prop: str, *values: Value | None) -> Node:
        """Add the values that are not None (or empty) to ``prop``."""
        kept = [v for v in values if v is not None and not (type(v) is str and v == "")]
        if kept:
            self.props.setdefault(prop, []).extend(kept)
        return self


Value = Ref | Lit | str | bool | int | Node
"""An object: an IRI, a literal (a plain ``str`` is an ``xsd:string``) or a blank node."""


class Graph:
    """The subjects with an IRI, in the order they were first named."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}

    def node(self, iri: str, *types: str, inline: bool = False) -> Ref:
        """Name the subject ``iri`` with ``types`` (once; later calls return the same IRI)."""
        if iri not in self.nodes:
            self.nodes[iri] = Node(Ref(iri), types, inline=inline)
        return Ref(iri)

    def __getitem__(self, iri: str) -> Node:
        return self.nodes[iri]


def resolve(iri: str, document: str, site_url: str | None) -> str:
    """``iri`` as written in ``document`` (a path from the site's root, ``data/catalog.ttl``).

    >>> resolve("data/results.csv", "open-data/index.html", None)
    '../data/results.csv'
    >>> resolve("open-data/#dataset", "open-data/index.html", None)
    './#dataset'
    >>> resolve("", "data/catalog.ttl", None)
    '../'
    >>> resolve("data/results.csv", "data/catalog.ttl", "https://example.gov.cn/gk/")
    'https://example.gov.cn/gk/data/results.csv'
    """
    if re.match(r"[a-z][a-z0-9+.-]*:", iri):
        return _escape_iri(iri)
    if site_url:
        return _escape_iri(site_url + iri)
    path, hashmark, fragment = iri.partition("#")
    relative = posixpath.relpath(path or ".", posixpath.dirname(document) or ".")
    if path == "" or path.endswith("/"):
        relative = relative.rstrip("/") + "/"
    if not relative.startswith("../"):
        relative = "./" + relative.removeprefix("./")
    if relative == "././":
        relative = "./"
    return _escape_iri(f"{relative}{hashmark}{fragment}")


def _escape_iri(iri: str) -> str:
    """Percent-encode what Turtle's IRIREF cannot hold (the settings' URLs are free text)."""
    return re.sub(r'[\x00-\x20<>"{}|^`\\]', lambda m: f"%{ord(m.group()):02X}", iri)


def _compact(name: str) -> str:
    return name.removeprefix("schema:")


# JSON-LD


def to_json_ld(graph: Graph, root: str, document: str, site_url: str | None) -> dict[str, Any]:
    """The graph as one JSON-LD object rooted at ``root``.

    Each IRI subject is written in full where it is first used, depth first from ``root``,
    and as ``{"@id": …}`` afterwards, except under schema.org properties, which get a
    subject without blank nodes in full each time (Google reads them one by one); subjects that ``root`` does not reach
    follow in ``@graph``.
    """
    written: set[str] = set()
    context: dict[str, Any] = {"@vocab": PREFIXES["schema"]}
    context.update({p: ns for p, ns in PREFIXES.items() if p != "schema"})
    context.update({term: {"@type": "@id"} for term in IRI_TERMS})

    schema_terms = {p.removeprefix("schema:") for n in graph.nodes.values() for p in n.props
                    if p.startswith("schema:")}  # fmt: skip
    enclosing: list[str] = []

    def node(item: Node) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if item.id is not None:
            written.add(item.id)
            enclosing.append(item.id)
            out["@id"] = resolve(item.id, document, site_url)
        types = [_compact(t) for t in item.types]
        out["@type"] = types[0] if len(types) == 1 else types
        for prop, values in item.props.items():
            key = _compact(prop)
            items = [value(key, v) for v in values]
            out[key] = items[0] if len(items) == 1 else items
        if item.id is not None:
            enclosing.pop()
        return out

    def value(key: str, item: Value) -> Any:
        if isinstance(item, Node):
            return node(item)
        if isinstance(item, Ref):
            if key in IRI_TERMS:
                return resolve(item, document, site_url)
            target = graph.nodes.get(item)
            # schema.org consumers read each property on its own: its subjects come in full
            # again, unless one encloses this one or holds a blank node (written twice, that
            # would be two nodes); other properties refer to what was written.
            again = key in schema_terms and item not in enclosing and not _holds_blank(target)
            if target is not None and (target.inline or item not in written or again):
                return node(target)
            return {"@id": resolve(item, document, site_url)}
        if isinstance(item, Lit):
            if item.lang:
                return {"@value": item.value, "@language": item.lang}
            return {"@value": item.value, "@type": item.datatype}
        return item

    top = node(graph[root])
    rest = [node(n) for iri, n in graph.nodes.items() if iri not in written and not n.inline]
    if rest:
        return {"@context": context, "@graph": [top, *rest]}
    return {"@context": context, **top}


def _holds_blank(item: Node | None) -> bool:
    return item is not None and any(
        isinstance(v, Node) for values in item.props.values() for v in values
    )


def json_ld_text(document: dict[str, Any], *, indent: int | None = None) -> str:
    """JSON with sorted keys; ``<``, ``>`` and ``&`` escaped so it can sit in a ``<script>``."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=indent)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Turtle


def to_turtle(graph: Graph, document: str, site_url: str | None) -> str:
    """The graph as Turtle: the prefixes, then each IRI subject in the order it was named."""
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()]
    for item in graph.nodes.values():
        lines.append("")
        lines.append(f"<{resolve(item.id or '', document, site_url)}>"
                     + _predicates(item, document, site_url, 1) + " .")  # fmt: skip
    return "\n".join(lines) + "\n"


def _predicates(item: Node, document: str, site_url: str | None, depth: int) -> str:
    pad = "    " * depth
    parts = []
    if item.types:
        parts.append("a " + ", ".join(item.types))
    for prop, values in item.props.items():
        objects = [_object(v, document, site_url, depth) for v in values]
        joiner = ", " if len(objects) < 4 else f",\n{pad}    "
        parts.append(f"{prop} {joiner.join(objects)}")
    return "".join(
        (" " if n == 0 else f" ;\n{pad}") + part for n, part in enumerate(parts)
    )


def _object(item: Value, document: str, site_url: str | None, depth: int) -> str:
    if isinstance(item, Node):
        inner = _predicates(item, document, site_url, depth + 1)
        return f"[{inner}\n{'    ' * depth}]"
    if isinstance(item, Ref):
        return f"<{resolve(item, document, site_url)}>"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, Lit):
        suffix = f"@{item.lang}" if item.lang else f"^^{item.datatype}"
        return _string(item.value) + suffix
    return _string(str(item))


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04X}", escaped)
    return f'"{escaped}"'

