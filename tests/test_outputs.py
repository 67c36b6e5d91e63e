"""Files written through ``core.outputs``: on disk and hashed when a stage ends, by whichever
process wrote them, and a failed write is an error of the stage."""

from __future__ import annotations

import hashlib

import pytest

from generator.core.outputs import Outputs
from generator.core.shards import run_shards


def write_many(count: int, job: int, emit) -> int:
    """A shard writing ``count`` pages (module-level: forked workers run it)."""
    for n in range(count):
        emit(f"shard{job}/{n}/index.html", f"{job}:{n}".encode())
    return count


@pytest.mark.parametrize("workers", [1, 2])
def test_every_file_is_on_disk_and_hashed_when_the_stage_ends(tmp_path, workers):
    count = 400
    outputs = Outputs(tmp_path / "site")
    assert run_shards(write_many, count, [0, 1], outputs, workers=workers) == [count, count]
    files = sorted((tmp_path / "site").rglob("index.html"))
    assert len(files) == 2 * count
    assert len(outputs.written.hashes) == 2 * count
    for path in files[:: count // 7]:
        relative = path.relative_to(tmp_path / "site").as_posix()
        assert outputs.written.hashes[relative] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_write_fails_the_stage(tmp_path):
    blocker = tmp_path / "site"
    blocker.write_text("a file where the site folder should be", encoding="utf-8")
    with pytest.raises(OSError):
        run_shards(write_many, 3, [0], Outputs(blocker), workers=1)
    with pytest.raises(OSError):
        run_shards(write_many, 3, [0, 1], Outputs(blocker), workers=2)
