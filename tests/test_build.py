"""Tests for generator.build: row balance, output-folder safety, atomic publish, serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from generator.build import (
    PROJECT_DIR,
    REPORT_PATH,
    _check_out_dir,
    check_balance,
    publish_site,
)
from generator.core.errors import BuildAbort, ConfigError
from generator.publish.site.preview import create_server, serve_site

COUNTS = {"rows_in": 5, "rows_published": 3, "rows_quarantined": 1, "rows_withheld": 1}


def _report(**changes: object) -> dict:
    report = {
        **COUNTS,
        "records": {"results": 3},
        "data_as_of": "2024-12-20",
        "files": [
            {
                "path": "exports/a.csv",
                "kind": "results",
                "kind_title": "检查结果",
                "format": "csv",
                "encoding": "utf-8-sig",
                **COUNTS,
            }
        ],
        "errors": [],
        "warnings": [],
        "conflicts": [],
    }
    report.update(changes)
    return report


def test_balanced_report_passes():
    check_balance(_report())


@pytest.mark.parametrize(
    "report",
    [
        _report(rows_in=6),
        _report(files=[{**_report()["files"][0], "rows_withheld": 0}]),
    ],
    ids=["total", "per-file"],
)
def test_unbalanced_report_aborts(report):
    with pytest.raises(BuildAbort, match="行数不平衡"):
        check_balance(report)


@pytest.mark.parametrize(
    "out",
    [
        lambda data: data,
        lambda data: data / "site",
        lambda data: data.parent,
        lambda data: PROJECT_DIR,
        lambda data: PROJECT_DIR.parent,
    ],
    ids=["data", "inside-data", "holds-data", "project", "holds-project"],
)
def test_out_dir_that_would_destroy_inputs_is_refused(tmp_path, out):
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(ConfigError):
        _check_out_dir(out(data), inputs=(data, PROJECT_DIR), inside=(data,))


def test_non_empty_foreign_out_dir_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("别删我", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是 gongkai 生成的网站"):
        _check_out_dir(tmp_path, inputs=(), inside=())
    (tmp_path / REPORT_PATH).parent.mkdir()
    (tmp_path / REPORT_PATH).write_text("{}", encoding="utf-8")
    _check_out_dir(tmp_path, inputs=(), inside=())  # an earlier build: fine to replace


def test_publish_replaces_the_site_and_leaves_nothing_behind(project_copy, tmp_path):
    site = tmp_path / "out" / "site"
    publish_site(_report(), site, config_file=project_copy)
    (site / "stale.html").write_text("旧文件", encoding="utf-8")

    publish_site(_report(data_as_of="2024-12-31"), site, config_file=project_copy)

    assert not (site / "stale.html").exists()
    assert "2024-12-31" in (site / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]
    assert (site / REPORT_PATH).read_text(encoding="utf-8").startswith('{\n  "conflicts": []')


@pytest.mark.parametrize(
    ("env", "expected"),
    [(None, 1734652800), ("86400", 86400)],  # 2024-12-20T00:00Z from the data, or the variable
    ids=["data-date", "SOURCE_DATE_EPOCH"],
)
def test_build_date_comes_from_the_data_or_source_date_epoch(
    project_copy, tmp_path, monkeypatch, env, expected
):
    if env is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", env)
    # The sitemap (written only with site_url) is gzipped with the build date in its header.
    config = project_copy.read_text(encoding="utf-8").replace("# site_url:", "site_url:", 1)
    project_copy.write_text(config, encoding="utf-8")
    publish_site(_report(), tmp_path / "site", config_file=project_copy)
    header = (tmp_path / "site" / "sitemap.xml.gz").read_bytes()[:10]
    assert int.from_bytes(header[4:8], "little") == expected
    assert os.environ.get("SOURCE_DATE_EPOCH") == env  # set for the build only


def test_failed_build_keeps_the_old_site(project_copy, tmp_path):
    site = tmp_path / "site"
    publish_site(_report(), site, config_file=project_copy)
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    # A broken link is a warning, and the build is strict.
    (project_copy.parent / "site_src" / "about.md").write_text(
        "[坏链接](missing.md)\n", encoding="utf-8"
    )

    with pytest.raises(BuildAbort, match="网站生成失败"):
        publish_site(_report(), site, config_file=project_copy)

    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_server_serves_the_folder(tmp_path):
    (tmp_path / "index.html").write_text("<h1>你好</h1>", encoding="utf-8")
    with create_server(tmp_path, port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert "你好" in _get(f"http://127.0.0.1:{server.server_port}/")
        finally:
            server.shutdown()


def test_serve_site_prints_its_address_and_serves(tmp_path):
    (tmp_path / "index.html").write_text("<h1>你好</h1>", encoding="utf-8")
    port = _free_port()
    code = (
        "from pathlib import Path; from generator.publish.site.preview import serve_site; "
        f"serve_site(Path({str(tmp_path)!r}), port={port})"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    try:
        line = proc.stdout.readline()
        assert line == f"正在预览：http://127.0.0.1:{port}/ （按 Ctrl+C 停止）\n"
        assert "你好" in _get(f"http://127.0.0.1:{port}/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_site_needs_a_folder(tmp_path):
    with pytest.raises(ConfigError, match="gongkai build"):
        serve_site(tmp_path / "missing")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    """GET a loopback URL, ignoring any proxy settings."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read().decode("utf-8")
