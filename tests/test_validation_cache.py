"""The per-file validation cache (issue 17, part 2): a daily rebuild re-reads only what changed.

What an operator notices: the second validation of a folder gives the same report and tables
without reading the unchanged exports again; an edited file, a changed correction or changed
limits are read again; a damaged cache is recomputed, never a failure; the cache is private and
never inside the site; and a cached build publishes the same bytes as an uncached one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import generator.validate.cache as cache_module
import generator.validate.folder as folder_module
from generator.build import build_site
from generator.core.errors import ConfigError
from generator.validate.cache import ValidationCache, default_cache_dir
from generator.validate.corrections import write_corrections
from generator.validate.folder import validate_folder
from generator.validate.report import Report

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "data" / "exports"
SMALL = ("抽查任务_2024.csv", "检查结果_文旅局_2024.csv")
TASKS, RESULTS = SMALL
ITEMS = "抽查事项清单_2024.xlsx"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Two of the demo's exports (one with quarantined rows)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in SMALL:
        shutil.copy(EXPORTS / name, folder / name)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The exports read, by name, as validation reads them."""
    seen: list[str] = []
    original = folder_module.read_export

    def counting(path, display, *args, **kwargs):
        seen.append(display)
        return original(path, display, *args, **kwargs)

    monkeypatch.setattr(folder_module, "read_export", counting)
    return seen


def _everything(report: Report) -> str:
    """All a validation gives the build: the report, the tables, withdrawals, held-back rows."""
    held = sorted([list(key), value] for key, value in report.held_back.items())
    whole = [report.to_dict(), report.public_tables(), report.withdrawals, held]
    return json.dumps(whole, ensure_ascii=False, sort_keys=True, default=str)


def _validate(data: Path, cache: ValidationCache, reads: list[str]) -> tuple[str, list[str]]:
    """Validate with the cache; (everything it gave, the files it read)."""
    reads.clear()
    report = validate_folder(data, cache=cache)
    return _everything(report), sorted(reads)


def test_a_second_validation_is_the_same_and_reads_nothing(tmp_path, data, reads) -> None:
    uncached = _everything(validate_folder(data))
    cache = ValidationCache(tmp_path / "cache")
    assert _validate(data, cache, reads) == (uncached, sorted(SMALL))
    assert _validate(data, cache, reads) == (uncached, [])
    assert (cache.hits, cache.stored) == (2, 2)


def test_an_edited_file_is_read_again_and_only_it(tmp_path, data, reads) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    raw = (data / RESULTS).read_bytes()
    at = raw.index(b"2024-")  # one byte of a date: 2024 → 2023
    (data / RESULTS).write_bytes(raw[:at + 3] + b"3" + raw[at + 4:])
    assert _validate(data, cache, reads) == (_everything(validate_folder(data)), [RESULTS])


def test_a_new_file_is_the_only_one_read(tmp_path, data, reads) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    shutil.copy(EXPORTS / ITEMS, data / ITEMS)
    assert _validate(data, cache, reads) == (_everything(validate_folder(data)), [ITEMS])


def test_changed_limits_or_allowlist_read_every_file_again(tmp_path, data, reads) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    (data / "gongkai.yml").write_text("limits:\n  cells: 10000000\n", encoding="utf-8")
    assert _validate(data, cache, reads)[1] == sorted(SMALL)
    assert _validate(data, cache, reads)[1] == []
    (data / "gongkai.yml").write_text(
        "limits:\n  cells: 10000000\nuscc_allowlist: [91330302L19373061U]\n", encoding="utf-8"
    )
    assert _validate(data, cache, reads) == (_everything(validate_folder(data)), sorted(SMALL))


def test_a_new_gongkai_version_reads_every_file_again(tmp_path, data, reads, monkeypatch) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    monkeypatch.setattr(cache_module, "code_digest", lambda: "other code")
    assert _validate(data, cache, reads)[1] == sorted(SMALL)


def test_a_changed_correction_reads_its_file_again(tmp_path, data, reads) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    workbook = data / "待更正.xlsx"
    write_corrections(validate_folder(data), data, workbook)  # dropped into the data folder
    reads.clear()
    first = _validate(data, cache, reads)
    assert first == (_everything(validate_folder(data)), [RESULTS])  # its rows are corrected
    assert _validate(data, cache, reads) == (first[0], [])
    book = openpyxl.load_workbook(workbook)
    sheet = next(s for s in book.worksheets if s.sheet_state == "visible")
    yellow = next(c for row in sheet.iter_rows(min_row=2) for c in row
                  if c.fill.start_color.rgb == "00FFFF00")  # fmt: skip
    yellow.value = "未发现问题"
    book.save(workbook)
    second = _validate(data, cache, reads)
    assert second == (_everything(validate_folder(data)), [RESULTS])
    assert second[0] != first[0]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "not-a-pickle"])
def test_a_damaged_entry_is_read_again_and_rewritten(tmp_path, data, reads, damage) -> None:
    cache = ValidationCache(tmp_path / "cache")
    expected = _validate(data, cache, reads)[0]
    for entry in (tmp_path / "cache").iterdir():
        raw = entry.read_bytes()
        head = len(cache_module.FORMAT) + 65
        damaged = {
            "garbage": b"\x80\x05garbage",
            "truncated": raw[: len(raw) // 2],
            "flipped": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:],
            "empty": b"",
            "not-a-pickle": raw[:head]
            + hashlib.sha256(b"nope").hexdigest().encode()
            + b"\nnope",
        }[damage]
        entry.write_bytes(damaged)
    assert _validate(data, cache, reads) == (expected, sorted(SMALL))
    assert _validate(data, cache, reads) == (expected, [])  # rewritten


def test_the_cache_is_private(tmp_path, data, reads) -> None:
    folder = tmp_path / "home" / "cache" / "validation"
    cache = ValidationCache(folder)
    _validate(data, cache, reads)
    for path in (tmp_path / "home", folder.parent, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    entries = list(folder.iterdir())
    assert len(entries) == 2
    assert {stat.S_IMODE(e.stat().st_mode) for e in entries} == {0o600}
    assert not [e for e in entries if e.name.startswith(".tmp-")]


def test_a_shared_cache_folder_is_refused(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone's file").write_text("x")
    shared.chmod(0o755)
    with pytest.raises(ConfigError, match="其他用户可以访问.*chmod 700"):
        ValidationCache(shared)
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    ValidationCache(empty)  # a new, empty folder is made private
    assert stat.S_IMODE(empty.stat().st_mode) == 0o700


def test_unused_entries_are_pruned_and_used_ones_kept(tmp_path, data, reads) -> None:
    cache = ValidationCache(tmp_path / "cache")
    _validate(data, cache, reads)
    old = time.time() - 15 * 86400
    for entry in (tmp_path / "cache").iterdir():
        os.utime(entry, (old, old))
    (tmp_path / "cache" / "unrelated.txt").write_text("not ours")
    os.utime(tmp_path / "cache" / "unrelated.txt", (old, old))
    (data / RESULTS).unlink()
    _validate(data, cache, reads)  # the task list's entry is used, so it is kept
    assert cache.prune() == 1
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    assert (tmp_path / "cache" / "unrelated.txt").exists()


def test_a_cache_inside_the_site_is_refused_in_chinese(tmp_path, data) -> None:
    site = tmp_path / "site"
    with pytest.raises(ConfigError, match="不能位于网站目录.*未脱敏的原始数据.*--no-cache"):
        build_site(data, site, cache_dir=site / "cache")
    assert not site.exists()


def test_the_default_folder_follows_xdg_cache_home(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "gongkai" / "validation"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, as XDG says
    assert default_cache_dir() == Path.home() / ".cache" / "gongkai" / "validation"


def _gongkai(cwd: Path, cache_home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_builds_with_and_without_the_cache_publish_the_same_bytes(tmp_path) -> None:
    data = ROOT / "data"
    cold = _gongkai(tmp_path, tmp_path / "home", "build", str(data), "--out", "cold")
    folder = tmp_path / "home" / "gongkai" / "validation"
    entries = sorted(p.name for p in folder.iterdir())
    assert cold.returncode == 1 and entries, cold.stderr  # the demo has quarantined rows
    warm = _gongkai(tmp_path, tmp_path / "home", "build", str(data), "--out", "warm")
    assert warm.returncode == 1, warm.stderr
    assert sorted(p.name for p in folder.iterdir()) == entries  # nothing new stored
    home = tmp_path / "other-home"
    none = _gongkai(tmp_path, home, "build", str(data), "--out", "none", "--no-cache")
    assert none.returncode == 1, none.stderr
    assert not home.exists()
    assert _files(tmp_path / "cold") == _files(tmp_path / "warm") == _files(tmp_path / "none")


def test_validate_takes_a_cache_folder_and_no_cache(tmp_path, data) -> None:
    named = tmp_path / "named"
    first = _gongkai(tmp_path, tmp_path / "home", "validate", str(data), "--cache-dir", str(named))
    assert len(list(named.glob("*.pickle"))) == 2
    again = _gongkai(tmp_path, tmp_path / "home", "validate", str(data), "--cache-dir", str(named))
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout) == (1, first.stdout)
    off = _gongkai(tmp_path, tmp_path / "home", "validate", str(data), "--no-cache")
    assert off.stdout == first.stdout and not (tmp_path / "home").exists()
    both = _gongkai(tmp_path, tmp_path / "home", "validate", str(data), "--no-cache",
                    "--cache-dir", str(named))  # fmt: skip
    assert both.returncode == 2 and "不能同时使用" in both.stderr
