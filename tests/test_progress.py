"""工作进度: the publisher's own deadlines (plans, reports, summaries, tasks) judged from the data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.core.errors import ConfigError
from generator.core.settings import DutySetting, Settings, load_settings
from generator.core.workdays import WorkCalendar
from generator.stats.compute import compute_statistics
from generator.stats.figures import LATE, MET, MISSED, PENDING, UNRECORDED

A, B = "甲局", "乙局"


def _draw(task: str, uscc: str) -> dict:
    return {"draw_id": f"D-{task}", "task_id": task, "drawn_at": "2024-06-03T09:00:00",
            "drawn_kind": "检查对象", "uscc": uscc, "entity_name": f"企业{uscc}"}  # fmt: skip


def _result(task: str, uscc: str, checked: str) -> dict:
    return {"result_id": f"{task}-{uscc}", "task_id": task, "uscc": uscc,
            "entity_name": f"企业{uscc}", "item_id": "I1", "inspected_on": checked,
            "published_on": checked, "outcome": "未发现问题", "authority": A}  # fmt: skip


TABLES = {
    "items": [{"item_id": "I1", "name": "食品安全检查"}],
    "plans": [
        # Published on its deadline (本部门: 30 April): on time.
        {
            "plan_id": "P1",
            "year": 2024,
            "name": "计划一",
            "department": A,
            "plan_type": "本部门",
            "published_on": "2024-04-30",
        },
        # 部门联合: due 31 March, published 1 April: late.
        {
            "plan_id": "P2",
            "year": 2024,
            "name": "计划二",
            "department": B,
            "plan_type": "部门联合",
            "published_on": "2024-04-01",
        },
        # No 发布日期: the data cannot tell.
        {"plan_id": "P3", "year": 2024, "name": "计划三", "department": A, "plan_type": "本部门"},
    ],
    "tasks": [
        {
            "task_id": "T1",
            "plan_id": "P1",
            "name": "任务一",
            "lead_department": A,
            "start": "2024-06-03",
            "end": "2024-12-20",
        },
        {
            "task_id": "T2",
            "plan_id": "P2",
            "name": "任务二",
            "lead_department": B,
            "start": "2024-06-03",
            "end": "2024-12-20",
        },
        {
            "task_id": "T3",
            "plan_id": "P1",
            "name": "任务三",
            "lead_department": A,
            "start": "2024-06-03",
            "end": "2024-12-20",
        },
    ],
    "draws": [
        _draw("T1", "E1"),
        _draw("T1", "E2"),
        _draw("T2", "E3"),
        _draw("T2", "E4"),
        _draw("T3", "E5"),
    ],
    "results": [
        _result("T1", "E1", "2024-12-02"),
        _result("T1", "E2", "2024-12-10"),  # every drawn firm checked by 10 Dec: on time
        _result("T2", "E3", "2024-12-23"),  # E4 never checked: not done, and 20 Dec passed
        _result("T3", "E5", "2024-12-23"),  # done three days late
    ],
}


def _progress(as_of: str, settings: Settings | None = None) -> dict[tuple[str, str], tuple]:
    statistics = compute_statistics(
        TABLES, as_of=as_of, calendar=WorkCalendar(), settings=settings or Settings()
    )
    return {
        (row.duty, row.subject): (row.due_on, row.done_on, row.status)
        for row in statistics.progress.rows
    }


def test_plans_and_tasks_are_judged_on_their_own_dates() -> None:
    rows = _progress("2024-12-31")
    assert rows[("plan_publication", "计划一")] == ("2024-04-30", "2024-04-30", MET)
    assert rows[("plan_publication", "计划二")] == ("2024-03-31", "2024-04-01", LATE)
    assert rows[("plan_publication", "计划三")] == ("2024-04-30", None, UNRECORDED)
    assert rows[("task_completion", "任务一")] == ("2024-12-20", "2024-12-10", MET)
    assert rows[("task_completion", "任务二")] == ("2024-12-20", None, MISSED)
    assert rows[("task_completion", "任务三")] == ("2024-12-20", "2024-12-23", LATE)


def test_a_deadline_after_the_data_date_is_pending() -> None:
    rows = _progress("2024-04-15")
    assert rows[("plan_publication", "计划三")][2] == PENDING
    assert rows[("work_summary", "4月1日前报送的工作总结")][2] == UNRECORDED
    assert rows[("work_summary", "6月20日前报送的工作总结")][2] == PENDING


def test_reports_count_only_when_their_submission_is_recorded() -> None:
    settings = Settings(
        duties=(
            DutySetting("monthly_report", submitted=(("2024-12", "2025-01-21"),)),
            DutySetting("work_summary", submitted=(("2024-06-20", "2024-06-20"),)),
        )
    )
    rows = _progress("2024-12-31", settings)
    # The December report is due on 20 January of the next year and was handed in a day late.
    assert rows[("monthly_report", "2024-12 月报表")] == ("2025-01-20", "2025-01-21", LATE)
    assert rows[("work_summary", "6月20日前报送的工作总结")][2] == MET
    assert rows[("work_summary", "10月1日前报送的工作总结")][2] == UNRECORDED


def test_gongkai_yml_moves_deadlines_and_drops_duties(tmp_path: Path) -> None:
    (tmp_path / "gongkai.yml").write_text(
        'duties:\n  plan_publication: {joint_due: "04-30", source: 示例县2024年实施方案}\n'
        "  task_completion: false\n  monthly_report: {due: 25}\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    statistics = compute_statistics(
        TABLES, as_of="2024-12-31", calendar=WorkCalendar(), settings=settings
    )
    progress = statistics.progress
    assert [d.key for d in progress.disabled] == ["task_completion"]
    assert "task_completion" not in {d.key for d in progress.duties}
    plan = next(d for d in progress.duties if d.key == "plan_publication")
    assert plan.source == "示例县2024年实施方案"
    rows = {(r.duty, r.subject): r for r in progress.rows}
    assert rows[("plan_publication", "计划二")].status == MET
    assert rows[("monthly_report", "2024-12 月报表")].due_on == "2025-01-25"
    assert not any(r.duty == "task_completion" for r in progress.rows)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("duties:\n  plan_publish: false\n", "plan_publish"),
        ('duties:\n  plan_publication: {due: "02-30"}\n', "plan_publication.due"),
        ("duties:\n  task_completion: {submitted: {'2024': 2024-12-01}}\n", "task_completion"),
        ("duties:\n  monthly_report: {submitted: {'2024-09': 下旬}}\n", "2024-09"),
        ("duties:\n  monthly_report: {due: 40}\n", "monthly_report.due"),
    ],
)
def test_bad_duty_settings_name_the_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    (tmp_path / "gongkai.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path)
    message = str(error.value)
    assert "gongkai.yml" in message and named in message


# The demo site


@pytest.mark.slow
def test_demo_progress_page_agrees_with_the_published_plans(demo_site) -> None:
    site = demo_site[0]
    page = BeautifulSoup(
        (site / "statistics" / "progress" / "index.html").read_text("utf-8"), "html.parser"
    )
    section = page.find(id="plan_publication")
    table = section.find_next("table")
    shown = {
        tr.find_all("td")[0].get_text(strip=True): tr.find_all("td")[4].get_text(strip=True)
        for tr in table.find("tbody").find_all("tr")
    }
    # Independently of gongkai's rules: from the published plans dataset and the seed dates.
    plans = csv.DictReader(io.StringIO((site / "data" / "plans.csv").read_text("utf-8-sig")))
    expected = {}
    for plan in plans:
        due = f"{plan['year']}-{'03-31' if plan['plan_type'] == '部门联合' else '04-30'}"
        expected[plan["name"]] = "按时完成" if plan["published_on"] <= due else "逾期完成"
    assert shown == expected and "逾期完成" in shown.values()
    for link in table.find_all("a"):
        assert (site / "statistics" / "progress" / link["href"] / "index.html").is_file()
    # The 统计 page summarises the same rows and links here; no configuration key is public.
    index = BeautifulSoup((site / "statistics" / "index.html").read_text("utf-8"), "html.parser")
    summary = index.find(id="progress").find_next("table")
    row = next(tr for tr in summary.find_all("tr") if "年度抽查计划公示" in tr.get_text())
    counts = [td.get_text() for td in row.find_all("td")[2:4]]
    assert counts == [str(list(expected.values()).count(s)) for s in ("按时完成", "逾期完成")]
    text = page.get_text()
    assert "gongkai.yml" not in text and "duties" not in text
    # The demo office recorded most monthly reports; one is late, October's is not recorded.
    months = page.find(id="monthly_report").find_next("table").get_text()
    assert "逾期完成" in months and "未登记" in months
