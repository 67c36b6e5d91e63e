"""Benchmark a province-shaped build, stage by stage (issue 17's yardstick).

Writes a seeded province-shaped export folder (``corpus.write_province_corpus``: by default
150,000 checks = 600,000 item-level results, 150,000 firms, 2,000 tasks, 4 departments in 8
counties, some checks with two outcomes), builds it with ``gongkai build --timings`` in a
fresh process, and prints:

* per stage: wall and CPU seconds and the peak memory so far (from ``--timings``), and the
  files and bytes of the site that stage writes (by output folder);
* the whole build against the targets (≤ 5 min, ≤ 4 GiB on 2 cores);
* record pages per second three ways on the same pages, as ratios measured in one run:
  written into the Material shell (``write_records``), rendered by bare Jinja2 without the
  shell or a file (``render_records``), and a 1,000-page MkDocs sample (target: the first
  within 2× of bare Jinja2).

The load average is printed beside the times: these machines are shared.

    .venv/bin/python benchmarks/province.py                  # the province (takes a while)
    .venv/bin/python benchmarks/province.py --checks 10000   # a quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import timings, write_province_corpus
from site_build import mkdocs_site

from generator.model.entities import build_model
from generator.publish.site.records import (
    SHELL_PAGE,
    SHELL_SOURCE,
    read_shell,
    render_records,
    write_records,
)
from generator.validate.folder import validate_folder

TARGET_SECONDS = 300
TARGET_MIB = 4096
MKDOCS_SAMPLE = 1000
STAGE_OF_FOLDER = {
    "data": "开放数据", "pagefind": "搜索索引", "enterprise": "记录页", "task": "记录页",
    "plan": "记录页", "item": "记录页", "result": "记录页", "feeds": "订阅源",
    "draws": "图表、下载与抽取", "generated": "图表、下载与抽取",
}  # fmt: skip
"""Which stage writes each top-level folder of the site (anything else: the MkDocs pages)."""


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _site_sizes(site: Path) -> tuple[Counter[str], Counter[str]]:
    """Files and bytes of the built site per stage (by :data:`STAGE_OF_FOLDER`)."""
    files: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for path in site.rglob("*"):
        if path.is_file():
            top = path.relative_to(site).parts[0]
            stage = STAGE_OF_FOLDER.get(top)
            if stage is None:
                stage = "订阅源" if top.startswith("feed.") else (
                    "站点地图" if top.startswith("sitemap") else "网站页面（MkDocs）")
            files[stage] += 1
            sizes[stage] += path.stat().st_size
    return files, sizes


def build(work: Path) -> None:
    """Build the corpus in a fresh process and print the per-stage table."""
    site = work / "site"
    command = [sys.executable, "-m", "generator", "build", str(work / "data"), "--out", str(site),
               "--no-progress", "--timings"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    rows = timings(done.stderr)
    files, sizes = _site_sizes(site)
    # The stage's Chinese name last, so that the figures line up in any terminal.
    print(f"{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}{'files':>10}{'MiB written':>13}  stage")
    for name, wall, cpu, peak in rows:
        total = name == "合计"
        print(f"{float(wall):>9.1f}{float(cpu):>9.1f}{float(peak):>10,.0f}"
              f"{sum(files.values()) if total else files.get(name, 0):>10,}"
              f"{(sum(sizes.values()) if total else sizes.get(name, 0)) / 2**20:>13,.1f}  {name}")
    peak = float(rows[-1][3])
    print(f"whole build: {seconds:.0f} s (target ≤ {TARGET_SECONDS} s: {seconds / TARGET_SECONDS:.2f}×), "
          f"peak {peak:,.0f} MiB (target ≤ {TARGET_MIB} MiB: {peak / TARGET_MIB:.2f}×), "
          f"CPU {float(rows[-1][2]) / seconds:.2f} cores on average; load {_load()}")


def record_pages(work: Path) -> None:
    """Record pages per second: into the shell, bare Jinja2, and MkDocs, in one run."""
    report = validate_folder(work / "data")
    model = build_model(report.public_tables(), report.data_as_of)
    shell_site, _ = mkdocs_site(work / "shell", {SHELL_PAGE: SHELL_SOURCE})
    shell = read_shell(shell_site, "bench")
    start = time.perf_counter()
    pages = sum(1 for _ in render_records(model))
    bare = pages / (time.perf_counter() - start)
    start = time.perf_counter()
    written = sum(write_records(model, work / "records", shell, workers=1).values())
    shelled = written / (time.perf_counter() - start)
    sample = {
        f"r/{n:04d}.md": f"---\ntitle: 记录 {n}\n---\n\n{page.content}"
        for n, page in zip(range(MKDOCS_SAMPLE), render_records(model))
    }
    _, seconds = mkdocs_site(work / "mkdocs", sample)
    mkdocs = len(sample) / seconds
    print(f"record pages: bare Jinja2 {bare:,.0f}/s; written in the shell {shelled:,.0f}/s "
          f"({bare / shelled:.2f}× slower than bare, target ≤ 2×); MkDocs {mkdocs:,.1f}/s "
          f"({shelled / mkdocs:,.0f}× slower than gongkai); one process each; load {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=150_000, help="checks (4 results each)")
    parser.add_argument("--no-records", action="store_true", help="skip the record-page ratios")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The builds' validation cache starts empty, in here, not in the home folder.
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        start = time.perf_counter()
        counts = write_province_corpus(work / "data", arguments.checks)
        print(f"corpus: {counts} in {time.perf_counter() - start:.0f} s; load {_load()}")
        sys.stdout.flush()
        build(work)
        sys.stdout.flush()
        if not arguments.no_records:
            record_pages(work)


if __name__ == "__main__":
    main()
