"""Benchmark ``validate_folder`` on a synthetic results corpus of a given size.

Prints rows, seconds, rows per second and peak resident memory, so that throughput at
county (thousands), city (tens of thousands) and province (hundreds of thousands) scale
can be compared between commits. Not a test: these machines are shared and noisy.

    .venv/bin/python benchmarks/bench_validate.py --rows 20000 --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from stdnum.cn import uscc

from generator.validate import validate_folder

HEADER = [
    "序号", "抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型",
    "检查实施机关", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "检查完成日期", "公示日期",
]
OUTCOMES = ["未发现问题"] * 8 + ["发现问题已责令改正", "未按规定公示应当公示的信息"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _code(rng: random.Random) -> str:
    body = "91140902" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def write_corpus(folder: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` result rows as one UTF-8 CSV export into ``folder``."""
    rng = random.Random(seed)
    with (folder / "results.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            task = f"1409022024{n % 500:08d}"
            writer.writerow([
                n, "14090220240001", "2024年度抽查计划", task, f"任务{n % 500}", "不定向",
                "示例县市场监督管理局", f"示例企业{n}有限公司", _code(rng), f"检查事项{n % 7}",
                rng.choice(OUTCOMES), f"2024/{1 + n % 12}/{1 + n % 28}", "2024-12-20",
            ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="corpus size (repeatable)")
    sizes = parser.parse_args().rows or [5000, 20000]
    print(f"{'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp), size)
            start = time.perf_counter()
            report = validate_folder(Path(tmp))
            seconds = time.perf_counter() - start
        assert report.balanced and report.total() == size
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{size:>9} {seconds:>8.2f} {size / seconds:>9.0f} {peak:>13.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
