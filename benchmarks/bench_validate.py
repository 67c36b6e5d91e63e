"""Benchmark ``validate_folder`` on a synthetic export folder of a given size.

Prints rows, seconds, rows per second and peak resident memory, so that throughput at
county (thousands), city (tens of thousands) and province (hundreds of thousands) scale
can be compared between commits. Not a test: these machines are shared and noisy.

    .venv/bin/python benchmarks/bench_validate.py --rows 20000 --rows 100000

``--cache`` times the per-file validation cache (:mod:`generator.validate.cache`) on the
province-shaped corpus instead: no cache, cold (every file validated and stored), warm (every
file a hit) and warm plus one day's batch in a new file, wall and CPU time each as a ratio to
no cache, with the load average beside it (the reports are checked to be the same):

    .venv/bin/python benchmarks/bench_validate.py --cache --checks 25000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus, write_province_batch, write_province_corpus

from generator.validate.cache import ValidationCache
from generator.validate.folder import validate_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="result rows (repeatable)")
    parser.add_argument("--cache", action="store_true", help="time the validation cache")
    parser.add_argument("--checks", type=int, default=25_000, help="--cache: checks (4 results each)")
    parser.add_argument("--batch", type=int, default=250, help="--cache: checks in the new batch")
    arguments = parser.parse_args()
    if arguments.cache:
        cache_figures(arguments.checks, arguments.batch)
        return
    sizes = arguments.rows or [5000, 20000]
    print(f"{'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            counts = write_corpus(Path(tmp), size)
            start = time.perf_counter()
            report = validate_folder(Path(tmp))
            seconds = time.perf_counter() - start
        rows = counts["results"] + counts["tasks"] + counts["items"]
        assert report.balanced and report.total() == rows
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{rows:>9} {seconds:>8.2f} {rows / seconds:>9.0f} {peak:>13.0f}")
        sys.stdout.flush()


def cache_figures(checks: int, batch: int) -> None:
    """Validation of the province corpus without the cache, cold, warm and warm + one batch."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        counts = write_province_corpus(data, checks)
        cache = ValidationCache(Path(tmp) / "cache")
        print(f"{counts['results']} results in {len(list(data.iterdir()))} files; batch of {batch} checks")
        print(f"{'run':<22} {'seconds':>8} {'× no cache':>11} {'CPU s':>7} {'× no cache':>11} "
              f"{'hits':>5} {'stored':>7}  load 1/5/15 min")  # fmt: skip
        base = base_cpu = None
        reports = []
        runs = [("no cache", None), ("cold (store all)", cache), ("warm (all hits)", cache),
                ("warm + new batch", cache)]  # fmt: skip
        for name, used in runs:
            if name == "warm + new batch":
                write_province_batch(data, checks, batch)
                reports.append(validate_folder(data).to_dict())  # the batch's uncached report
            hits, stored = cache.hits, cache.stored
            start, cpu_start = time.perf_counter(), _cpu()
            report = validate_folder(data, cache=used)
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu_start
            reports.append(report.to_dict())
            base, base_cpu = base or seconds, base_cpu or cpu
            load = " / ".join(f"{n:.2f}" for n in os.getloadavg())
            print(f"{name:<22} {seconds:>8.2f} {seconds / base:>11.3f} {cpu:>7.2f} {cpu / base_cpu:>11.3f} "
                  f"{cache.hits - hits:>5} {cache.stored - stored:>7}  {load}")  # fmt: skip
            sys.stdout.flush()
        assert reports[0] == reports[1] == reports[2] and reports[3] == reports[4]


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the frictionless workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
