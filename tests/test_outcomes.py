"""Several outcomes per check, as the platform records them (issue 12, parts 1–3).

The platform stores a check's result codes as a list (``1,6`` / ``B,E``) and exports them
joined with ``；``, ``;`` or ``，``, often with a trailing separator. No such row may be lost.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from generator.build import build_site
from generator.core.schemas import SCHEMA_DIR, load_outcomes, normalise_value_key
from generator.validate.folder import validate_folder

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data"
VOCABULARY = yaml.safe_load((SCHEMA_DIR / "vocabulary" / "outcomes.yml").read_text("utf-8"))
WORDINGS = sorted({w for e in VOCABULARY for w in (e["outcome"], *e.get("variants", []))})
CODE_OF = {normalise_value_key(w): o.code for w, o in load_outcomes().items()}
SEPARATORS = ["；", ";", "，", ",", "\n"]
ITEMS = ["企业公示信息抽查", "登记事项检查", "广告发布检查", "产品质量检查", "价格行为检查"]
HEADERS = ["抽查任务编号", "抽查任务名称", "检查实施机关", "企业名称", "统一社会信用代码/注册号",
           "检查事项", "抽查结果", "检查完成日期", "公示日期"]  # fmt: skip


def _code(n: int) -> str:
    body = f"91140902MA0{n:06d}"
    return body + uscc.calc_check_digit(body)


def _write(folder: Path, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "结果公示.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["2024年双随机抽查结果公示"] + [""] * (len(HEADERS) - 1))  # title row
        writer.writerow(HEADERS)
        writer.writerows(rows)


def _row(n: int, items: list[str], outcomes: str) -> list[str]:
    return ["T-2024-01", "2024年企业公示信息抽查", "示例县市场监督管理局", f"示例县第{n}商贸有限公司",
            _code(n), "；".join(items), outcomes, "2024-05-06", "2024-05-20"]  # fmt: skip


joined = st.tuples(
    st.lists(st.sampled_from(WORDINGS), min_size=1, max_size=7),
    st.lists(st.sampled_from(SEPARATORS), min_size=6, max_size=6),
    st.booleans(),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(joined, st.integers(1, 4)), min_size=1, max_size=4))
def test_any_joined_combination_of_valid_wordings_is_never_quarantined(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("joined")
    written, expected = [], []
    for n, ((wordings, separators, trailing), item_count) in enumerate(rows, start=1):
        text = "".join(w + separators[i % 6] for i, w in enumerate(wordings))
        text = text if trailing else text.rstrip("".join(SEPARATORS))
        items = ITEMS[:item_count]
        written.append(_row(n, items, text))
        expected.append((items, [CODE_OF[normalise_value_key(w)] for w in wordings]))
    _write(folder, written)
    report = validate_folder(folder)
    assert report.total("quarantined") == 0, [i.to_dict() for i in report.errors]
    results = report.public_tables()["results"]
    assert len(results) == sum(len(items) for items, _ in expected)
    for n, (items, codes) in enumerate(expected, start=1):
        mine = [r for r in results if r["uscc"] == _code(n)]
        assert sorted(r["item"] for r in mine) == sorted(items)
        whole = len(items) > 1 and len(codes) > 1 and len(codes) != len(items)
        for record in mine:
            got = record["outcome_code"].split("；")
            assert got == sorted(set(got)), "codes are distinct, in code order"
            if len(items) == 1 or whole:
                assert got == sorted(set(codes))
            elif len(codes) == 1:
                assert got == codes
            else:
                assert got == [codes[items.index(record["item"])]]
            assert record["outcome_mapping"] == ("整体" if whole else "逐项")
        if whole:
            assert any(w.code == "outcomes-for-whole-check" and w.row == n + 2 for w in report.warnings)


def test_reordered_and_reseparated_outcomes_are_the_same_record(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    _write(one, [_row(1, ["企业公示信息抽查"], "未按规定公示应当公示的信息；发现问题经责令已改正；")])
    _write(two, [_row(1, ["企业公示信息抽查"], "发现问题已责令改正,未按规定公示年报信息")])
    first, second = (validate_folder(f).public_tables()["results"] for f in (one, two))
    fields = ("result_id", "outcome", "outcome_code", "outcome_mapping")
    assert [{k: r[k] for k in fields} for r in first] == [{k: r[k] for k in fields} for r in second]
    assert first[0]["outcome"] == "未按规定公示应当公示的信息；发现问题已责令改正"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The demo with a 结果公示 export of joined outcomes for three new firms of a demo task."""
    data = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DEMO, data)
    task = ["140902202403201004", "2024年歌舞娱乐场所双随机抽查（第1批）", "示例县文化和旅游局"]
    rows = [
        [*task, "示例县多结果娱乐有限公司", _code(901), "娱乐场所经营许可情况的检查",
         "未按规定公示应当公示的信息；发现问题经责令已改正；", "2024-04-27", "2024-05-16"],
        [*task, "示例县两项两果娱乐有限公司", _code(902),
         "娱乐场所经营许可情况的检查；娱乐场所接纳未成年人情况的检查",
         "未发现问题；发现问题已责令改正", "2024-04-27", "2024-05-16"],
        [*task, "示例县整体结果娱乐有限公司", _code(903),
         "娱乐场所经营许可情况的检查；娱乐场所接纳未成年人情况的检查；娱乐场所消防安全检查",
         "未按规定公示应当公示的信息，发现问题已责令改正，", "2024-04-27", "2024-05-16"],
    ]  # fmt: skip
    with (data / "exports" / "结果公示_多结果.csv").open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["2024年双随机抽查结果公示"] + [""] * 8)
        writer.writerow(["抽查任务编号", "抽查任务名称", "检查实施机关", "企业名称", "统一社会信用代码/注册号",
                         "检查事项", "抽查结果", "检查完成日期", "公示日期"])  # fmt: skip
        writer.writerows(rows)
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(data, out)
    return out


@pytest.mark.slow
def test_every_outcome_reaches_the_page_and_the_downloads(site: Path) -> None:
    both = "未按规定公示应当公示的信息；发现问题已责令改正"
    page = (site / "enterprise" / _code(901) / "index.html").read_text("utf-8")
    assert "未按规定公示应当公示的信息" in page and "发现问题已责令改正" in page
    with (site / "data" / "results.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {(r["uscc"], r["item"]): r for r in csv.DictReader(handle)}
    first = rows[(_code(901), "娱乐场所经营许可情况的检查")]
    assert (first["outcome"], first["outcome_code"], first["outcome_mapping"]) == (both, "02；07", "逐项")
    paired = [rows[(_code(902), i)]["outcome"] for i in
              ("娱乐场所经营许可情况的检查", "娱乐场所接纳未成年人情况的检查")]
    assert paired == ["未发现问题", "发现问题已责令改正"]
    whole = [r for (code, _), r in rows.items() if code == _code(903)]
    assert len(whole) == 3 and {(r["outcome"], r["outcome_mapping"]) for r in whole} == {(both, "整体")}
    records = json.loads((site / "data" / "results.json").read_text("utf-8"))
    assert sum(r["uscc"] == _code(903) for r in records) == 3
    report = json.loads((site / "data" / "quality_report.json").read_text("utf-8"))
    assert any(w["code"] == "outcomes-for-whole-check" for w in report["warnings"])
    assert report["rows_in"] == report["rows_published"] + report["rows_quarantined"] + report["rows_withheld"]


@pytest.mark.slow
def test_the_published_data_package_still_validates(site: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", "datapackage.json"],
        cwd=site / "data", capture_output=True, text=True, check=False,
    )
    assert json.loads(done.stdout)["valid"], done.stdout[-2000:]


@pytest.mark.slow
def test_a_check_with_a_problem_among_its_outcomes_counts_as_a_problem(site: Path) -> None:
    with (site / "data" / "statistics.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle))  # the figures are there
    page = (site / "statistics" / "index.html").read_text("utf-8")
    assert "任一检查结果属于发现问题" in page


def test_firms_of_joined_outcome_rows_are_searchable(tmp_path):
    from generator.model.entities import build_model
    from generator.publish.site.search import search_records

    _write(tmp_path, [
        _row(1, ["企业公示信息抽查"], "未按规定公示应当公示的信息；发现问题经责令已改正；"),
        _row(2, ["企业公示信息抽查", "登记事项检查", "广告发布检查"], "未发现问题;发现问题已责令改正;"),
    ])  # fmt: skip
    report = validate_folder(tmp_path)
    model = build_model(report.public_tables(), report.data_as_of)
    titles = {r.title: r for r in search_records(model)}
    for n in (1, 2):
        assert f"示例县第{n}商贸有限公司" in titles
    assert model.enterprises[_code(1)].results[0]["problem"] is True
