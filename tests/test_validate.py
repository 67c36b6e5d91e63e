"""Folder-level validation: derived tasks, allowlist, withheld rows, order independence."""

from __future__ import annotations

import shutil
from pathlib import Path

from stdnum.cn import uscc

from generator.validate.folder import validate_folder

HEADER = "抽查计划编号,抽查计划名称,抽查任务编号,抽查任务名称,抽查类型,检查实施机关,企业名称,统一社会信用代码,检查事项,检查结果,检查完成日期,公示状态,信用风险分类\n"


def _code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


GOOD_A = _code("91140902MA0K12345")
GOOD_B = _code("92140902MA0K54321")


def _write(folder: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _row(task: str, code: str, outcome: str = "未发现问题", status: str = "公示", name: str = "甲公司") -> str:
    return f"P1,计划一,{task},任务{task},定向抽查,示例县市场监督管理局,{name},{code},事项甲,{outcome},2024-05-06,{status},C"


def test_tasks_and_plans_are_derived_from_result_columns(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", [_row("T1", GOOD_A), _row("T2", GOOD_B)])
    report = validate_folder(tmp_path)
    tasks = {t["task_id"]: t for t in report.tables["tasks"]}
    assert set(tasks) == {"T1", "T2"}
    assert tasks["T1"]["name"] == "任务T1"
    assert tasks["T1"]["check_type"] == "定向"
    assert tasks["T1"]["lead_department"] == "示例县市场监督管理局"
    assert [p["plan_id"] for p in report.tables["plans"]] == ["P1"]
    assert report.to_dict()["derived_records"] == {"tasks": 2, "plans": 1}


def test_results_without_plan_columns_take_their_tasks_plan(tmp_path: Path) -> None:
    # A department's export has no 抽查计划编号 / 抽查类型 column; another file names the plan.
    _write(tmp_path, "a.csv", [_row("T1", GOOD_A)])
    _write(tmp_path, "b.csv", ["T1,示例县市场监督管理局,乙店," + GOOD_B + ",事项甲,未发现问题,2024-05-07"],
           header="抽查任务编号,检查实施机关,企业名称,统一社会信用代码,检查事项,检查结果,检查完成日期\n")
    report = validate_folder(tmp_path)
    results = {r["uscc"]: r for r in report.public_tables()["results"]}
    fields = ("plan_id", "plan_name", "task_name", "check_type")
    assert [results[GOOD_B][f] for f in fields] == ["P1", "计划一", "任务T1", "定向"]
    assert [results[GOOD_A][f] for f in fields] == [results[GOOD_B][f] for f in fields]


def test_sole_traders_and_cooperatives_get_their_type_from_the_code(tmp_path: Path) -> None:
    coop = _code("93140902MA0K11111")
    header = HEADER.replace(",信用风险分类\n", ",主体类型\n")
    _write(tmp_path, "r.csv", [
        _row("T1", GOOD_A).rsplit(",", 1)[0] + ",",            # 91…: left blank, 企业 is not certain
        _row("T1", GOOD_B).rsplit(",", 1)[0] + ",",            # 92…: 个体工商户
        _row("T1", coop).rsplit(",", 1)[0] + ",",              # 93…: 农民专业合作社
        _row("T2", GOOD_B).rsplit(",", 1)[0] + ",其他",         # a stated type is kept
    ], header=header)
    report = validate_folder(tmp_path)
    types = {(r["task_id"], r["uscc"]): r.get("entity_type") for r in report.public_tables()["results"]}
    assert types == {("T1", GOOD_A): None, ("T1", GOOD_B): "个体工商户", ("T1", coop): "农民专业合作社",
                     ("T2", GOOD_B): "其他"}


def test_allowlisted_code_is_accepted_despite_its_check_character(tmp_path: Path) -> None:
    bad = GOOD_A[:-1] + ("0" if GOOD_A[-1] != "0" else "1")
    _write(tmp_path, "r.csv", [_row("T1", bad)])
    assert validate_folder(tmp_path).to_dict()["errors"][0]["code"] == "invalid-uscc-check"
    (tmp_path / "gongkai.yml").write_text(f"uscc_allowlist:\n  - '{bad.lower()}'\n", encoding="utf-8")
    assert validate_folder(tmp_path).to_dict()["errors"] == []


def test_rows_marked_not_for_publication_are_withheld_not_lost(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", [_row("T1", GOOD_A), _row("T1", GOOD_B, status="不予公示")])
    summary = validate_folder(tmp_path).to_dict()
    assert (summary["rows_in"], summary["rows_published"], summary["rows_withheld"]) == (2, 1, 1)
    assert summary["files"][0]["rows_withheld"] == 1


def test_risk_class_is_internal_and_absent_from_public_tables(tmp_path: Path) -> None:
    _write(tmp_path, "r.csv", [_row("T1", GOOD_A)])
    report = validate_folder(tmp_path)
    assert report.tables["results"][0]["risk_class"] == "C"  # usable for aggregates
    assert "risk_class" not in report.public_tables()["results"][0]


def test_result_is_the_same_whatever_the_file_names(tmp_path: Path) -> None:
    older = [_row("T1", GOOD_A, outcome="未发现问题")]
    newer = [_row("T1", GOOD_A, outcome="发现问题已责令改正")]
    _write(tmp_path / "one", "a.csv", older)
    _write(tmp_path / "one", "b.csv", newer)
    _write(tmp_path / "two", "b.csv", older)
    _write(tmp_path / "two", "a.csv", newer)
    first, second = validate_folder(tmp_path / "one"), validate_folder(tmp_path / "two")
    assert first.tables == second.tables
    assert len(first.tables["results"]) == 1
    assert len(first.conflicts) == 1 and len(second.conflicts) == 1


def test_one_row_per_enterprise_splits_into_one_record_per_item(tmp_path: Path) -> None:
    header = "抽查任务编号,市场主体名称,统一社会信用代码/注册号,抽查事项,抽查结果,抽查完成日期\n"
    row = f"T1,乙店,{GOOD_B},事项甲；事项乙；,未发现问题；发现问题经责令已改正；,2024年9月3日"
    _write(tmp_path, "r.csv", [row], header=header)
    report = validate_folder(tmp_path)
    records = sorted((r["item"], r["outcome"], r["outcome_code"]) for r in report.tables["results"])
    assert records == [("事项乙", "发现问题已责令改正", "07"), ("事项甲", "未发现问题", "01")]
    assert report.to_dict()["rows_published"] == 1


def test_gb18030_file_with_title_row_reads_like_utf8(tmp_path: Path) -> None:
    text = "示例县市场监督管理局双随机抽查结果公示\n" + HEADER + _row("T1", GOOD_A, name="䶮记商行") + "\n"
    (tmp_path / "gb").mkdir()
    (tmp_path / "gb" / "r.csv").write_bytes(text.encode("gb18030"))
    report = validate_folder(tmp_path / "gb")
    assert report.files[0].encoding == "gb18030"
    assert report.tables["results"][0]["entity_name"] == "䶮记商行"
    shutil.rmtree(tmp_path / "gb")


def test_a_population_list_is_kept_for_draws_but_counted_as_withheld(tmp_path: Path) -> None:
    """A 检查对象名录 is never published row by row: its rows count as 不予公示, the records
    stay available to draws and statistics, and its errors never print a value."""
    from helpers import valid_code, write_csv

    data = tmp_path / "data"
    data.mkdir()
    bad = valid_code(3)[:-1] + ("0" if valid_code(3)[-1] != "0" else "1")
    write_csv(
        data / "检查对象名录.csv",
        ["企业名称", "统一社会信用代码", "登记机关", "所属行业", "信用风险分类"],
        [["示例县甲饭店", valid_code(1), "示例县市场监督管理局", "餐饮服务", "A类"],
         ["示例县乙饭店", valid_code(2), "示例县市场监督管理局", "餐饮服务", "C类"],
         ["示例县丙饭店", bad, "示例县市场监督管理局", "餐饮服务", "B类"]],
    )  # fmt: skip
    report = validate_folder(data)
    counts = report.to_dict()
    assert (counts["rows_in"], counts["rows_published"]) == (3, 0)
    assert (counts["rows_withheld"], counts["rows_quarantined"]) == (2, 1)
    assert sorted(r["uscc"] for r in report.tables["targets"]) == [valid_code(1), valid_code(2)]
    [error] = counts["errors"]
    assert "value" not in error and bad not in str(counts)
