"""Sharded stages: record pages and datasets give the same bytes on one process, on several
forked processes and on a Dask cluster (a real ``LocalCluster`` of worker processes)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import DATA_DIR

from generator.build import build_site
from generator.core import shards
from generator.core.errors import ConfigError
from generator.model.entities import build_model
from generator.publish.data import feeds
from generator.publish.data.datasets import LANES, write_datasets
from generator.publish.data.downloads import OpenDataSettings
from generator.publish.site.records import ENTERPRISES_PER_SHARD, record_shards
from generator.validate.folder import validate_folder

SETTINGS = OpenDataSettings(title="测试", publisher="测试局")


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def model():
    report = validate_folder(DATA_DIR)
    return build_model(report.public_tables(), report.data_as_of)


def test_datasets_are_the_same_bytes_on_two_processes(model, tmp_path):
    one = write_datasets(model, tmp_path / "one", SETTINGS, workers=1)
    two = write_datasets(model, tmp_path / "two", SETTINGS, workers=2)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert one.version == two.version
    assert {d.path for d in two.downloads} >= {"results.xlsx", "gongkai.sqlite", "results.csv"}
    assert not list(tmp_path.glob("*/.*")), "no scratch folder is left in the downloads"


def test_feeds_are_the_same_bytes_on_two_processes(model, tmp_path, monkeypatch):
    monkeypatch.setattr(feeds, "ENTERPRISE_FEEDS_PER_SHARD", 50)  # the demo's firms in 15 shards
    one = feeds.write_feeds(model, tmp_path / "one", site_url="https://example.org/", workers=1)
    two = feeds.write_feeds(model, tmp_path / "two", site_url="https://example.org/", workers=2)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert one.to_dict() == two.to_dict() and one.enterprise_feeds == len(model.enterprises) > 50


def test_record_shards_cover_every_enterprise_once_by_region(model, monkeypatch):
    from generator.publish.site import records

    monkeypatch.setattr(records, "ENTERPRISES_PER_SHARD", 7)
    shards_ = record_shards(model)
    keys = [key for shard in shards_ for key in shard.keys]
    assert sorted(keys) == sorted(model.enterprises)
    enterprise_shards = [s for s in shards_ if s.kind == "enterprise"]
    assert all(0 < len(s.keys) <= 7 for s in enterprise_shards)
    for shard in enterprise_shards:  # one region per shard
        assert {model.enterprises[k].region_code or "" for k in shard.keys} == {shard.region}
    others = [s.kind for s in shards_[len(enterprise_shards) :]]
    assert others == ["task", "plan", "item", "withdrawn"]
    assert ENTERPRISES_PER_SHARD >= 1000  # the real size keeps shards few


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.mark.slow
def test_a_dask_cluster_build_is_byte_identical_to_a_local_one(cluster, demo_site, tmp_path):
    site = tmp_path / "site"
    report = build_site(DATA_DIR, site, scheduler=cluster)
    assert report == demo_site[1]
    local, remote = files(demo_site[0]), files(site)
    assert sorted(local) == sorted(remote)
    different = [path for path in local if local[path] != remote[path]]
    assert different == []
    assert len([p for p in remote if p.startswith("enterprise/")]) > 100


def test_datasets_on_a_dask_cluster_match_local_processes(model, cluster, tmp_path):
    write_datasets(model, tmp_path / "local", SETTINGS, workers=2)
    write_datasets(model, tmp_path / "dask", SETTINGS, scheduler=cluster)
    assert files(tmp_path / "local") == files(tmp_path / "dask")
    assert len(LANES) == 5


def test_an_unreachable_scheduler_is_a_clear_error(model, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(shards, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(ConfigError, match="无法连接 Dask 调度器 tcp://127.0.0.1:9"):
        write_datasets(model, tmp_path / "d", SETTINGS, scheduler="tcp://127.0.0.1:9")


def test_validation_in_chunks_on_two_processes_reports_the_same(monkeypatch, tmp_path):
    from generator.validate import checks

    whole = validate_folder(DATA_DIR).to_dict()
    monkeypatch.setattr(checks, "VALIDATE_CHUNK", 37)  # many chunks, some errors in each
    chunked = validate_folder(DATA_DIR).to_dict()
    assert chunked == whole
    assert whole["rows_quarantined"] > 0


def test_validation_in_chunks_on_a_dask_cluster_reports_the_same(cluster, monkeypatch):
    from generator.validate import checks

    whole = validate_folder(DATA_DIR).to_dict()
    monkeypatch.setattr(checks, "VALIDATE_CHUNK", 37)
    assert validate_folder(DATA_DIR, scheduler=cluster).to_dict() == whole


def test_timings_total_elapsed_time_when_stages_overlap():
    from generator.core.console import StageTime, timings_table

    stages = [
        StageTime("读取与校验", 10, 10, 100, start=0),
        StageTime("搜索索引", 8, 7, 50, start=1),
    ]
    table = timings_table(stages)
    total = next(line.split() for line in table.splitlines() if line.startswith("合计"))
    assert total == ["合计", "10.00", "17.00", "100"]
    assert "同时运行" in table
    alone = timings_table([StageTime("读取与校验", 10, 10, 100, start=0)])
    assert "同时运行" not in alone


_WAITING_BESIDE = """
import os, sys, time
from generator.core.shards import BesideSignal, start_beside

def wait(signal, path):
    with open(path + ".tmp", "w") as handle:
        handle.write(str(os.getpid()))
    os.rename(path + ".tmp", path)
    signal.wait()

signal = BesideSignal()
start_beside(wait, signal, sys.argv[1])
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
os.kill(os.getpid(), 9)  # the build is killed while its search waits for MkDocs' pages
"""


def test_a_call_waiting_beside_a_killed_build_ends_too(tmp_path):
    pid_file = tmp_path / "pid"
    done = subprocess.run([sys.executable, "-c", _WAITING_BESIDE, str(pid_file)], check=False)
    assert done.returncode == -signal.SIGKILL
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 30
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid), "the process beside the killed build is still waiting"


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (an exited one not yet reaped is a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
