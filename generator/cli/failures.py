"""Where every ``gongkai`` command ends: an honest exit code and a Chinese message, never a traceback.

Exit codes (:data:`EXIT_CODES`): 0 all good; 1 the command ran and found problems in the data
(rows quarantined or refused, a draw that does not verify); 2 the command could not run;
130 interrupted. Errors raised on purpose (:class:`generator.core.errors.GongkaiError`, Click's
usage errors) keep their messages. Anything else — a full disk, no memory, a bug, an error in a
worker process (re-raised here by :mod:`generator.core.shards`) — is told in Chinese with what
to do, and its traceback goes to a log file whose path the message names.
"""

from __future__ import annotations

import concurrent.futures.process
import datetime as dt
import errno
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from generator.core.interrupts import INTERRUPTED_EXIT, catching_interrupts, interrupted

EXIT_CODES = {
    0: "全部正常",
    1: "已完成，但数据有问题（有行被隔离或拒收）",
    2: "无法运行",
    130: "已中断",
}
"""What each exit code means; ``1`` never comes from an error."""

KEEP_LOGS = 20
"""Error logs kept in the log folder; older ones are removed."""

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
SQLITE_FULL = 13
"""SQLite's "database or disk is full"."""
ADVICE_DISK = "请清理输出目录所在磁盘（或更换到空间充足的磁盘）后重新运行；上一版网站不受影响。"
ADVICE_REPORT = "请把该日志文件和所用命令发给 gongkai 维护者。"


def run_cli(command: click.Command, args: Sequence[str] | None = None) -> int:
    """Run ``command`` as the ``gongkai`` program and return its exit code; never raises.

    The program only exits after it: from then on, Ctrl+C is ignored (it would turn the exit
    code into a bare SIGINT).
    """
    with catching_interrupts(then=signal.SIG_IGN):
        try:
            code = command.main(args, prog_name="gongkai", standalone_mode=False)
            return code if isinstance(code, int) else 0
        except SystemExit as exc:  # the commands' own sys.exit(0 | 1)
            return _system_exit_code(exc.code)
        except BaseException as exc:  # noqa: BLE001 - the one place that catches everything
            return _report(exc)


def _report(exc: BaseException) -> int:
    """Tell what stopped a command, in Chinese; its exit code."""
    if interrupted() or any(isinstance(c, KeyboardInterrupt) for c in [exc, *_causes(exc)]):
        # Ctrl+C, and whatever it broke on the way out (Click's Abort, a worker that ended),
        # or after it: one a finalizer swallowed, and the worker it ended found later
        _say("已中断（Ctrl+C）。正在生成的网站未发布，上一版保持不变。")
        return INTERRUPTED_EXIT
    if isinstance(exc, click.ClickException):  # usage errors and GongkaiError: as written
        exc.show()
        if any(_disk_full(cause) for cause in _causes(exc)):  # a stage told the error, not the fix
            _say(f"原因：磁盘空间不足（或超出磁盘配额）。{ADVICE_DISK}")
            _say(_log_line(write_error_log(exc)))
        return 2
    if isinstance(exc, click.Abort):
        _say("已中止。")
        return 2
    _say(f"错误：{describe_failure(exc)}")
    _say(_log_line(write_error_log(exc)))
    return 2


def describe_failure(exc: BaseException) -> str:
    """What went wrong and what to do, in Chinese, for an error nobody raised on purpose."""
    if isinstance(exc, MemoryError):
        return (
            "内存不足，未能完成。请关闭其他占用内存的程序、改用 --workers 1，"
            "或在内存更大的机器上运行；上一版网站不受影响。"
        )
    if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
        return (
            "一个工作进程意外终止（常见原因：内存不足被系统结束）。"
            "请用 --workers 1 重新运行，或在内存更大的机器上运行；上一版网站不受影响。"
        )
    if _disk_full(exc):
        where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
        return f"磁盘空间不足（或超出磁盘配额），未能写完{where}。{ADVICE_DISK}"
    if isinstance(exc, OSError):
        where = f"：{exc.filename}" if exc.filename else ""
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (
                f"没有写入或读取权限{where}（{exc.strerror}）。请检查该路径的权限，或换一个目录。"
            )
        return f"操作系统报错{where}（{exc.strerror or exc}）。请检查磁盘和路径后重试；如仍出错，{ADVICE_REPORT}"
    return f"gongkai 内部错误（{type(exc).__name__}）。这是 gongkai 的缺陷，请报告：{ADVICE_REPORT}"


def write_error_log(exc: BaseException) -> Path | None:
    """Write ``exc``'s full traceback (with any worker's) to a new log file; its path, or none."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    lines = [
        f"gongkai {_version()} · Python {sys.version.split()[0]} · {stamp}\n",
        f"命令 / command: {' '.join(sys.argv)}\n",
        f"工作目录 / cwd: {os.getcwd()}\n\n",
        *traceback.format_exception(exc),
    ]
    for folder in log_folders():
        path = folder / f"error-{stamp}-{os.getpid()}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(lines), encoding="utf-8")
        except OSError:
            path.unlink(missing_ok=True)
            continue
        _prune(folder)
        return path
    return None


def log_folders() -> list[Path]:
    """Where error logs go, in order of preference: the XDG state folder, then the temp folder."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    user = os.environ.get("USER") or str(os.getuid() if hasattr(os, "getuid") else "")
    return [Path(state) / "gongkai", Path(tempfile.gettempdir()) / f"gongkai-{user}"]


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full: ENOSPC, EDQUOT, or SQLite's ``SQLITE_FULL``."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL
    return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL


def _causes(exc: BaseException) -> list[BaseException]:
    """The exceptions ``exc`` was raised from or while handling, nearest first."""
    chain: list[BaseException] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _log_line(path: Path | None) -> str:
    if path is None:
        return "详细信息未能写入日志（日志目录不可写）。"
    return f"详细信息已写入日志：{path}"


def _prune(folder: Path) -> None:
    """Keep the newest :data:`KEEP_LOGS` logs."""
    logs = sorted(folder.glob("error-*.log"), key=lambda p: p.name)
    for old in logs[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)


def _system_exit_code(code: object) -> int:
    """A ``sys.exit`` argument as an exit code: an int as given, a message printed and 2."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    _say(str(code))
    return 2


def _say(message: str) -> None:
    try:
        click.echo(message, err=True)
    except OSError:  # stderr itself is gone; the exit code still tells
        pass


def _version() -> str:
    from generator import __version__

    return __version__
