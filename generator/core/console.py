"""Feedback on the terminal for long work: spinners and progress bars on standard error."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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



