"""Personal data typed into free text: found, masked in every output, told to the operator only."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from helpers import DATA_DIR, copy_project

from generator.build import build_site
from generator.core.personal import find_personal_data, id_check_character, mask_personal_data
from generator.publish.site.audit import audit_site

ID_BODY = "14090219850312003"
ID_NUMBER = ID_BODY + id_check_character(ID_BODY)
MOBILE = "+86 139-0351-2468"
LANDLINE = "（0351）2345678"
WIDE_MOBILE = "１３６１２３４５６７８"
RAW = (ID_NUMBER, "13903512468", "139-0351-2468", "2345678", WIDE_MOBILE, "13612345678")
"""What must appear in no output: the numbers as written and as digits."""
RESULTS_FILE = "exports/检查结果_文旅局_2024.csv"


def _gongkai(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *arguments],
        capture_output=True, text=True, check=False, env=dict(os.environ),
    )  # fmt: skip


# Detection


@pytest.mark.parametrize(
    "text,kinds",
    [
        (f"经营者身份证号{ID_NUMBER}。", ["身份证号"]),
        (f"身份证 {ID_NUMBER[:-1]}{'x' if ID_NUMBER[-1] == 'X' else ID_NUMBER[-1]}", ["身份证号"]),
        ("老身份证 110105490101002", ["身份证号"]),
        (f"联系电话：{MOBILE}", ["手机号"]),
        (f"手机{WIDE_MOBILE}，座机{LANDLINE}", ["手机号", "固定电话"]),
        ("电话 010-82345678 或 029 88886666", ["固定电话", "固定电话"]),
    ],
)
def test_personal_data_in_free_text_is_found(text: str, kinds: list[str]) -> None:
    assert [hit.kind for hit in find_personal_data(text)] == kinds


@pytest.mark.parametrize(
    "text",
    [
        ID_BODY + ("0" if ID_NUMBER[-1] != "0" else "1"),  # wrong check character
        "统一社会信用代码 91140902MA05TE4N15，注册号 140902000062680",
        "911409021618799682",  # an all-digit credit code
        "任务 GK-140902202411041039-D，计划 14090220240009",
        "检查日期 2024-03-25，20240325，罚款 13000 元，比例 0.13812345678",
        "客服 400-123-4567，800-820-8820，12345，95588",
        "哈希 0872b349809536c1aca3654df2d324ab13812345678cdfc",
        "编号 138123456789012",  # digits inside a longer run
        "电话 0000-0000000（演示）",
    ],
)
def test_codes_dates_amounts_and_service_numbers_are_not_personal(text: str) -> None:
    assert find_personal_data(text) == []


def test_masks_keep_the_portal_convention() -> None:
    masked, _ = mask_personal_data(f"{ID_NUMBER}；{MOBILE}；{LANDLINE}；{WIDE_MOBILE}")
    assert masked == (
        f"140***********{ID_NUMBER[-4:]}；+86 139-****-2468；（0351）***5678；１３６****５６７８"
    )


# A build of the demo with personal data planted in 发现问题情况 and 备注


def _plant(data_dir: Path) -> None:
    path = data_dir / RESULTS_FILE
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[0] += ["发现问题情况", "备注"]
    for row in rows[1:]:
        row += ["", ""]
    rows[1][-2] = f"经营者（身份证号 {ID_NUMBER}）未亮证经营"
    rows[2][-1] = f"已电话联系 {MOBILE}，座机{LANDLINE}"
    rows[3][-1] = f"回访电话{WIDE_MOBILE}"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, Path, dict, str]:
    """(data folder, built site, the build's report, the build's standard error)."""
    folder = tmp_path_factory.mktemp("planted")
    data_dir = folder / "data"
    shutil.copytree(DATA_DIR, data_dir)
    _plant(data_dir)
    site = folder / "site"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        report = build_site(data_dir, site, config_file=copy_project(folder))
    return data_dir, site, report, stderr.getvalue()


def _no_raw(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def test_downloads_carry_only_the_masked_text(planted) -> None:
    _, site, _, _ = planted
    data = site / "data"
    for name in ("results.csv", "results.json", "quality_report.json", "changes.json"):
        _no_raw((data / name).read_text(encoding="utf-8-sig"))
    results = list(csv.DictReader(io.StringIO((data / "results.csv").read_text("utf-8-sig"))))
    findings = {r["findings"] for r in results} | {r["note"] for r in results}
    assert f"经营者（身份证号 140***********{ID_NUMBER[-4:]}）未亮证经营" in findings
    assert "已电话联系 +86 139-****-2468，座机（0351）***5678" in findings
    assert "回访电话１３６****５６７８" in findings
    book = openpyxl.load_workbook(data / "results.xlsx", read_only=True)
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    _no_raw("\n".join(cells))
    assert any("140***********" in c for c in cells)
    parquet = pq.read_table(data / "results.parquet").to_pydict()
    _no_raw(json.dumps(parquet, ensure_ascii=False, default=str))
    assert any("+86 139-****-2468" in (v or "") for v in parquet["note"])
    with contextlib.closing(sqlite3.connect(data / "gongkai.sqlite")) as db:
        notes = [row[0] for row in db.execute("SELECT note FROM results WHERE note IS NOT NULL")]
    assert "回访电话１３６****５６７８" in notes
    _no_raw("\n".join(notes))


def test_no_page_feed_or_index_carries_the_numbers(planted) -> None:
    _, site, _, _ = planted
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".atom", ".xml", ".txt", ".csv", ".ttl"):
            _no_raw(path.read_text(encoding="utf-8"))
    assert audit_site(site).findings == []  # every file, the search index and databases too


def test_the_operator_is_told_where_the_public_only_how_many(planted) -> None:
    _, site, report, stderr = planted
    masked = [w for w in report["warnings"] if w["code"] == "personal-data-masked"]
    assert [(w["file"], w["row"], w["column"]) for w in masked] == [
        (RESULTS_FILE, 2, "发现问题情况"),
        (RESULTS_FILE, 3, "备注"),
        (RESULTS_FILE, 4, "备注"),
    ]
    assert "身份证号 1 处" in masked[0]["message"]
    assert "手机号 1 处、固定电话 1 处" in masked[1]["message"]
    assert "第 3 行「备注」中有个人信息" in stderr
    _no_raw(stderr)
    published = json.loads((site / "data" / "quality_report.json").read_text("utf-8"))
    assert published["masked_values"] == 3
    assert "personal-data-masked" not in json.dumps(published)
    quality = (site / "quality" / "index.html").read_text("utf-8")
    assert "有 3 处备注、问题描述等文字中写有身份证号或电话号码" in quality
    assert "138****5678" in quality and "「备注」中有个人信息" not in quality
    # A masked row is still published: the accounting is the demo's.
    assert published["rows_published"] == report["rows_published"]
    assert (report["rows_in"], report["rows_quarantined"]) == (3776, 18)


def test_validate_lists_masked_cells_without_the_numbers(planted) -> None:
    data_dir = planted[0]
    done = _gongkai("validate", str(data_dir), "--json")
    warnings = json.loads(done.stdout)["warnings"]
    listed = {
        (w["file"], w["row"], w["column"]) for w in warnings if w["code"] == "personal-data-masked"
    }
    assert (RESULTS_FILE, 2, "发现问题情况") in listed and len(listed) == 3
    text = _gongkai("validate", str(data_dir))
    assert (
        f"[personal-data-masked] {RESULTS_FILE}：第 2 行「发现问题情况」中有个人信息（身份证号 1 处）"
        in text.stdout
    )
    _no_raw(done.stdout + text.stdout + text.stderr)


def test_demo_data_has_no_personal_data_in_free_text(demo_site) -> None:
    _, report = demo_site
    assert not [w for w in report["warnings"] if w["code"] == "personal-data-masked"]
    assert "masked_values" not in json.loads(
        (demo_site[0] / "data/quality_report.json").read_text()
    )
