"""The Pagefind bundle: running Pagefind over the search pages, and making its output stable.

:class:`PagefindIndexer` indexes the synthetic pages :mod:`generator.publish.site.search`
makes, as it makes them, in Pagefind services, and writes each bundle;
:func:`normalise_bundle` rewrites the files Pagefind writes in hash-map order, through a small
reader and writer of its gzip + CBOR data files; :func:`chunk_starts` reads the first
word of each index chunk for the search box, and :func:`read_fragments` the pages as the box
shows them; :func:`share_runtime` makes the shards load the main bundle's WebAssembly.
"""

from __future__ import annotations

import base64
import concurrent.futures
import gzip
import hashlib
import json
import subprocess
import tempfile
import threading
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, Self

from generator.core.errors import BuildAbort

INDEX_LANGUAGE = "und"
"""The index language: no stemming and no segmentation, on either side."""


PARALLEL_SERVICES = 2
"""Pagefind processes indexing at once (:class:`PagefindIndexer`)."""
Answer = concurrent.futures.Future[dict[str, Any]]
"""A Pagefind service's answer to one request: its payload, or the error it reported."""


class PagefindError(Exception):
    """Pagefind could not be started, refused a page or stopped; the message says which."""


class PagefindIndexer:
    """Pagefind services (``pagefind --service``) that index pages as they are given.

    Pagefind's Python wrapper reads one answer per 0.1 s, so it can only afford a request per
    folder (``add_directory``), which meant writing every synthetic page to disk, and indexed
    the pages in the order the file system listed them: a bundle's bytes depended on the disk
    it was built on. This client writes each page to a service as it is made (``AddFile``,
    base64 JSON requests ended by commas, the service's own protocol) and a thread per
    service reads the answers as they arrive. A service handles its requests in order, so an
    index holds its pages in the order they were added, whatever the disk. Index ``n`` goes
    to service ``n % services``, so the indexes of a sharded bundle are built on every core.
    """

    def __init__(self, services: int = PARALLEL_SERVICES) -> None:
        self._services = [_Service() for _ in range(services)]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for service in self._services:
            service.close()

    def index(self, number: int, output: Path) -> BundleIndex:
        """A new index, its bundle written to ``output`` by :meth:`BundleIndex.write`."""
        service = self._services[number % len(self._services)]
        answer = service.ask({"type": "NewIndex", "config": {"force_language": INDEX_LANGUAGE}})
        return BundleIndex(service, int(answer.result()["index_id"]), output)


class BundleIndex:
    """One index in a Pagefind service: pages in, a bundle out."""

    def __init__(self, service: _Service, index_id: int, output: Path) -> None:
        self._service, self._id, self.output = service, index_id, output
        self._indexed = 0
        self._failed: list[str] = []
        self._lock = threading.Lock()  # answers are counted in the service's reader thread

    def add(self, url: str, page: str) -> None:
        """Send one page (its HTML) to be indexed under ``url``; does not wait for it."""
        request = {"type": "AddFile", "index_id": self._id, "url": url, "file_contents": page}
        self._service.ask(request, flush=False).add_done_callback(self._count)

    def _count(self, answer: Answer) -> None:
        with self._lock:
            if answer.exception() is not None:
                self._failed.append(str(answer.exception()))
            elif answer.result().get("page_word_count"):
                self._indexed += 1

    def ask_files(self) -> Answer:
        """Ask for the bundle's files, made once the pages before are indexed (:meth:`write`
        writes them): ask every index first, and the services make their bundles at once."""
        return self._service.ask({"type": "GetFiles", "index_id": self._id})

    def write(self, files: Answer, leave_out: Collection[str] = ()) -> int:
        """Write the files :meth:`ask_files` asked for into :attr:`output`, but those named in
        ``leave_out``; the pages in the index. Pagefind hands them over rather than writing
        them, as its own writer returns before the last file is complete.

        Raises:
            PagefindError: a page could not be indexed, or the service failed or stopped.
        """
        bundle = files.result()["files"]
        with self._lock:
            failed = list(self._failed)
        if failed:
            raise PagefindError(f"{len(failed)} 个页面未能加入索引：{failed[0]}")
        self._service.ask({"type": "DeleteIndex", "index_id": self._id})
        for file in bundle:
            if file["path"] not in leave_out:
                path = self.output / file["path"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(base64.b64decode(file["content"]))
        return self._indexed


class _Service:
    """One ``pagefind --service`` process: requests written in order, answers read by a thread."""

    def __init__(self) -> None:
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise PagefindError(
                "找不到 Pagefind 程序；请按 pyproject.toml 重新安装 pagefind[extended]"
            )
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - what it said, closed by close()
        self._process = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        self._waiting: dict[int, Answer] = {}
        self._last = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def ask(self, payload: dict[str, Any], flush: bool = True) -> Answer:
        """Send a request; its answer (the payload) or error comes in the future returned.

        With ``flush=False`` the request may wait in the pipe's buffer for the next one.
        """
        answer: Answer = concurrent.futures.Future()
        with self._lock:
            self._last += 1
            self._waiting[self._last] = answer
            message = json.dumps({"message_id": self._last, "payload": payload}, ensure_ascii=False)
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(message.encode()) + b",")
            if flush:
                self._process.stdin.flush()
        except (BrokenPipeError, ValueError):  # the service stopped: the reader fails the rest
            self._reader.join()
            if not answer.done():
                answer.set_exception(PagefindError("Pagefind 服务已退出"))
        return answer

    def _read(self) -> None:
        output = self._process.stdout
        assert output is not None
        pending: list[bytes] = []  # a message's parts so far (a bundle's files are megabytes)
        for chunk in iter(lambda: output.read1(1 << 16), b""):
            *messages, rest = chunk.split(b",")
            if messages:
                messages[0] = b"".join([*pending, messages[0]])
                pending = []
            pending.append(rest)
            for raw in messages:
                reply = json.loads(base64.b64decode(raw))
                with self._lock:
                    answer = self._waiting.pop(reply.get("message_id"), None)
                if answer is None:
                    continue
                payload = reply["payload"]
                if payload.get("type") == "Error":
                    answer.set_exception(PagefindError(payload.get("message", "Pagefind 报错")))
                else:
                    answer.set_result(payload)
        self._process.wait()
        with self._lock:
            stranded, self._waiting = list(self._waiting.values()), {}
        self._errors.seek(0)
        said = self._errors.read().decode("utf-8", "replace").strip()[-500:]
        for answer in stranded:
            code = self._process.returncode
            answer.set_exception(PagefindError(f"Pagefind 服务已退出（{code}）：{said}"))

    def close(self) -> None:
        """Close the service's input (it exits at the end of its input) and wait for it."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass
        self._reader.join(timeout=30)
        if self._reader.is_alive():
            self._process.kill()
            self._reader.join()
        self._errors.close()


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
