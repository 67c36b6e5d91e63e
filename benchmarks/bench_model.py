"""Time what a daily release still computes once every export's validation is cached.

On the province-shaped corpus (``--checks`` checks of 4 results each) it prints the seconds of:

* validation without a cache (every file read and checked, then the checks across files);
* the checks across files alone: a run whose files all come from the cache, less the time
  spent unpickling them (:func:`generator.validate.folder.validate_folder` after its loop);
* the 记录与统计 stage of :func:`generator.build.build_site`: the model, draws, lifecycle,
  statistics and release notes against the previous release (the corpus before one day's
  batch of ``--batch`` checks),

with the load average beside them: these machines are shared and noisy. ``--baseline DIR``
first runs the same measurement on other code (a ``generator`` and ``schemas`` exported
there, e.g. ``git archive COMMIT generator schemas | tar -x -C DIR``) and checks that both
give the same report, published tables, statistics and release notes (SHA-256 of each):

    .venv/bin/python benchmarks/bench_model.py --checks 25000 --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_province_batch, write_province_corpus

from generator.core.schemas import record_id
from generator.core.settings import load_settings
from generator.core.workdays import load_calendar
from generator.draws.published import attach_draws, load_draws
from generator.model.entities import build_model
from generator.model.lifecycle import attach_lifecycle
from generator.model.releases import PreviousSite, prepare_notes
from generator.model.tables import published_tables, sorted_rows
from generator.stats.compute import statistics_for_folder
from generator.validate.folder import validate_folder


class MemoryCache:
    """The interface of :class:`generator.validate.cache.ValidationCache`, in memory: entries
    are pickled as there, and the time spent pickling and unpickling is kept apart."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}
        self.seconds = 0.0

    def key(self, path: Path, display: str, fixes: Any, settings: Any) -> str:
        return display

    def load(self, key: str) -> Any:
        start = time.perf_counter()
        payload = self.entries.get(key)
        value = pickle.loads(payload) if payload is not None else None
        self.seconds += time.perf_counter() - start
        return value

    def store(self, key: str, value: Any) -> None:
        start = time.perf_counter()
        self.entries[key] = pickle.dumps(value, protocol=5)
        self.seconds += time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=25_000, help="checks (4 results each)")
    parser.add_argument("--batch", type=int, default=250, help="checks in the day's new batch")
    parser.add_argument("--baseline", type=Path, help="also time the code exported there")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.json:  # one measurement, for a --baseline run in its own process
        print(json.dumps(measure(arguments.checks, arguments.batch)))
        return
    print(f"{arguments.checks * 4} results, a batch of {arguments.batch} checks")
    print(f"{'code':<10} {'validation s':>13} {'cross-file s':>13} {'记录与统计 s':>13}"
          "  load 1/5/15 min")  # fmt: skip
    runs = []
    if arguments.baseline is not None:
        command = [sys.executable, __file__, "--json", "--checks", str(arguments.checks),
                   "--batch", str(arguments.batch)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(arguments.baseline.resolve())}
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        runs.append(("baseline", json.loads(done.stdout.splitlines()[-1])))
        _print("baseline", runs[-1][1])
    runs.append(("this", measure(arguments.checks, arguments.batch)))
    _print("this", runs[-1][1])
    if len(runs) == 2:
        (_, before), (_, after) = runs
        for name in ("validation", "cross", "stage"):
            print(f"{name}: {before[name] / after[name]:.2f}× faster")
        same = before["digests"] == after["digests"]
        print("outputs identical" if same else f"OUTPUTS DIFFER: {before['digests']} {after['digests']}")
        if not same:
            sys.exit(1)


def _print(code: str, figures: dict[str, Any]) -> None:
    loads = " / ".join(f"{n:.2f}" for n in figures["load"])
    print(f"{code:<10} {figures['validation']:>13.2f} {figures['cross']:>13.2f} "
          f"{figures['stage']:>13.2f}  {loads}")  # fmt: skip
    sys.stdout.flush()


def measure(checks: int, batch: int) -> dict[str, Any]:
    """Seconds of each part on a fresh corpus, and digests of what they produced."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_province_corpus(data, checks)
        cache = MemoryCache()
        start = time.perf_counter()
        validate_folder(data, cache=cache)
        validation = time.perf_counter() - start - cache.seconds
        previous = _previous(data, cache)
        write_province_batch(data, checks, batch)
        validate_folder(data, cache=cache)  # stores the batch's file
        cache.seconds = 0.0
        start = time.perf_counter()
        report = validate_folder(data, cache=cache)
        cross = time.perf_counter() - start - cache.seconds
        start = time.perf_counter()
        model, statistics, notes = _records_and_statistics(report, data, previous)
        stage = time.perf_counter() - start
        load = os.getloadavg()
    digests = {
        "report": json.dumps(report.to_dict(), ensure_ascii=False),
        "tables": json.dumps(report.public_tables(), ensure_ascii=False),
        "model": repr(model),
        "statistics": repr(statistics),
        "notes": repr((notes.changes, notes.declared, notes.held_back)),
    }
    digests = {k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in digests.items()}
    return {"validation": validation, "cross": cross, "stage": stage, "load": load,
            "digests": digests}  # fmt: skip


def _records_and_statistics(report: Any, data: Path, previous: PreviousSite | None) -> Any:
    """The 记录与统计 stage as :func:`generator.build.build_site` runs it."""
    tables = published_tables()
    model = build_model(report.public_tables(), report.data_as_of)
    draws = load_draws(data)
    attach_draws(model, draws)
    attach_lifecycle(model, load_calendar(data), report.held_back, warn=lambda _: None)
    model.objection = dict(load_settings(data).objection)
    statistics = statistics_for_folder(report, data, draws, site_build=True)
    notes = prepare_notes(model, tables, previous, report.withdrawals, report.held_back)
    return model, statistics, notes


def _previous(data: Path, cache: MemoryCache) -> PreviousSite:
    """The release before the batch, as :func:`generator.model.releases.load_previous` would
    read it back from that site's downloads."""
    report = validate_folder(data, cache=cache)
    model = build_model(report.public_tables(), report.data_as_of)
    rows = {}
    for name, table in published_tables().items():
        published = json.loads(json.dumps(sorted_rows(table, model.tables.get(name, []))))
        rows[name] = {record_id(table, row): row for row in published}
    return PreviousSite("1", report.data_as_of, {}, rows, None)


if __name__ == "__main__":
    main()
