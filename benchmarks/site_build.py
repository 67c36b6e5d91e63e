"""Benchmark the site build: record pages against MkDocs, and a whole build at scale.

For each corpus size (results), prints:

* record pages: pages written per second by ``generator.publish.site.records.write_records`` (Jinja2 into
  the Material shell) and the peak memory of the process;
* MkDocs: pages per second for a 1,000-page sample of the *same* record contents, built by
  MkDocs + Material with every page in the navigation (how MkDocs is normally used);
* the ratio (target ≥ 100×);
* a whole ``gongkai build`` (validation, editorial pages, record pages, search index) in a
  fresh process: seconds and peak RSS (target at 100,000 results: < 5 min, < 4 GiB).

    .venv/bin/python benchmarks/site_build.py --results 10000 --results 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

from generator.build import CONFIG_FILE
from generator.model.entities import build_model
from generator.publish.site.records import (
    SHELL_PAGE,
    SHELL_SOURCE,
    read_shell,
    render_records,
    write_records,
)
from generator.validate.folder import validate_folder

MKDOCS_SAMPLE = 1000
WORKERS = max(2, min(4, os.cpu_count() or 1))


def mkdocs_site(work: Path, pages: dict[str, str]) -> tuple[Path, float]:
    """Build ``pages`` (path → Markdown) with the project's MkDocs config; returns seconds."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs = work / "docs"
    pages = {"index.md": "# 首页\n", **pages}
    for path, text in pages.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")
    nav = [{path: path} for path in sorted(pages) if path != SHELL_PAGE]
    config = load_config(str(CONFIG_FILE), docs_dir=str(docs), site_dir=str(work / "site"), strict=False, nav=nav)
    config.extra["data_as_of"] = "2024-12-31"
    config.plugins.on_startup(command="build", dirty=False)
    start = time.perf_counter()
    build(config)
    seconds = time.perf_counter() - start
    config.plugins.on_shutdown()
    return work / "site", seconds


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(results: int, full: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        counts = write_corpus(work / "data", results)
        report = validate_folder(work / "data")
        model = build_model(report.public_tables(), report.data_as_of)
        site, _ = mkdocs_site(work / "shell", {SHELL_PAGE: SHELL_SOURCE})
        shell = read_shell(site, "bench")
        for workers in (1, WORKERS):
            start = time.perf_counter()
            written = write_records(model, work / f"records-{workers}", shell, workers=workers)
            seconds = time.perf_counter() - start
            pages = sum(written.values())
            record_rate = pages / seconds
            print(f"{counts['results']:>8} results  record pages, {workers} process(es): {pages} in "
                  f"{seconds:.1f} s = {record_rate:,.0f} pages/s, peak RSS {_peak_mib():,.0f} MiB")
        sample = {
            f"r/{n:04d}.md": f"---\ntitle: 记录 {n}\n---\n\n{page.content}"
            for n, page in zip(range(MKDOCS_SAMPLE), render_records(model))
        }
        _, mkdocs_seconds = mkdocs_site(work / "mkdocs", sample)
        mkdocs_rate = len(sample) / mkdocs_seconds
        print(f"{'':>8}          MkDocs sample: {len(sample)} pages in {mkdocs_seconds:.1f} s = "
              f"{mkdocs_rate:,.1f} pages/s; ratio {record_rate / mkdocs_rate:,.0f}x "
              f"(with {WORKERS} processes; MkDocs uses one)")
        if full:
            command = [sys.executable, "-m", "generator", "build", str(work / "data"),
                       "--out", str(work / "site-full"), "--no-progress"]
            timed = ["/usr/bin/time", "-f", "%e %M"] if Path("/usr/bin/time").exists() else []
            start = time.perf_counter()
            done = subprocess.run(timed + command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            peak = done.stderr.strip().splitlines()[-1].split()[-1] if timed else "?"
            peak_text = f"{int(peak) / 1024:,.0f} MiB" if peak.isdigit() else "unknown"
            print(f"{'':>8}          whole gongkai build: {seconds:.1f} s, peak RSS {peak_text}, "
                  f"exit {done.returncode} ({EXIT_MEANING.get(done.returncode, '失败 / failed')})")


EXIT_MEANING = {
    0: "全部行有效 / every row valid",
    1: "已生成，有行被隔离（合成数据含演示的预置错误）/ built, planted errors quarantined",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, action="append", help="corpus size (repeatable)")
    parser.add_argument("--no-full", action="store_true", help="skip the whole-build timing")
    arguments = parser.parse_args()
    for size in arguments.results or [10_000]:
        bench(size, full=not arguments.no_full)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
