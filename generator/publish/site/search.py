"""Search: one Pagefind index over the record pages and the editorial pages.

The index is built from the model, not from the rendered record pages: each enterprise,
task, plan and item becomes a tiny synthetic HTML page holding only what people search for
(names, codes, task and item names, departments), with its filters (类别, 部门, 年度, 检查结果)
and the metadata the search box shows. The editorial pages MkDocs built are read back, cut
down to their article text, and indexed the same way. Pagefind services
(:class:`~generator.publish.site.pagefind.PagefindIndexer`), given each page as it is made and
in the model's order, write the bundle into ``site/pagefind/``.

Why not Pagefind's own Chinese segmentation (``lang="zh-CN"`` in the extended build)? The
index side segments with jieba-style dictionaries and the browser side with ICU's
``Intl.Segmenter``; the two disagree on proper names, so on the demo corpus a third of the
enterprises could not be found by their own full name and one 2-character part of a name in
ten found nothing. A query that is split into common pieces (示例/县/…) also touches every
page of the county, which at province scale is slow. So gongkai tokenises itself, the same
way on both sides (here and in ``overrides/assets/javascripts/gongkai-search.js``):

* text is cut into *units* as :mod:`generator.publish.site.tokens` describes (an ASCII
  letter/digit stretch such as a credit code is one unit, a Han character is one);
* the index holds, for every unit of every run, the next ``SPAN_UNITS`` units starting
  there (and :data:`WORD_END`). Pagefind matches a query word as a prefix of an index word, so any query of up to
  ``SPAN_UNITS`` units matches exactly the pages whose text contains it: substring search.
  The browser cuts a longer query run into overlapping pieces of ``SPAN_UNITS`` units,
  which must all match.

The index language is :data:`~generator.publish.site.pagefind.INDEX_LANGUAGE` ("und"), which
neither Pagefind nor the browser segments; the search box loads it under that language.

Pagefind ranks in time proportional to (pages matched) × (index words matched), so records
stay lean: an enterprise record holds its names and its code only. Its inspections are
reachable through the filters (部门, 年度, 检查结果) and through the task and item pages,
which are few; a word on every enterprise (食品安全, 未发现问题) therefore never makes the
browser rank every enterprise.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.console import status
from generator.core.errors import BuildAbort
from generator.core.outputs import link_or_copy
from generator.core.schemas import split_outcomes
from generator.model.entities import Model
from generator.model.identity import NOTICE_KIND, RECORD_KINDS, record_path, split_ids
from generator.publish.site.lookup import LOOKUP_DIR, ROUTES_DIR, Lookup, ShardRoutes
from generator.publish.site.pagefind import (
    BundleIndex,
    PagefindError,
    PagefindIndexer,
    chunk_starts,
    normalise_bundle,
    share_runtime,
)
from generator.publish.site.search_pages import editorial_pages
from generator.publish.site.search_shards import (
    MEMBERS_FILE,
    previous_shards,
    reusable_shards,
    shard_key,
    shard_layout,
)
from generator.publish.site.tokens import latin_letters, search_words

PAGEFIND_DIR = "pagefind"
"""The bundle's folder inside the site; the search box loads ``<root>/pagefind/pagefind.js``."""
WORD_END = "\u01c2"
"""Ends every index word: ``ǂ`` (U+01C2), a letter no query contains.

When no index word starts with a query word, Pagefind falls back to the longest index word
that the query word starts with: ``店区刘建兰粮油店`` would match every page with a word
``店``. No index word is a prefix of a query word once each ends in ``ǂ``, so a query matches
only what contains it, in every shard alike. It is a letter, not punctuation, because
Pagefind splits any word holding punctuation into parts (``9214…x9l5`` into ``9214…``,
``x9``, …) and indexes those too."""
MAX_PAGE_CHARS = 12_000
"""Editorial text indexed per page; the rest of a very long page is left out of the index."""
SHARD_RECORDS = 3_000
"""Enterprise records per index shard (see :func:`build_search_index`)."""
SHARDS_DIR = "shards"
"""Extra shards live in ``pagefind/shards/<n>/``, listed in :data:`SHARDS_MANIFEST`."""
SHARDS_MANIFEST = "gongkai-shards.json"

FILTER_KIND = "类别"
FILTER_DEPARTMENT = "部门"
FILTER_YEAR = "年度"
FILTER_OUTCOME = "检查结果"
KIND_LABELS = {
    "enterprise": "市场主体",
    "task": "抽查任务",
    "plan": "抽查计划",
    "item": "抽查事项",
    "page": "页面",
}
"""The 类别 filter value of each kind of search record."""

SKIPPED_TOP = frozenset((*RECORD_KINDS, NOTICE_KIND, PAGEFIND_DIR, "assets", "search", "record", "data"))
"""Top-level site folders that hold no editorial page to index."""

# Weights are Pagefind's data-pagefind-weight (default 1, at most 10).
WEIGHT_CODE = 10
WEIGHT_NAME = 7
WEIGHT_TEXT = 1

_YEAR = re.compile(r"(?:19|20)\d\d")
_UNUSED_BUNDLE_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
"""Pagefind's own UIs, which the site does not use (it ships its own small search box)."""
_SHARED_FILES = ("pagefind.js", "pagefind-worker.js")
"""Code a shard does not need: the main bundle's script and worker run every index (and its
WebAssembly, see :func:`~generator.publish.site.pagefind.share_runtime`)."""


@dataclass
class SearchRecord:
    """One search result: its URL, title, searchable text, filters and display metadata."""

    url: str
    title: str
    kind: str
    fields: list[tuple[str, int]] = field(default_factory=list)
    """Searchable texts with their weights, the heaviest first."""
    meta: dict[str, str] = field(default_factory=dict)
    """Shown by the search box, besides the title (``code``, ``excerpt``)."""
    filters: dict[str, list[str]] = field(default_factory=dict)


# Records from the model


def search_records(model: Model) -> Iterator[SearchRecord]:
    """Every enterprise, task, plan and item of ``model`` as a search record, in a fixed order."""
    for enterprise in model.enterprises.values():
        years, departments, outcomes = set(), set(), set()
        for result in enterprise.results:
            years.update(_years(result.get("inspected_on")))
            departments.update(_values(result.get("authority")))
            outcomes.update(split_outcomes(result.get("outcome")))
        for pending in enterprise.pending:
            years.update(_years(pending["deadline"]))
            outcomes.add(pending["status"])
        yield SearchRecord(
            url="/" + record_path("enterprise", enterprise.slug),
            title=enterprise.name,
            kind="enterprise",
            fields=[(enterprise.code, WEIGHT_CODE), *((n, WEIGHT_NAME) for n in enterprise.names)],
            meta=_meta(code=_meta_code(enterprise.code), former_names="；".join(enterprise.names[:-1])),
            filters=_filters(
                "enterprise", departments=departments, years=years, outcomes=outcomes
            ),
        )
    for task in model.tasks.values():
        items = [model.items[i] for i in task.get("items", [])]
        years = set(_years(task.get("start"), task.get("end")))
        years.update(y for r in task["results"] for y in _years(r.get("inspected_on")))
        departments = {*_values(task.get("lead_department")), *split_ids(task.get("partner_departments"))}
        yield SearchRecord(
            url="/" + record_path("task", task["slug"]),
            title=task.get("name") or task["task_id"],
            kind="task",
            fields=[
                (task["task_id"], WEIGHT_CODE),
                (task.get("name") or "", WEIGHT_NAME),
                *_texts(task.get("plan_name"), *(i["name"] for i in items), task.get("scope")),
                *_texts(*sorted(departments)),
            ],
            meta=_meta(code=_meta_code(task["task_id"])),
            filters=_filters("task", departments=departments, years=years),
        )
    for plan in model.plans.values():
        items = [model.item_for(ref) for ref in split_ids(plan.get("item_ids"))]
        yield SearchRecord(
            url="/" + record_path("plan", plan["slug"]),
            title=plan.get("name") or plan["plan_id"],
            kind="plan",
            fields=[
                (plan["plan_id"], WEIGHT_CODE),
                (plan.get("name") or "", WEIGHT_NAME),
                *_texts(plan.get("scope"), plan.get("department")),
                *_texts(*(i["name"] for i in items if i is not None)),
            ],
            meta=_meta(code=_meta_code(plan["plan_id"])),
            filters=_filters(
                "plan",
                departments=_values(plan.get("department")),
                years=_years(str(plan.get("year") or ""), plan.get("start")),
            ),
        )
    for item in model.items.values():
        departments = {*_values(item.get("department")), *split_ids(item.get("partner_departments"))}
        years = {y for t in item["tasks"] for y in _years(model.tasks[t].get("start"))}
        yield SearchRecord(
            url="/" + record_path("item", item["slug"]),
            title=item["name"],
            kind="item",
            fields=[
                (item["item_id"], WEIGHT_CODE),
                (item["name"], WEIGHT_NAME),
                *_texts(
                    item.get("sub_item"),
                    item.get("domain"),
                    item.get("category"),
                    item.get("industry"),
                    item.get("target_type"),
                    item.get("content"),
                    item.get("legal_basis"),
                    item.get("method"),
                ),
                *_texts(*sorted(departments)),
            ],
            meta=_meta(code=_meta_code(item["item_id"])),
            filters=_filters("item", departments=departments, years=years),
        )


def _texts(*texts: str | None) -> list[tuple[str, int]]:
    return [(text, WEIGHT_TEXT) for text in texts if text]


def _values(text: str | None) -> list[str]:
    return [text.strip()] if text and text.strip() else []


def _years(*dates: str | None) -> list[str]:
    return [date[:4] for date in dates if date and _YEAR.fullmatch(date[:4])]


def _meta_code(code: str) -> str:
    """An id for display, its letters as ``LATIN_SUBSTITUTES`` (the box turns them back):
    Pagefind searches metadata too, and would split ``9114…MA0F`` into parts."""
    return latin_letters(code)


def _meta(**values: str) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def _filters(
    kind: str,
    *,
    departments: Iterable[str] = (),
    years: Iterable[str] = (),
    outcomes: Iterable[str] = (),
) -> dict[str, list[str]]:
    filters = {
        FILTER_KIND: [KIND_LABELS[kind]],
        FILTER_DEPARTMENT: sorted(set(departments)),
        FILTER_YEAR: sorted(set(years)),
        FILTER_OUTCOME: sorted(set(outcomes)),
    }
    return {name: values for name, values in filters.items() if values}


# Records from the editorial pages


def page_records(site_dir: Path) -> Iterator[SearchRecord]:
    """The editorial pages MkDocs built into ``site_dir``, as search records, sorted by URL
    (:func:`~generator.publish.site.search_pages.editorial_pages`)."""
    for page in editorial_pages(site_dir, SKIPPED_TOP):
        yield SearchRecord(
            url=page.url,
            title=page.title,
            kind="page",
            fields=[(page.title, WEIGHT_NAME), (page.text[:MAX_PAGE_CHARS], WEIGHT_TEXT)],
            meta=_meta(excerpt=_excerpt(page.text, page.title), heading=_heading_words(page.title)),
            filters=_filters("page"),
        )


def _heading_words(title: str) -> str:
    """An editorial page's title as index words, in the metadata field ``heading``.

    The search box weighs a match there above all else (``metaWeights``), so a page such as
    数据质量报告 comes before the records that merely share a word with it (成品油质量的检查):
    editorial pages are long, and Pagefind's ranking otherwise prefers short pages."""
    return " ".join(word + WORD_END for word in search_words(title))


def _excerpt(text: str, title: str, length: int = 90) -> str:
    if text.startswith(title):
        text = text[len(title) :].lstrip(" ¶")
    return text if len(text) <= length else text[:length].rstrip() + "…"


# Index


def render_search_page(record: SearchRecord, words: set[str] | None = None) -> str:
    """The synthetic HTML page Pagefind indexes for ``record`` (never published).

    Title, metadata and filters sit in an ignored block, so only the index words count as
    content; each text's words carry its weight. ``words``, an empty set, receives them.
    """
    esc = html.escape
    parts = [
        '<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"></head>',
        "<body data-pagefind-body><div data-pagefind-ignore>",
        f'<span data-pagefind-meta="title">{esc(record.title)}</span>',
    ]
    parts += [f'<span data-pagefind-meta="{esc(k)}">{esc(v)}</span>' for k, v in record.meta.items()]
    for name, values in record.filters.items():
        parts += [f'<span data-pagefind-filter="{esc(name)}">{esc(v)}</span>' for v in values]
    parts.append("</div>")
    seen: set[str] = set() if words is None else words
    for text, weight in record.fields:
        words = [w for w in search_words(text) if w not in seen]
        seen.update(words)
        if words:
            text = " ".join(word + WORD_END for word in words)
            parts.append(f'<p data-pagefind-weight="{weight}">{esc(text)}</p>')
    parts.append("</body></html>\n")
    return "".join(parts)


def build_search_index(
    model: Model,
    site_dir: Path,
    *,
    progress: bool = False,
    previous: Path | None = None,
    previous_hashes: Mapping[str, str] | None = None,
    bundle_dir: Path | None = None,
    pages_ready: Callable[[], object] | None = None,
    in_place: bool = False,
) -> dict[str, Any]:
    """Write the Pagefind bundle for ``model`` and the editorial pages into ``site_dir/pagefind/``.

    Call it once the editorial pages (MkDocs) are in ``site_dir``, or give ``pages_ready``;
    record pages need not be there, as their records come from the model. An existing bundle
    is replaced.

    Pagefind ranks the pages a query matches in time proportional to (pages matched) ×
    (index words matched), so a broad query (有限公司, a city's name) over one index of
    35,000 enterprises takes seconds. When there are more than :data:`SHARD_RECORDS`
    enterprises, they are therefore split into shards of at most that many in
    ``pagefind/shards/<n>/`` (:func:`shard_layout`: each keeps the shard it had in
    ``previous``, new ones fill the last shard), and the main index in ``pagefind/`` keeps
    every task, plan, item and editorial page. A shard whose pages are those of a shard of
    ``previous`` (its key, in :data:`MEMBERS_FILE`) is that shard, linked, not indexed again:
    a daily batch of new firms re-indexes the main index and the last shard or two. The
    search box opens the main index only; it starts a shard's Pagefind instance when a query
    first needs that shard, searches the indexes in order and shows the first page as soon
    as it is settled, so a broad query waits for about one shard's share. An exact name or
    code is answered from ``pagefind/lookup/`` (:mod:`generator.publish.site.lookup`)
    without any shard.
    ``pagefind/gongkai-shards.json``, the routing table the box loads on opening, lists the
    indexes with the first word of each of their chunks (:func:`chunk_starts`), the page
    count of every filter value (the filter menus), the lookup's ``bits`` and, with shards,
    the ``bits`` of ``pagefind/routes/`` (the shards that can hold a query,
    :class:`~generator.publish.site.lookup.ShardRoutes`).

    Args:
        model: The published model.
        site_dir: The site folder (a build's staging folder).
        progress: Show progress on stderr.
        previous: The previous release's site, whose shards are kept and reused.
        previous_hashes: Its manifest's file hashes (read from it when not given): a shard
            is reused only when its files are those the manifest lists.
        bundle_dir: Make ``pagefind/`` there instead of in ``site_dir`` (MkDocs empties its
            site folder when it starts: the build moves the bundle in afterwards).
        pages_ready: Called once the enterprise shards are indexed, before the editorial
            pages are read; returns when they are in ``site_dir``. So the shards, most of the
            work, are indexed while the build still writes the downloads and runs MkDocs.
        in_place: ``previous`` is the live site the release is applied to
            (:mod:`generator.core.in_place`): a reused shard stays where it is there, read
            from it, not linked into the bundle.

    Returns:
        Figures: ``records`` (model records), ``pages`` (editorial pages), ``indexed``
        (pages in all indexes), ``shards``, ``reused`` (shards taken from ``previous``),
        ``kept`` (in place: the site folders of those shards, left as they are),
        ``lookup_files``, ``route_files``, ``bytes`` (bundle size on disk) and ``seconds``.

    Raises:
        BuildAbort: Pagefind failed or indexed a different number of pages, or an enterprise
            is missing from its index.
    """
    start = time.monotonic()
    output = (bundle_dir or site_dir) / PAGEFIND_DIR
    shutil.rmtree(output, ignore_errors=True)
    counts = {"records": 0, "pages": 0}
    # One index when the enterprises fit in one shard, else the main index without them.
    earlier = previous_shards(previous / PAGEFIND_DIR / SHARDS_DIR if previous else None)
    layout = shard_layout(
        ("/" + record_path("enterprise", e.slug) for e in model.enterprises.values()),
        [urls for urls, _ in earlier],
        SHARD_RECORDS,
    )
    shard_of = {url: number for number, urls in enumerate(layout, 1) for url in urls}
    shards = 1 + len(layout)
    outputs = [output] + [output / SHARDS_DIR / str(n) for n in range(1, shards)]
    expected = [0] * shards
    digests: list[list[tuple[str, str]]] = [[] for _ in range(shards)]
    # With a previous release, each shard's pages wait in memory until its key is known:
    # writing a page costs more than making it, and most shards are the previous ones.
    held: dict[int, list[tuple[str, str]]] = {n: [] for n in range(1, shards)}
    filters: dict[str, dict[str, int]] = {}
    lookup, routes = Lookup(), ShardRoutes()
    try:
        with PagefindIndexer() as indexer:
            indexes: dict[int, BundleIndex] = {}

            def index(number: int) -> BundleIndex:
                if number not in indexes:
                    indexes[number] = indexer.index(number, outputs[number])
                return indexes[number]

            with status("正在准备搜索记录…", progress):
                for record in search_records(model):
                    shard = shard_of.get(record.url, 0) if record.kind == "enterprise" else 0
                    words: set[str] = set()
                    page = render_search_page(record, words)
                    if shard:
                        routes.add(shard, words)
                    if shard and earlier:  # indexed once it is known not to be a previous shard
                        held[shard].append((record.url, page))
                    else:
                        index(shard).add(record.url, page)
                    digests[shard].append((record.url, hashlib.sha256(page.encode()).hexdigest()))
                    _count_filters(filters, record)
                    if record.kind == "enterprise":
                        lookup.add(record.url, (text for text, _ in record.fields))
                    expected[shard] += 1
                    counts["records"] += 1
            # Shard 0, the main index, holds the editorial pages and is never a previous one.
            keys = [""] + [shard_key(pages) for pages in digests[1:]]
            reused = reusable_shards(keys, earlier, previous, previous_hashes)
            sources = list(outputs)  # where each index's bundle is read from
            # In place, a shard at its own number in the live site stays there.
            home = previous / PAGEFIND_DIR / SHARDS_DIR if in_place and previous else None
            kept = {}
            for number, folder in reused.items():  # a previous release's shard, the same pages
                if home is not None and folder == home / str(number):
                    sources[number] = kept[number] = folder
                else:
                    shutil.copytree(folder, outputs[number], copy_function=link_or_copy)
            fresh = [n for n in range(1, shards) if n not in reused]
            for number in fresh:
                for url, page in held.pop(number, []):
                    index(number).add(url, page)
            held.clear()
            done = _write_bundles({number: index(number) for number in fresh}, progress)
            for number in fresh:
                _tidy_bundle(outputs[number], number, expected[number], done[number])
                members = {"key": keys[number], "urls": sorted(url for url, _ in digests[number])}
                (outputs[number] / MEMBERS_FILE).write_text(
                    json.dumps(members, ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8",
                )
            found = _write_lookup(lookup, sources[1:], output, progress) if shards > 1 else None
            routed = routes.write(output / ROUTES_DIR) if shards > 1 else None
            if pages_ready is not None:
                pages_ready()
            for record in page_records(site_dir):
                index(0).add(record.url, render_search_page(record))
                _count_filters(filters, record)
                expected[0] += 1
                counts["pages"] += 1
            _tidy_bundle(output, 0, expected[0], _write_bundles({0: index(0)}, progress)[0])
    except PagefindError as exc:
        raise BuildAbort(f"搜索索引生成失败，网站未发布：{exc}") from exc
    for number in fresh:  # the main bundle's runtime exists now
        share_runtime(outputs[number], output)
    found = found or _write_lookup(lookup, sources, output, progress)
    manifest = {
        "indexes": [
            {"path": "" if n == 0 else f"{SHARDS_DIR}/{n}/", "chunks": chunk_starts(bundle)}
            for n, bundle in enumerate(sources)
        ],
        "filters": {name: dict(sorted(values.items())) for name, values in sorted(filters.items())},
        "lookup": {"path": LOOKUP_DIR + "/", "bits": found["bits"]},
    }
    if routed is not None:
        manifest["routes"] = {"path": ROUTES_DIR + "/", "bits": routed["bits"]}
    (output / SHARDS_MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    files = (p for folder in (output, *kept.values()) for p in folder.rglob("*"))
    size = sum(p.stat().st_size for p in files if p.is_file())
    return {
        **counts,
        "indexed": sum(expected),
        "shards": shards,
        "reused": len(reused),
        "kept": [f"{PAGEFIND_DIR}/{SHARDS_DIR}/{n}/" for n in sorted(kept)],
        "lookup_files": found["files"],
        "route_files": routed["files"] if routed else 0,
        "bytes": size,
        "seconds": round(time.monotonic() - start, 2),
    }


def _write_bundles(indexes: dict[int, BundleIndex], progress: bool) -> dict[int, int]:
    """Write the bundles of ``indexes`` (by number), each service its own at once, without
    the files the site does not use; the page count of each."""
    with status(f"正在生成搜索索引（Pagefind，{len(indexes)} 个分片）…", progress):
        files = {number: index.ask_files() for number, index in indexes.items()}
        shard_unused = _UNUSED_BUNDLE_FILES + _SHARED_FILES  # it runs on the main bundle's code
        return {
            number: index.write(files[number], shard_unused if number else _UNUSED_BUNDLE_FILES)
            for number, index in indexes.items()
        }


def _tidy_bundle(bundle: Path, number: int, expected: int, indexed: int) -> None:
    """Check that Pagefind indexed every page of index ``number``, and make its files stable."""
    if indexed != expected:
        raise BuildAbort(f"搜索索引第 {number} 个分片收录 {indexed} 个页面，应为 {expected} 个；网站未发布。")
    normalise_bundle(bundle)


def _write_lookup(lookup: Lookup, bundles: list[Path], output: Path, progress: bool) -> dict[str, int]:
    """The exact-match lookup files, from the enterprises' pages in ``bundles``."""
    with status("正在写入精确查找表…", progress):
        try:
            return lookup.write(bundles, output / LOOKUP_DIR)
        except ValueError as exc:
            raise BuildAbort(f"精确查找表生成失败，网站未发布：{exc}") from exc


def _count_filters(counts: dict[str, dict[str, int]], record: SearchRecord) -> None:
    """Add ``record`` to the pages counted under each filter value (the box's filter menus)."""
    for name, values in record.filters.items():
        into = counts.setdefault(name, {})
        for value in values:
            into[value] = into.get(value, 0) + 1
