"""The output folder always holds a whole site, and what a killed build leaves is cleaned up.

The states below are the ones a SIGKILL leaves at each point of a build (the benchmark
``benchmarks/kill_publish.py`` kills real builds); here they are laid out by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core.swap import leftovers, recover_output, staging_area, swap_into_place

ROOT = Path(__file__).resolve().parent.parent
DEAD = "0123abcd"


def _site(path: Path, text: str) -> Path:
    (path / "data").mkdir(parents=True)
    (path / "index.html").write_text(text, encoding="utf-8")
    (path / "data" / "quality_report.json").write_text("{}", encoding="utf-8")
    return path


def _folder(out: Path, token: str, suffix: str) -> Path:
    return out.with_name(f".{out.name}.{token}.{suffix}")


@pytest.mark.parametrize(
    "left,published",
    [(("old", "new"), "new"), (("old",), "old")],
    ids=["killed-between-the-renames", "only-the-old-site-left"],
)
def test_a_missing_output_is_recovered_from_what_the_killed_swap_left(
    tmp_path: Path, left: tuple[str, ...], published: str
) -> None:
    out = tmp_path / "site"
    for suffix in left:
        _site(_folder(out, DEAD, suffix), suffix)
    recover_output(out)
    assert (out / "index.html").read_text(encoding="utf-8") == published
    assert leftovers(out) == []


def test_a_half_written_staging_folder_is_never_published(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _site(_folder(out, DEAD, "new"), "half")
    _folder(out, DEAD, "data").mkdir()
    assert len(recover_output(out)) == 2
    assert not out.exists() and leftovers(out) == []


def test_folders_of_dead_builds_go_and_those_of_a_running_build_stay(tmp_path: Path) -> None:
    out = _site(tmp_path / "site", "published")
    for suffix in ("new", "data", "search", "old", "lock"):  # killed in its swap (lock file left)
        _folder(out, DEAD, suffix).mkdir() if suffix != "lock" else _folder(
            out, DEAD, suffix
        ).touch()
    _folder(out, "fedcba98", "new").mkdir()  # an older gongkai's folder: no lock at all
    with staging_area(out) as running:  # holds its lock, as a build does
        running.path("new").mkdir()
        recover_output(out)
        assert leftovers(out) == [running.path("lock"), running.path("new")]
    assert leftovers(out) == []  # the block's end removes its own folders
    assert (out / "index.html").read_text(encoding="utf-8") == "published"


def test_the_swap_replaces_a_site_in_one_step_and_leaves_nothing(tmp_path: Path) -> None:
    out = _site(tmp_path / "site", "old")
    with staging_area(out) as area:
        staging = _site(area.path("new"), "new")
        swap_into_place(staging, out, area.path("old"))
        assert (out / "index.html").read_text(encoding="utf-8") == "new"
        assert leftovers(out) == [area.path("lock")]
    assert leftovers(out) == []


def test_a_link_in_place_of_the_output_is_replaced_not_followed(tmp_path: Path) -> None:
    target = _site(tmp_path / "elsewhere", "kept")
    out = tmp_path / "site"
    out.symlink_to(target)
    with staging_area(out) as area:
        swap_into_place(_site(area.path("new"), "new"), out, area.path("old"))
    assert not out.is_symlink() and (out / "index.html").read_text(encoding="utf-8") == "new"
    assert (target / "index.html").read_text(encoding="utf-8") == "kept"


def test_the_next_build_recovers_a_missing_previous_site_and_cleans_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("抽查任务_2024.csv", "检查结果_文旅局_2024.csv"):
        shutil.copy(ROOT / "data" / "exports" / name, data / name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        str(data),
        "--out",
        "site",
        "--no-progress",
    ]
    assert subprocess.run(command, cwd=tmp_path, env=env, check=False).returncode == 1
    out = tmp_path / "site"
    # Killed between the renames of the swap: no site, the old one and the complete new one.
    shutil.copytree(out, _folder(out, DEAD, "new"))
    out.rename(_folder(out, DEAD, "old"))
    _folder(out, "0badc0de", "data").mkdir()  # and an earlier build killed while writing
    done = subprocess.run(
        [*command, "--previous", "site"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "网站已生成" in done.stdout and (out / "data" / "quality_report.json").is_file()
    kept = re.search(r"其余 (\d+) 个文件未变", done.stderr)  # the recovered site was read
    assert kept and int(kept[1]) > 100, done.stderr
    assert leftovers(out) == []
