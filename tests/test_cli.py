"""The command line as an operator meets it: Click's own messages in Chinese, exit codes kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _gongkai(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m generator`` as the installed ``gongkai`` command runs."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "LANG": "C",
            "PYTHONPATH": str(Path(__file__).parent.parent),
            "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
        },
    )


@pytest.mark.parametrize(
    "arguments,expected",
    [
        (["validate"], "错误：缺少参数 'DATA_DIR'"),
        (["buil"], "错误：没有这个子命令：'buil'。 是不是要用 'build'？"),
        (["validate", "--jsn", "data"], "错误：没有这个选项：'--jsn'。 是不是要用 '--json'？"),
        (["verify", "missing-folder"], "路径 'missing-folder' 不存在"),
        (["draw", "commit", "--drand-chain", "nope"], "'nope' 不在可选值"),
    ],
)
def test_usage_errors_are_chinese_and_exit_2(
    arguments: list[str], expected: str, tmp_path: Path
) -> None:
    done = _gongkai(*arguments, cwd=tmp_path)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "用法 / Usage: gongkai" in done.stderr and "查看说明" in done.stderr
    assert "Error:" not in done.stderr and "Try '" not in done.stderr


def test_gongkai_errors_say_error_in_chinese(tmp_path: Path) -> None:
    done = _gongkai("build", str(tmp_path / "none"), "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：数据目录不存在") and "Error" not in done.stderr


def test_help_headings_and_builtin_options_are_bilingual(tmp_path: Path) -> None:
    done = _gongkai("--help", cwd=tmp_path)
    assert done.returncode == 0
    for text in ("用法 / Usage:", "选项 / Options:", "命令 / Commands:", "显示本说明并退出。"):
        assert text in done.stdout
