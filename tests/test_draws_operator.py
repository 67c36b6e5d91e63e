"""A draw run as an operator would: bad inputs give Chinese errors, real export wording works.

Found by running ``gongkai draw`` on a population export that the demo generator did not
make (GBK CSV and XLSX with a title row, wording variants, gsxt status wording, 15-digit
注册号, lowercase codes typed by a citizen, a relative ``--out`` for ``gongkai build``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import valid_code

from generator import verify_draw as vd
from generator.build import publish_site
from generator.cli import cli

COMMITTED_AT = "2026-06-01T09:00:00+08:00"
REVEAL_BY = "2026-06-02T18:00:00+08:00"
HEADER = ["企业名称", "注册号/统一社会信用代码", "市场主体类型", "经营状态", "信用风险分类"]


def _round_after(moment: str) -> int:
    return (int(vd.dt.datetime.fromisoformat(moment).timestamp()) - 1595431050) // 30 + 2


ROUND = _round_after("2026-06-01T10:00:00+08:00")


def _population(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(n: int = 60) -> list[list[str]]:
    classes = ["A类", "低风险", "一般风险", "B", "C类", "高风险"]
    return [[f"杭州市西湖区{k}号小店", valid_code(k), "个体户" if k % 2 else "企业", "存续（在营、开业、在册）",
             classes[k % len(classes)]] for k in range(n)]


def _commit(tmp_path: Path, task: str, population: Path, *extra: str) -> tuple[int, str, Path]:
    (tmp_path / "task.yml").write_text(task, encoding="utf-8")
    (tmp_path / "secret.key").write_bytes(b"operator-test-secret-0123456789")
    out = tmp_path / "draw"
    result = CliRunner().invoke(cli, [
        "draw", "commit", "--task", str(tmp_path / "task.yml"), "--population", str(population),
        "--secret-file", str(tmp_path / "secret.key"), "--at", COMMITTED_AT, "--reveal-by", REVEAL_BY,
        "--out", str(out), *(extra or ("--drand-round", str(ROUND)))])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output, out


TASK = 'task_id: "330106202606010001"\ndraw_id: GK-1-D\n'


def test_relative_out_folder_builds_where_the_operator_is(project_copy, tmp_path, monkeypatch) -> None:
    """`gongkai build data --out site` from any folder: the site lands in ./site, and no
    half-built folder is left next to mkdocs.yml (MkDocs reads a relative site_dir against
    its config file's folder)."""
    from test_build import _report

    work = tmp_path / "operator"
    work.mkdir()
    monkeypatch.chdir(work)
    publish_site(_report(), Path("site"), config_file=project_copy)
    assert (work / "site" / "index.html").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["site"]
    assert not [p.name for p in project_copy.parent.iterdir() if p.name.startswith(".site")]
