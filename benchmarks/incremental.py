"""Benchmark a daily release: one new batch on top of a published province-shaped site.

Writes a seeded corpus (``corpus.write_province_corpus``), builds it in full, adds one batch
of new checks in a file of its own (``corpus.write_province_batch``; 250 checks = 1,000
item-level results by default) and builds again with ``--previous`` (the published site
itself) and ``--changed-files`` (with ``--in-place``, also that flag: only the changed files
are moved into the site, no new folder is swapped in). Prints both builds' time, their ratio (target ≤ 10 %), the
files added, changed, removed and kept (an unchanged file keeps its inode and its time), and
compares the incremental site byte for byte with a full build of the same inputs (without
the validation cache).

The load average is printed beside the times: these machines are shared.

    .venv/bin/python benchmarks/incremental.py                   # 100,000 results
    .venv/bin/python benchmarks/incremental.py --checks 150000   # the province
    .venv/bin/python benchmarks/incremental.py --in-place        # the daily release in place
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import timings, write_province_batch, write_province_corpus

RENDERED = "企业页、任务页和企业订阅源："
"""How the build begins the line saying what it rendered again."""


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _build(data: Path, site: Path, *extra: str) -> tuple[float, dict[str, float], str]:
    """Build in a fresh process: its wall time, each stage's wall time (``--timings``) and
    what it said."""
    command = [sys.executable, "-m", "generator", "build", str(data), "--out", str(site),
               "--no-progress", "--timings", *extra]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    stages = {row[0]: float(row[1]) for row in timings(done.stderr)}
    return time.perf_counter() - start, stages, done.stderr


def _stamps(site: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(site)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in site.rglob("*") if p.is_file()}  # fmt: skip


def _differing(one: Path, two: Path) -> list[str]:
    """Paths whose bytes differ, or that only one of the sites has."""
    left, right = _stamps(one), _stamps(two)
    names = sorted(set(left) | set(right))
    return [n for n in names if n not in left or n not in right
            or (one / n).read_bytes() != (two / n).read_bytes()]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=25_000, help="checks (4 results each)")
    parser.add_argument("--batch", type=int, default=250, help="checks in the new batch")
    parser.add_argument("--tasks", type=int, default=None,
                        help="the batch's checks in this many tasks (default: spread over all)")
    parser.add_argument("--in-place", action="store_true",
                        help="build the daily release with --in-place")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The builds' validation cache starts empty, in here, not in the home folder.
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        data, site = work / "data", work / "site"
        counts = write_province_corpus(data, arguments.checks)
        print(f"corpus: {counts}; load {_load()}")
        full, full_stages, _ = _build(data, site)
        print(f"full build: {full:.1f} s; load {_load()}")
        before = _stamps(site)
        shutil.copytree(site, work / "published", copy_function=os.link)  # the day's site, kept
        added = write_province_batch(data, arguments.checks, arguments.batch, tasks=arguments.tasks)
        listing = work / "changed.txt"
        daily, daily_stages, told = _build(
            data, site, "--previous", str(site), "--changed-files", str(listing),
            *(["--in-place"] if arguments.in_place else []),
        )
        changes = [line.split("\t")[0] for line in listing.read_text(encoding="utf-8").splitlines()]
        after = _stamps(site)
        untouched = sum(1 for path, stamp in after.items() if before.get(path) == stamp)
        print(
            f"new batch of {added:,} results, build with --previous"
            f"{' --in-place' if arguments.in_place else ''}: {daily:.1f} s = "
            f"{daily / full:.0%} of the full build (target ≤ 10%); load {_load()}"
        )
        print(
            f"files: {changes.count('A'):,} added, {changes.count('M'):,} changed, "
            f"{changes.count('D'):,} removed; {untouched:,} of {len(after):,} untouched "
            "(same inode and time)"
        )
        print(next(line for line in told.splitlines() if line.startswith(RENDERED)))
        print(f"{'full s':>9}{'daily s':>9}{'ratio':>8}  stage")
        for name in {**full_stages, **daily_stages}:
            seconds, again = full_stages.get(name, 0.0), daily_stages.get(name, 0.0)
            ratio = f"{again / seconds:.0%}" if seconds >= 0.05 else ""
            print(f"{seconds:>9.1f}{again:>9.1f}{ratio:>8}  {name}")
        reference = work / "reference"
        _build(data, reference, "--previous", str(work / "published"), "--no-cache")
        differing = _differing(site, reference)
        print(
            f"against a full build of the same inputs: {len(differing)} files differ"
            + (f" (first: {differing[:3]})" if differing else " (byte-identical)")
        )


if __name__ == "__main__":
    main()
