"""Benchmark a build onto a full disk: exit 2, a Chinese message, the previous site intact.

Builds the demo data once on the normal disk, then for each amount of free space mounts a
small tmpfs (``mount -t tmpfs -o size=…``: run as root, or in a container allowed to mount)
holding that site plus the free space, and rebuilds the demo without one export into it, so
the disk fills at a different stage each time (downloads, MkDocs, record pages, search). Each
build must exit 2 with ``错误：`` and ``磁盘空间不足`` on stderr and no traceback, name its log file, leave
the previous site whole (every file of its manifest, with its hash) and no temporary folder;
with the space freed, the next build must publish.

    sudo .venv/bin/python benchmarks/full_disk.py
    sudo .venv/bin/python benchmarks/full_disk.py --free 1 8 30
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DROPPED = "检查结果_文旅局_2024.csv"
MANIFEST = "gongkai-manifest.json"


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _build(data: Path, site: Path, env: dict[str, str]) -> tuple[int, str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(data), "--out", str(site), "--no-progress"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def _whole(site: Path, manifest: bytes) -> bool:
    """Whether ``site`` is the build whose manifest is ``manifest``, every file with its hash."""
    if not (site / MANIFEST).is_file() or (site / MANIFEST).read_bytes() != manifest:
        return False
    files = json.loads(manifest)["files"]
    return all(
        (site / p).is_file() and hashlib.sha256((site / p).read_bytes()).hexdigest() == d
        for p, d in files.items()
    )


def _failed_at(log: Path) -> str:
    """The deepest gongkai frame of the first (root) traceback in ``log``."""
    first = log.read_text(encoding="utf-8").split("The above exception")[0]
    frames = re.findall(r'generator/(\S+)\.py", line \d+, in (\w+)', first)
    return f"{frames[-1][0].replace('/', '.')}.{frames[-1][1]}" if frames else "?"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _mount(point: Path, size: int) -> None:
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(
            f"cannot mount a tmpfs ({done.stderr.strip()}): run as root, or in a container "
            "allowed to mount (a loop device needs the same right)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--free", type=float, nargs="+", default=[0, 1, 4, 8, 12, 16, 20, 26, 30, 33],
                        help="MiB free beside the previous site, one build each")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gongkai-disk-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(work / "state")}
    env.pop("SOURCE_DATE_EPOCH", None)
    failures = 0
    try:
        old_data, new_data = work / "data-old", work / "data-new"
        shutil.copytree(ROOT / "data", old_data)
        shutil.copytree(ROOT / "data", new_data)
        (new_data / "exports" / DROPPED).unlink()
        reference = work / "reference" / "site"
        code, _, seconds = _build(old_data, reference, env)
        manifest = (reference / MANIFEST).read_bytes()
        used = _size(reference)
        print(f"previous site: {used / 2**20:.1f} MiB, built in {seconds:.1f} s (load {_load()})")
        print(f"{'free MiB':>8} {'exit':>4} {'s':>5}  {'disk-full msg':<13} {'traceback':<9} "
              f"{'old intact':<10} {'temp left':<9} {'log':<3} {'then':<6}  failed in")  # fmt: skip
        for free in args.free:
            point = work / f"disk-{free:g}"
            # tmpfs counts whole pages per file: give the copy its pages, then the free space.
            _mount(point, used + 4096 * len(list(reference.rglob("*"))) + int(free * 2**20))
            try:
                site = point / "site"
                shutil.copytree(reference, site)
                code, output, seconds = _build(new_data, site, env)
                log = re.search(r"详细信息已写入日志：(\S+)", output)
                checks = {
                    "message": output.startswith("错误：") and "磁盘空间不足" in output,
                    "no traceback": "Traceback" not in output,
                    "intact": _whole(site, manifest),
                    "no temp": sorted(p.name for p in point.iterdir()) == ["site"],
                    "log": bool(log and Path(log[1]).is_file()),
                }
                where = _failed_at(Path(log[1])) if checks["log"] else "?"
                shutil.rmtree(site)  # space freed: the next build must publish
                after, _, _ = _build(new_data, site, env)
            finally:
                subprocess.run(["umount", str(point)], check=False)
            ok = code == 2 and all(checks.values()) and after in (0, 1)
            failures += not ok
            print(f"{free:>8g} {code:>4} {seconds:>5.1f}  {checks['message']!s:<13} "
                  f"{not checks['no traceback']!s:<9} {checks['intact']!s:<10} "
                  f"{not checks['no temp']!s:<9} {checks['log']!s:<3} exit {after}  {where}"
                  + ("" if ok else f"   <- FAILED\n{output[-1500:]}"))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(args.free)} full-disk builds, {failures} failed (load {_load()})")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
