"""A per-file cache of validation results, so a daily rebuild re-reads only what changed.

Each export's outcome before the checks across files (its table, row accounting, issues and
records) is pickled under a SHA-256 key of everything it depends on: the file's bytes, its
name in reports, the corrections that apply to it, the settings read while validating it
(``limits``, ``uscc_allowlist``), gongkai's own code and schemas, and the versions of the
libraries that read and check it. Any change to one of them is a miss; the checks across
files always run, so a cached build publishes the same bytes as an uncached one.

The cache holds raw, unmasked data (personal data included): its folder is private (0700,
owned by the operator), entries are 0600 and written atomically, and it may not lie inside
the site folder. An entry that cannot be read back exactly (truncated, corrupt, from another
version) is a miss and is overwritten. Entries not used for :data:`MAX_AGE_DAYS` are pruned.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.core import fingerprint
from generator.core.errors import ConfigError
from generator.core.settings import Settings
from generator.ingest.exports import RowCorrection

MAX_AGE_DAYS = 14
"""An entry not used for this many days is removed by :meth:`ValidationCache.prune`."""
FORMAT = b"gongkai-validation-cache 1\n"
"""The first bytes of every entry; bumped when the entry layout changes."""
PICKLE_PROTOCOL = 5
LIBRARIES = ("frictionless", "openpyxl", "python-stdnum")
"""The libraries whose behaviour the cached outcome depends on."""
_ENTRY = re.compile(r"[0-9a-f]{64}\.pickle|\.tmp-.*")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gongkai/validation``, or ``~/.cache/gongkai/validation``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "gongkai" / "validation"


def check_cache_dir(cache_dir: Path, out_dir: Path) -> None:
    """Refuse a cache folder inside the site folder: its raw data would be published.

    Raises:
        ConfigError: ``cache_dir`` is ``out_dir`` or lies inside it.
    """
    if cache_dir.resolve().is_relative_to(out_dir.resolve()):
        raise ConfigError(
            f"校验缓存目录 {cache_dir} 不能位于网站目录 {out_dir} 之中：缓存含有未脱敏的原始数据"
            "（可能含个人信息）。请用 --cache-dir 指定网站目录之外的目录，或用 --no-cache 关闭缓存"
        )


def code_digest() -> str:
    """SHA-256 of gongkai's own code and schemas and of the libraries validation uses."""
    return fingerprint.code_digest(*LIBRARIES)


def inputs_digest(
    display: str, corrections: Mapping[int, RowCorrection] | None, settings: Settings
) -> str:
    """The inputs other than a file's bytes that its validation depends on, as one text."""
    fixes = [
        [row, fix.fingerprint, sorted(fix.cells.items()), fix.source]
        for row, fix in sorted((corrections or {}).items())
    ]
    described = {
        "path": display,
        "corrections": fixes,
        "limits": dataclasses.asdict(settings.limits),
        "uscc_allowlist": sorted(settings.uscc_allowlist),
        "code": code_digest(),
        "pickle": PICKLE_PROTOCOL,
    }
    return json.dumps(described, ensure_ascii=False, sort_keys=True)


class ValidationCache:
    """Validated files by key, in a private folder (see the module docstring).

    ``hits`` and ``misses`` count lookups; ``stored`` counts entries written.
    """

    def __init__(self, folder: Path) -> None:
        """Open (and create, private) the cache folder.

        Raises:
            ConfigError: ``folder`` is a file, belongs to someone else, or is a non-empty
                folder others may read.
        """
        self.folder = Path(folder).absolute()
        self.hits = self.misses = self.stored = 0
        self._stamps: dict[str, tuple[Path, int, int]] = {}
        _private_folder(self.folder)

    def key(
        self,
        path: Path,
        display: str,
        corrections: Mapping[int, RowCorrection] | None,
        settings: Settings,
    ) -> str | None:
        """The key of ``path`` validated with these inputs: SHA-256 over all of them; ``None``
        when the file cannot be read (it is then read uncached, and refused)."""
        digest = hashlib.sha256(inputs_digest(display, corrections, settings).encode())
        digest.update(b"\n")
        try:
            before = path.stat()
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, lambda: digest)
        except OSError:
            return None
        key = digest.hexdigest()
        self._stamps[key] = (path, before.st_size, before.st_mtime_ns)
        return key

    def load(self, key: str) -> Any | None:
        """The outcome stored under ``key``, or ``None``: a missing, corrupt, truncated or
        unreadable entry is a miss. A hit marks the entry as used (its modification time)."""
        entry = self._entry(key)
        try:
            data = entry.read_bytes()
            head = FORMAT + key.encode() + b"\n"
            payload = memoryview(data)[len(head) + 65:]
            digest = data[len(head):len(head) + 64].decode("ascii")
            if not data.startswith(head) or hashlib.sha256(payload).hexdigest() != digest:
                raise ValueError("entry does not match its key or checksum")
            value = _unpickle(payload)
        except Exception:  # noqa: BLE001 - any damaged entry is a miss, never a failure
            self.misses += 1
            return None
        try:
            os.utime(entry)
        except OSError:
            pass
        self.hits += 1
        return value

    def store(self, key: str, value: Any) -> None:
        """Write ``value`` under ``key`` atomically, unless the file changed since it was
        hashed. A failed write (full disk) is told on stderr and the build goes on."""
        path, size, mtime = self._stamps.pop(key)
        try:
            now = path.stat()
            if (now.st_size, now.st_mtime_ns) != (size, mtime):
                return
            head = FORMAT + key.encode() + b"\n"
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")  # mode 0600
            try:
                with os.fdopen(handle, "wb") as out:
                    # Pickled straight into the file, the checksum filled in after: a
                    # province's results as one bytes object would be half a gigabyte more.
                    out.write(head + b"0" * 64 + b"\n")
                    hashing = _HashingWriter(out)
                    pickle.dump(value, hashing, protocol=PICKLE_PROTOCOL)
                    out.seek(len(head))
                    out.write(hashing.digest.hexdigest().encode("ascii"))
                os.replace(temporary, self._entry(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            print(f"校验缓存写入失败（{error.strerror or error}），本次不缓存该文件：{path.name}",
                  file=sys.stderr)  # fmt: skip
            return
        self.stored += 1

    def prune(self, max_age_days: float = MAX_AGE_DAYS, now: float | None = None) -> int:
        """Remove entries (and leftover temporary files) not used for ``max_age_days``;
        return how many were removed."""
        limit = (time.time() if now is None else now) - max_age_days * 86400
        removed = 0
        for entry in sorted(self.folder.iterdir()):
            try:
                if _ENTRY.fullmatch(entry.name) and entry.lstat().st_mtime < limit:
                    entry.unlink()
                    removed += 1
            except OSError:
                continue
        return removed

    def _entry(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"


class _HashingWriter:
    """A binary file that also hashes what is written to it (SHA-256)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return int(self.out.write(data))


def _unpickle(payload: bytes) -> Any:
    """``pickle.loads`` without the cyclic garbage collector, which would otherwise run again
    and again over the hundreds of thousands of objects it creates (about 40 % of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()


def _private_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents as 0700; refuse one others may read."""
    missing = []
    parent = folder
    while not parent.exists() and not parent.is_symlink():
        missing.append(parent)
        parent = parent.parent
    try:
        for path in reversed(missing):
            path.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"无法创建校验缓存目录 {folder}（{error.strerror or error}）。"
            "请用 --cache-dir 指定可写的目录，或用 --no-cache 关闭缓存"
        ) from error
    if not folder.is_dir():
        raise ConfigError(f"校验缓存路径 {folder} 不是目录。请用 --cache-dir 指定一个目录，或用 --no-cache 关闭缓存")
    status = folder.stat()
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        raise ConfigError(
            f"校验缓存目录 {folder} 属于其他用户；缓存含有未脱敏的原始数据，只能放在本人的私有目录中。"
            "请用 --cache-dir 指定本人的目录，或用 --no-cache 关闭缓存"
        )
    if status.st_mode & 0o077:
        if any(folder.iterdir()):
            raise ConfigError(
                f"校验缓存目录 {folder} 其他用户可以访问；缓存含有未脱敏的原始数据。"
                f"请执行 chmod 700 {folder}，或用 --cache-dir 指定一个新目录"
            )
        folder.chmod(0o700)
