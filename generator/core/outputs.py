"""The files a build writes into its staging site, each hashed once as it is written.

:class:`Outputs` stands for the staging folder. Stages that make many files (record pages,
feeds) hand it each file's bytes instead of writing them themselves; it notes the file's
SHA-256 (so the manifest need not read the file back) and, when the previous site has a
file with the same bytes at the same path, puts that file in place (a hard link, or a copy
that keeps its time) instead of writing a new one. A daily release then writes only the
pages its new data changed, and every other page keeps its inode and modification time.

The site is the same bytes either way: a file is only ever replaced by one whose SHA-256,
read from the file itself, equals the new bytes'.

Files are put on disk by :data:`WRITE_THREADS` threads of the writing process. On the
virtual and network disks sites are built on, creating a folder and a file is a wait on the
disk, not work for the processor: eight threads wrote 10,000 pages 4.4× as fast as one
(load 6). Bytes are hashed, and the hashes noted, in the calling thread; :meth:`Outputs.flush`
waits for the writes and raises the first that failed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WRITE_THREADS = 8
"""Threads per process that put files on disk (see the module)."""
MAX_PENDING = 1024
"""Files handed to the threads and not yet on disk, at most: the bytes wait in memory."""


@dataclass
class Written:
    """What a share of the work wrote: SHA-256 by site path, and the paths it took over."""

    hashes: dict[str, str] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)

    def add(self, other: Written) -> None:
        """Take in what another share (another process) wrote."""
        self.hashes.update(other.hashes)
        self.reused |= other.reused


class Outputs:
    """A staging site that files are written into, hashed on the way (see the module).

    Args:
        root: The staging folder.
        previous: The last published site, whose unchanged files are taken over; none for a
            first release.
        previous_hashes: That site's manifest (path → SHA-256); a path it lists is checked
            against the file itself before the file is taken over.
    """

    def __init__(
        self, root: Path, previous: Path | None = None, previous_hashes: dict[str, str] | None = None
    ) -> None:
        self.root = Path(root)
        self.previous = previous
        self.previous_hashes = previous_hashes or {}
        self.written = Written()
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None
        self._threads_pid = 0
        self._pending: deque[concurrent.futures.Future[str | None]] = deque()

    @classmethod
    def of(cls, target: Path | Outputs) -> Outputs:
        """``target`` itself, or a plain folder as outputs with no previous site."""
        return target if isinstance(target, Outputs) else cls(Path(target))

    def write(self, path: str, data: bytes) -> None:
        """Write ``data`` at the site path ``path`` (or take over the previous site's file);
        on disk by the next :meth:`flush`."""
        digest = hashlib.sha256(data).hexdigest()
        self.written.hashes[path] = digest
        pool = self._pool()  # first: a forked worker's first write starts its own queue
        self._pending.append(pool.submit(self._put, path, digest, data))
        while len(self._pending) > MAX_PENDING:
            self._settle(self._pending.popleft())

    def move(self, path: str, source: Path) -> None:
        """Move the finished file ``source`` to the site path ``path``."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        self.written.hashes[path] = file_sha256(target)

    def flush(self) -> None:
        """Wait until every file written so far is on disk; raise the first write that failed
        (after waiting for the others, so that no write lands after an error is handled)."""
        if self._threads_pid != os.getpid():
            self._pending = deque()  # a forked worker's copy of its parent's writes: not its own
        error: BaseException | None = None
        while self._pending:
            try:
                self._settle(self._pending.popleft())
            except BaseException as exc:  # noqa: BLE001 - raised below, once all are done
                error = error or exc
        if error is not None:
            raise error

    def abandon(self) -> None:
        """Wait for the writes under way, their errors ignored: a stage failed, and nothing may
        land in the staging folder once it is being removed."""
        with contextlib.suppress(Exception):  # the stage's own error is the one raised
            self.flush()

    def take(self) -> Written:
        """What was written through these outputs so far, on disk; forgotten here (for a
        worker to hand back to the process that merges it)."""
        self.flush()
        written, self.written = self.written, Written()
        return written

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        """This process's writing threads (a forked worker starts its own)."""
        if self._threads is None or self._threads_pid != os.getpid():
            self._threads = concurrent.futures.ThreadPoolExecutor(WRITE_THREADS, "gongkai-write")
            self._threads_pid = os.getpid()
            self._pending = deque()
        return self._threads

    def _settle(self, future: concurrent.futures.Future[str | None]) -> None:
        taken_over = future.result()
        if taken_over is not None:
            self.written.reused.add(taken_over)

    def _put(self, path: str, digest: str, data: bytes) -> str | None:
        """Put one file on disk (in a writing thread); ``path`` if the previous site's was
        taken over."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        unchanged = self.previous is not None and self.previous_hashes.get(path) == digest
        if unchanged and same_file_kept(self.previous / path, target, digest):  # type: ignore[operator]
            return path
        target.write_bytes(data)
        return None


def threaded(function: Callable[[T], R], items: Iterable[T], threads: int = WRITE_THREADS) -> list[R]:
    """``[function(item) for item in items]``, on ``threads`` threads: for work that waits on
    the disk (see the module)."""
    with concurrent.futures.ThreadPoolExecutor(threads, "gongkai-disk") as pool:
        return list(pool.map(function, items, chunksize=64))



def same_file_kept(source: Path, target: Path, digest: str) -> bool:
    """Put ``source`` at ``target`` if its bytes have the SHA-256 ``digest`` (checked here:
    the previous site may have been edited after its manifest was written); a hard link,
    or on another file system a copy that keeps the file's time."""
    try:
        if file_sha256(source) != digest:
            return False
        if target.exists() and os.path.samestat(source.stat(), target.stat()):
            return True  # already that very file (a rename onto it would do nothing)
        temporary = target.with_name(f".{target.name}.kept")
        try:
            os.link(source, temporary)
        except OSError:  # another file system, or no hard links there
            shutil.copy2(source, temporary)
        os.replace(temporary, target)
    except OSError:
        return False
    return True


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
