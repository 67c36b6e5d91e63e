"""KPIs, reconciliation and burden: a hand-built corpus worked out by hand, and the demo."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
from helpers import DATA_DIR

from generator.core.errors import ConfigError
from generator.core.settings import Settings
from generator.core.workdays import WorkCalendar
from generator.draws.published import load_draws
from generator.stats.burden import enterprise_burden
from generator.stats.compute import compute_statistics, statistics_for_folder
from generator.stats.figures import (
    DECLARED_SOURCE,
    KPI_BY_NAME,
    KPIS,
    MISSING_DENOMINATOR,
    TOTAL,
)
from generator.validate.folder import validate_folder

A, B = "甲局", "乙局"
T1, T2, T3 = "T1", "T2", "T3"
E1, E2, E3, E4, E5, E6, E7 = (f"E{n}" for n in range(1, 8))
OK, FIXED, PENDING, NOT_PUBLISHED = (
    "未发现问题", "发现问题已责令改正", "发现问题待后续处理", "未按规定公示应当公示的信息"
)  # fmt: skip


def _draw(task: str, uscc: str, at: str, risk: str | None, size: int, digest: str) -> dict:
    return {"draw_id": f"D-{task}", "task_id": task, "drawn_at": f"{at}T09:00:00",
            "drawn_kind": "检查对象", "uscc": uscc, "entity_name": f"企业{uscc}",
            "risk_class": risk, "population_size": size, "population_digest": digest}  # fmt: skip


def _result(task: str, uscc: str, item: str, checked: str, published: str | None, outcome: str,
            disposal: str | None = None, disposal_on: str | None = None) -> dict:  # fmt: skip
    return {"result_id": f"{task}-{uscc}-{item}", "task_id": task, "uscc": uscc,
            "entity_name": f"企业{uscc}", "item_id": item, "inspected_on": checked,
            "published_on": published, "outcome": outcome, "disposal": disposal,
            "disposal_on": disposal_on, "authority": {T3: B}.get(task, A)}  # fmt: skip


# The corpus. Dates are chosen around the 2024 Mid-Autumn and National Day holidays and
# their swapped working weekends (Sat 14 Sep, Sun 29 Sep, Sat 12 Oct were working days).
TABLES = {
    "items": [
        {"item_id": "I1", "name": "食品安全检查", "sub_item": "经营许可", "industry": "餐饮"},
        {"item_id": "I2", "name": "食品安全检查", "sub_item": "索证索票", "industry": "餐饮"},
        {"item_id": "I3", "name": "明码标价", "sub_item": None, "industry": "住宿"},
    ],
    "plans": [
        {"plan_id": "P1", "department": A, "plan_type": "本部门"},
        {"plan_id": "P2", "department": B, "plan_type": "部门联合"},
    ],
    "tasks": [
        # T1: risk-class ratios declared; not joint.
        {
            "task_id": T1,
            "plan_id": "P1",
            "name": "任务一",
            "lead_department": A,
            "risk_ratios": "A类5%；B类10%",
            "start": "2024-09-02",
            "end": "2024-09-20",
        },
        # T2: joint (a partner department); its draw carries no risk class.
        {
            "task_id": T2,
            "plan_id": "P1",
            "name": "任务二",
            "lead_department": A,
            "partner_departments": B,
            "start": "2024-09-09",
            "end": "2024-09-27",
        },
        # T3: joint through its plan (部门联合); stratified draw.
        {
            "task_id": T3,
            "plan_id": "P2",
            "name": "任务三",
            "lead_department": B,
            "start": "2024-05-06",
            "end": "2024-05-31",
        },
    ],
    "draws": [
        _draw(T1, E1, "2024-09-02", "A", 100, "d1"),
        _draw(T1, E2, "2024-09-02", "A", 100, "d1"),
        _draw(T1, E3, "2024-09-02", "B", 100, "d1"),
        _draw(T2, E1, "2024-09-09", None, 100, "d1"),
        _draw(T2, E4, "2024-09-09", None, 100, "d1"),
        _draw(T3, E5, "2024-05-06", "C", 50, "d3"),
        _draw(T3, E6, "2024-05-06", "D", 50, "d3"),
    ],
    "results": [
        # Fri 27 Sep → Sat 12 Oct: 7 working days (29 Sep, 30 Sep, 8–12 Oct). Timely.
        {**_result(T1, E1, "I1", "2024-09-27", "2024-10-12", OK), "entered_on": "2024-10-12"},
        # Fri 20 Sep → Wed 23 Oct: exactly the 20th working day. Counting Monday to Friday
        # without the holidays it would be the 23rd, i.e. late.
        _result(T1, E2, "I1", "2024-09-20", "2024-10-23", OK),
        _result(T1, E2, "I2", "2024-09-20", "2024-10-23", FIXED, "责令整改", "2024-10-23"),
        # Fri 20 Sep → Thu 24 Oct: the 21st working day. Late; its follow-up never entered.
        {**_result(T1, E3, "I1", "2024-09-20", "2024-10-24", PENDING), "entered_on": "2024-10-24"},
        _result(T2, E1, "I1", "2024-09-25", "2024-09-30", OK),
        # E4 was drawn for T2 and has no result; E7 has a result but T2 never drew it.
        _result(T2, E7, "I1", "2024-09-26", "2024-10-08", OK),
        # Mon 20 May → Tue 28 May: timely. Follow-up due by Tue 18 Jun (10 Jun is the
        # Dragon Boat holiday), entered 1 Jul: late.
        {
            **_result(T3, E5, "I3", "2024-05-20", "2024-05-28", NOT_PUBLISHED, "列入经营异常名录",
                      "2024-07-01"),
            "entered_on": "2024-05-28",
        },
    ],
}
HELD_BACK = {(T3, E6): "withheld"}  # E6's result row was 不予公示
AS_OF = "2024-10-31"
SETTINGS = Settings(directory_sizes=((2024, A, 100), (2024, None, 400)))


@pytest.fixture(scope="module")
def stats():
    return compute_statistics(
        TABLES, as_of=AS_OF, calendar=WorkCalendar(), settings=SETTINGS, held_back=HELD_BACK
    )


def _figures(stats, department: str, period: str) -> dict[str, tuple[int, int | None]]:
    return {
        k.name: (f.numerator, f.denominator)
        for k in KPIS
        if (f := stats.figure(department, period, k.name)) is not None
    }


# Worked out by hand from the corpus above (see the comments there):
# - coverage: 甲局 checked E1, E2, E3, E7 (E1 twice) of 100 declared; 乙局 E5, with no
#   declared figure (分母未申报, never its draws' directory); in total 5 distinct of 400.
# - entry_timeliness (录入日期 within 20 working days of the check): 甲局's T1/E1 yes, T1/E3
#   entered on the 21st day, the other four results never entered and past due (T2/E7,
#   checked Thu 26 Sep, was due Tue 29 Oct); 乙局's T3/E5 yes.
# - disposal_entry_timeliness: no result carries a 后续处置录入日期, so T3/E5 (disposed 1 Jul)
#   is 无法计算 (no denominator); T1/E2/I2, disposed 23 Oct, is not yet due: 甲局 has none.
# - credit_risk_rating_use: T1 (ratios) and T3 (every drawn firm classed) yes; T2 no.
# - publication_rate: due = published, or unpublished past 20 working days after the
#   check (or the task's end): 甲局 6 (E4's deadline, Wed 30 Oct, has passed), 5 published;
#   乙局's E6 is withheld, so only E5.
# - timely_publication_rate: 甲局's checked ones: all timely but T1/E3.
# - disposal_timeliness: T1/E2/I2 in time; T1/E3 (待后续处理) never entered; T3/E5 late.
# - joint_check_share: T2, T3 of T1–T3; joint_enterprise_share: T2/E1, T2/E7 of 甲局's
#   five checked, T3/E5 of 乙局's one.
# - problem_rate: T1/E2 and T1/E3 of 甲局's five; T3/E5.
# - plan_completion: T1 done by 20 Dec; T2 not (E4 never checked); T3 done (E6 withheld).
EXPECTED = {
    (A, "2024"): {
        "coverage": (4, 100), "credit_risk_rating_use": (1, 2), "publication_rate": (5, 6),
        "timely_publication_rate": (4, 5), "entry_timeliness": (1, 6), "disposal_timeliness": (1, 2),
        "joint_check_share": (1, 2), "joint_enterprise_share": (2, 5), "problem_rate": (2, 5),
        "plan_completion": (1, 2),
    },
    (B, "2024"): {
        "coverage": (1, None), "credit_risk_rating_use": (1, 1), "publication_rate": (1, 1),
        "timely_publication_rate": (1, 1), "entry_timeliness": (1, 1), "disposal_timeliness": (0, 1), "disposal_entry_timeliness": (0, None),
        "joint_check_share": (1, 1), "joint_enterprise_share": (1, 1), "problem_rate": (1, 1),
        "plan_completion": (1, 1),
    },
    (TOTAL, "2024"): {
        "coverage": (5, 400), "credit_risk_rating_use": (2, 3), "publication_rate": (6, 7),
        "timely_publication_rate": (5, 6), "entry_timeliness": (2, 7), "disposal_timeliness": (1, 3), "disposal_entry_timeliness": (0, None),
        "joint_check_share": (2, 3), "joint_enterprise_share": (3, 6), "problem_rate": (3, 6),
        "plan_completion": (2, 3),
    },
    # Every unit of 甲局 falls in September; plan completion is yearly only.
    (A, "2024-09"): {
        "coverage": (4, 100), "credit_risk_rating_use": (1, 2), "publication_rate": (5, 6),
        "timely_publication_rate": (4, 5), "entry_timeliness": (1, 6), "disposal_timeliness": (1, 2),
        "joint_check_share": (1, 2), "joint_enterprise_share": (2, 5), "problem_rate": (2, 5),
    },
}  # fmt: skip


@pytest.mark.parametrize(("department", "period"), list(EXPECTED))
def test_every_kpi_on_the_hand_built_corpus(stats, department: str, period: str) -> None:
    assert _figures(stats, department, period) == EXPECTED[(department, period)]


def test_values_targets_and_csv_rows(stats) -> None:
    figure = stats.figure(TOTAL, "2024", "publication_rate")
    assert figure.value == pytest.approx(6 / 7)
    row = figure.row()
    assert row == {"department": TOTAL, "period": "2024", "kpi": "publication_rate",
                   "numerator": 6, "denominator": 7, "value": 0.8571, "target": 1.0,
                   "note": None, "region": "全部区划"}  # fmt: skip
    assert stats.figure(TOTAL, "2024", "problem_rate").target is None
    # No document defines coverage over every kind of 市场主体: no target, so no verdict.
    assert stats.figure(A, "2024", "coverage").target is None
    assert stats.figure(B, "2024-05", "plan_completion") is None
    assert [r["kpi"] for r in stats.rows()[: len(KPIS)]] == [k.name for k in KPIS]
    assert stats.rows()[0]["title"] == "抽查覆盖率" and "口径" in stats.rows()[0]["basis"]
    rating = next(r for r in stats.rows() if r["kpi"] == "credit_risk_rating_use")
    assert rating["basis"].startswith("长双随机办〔2024〕3号：“运用信用风险分级分类")
    assert stats.directory_sources[(A, "2024", "coverage")] == DECLARED_SOURCE
    assert stats.directory_sources[(B, "2024", "coverage")] == MISSING_DENOMINATOR


def test_overdue_and_unmatched_lists(stats) -> None:
    assert [
        (r["task_id"], r["uscc"], r["due_on"], r["overdue_workdays"]) for r in stats.overdue
    ] == [(T2, E4, "2024-10-30", 1)]
    assert [(r["task_id"], r["uscc"]) for r in stats.unmatched] == [(T2, E7)]
    by_department = {r["department"]: r for r in stats.reconciliation}
    assert by_department[A] == {
        "department": A, "year": "2024", "drawn": 5, "checked": 4, "published": 4,
        "withheld": 0, "quarantined": 0, "overdue": 1, "pending": 0, "undetermined": 0,
        "not_drawn": 1, "tasks_without_draw": 0,
    }  # fmt: skip
    assert (
        by_department[B]["drawn"],
        by_department[B]["withheld"],
        by_department[B]["overdue"],
    ) == (2, 1, 0)


def test_a_deadline_still_open_is_not_overdue() -> None:
    # On 29 October E4's deadline (30 October) has not passed yet.
    early = compute_statistics(
        TABLES, as_of="2024-10-29", calendar=WorkCalendar(), held_back=HELD_BACK
    )
    assert early.overdue == []
    assert early.figure(A, "2024", "publication_rate").denominator == 5
    assert {r["department"]: r["pending"] for r in early.reconciliation}[A] == 1


def test_burden_risk_classes_and_monthly_figures(stats) -> None:
    burden = {r["department"]: r for r in stats.burden["department"]}
    assert burden[A] == {
        "department": A, "year": "2024", "enterprises": 4, "checks": 5,
        "checks_per_enterprise": 1.25, "checked_twice_or_more": 1, "max_checks": 2,
        "repeated_item_checks": 1,
    }  # fmt: skip
    industries = {r["industry"]: (r["enterprises"], r["checks"]) for r in stats.burden["industry"]}
    assert industries == {"餐饮": (4, 5), "住宿": (1, 1)}
    classes = {
        r["risk_class"]: (r["drawn"], r["checked"], r["problems"]) for r in stats.risk_classes
    }
    # Fewer than three enterprises in a cell is shown as "<3", never the number.
    assert classes == {"A": ("<3", "<3", "<3"), "B": ("<3", "<3", "<3"), "C": ("<3", "<3", "<3"),
                       "D": ("<3", 0, 0), "未分类": ("<3", "<3", 0)}  # fmt: skip
    september = stats.monthly["2024-09"][A]
    assert (september["checks"], september["inspections"], september["problems"]) == (2, 5, 2)
    assert (september["major_items"], september["minor_items"], september["published"]) == (1, 2, 1)
    assert september["tasks_organised"] == ["任务一（T1）", "任务二（T2）"]
    assert stats.monthly["2024-10"][A]["published"] == 4
    assert stats.monthly["2024-10"][TOTAL]["units"] == [
        {"unit": A, "inspections": 0, "published": 4}
    ]


def test_enterprise_burden() -> None:
    results = [r for r in TABLES["results"] if r["uscc"] == E1]
    assert enterprise_burden(results) == [
        {"year": "2024", "checks": 2, "departments": 1, "item_count": 1, "repeated_items": 1}
    ]


def test_unknown_target_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="coverag"):
        compute_statistics(
            TABLES, as_of=AS_OF, calendar=WorkCalendar(),
            settings=Settings(kpi_targets=(("coverag", 0.03),)),
        )  # fmt: skip
    custom = compute_statistics(
        TABLES,
        as_of=AS_OF,
        calendar=WorkCalendar(),
        settings=Settings(kpi_targets=(("coverage", 0.03),)),
    )
    assert custom.figure(TOTAL, "2024", "coverage").target == 0.03


def test_settings_read_directory_sizes_and_targets(tmp_path: Path) -> None:
    from generator.core.settings import load_settings

    (tmp_path / "gongkai.yml").write_text(
        "directory_sizes:\n  - {year: 2024, department: 甲局, size: 100}\n  - {year: 2024, size: 400}\n"
        "kpi_targets:\n  coverage: 0.03\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    assert settings.directory_sizes == ((2024, None, 400), (2024, A, 100))
    assert settings.kpi_targets == (("coverage", 0.03),)
    (tmp_path / "gongkai.yml").write_text(
        "directory_sizes:\n  - {year: 2024, size: -1}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="directory_sizes"):
        load_settings(tmp_path)


# The demo corpus


@pytest.fixture(scope="module")
def demo():
    return statistics_for_folder(validate_folder(DATA_DIR), DATA_DIR, load_draws(DATA_DIR))


def test_demo_invariants(demo) -> None:
    assert len(demo.figures) > 100
    for figure in demo.figures:
        assert figure.numerator >= 0
        if figure.denominator is not None:
            assert figure.numerator <= figure.denominator, figure
        if figure.value is not None:
            assert 0 <= figure.value <= 1, figure
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for figure in demo.figures:
        if figure.department != TOTAL and KPI_BY_NAME[figure.kpi].additive:
            cell = sums[(figure.period, figure.kpi)]
            cell[0] += figure.numerator
            cell[1] += figure.denominator or 0
    assert sums
    for (period, kpi), (numerator, denominator) in sums.items():
        total = demo.figure(TOTAL, period, kpi)
        assert (total.numerator, total.denominator or 0) == (numerator, denominator), (period, kpi)
    coverage = demo.figure(TOTAL, "2024", "coverage")
    departments = [demo.figure(d, "2024", "coverage") for d in demo.departments if d != TOTAL]
    assert (
        max(f.numerator for f in departments)
        <= coverage.numerator
        <= sum(f.numerator for f in departments)
    )


def test_demo_overdue_list_is_exactly_the_planted_cases(demo) -> None:
    planted = json.loads((DATA_DIR / "planted_overdue.json").read_text(encoding="utf-8"))
    assert len(planted) >= 3
    kinds = {"drawn-not-published": demo.overdue, "result-without-draw": demo.unmatched}
    for kind, listed in kinds.items():
        expected = {(p["task_id"], p["uscc"]) for p in planted if p["kind"] == kind}
        assert expected and {(r["task_id"], r["uscc"]) for r in listed} == expected, kind
    total = next(r for r in demo.reconciliation if r["department"] == TOTAL)
    # Pending: the firms drawn in November by the verifiable draws (data/draws/), whose
    # 20 working days had not run out on the data's as-of date.
    drawn_lately = sum(
        len(path.read_text(encoding="utf-8-sig").splitlines()) - 1
        for path in (DATA_DIR / "draws").glob("GK-*-D/抽取记录.csv")
    )
    assert drawn_lately > 0
    assert (total["withheld"], total["overdue"], total["pending"]) == (1, 3, drawn_lately)
    assert total["quarantined"] >= 1  # planted errors that took every row of a drawn firm


def test_demo_never_publishes_a_firms_risk_class(demo) -> None:
    rows = demo.rows()
    assert {tuple(r) for r in rows} == {
        ("department", "period", "kpi", "numerator", "denominator", "value", "target", "note",
         "region", "title", "basis")
    }  # fmt: skip
    text = io.StringIO()
    csv.writer(text).writerows(r.values() for r in rows)
    codes = {r["uscc"] for r in validate_folder(DATA_DIR).tables["draws"] if r.get("uscc")}
    assert not [c for c in codes if c in text.getvalue()]
    for row in demo.risk_classes:  # per class and year only
        assert set(row) == {
            "year",
            "risk_class",
            "title",
            "drawn",
            "checked",
            "problems",
            "problem_rate",
        }
    for listed in (demo.overdue, demo.unmatched):
        assert listed and all("risk_class" not in r for r in listed)


# Review fixes: verifiable draws, broken codes, years without a calendar, directories


def _verifiable(task: str, strata: int) -> dict:
    """A verifiable draw as ``load_draws`` gives it: the commitment's strata, no classes."""
    layers = [{"label": f"S{n}", "size": 10, "sample_size": 1} for n in range(1, strata + 1)]
    return {"task_id": task, "commitment": {"drawn_kind": "检查对象", "strata": layers}}


def test_a_verifiable_draw_of_several_strata_used_the_risk_classes() -> None:
    # T2's draw rows carry no class; its verifiable draw had two strata.
    layered = compute_statistics(
        TABLES, as_of=AS_OF, calendar=WorkCalendar(), held_back=HELD_BACK,
        draws=[_verifiable(T2, 2)],
    )  # fmt: skip
    assert _figures(layered, A, "2024")["credit_risk_rating_use"] == (2, 2)
    classes = {r["risk_class"]: r for r in layered.risk_classes}
    # T2's two drawn firms are counted apart from the unclassified, never by class.
    assert (classes["分层"]["drawn"], classes["分层"]["title"]) == ("<3", "已分层抽取，分类不公开")
    assert classes["未分类"]["drawn"] == 0
    single = compute_statistics(
        TABLES, as_of=AS_OF, calendar=WorkCalendar(), held_back=HELD_BACK,
        draws=[_verifiable(T2, 1)],
    )  # fmt: skip
    assert _figures(single, A, "2024")["credit_risk_rating_use"] == (1, 2)


def test_demo_counts_its_verifiable_draws_as_stratified(demo) -> None:
    use = demo.figure(TOTAL, "2024", "credit_risk_rating_use")
    assert use.denominator and use.numerator == use.denominator
    drawn_verifiably = sum(
        len(path.read_text(encoding="utf-8-sig").splitlines()) - 1
        for path in (DATA_DIR / "draws").glob("GK-*-D/抽取记录.csv")
    )
    classes = {r["risk_class"]: r["drawn"] for r in demo.risk_classes}
    assert classes["分层"] == drawn_verifiably and classes.get("未分类", 0) == 0


DRAWN = ("91140902MA0UCED94D", "911409024512315123", "911409024512399123", "92140902MA06Y8XE47")


def _broken_code_corpus(codes: tuple[str, ...]) -> dict:
    tasks = [{"task_id": f"K{n}", "name": f"任务K{n}", "lead_department": A,
              "start": "2024-03-01", "end": "2024-03-29"} for n in range(1, 5)]  # fmt: skip
    draws = [_draw(f"K{n}", code, "2024-03-01", None, 100, "k") for n, code in enumerate(codes, 1)]
    # K4 drew a second firm, published in time.
    draws.append(_draw("K4", "91140902MA0BJA5Q2L", "2024-03-01", None, 100, "k"))
    result = _result("K4", "91140902MA0BJA5Q2L", "I1", "2024-03-20", "2024-03-25", OK)
    return {**TABLES, "tasks": tasks, "draws": draws, "results": [result]}


@pytest.mark.parametrize(
    ("held_code", "task"),
    [
        ("91140902MA0UCED94X", "K1"),  # a wrong check character
        ("9.11409E+17", "K2"),  # Excel's scientific notation of 911409024512315123
        ("911409024512399000", "K3"),  # Excel kept 15 digits of 911409024512399123
        ("140902660356086", "K4"),  # unrecognisable, but the only open firm of K4
    ],
)
def test_a_drawn_firm_whose_result_was_quarantined_for_a_bad_code_is_not_overdue(
    held_code: str, task: str
) -> None:
    tables = _broken_code_corpus(DRAWN)
    held = {(task, held_code): "quarantined"}
    stats = compute_statistics(tables, as_of=AS_OF, calendar=WorkCalendar(), held_back=held)
    overdue = {r["task_id"] for r in stats.overdue}
    assert task not in overdue and overdue == {"K1", "K2", "K3", "K4"} - {task}
    total = next(r for r in stats.reconciliation if r["department"] == TOTAL)
    assert (total["quarantined"], total["overdue"]) == (1, 3)


def test_a_bad_code_covers_no_firm_when_that_is_ambiguous() -> None:
    tables = _broken_code_corpus(DRAWN)
    # K4: the code resembles its published firm, so it does not stand for the open one.
    # K1 has two open firms: a row whose code resembles neither covers neither.
    tables["draws"].append(_draw("K1", "92140902MA0LJF422G", "2024-03-01", None, 100, "k"))
    held = {("K4", "91140902MA0BJA5Q2X"): "quarantined", ("K1", "140902660356086"): "quarantined"}
    stats = compute_statistics(tables, as_of=AS_OF, calendar=WorkCalendar(), held_back=held)
    assert sorted((r["task_id"], r["uscc"]) for r in stats.overdue) == sorted(
        [("K1", DRAWN[0]), ("K1", "92140902MA0LJF422G"), ("K2", DRAWN[1]), ("K3", DRAWN[2]),
         ("K4", DRAWN[3])]
    )  # fmt: skip


FUTURE = _result("T9", "E8", "I3", "2204-03-05", "2204-03-06", OK)  # 2024 mistyped


def test_a_year_without_a_calendar_names_the_row_or_is_left_out() -> None:
    tables = {**TABLES, "results": [*TABLES["results"], FUTURE]}
    # The data's as-of date is the latest date in it: here the mistyped one.
    with pytest.raises(ConfigError, match=r"T9.*E8.*2204 年的节假日安排.*2204\.yml"):
        compute_statistics(tables, as_of="2204-03-06", calendar=WorkCalendar())
    stats = compute_statistics(
        tables, as_of="2204-03-06", calendar=WorkCalendar(), settings=SETTINGS,
        held_back=HELD_BACK, strict=False,
    )  # fmt: skip
    # Deadlines are judged on the latest date that has a calendar (24 October), not in 2204:
    # E4's deadline (30 October) is still open, and 2024 is as if the row were not there.
    assert stats.as_of == "2024-10-24"
    without = compute_statistics(
        TABLES, as_of="2024-10-24", calendar=WorkCalendar(), settings=SETTINGS,
        held_back=HELD_BACK,
    )  # fmt: skip
    for department, period in [(A, "2024"), (B, "2024"), (TOTAL, "2024")]:
        assert _figures(stats, department, period) == _figures(without, department, period)
    pending = {(r["department"], r["year"]): r["pending"] for r in stats.reconciliation}
    assert stats.overdue == [] and pending[(A, "2024")] == 1
    timely = stats.figure(TOTAL, "2204", "timely_publication_rate")
    assert (timely.numerator, timely.denominator, timely.value) == (0, None, None)
    assert stats.figure(TOTAL, "2204", "problem_rate").denominator == 1
    assert len(stats.warnings) == 2
    assert "2204.yml" in stats.warnings[0] and "1 个检查户次" in stats.warnings[0]
    assert "2204-03-06" in stats.warnings[1] and "2024-10-24" in stats.warnings[1]


def test_a_mistyped_year_does_not_stop_the_site_build(tmp_path: Path, capsys) -> None:
    import shutil

    from generator.model.entities import build_model
    from generator.publish.site.statistics_pages import STATISTICS_PAGE, render_statistics_pages

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("inputs"))
    path = data / "exports" / "检查结果_卫健局_2024.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert ",20240522,20240614\n" in text
    path.write_text(text.replace(",20240522,20240614\n", ",22040305,22040306\n", 1), "utf-8-sig")
    validated = validate_folder(data)
    with pytest.raises(ConfigError, match="2204"):
        statistics_for_folder(validated, data, load_draws(data))  # gongkai report monthly
    stats = statistics_for_folder(validated, data, load_draws(data), site_build=True)
    assert "警告：2204 年没有节假日安排" in capsys.readouterr().err
    page = render_statistics_pages(stats, build_model({}, stats.as_of))[STATISTICS_PAGE]
    assert "无法计算" in page and "holidays/2204.yml" in page and str(tmp_path) not in page


def test_a_month_with_figures_but_nothing_to_report_has_a_page() -> None:
    from generator.model.entities import build_model
    from generator.publish.site.statistics_pages import month_page, render_statistics_pages

    # Drawn in March, never checked: its deadline counts from the task's end in April.
    tables = {
        "tasks": [
            {
                "task_id": "M1",
                "name": "任务M",
                "lead_department": A,
                "start": "2024-03-01",
                "end": "2024-04-20",
            }
        ],
        "draws": [_draw("M1", DRAWN[0], "2024-03-01", None, 100, "m")],
    }
    stats = compute_statistics(tables, as_of="2024-06-28", calendar=WorkCalendar())
    assert "2024-04" in stats.months and "2024-04" not in stats.monthly
    pages = render_statistics_pages(stats, build_model({}, stats.as_of))
    april = pages[month_page("2024-04")]
    assert "本月没有抽查、检查或公示记录" in april and "抽查结果公示率" in april


def test_coverage_without_a_declared_figure_is_never_judged() -> None:
    """No stand-in: the draws' directories are parts of the population, not its size."""
    from generator.model.entities import build_model
    from generator.publish.site.statistics_pages import STATISTICS_PAGE, render_statistics_pages

    stats = compute_statistics(TABLES, as_of=AS_OF, calendar=WorkCalendar())
    coverage = stats.figure(A, "2024", "coverage")
    assert (coverage.numerator, coverage.denominator, coverage.value) == (4, None, None)
    assert coverage.note.startswith(MISSING_DENOMINATOR)
    assert stats.directory_sources[(A, "2024", "coverage")] == MISSING_DENOMINATOR
    page = render_statistics_pages(stats, build_model({}, AS_OF))[STATISTICS_PAGE]
    row = next(line for line in page.splitlines() if line.startswith("| 抽查覆盖率 |"))
    assert MISSING_DENOMINATOR in row and "达标" not in row
    # A declared figure smaller than the firms counted against it is refused, naming the key.
    small = Settings(directory_sizes=((2024, A, 3),))
    with pytest.raises(ConfigError, match="directory.*2024.*甲局"):
        compute_statistics(TABLES, as_of=AS_OF, calendar=WorkCalendar(), settings=small)


def test_demo_coverage_is_not_judged_without_a_declared_figure(demo) -> None:
    coverage = demo.figure(TOTAL, "2024", "coverage")
    assert coverage.denominator is None and coverage.note.startswith(MISSING_DENOMINATOR)


# Held-out review: partly published checks, suppressed risk-class rates, page verdicts

# T9 (甲局) drew E1–E5 on Mon 4 Nov 2024; E1, E3, E5 are class A, E2, E4 class B. E1's
# check of I1 was published, its check of I2 never was. E3 alone had a problem.
PARTIAL = {
    **TABLES,
    "tasks": [{"task_id": "T9", "plan_id": "P1", "name": "任务九", "lead_department": A,
               "start": "2024-11-04", "end": "2024-11-29"}],
    "draws": [_draw("T9", e, "2024-11-04", risk, 100, "d9")
              for e, risk in ((E1, "A"), (E2, "B"), (E3, "A"), (E4, "B"), (E5, "A"))],
    "results": [
        _result("T9", E1, "I1", "2024-11-11", "2024-11-15", OK),
        _result("T9", E1, "I2", "2024-11-11", None, OK),
        _result("T9", E2, "I1", "2024-11-12", "2024-11-20", OK),
        _result("T9", E3, "I1", "2024-11-12", "2024-11-20", FIXED, "责令整改", "2024-11-20"),
        _result("T9", E4, "I1", "2024-11-12", "2024-11-20", OK),
        _result("T9", E5, "I1", "2024-11-13", "2024-11-20", OK),
    ],
}  # fmt: skip


def test_a_check_published_only_in_part_is_still_due() -> None:
    stats = compute_statistics(PARTIAL, as_of="2024-12-31", calendar=WorkCalendar())
    # E1's deadline: 20 working days after Mon 11 Nov = Mon 9 Dec (no holiday in between);
    # on 31 Dec it is 16 working days late (10–13, 16–20, 23–27, 30, 31 Dec).
    # 公示率: E2–E5 fully published, E1 not: 4 of 5 (it used to read 5 of 5 while 及时公示率
    # already counted E1 as not published in time: 4 of 5).
    assert _figures(stats, A, "2024")["publication_rate"] == (4, 5)
    assert _figures(stats, A, "2024")["timely_publication_rate"] == (4, 5)
    assert [
        (r["uscc"], r["due_on"], r["overdue_workdays"], r["reason"]) for r in stats.overdue
    ] == [(E1, "2024-12-09", 16, "已检查，部分检查结果超过20个工作日未公示")]
    row = next(r for r in stats.reconciliation if r["department"] == A)
    assert (row["drawn"], row["checked"], row["published"], row["overdue"]) == (5, 5, 4, 1)
    # The 月报表 counts a check in the month its results first appeared (15 Nov for E1).
    assert stats.monthly["2024-11"][A]["published"] == 5
    # Before its deadline E1 is pending: in no denominator, not on the list.
    early = compute_statistics(PARTIAL, as_of="2024-12-06", calendar=WorkCalendar())
    assert _figures(early, A, "2024")["publication_rate"] == (4, 4)
    assert early.overdue == []


def test_a_risk_class_rate_never_gives_a_suppressed_count_back() -> None:
    stats = compute_statistics(PARTIAL, as_of="2024-12-31", calendar=WorkCalendar())
    classes = {r["risk_class"]: r for r in stats.risk_classes}
    # Class A: 3 drawn, 3 checked, 1 with a problem, shown as "<3"; 1/3 would reveal it.
    assert (classes["A"]["drawn"], classes["A"]["checked"], classes["A"]["problems"]) == (
        3, 3, "<3"
    )  # fmt: skip
    assert classes["A"]["problem_rate"] is None
    # With no problem at all the rate gives nothing away.
    clean = {**PARTIAL, "results": [r for r in PARTIAL["results"] if r["uscc"] != E3]
             + [_result("T9", E3, "I1", "2024-11-12", "2024-11-20", OK)]}  # fmt: skip
    rows = compute_statistics(clean, as_of="2024-12-31", calendar=WorkCalendar()).risk_classes
    assert next(r for r in rows if r["risk_class"] == "A")["problem_rate"] == 0


def _verdict(markdown: str, title: str) -> str:
    """The 是否达标 cell of the first table row of ``title`` (the year or month table)."""
    line = next(x for x in markdown.splitlines() if x.startswith(f"| {title} |"))
    return line.rstrip(" |").rsplit("|", 1)[-1].strip()


def test_the_page_judges_no_month_by_a_yearly_target_nor_a_deadline_not_yet_come(stats) -> None:
    from generator.model.entities import Model
    from generator.publish.site.statistics_pages import month_page, render_statistics_pages

    pages = render_statistics_pages(stats, Model(None, {}, {}, {}, {}, {}, [], {}))
    # On 31 Oct 2024 the 20 December deadline is ahead: T2, not done yet, is no failure.
    assert _verdict(pages["statistics/index.md"], "计划完成率") == "期限未到（12月20日）"
    # 0.6 % checked in one month is not measured against the 5 % of a year.
    month = pages[month_page("2024-09")]
    assert _verdict(month, "抽查覆盖率") == "按年度评判"
    assert _verdict(month, "抽查结果公示率") == "未达标"  # 5 of 6
    late = compute_statistics(
        TABLES, as_of="2024-12-31", calendar=WorkCalendar(), settings=SETTINGS,
        held_back=HELD_BACK,
    )  # fmt: skip
    pages = render_statistics_pages(late, Model(None, {}, {}, {}, {}, {}, [], {}))
    assert _verdict(pages["statistics/index.md"], "计划完成率") == "未达标"
