"""Benchmark ``validate_folder`` on a synthetic export folder of a given size.

Prints rows, seconds, rows per second and peak resident memory, so that throughput at
county (thousands), city (tens of thousands) and province (hundreds of thousands) scale
can be compared between commits. Not a test: these machines are shared and noisy.

    .venv/bin/python benchmarks/bench_validate.py --rows 20000 --rows 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

from generator.validate.folder import validate_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="result rows (repeatable)")
    sizes = parser.parse_args().rows or [5000, 20000]
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


if __name__ == "__main__":
    main()
