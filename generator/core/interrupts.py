"""Ctrl+C that is never lost, and never told as something else.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when SIGINT arrives.
Raised inside a finalizer (a ``__del__``, a weakref callback, a generator the collector closes)
it is printed as "ignored" and the work goes on; raised while a worker process is idle it
ends that process with a traceback of its own, and the build then reports a broken worker
instead of the interrupt. So:

* :func:`catching_interrupts` (the CLI, around every command) remembers each SIGINT as it
  raises it (and keeps Python from printing a swallowed one as a traceback), and :func:`stop_if_interrupted`, called just before a site is swapped in, raises
  a remembered one again: an interrupted build never publishes, even if the interrupt itself
  was swallowed.
* :func:`interrupts_deferred` holds SIGINT back while the new site goes in place and the old
  one is removed: once swapped in, the site is published, and the build finishes.
* :func:`end_quietly_on_interrupt` (forked workers) ends a worker at once and without a
  traceback; Ctrl+C reaches the whole process group, and the parent tells it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

INTERRUPTED_EXIT = 130
"""A worker's exit status when Ctrl+C ended it (as a shell reports a SIGINT)."""

_state = {"interrupted": False, "deferred": False}


@contextlib.contextmanager
def catching_interrupts(then: Any = None) -> Iterator[None]:
    """Remember every SIGINT while the block runs; in the main thread only (elsewhere, as is).

    Args:
        then: The SIGINT handler once the block ends (``signal.SIG_IGN`` for a program that
            only exits then, so that a late Ctrl+C cannot hide its exit code); by default the
            handler from before.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state["interrupted"] = False
    previous = signal.signal(signal.SIGINT, _on_interrupt)
    unraisable = sys.unraisablehook

    def hook(args: Any) -> None:  # one swallowed by a finalizer: remembered, not printed
        if not isinstance(args.exc_value, KeyboardInterrupt):
            unraisable(args)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if then is None else then)
        sys.unraisablehook = unraisable


def interrupted() -> bool:
    """Whether SIGINT arrived while :func:`catching_interrupts` ran, even one a finalizer
    swallowed."""
    return _state["interrupted"]


def stop_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if SIGINT arrived, even one a finalizer swallowed."""
    if _state["interrupted"]:
        raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Finish the block whatever SIGINT says; the interrupt is still remembered."""
    _state["deferred"] = True
    try:
        yield
    finally:
        _state["deferred"] = False


def end_quietly_on_interrupt() -> None:
    """In a forked worker: end at once on SIGINT, with no traceback (the parent reports it)."""
    signal.signal(signal.SIGINT, _exit_worker)


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    _state["interrupted"] = True
    if not _state["deferred"]:
        raise KeyboardInterrupt


def _exit_worker(signum: int, frame: FrameType | None) -> None:
    os._exit(INTERRUPTED_EXIT)
