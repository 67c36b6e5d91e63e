"""Exact lookup: an enterprise found by its exact name or code from one small static file.

Most people search for one firm, by its 统一社会信用代码, its 注册号 or its full name. Asking
Pagefind means loading an index, and with enterprises spread over shards
(:func:`~generator.publish.site.search.build_search_index`), loading every shard. So the
build also writes ``pagefind/lookup/<bucket>.json``: each enterprise under its *keys*, the
query words of its code and of each of its names joined by spaces (:func:`lookup_key`, which
is exactly what the search box sends Pagefind for that text). The keys are spread by
:func:`~generator.publish.site.tokens.name_hash` over ``2 ** bits`` files (:func:`bucket_name`,
as ``lookupBucket`` in the box), ``bits`` chosen so that a file holds at most
:data:`BUCKET_KEYS` keys on average: a few KB each, whatever the number of firms.

*Routes* (:class:`ShardRoutes`, ``pagefind/routes/<bucket>.json``) answer the other question
a query about a part of a name asks: which shards can hold it at all. A query word matches an
index word it begins, so its first two characters begin that index word too: each *route
key*, the first two characters of an index word of some enterprise, maps to the shards whose
pages have such a word. The box fetches the route file of each query word (of two characters
or more) and searches only the shards every one of them lists; a rare part of a name then
loads one or two shards, not all of them.

A key maps to the enterprises it names, each as Pagefind's own fragment shows it (``id``,
``url``, ``meta``, ``filters``), read back from the bundle Pagefind wrote: the box shows a hit
exactly as a search result, checks it against the chosen filters, and drops the same page
(by ``id``) from the Pagefind results that follow. A lookup file therefore holds nothing the
index does not publish already.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.publish.site.pagefind import read_fragments
from generator.publish.site.tokens import name_hash, query_words

LOOKUP_DIR = "lookup"
"""The lookup files' folder inside the Pagefind bundle folder."""
BUCKET_KEYS = 32
"""Keys per lookup file on average, at most (an entry is about 300 bytes)."""
ROUTES_DIR = "routes"
"""The route files' folder inside the Pagefind bundle folder."""
ROUTE_KEYS = 256
"""Route keys per route file on average, at most (an entry is about 20 bytes)."""
ROUTE_CHARS = 2
"""Characters of an index word that make its route key; its first character alone is a
route key too, for a query of one character."""


def lookup_key(text: str) -> str:
    """The key of a name or code: its query words joined by spaces.

    >>> lookup_key("杨杰干果店（东关）")
    '杨杰干果店 东关'
    >>> lookup_key("ＡＢＣ１２３") == lookup_key("abc123")
    True
    """
    return " ".join(query_words(text))


def bucket_bits(keys: int, per_file: int = BUCKET_KEYS) -> int:
    """The fewest bits of hash that leave at most ``per_file`` keys per file on average.

    >>> bucket_bits(0), bucket_bits(32), bucket_bits(33), bucket_bits(300_000)
    (0, 0, 1, 14)
    """
    bits = 0
    while keys > per_file << bits:
        bits += 1
    return bits


def bucket_name(key: str, bits: int) -> str:
    """The lookup file (without ``.json``) of ``key``: the low ``bits`` bits of its hash, in hex.

    >>> bucket_name("", 0), bucket_name("", 8), bucket_name("", 14)
    ('0', 'c5', '1dc5')
    """
    return _file_name(name_hash(key) & ((1 << bits) - 1), bits)


def _file_name(bucket: int, bits: int) -> str:
    return format(bucket, f"0{max(1, -(-bits // 4))}x")


class Lookup:
    """The exact-match keys of the enterprises, gathered while their records are written."""

    def __init__(self) -> None:
        self.urls: dict[str, list[str]] = {}
        """Each key's enterprise URLs, in the order they were added."""

    def add(self, url: str, texts: Iterable[str]) -> None:
        """File the enterprise at ``url`` under the key of each of ``texts`` (code, names)."""
        for key in dict.fromkeys(lookup_key(text) for text in texts):
            if key:
                self.urls.setdefault(key, []).append(url)

    def write(self, bundles: Iterable[Path], folder: Path) -> dict[str, int]:
        """Write the lookup files into ``folder`` from the fragments of ``bundles``.

        Returns:
            ``keys``, ``bits`` and ``files`` (lookup files written).

        Raises:
            ValueError: An enterprise has no page in the bundles.
        """
        wanted = {url for urls in self.urls.values() for url in urls}
        entries: dict[str, dict[str, Any]] = {}
        for bundle in bundles:
            for page_id, fragment in read_fragments(bundle):
                if fragment.get("url") in wanted:
                    entries[fragment["url"]] = {
                        "id": page_id,
                        "url": fragment["url"],
                        "meta": fragment.get("meta", {}),
                        "filters": fragment.get("filters", {}),
                    }
        missing = sorted(wanted - entries.keys())
        if missing:
            raise ValueError(f"{len(missing)} 个市场主体不在搜索索引中，例如 {missing[0]}")
        found = {
            key: sorted({url: entries[url] for url in urls}.values(), key=lambda e: e["url"])
            for key, urls in self.urls.items()
        }
        return write_buckets(folder, found, BUCKET_KEYS)


class ShardRoutes:
    """The route keys of each shard's pages, gathered while their records are written."""

    def __init__(self) -> None:
        self.shards: dict[str, set[int]] = {}
        """Each route key's shards."""

    def add(self, shard: int, words: Iterable[str]) -> None:
        """File shard ``shard`` under the route keys of each of its index ``words``: the
        first :data:`ROUTE_CHARS` characters, and the first alone."""
        for word in words:
            for key in (word[:1], word[:ROUTE_CHARS]):  # one key twice for a 1-character word
                self.shards.setdefault(key, set()).add(shard)

    def write(self, folder: Path) -> dict[str, int]:
        """Write the route files into ``folder``: ``{key: [shard, …]}`` each, sorted.

        Returns:
            ``keys``, ``bits`` and ``files`` (route files written).
        """
        routes = {key: sorted(shards) for key, shards in self.shards.items()}
        return write_buckets(folder, routes, ROUTE_KEYS)


def write_buckets(folder: Path, entries: dict[str, Any], per_file: int) -> dict[str, int]:
    """Write ``entries`` (key → value) into ``2 ** bits`` files ``<bucket>.json`` in
    ``folder`` (:func:`bucket_name`; at most ``per_file`` keys per file on average), an empty
    one too: the box never meets a missing file.

    Returns:
        ``keys``, ``bits`` and ``files`` (files written).
    """
    bits = bucket_bits(len(entries), per_file)
    buckets: dict[str, dict[str, Any]] = {_file_name(n, bits): {} for n in range(1 << bits)}
    for key, value in entries.items():
        buckets[bucket_name(key, bits)][key] = value
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in sorted(buckets.items()):
        text = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        (folder / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    return {"keys": len(entries), "bits": bits, "files": len(buckets)}
