"""Search: the records the Pagefind index is built from, the bundle, and the box in Chromium."""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import SEARCH_ALL, console_errors, personal_values, type_query

from generator.build import PROJECT_DIR
from generator.model.entities import Model, build_model
from generator.model.identity import record_path
from generator.publish.site import pagefind, search
from generator.publish.site.manifest import file_hashes
from generator.publish.site.pagefind import chunk_starts, read_fragments
from generator.publish.site.search import (
    FILTER_DEPARTMENT,
    FILTER_KIND,
    FILTER_OUTCOME,
    FILTER_YEAR,
    PAGEFIND_DIR,
    SHARDS_MANIFEST,
    WORD_END,
    build_search_index,
    page_records,
    render_search_page,
    search_records,
)
from generator.publish.site.search_shards import MEMBERS_FILE
from generator.publish.site.tokens import SPAN_UNITS, name_hash, query_words, search_words
from generator.validate.folder import validate_folder

DATA = PROJECT_DIR / "data"
# A demo enterprise with a distinctive name, and names sharing a 2-character part with it.
CODE = "92140902067059218P"
NAME = "示例县杨杰干果店"
WITHHELD = ("risk_class", "operator_id_number", "operator_phone")


@pytest.fixture(scope="module")
def model() -> Model:
    report = validate_folder(DATA)
    return build_model(report.public_tables(), report.data_as_of)


@pytest.fixture(scope="module")
def records(model: Model) -> dict[str, search.SearchRecord]:
    return {record.url: record for record in search_records(model)}


# Tokenisation


def test_every_substring_of_a_name_is_found_by_prefix(model: Model) -> None:
    for enterprise in model.enterprises.values():
        words = set(search_words(" ".join(enterprise.names)))
        name = enterprise.name
        for length in (1, 2, 4, len(name)):
            for start in range(len(name) - length + 1):
                if start and name[start - 1 : start + 1].isascii() and name[start - 1].isalnum():
                    continue  # inside a Latin word or a number: matched from its start only
                for word in query_words(name[start : start + length]):
                    assert any(w.startswith(word) for w in words), (name, word)


def test_long_queries_are_cut_into_overlapping_pieces() -> None:
    text = "山西省忻州市忻府区恒信石油销售有限公司和平街第一加油站"
    pieces = query_words(text)
    assert len(pieces) == 2 and all(len(p) == SPAN_UNITS for p in pieces)
    assert pieces[0] == text[:SPAN_UNITS] and pieces[-1] == text[-SPAN_UNITS:]
    assert all(any(w.startswith(p) for w in search_words(text)) for p in pieces)


def test_codes_and_latin_words_stay_whole_and_case_blind() -> None:
    assert query_words(CODE) == query_words(CODE.lower()) == search_words(CODE)[:1]
    assert query_words("ＫＴＶ") == query_words("ktv")  # NFKC: full-width letters
    # Letters are written in a script Pagefind does not split at digits.
    assert all(not (set(w) & set("abcdefghijklmnopqrstuvwxyz")) for w in search_words(CODE))


def test_every_index_word_ends_so_that_no_query_word_extends_it(records) -> None:
    html = render_search_page(records[f"/enterprise/{CODE}/"])
    words = html.split('data-pagefind-weight="10">')[1].split("<")[0].split()
    assert words and all(w.endswith(WORD_END) for w in words)
    assert WORD_END not in "".join(query_words(f"{NAME} {CODE}"))


# Records


def test_records_cover_the_model(model: Model, records) -> None:
    kinds = [r.kind for r in records.values()]
    assert kinds.count("enterprise") == len(model.enterprises)
    assert kinds.count("task") == len(model.tasks)
    assert kinds.count("plan") == len(model.plans)
    assert kinds.count("item") == len(model.items)
    for task in model.tasks.values():
        assert records["/" + record_path("task", task["slug"])].title == task["name"]


def test_enterprise_record_holds_names_code_and_filters(model: Model, records) -> None:
    enterprise = model.enterprises[CODE]
    record = records["/" + record_path("enterprise", enterprise.slug)]
    assert record.title == NAME
    assert (CODE, search.WEIGHT_CODE) in record.fields
    assert {text for text, _ in record.fields} == {CODE, *enterprise.names}
    assert record.filters[FILTER_KIND] == ["市场主体"]
    assert record.filters[FILTER_DEPARTMENT] == sorted({r["authority"] for r in enterprise.results})
    assert record.filters[FILTER_YEAR] == sorted({r["inspected_on"][:4] for r in enterprise.results})
    assert record.filters[FILTER_OUTCOME] == sorted({r["outcome"] for r in enterprise.results})


def test_task_and_item_records_hold_their_chinese_words(model: Model, records) -> None:
    task = next(t for t in model.tasks.values() if "餐饮服务" in t["name"])
    record = records["/" + record_path("task", task["slug"])]
    texts = " ".join(text for text, _ in record.fields)
    assert task["name"] in texts and all(model.items[i]["name"] in texts for i in task["items"])
    assert record.filters[FILTER_KIND] == ["抽查任务"] and FILTER_OUTCOME not in record.filters
    item = next(iter(model.items.values()))
    assert records["/" + record_path("item", item["slug"])].filters[FILTER_KIND] == ["抽查事项"]



def test_withheld_and_internal_fields_never_reach_the_index_input(model: Model, records) -> None:
    pages = "".join(render_search_page(r) for r in records.values())
    personal = personal_values()
    assert len(personal) > 100
    assert [value for value in personal if value in pages] == []
    for record in records.values():
        assert not set(WITHHELD) & (set(record.meta) | set(record.filters))
    # Even fields that slipped into the model would not: records read named fields only.
    report = validate_folder(DATA)
    tables = report.public_tables()
    secret = {"risk_class": "高风险ZZQ1", "operator_id_number": "140902199001011234",
              "operator_phone": "13912345678"}
    tables["results"] = [{**row, **secret} for row in tables["results"][:5]]
    leaky = build_model(tables, report.data_as_of)
    rendered = "".join(render_search_page(r) for r in search_records(leaky))
    assert not any(value.lower() in rendered.lower() for value in secret.values())


ARTICLE = (
    '<html><head><title>关于 - 示例站</title></head><body><nav>导航 首页</nav>'
    '<article class="md-content__inner md-typeset"><h1 id="x">关于本站<a class="headerlink"'
    ' href="#x">¶</a></h1><p>数据质量报告说明</p><script>var x = "脚本";</script>'
    "</article><footer>页脚</footer></body></html>"
)
"""An editorial page as Material writes it: navigation, article, permalink, script, footer."""


def test_editorial_pages_are_read_without_boilerplate(tmp_path: Path) -> None:
    article = ARTICLE
    for path in ("about/index.html", "404.html", "enterprise/x/index.html", "pagefind/a.html"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(article, encoding="utf-8")
    pages = list(page_records(tmp_path))
    assert [(p.url, p.title) for p in pages] == [("/about/", "关于本站")]
    text = " ".join(t for t, _ in pages[0].fields)
    assert "数据质量报告说明" in text
    assert not any(junk in text for junk in ("导航", "脚本", "页脚", "¶"))
    assert pages[0].meta["excerpt"] == "数据质量报告说明"


# The bundle


@pytest.mark.slow
def test_bundle_is_deterministic_and_sharded(model: Model, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(search, "SHARD_RECORDS", 300)
    first, second = tmp_path / "a", tmp_path / "b"
    for site in (first, second):
        site.mkdir()
        figures = build_search_index(model, site)
    # The main index (tasks, plans, items, pages) and 712 enterprises in 3 shards of them.
    assert figures["shards"] == 4 and figures["indexed"] == figures["records"]
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    bundle = first / PAGEFIND_DIR
    # The exact-match lookup files are part of the bundle, byte-identical like the rest.
    bits = json.loads((bundle / SHARDS_MANIFEST).read_text())["lookup"]["bits"]
    assert len([f for f in files if f.parts[1] == "lookup"]) == 2**bits > 1
    manifest = json.loads((bundle / SHARDS_MANIFEST).read_text())["indexes"]
    assert [index["path"] for index in manifest] == ["", "shards/1/", "shards/2/", "shards/3/"]
    for index in manifest:
        assert index["chunks"] == chunk_starts(bundle / index["path"]) and index["chunks"]
        assert index["chunks"] == sorted(index["chunks"], key=lambda w: w.encode())
    assert not (bundle / "shards/1/pagefind.js").exists()
    assert not list(bundle.glob("shards/*/wasm.*")) and (bundle / "wasm.unknown.pagefind").exists()
    assert not (bundle / "pagefind-ui.js").exists()
    # Every enterprise in one shard, the shards in URL order, each listing its own in its
    # members file (which the next release reads).
    shards = [_fragment_urls(bundle / f"shards/{n}") for n in (1, 2, 3)]
    assert [len(urls) for urls in shards] == [300, 300, len(model.enterprises) - 600]
    assert set().union(*shards) == {"/" + record_path("enterprise", e.slug) for e in model.enterprises.values()}
    assert max(shards[0]) < min(shards[1]) and max(shards[1]) < min(shards[2])
    for n, urls in enumerate(shards, 1):
        assert json.loads((bundle / f"shards/{n}" / MEMBERS_FILE).read_text())["urls"] == sorted(urls)
    assert not any(u.startswith("/enterprise/") for u in _fragment_urls(bundle))


def test_pages_are_indexed_in_the_order_they_are_made(model: Model, tmp_path: Path) -> None:
    # Not in the order a folder lists them, which differs from one file system to another:
    # the bundle rebuilt on another machine is the same bytes.
    build_search_index(model, tmp_path)
    bundle = tmp_path / PAGEFIND_DIR
    (language,) = json.loads((bundle / "pagefind-entry.json").read_text())["languages"].values()
    pages = pagefind._read_pf(bundle / f"pagefind.{language['hash']}.pf_meta")[1]
    urls = {page_id: fragment["url"] for page_id, fragment in read_fragments(bundle)}
    assert [urls[page_id] for page_id, _words in pages] == [r.url for r in search_records(model)]


@pytest.mark.slow
def test_a_release_keeps_each_firm_in_its_shard_and_reuses_the_shards_it_leaves_alone(
    model: Model, tmp_path: Path, monkeypatch
) -> None:
    """Yesterday's release lacked a few firms (today's batch): today they fill the last shard,
    the other shards are yesterday's files, and the bundle is what indexing everything again
    gives."""
    monkeypatch.setattr(search, "SHARD_RECORDS", 300)
    yesterday = copy.copy(model)
    firms = sorted(model.enterprises.items(), key=lambda kv: record_path("enterprise", kv[1].slug))
    batch = dict(firms[::100])  # 8 firms, spread over the alphabet and so over every shard
    yesterday.enterprises = {k: e for k, e in model.enterprises.items() if k not in batch}
    before, today, again = (tmp_path / name for name in ("before", "today", "again"))
    for site in (before, today, again):
        site.mkdir()
    assert build_search_index(yesterday, before)["reused"] == 0
    figures = build_search_index(model, today, previous=before)
    assert figures["shards"] == 4 and figures["reused"] == 2
    bundle = today / PAGEFIND_DIR
    new_urls = {"/" + record_path("enterprise", e.slug) for e in batch.values()}
    assert new_urls <= _fragment_urls(bundle / "shards/3")
    for n in (1, 2):  # the same files: linked from yesterday's bundle, not written again
        for path in (bundle / f"shards/{n}").rglob("*"):
            old = before / path.relative_to(today)
            assert path.is_dir() or path.stat().st_ino == old.stat().st_ino
    # In place (yesterday's site is the live one the release goes into), shards 1 and 2 stay
    # there, out of the bundle, and with them the bundle is today's.
    live, staged = tmp_path / "live", tmp_path / "staged"
    shutil.copytree(before, live)
    staged.mkdir()
    figures = build_search_index(model, live, previous=live, bundle_dir=staged, in_place=True)
    assert figures["kept"] == ["pagefind/shards/1/", "pagefind/shards/2/"]
    assert sorted(p.name for p in (staged / PAGEFIND_DIR / "shards").iterdir()) == ["3"]
    for n in (1, 2):
        shutil.copytree(live / PAGEFIND_DIR / f"shards/{n}", staged / PAGEFIND_DIR / f"shards/{n}")
    _assert_same_files(bundle, staged / PAGEFIND_DIR)
    # Indexing every shard again (yesterday's keys spoilt, its layout kept) gives the same bytes.
    spoilt = tmp_path / "spoilt"
    shutil.copytree(before, spoilt)
    for members in spoilt.glob(f"{PAGEFIND_DIR}/shards/*/{MEMBERS_FILE}"):
        members.write_text(members.read_text().replace('"key":"', '"key":"x'))
    assert build_search_index(model, again, previous=spoilt)["reused"] == 0
    _assert_same_files(today, again)
    # A shard edited after its manifest was written is indexed again, not reused.
    edited, repaired = tmp_path / "edited", tmp_path / "repaired"
    shutil.copytree(before, edited)
    repaired.mkdir()
    hashes = file_hashes(edited)
    fragment = min((edited / PAGEFIND_DIR / "shards/1/fragment").iterdir())
    fragment.write_bytes(b"edited")
    figures = build_search_index(model, repaired, previous=edited, previous_hashes=hashes)
    assert figures["reused"] == 1
    _assert_same_files(today, repaired)


@pytest.mark.slow
def test_shards_are_indexed_before_mkdocs_writes_the_pages(
    model: Model, tmp_path: Path, monkeypatch
) -> None:
    """The build starts the index as soon as the model is ready: the enterprise shards are
    made while MkDocs has yet to write a page, the main index with the pages written since;
    the bundle, made apart from the site folder, is what indexing afterwards gives."""
    monkeypatch.setattr(search, "SHARD_RECORDS", 300)
    early, late, bundles = tmp_path / "early", tmp_path / "late", tmp_path / "bundles"
    early.mkdir()
    seen: dict[str, object] = {}

    def pages_ready() -> None:
        made = bundles / PAGEFIND_DIR
        seen["shards"] = sorted(p.parent.name for p in made.glob("shards/*/pagefind-entry.json"))
        seen["main"] = (made / "pagefind-entry.json").exists()
        (early / "about").mkdir()  # MkDocs writes its pages now
        (early / "about/index.html").write_text(ARTICLE, encoding="utf-8")

    figures = build_search_index(model, early, bundle_dir=bundles, pages_ready=pages_ready)
    assert seen == {"shards": ["1", "2", "3"], "main": False}
    assert figures["pages"] == 1 and "/about/" in _fragment_urls(bundles / PAGEFIND_DIR)
    assert not (early / PAGEFIND_DIR).exists()
    (late / "about").mkdir(parents=True)
    (late / "about/index.html").write_text(ARTICLE, encoding="utf-8")
    build_search_index(model, late)
    _assert_same_files(bundles / PAGEFIND_DIR, late / PAGEFIND_DIR)


def _assert_same_files(first: Path, second: Path) -> None:
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def _fragment_urls(bundle: Path) -> set[str]:
    return {json.loads(gzip.decompress(f.read_bytes())[12:])["url"] for f in (bundle / "fragment").iterdir()}


# In Chromium


@pytest.fixture(scope="module")
def site(demo_site: tuple[Path, dict]) -> Path:
    return demo_site[0]


@pytest.fixture(scope="module")
def base_url(site_url: str) -> str:
    return site_url


@pytest.fixture
def page(browser, base_url: str):
    """A page that records every request and console error; both checked after the test."""
    page = browser.new_page()
    requests: list[str] = []
    errors = console_errors(page)
    page.on("request", lambda request: requests.append(request.url))
    yield page
    page.close()
    assert [u for u in requests if urlsplit(u).hostname != "127.0.0.1"] == []
    assert errors == []


@pytest.mark.slow
def test_exact_code_and_full_name_find_the_enterprise_first(page, base_url: str) -> None:
    page.goto(base_url)
    expected = "/" + record_path("enterprise", CODE)
    assert type_query(page, CODE)[0] == expected
    assert type_query(page, CODE.lower()) == [expected]
    assert type_query(page, NAME)[0] == expected


@pytest.mark.slow
def test_box_works_on_nested_record_pages(page, base_url: str, model: Model) -> None:
    task = next(iter(model.tasks.values()))
    page.goto(base_url + record_path("task", task["slug"]))
    assert type_query(page, NAME)[0] == "/" + record_path("enterprise", CODE)
    page.goto(base_url + "quality/")
    assert type_query(page, task["task_id"])[0] == "/" + record_path("task", task["slug"])


@pytest.mark.slow
@pytest.mark.parametrize("query", ["杨杰", "饸饹", "干果店", "饸饹面馆", "加油站"])
def test_two_and_four_character_parts_find_exactly_the_names_holding_them(
    page, base_url: str, model: Model, query: str
) -> None:
    page.goto(base_url)
    found = {u for u in page.evaluate(SEARCH_ALL, [query, None]) if u.startswith("/enterprise/")}
    expected = {
        "/" + record_path("enterprise", e.slug)
        for e in model.enterprises.values()
        if any(query in name for name in e.names)
    }
    assert expected and found == expected


@pytest.mark.slow
def test_tasks_and_items_are_found_by_chinese_words(page, base_url: str, model: Model) -> None:
    page.goto(base_url)
    found = type_query(page, "食品安全")
    tasks = {"/" + record_path("task", t["slug"]) for t in model.tasks.values() if "食品安全" in t["name"]}
    items = {"/" + record_path("item", i["slug"]) for i in model.items.values() if "食品安全" in i["name"]}
    everything = set(page.evaluate(SEARCH_ALL, ["食品安全", None]))
    assert tasks and items and tasks | items <= everything
    assert found[0] in tasks | items
    # The editorial pages are in the index too, first when their title holds the query.
    assert type_query(page, "质量")[0] == "/quality/"


@pytest.mark.slow
def test_filters_narrow_the_results(page, base_url: str, model: Model) -> None:
    page.goto(base_url)
    outcome = "发现问题已责令改正"
    found = set(page.evaluate(SEARCH_ALL, [None, {FILTER_OUTCOME: outcome}]))
    expected = {
        "/" + record_path("enterprise", e.slug)
        for e in model.enterprises.values()
        if any(r["outcome"] == outcome for r in e.results)
    }
    assert found == expected
    tasks = set(page.evaluate(SEARCH_ALL, ["餐饮", {FILTER_KIND: "抽查任务"}]))
    assert tasks and all(u.startswith("/task/") for u in tasks)
    # And in the box: choosing a 类别 keeps only that kind.
    type_query(page, "饸饹")
    page.select_option(".gongkai-search select[name='类别']", "抽查任务")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gongkai-search .md-search-result__link')]"
        ".every(a => a.getAttribute('href').includes('/task/'))"
    )


@pytest.mark.slow
def test_query_words_are_the_same_in_python_and_javascript(page, base_url: str) -> None:
    page.goto(base_url)
    samples = [
        NAME, CODE, "  杨杰　干果店 ", "ＫＴＶ量贩（东关店）", "山西恒信石油销售有限公司和平街加油站" * 2,
        "2024年餐饮服务食品安全双随机抽查（第1批）", "A-1_b", "", "㐀䶮𠀀", "Ⅻ号 ①",
    ]
    words = page.evaluate("qs => qs.map(q => window.gongkaiSearch.queryWords(q))", samples)
    assert words == [query_words(q) for q in samples]
    # And the shard a name is looked for first in is the one it was put in.
    hashes = page.evaluate("ws => ws.map(w => window.gongkaiSearch.nameHash(w.join(' ')))", words)
    assert hashes == [name_hash(" ".join(w)) for w in words]
