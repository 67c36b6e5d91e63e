"""The search index built in a process of its own, from the moment the model is ready.

Most of the index is the enterprise shards, and they need only the model; the main index
also holds the editorial pages, which exist only once MkDocs has run. So the build starts
:class:`SearchBeside` as soon as the model is complete: the shards are indexed while the
build computes the statistics, writes the downloads and runs MkDocs; the build then calls
:meth:`~SearchBeside.pages_ready`, and the main index is made beside the record pages and
feeds. The bundle is made in the staging area's ``search`` folder (MkDocs empties the site
folder when it starts) and moved into the site by :meth:`~SearchBeside.finish`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from generator.core.console import StageTime, add_stages, recording_timings, timed
from generator.core.shards import BesideSignal, start_beside
from generator.core.swap import Staging
from generator.model.entities import Model
from generator.publish.site.manifest import file_hashes, read_manifest
from generator.publish.site.search import PAGEFIND_DIR, build_search_index

SEARCH_STAGE = "搜索索引"
"""The stage up to the editorial pages (``--timings``): the enterprise shards."""
SEARCH_NICENESS = 10
"""The index yields the cores to the build's own stages, which it runs beside: they are the
build's longest path, the index is not."""
MAIN_INDEX_STAGE = "搜索索引（主索引）"
"""The stage after them: the main index, the exact-match lookup and the routing table."""


class SearchBeside:
    """The search index of the site staged in ``area``, being built beside the build.

    Used as a context manager, it is stopped when the block fails: the error that ended the
    build is the one to tell, and no process outlives it.
    """

    def __init__(
        self,
        model: Model,
        area: Staging,
        previous: Path | None = None,
        previous_hashes: Mapping[str, str] | None = None,
        *,
        in_place: bool = False,
    ) -> None:
        self.site_dir = area.path("new")
        self.bundle_dir = area.path("search")
        self.bundle_dir.mkdir()
        self._ready = BesideSignal()
        self.hashes: dict[str, str] = {}
        """SHA-256 of each file of the bundle by its path in the site, once :meth:`finish`
        returned: hashed beside, so the manifest need not read the files again."""
        self.kept: set[str] = set()
        """In place: the files of the shards left as they are in the live site (checked by
        the index against the manifest, whose hashes :attr:`hashes` gives for them)."""
        self._beside = start_beside(
            _build, model, self.site_dir, self.bundle_dir, previous, previous_hashes,
            self._ready, in_place,
        )  # fmt: skip

    def pages_ready(self) -> None:
        """The editorial pages are in the site folder: index them."""
        self._ready.set()

    def finish(self) -> dict[str, Any]:
        """Wait for the index and move it into the site folder; its figures
        (:func:`~generator.publish.site.search.build_search_index`). Its stages join the
        build's ``--timings``."""
        if not self._ready.is_set():
            raise RuntimeError("pages_ready() must come before finish()")
        stages, figures, self.hashes = self._beside.result()
        self.kept = {path for path in self.hashes if path.startswith(tuple(figures["kept"]))}
        add_stages(stages)
        (self.bundle_dir / PAGEFIND_DIR).rename(self.site_dir / PAGEFIND_DIR)
        return figures

    def stop(self) -> None:
        """End the index's process without its result."""
        self._beside.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None:
            self.stop()


def _build(
    model: Model,
    site_dir: Path,
    bundle_dir: Path,
    previous: Path | None,
    previous_hashes: Mapping[str, str] | None,
    ready: BesideSignal,
    in_place: bool,
) -> tuple[list[StageTime], dict[str, Any], dict[str, str]]:
    """The index, in the process beside: its two stages' timings, its figures and its
    files' hashes (those of the shards kept in place as the previous manifest lists them)."""
    os.nice(SEARCH_NICENESS)
    with recording_timings() as stages, contextlib.ExitStack() as stage:
        stage.enter_context(timed(SEARCH_STAGE))

        def pages_ready() -> None:
            stage.close()  # the wait is no stage's time
            ready.wait()
            stage.enter_context(timed(MAIN_INDEX_STAGE))

        figures = build_search_index(
            model,
            site_dir,
            previous=previous,
            previous_hashes=previous_hashes,
            bundle_dir=bundle_dir,
            pages_ready=pages_ready,
            in_place=in_place,
        )
        hashes = file_hashes(bundle_dir)
        if figures["kept"] and previous is not None:
            listed = previous_hashes if previous_hashes is not None else read_manifest(previous)
            kept = tuple(figures["kept"])
            hashes.update({path: h for path, h in listed.items() if path.startswith(kept)})
    return stages, figures, hashes
