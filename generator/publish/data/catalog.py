"""The open data's catalogue: DCAT-AP 3 for data portals, schema.org ``Dataset`` for search.

One graph (:func:`catalog_graph`) describes the release: a ``dcat:Catalog`` (also a
``schema:DataCatalog``) holding one ``dcat:Dataset`` (also a ``schema:Dataset``) with one
``dcat:Distribution`` / ``schema:DataDownload`` per data file. Each subject carries both
vocabularies, so the same triples pass the DCAT-AP 3.0.1 SHACL shapes and give Google's
Dataset rich results their recommended fields. It is written three times, with the same IRIs:

* ``data/catalog.jsonld`` and ``data/catalog.ttl`` (:func:`write_catalog`), for harvesters;
* the 开放数据 page's ``<script type="application/ld+json">``, rooted at the Dataset
  (:func:`dataset_json_ld`).

Without ``site_url`` every IRI is written relative to the document holding it, as JSON-LD
and Turtle allow (see :func:`generator.publish.data.rdf.resolve`). Only dates from the data
appear (``data_as_of`` and the checks' period), so the files are a function of the release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from generator.model.tables import CHECKSUMS_FILE, DATA_FOLDER
from generator.publish.data.rdf import (
    Graph,
    Lit,
    Node,
    Ref,
    json_ld_text,
    to_json_ld,
    to_turtle,
)


class Release(Protocol):
    """What the catalogue reads of a :class:`generator.publish.data.downloads.Release` (not
    imported: the site's pages reach this module, and the import chain stays short)."""

    @property
    def version(self) -> str: ...
    @property
    def data_as_of(self) -> str | None: ...
    @property
    def period(self) -> tuple[str, str] | None: ...
    @property
    def downloads(self) -> Sequence[Any]: ...
    @property
    def settings(self) -> Any: ...
    @property
    def tables(self) -> Mapping[str, Any]: ...


CATALOG_JSONLD = "catalog.jsonld"
CATALOG_TTL = "catalog.ttl"

CATALOG_FILES: dict[str, tuple[str, str, str]] = {
    CATALOG_JSONLD: ("jsonld", "application/ld+json", "DCAT-AP 数据目录（JSON-LD）"),
    CATALOG_TTL: ("ttl", "text/turtle", "DCAT-AP 数据目录（Turtle）"),
}
"""File → (format, media type, title on the 开放数据 page)."""

LANDING_PAGE = "open-data/"
"""The 开放数据 page, from the site's root: the catalogue's subjects are fragments of it."""

CATALOG = LANDING_PAGE + "#catalog"
DATASET = LANDING_PAGE + "#dataset"
PUBLISHER = LANDING_PAGE + "#publisher"
AREA = LANDING_PAGE + "#area"

IANA_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/ld+json",
        "application/vnd.apache.parquet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.sqlite3",
        "text/csv",
        "text/plain",
        "text/turtle",
    }
)
"""Media types registered with IANA: only these get a ``dcat:mediaType`` IRI (JSON Lines,
``application/jsonl``, is not registered, so its distribution states none)."""

IANA = "http://www.iana.org/assignments/media-types/"
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
CHINESE = "http://publications.europa.eu/resource/authority/language/ZHO"
"""Chinese in the EU language authority table, the vocabulary DCAT-AP names for dct:language."""

KEYWORDS = ("双随机、一公开", "市场监管", "随机抽查", "检查结果")

DEFAULT_DESCRIPTION = (
    "“双随机、一公开”抽查事项清单、年度抽查计划、抽查任务、随机抽取记录、检查结果和合规手册，"
    "每张数据表都可按 CSV、JSON、Excel、Parquet 格式整表下载，也合在一个 SQLite 数据库中。"
)
"""The dataset's description when ``site_description`` is shorter than Google's 50 characters."""


def write_catalog(folder: Path, release: Release) -> list[str]:
    """Write ``catalog.jsonld`` and ``catalog.ttl`` into the data folder.

    Args:
        folder: The data folder (published as ``SITE_DIR/data/``).
        release: The release, with every download but the catalogue and ``SHA256SUMS``.

    Returns:
        The paths written, relative to ``folder``.
    """
    graph = catalog_graph(release)
    site_url = release.settings.site_url
    document = to_json_ld(graph, CATALOG, f"{DATA_FOLDER}/{CATALOG_JSONLD}", site_url)
    (folder / CATALOG_JSONLD).write_bytes((json_ld_text(document, indent=2) + "\n").encode())
    turtle = to_turtle(graph, f"{DATA_FOLDER}/{CATALOG_TTL}", site_url)
    (folder / CATALOG_TTL).write_bytes(turtle.encode())
    return list(CATALOG_FILES)


def dataset_json_ld(release: Release, page: str) -> dict[str, Any]:
    """The graph as JSON-LD rooted at the schema.org Dataset, for the page at ``page``
    (a path from the site's root such as ``open-data/index.html``)."""
    return to_json_ld(catalog_graph(release), DATASET, page, release.settings.site_url)


def distributed(release: Release) -> list[Any]:
    """The downloads the dataset's distributions describe: every file but the catalogue
    (which describes them) and ``SHA256SUMS`` (written after it, and covering it)."""
    return [d for d in release.downloads if d.path not in CATALOG_FILES and d.path != CHECKSUMS_FILE]


def dataset_description(release: Release) -> str:
    """``site_description``, or :data:`DEFAULT_DESCRIPTION` when it is shorter than 50 characters."""
    given = release.settings.description.strip()
    return given if len(given) >= 50 else f"{given}{DEFAULT_DESCRIPTION}"


def catalog_graph(release: Release) -> Graph:
    """The catalogue, dataset, distributions, publisher, licence, period and area."""
    settings = release.settings
    graph = Graph()
    catalog = graph[graph.node(CATALOG, "dcat:Catalog", "schema:DataCatalog")]
    dataset = graph[graph.node(DATASET, "schema:Dataset", "dcat:Dataset")]
    publisher = graph[graph.node(PUBLISHER, "foaf:Agent", "foaf:Organization",
                                 "schema:Organization")]  # fmt: skip
    publisher.add("foaf:name", Lit(settings.publisher, "zh")).add("schema:name", settings.publisher)
    licence = graph.node(settings.license["path"], "dct:LicenseDocument", inline=True)
    chinese = graph.node(CHINESE, "dct:LinguisticSystem", inline=True)
    home = graph.node("", "foaf:Document", inline=True)
    page = graph.node(LANDING_PAGE, "foaf:Document", inline=True)
    modified = Lit(release.data_as_of, datatype="xsd:date") if release.data_as_of else None
    description = dataset_description(release)

    catalog.add("dct:title", Lit(f"{settings.title}开放数据目录", "zh"))
    catalog.add("dct:description", Lit(f"{settings.title}公开发布的开放数据集。{description}", "zh"))
    catalog.add("dct:publisher", Ref(PUBLISHER))
    catalog.add("foaf:homepage", home)
    catalog.add("dct:language", chinese)
    catalog.add("dct:license", licence)
    catalog.add("dct:modified", modified)
    catalog.add("dcat:dataset", Ref(DATASET))
    catalog.add("schema:name", f"{settings.title}开放数据目录")
    catalog.add("schema:publisher", Ref(PUBLISHER))
    catalog.add("schema:dataset", Ref(DATASET))

    identifiers = [settings.site_url + DATASET] if settings.site_url else []
    identifiers.append(release.version)
    dataset.add("schema:name", f"{settings.title}开放数据")
    dataset.add("schema:description", description)
    dataset.add("schema:url", page)
    dataset.add("schema:identifier", *identifiers)
    dataset.add("schema:version", release.version)
    dataset.add("schema:dateModified", release.data_as_of)
    dataset.add("schema:license", licence)
    dataset.add("schema:isAccessibleForFree", True)
    dataset.add("schema:inLanguage", "zh-CN")
    dataset.add("schema:keywords", *KEYWORDS)
    dataset.add("schema:creator", Ref(PUBLISHER))
    dataset.add("schema:publisher", Ref(PUBLISHER))
    if release.period:
        dataset.add("schema:temporalCoverage", "/".join(release.period))
    if settings.region:
        area = graph[graph.node(AREA, "dct:Location", "schema:Place")]
        area.add("skos:prefLabel", Lit(settings.region["name"], "zh"))
        area.add("schema:name", settings.region["name"])
        area.add("dct:identifier", settings.region.get("code"))
        area.add("schema:identifier", settings.region.get("code"))
        dataset.add("schema:spatialCoverage", Ref(AREA))
    dataset.add("schema:variableMeasured",
                *(f"{table.title}（{name}）" for name, table in release.tables.items()))  # fmt: skip
    dataset.add("schema:includedInDataCatalog", Ref(CATALOG))

    dataset.add("dct:title", Lit(f"{settings.title}开放数据", "zh"))
    dataset.add("dct:description", Lit(description, "zh"))
    dataset.add("dct:identifier", *identifiers)
    dataset.add("dcat:version", release.version)
    dataset.add("dct:modified", modified)
    dataset.add("dct:publisher", Ref(PUBLISHER))
    dataset.add("dct:creator", Ref(PUBLISHER))
    dataset.add("dct:license", licence)
    dataset.add("dct:language", chinese)
    dataset.add("dcat:keyword", *(Lit(k, "zh") for k in KEYWORDS))
    dataset.add("dcat:landingPage", page)
    if release.period:
        period = Node(None, ("dct:PeriodOfTime",))
        period.add("dcat:startDate", Lit(release.period[0], datatype="xsd:date"))
        period.add("dcat:endDate", Lit(release.period[1], datatype="xsd:date"))
        dataset.add("dct:temporal", period)
    if settings.region:
        dataset.add("dct:spatial", Ref(AREA))

    distributions = [_distribution(graph, item, licence) for item in distributed(release)]
    dataset.add("schema:distribution", *distributions)
    dataset.add("dcat:distribution", *distributions)
    return graph


def _distribution(graph: Graph, item: Any, licence: Ref) -> Ref:
    """One download as a ``dcat:Distribution`` and ``schema:DataDownload``."""
    iri = graph.node(f"{LANDING_PAGE}#download-{item.path}", "dcat:Distribution",
                     "schema:DataDownload")  # fmt: skip
    node = graph[iri]
    url = Ref(f"{DATA_FOLDER}/{item.path}")
    node.add("dct:title", Lit(item.title, "zh"))
    node.add("dcat:accessURL", url)
    node.add("dcat:downloadURL", url)
    if item.mediatype in IANA_MEDIA_TYPES:
        node.add("dcat:mediaType", graph.node(IANA + item.mediatype, "dct:MediaType", inline=True))
    node.add("dcat:byteSize", Lit(str(item.bytes), datatype="xsd:nonNegativeInteger"))
    checksum = Node(None, ("spdx:Checksum",))
    checksum.add("spdx:algorithm", graph.node(SHA256, "spdx:ChecksumAlgorithm", inline=True))
    checksum.add("spdx:checksumValue", Lit(item.sha256, datatype="xsd:hexBinary"))
    node.add("spdx:checksum", checksum)
    node.add("dct:license", licence)
    node.add("schema:name", item.title)
    node.add("schema:contentUrl", url)
    node.add("schema:encodingFormat", item.mediatype)
    node.add("schema:contentSize", f"{item.bytes} B")
    node.add("schema:sha256", item.sha256)
    return iri
