"""Benchmark the atomic publish: SIGKILL real builds at random moments, many inside the swap.

Builds the demo data (``data/``, quarantined rows on purpose: exit 1 is normal) and the same
data without one export, so that an old and a new site always differ; then, ``--kills`` times,
starts a build of the other one and SIGKILLs its process group at a seeded random moment:

* ``early``: anywhere in the build (uniform over one build's time);
* ``swap``: once the staged site's manifest is written (the last step before the swap), after
  0–40 ms more: just before, during or just after the swap;
* ``exchange``: the moment the output's manifest changes, i.e. the swap has happened and the
  old site is being removed.

After each kill the output must exist and be a whole site, old or new: every file its
``gongkai-manifest.json`` lists is there with its hash, and the manifest is one of the two
builds'. The next build must clean up what the kill left before it stages its own site, and
every ``--every``-th round a build runs to the end and must leave no temporary folder at all.

``--in-place`` builds each release with ``--previous site --in-place`` (only the changed files
moved into the live site, under a journal): a kill while they move leaves a mix of old and
new files, counted, and the output is checked after the recovery the next build begins with
(``recover_output``): every file the manifest lists with its hash, no file it does not list,
and the manifest the one before the kill (rolled back) or the new one (committed).

``--fallback`` runs every build under ``strace``, which makes ``renameat2`` fail with EINVAL
(as on a system or file system without it) and holds the first of the two renames that then
replace the site for 0.3 s: ``swap`` kills then land between the renames, where the output is
missing, and the next build, run with ``--previous site``, must find it recovered.

    .venv/bin/python benchmarks/kill_publish.py                 # 60 kills
    .venv/bin/python benchmarks/kill_publish.py --kills 100 --seed 7
    .venv/bin/python benchmarks/kill_publish.py --fallback --kills 20
    .venv/bin/python benchmarks/kill_publish.py --in-place
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DROPPED = "检查结果_文旅局_2024.csv"
"""The export the second data folder lacks."""
MANIFEST = "gongkai-manifest.json"
TEMPORARY = re.compile(r"\.site\.([0-9a-f]{8})\.(new|data|old|lock)")


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


STRACE: list[str] = []
"""The prefix that forces the two-rename fallback (``--fallback``)."""
IN_PLACE: list[str] = []
"""The options of an in-place release (``--in-place``)."""
RECOVER = (
    "import sys; from pathlib import Path; from generator.core.swap import recover_output; "
    "recover_output(Path(sys.argv[1]))"
)
"""What a build does first: recover what a killed one left (in place: roll it back)."""


def _command(data: Path, site: Path, *extra: str) -> list[str]:
    gongkai = [sys.executable, "-m", "generator", "build", str(data), "--out", str(site)]
    return [*STRACE, *gongkai, "--no-progress", *IN_PLACE, *extra]


def _strace(site: Path) -> list[str]:
    """strace: renameat2 fails as where it is missing; the rename moving ``site`` away waits."""
    return ["strace", "-f", "--seccomp-bpf", "-qq", "-o", os.devnull, "-P", str(site),
            "-e", "trace=rename,renameat,renameat2", "-e", "inject=renameat2:error=EINVAL",
            "-e", "inject=rename:delay_exit=300000"]  # fmt: skip


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _build(data: Path, site: Path, *extra: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(_command(data, site, *extra), capture_output=True, text=True,
                          env=_env(), check=False)  # fmt: skip
    if done.returncode not in (0, 1):
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def _temporary(site: Path) -> dict[str, set[str]]:
    """The temporary folders and locks beside ``site``, by build token."""
    found: dict[str, set[str]] = {}
    for name in os.listdir(site.parent):
        match = TEMPORARY.fullmatch(name)
        if match:
            found.setdefault(match[1], set()).add(match[2])
    return found


def _whole_site(site: Path, manifests: dict[bytes, str]) -> str | None:
    """Which build ``site`` holds ("A" or "B"), if every file is there with its hash."""
    try:
        manifest = (site / MANIFEST).read_bytes()
    except OSError:
        return None
    for path, digest in json.loads(manifest)["files"].items():
        try:
            if hashlib.sha256((site / path).read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
    if not (site / "index.html").is_file() or not (site / "data/quality_report.json").is_file():
        return None
    return manifests.get(manifest)


def _consistent(site: Path) -> bool:
    """Whether ``site`` holds exactly the files its manifest lists, each with its hash."""
    try:
        listed = json.loads((site / MANIFEST).read_bytes())["files"]
    except (OSError, ValueError, KeyError):
        return False
    found = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    if found != set(listed) | {MANIFEST}:
        return False
    return all(
        hashlib.sha256((site / path).read_bytes()).hexdigest() == digest
        for path, digest in listed.items()
    )


def _data_of(site: Path) -> str:
    """Which data folder an in-place site was last built from: B lacks one export."""
    report = (site / "data/quality_report.json").read_text(encoding="utf-8")
    return "A" if DROPPED in report else "B"


def _in_place_round(site: Path, before: bytes, counts: Counter[str]) -> None:
    """After a kill of an in-place release: what it left, then what recovery makes of it."""
    if not _consistent(site):
        counts["mixed old and new files right after the kill"] += 1
    subprocess.run([sys.executable, "-c", RECOVER, str(site)], env=_env(), check=True)
    if not _consistent(site):
        counts["output incomplete"] += 1
    elif (site / MANIFEST).read_bytes() == before:
        counts["old site after recovery (killed before the commit)"] += 1
    else:
        counts["new site (killed after the commit)"] += 1
    counts["temporary folders after recovery"] += len(_temporary(site))


def _wait_for(condition, process: subprocess.Popen[bytes]) -> bool:
    while not condition():
        if process.poll() is not None:
            return False
        time.sleep(0.001)
    return True


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _kill_one(data: Path, site: Path, mode: str, rng: random.Random, build_time: float) -> float:
    """Start a build and SIGKILL it as ``mode`` says; the seconds it ran."""
    before = _inode(site / MANIFEST)
    start = time.perf_counter()
    process = subprocess.Popen(
        _command(data, site), env=_env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    if mode == "early":
        time.sleep(rng.uniform(0.05, build_time))
    elif mode == "swap" and STRACE:  # between the two renames
        _wait_for(lambda: any(site.parent.glob(".site.*.old")), process)
    elif mode == "swap":
        staged = lambda: any(site.parent.glob(f".site.*.new/{MANIFEST}"))
        if _wait_for(staged, process):
            time.sleep(rng.uniform(0, 0.04))
    else:
        _wait_for(lambda: _inode(site / MANIFEST) != before, process)
    with_kill = process.poll() is None
    if with_kill:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return time.perf_counter() - start if with_kill else -1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--every", type=int, default=10, help="a complete build every N kills")
    parser.add_argument("--fallback", action="store_true", help="force the two renames (strace)")
    parser.add_argument("--in-place", action="store_true", help="releases with --in-place")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="gongkai-kill-"))
    try:
        data = {"A": work / "data-a", "B": work / "data-b"}
        shutil.copytree(ROOT / "data", data["A"])
        shutil.copytree(ROOT / "data", data["B"])
        (data["B"] / "exports" / DROPPED).unlink()
        manifests, build_time = {}, 0.0
        for name, folder in data.items():
            build_time = max(build_time, _build(folder, work / f"ref-{name}" / "site"))
            manifests[(work / f"ref-{name}" / "site" / MANIFEST).read_bytes()] = name
        print(f"reference builds: {build_time:.1f} s each at most (load {_load()})")
        site = work / "out" / "site"
        if args.fallback:
            STRACE.extend(_strace(site))
        _build(data["A"], site)
        if args.in_place:
            # B lacks an export: its rows vanish from A's release, and back (not a mistake here).
            IN_PLACE.extend(["--previous", str(site), "--in-place", "--allow-mass-deletion"])
        counts: Counter[str] = Counter()
        for n in range(args.kills):
            published = _whole_site(site, manifests) if not IN_PLACE else _data_of(site)
            target = "B" if published == "A" else "A"
            mode = rng.choices(["early", "swap", "exchange"], weights=[5, 3, 2])[0]
            left_before = set(_temporary(site))
            before = (site / MANIFEST).read_bytes()
            ran = _kill_one(data[target], site, mode, rng, build_time)
            counts[f"mode {mode}"] += 1
            counts["kills" if ran >= 0 else "finished before the kill"] += 1
            if IN_PLACE:
                _in_place_round(site, before, counts)
            now = _whole_site(site, manifests) if not IN_PLACE else target
            left = _temporary(site)
            if IN_PLACE:
                pass  # counted by _in_place_round
            elif not os.path.lexists(site) and STRACE:
                counts["output missing (killed between the renames)"] += 1
                _build(data[target], site, "--previous", str(site))  # exits 2 if not recovered
                counts["recovered by the next build (--previous site)"] += 1
                left_before, left = set(), {}
            elif not os.path.lexists(site):
                counts["output missing"] += 1
            elif now is None:
                counts["output incomplete"] += 1
            elif now != target:
                counts["old site kept (killed before the swap)"] += 1
            elif set(left) - left_before and any(s - {"lock"} for s in left.values()):
                counts["new site, old being removed (killed inside the swap)"] += 1
            else:
                counts["new site (killed after the swap)"] += 1
            # The build cleans up before staging: once it staged, no earlier folder may remain.
            if set(left) - left_before:
                counts["recoveries checked"] += 1
                counts["stale folders after recovery"] += len(left_before & set(left))
            if (n + 1) % args.every == 0:
                _build(data[target], site)
                counts["complete builds"] += 1
                counts["temporary folders after a complete build"] += len(_temporary(site))
                counts["complete build published the wrong site"] += (
                    (_data_of(site) if IN_PLACE else _whole_site(site, manifests)) != target
                )
        _build(data["A"], site)
        counts["temporary folders after the last build"] = len(_temporary(site))
        if IN_PLACE:  # history carried over: the site is consistent, not a reference build
            counts["last build left an inconsistent site"] = not _consistent(site)
        else:
            counts["last build published the wrong site"] = _whole_site(site, manifests) != "A"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key in sorted(counts):
        print(f"{key:>52}: {int(counts[key])}")
    print(f"total {time.perf_counter() - started:.0f} s (load {_load()})")
    bad = ("output missing", "output incomplete", "stale folders after recovery",
           "temporary folders after recovery", "last build left an inconsistent site")
    if any(counts[k] for k in bad) or counts["temporary folders after the last build"]:
        raise SystemExit("FAILED: the publish was not atomic or left folders behind")


if __name__ == "__main__":
    main()
