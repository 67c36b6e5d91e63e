"""Releases that touch only what changed: unchanged files keep their bytes and their time,
the site is byte for byte what a full build gives, and the build lists what changed."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import DATA_DIR

from generator.build import build_site
from generator.cli.commands import cli
from generator.core.outputs import Outputs
from generator.core.shards import run_shards
from generator.publish.site.manifest import MANIFEST_FILE, file_hashes

pytestmark = pytest.mark.slow

RESULTS = "检查结果_文旅局_2024.csv"


def stamps(site: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time (ns) of every file."""
    return {
        str(p.relative_to(site)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }


def contents(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def drop_last_result(data: Path) -> str:
    """Remove the last row of one results export; returns that row's credit code."""
    path = data / "exports" / RESULTS
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, last = rows[0], rows[-1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows[:-1])
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return last[next(n for n, h in enumerate(header) if "信用代码" in h)]


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("first") / "site"
    build_site(DATA_DIR, site)
    return site


def test_every_site_has_a_manifest_of_its_files(first):
    manifest = json.loads((first / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["files"] == file_hashes(first)
    assert "index.html" in manifest["files"] and "data/results.csv" in manifest["files"]


@pytest.mark.parametrize("in_place", [False, True])
def test_the_same_data_again_changes_no_file(first, tmp_path, in_place):
    site = tmp_path / "site"
    shutil.copytree(first, site, copy_function=shutil.copy2)
    before = stamps(site)
    listing = tmp_path / "changed.txt"
    result = CliRunner().invoke(
        cli,
        ["build", str(DATA_DIR), "--out", str(site), "--previous", str(site),
         "--changed-files", str(listing), "--no-progress"] + ["--in-place"] * in_place,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert "新增 0 个文件，修改 0 个，删除 0 个" in result.output
    assert "新增或修改的文件所在" not in result.output
    assert "企业页、任务页和企业订阅源：重新生成 0 个；" in result.output  # none rendered again
    assert listing.read_text(encoding="utf-8") == ""
    assert stamps(site) == before  # the very same files: same inode, same time


@pytest.mark.parametrize("in_place", [False, True])
def test_a_new_batch_rewrites_only_what_it_changes(first, tmp_path, capsys, in_place):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    code = drop_last_result(data)
    site = tmp_path / "site"
    shutil.copytree(first, site, copy_function=shutil.copy2)
    (site / "notes.txt").write_text("left by hand", encoding="utf-8")  # no build made it
    before, folder = stamps(site), site.stat().st_ino
    listing = tmp_path / "changed.txt"
    build_site(data, site, previous=site, changed_files=listing, in_place=in_place)
    told = capsys.readouterr().err
    # In place the site's folder stays and only the changed files move into it; otherwise a
    # whole new folder takes its place. Either way nothing is left beside it.
    assert (site.stat().st_ino == folder) is in_place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changed.txt", "data", "site"]
    assert not (site / "notes.txt").exists()

    lines = [line.split("\t") for line in listing.read_text(encoding="utf-8").splitlines()]
    changed = {path for _, path in lines}
    assert {"data/results.csv", "data/gongkai.sqlite", MANIFEST_FILE} <= changed
    assert any(code in path for path in changed), "the firm's own page is rewritten"
    areas = told.split("新增或修改的文件所在：")[1].splitlines()[0]
    assert "enterprise/ " in areas and "data/ " in areas, areas
    told_total = sum(int(part.split()[1]) for part in areas.split("，"))
    assert told_total == sum(1 for op, _ in lines if op in "AM")
    after = stamps(site)
    kept = [p for p in after if p not in changed]
    assert set(before) - set(after) == {"notes.txt"} | {p for op, p in lines if op == "D"}
    assert len(kept) > len(changed) > 0
    assert all(after[p] == before[p] for p in kept), "unchanged files keep inode and time"
    assert all(after.get(p) != before.get(p) for p in changed if p in after)
    # Only the pages and feeds whose data changed were rendered again; the rest were taken
    # over from the previous site without being rendered.
    kinds = ("enterprise/", "task/", "feeds/enterprise/")
    rendered = [p for op, p in lines if op in "AM" and p.startswith(kinds)]
    made = int(told.split("企业页、任务页和企业订阅源：重新生成 ")[1].split(" 个")[0])
    assert made == len(rendered) and any(p.startswith("task/") for p in rendered), rendered

    full = tmp_path / "full"  # a full build of the same inputs, with the same history
    shutil.copytree(first, tmp_path / "prev", copy_function=shutil.copy2)
    build_site(data, full, previous=tmp_path / "prev")
    assert contents(full) == contents(site)


def test_in_place_leaves_the_search_shards_it_reuses_where_they_are(tmp_path, monkeypatch):
    """With search in shards, a daily release in place leaves every shard its batch did not
    touch as it is in the live site, and the site is still a full build's bytes."""
    from generator.publish.site import search

    monkeypatch.setattr(search, "SHARD_RECORDS", 150)
    site, previous = tmp_path / "site", tmp_path / "previous"
    build_site(DATA_DIR, site)
    shutil.copytree(site, previous, copy_function=shutil.copy2)
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    drop_last_result(data)
    before = stamps(site)
    build_site(data, site, previous=site, in_place=True)
    shards = [p for p in before if p.startswith("pagefind/shards/")]
    kept = [p for p in shards if stamps(site).get(p) == before[p]]
    assert len(kept) > len(shards) / 2, "most shards are the live site's own files"
    full = tmp_path / "full"
    build_site(data, full, previous=previous)
    assert contents(full) == contents(site)


def test_changed_files_needs_previous(tmp_path):
    result = CliRunner().invoke(
        cli, ["build", str(DATA_DIR), "--out", str(tmp_path / "s"),
              "--changed-files", str(tmp_path / "c.txt")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--changed-files 需要与 --previous 一起使用" in result.output


def write_pages(pages: dict[str, bytes], job: str, emit) -> int:
    """A shard writing one page (module-level: forked workers run it)."""
    emit(job, pages[job])
    return 1


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_the_previous_site_has_are_taken_over_not_written(tmp_path, workers):
    previous = tmp_path / "previous"
    pages = {"a/index.html": b"same", "b/index.html": b"old", "c/index.html": b"edited later"}
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in pages.items()}
    for path, data in pages.items():
        (previous / path).parent.mkdir(parents=True, exist_ok=True)
        (previous / path).write_bytes(data)
    (previous / "c/index.html").write_bytes(b"someone edited the published file")
    new = {"a/index.html": b"same", "b/index.html": b"new", "c/index.html": b"edited later",
           "d/index.html": b"added"}  # fmt: skip

    outputs = Outputs(tmp_path / "staging", previous, hashes)
    run_shards(write_pages, new, sorted(new), outputs, workers=workers)

    staged = tmp_path / "staging"
    assert {p: (staged / p).read_bytes() for p in new} == new
    assert outputs.written.reused == {"a/index.html"}, "only a file whose own bytes match"
    assert (staged / "a/index.html").stat().st_ino == (previous / "a/index.html").stat().st_ino
    assert outputs.written.hashes == {p: hashlib.sha256(d).hexdigest() for p, d in new.items()}
    assert file_hashes(staged, known=outputs.written.hashes) == file_hashes(staged)


def write_made_pages(pages: dict[str, tuple[str, bytes | None]], job: str, emit) -> int:
    """A shard handing over one page as a function and its inputs; a page given no bytes
    must not be made (its function fails)."""
    inputs, data = pages[job]
    emit(job, functools.partial(make_page, job, data), inputs)
    return 1


def make_page(path: str, data: bytes | None) -> bytes:
    if data is None:
        raise AssertionError(f"{path} was made though its inputs did not change")
    return data


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_whose_inputs_did_not_change_are_not_made_again(tmp_path, workers):
    previous = tmp_path / "previous"
    old = {"a/index.html": b"same", "b/index.html": b"old", "c/index.html": b"as built"}
    for path, data in old.items():
        (previous / path).parent.mkdir(parents=True, exist_ok=True)
        (previous / path).write_bytes(data)
    (previous / "c/index.html").write_bytes(b"edited after it was published")
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in old.items()}
    inputs = {"a/index.html": "A1", "b/index.html": "B1", "c/index.html": "C1"}
    new = {
        "a/index.html": ("A1", None),  # same inputs: taken over, never made
        "b/index.html": ("B2", b"new"),  # other inputs: made
        "c/index.html": ("C1", b"as built"),  # same inputs, but the file was edited: made
        "d/index.html": ("D1", b"added"),
    }

    outputs = Outputs(tmp_path / "staging", previous, hashes, inputs)
    run_shards(write_made_pages, new, sorted(new), outputs, workers=workers)

    staged = tmp_path / "staging"
    assert {p: (staged / p).read_bytes() for p in new} == {
        "a/index.html": b"same", "b/index.html": b"new", "c/index.html": b"as built",
        "d/index.html": b"added",
    }  # fmt: skip
    assert (staged / "a/index.html").stat().st_ino == (previous / "a/index.html").stat().st_ino
    assert outputs.written.unmade == {"a/index.html"}
    assert outputs.written.inputs == {p: i for p, (i, _) in new.items()}
    assert file_hashes(staged, known=outputs.written.hashes) == file_hashes(staged)
