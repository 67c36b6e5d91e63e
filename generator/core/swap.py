"""Replace an output folder in one step, and clean up after builds that were killed.

A build writes into temporary folders beside the output, ``.{name}.{token}.new`` (the site),
``.{name}.{token}.data`` (the downloads) and ``.{name}.{token}.search`` (the search index), while
it holds a lock on ``.{name}.{token}.lock``
(:func:`staging_area`). When the new folder is complete, :func:`swap_into_place` exchanges it
with the output in one ``renameat2(RENAME_EXCHANGE)`` on Linux, so the output path always holds
a whole site, old or new. Where that call is missing (other systems, some network file
systems) it falls back on two renames through ``.{name}.{token}.old``; a build killed between
them leaves no output, and :func:`recover_output`, run at the start of the next build, puts the
complete new site in place. That function also removes the temporary folders of every build
whose lock is free, i.e. whose process is gone (an OS lock dies with its process, even on
SIGKILL), and never those of a build still running.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from generator.core.errors import GongkaiError
from generator.core.in_place import roll_back, site_locked

TEMPORARY = ("new", "data", "search", "old", "undo", "journal", "pending")
"""The temporary folders (and an in-place build's journal files, :mod:`generator.core.in_place`)
a build may leave beside its output, by suffix."""

NEARLY_FULL = 16 * 2**20
"""Free bytes below which a failed build is taken to have run out of disk."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Staging:
    """The temporary folders of one build of ``out_dir``."""

    out_dir: Path
    token: str

    def path(self, suffix: str) -> Path:
        """``.{name}.{token}.{suffix}`` beside the output (same file system, so renames work)."""
        return self.out_dir.with_name(f".{self.out_dir.name}.{self.token}.{suffix}")


@contextlib.contextmanager
def staging_area(out_dir: Path) -> Iterator[Staging]:
    """Recover ``out_dir`` if a killed build left it missing, then hold a fresh token's lock.

    Its temporary folders are removed when the block ends, whatever happened.
    """
    recover_output(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    while True:
        staging = Staging(out_dir, secrets.token_hex(4))
        handle = _claim(staging.path("lock"))
        if handle is not None:
            break
    try:
        yield staging
    except Exception as exc:
        # Tools that fail on a full disk without saying so (Pagefind leaves empty files) show
        # up as some other error: name the full disk, keep the error as the cause (in the log).
        if (
            not isinstance(exc, GongkaiError)
            and not _disk_full(exc)
            and _nearly_full(out_dir.parent)
        ):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out_dir.parent)) from exc
        raise
    finally:
        for suffix in TEMPORARY:
            _remove(staging.path(suffix))
        staging.path("lock").unlink(missing_ok=True)
        handle.close()


def swap_into_place(staging: Path, out_dir: Path, retired: Path) -> None:
    """Make the complete site ``staging`` the output ``out_dir``; the old site is removed.

    Args:
        staging: The new site, complete.
        out_dir: The output folder, existing or not.
        retired: Where the old site waits between the two renames where no exchange exists.
    """
    if not os.path.lexists(out_dir):
        staging.rename(out_dir)
        return
    with site_locked(out_dir):  # never while an in-place build applies to it
        if _exchange(staging, out_dir):
            _remove(staging)  # it holds the old site now
            return
        out_dir.rename(retired)
        # Killed here, the output is missing: the next build's recover_output puts staging
        # in place.
        try:
            staging.rename(out_dir)
        except OSError:
            retired.rename(out_dir)
            raise
    _remove(retired)


def recover_output(out_dir: Path) -> list[Path]:
    """Finish what killed builds of ``out_dir`` left: the output back, their folders removed.

    A dead build's journal means it was killed while applying its files in place
    (:mod:`generator.core.in_place`): they are rolled back. A missing output with a dead
    build's ``.old`` and ``.new`` was killed between the two renames of :func:`swap_into_place`; its ``.new`` is complete and goes in place (its ``.old``
    alone if there is no ``.new``). Folders of builds still running are left alone.

    Returns:
        The temporary folders removed.
    """
    dead = _dead_builds(out_dir)
    for staging in dead:  # killed while applying in place: the site back as it was
        roll_back(staging.path("journal"), staging.path("new"), out_dir, staging.path("undo"))
    if not os.path.lexists(out_dir):
        for staging in dead:
            new, old = staging.path("new"), staging.path("old")
            source = new if old.exists() and new.exists() else old
            if source.exists():
                with contextlib.suppress(FileNotFoundError):  # another build recovered it
                    source.rename(out_dir)
                break
    removed = []
    for staging in dead:
        for suffix in TEMPORARY:
            if os.path.lexists(staging.path(suffix)):
                _remove(staging.path(suffix))
                removed.append(staging.path(suffix))
        with contextlib.suppress(OSError):
            staging.path("lock").unlink()
    return removed


def leftovers(out_dir: Path) -> list[Path]:
    """Every temporary folder or lock beside ``out_dir``, of running builds or not."""
    pattern = _pattern(out_dir)
    parent = out_dir.parent
    if not parent.is_dir():
        return []
    return sorted(parent / name for name in os.listdir(parent) if pattern.fullmatch(name))


def _pattern(out_dir: Path) -> re.Pattern[str]:
    suffixes = "|".join((*TEMPORARY, "lock"))
    return re.compile(rf"\.{re.escape(out_dir.name)}\.([0-9a-f]{{8}})\.({suffixes})")


def _dead_builds(out_dir: Path) -> list[Staging]:
    """The builds of ``out_dir`` that left something behind and whose lock nobody holds."""
    tokens = sorted({_pattern(out_dir).fullmatch(p.name)[1] for p in leftovers(out_dir)})  # type: ignore[index]
    return [s for s in (Staging(out_dir, t) for t in tokens) if not _is_running(s.path("lock"))]


def _claim(lock: Path) -> IO[bytes] | None:
    """Create and lock ``lock``; none if the token is taken or a cleaner removed it meanwhile."""
    try:
        handle = lock.open("xb")
    except FileExistsError:
        return None
    _lock(handle, blocking=True)
    # A cleaner may have seen the file before it was locked and removed it: start again then.
    try:
        if os.stat(lock).st_ino == os.fstat(handle.fileno()).st_ino:
            return handle
    except FileNotFoundError:
        pass
    handle.close()
    return None


def _is_running(lock: Path) -> bool:
    """Whether the build owning ``lock`` still runs (its lock held; without a lock file, no)."""
    if sys.platform == "win32":
        # An open file cannot be deleted on Windows: the lock file goes only once its build is gone.
        try:
            lock.unlink()
        except FileNotFoundError:
            return False
        except PermissionError:
            return True
        return False
    try:
        handle = lock.open("rb")
    except FileNotFoundError:
        return False
    with handle:
        return not _lock(handle, blocking=False)


def _lock(handle: IO[bytes], *, blocking: bool) -> bool:
    """Take an exclusive OS lock on ``handle``; whether it was taken (POSIX ``flock``)."""
    try:
        import fcntl
    except ImportError:  # Windows: the open handle itself is the lock (see _is_running)
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a libc older than glibc 2.28
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if (
        renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
        == 0
    ):
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # the file system cannot exchange: two renames then
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL
    except OSError:
        return False


def _remove(path: Path) -> None:
    """Remove a folder, or a link or file in its place; nothing if it is gone."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
