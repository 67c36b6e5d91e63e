"""Search shards that last: each enterprise keeps its shard from release to release, and a
shard whose pages did not change is the previous release's, not indexed again.

:func:`~generator.publish.site.search.build_search_index` lays the enterprises out with
:func:`shard_layout`, keys each shard by its pages (:func:`shard_key`) and writes the key and
the URLs into the shard's :data:`MEMBERS_FILE`, where the next release finds them
(:func:`previous_shards`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from generator.core.outputs import file_sha256
from generator.publish.site.manifest import read_manifest

MEMBERS_FILE = "gongkai-members.json"
"""In each shard's folder: its key (:func:`shard_key`) and its enterprises' URLs, from which
the next release keeps each enterprise in its shard and reuses the shards that did not change."""


def shard_layout(
    urls: Iterable[str], previous: Sequence[Sequence[str]], size: int
) -> list[list[str]]:
    """The enterprises' URLs of each shard (none: one index holds them all).

    Each enterprise stays in its shard of the previous release (``previous``, shard by
    shard); new ones, in URL order, fill the last shard up to ``size`` and then new shards.
    A shard all of whose enterprises are gone is dropped. Without a previous layout, the
    URLs in order are cut into shards of ``size``.

    >>> shard_layout(["/e/a/", "/e/b/", "/e/c/", "/e/d/"], [["/e/c/", "/e/x/"]], 2)
    [['/e/c/', '/e/a/'], ['/e/b/', '/e/d/']]
    """
    current = set(urls)
    if len(current) <= size:
        return []
    shards = [kept for kept in ([u for u in shard if u in current] for shard in previous) if kept]
    placed = {url for shard in shards for url in shard}
    new = sorted(current - placed)
    if shards and len(shards[-1]) < size:
        room = size - len(shards[-1])
        shards[-1] += new[:room]
        new = new[room:]
    shards += [new[start : start + size] for start in range(0, len(new), size)]
    return shards


def previous_shards(folder: Path | None) -> list[tuple[list[str], tuple[str, Path]]]:
    """The shards in ``folder`` (a previous release's ``pagefind/shards/``), in order: their
    URLs, key and folder.

    A site without shards, or with a shard whose :data:`MEMBERS_FILE` is missing or
    unreadable (a release before they were written), gives none: the layout starts afresh.
    """
    if folder is None or not folder.is_dir():
        return []
    found = []
    for shard in sorted(
        (p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
    ):
        try:
            members = json.loads((shard / MEMBERS_FILE).read_text(encoding="utf-8"))
            found.append((list(members["urls"]), (str(members["key"]), shard)))
        except (OSError, ValueError, KeyError, TypeError):
            return []
    return found


def reusable_shards(
    keys: Sequence[str],
    earlier: Sequence[tuple[list[str], tuple[str, Path]]],
    site: Path | None,
    hashes: Mapping[str, str] | None,
) -> dict[int, Path]:
    """The shards (numbered from 1, as ``keys``) whose pages are those of a previous shard
    (:func:`previous_shards` of ``site``) that is intact: that shard's folder.

    ``hashes`` are the previous site's manifest, read from it when not given.
    """
    kept = {key: folder for _, (key, folder) in earlier}
    candidates = {n: kept[key] for n, key in enumerate(keys) if n and key in kept}
    if not candidates or site is None:
        return {}
    # The manifest's files of each candidate, in one pass over it (a province's has 471,000).
    number = {folder.relative_to(site).as_posix() + "/": n for n, folder in candidates.items()}
    parent = next(iter(number)).rsplit("/", 2)[0] + "/"  # pagefind/shards/
    listed: dict[int, dict[str, str]] = {n: {} for n in candidates}
    for path, digest in (read_manifest(site) if hashes is None else hashes).items():
        if path.startswith(parent):
            shard = number.get(path[: path.find("/", len(parent)) + 1])
            if shard is not None:
                listed[shard][path] = digest
    return {n: folder for n, folder in candidates.items() if shard_intact(folder, site, listed[n])}


def shard_intact(shard: Path, site: Path, listed: Mapping[str, str]) -> bool:
    """Whether a previous release's shard folder holds exactly the files ``listed`` (its
    site's manifest's entries there), with their bytes: the site may have been edited after
    the manifest was written, and only an intact shard is reused."""
    files = [p for p in shard.rglob("*") if p.is_file()]
    if len(files) != len(listed):
        return False
    try:
        return all(listed.get(p.relative_to(site).as_posix()) == file_sha256(p) for p in files)
    except OSError:
        return False


def shard_key(pages: list[tuple[str, str]]) -> str:
    """What a shard's bundle is made from: its pages (URL and content), Pagefind's version
    and the code that indexes and rewrites the bundle."""
    digest = hashlib.sha256(_INDEXER.encode())
    for url, page in sorted(pages):
        digest.update(f"\n{url}\t{page}".encode())
    return digest.hexdigest()


def _indexer_version() -> str:
    code = (Path(__file__).with_name(name) for name in ("search.py", "pagefind.py"))
    sources = hashlib.sha256(b"".join(path.read_bytes() for path in code)).hexdigest()
    return f"pagefind {importlib.metadata.version('pagefind')} gongkai {sources}"


_INDEXER = _indexer_version()
