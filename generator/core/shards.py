"""Independent shards of work, on local processes or on a Dask cluster, with the same bytes out.

A shard function ``produce(shared, job, emit)`` makes one shard's files and hands each to
``emit(path, data)``: a path relative to the output folder, and the file's bytes (or a
finished file on local disk, moved into place); it returns a small summary. A file may come
as ``emit(path, make, inputs)``: a function making its bytes and a digest of what they are
made from, so that a file the previous site has for the same inputs is taken over unmade
(:class:`~generator.core.outputs.Outputs`). Shards never write the same path, so the order
in which they finish changes nothing on disk.
:func:`run_shards` runs every job:

* **locally** (the default): in ``workers`` processes forked from this one, so the shared
  state (a model of 10⁵ records) reaches them by memory instead of pickling; each worker
  writes its own files. One process where ``fork`` is missing or ``workers`` is 1.
* **on Dask distributed** (``scheduler="tcp://host:8786"``): the shared state is scattered once
  to every worker, each shard's files travel back with its summary and are written here. The
  workers need gongkai installed (same version), not a shared file system.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from generator.core.errors import ConfigError
from generator.core.interrupts import end_quietly_on_interrupt
from generator.core.outputs import Content, Outputs, Written

S = TypeVar("S")
J = TypeVar("J")
R = TypeVar("R")
Emit = Callable[..., None]
"""``emit(path, data)`` or ``emit(path, make, inputs)``: see the module."""
Produce = Callable[[S, J, Emit], R]

CONNECT_TIMEOUT = "20s"
"""How long to wait for a Dask scheduler before giving up."""

MAX_LOCAL_WORKERS = 4


def local_workers() -> int:
    """Processes for a stage worth splitting: one per core, at most :data:`MAX_LOCAL_WORKERS`."""
    return max(1, min(MAX_LOCAL_WORKERS, os.cpu_count() or 1))


def run_shards(
    produce: Produce[S, J, R],
    shared: S,
    jobs: Sequence[J],
    out_dir: Path | Outputs | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[R]:
    """Run ``produce(shared, job, emit)`` for every job; return the summaries in job order.

    Args:
        produce: A module-level function (Dask sends it by reference).
        shared: What every shard reads (the model, the page shell…).
        jobs: The shards; small and picklable.
        out_dir: Where the files go (none for shards that only return a summary); given as
            :class:`~generator.core.outputs.Outputs`, it also gets every file's hash, from
            whichever process wrote it.
        workers: Local processes (ignored with ``scheduler``).
        scheduler: A Dask scheduler's address; the shards then run on its cluster.

    Raises:
        ConfigError: the scheduler cannot be reached, or ``distributed`` is not installed.
    """
    stream = ShardStream(
        produce, shared, out_dir, workers=min(workers, len(jobs)), scheduler=scheduler
    )
    try:
        for job in jobs:
            stream.submit(job)
        return stream.results()
    finally:  # after an error (Ctrl+C, a failed shard) start no more shards
        stream.close()


class ShardStream:
    """Shards handed over one by one and run as they come: :func:`run_shards` hands over
    every job at once, a stage whose jobs are made as it goes (validation's chunks) each as
    soon as it is made, so that they run while it makes the rest.

    Locally with ``workers`` > 1, the processes are forked at the first :meth:`submit` (so
    ``shared`` reaches them by memory; each job is pickled to them) and each writes its own
    files; with one worker, or without ``fork``, a job runs when it is submitted. On Dask
    (``scheduler``) the jobs run together when the results are asked for.
    """

    def __init__(
        self,
        produce: Produce[S, J, R],
        shared: S,
        out_dir: Path | Outputs | None = None,
        *,
        workers: int = 1,
        scheduler: str | None = None,
    ) -> None:
        self._produce, self._shared, self._scheduler = produce, shared, scheduler
        self._outputs = None if out_dir is None else Outputs.of(out_dir)
        forks = "fork" in multiprocessing.get_all_start_methods()
        self._forks = workers > 1 and not scheduler and forks
        self._workers = workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._pending: list[Any] = []  # futures, jobs (Dask) or summaries (here)

    def submit(self, job: J) -> None:
        """Start ``produce(shared, job, emit)``, or run it now (see the class)."""
        if self._scheduler:
            self._pending.append(job)
        elif not self._forks:
            self._pending.append(self._produce(self._shared, job, file_writer(self._outputs)))
        elif self._pool is None:
            global _FORKED  # handed to the workers by memory, forked at the first submission
            _FORKED = (self._produce, self._shared, self._outputs)
            try:
                self._pool = _forked_pool(self._workers)
                self._pending.append(self._pool.submit(_run_forked, job))
            finally:
                _FORKED = None
        else:
            self._pending.append(self._pool.submit(_run_forked, job))

    def results(self) -> list[R]:
        """Every job's summary, in the order submitted; the processes are ended.

        Raises:
            ConfigError: the scheduler cannot be reached, or ``distributed`` is not installed.
        """
        if self._scheduler:
            outputs, scheduler = self._outputs, self._scheduler
            return _run_on_dask(self._produce, self._shared, self._pending, outputs, scheduler)
        if not self._forks:
            return list(self._pending)
        try:
            done = [future.result() for future in self._pending]
        finally:
            self.close()
        for _, written in done:
            if self._outputs is not None:
                self._outputs.written.add(written)  # what each worker wrote, hashes and take-overs
        return [summary for summary, _ in done]

    def close(self) -> None:
        """End the processes, starting no more jobs (after an error)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def file_writer(outputs: Outputs | None) -> Emit:
    """An ``emit`` that writes (or moves) each file into ``outputs``."""

    def emit(path: str, data: Content | Path, inputs: str | None = None) -> None:
        if outputs is None:
            raise ValueError(f"{path}: this stage writes no files")
        if isinstance(data, Path):
            outputs.move(path, data)
        else:
            outputs.write(path, data, inputs)

    return emit


_FORKED: tuple[Any, Any, Outputs | None] | None = None


class Beside:
    """A call running in a process of its own (:func:`start_beside`)."""

    def __init__(
        self,
        future: concurrent.futures.Future[Any] | None,
        pool: Any = None,
        processes: Sequence[multiprocessing.process.BaseProcess] = (),
        call: tuple[Callable[..., Any], tuple[Any, ...]] | None = None,
    ) -> None:
        self._future = future
        self._pool = pool
        self._processes = processes
        self._call = call

    def result(self) -> Any:
        """Wait for the call and for its process to end; its value, or its error raised.

        The process is reaped here, between stages, so that ``--timings`` counts its CPU
        time once (the call times itself) and not again in the stage running when it ends.
        Without a process of its own, the call runs here.
        """
        if self._future is None:
            assert self._call is not None
            function, args = self._call
            return function(*args)
        try:
            return self._future.result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def stop(self) -> None:
        """End the call without its result: the stage beside it failed, and that error is the
        one to tell. Its process is gone when this returns."""
        if self._pool is None:
            return
        self._future.cancel()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)


def start_beside(function: Callable[..., Any], *args: Any) -> Beside:
    """Start ``function(*args)`` in one process forked now, to run beside this one's next
    stages; its arguments reach it by memory, not pickled. Without ``fork`` it runs when its
    result is asked for (:meth:`Beside.result`)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return Beside(None, call=(function, args))
    global _BESIDE
    _BESIDE = (function, args)
    try:
        before = set(multiprocessing.active_children())
        pool = _forked_pool(1)
        future = pool.submit(_run_beside)  # forks here
        started = [p for p in multiprocessing.active_children() if p not in before]
    finally:
        _BESIDE = None
    return Beside(future, pool, started)


_BESIDE: tuple[Callable[..., Any], tuple[Any, ...]] | None = None


class BesideSignal:
    """An event this process sets and a call :func:`start_beside` started waits for.

    The waiter ends quietly if this process is gone first (killed), rather than waiting for
    ever: a killed build leaves no process behind. Setting it never waits for the waiter: it
    is one byte down a pipe (a ``multiprocessing.Event`` waits for every sleeper to wake,
    so a waiter killed while it slept, by Ctrl+C or for memory, would hold the build for ever).
    """

    def __init__(self) -> None:
        self._owner = os.getpid()
        self._receive, self._send = multiprocessing.Pipe(duplex=False)
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._send.send_bytes(b"1")
            self._set = True

    def is_set(self) -> bool:
        """Whether this process set it."""
        return self._set

    def wait(self) -> None:
        while not self._receive.poll(1.0):
            if os.getpid() != self._owner and os.getppid() != self._owner:
                os._exit(1)


def _forked_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """Processes forked from this one; Ctrl+C ends them quietly (this process tells it)."""
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=end_quietly_on_interrupt
    )


def _run_beside() -> Any:
    assert _BESIDE is not None
    function, args = _BESIDE
    return function(*args)


def _run_forked(job: Any) -> tuple[Any, Written]:
    """One job in a forked worker: its summary, and what it wrote for the parent to merge."""
    assert _FORKED is not None
    produce, shared, outputs = _FORKED
    if outputs is None:
        return produce(shared, job, file_writer(None)), Written()
    outputs.take()  # what the parent had written before the fork is the parent's to keep
    summary = produce(shared, job, file_writer(outputs))
    return summary, outputs.take()


def _collect(
    produce: Produce[S, J, R], shared: S, job: J
) -> tuple[R, list[tuple[str, bytes, str | None]]]:
    """Run one shard on a Dask worker: its summary and its files' bytes and inputs digests
    (every file made: the worker does not see the previous site)."""
    files: list[tuple[str, bytes, str | None]] = []

    def emit(path: str, data: Content | Path, inputs: str | None = None) -> None:
        if isinstance(data, Path):
            files.append((path, data.read_bytes(), inputs))
            data.unlink()
        else:
            files.append((path, data() if callable(data) else data, inputs))

    return produce(shared, job, emit), files


def _run_on_dask(
    produce: Produce[S, J, R], shared: S, jobs: Sequence[J], outputs: Outputs | None, scheduler: str
) -> list[R]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise ConfigError(
            "使用 --scheduler 需要 Dask distributed：请运行 pip install 'gongkai[cluster]'"
        ) from exc
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"无法连接 Dask 调度器 {scheduler}（{exc}）；请检查地址和端口，或去掉 --scheduler 在本机生成"
        ) from exc
    emit = file_writer(outputs)
    with client:
        [handle] = client.scatter([shared], broadcast=True, hash=False)
        futures = [client.submit(_collect, produce, handle, job, pure=False) for job in jobs]
        number = {future.key: n for n, future in enumerate(futures)}
        summaries: dict[int, R] = {}
        for future in as_completed(futures, loop=client.loop):
            summary, files = future.result()
            for path, data, inputs in files:
                emit(path, data, inputs)
            summaries[number[future.key]] = summary
            future.release()
    return [summaries[n] for n in range(len(jobs))]
