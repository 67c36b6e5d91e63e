"""The files a build writes into its staging site, each hashed once as it is written.

:class:`Outputs` stands for the staging folder. Stages that make many files (record pages,
feeds) hand it each file's bytes instead of writing them themselves; it notes the file's
SHA-256 (so the manifest need not read the file back) and, when the previous site has a
file with the same bytes at the same path, puts that file in place (a hard link, or a copy
that keeps its time) instead of writing a new one. A daily release then writes only the
pages its new data changed, and every other page keeps its inode and modification time.

A file can also come with its *inputs*: a digest of everything its bytes are made from, and
a function that makes them. When the previous build noted the same inputs for that path
(``inputs`` in its manifest) and its file is intact, the file is taken over without being
made at all: a daily release renders only the pages whose inputs its new data changed.

The site is the same bytes either way: a file is only ever replaced by one whose SHA-256,
read from the file itself, equals the new bytes' or, unmade, the SHA-256 the previous build
noted for the same inputs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Content = bytes | Callable[[], bytes]
"""A file's bytes, or a function that makes them (called only when the file must be made)."""


@dataclass
class Written:
    """What a share of the work wrote: SHA-256 by site path, the paths it took over, the
    inputs digest of each file written with one, and the paths taken over unmade."""

    hashes: dict[str, str] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)
    inputs: dict[str, str] = field(default_factory=dict)
    unmade: set[str] = field(default_factory=set)

    def add(self, other: Written) -> None:
        """Take in what another share (another process) wrote."""
        self.hashes.update(other.hashes)
        self.reused |= other.reused
        self.inputs.update(other.inputs)
        self.unmade |= other.unmade


class Outputs:
    """A staging site that files are written into, hashed on the way (see the module).

    Args:
        root: The staging folder.
        previous: The last published site, whose unchanged files are taken over; none for a
            first release.
        previous_hashes: That site's manifest (path → SHA-256); a path it lists is checked
            against the file itself before the file is taken over.
        previous_inputs: The inputs digest of each file of that site written with one
            (path → digest, from its manifest).
        in_place: The staging folder will be applied to the previous site in place
            (:mod:`generator.core.in_place`): a file taken over is checked and noted but not
            put in the staging folder, which then holds only what changed.
    """

    def __init__(
        self,
        root: Path,
        previous: Path | None = None,
        previous_hashes: dict[str, str] | None = None,
        previous_inputs: dict[str, str] | None = None,
        *,
        in_place: bool = False,
    ) -> None:
        self.root = Path(root)
        self.previous = previous
        self.previous_hashes = previous_hashes or {}
        self.previous_inputs = previous_inputs or {}
        self.in_place = in_place and previous is not None
        self.written = Written()

    @classmethod
    def of(cls, target: Path | Outputs) -> Outputs:
        """``target`` itself, or a plain folder as outputs with no previous site."""
        return target if isinstance(target, Outputs) else cls(Path(target))

    def write(self, path: str, data: Content, inputs: str | None = None) -> None:
        """Write ``data`` at the site path ``path`` (or take over the previous site's file).

        Args:
            data: The bytes, or a function that makes them.
            inputs: A digest of everything the bytes are made from: with ``data`` a function,
                the previous site's file is taken over unmade when its build noted the same.
        """
        if inputs is not None:
            self.written.inputs[path] = inputs
        if callable(data):
            noted = self.previous_hashes.get(path)
            same_inputs = inputs is not None and self.previous_inputs.get(path) == inputs
            if same_inputs and noted is not None and self.keep(path, noted):
                self.written.unmade.add(path)
                self._note(path, noted, reused=True)
                return
            data = data()
        digest = hashlib.sha256(data).hexdigest()
        reused = self.previous_hashes.get(path) == digest and self.keep(path, digest)
        if not reused:
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self._note(path, digest, reused)

    def move(self, path: str, source: Path) -> None:
        """Move the finished file ``source`` to the site path ``path``."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        self.written.hashes[path] = file_sha256(target)

    def take(self) -> Written:
        """What was written through these outputs so far; forgotten here (for a worker to
        hand back to the process that merges it)."""
        written, self.written = self.written, Written()
        return written

    def _note(self, path: str, digest: str, reused: bool) -> None:
        self.written.hashes[path] = digest
        if reused:
            self.written.reused.add(path)

    def keep(self, path: str, digest: str) -> bool:
        """Keep the previous site's file at ``path`` if its bytes have the SHA-256 ``digest``
        (read and checked: the site may have been edited since its manifest was written):
        linked into the staging folder, or (in place) left where it is, any file staged there
        removed. False: the new file is needed."""
        if self.previous is None:
            return False
        source, target = self.previous / path, self.root / path
        if not self.in_place:
            target.parent.mkdir(parents=True, exist_ok=True)
            return same_file_kept(source, target, digest)
        if not intact(source, digest):
            return False
        target.unlink(missing_ok=True)  # staged by its stage (a search shard's link): not needed
        return True


def same_file_kept(source: Path, target: Path, digest: str) -> bool:
    """Put ``source`` at ``target`` if its bytes have the SHA-256 ``digest`` (checked here:
    the previous site may have been edited after its manifest was written); a hard link,
    or on another file system a copy that keeps the file's time."""
    if not intact(source, digest):
        return False
    try:
        if target.exists() and os.path.samestat(source.stat(), target.stat()):
            return True  # already that very file (a rename onto it would do nothing)
        temporary = target.with_name(f".{target.name}.kept")
        link_or_copy(source, temporary)
        os.replace(temporary, target)
    except OSError:
        return False
    return True


def intact(path: Path, digest: str) -> bool:
    """Whether the file at ``path`` is there with the SHA-256 ``digest``."""
    try:
        return file_sha256(path) == digest
    except OSError:
        return False


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link to ``source`` at ``target``, or on another file system (or one without
    hard links) a copy that keeps the file's time."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
