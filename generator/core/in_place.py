"""Publish a daily release into the live site: only the files that changed are moved in.

A whole-folder swap (:mod:`generator.core.swap`) must first make a complete new site, and a
province's has 470,000 files: taking the unchanged ones over and removing the old tree cost
more than a day's new pages. ``gongkai build --in-place`` instead stages only the files that
differ from the live site and applies them to it here:

1. a *journal* beside the site lists every file to put and to delete, and whether each
   existed (written whole, then renamed into place: it exists complete or not at all);
2. each file the release replaces or deletes is first linked into the build's *undo*
   folder, then the new file is renamed over it (one ``rename``: a reader gets the old bytes
   or the new, never a missing or half-written file); the manifest goes last;
3. the journal is removed: that is the commit.

An error rolls the site back at once; a build killed while applying leaves its journal, and
the next build of the site (:func:`generator.core.swap.recover_output`) rolls back from it
before anything else. What is given up against the swap: while the files move (milliseconds
for a day's few thousand) a reader may see some pages new and others still old.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from generator.core.outputs import link_or_copy


@contextlib.contextmanager
def site_locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the live site's folder (POSIX ``flock`` on the folder
    itself): an in-place build holds it from reading the site to its commit, a swap while it
    exchanges the folder, so that no build publishes into a site another is applying to."""
    try:
        import fcntl
    except ImportError:  # Windows: no folder locks; builds of one site must not overlap
        yield
        return
    try:
        descriptor = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:  # no folder there (a link, a file): nothing to apply to, nothing to hold
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def apply_in_place(
    staging: Path,
    out_dir: Path,
    put: Sequence[str],
    delete: Iterable[str],
    *,
    undo: Path,
    journal: Path,
) -> None:
    """Move the staged files ``put`` into ``out_dir`` and delete ``delete`` there, journaled.

    Args:
        staging: The folder holding the new and changed files, at their site paths.
        out_dir: The live site.
        put: Site paths to move from ``staging``, in order (the manifest last).
        delete: Site paths to remove from ``out_dir``.
        undo: An empty folder on the same file system for the replaced files.
        journal: Where the journal goes (beside ``out_dir``; see the module).
    """
    entries = [(path, os.path.lexists(out_dir / path)) for path in put]
    _write_journal(journal, {"put": entries, "delete": sorted(delete)})
    try:
        for path, existed in entries:
            target = out_dir / path
            if existed:
                _backup(target, undo / path)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, target)
        for path in sorted(delete):
            target = out_dir / path
            if os.path.lexists(target):
                _backup(target, undo / path)
                target.unlink()
                _prune(target.parent, out_dir)
    except BaseException:
        roll_back(journal, staging, out_dir, undo)
        raise
    journal.unlink()


def roll_back(journal: Path, staging: Path, out_dir: Path, undo: Path) -> None:
    """Undo what :func:`apply_in_place` did before it stopped; nothing if it committed.

    Safe to run again after being interrupted itself: each step looks before it acts.
    """
    try:
        done = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    for path in reversed(done["delete"]):
        backup = undo / path
        if os.path.lexists(backup):
            (out_dir / path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(backup, out_dir / path)
    for path, existed in reversed(done["put"]):
        target, backup = out_dir / path, undo / path
        if existed:
            if os.path.lexists(backup):
                os.replace(backup, target)
        else:
            if not os.path.lexists(staging / path) and os.path.lexists(target):
                target.unlink()  # moved in by the apply: it was not there before
            _prune(target.parent, out_dir)  # folders made for it
    journal.unlink()


def _backup(target: Path, backup: Path) -> None:
    """A second name for the live file in the undo folder (it stays live meanwhile)."""
    backup.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()  # a retry after an interrupted roll-back
    link_or_copy(target, backup)


def _prune(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents below ``root`` while they are empty."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _write_journal(journal: Path, content: dict[str, object]) -> None:
    """Write the journal whole: a temporary file, flushed to disk, then renamed."""
    temporary = journal.with_suffix(".pending")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(content, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, journal)
