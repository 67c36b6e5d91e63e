"""Search that stays light as the site grows: lazy shards and the exact lookup, in Chromium.

The demo site is copied and its search bundle rebuilt with small shards (150 enterprises
each, so six indexes), then served and searched through the real search box: opening search
starts no shard, an exact name or code is answered from one lookup file and goes first, and
anything else finds its firms in the shards that hold them, loading only the shards the route
files name.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import SEARCH_ALL, console_errors, personal_values, type_query

from generator.model.entities import Model, build_model
from generator.model.identity import record_path
from generator.publish.site import search
from generator.publish.site.lookup import LOOKUP_DIR, ROUTES_DIR, bucket_name, lookup_key
from generator.publish.site.pagefind import read_fragments
from generator.publish.site.preview import create_server
from generator.publish.site.search import PAGEFIND_DIR, SHARDS_MANIFEST, build_search_index
from generator.publish.site.tokens import name_hash, search_words
from generator.validate.folder import validate_folder

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent.parent / "data"
CODE = "92140902067059218P"
NAME = "示例县杨杰干果店"
SHARD_RECORDS = 150
OPEN_BUDGET = 300_000
"""Bytes opening search may cost, whatever the number of firms (issue 17)."""


@pytest.fixture(scope="module")
def model() -> Model:
    report = validate_folder(DATA)
    return build_model(report.public_tables(), report.data_as_of)


@pytest.fixture(scope="module")
def sharded(demo_site, model: Model, tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """The demo site with its search bundle rebuilt in small shards: (site, URL)."""
    site = tmp_path_factory.mktemp("sharded") / "site"
    shutil.copytree(demo_site[0], site)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_RECORDS", SHARD_RECORDS)
        figures = build_search_index(model, site)
    assert figures["shards"] == 1 + -(-len(model.enterprises) // SHARD_RECORDS) > 3
    with create_server(site, port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield site, f"http://127.0.0.1:{server.server_port}/"
        server.shutdown()


class Traffic:
    """The site's responses a fresh browser context receives, from the page and its worker."""

    def __init__(self, context) -> None:
        self.responses: list[tuple[str, int]] = []
        context.on("requestfinished", self._add)

    def _add(self, request) -> None:
        sizes = request.sizes()
        path = urlsplit(request.url).path
        self.responses.append((path, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    def take(self, page) -> list[tuple[str, int]]:
        """The responses so far, once no new one has come for 0.3 s (the worker's are
        reported a little after the page sees its promise settle)."""
        count = -1
        for _ in range(50):
            if count == len(self.responses):
                break
            count = len(self.responses)
            page.wait_for_timeout(300)
        taken, self.responses = self.responses, []
        return taken


@pytest.fixture
def fresh(browser, sharded):
    """A page in a fresh context (cold cache) on the sharded site, with its traffic."""
    context = browser.new_context()
    traffic = Traffic(context)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(sharded[1])
    page.wait_for_load_state("networkidle")
    yield page, traffic
    context.close()
    assert errors == []


def _open(page) -> None:
    page.locator(".gongkai-search input[name=query]").click()
    page.evaluate("() => window.gongkaiSearch.load().then(() => null)")


def _shard_paths(traffic: list[tuple[str, int]]) -> set[str]:
    return {path for path, _ in traffic if path.startswith(f"/{PAGEFIND_DIR}/shards/")}


def test_opening_search_loads_no_shard_and_stays_small(fresh) -> None:
    page, traffic = fresh
    traffic.take(page)
    _open(page)
    opened = traffic.take(page)
    paths = [path for path, _ in opened]
    assert f"/{PAGEFIND_DIR}/pagefind.js" in paths and f"/{PAGEFIND_DIR}/{SHARDS_MANIFEST}" in paths
    assert any(p.endswith(".pf_meta") for p in paths)  # the main index is ready
    assert _shard_paths(opened) == set() and not any(f"/{LOOKUP_DIR}/" in p for p in paths)
    assert sum(size for _, size in opened) <= OPEN_BUDGET
    # The filter menus count every index, shards included, from the routing table.
    options = page.locator(".gongkai-search select[name='类别'] option").all_inner_texts()
    assert any(o.startswith("市场主体（") for o in options)


@pytest.mark.parametrize("kind", ["code", "name"])
def test_exact_code_or_name_comes_first_from_the_lookup_alone(fresh, sharded, model, kind) -> None:
    page, traffic = fresh
    _open(page)
    manifest = json.loads((sharded[0] / PAGEFIND_DIR / SHARDS_MANIFEST).read_text())
    # One enterprise from each shard, of a name no other firm has borne.
    names = Counter(lookup_key(n) for e in model.enterprises.values() for n in e.names)
    seen: dict[int, object] = {}
    for enterprise in model.enterprises.values():
        shard = 1 + name_hash(lookup_key(enterprise.name)) % (len(manifest["indexes"]) - 1)
        if names[lookup_key(enterprise.name)] == 1:
            seen.setdefault(shard, enterprise)
    assert len(seen) == len(manifest["indexes"]) - 1
    for enterprise in [model.enterprises[CODE], *seen.values()]:
        query = enterprise.code if kind == "code" else enterprise.name
        traffic.take(page)
        found = type_query(page, query)
        fetched = traffic.take(page)
        assert found[0] == "/" + record_path("enterprise", enterprise.slug), query
        assert found.count(found[0]) == 1
        assert _shard_paths(fetched) == set(), query
        assert not any(f"/{ROUTES_DIR}/" in p for p, _ in fetched), query  # no shard, no route
        bucket = bucket_name(lookup_key(query), manifest["lookup"]["bits"])
        lookups = {p for p, _ in fetched if f"/{LOOKUP_DIR}/" in p}
        assert lookups <= {f"/{PAGEFIND_DIR}/{LOOKUP_DIR}/{bucket}.json"}, query


def test_more_results_after_an_exact_match_search_the_shards_once(fresh, model) -> None:
    page, traffic = fresh
    expected = "/" + record_path("enterprise", CODE)
    held = type_query(page, CODE)
    assert held[0] == expected and held.count(expected) == 1
    meta = page.locator(".md-search-result__meta")
    assert "其中 1 条名称或代码完全相同" in meta.inner_text()
    traffic.take(page)
    page.locator(".gongkai-search__more").click()
    page.wait_for_function(
        "() => document.querySelector('.md-search-result__meta').textContent.startsWith('找到')"
    )
    assert _shard_paths(traffic.take(page))
    links = page.locator(".gongkai-search .md-search-result__link")
    shown = [urlsplit(a.get_attribute("href")).path for a in links.all()]
    assert shown[: len(held)] == held and shown.count(expected) == 1
    assert meta.inner_text() == f"找到 {len(shown)} 条结果"


@pytest.mark.parametrize("query", ["干果店", "杨杰", "饸饹面馆", "营"])  # 营: one character, one firm
def test_a_part_of_a_name_finds_its_firms_in_the_shards_that_hold_it(
    fresh, sharded, model, query
) -> None:
    page, traffic = fresh
    found = page.evaluate(SEARCH_ALL, [query, None])
    expected = {
        "/" + record_path("enterprise", e.slug)
        for e in model.enterprises.values()
        if any(query in name for name in e.names)
    }
    assert expected and {u for u in found if u.startswith("/enterprise/")} == expected
    assert len(found) == len(set(found))
    fetched = traffic.take(page)
    shards = _shard_paths(fetched)
    # Only the shards that can hold the query are loaded: those of the firms found, and those
    # of firms whose names hold its first two characters, or its one (the route key), no other.
    shard_of = _shard_of(sharded[0])
    loaded = {p.split("/")[3] for p in shards}
    routed = {shard_of["/" + record_path("enterprise", e.slug)] for e in model.enterprises.values()
              if any(query[:2] in name for name in e.names)}  # fmt: skip
    assert {shard_of[url] for url in expected} <= loaded <= routed, query
    assert any(f"/{PAGEFIND_DIR}/{ROUTES_DIR}/" in p for p, _ in fetched)
    # Every shard runs on the main bundle's WebAssembly, fetched once with the main index.
    assert not any(p.endswith(".pagefind") for p in shards)


def test_a_part_no_name_holds_loads_no_shard(fresh) -> None:
    page, traffic = fresh
    _open(page)
    traffic.take(page)
    assert page.evaluate(SEARCH_ALL, ["龘靐", None]) == []
    fetched = traffic.take(page)
    assert _shard_paths(fetched) == set()
    assert [p for p, _ in fetched if f"/{ROUTES_DIR}/" in p]  # the route file said so


def test_routes_list_the_shard_of_every_part_of_every_name(sharded, model) -> None:
    bundle = sharded[0] / PAGEFIND_DIR
    bits = json.loads((bundle / SHARDS_MANIFEST).read_text())["routes"]["bits"]
    routes = {}
    for path in sorted((bundle / ROUTES_DIR).iterdir()):
        for key, shards in json.loads(path.read_text(encoding="utf-8")).items():
            assert path.stem == bucket_name(key, bits) and shards == sorted(shards)
            routes[key] = shards
    shard_of = _shard_of(sharded[0])
    for enterprise in model.enterprises.values():
        shard = int(shard_of["/" + record_path("enterprise", enterprise.slug)])
        for name in (enterprise.code, *enterprise.names):  # every index word of its page
            for word in search_words(name):
                assert shard in routes[word[:2]] and shard in routes[word[:1]], (name, word)
    assert max(f.stat().st_size for f in (bundle / ROUTES_DIR).iterdir()) < 16_000


def _shard_of(site: Path) -> dict[str, str]:
    """Each enterprise page's shard (the folder name under ``pagefind/shards/``), by URL."""
    shards = sorted((site / PAGEFIND_DIR / "shards").iterdir())
    return {f["url"]: shard.name for shard in shards for _, f in read_fragments(shard)}


def test_the_lookup_obeys_the_filters(fresh) -> None:
    page, _ = fresh
    expected = "/" + record_path("enterprise", CODE)
    found = page.evaluate(SEARCH_ALL, [CODE, None])
    assert found[0] == expected and found.count(expected) == 1
    assert expected not in page.evaluate(SEARCH_ALL, [CODE, {"类别": "页面"}])
    assert page.evaluate(SEARCH_ALL, [NAME, {"类别": "市场主体"}])[0] == expected


def test_lookup_files_hold_what_the_index_publishes_and_no_more(sharded, model) -> None:
    bundle = sharded[0] / PAGEFIND_DIR
    bits = json.loads((bundle / SHARDS_MANIFEST).read_text())["lookup"]["bits"]
    files = sorted((bundle / LOOKUP_DIR).iterdir())
    assert len(files) == 2**bits and max(f.stat().st_size for f in files) < 16_000
    fragments = {
        f["url"]: (page_id, f)
        for index in [bundle, *sorted((bundle / "shards").iterdir())]
        for page_id, f in read_fragments(index)
    }
    keys = {}
    for path in files:
        for key, entries in json.loads(path.read_text(encoding="utf-8")).items():
            assert path.stem == bucket_name(key, bits)
            for entry in entries:
                page_id, fragment = fragments[entry["url"]]
                assert entry == {"id": page_id, "url": fragment["url"], "meta": fragment["meta"],
                                 "filters": fragment["filters"]}
            keys[key] = [e["url"] for e in entries]
    for enterprise in model.enterprises.values():
        url = "/" + record_path("enterprise", enterprise.slug)
        for text in (enterprise.code, *enterprise.names):
            assert url in keys[lookup_key(text)]
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    assert [value for value in personal_values() if value in text] == []
