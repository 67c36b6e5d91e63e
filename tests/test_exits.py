"""Exit codes an operator and a script can trust: 0 good, 1 data problems, 2 could not run.

Every case runs the real ``gongkai`` program in a subprocess. Failures nobody raises on purpose
(a bug, a full disk, no memory, an error in a worker process) are forced by a small command
added to the real command group, so they pass through the same top-level handler.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL_DATA = ("抽查任务_2024.csv", "检查结果_文旅局_2024.csv")
"""Two of the demo's exports: a real build with quarantined rows in three seconds."""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C",
        "PYTHONPATH": str(ROOT),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **extra,
    }


def _gongkai(tmp_path: Path, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *arguments],
        capture_output=True, text=True, cwd=tmp_path, check=False, env=_env(tmp_path, **env),
    )  # fmt: skip


def _small_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in SMALL_DATA:
        shutil.copy(ROOT / "data" / "exports" / name, data / name)
    return data


def _log_file(stderr: str) -> Path:
    match = re.search(r"详细信息已写入日志：(\S+\.log)", stderr)
    assert match, stderr
    return Path(match[1])


FAILING_COMMAND = """
import errno, sys, click
from generator.cli import commands
from generator.core.shards import run_shards

def produce(shared, job, emit):
    raise {exception}

@commands.cli.command(name="fail")
@click.option("--in-worker", is_flag=True)
def fail(in_worker):
    if in_worker:
        run_shards(produce, None, [1, 2], workers=2)
    produce(None, None, None)

sys.argv = ["gongkai", *sys.argv[1:]]
commands.main()
"""


def _fail(tmp_path: Path, exception: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(FAILING_COMMAND).format(exception=exception)
    return subprocess.run(
        [sys.executable, "-c", script, "fail", *arguments],
        capture_output=True, text=True, cwd=tmp_path, check=False, env=_env(tmp_path),
    )  # fmt: skip


@pytest.mark.parametrize(
    "exception,expected",
    [
        ("RuntimeError('boom')", "gongkai 内部错误（RuntimeError）。这是 gongkai 的缺陷，请报告"),
        ("MemoryError()", "内存不足，未能完成"),
        ("OSError(errno.ENOSPC, 'No space left on device', '/srv/site/x.html')", "磁盘空间不足"),
        ("OSError(errno.EDQUOT, 'Disk quota exceeded')", "磁盘空间不足（或超出磁盘配额）"),
    ],
)
@pytest.mark.parametrize("where", ["main", "worker"])
def test_unexpected_errors_exit_2_in_chinese_with_the_traceback_in_a_log(
    tmp_path: Path, exception: str, expected: str, where: str
) -> None:
    done = _fail(tmp_path, exception, *(["--in-worker"] if where == "worker" else []))
    assert done.returncode == 2
    assert done.stderr.startswith(f"错误：{expected}")
    assert "Traceback" not in done.stderr + done.stdout
    log = _log_file(done.stderr)
    assert log.is_relative_to(tmp_path / "state" / "gongkai")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "in produce" in text
    if where == "worker":  # the worker's own frames travel back with the error
        assert "_RemoteTraceback" in text


def test_an_interrupt_exits_130_without_a_traceback(tmp_path: Path) -> None:
    done = _fail(tmp_path, "KeyboardInterrupt()")
    assert done.returncode == 130
    assert "已中断（Ctrl+C）" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["", "abc", "1.5e9", "-1", "99999999999999"])
def test_a_bad_source_date_epoch_is_a_config_error_naming_it(tmp_path: Path, value: str) -> None:
    done = _gongkai(tmp_path, "build", str(ROOT / "data"), "--out", "site", SOURCE_DATE_EPOCH=value)
    assert done.returncode == 2
    assert done.stderr.startswith(f"错误：环境变量 SOURCE_DATE_EPOCH 的值 {value!r} 无效")
    assert "Traceback" not in done.stderr and not (tmp_path / "site").exists()


def test_a_file_system_error_in_a_real_build_exits_2_and_names_the_path(tmp_path: Path) -> None:
    data = _small_data(tmp_path)
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    done = _gongkai(tmp_path, "build", str(data), "--out", "blocker/site", "--no-progress")
    assert done.returncode == 2
    assert done.stderr.startswith("错误：操作系统报错：") and "blocker" in done.stderr
    assert "Traceback" not in done.stderr and _log_file(done.stderr).is_file()


def test_a_build_with_quarantined_rows_still_exits_1(tmp_path: Path) -> None:
    done = _gongkai(tmp_path, "build", str(_small_data(tmp_path)), "--out", "site", "--no-progress")
    assert done.returncode == 1, done.stderr
    assert "有行被隔离" in done.stderr and (tmp_path / "site" / "index.html").is_file()


def test_ctrl_c_during_a_build_exits_130_and_leaves_the_site_and_no_folders(tmp_path: Path) -> None:
    data = _small_data(tmp_path)
    assert _gongkai(tmp_path, "build", str(data), "--out", "site", "--no-progress").returncode == 1
    for _ in range(3):  # again if the build was done before the signal reached it (a busy machine)
        before = (tmp_path / "site").stat().st_ino  # not published: the same folder
        build = subprocess.Popen(
            [sys.executable, "-m", "generator", "build", str(data), "--out", "site", "--no-progress"],
            cwd=tmp_path, env=_env(tmp_path, SOURCE_DATE_EPOCH="1700000000"), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        while not list(tmp_path.glob(".site.*.new")):  # interrupt once it is writing
            assert build.poll() is None, build.communicate()
            time.sleep(0.01)
        os.killpg(build.pid, signal.SIGINT)  # as Ctrl+C does: the whole group
        stdout, stderr = build.communicate(timeout=60)
        if "网站已生成" not in stdout:
            break
    assert build.returncode == 130, stderr
    assert "已中断（Ctrl+C）" in stderr and "Traceback" not in stderr
    assert (tmp_path / "site").stat().st_ino == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


INTERRUPTING_BUILD = """
import os, signal, sys, time
import generator.build as build
from generator.cli import commands

class SwallowsInterrupts:
    def __del__(self):  # Python prints a KeyboardInterrupt raised here as "ignored", and goes on
        os.kill(os.getpid(), signal.SIGINT)

class SwallowsGroupInterrupts:
    def __del__(self):  # swallowed here, and the search process beside it ended
        os.killpg(0, signal.SIGINT)

def interrupt_{where}(original):
    def stage(*args, **kwargs):
        if "{where}" == "finalizer":
            SwallowsInterrupts()
        elif "{where}" == "finalizer_with_worker":
            SwallowsGroupInterrupts()
            time.sleep(1)
        else:  # Ctrl+C to the whole group once the search process has finished and is idle
            time.sleep(1.5)
            os.killpg(0, signal.SIGINT)
            time.sleep(5)
        return original(*args, **kwargs)
    return stage

if "{where}" == "finalizer_with_worker":  # while the search process waits for the pages
    build.write_datasets = interrupt_{where}(build.write_datasets)
else:
    build.write_records = interrupt_{where}(build.write_records)
sys.argv = ["gongkai", *sys.argv[1:]]
commands.main()
"""


@pytest.mark.parametrize("where", ["finalizer", "finalizer_with_worker", "idle_worker"])
def test_an_interrupt_swallowed_or_in_an_idle_worker_still_stops_the_build(
    tmp_path: Path, where: str
) -> None:
    """Ctrl+C is never lost (one raised inside a finalizer is printed and dropped by Python)
    and never told as another failure (an idle worker that it ends, a cleanup it breaks, or,
    once swallowed, the search process it ended, found when the build waits for it)."""
    data = _small_data(tmp_path)
    assert _gongkai(tmp_path, "build", str(data), "--out", "site", "--no-progress").returncode == 1
    before = (tmp_path / "site").stat().st_ino  # not published: the same folder
    script = textwrap.dedent(INTERRUPTING_BUILD).replace("{where}", where)
    build = subprocess.run(
        [sys.executable, "-c", script, "build", str(data), "--out", "site", "--no-progress"],
        capture_output=True, text=True, cwd=tmp_path, check=False, start_new_session=True,
        env=_env(tmp_path, SOURCE_DATE_EPOCH="1700000000"),
    )  # fmt: skip
    assert build.returncode == 130, build.stderr
    assert "已中断（Ctrl+C）" in build.stderr and "Traceback" not in build.stderr
    assert "详细信息已写入日志" not in build.stderr
    assert (tmp_path / "site").stat().st_ino == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


SWAP_INTERRUPTED = """
import os, signal, sys
import generator.build as build
from generator.cli import commands

swap = build.swap_into_place

def interrupted_swap(*args):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C as the new site goes in
    swap(*args)

build.swap_into_place = interrupted_swap
sys.argv = ["gongkai", *sys.argv[1:]]
commands.main()
"""


def test_ctrl_c_once_the_new_site_goes_in_finishes_the_publish(tmp_path: Path) -> None:
    """Once swapped in, the new site is published: the swap and the old site's removal finish,
    and the build ends as it would have, not with a message that it published nothing."""
    data = _small_data(tmp_path)
    assert _gongkai(tmp_path, "build", str(data), "--out", "site", "--no-progress").returncode == 1
    before = (tmp_path / "site").stat().st_ino  # a publish swaps another folder in
    build = subprocess.run(
        [sys.executable, "-c", SWAP_INTERRUPTED, "build", str(data), "--out", "site", "--no-progress"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
        env=_env(tmp_path, SOURCE_DATE_EPOCH="1700000000"),
    )  # fmt: skip
    assert build.returncode == 1, build.stderr
    assert "网站已生成" in build.stdout and "已中断" not in build.stderr
    assert (tmp_path / "site").stat().st_ino != before
    assert (tmp_path / "site" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


FAILING_BESIDE_SEARCH = """
import sys, time
import generator.build as build
from generator.cli import commands

def search(*args):
    time.sleep(2)
    raise ValueError("the search, stopped late")

def records(*args, **kwargs):
    raise RuntimeError("the record pages")

build._search, build.write_records = search, records
sys.argv = ["gongkai", *sys.argv[1:]]
commands.main()
"""


def test_a_failed_stage_is_told_not_the_search_stopped_beside_it(tmp_path: Path) -> None:
    data = _small_data(tmp_path)
    build = subprocess.run(
        [sys.executable, "-c", FAILING_BESIDE_SEARCH, "build", str(data), "--out", "site"],
        capture_output=True, text=True, cwd=tmp_path, check=False, env=_env(tmp_path),
    )  # fmt: skip
    assert build.returncode == 2
    assert "RuntimeError" in build.stderr and "ValueError" not in build.stderr
    log = _log_file(build.stderr).read_text(encoding="utf-8")
    assert "the record pages" in log and "the search" not in log
    assert not (tmp_path / "site").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def _fake_gongkai(folder: Path, build_exit: int) -> Path:
    """A stand-in for the installed program: ``build`` exits ``build_exit``; ``serve`` says so."""
    folder.mkdir()
    script = folder / "gongkai"
    script.write_text(
        f'#!/bin/sh\nif [ "$1" = build ]; then exit {build_exit}; fi\necho "serving $*"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return folder


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("build_exit,serves", [(0, True), (1, True), (2, False)])
def test_make_demo_stops_when_the_build_could_not_run(
    tmp_path: Path, build_exit: int, serves: bool
) -> None:
    stamp = tmp_path / "installed"
    stamp.touch()
    bin_dir = _fake_gongkai(tmp_path / "bin", build_exit)
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "demo", f"BIN={bin_dir}", f"STAMP={stamp}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode == 0) is serves
    assert ("serving serve site" in done.stdout) is serves


def test_a_full_disk_is_told_in_chinese_with_what_to_do(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode:
        pytest.skip("mounting a small tmpfs needs root (benchmarks/full_disk.py does the same)")
    try:
        (disk / "filler").write_bytes(b"\0" * (disk.stat().st_blksize * 15))
        out = disk / "月报表.xlsx"
        done = _gongkai(tmp_path, "report", "monthly", str(ROOT / "data"), "--month", "2024-05",
                        "--out", str(out))  # fmt: skip
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert done.returncode == 2
    # The report's own message names the file; the handler adds the cause and the fix.
    assert done.stderr.startswith(f"错误：无法写入 {out}")
    assert "原因：磁盘空间不足（或超出磁盘配额）。请清理输出目录所在磁盘" in done.stderr
    assert "Traceback" not in done.stderr and _log_file(done.stderr).is_file()
