"""KPI definitions as data: presets transcribed from the seeds, chosen in gongkai.yml, each
figure counted as its document defines it and never judged without its denominator."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR

from generator.build import PROJECT_DIR, build_site
from generator.core.errors import ConfigError
from generator.core.settings import Settings, load_settings
from generator.core.workdays import WorkCalendar
from generator.stats.compute import compute_statistics
from generator.stats.definitions import load_preset, preset_names
from generator.stats.figures import KPIS, MISSING_DENOMINATOR, TOTAL

M, H = "示例县市场监督管理局", "示例县卫生健康局"
E1, E2, E3, E4, E5 = "91000000000000001A", "92000000000000002B", "91000000000000003C", \
    "91000000000000004D", "93000000000000005E"  # fmt: skip
SEEDS = PROJECT_DIR.parent / "shared" / "seeds"


def _draw(task: str, uscc: str, risk: str | None) -> dict:
    return {"draw_id": f"D-{task}", "task_id": task, "drawn_at": "2024-09-02T09:00:00",
            "drawn_kind": "检查对象", "uscc": uscc, "entity_name": f"企业{uscc[-2:]}",
            "risk_class": risk}  # fmt: skip


def _result(task: str, uscc: str, authority: str) -> dict:
    return {"result_id": f"{task}-{uscc}", "task_id": task, "uscc": uscc,
            "entity_name": f"企业{uscc[-2:]}", "item_id": "I1", "inspected_on": "2024-09-10",
            "entered_on": "2024-09-10", "published_on": "2024-09-12", "outcome": "未发现问题",
            "authority": authority}  # fmt: skip


# T1 (市场监管, single department, risk ratios declared: used the classes); T2 (市场监管,
# joint through a partner, draw without classes: did not); T3 (卫健, joint through its 部门联合
# plan, every drawn firm classed: did). By credit code: E1, E3, E4 are 企业 (91), E2 a
# 个体工商户 (92), E5 a 农民专业合作社 (93). Every firm was checked, entered and published.
TABLES = {
    "items": [{"item_id": "I1", "name": "食品安全检查"}],
    "plans": [{"plan_id": "P1", "department": M, "plan_type": "本部门", "year": 2024},
              {"plan_id": "P2", "department": H, "plan_type": "部门联合", "year": 2024}],
    "tasks": [
        {"task_id": "T1", "plan_id": "P1", "name": "任务一", "lead_department": M,
         "risk_ratios": "A类5%；B类10%", "start": "2024-09-02", "end": "2024-09-30"},
        {"task_id": "T2", "plan_id": "P1", "name": "任务二", "lead_department": M,
         "partner_departments": H, "start": "2024-09-02", "end": "2024-09-30"},
        {"task_id": "T3", "plan_id": "P2", "name": "任务三", "lead_department": H,
         "start": "2024-09-02", "end": "2024-09-30"},
    ],
    "draws": [_draw("T1", E1, None), _draw("T1", E2, None), _draw("T2", E3, None),
              _draw("T3", E4, "A"), _draw("T3", E5, "B")],
    "results": [_result("T1", E1, M), _result("T1", E2, M), _result("T2", E3, M),
                _result("T3", E4, H), _result("T3", E5, H)],
}  # fmt: skip
XINZHOU = Settings(
    kpi_presets=("shanxi-2024", "xinzhou-2024"),
    denominators=(("enterprises", 2024, None, 100, "2023年底全县企业数", None),),
)


def _figure(settings: Settings, kpi: str, department: str = TOTAL):
    stats = compute_statistics(
        TABLES, as_of="2024-10-31", calendar=WorkCalendar(), settings=settings
    )
    return stats.figure(department, "2024", kpi)


def test_every_shipped_preset_cites_its_document_word_for_word() -> None:
    assert set(preset_names()) >= {"shanxi-2024", "shanxi-2025", "xinzhou-2024", "changan-2024"}
    seeds = "".join(re.sub(r"\s+", "", p.read_text("utf-8")) for p in SEEDS.glob("*.txt"))
    for name in preset_names():
        for kpi in load_preset(name):
            assert kpi.document and kpi.clause and kpi.years, (name, kpi.name)
            if seeds:  # the regulations beside the repository, where they are
                assert re.sub(r"\s+", "", kpi.clause) in seeds, (name, kpi.name)
    # The default set judges only where one document defines the figure exactly as counted.
    for kpi in KPIS:
        assert (kpi.target is None) or (kpi.document and kpi.clause), kpi.name
        if kpi.clause and seeds:
            assert re.sub(r"\s+", "", kpi.clause) in seeds, kpi.name


@pytest.mark.parametrize(
    ("kpi", "department", "expected"),
    [
        # 企业 only: E1, E3, E4 of the 100 declared for the whole area.
        ("coverage_enterprise", TOTAL, (3, 100)),
        # Declared for the whole area only: a department's coverage has no denominator.
        ("coverage_enterprise", M, (2, None)),
        # 个体工商户 and 农民专业合作社: E2, E5; nothing declared.
        ("coverage_sole_trader_coop", TOTAL, (2, None)),
        # Shanxi's 90 % is for 部门联合 checks only: T2 (no) and T3 (yes).
        ("rating_use_joint", TOTAL, (1, 2)),
        # Xinzhou's 95 % is for 市场监管部门 checks: T1 (yes) and T2 (no).
        ("rating_use_market", TOTAL, (1, 2)),
        # Xinzhou's 公示率 is for 市场监管部门: T1/E1, T1/E2, T2/E3.
        ("publication_rate", TOTAL, (3, 3)),
        ("entry_timeliness", TOTAL, (5, 5)),
        ("plan_completion", TOTAL, (3, 3)),
    ],
)
def test_each_figure_counts_what_its_document_defines(kpi, department, expected) -> None:
    figure = _figure(XINZHOU, kpi, department)
    assert (figure.numerator, figure.denominator) == expected


def test_an_undeclared_denominator_is_named_and_never_judged() -> None:
    figure = _figure(XINZHOU, "coverage_sole_trader_coop")
    assert figure.value is None and figure.note.startswith(MISSING_DENOMINATOR)
    assert "个体工商户和农民专业合作社数量" in figure.note
    stats = compute_statistics(
        TABLES, as_of="2024-10-31", calendar=WorkCalendar(), settings=XINZHOU
    )
    row = next(
        r for r in stats.rows() if r["kpi"] == "coverage_enterprise" and r["department"] == TOTAL
    )
    assert row["basis"].startswith("忻市监信用〔2024〕47号") and "不低于3%" in row["basis"]
    assert row["target"] == 0.03 and row["value"] == 0.03


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        # Two documents defining one figure for the same year.
        (Settings(kpi_presets=("xinzhou-2024", "changan-2024")), "coverage_enterprise"),
        (Settings(kpi_presets=("xinzhou-2025",)), "xinzhou-2025"),
        # A declared denominator smaller than what it divides.
        (
            Settings(
                kpi_presets=("xinzhou-2024",),
                denominators=(("enterprises", 2024, None, 2, "估计", None),),
            ),
            "enterprises",
        ),
        (Settings(kpi_presets=("xinzhou-2024",), kpi_targets=(("coverage", 0.05),)), "coverage"),
    ],
)
def test_conflicting_or_impossible_definitions_are_refused(settings, named) -> None:
    with pytest.raises(ConfigError, match=named):
        _figure(settings, "publication_rate")


def test_a_preset_naming_a_department_absent_from_the_data_is_refused() -> None:
    tables = {**TABLES, "tasks": [{**t, "lead_department": H} for t in TABLES["tasks"]],
              "results": [{**r, "authority": H} for r in TABLES["results"]],
              "plans": [{**p, "department": H} for p in TABLES["plans"]]}  # fmt: skip
    with pytest.raises(ConfigError, match=r"kpis/xinzhou-2024\.yml.*departments"):
        compute_statistics(tables, as_of="2024-10-31", calendar=WorkCalendar(), settings=XINZHOU)


def test_gongkai_yml_chooses_presets_and_declares_denominators(tmp_path: Path) -> None:
    (tmp_path / "gongkai.yml").write_text(
        "kpi_presets: [shanxi-2024, xinzhou-2024]\ndenominators:\n"
        "  - {key: enterprises, year: 2024, size: 100, source: 2023年底全县企业数}\n",
        encoding="utf-8",
    )
    assert load_settings(tmp_path) == XINZHOU
    (tmp_path / "gongkai.yml").write_text(
        "denominators:\n  - {key: enterprises, year: 2024, size: 100}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="denominators.*source"):
        load_settings(tmp_path)


@pytest.mark.slow
def test_a_site_following_the_xinzhou_preset(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    settings = (data / "gongkai.yml").read_text("utf-8")
    (data / "gongkai.yml").write_text(
        settings + "kpi_presets: [shanxi-2024, xinzhou-2024]\ndenominators:\n"
        "  - {key: enterprises, year: 2024, size: 4100, source: 2023年底全县企业数}\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    build_site(data, site, progress=False)
    rows = list(
        csv.DictReader(io.StringIO((site / "data" / "statistics.csv").read_text("utf-8-sig")))
    )
    total = {r["kpi"]: r for r in rows if r["department"] == TOTAL and r["period"] == "2024"}
    assert set(total) == {k.name for p in XINZHOU.kpi_presets for k in load_preset(p)}
    assert total["coverage_enterprise"]["denominator"] == "4100"
    assert total["coverage_sole_trader_coop"]["note"].startswith(MISSING_DENOMINATOR)
    assert total["rating_use_joint"]["basis"].startswith("晋双随机办发〔2024〕2号")
    page = BeautifulSoup((site / "statistics" / "index.html").read_text("utf-8"), "html.parser")
    table = page.find(id="y2024").find_next("table")
    cells = {
        tr.find_all("td")[0].get_text(): tr.find_all("td")
        for tr in table.find("tbody").find_all("tr")
    }
    sole = cells["个体工商户和农民专业合作社抽查覆盖率"]
    assert MISSING_DENOMINATOR in sole[3].get_text() and "达标" not in sole[5].get_text()
    definitions = page.find(id="definitions").find_next("table").get_text()
    assert "忻市监信用〔2024〕47号" in definitions and "不低于95%" in definitions


@pytest.mark.slow
def test_a_journalist_can_recount_every_yearly_figure_from_the_members(demo_site) -> None:
    data = demo_site[0] / "data"

    def read(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((data / name).read_text("utf-8-sig"))))

    members = read("statistics_members.csv")
    counts: dict[tuple[str, str, str], list[int]] = {}
    for m in members:
        cell = counts.setdefault((m["department"], m["period"], m["kpi"]), [0, 0])
        cell[0] += m["counted"] in ("计入分子和分母", "计入分子（分母为申报的数字）")
        cell[1] += m["counted"] in ("计入分子和分母", "仅计入分母")
    checked = 0
    for row in read("statistics.csv"):
        if row["department"] == TOTAL or len(row["period"]) != 4:
            continue
        numerator, denominator = counts.get((row["department"], row["period"], row["kpi"]), [0, 0])
        assert int(row["numerator"]) == numerator, row
        if not row["kpi"].startswith("coverage"):
            assert row["denominator"] == (str(denominator) if denominator else ""), row
        checked += 1
    assert checked > 20
    # Members name only firms the other downloads already publish.
    public = {r["uscc"] for name in ("results.csv", "draws.csv") for r in read(name)}
    assert {m["uscc"] for m in members if m["uscc"]} <= public


def test_a_city_site_shows_each_county_and_its_own_pooled_figure() -> None:
    """Two counties: 140902 checked E1–E3 (one problem), 140921 checked E4, E5 (two). The
    city's 问题发现率 is 3 of 5 (60 %), not the mean of 1/3 and 2/2 (67 %)."""
    problem = "发现问题已责令改正"
    region = {"T1": "140902", "T2": "140902", "T3": "140921"}
    tables = {
        **TABLES,
        "tasks": [{**t, "region_code": region[t["task_id"]]} for t in TABLES["tasks"]],
        "results": [
            {**r, "outcome": problem if r["uscc"] in (E2, E4, E5) else r["outcome"]}
            for r in TABLES["results"]
        ],
    }
    settings = Settings(
        directory_sizes=((2024, None, 400),),
        denominators=(("directory", 2024, None, 30, "县登记统计", "140921"),),
    )
    stats = compute_statistics(
        tables, as_of="2024-10-31", calendar=WorkCalendar(), settings=settings
    )
    assert stats.regions == ["140902", "140921"]

    def counts(kpi: str, where: str | None = None) -> tuple[int, int | None]:
        figure = (
            stats.figure(TOTAL, "2024", kpi, where) if where else stats.figure(TOTAL, "2024", kpi)
        )
        return figure.numerator, figure.denominator

    assert counts("problem_rate") == (3, 5)
    assert counts("problem_rate", "140902") == (1, 3)
    assert counts("problem_rate", "140921") == (2, 2)
    # Coverage: each county against its own declared figure; one without is 分母未申报.
    assert counts("coverage") == (5, 400)
    assert counts("coverage", "140921") == (2, 30)
    assert counts("coverage", "140902") == (3, None)
    rows = [r for r in stats.rows() if r["kpi"] == "problem_rate" and r["period"] == "2024"]
    assert {r["region"] for r in rows} == {"全部区划", "140902", "140921"}


def test_changan_counts_disposal_entry_from_when_the_disposal_arose() -> None:
    """长安区: 后续处置信息产生后20个工作日内录入. All three disposals were made on Thu 12 Sep
    2024; the 20th working day after it (Mid-Autumn and National Day off, 14 and 29 Sep and
    12 Oct worked) is Wed 16 Oct. E2 entered 8 Oct (in time), E4 on 31 Oct (late), E5 never
    (late by the data's date, 31 Oct)."""
    entered = {E2: "2024-10-08", E4: "2024-10-31", E5: None}
    tables = {
        **TABLES,
        "results": [
            {**r, "outcome": "发现问题已责令改正", "disposal": "责令整改", "disposal_on": "2024-09-12",
             "disposal_entered_on": entered[r["uscc"]]} if r["uscc"] in entered else r
            for r in TABLES["results"]
        ],
    }  # fmt: skip
    settings = Settings(kpi_presets=("changan-2024",))
    stats = compute_statistics(
        tables, as_of="2024-10-31", calendar=WorkCalendar(), settings=settings
    )
    figure = stats.figure(TOTAL, "2024", "disposal_entry_timeliness")
    assert (figure.numerator, figure.denominator, figure.target) == (1, 3, 1.0)
    assert "河北省双随机监管工作平台" in next(
        k.clause for k in stats.kpis if k.name == "disposal_entry_timeliness"
    )
    # Exports without the column: 无法计算, with the reason, never 0 %.
    plain = compute_statistics(
        TABLES, as_of="2024-10-31", calendar=WorkCalendar(), settings=settings
    )
    empty = plain.figure(TOTAL, "2024", "disposal_entry_timeliness")
    assert empty is None or (empty.value is None and "后续处置录入日期" in empty.note)
