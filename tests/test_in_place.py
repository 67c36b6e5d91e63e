"""Applying a release in place: a build killed or failing at any step of the apply leaves the
site as it was once recovered, and a completed apply leaves exactly the new site."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import DATA_DIR

from generator.cli.commands import cli
from generator.core import in_place
from generator.core.in_place import apply_in_place, site_locked
from generator.core.swap import Staging, leftovers, recover_output, swap_into_place

OLD = {"index.html": "旧首页", "a/index.html": "旧页", "gone/index.html": "撤下", "same.txt": "不变"}
NEW = {"index.html": "新首页", "a/index.html": "新页", "b/c/index.html": "新增", "same.txt": "不变"}
PUT = ["a/index.html", "b/c/index.html", "index.html"]
DELETE = ["gone/index.html"]


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its text; folders left empty are listed as such."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            found[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        if not files and not folders and Path(folder) != root:
            found[Path(folder).relative_to(root).as_posix() + "/"] = ""
    return found


def write_tree(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def stage(tmp_path: Path) -> tuple[Path, Staging]:
    """A live site as OLD, and a build's staging folder holding what differs in NEW."""
    site = tmp_path / "site"
    write_tree(site, OLD)
    staging = Staging(site, "0123abcd")
    write_tree(staging.path("new"), {path: NEW[path] for path in PUT})
    return site, staging


def apply(site: Path, staging: Staging) -> None:
    apply_in_place(staging.path("new"), site, PUT, DELETE, undo=staging.path("undo"),
                   journal=staging.path("journal"))  # fmt: skip


def apply_until(site: Path, staging: Staging, steps: int) -> None:
    """Apply in a forked process that dies (as on SIGKILL, no clean-up) at its ``steps``-th
    file operation."""
    done = 0

    def dying(call):
        def step(*args, **kwargs):
            nonlocal done
            done += 1
            if done == steps:
                os._exit(9)
            return call(*args, **kwargs)

        return step

    os.replace = dying(os.replace)
    in_place.link_or_copy = dying(in_place.link_or_copy)
    Path.unlink = dying(Path.unlink)
    apply(site, staging)
    os._exit(0)


def run_killed(site: Path, staging: Staging, steps: int) -> int:
    process = multiprocessing.get_context("fork").Process(
        target=apply_until, args=(site, staging, steps)
    )
    process.start()
    process.join()
    return process.exitcode


def test_a_build_killed_at_any_step_of_the_apply_leaves_the_old_site_once_recovered(tmp_path):
    """Killed at each file operation in turn (the journal, then a link, rename or unlink at a
    time) until one run gets through: every killed one is the old site again after recovery."""
    for steps in range(1, 40):
        site, staging = stage(tmp_path / str(steps))
        killed = run_killed(site, staging, steps) == 9
        if killed and steps > 1:  # the first step puts the journal itself in place
            assert staging.path("journal").exists(), "the journal outlives the kill"
        recover_output(site)
        assert tree(site) == (OLD if killed else NEW), steps
        assert leftovers(site) == []
        if not killed:
            break
    assert not killed and steps > 8, "killed before and after every operation of the apply"


def test_a_completed_apply_leaves_the_new_site_and_removes_emptied_folders(tmp_path):
    site, staging = stage(tmp_path)
    inode = (site / "same.txt").stat().st_ino
    apply(site, staging)
    assert tree(site) == NEW  # gone/ removed with its page, b/c/ made
    assert (site / "same.txt").stat().st_ino == inode  # untouched
    assert not staging.path("journal").exists()


def test_an_error_while_applying_puts_the_old_site_back_at_once(tmp_path, monkeypatch):
    site, staging = stage(tmp_path)
    real, calls = os.replace, []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        apply(site, staging)
    monkeypatch.undo()
    assert tree(site) == OLD
    assert not staging.path("journal").exists()


def test_in_place_needs_the_previous_site_as_the_output(tmp_path):
    usage = CliRunner().invoke(
        cli, ["build", str(DATA_DIR), "--out", str(tmp_path / "s"), "--in-place"]
    )
    assert usage.exit_code == 2 and "--in-place 需要与 --previous 一起使用" in usage.output
    other = tmp_path / "other"
    other.mkdir()
    elsewhere = CliRunner().invoke(
        cli,
        ["build", str(DATA_DIR), "--out", str(tmp_path / "s"), "--previous", str(other),
         "--in-place", "--no-progress"],
    )  # fmt: skip
    assert elsewhere.exit_code == 2
    assert "--in-place 需要 --previous 与 --out 是同一个已发布的网站目录" in elsewhere.output
    assert not (tmp_path / "s").exists()


def test_a_swap_waits_while_an_in_place_build_holds_the_site(tmp_path):
    """Another build's whole-folder swap never lands while a release is being applied."""
    site = tmp_path / "site"
    write_tree(site, OLD)
    new = tmp_path / "whole"
    write_tree(new, NEW)
    with site_locked(site):
        swap = threading.Thread(target=swap_into_place, args=(new, site, tmp_path / "retired"))
        swap.start()
        swap.join(0.5)
        assert swap.is_alive() and tree(site) == OLD
    swap.join(10)
    assert not swap.is_alive() and tree(site) == NEW
