"""The site manifest, and releases that touch only what changed.

Every build writes :data:`MANIFEST_FILE` at the site's root: the SHA-256 of every other file
of the site, by path. Given the last published site (``gongkai build --previous``), a build
compares its staged files with that manifest and puts the previous site's own file in place
of each one whose bytes did not change: a hard link (or, on another file system, a copy that
keeps the file's time). An unchanged page therefore keeps its bytes *and* its modification
time, so a deployer syncing by time or by checksum uploads only what changed, and the site
is still byte for byte what a full build gives. :class:`Changes` lists what was added,
changed and removed; ``--changed-files`` writes that list for upload scripts.

The manifest also notes the *inputs* digest of each file made from one (record pages and
enterprise feeds, :class:`generator.core.outputs.Outputs`): the next build takes such a file
over without making it again when its inputs are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.outputs import Outputs, Written, file_sha256

MANIFEST_FILE = "gongkai-manifest.json"
"""The manifest's path inside the site."""


@dataclass(frozen=True)
class Changes:
    """How a release's files differ from the previous site's."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: int = 0
    """Files with the same bytes as before, left as the previous site had them."""

    def lines(self) -> str:
        """The ``--changed-files`` list: ``A``/``M``/``D``, a tab and a site path per line."""
        rows = [("A", p) for p in self.added] + [("M", p) for p in self.changed]
        rows += [("D", p) for p in self.removed]
        return "".join(f"{op}\t{path}\n" for op, path in sorted(rows, key=lambda r: r[1]))

    def summary(self) -> str:
        """For the operator, in Chinese: the counts, then where the new and changed files are."""
        line = (
            f"与上一版相比：新增 {len(self.added)} 个文件，修改 {len(self.changed)} 个，"
            f"删除 {len(self.removed)} 个；其余 {self.kept} 个文件未变，保留原文件和修改时间。"
        )
        areas = self.areas()
        if areas:
            line += "\n新增或修改的文件所在：" + "，".join(f"{a} {n} 个" for a, n in areas)
        return line

    def areas(self) -> list[tuple[str, int]]:
        """New and changed files by the site's top-level folder (``/`` for files at the
        root), the most first: what this release re-rendered."""
        counts = Counter(
            f"{path.split('/', 1)[0]}/" if "/" in path else "/" for path in self.added + self.changed
        )
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def rendered_summary(written: Written) -> str:
    """For the operator: how many enterprise and task pages and enterprise feeds were
    rendered again, and how many taken over unrendered because nothing they are made from
    changed."""
    unmade = len(written.unmade)
    return (
        f"企业页、任务页和企业订阅源：重新生成 {len(written.inputs) - unmade} 个；"
        f"其余 {unmade} 个所依据的数据、模板和代码与上一版相同，未重新生成，沿用上一版的文件。"
    )


def file_hashes(site_dir: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """SHA-256 of every file under ``site_dir`` but the manifest, by POSIX path, sorted.

    ``known`` hashes (noted as the files were written, :class:`generator.core.outputs.Outputs`)
    are taken as they are, and those files not read again.
    """
    known = known or {}
    hashes = {}
    for root, _, files in os.walk(site_dir):
        for name in files:
            path = Path(root) / name
            relative = path.relative_to(site_dir).as_posix()
            if relative != MANIFEST_FILE:
                hashes[relative] = known.get(relative) or file_sha256(path)
    return dict(sorted(hashes.items()))


def unlisted_files(site_dir: Path, listed: Collection[str]) -> list[str]:
    """The files under ``site_dir`` that are neither ``listed`` nor the manifest, sorted.

    A province's site has 470,000 files in 300,000 folders: read with ``scandir`` and
    plain strings, about five times faster than ``os.walk`` with paths."""
    found, folders = [], [""]
    while folders:
        folder = folders.pop()
        with os.scandir(site_dir / folder if folder else site_dir) as entries:
            for entry in entries:
                relative = f"{folder}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    folders.append(relative + "/")
                elif relative != MANIFEST_FILE and relative not in listed:
                    found.append(relative)
    return sorted(found)


def write_manifest(
    site_dir: Path, hashes: dict[str, str], inputs: Mapping[str, str] | None = None
) -> None:
    """Write :data:`MANIFEST_FILE` for ``hashes`` (:func:`file_hashes` of the site) and the
    ``inputs`` digests of the files made from one (of those in ``hashes``)."""
    noted = {path: digest for path, digest in (inputs or {}).items() if path in hashes}
    document = {"files": hashes, "inputs": noted}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    (site_dir / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def read_manifest(site_dir: Path) -> dict[str, str]:
    """The file hashes a site's manifest lists; worked out from its files if it has none."""
    try:
        data = json.loads((site_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return dict(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return file_hashes(site_dir) if site_dir.is_dir() else {}


def read_inputs(site_dir: Path) -> dict[str, str]:
    """The inputs digests a site's manifest notes (none for a site built before they were)."""
    try:
        data = json.loads((site_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return dict(data.get("inputs") or {})
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def keep_unchanged(outputs: Outputs, hashes: dict[str, str]) -> Changes:
    """Put the previous site's own file in place of every staged file with the same bytes.

    Args:
        outputs: The staging site (``root``), with the previous site and its manifest
            (``previous``, ``previous_hashes``); files it already took over as they were
            written (``written.reused``) are kept without another look.
        hashes: :func:`file_hashes` of the staging site, its manifest written
            (:func:`write_manifest`).
    """
    staging, previous, taken_over = outputs.root, outputs.previous, outputs.written.reused
    if previous is None:
        raise ValueError("keep_unchanged needs outputs with a previous site")
    old = dict(outputs.previous_hashes)  # read once, before the build (read_manifest)
    manifest = (staging / MANIFEST_FILE).read_bytes()
    added, changed = [], []
    kept = 0
    listed = {**hashes, MANIFEST_FILE: hashlib.sha256(manifest).hexdigest()}
    if (previous / MANIFEST_FILE).is_file():
        old[MANIFEST_FILE] = hashlib.sha256((previous / MANIFEST_FILE).read_bytes()).hexdigest()
    for path, digest in listed.items():
        before = old.get(path)
        if before is None:
            added.append(path)
        elif before == digest and path in taken_over:
            kept += 1  # taken over as it was written
        elif before == digest and _one_file(previous / path, staging / path):
            kept += 1  # linked by its stage (search shards)
            if outputs.in_place:
                (staging / path).unlink()
        elif before != digest or not outputs.keep(path, digest):
            changed.append(path)
        else:
            kept += 1
    removed = sorted(set(old) - set(listed))
    return Changes(added, changed, removed, kept)


def _one_file(previous: Path, staged: Path) -> bool:
    """Whether the staged file is the previous site's file itself (a hard link): the same
    bytes without reading them."""
    try:
        return os.path.samefile(previous, staged)
    except OSError:
        return False
