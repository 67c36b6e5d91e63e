"""The Pagefind bundle: running Pagefind over the search pages, and making its output stable.

:func:`run_pagefind` indexes folders of synthetic pages (written by
:mod:`generator.publish.site.search`) with Pagefind's Python API and waits for the bundle to
settle; :func:`normalise_bundle` rewrites the files Pagefind writes in hash-map order, through
a small reader and writer of its gzip + CBOR data files; :func:`chunk_starts` reads the first
word of each index chunk for the search box, and :func:`read_fragments` the pages as the box
shows them; :func:`share_runtime` makes the shards load the main bundle's WebAssembly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import hashlib
import json
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

from generator.core.errors import BuildAbort

T = TypeVar("T")

INDEX_LANGUAGE = "und"
"""The index language: no stemming and no segmentation, on either side."""


PARALLEL_SERVICES = 2
"""Pagefind processes indexing at once (:func:`run_pagefind`)."""


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end, in a thread of its own if this one runs an event loop
    (a notebook, or Playwright's sync API in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def run_pagefind(jobs: list[tuple[Path, Path]], services: int = PARALLEL_SERVICES) -> list[int]:
    """Index each source folder into its output folder; the page count of each.

    The jobs are dealt over ``services`` Pagefind processes (each indexes one folder at a
    time), so the indexes of a sharded bundle are built on every core.
    """
    lanes = [list(range(n, len(jobs), services)) for n in range(min(services, len(jobs)))]
    counts: dict[int, int] = {}

    async def lane(numbers: list[int]) -> None:
        from pagefind.service import PagefindService

        async with PagefindService() as service:
            for number in numbers:
                counts[number] = await _index(service, *jobs[number])

    await asyncio.gather(*(lane(numbers) for numbers in lanes))
    return [counts[n] for n in range(len(jobs))]


async def _index(service: Any, source: Path, output: Path) -> int:
    from pagefind.index import IndexConfig

    if not source.is_dir():
        source.mkdir(parents=True)
    config = IndexConfig(force_language=INDEX_LANGUAGE, output_path=str(output))
    index = await service.create_index(config)
    # One add_directory request per index: the Python wrapper polls the service every
    # 0.1 s per response, so one request per record would take hours at scale.
    result = await index.add_directory(str(source))
    await index.write_files()
    # The service answers before its last writes reach the disk, and closing it
    # kills it: wait for the bundle to settle first.
    await _settle(output)
    await index.delete_index()
    return int(result["page_count"])


async def _settle(output: Path, timeout: float = 60.0) -> None:
    """Wait until no file in ``output`` grows and every compressed file is complete.

    Raises:
        ValueError: the bundle did not settle within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    before: dict[Path, int] = {}
    while time.monotonic() < deadline:
        sizes = {p: p.stat().st_size for p in output.rglob("*") if p.is_file()}
        if sizes and sizes == before and all(_complete(p) for p in sizes):
            return
        before = sizes
        await asyncio.sleep(0.2)
    raise ValueError(f"Pagefind 未在 {timeout:.0f} 秒内写完 {output}")


def _complete(path: Path) -> bool:
    """Whether a file Pagefind compresses (its data files, the wasm) is a whole gzip stream."""
    if not (path.suffix.startswith(".pf_") or path.suffix == ".pagefind"):
        return True
    try:
        gzip.decompress(path.read_bytes())
    except (OSError, EOFError):
        return False
    return True


def chunk_starts(bundle: Path) -> list[str]:
    """The first word of each index chunk of a Pagefind bundle, in order.

    Pagefind loads, for a query word, only the first chunk whose word range holds it; the
    search box loads the later chunks that start with the word itself (their words extend
    it too), or their pages would be missed.
    """
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    starts: list[str] = []
    for _, info in sorted(entry["languages"].items()):
        chunks = _read_pf(bundle / f"pagefind.{info['hash']}.pf_meta")[2]
        starts += [first for first, _last, _hash in chunks]
    return starts


def share_runtime(bundle: Path, main: Path) -> None:
    """Point a shard bundle at the main bundle's WebAssembly, and drop its own copy.

    Every Pagefind instance the box creates fetches ``<its folder>wasm.<name>.pagefind``,
    ``<name>`` from its entry file (``unknown`` when null): a copy per shard, fetched once per
    shard. The shard's entry names instead a path that leads back up to the main bundle's file
    (``wasm._/../../../wasm.unknown.pagefind``, which URL parsing folds into
    ``pagefind/wasm.unknown.pagefind``), so every instance fetches one URL: once, then from the
    browser's cache.
    """
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    main_entry = json.loads((main / "pagefind-entry.json").read_text(encoding="utf-8"))
    up = "/".join(".." for _ in bundle.relative_to(main).parts)
    for language, info in sorted(entry["languages"].items()):
        name = (main_entry["languages"].get(language) or {}).get("wasm") or "unknown"
        if not (main / f"wasm.{name}.pagefind").is_file():
            raise BuildAbort(f"Pagefind 搜索包缺少 wasm.{name}.pagefind")
        (bundle / f"wasm.{info.get('wasm') or 'unknown'}.pagefind").unlink(missing_ok=True)
        info["wasm"] = f"_/../{up}/wasm.{name}"
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def read_fragments(bundle: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each page of a Pagefind bundle as ``(id, fragment)``, by id: the id is the page's
    ``id`` in search results, the fragment what its ``data()`` is made from (``url``, ``meta``,
    ``filters``, ``content``)."""
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(_PF_SIGNATURE):
            raise ValueError(f"{path.name}: no Pagefind signature")
        yield path.stem, json.loads(data[len(_PF_SIGNATURE) :])


# Determinism
#
# Pagefind 1.5 writes the values inside each filter file, and the filter list in the
# language's metadata file, in hash-map order, which changes from run to run; the files are
# named by a hash of their content, so the names change too. Everything else it writes is
# stable. normalise_bundle() rewrites those files in sorted order under names that hash their
# content, so two builds of the same model give the same bytes.

_PF_SIGNATURE = b"pagefind_dcd"


def normalise_bundle(output: Path) -> None:
    """Rewrite the filter files and the metadata of a Pagefind bundle in a canonical order.

    Raises:
        BuildAbort: the bundle is not laid out as Pagefind 1.5 lays it out.
    """
    entry_path = output / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info in sorted(entry["languages"].items()):
        meta_path = output / f"pagefind.{info['hash']}.pf_meta"
        try:
            version, pages, chunks, filters, sorts, meta_fields = _read_pf(meta_path)
            renamed = []
            for name, old_hash in sorted(filters):
                old_path = output / "filter" / f"{old_hash}.pf_filter"
                filter_name, values = _read_pf(old_path)
                data = _encode_cbor([filter_name, sorted(values)])
                new_hash = f"{language}_{hashlib.sha256(data).hexdigest()[:7]}"
                old_path.unlink()
                _write_pf(output / "filter" / f"{new_hash}.pf_filter", data)
                renamed.append([name, new_hash])
        except (ValueError, TypeError, OSError) as exc:
            raise BuildAbort(
                f"Pagefind 搜索包的格式与 gongkai 预期的不同（{exc}）；请使用 pyproject.toml 中"
                "固定的 pagefind 版本。"
            ) from exc
        data = _encode_cbor([version, pages, chunks, renamed, sorts, meta_fields])
        new_hash = f"{language}_{hashlib.sha256(data).hexdigest()[:11]}"
        meta_path.unlink()
        _write_pf(output / f"pagefind.{new_hash}.pf_meta", data)
        info["hash"] = new_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read_pf(path: Path) -> Any:
    """Decode a Pagefind data file: gzip, a signature, then CBOR; checked to re-encode exactly."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_PF_SIGNATURE):
        raise ValueError(f"{path.name}: no Pagefind signature")
    body = data[len(_PF_SIGNATURE) :]
    value, end = _decode_cbor(body, 0)
    if end != len(body) or _encode_cbor(value) != body:
        raise ValueError(f"{path.name}: not the CBOR subset gongkai rewrites")
    return value


def _write_pf(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(_PF_SIGNATURE + data, compresslevel=9, mtime=0))


def _decode_cbor(data: bytes, pos: int) -> tuple[Any, int]:
    """Decode the CBOR subset Pagefind's index files use: integers, strings and arrays."""
    head = data[pos]
    major, info = head >> 5, head & 31
    pos += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise ValueError(f"unsupported CBOR item 0x{head:02x}")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major == 2:
        return bytes(data[pos : pos + arg]), pos + arg
    if major == 3:
        return data[pos : pos + arg].decode("utf-8"), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _decode_cbor(data, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"unsupported CBOR major type {major}")


def _encode_cbor(value: Any) -> bytes:
    if isinstance(value, bool):
        raise TypeError("unsupported CBOR value: bool")
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_encode_cbor(v) for v in value)
    raise TypeError(f"unsupported CBOR value: {type(value).__name__}")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError(f"CBOR argument too large: {arg}")
