"""Feedback on the terminal for long work: spinners and progress bars on standard error, and
the per-stage timings of ``gongkai build --timings``."""

from __future__ import annotations

import contextlib
import contextvars
import os
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def status(message: str, enabled: bool) -> Iterator[None]:
    """A spinner with ``message`` on stderr while a stage without its own progress runs."""
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def progress(items: list[T], enabled: bool, description: str) -> Iterator[T]:
    """Yield ``items`` while a progress bar on stderr counts them."""
    if not enabled:
        yield from items
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(description, total=len(items))
        for item in items:
            yield item
            bar.advance(task)





@dataclass
class StageTime:
    """One stage of a build: wall and CPU seconds, and the peak memory at its end."""

    name: str
    wall: float
    cpu: float
    peak_mib: float
    start: float = 0.0
    """``time.perf_counter()`` at its start (system-wide on Linux, so forked stages compare)."""


_TIMINGS: contextvars.ContextVar[list[StageTime] | None] = contextvars.ContextVar(
    "gongkai_timings", default=None
)


@contextlib.contextmanager
def recording_timings() -> Iterator[list[StageTime]]:
    """Collect the :func:`timed` stages run inside this block into the list it yields."""
    stages: list[StageTime] = []
    token = _TIMINGS.set(stages)
    try:
        yield stages
    finally:
        _TIMINGS.reset(token)


def _cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _peak_mib() -> float:
    """Peak resident memory so far: this process or its largest finished worker (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


@contextlib.contextmanager
def timed(name: str) -> Iterator[None]:
    """Time a stage when :func:`recording_timings` is on (``gongkai build --timings``)."""
    stages = _TIMINGS.get()
    if stages is None:
        yield
        return
    wall, cpu = time.perf_counter(), _cpu_seconds()
    try:
        yield
    finally:
        stages.append(
            StageTime(name, time.perf_counter() - wall, _cpu_seconds() - cpu, _peak_mib(), wall)
        )


def add_stages(done: list[StageTime]) -> None:
    """Record stages timed in another process (:func:`generator.core.shards.start_beside`)."""
    stages = _TIMINGS.get()
    if stages is not None:
        stages.extend(done)


def timings_table(stages: list[StageTime]) -> str:
    """The per-stage summary ``gongkai build --timings`` prints, with a total line (columns
    aligned by terminal cells: a CJK character takes two). Stages that ran at the same time
    overlap: the total's time is from the first start to the last end, not their sum."""
    from rich.cells import cell_len

    rows = [("阶段", "用时（秒）", "CPU（秒）", "峰值内存（MiB）")]
    rows += [(s.name, f"{s.wall:.2f}", f"{s.cpu:.2f}", f"{s.peak_mib:.0f}") for s in stages]
    peak = max((s.peak_mib for s in stages), default=0.0)
    elapsed = max((s.start + s.wall for s in stages), default=0.0) - min(
        (s.start for s in stages), default=0.0
    )
    rows.append(("合计", f"{elapsed:.2f}", f"{sum(s.cpu for s in stages):.2f}", f"{peak:.0f}"))
    widths = [max(cell_len(row[n]) for row in rows) for n in range(4)]

    def pad(text: str, n: int) -> str:
        fill = " " * (widths[n] - cell_len(text))
        return fill + text if n else text + fill  # the stage name left, figures right

    table = "\n".join("  ".join(pad(cell, n) for n, cell in enumerate(row)) for row in rows)
    if sum(s.wall for s in stages) > elapsed + 0.5:
        table += "\n（部分阶段同时运行：合计用时为从开始到结束的实际时间，CPU 为各阶段之和。）"
    return table
