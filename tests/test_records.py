"""Record pages: one per enterprise, task, plan and item, in the Material shell."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.build import build_site
from generator.core.schemas import load_schemas, public_record
from generator.core.workdays import WorkCalendar
from generator.model.entities import Model, build_model
from generator.model.identity import record_path, record_slug
from generator.model.lifecycle import attach_lifecycle
from generator.publish.site.linkcheck import check_links
from generator.publish.site.records import render_records
from generator.validate.folder import validate_folder

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
NATIONAL_COLUMNS = ["序号", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "检查完成日期", "检查实施机关"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Model]:
    site = tmp_path_factory.mktemp("records") / "site"
    build_site(DATA, site)
    report = validate_folder(DATA)
    model = build_model(report.public_tables(), report.data_as_of)
    attach_lifecycle(model, WorkCalendar(), report.held_back)  # drawn firms have pages too
    return site, model


def _page(site: Path, kind: str, slug: str) -> BeautifulSoup:
    html = (site / record_path(kind, slug) / "index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser")


def test_every_record_has_its_page(demo: tuple[Path, Model]) -> None:
    site, model = demo
    for kind, records in (
        ("enterprise", [e.slug for e in model.enterprises.values()]),
        ("task", [t["slug"] for t in model.tasks.values()]),
        ("plan", [p["slug"] for p in model.plans.values()]),
        ("item", [i["slug"] for i in model.items.values()]),
    ):
        assert sorted(p.name for p in (site / kind).iterdir()) == sorted(records), kind
    assert not (site / "record").exists()  # the shell is cut out and removed


def test_task_page_shows_the_national_result_table(demo: tuple[Path, Model]) -> None:
    site, model = demo
    task = max(model.tasks.values(), key=lambda t: len(t["results"]))
    page = _page(site, "task", task["slug"])
    table = page.find(id="results").find_next("table")
    assert [th.get_text() for th in table.find("thead").find_all("th")] == NATIONAL_COLUMNS
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == len(task["results"]) > 0
    first = rows[0].find_all("td")
    assert first[2].get_text() == task["results"][0]["uscc"]
    assert first[1].find("a")["href"] == f"../../enterprise/{record_slug(task['results'][0]['uscc'])}/"


def test_enterprise_page_shows_its_whole_history(demo: tuple[Path, Model]) -> None:
    site, model = demo
    enterprise = max(model.enterprises.values(), key=lambda e: len(e.task_ids))
    assert len(enterprise.task_ids) >= 2
    page = _page(site, "enterprise", enterprise.slug)
    assert page.find("h1").get_text() == enterprise.name
    assert page.title.get_text().startswith(enterprise.name)
    history = page.find_all("section", class_="gongkai-history")
    assert len(history) == len(enterprise.task_ids)
    rows = [tr for section in history for tr in section.find_all("tbody")[-1].find_all("tr")]
    assert len(rows) == len(enterprise.results)
    task_links = {a["href"] for s in history for a in s.find("h3").find_all("a")}
    assert task_links == {f"../../task/{model.tasks[t]['slug']}/" for t in enterprise.task_ids}


def test_closed_enterprises_keep_their_page_and_status(demo: tuple[Path, Model]) -> None:
    site, model = demo
    closed = [e for e in model.enterprises.values() if e.status]
    assert closed
    page = _page(site, "enterprise", closed[0].slug)
    assert closed[0].status in page.find(class_="gongkai-status").get_text()


def test_problem_results_link_to_their_check_item(demo: tuple[Path, Model]) -> None:
    site, model = demo
    enterprise = next(e for e in model.enterprises.values() if any(r["problem"] for r in e.results))
    page = _page(site, "enterprise", enterprise.slug)
    problem = page.find(id="history").find_next(class_="gongkai-outcome--problem")
    item_link = problem.find_parent("tr").find("a")
    assert item_link["href"].startswith("../../item/")


def test_enterprise_page_answers_first_with_its_latest_check(demo: tuple[Path, Model]) -> None:
    """The page opens with the latest check (date, authority, outcomes, problems and their
    fix); the history below runs newest first and the burden comes after it."""
    site, model = demo
    enterprise = max(
        (e for e in model.enterprises.values() if any(r["problem"] for r in e.results)),
        key=lambda e: (len(e.task_ids), e.slug),
    )
    page = _page(site, "enterprise", enterprise.slug)
    summary = page.find("section", class_="gongkai-summary")
    headings = [h.get("id") for h in page.find_all("h2")]
    assert headings.index("summary") < headings.index("history") < headings.index("burden")
    assert summary.find_previous("h2") is None  # nothing above the answer but the name

    latest_day = max(r["inspected_on"] for r in enterprise.results)
    latest = [r for r in enterprise.results if r["inspected_on"] == latest_day]
    lead = summary.find(class_="gongkai-summary__lead")
    assert lead.find("time")["datetime"] == latest_day
    assert latest[0]["authority"] in lead.get_text()
    problems = [r for r in latest if r["problem"]]
    verdict = lead.find(class_="gongkai-summary__verdict").get_text()
    assert verdict == (f"发现问题 {len(problems)} 项" if problems else "未发现问题")
    items = summary.find_all("li")
    assert len(items) == len({r["result_id"] for r in latest})
    for result, li in zip(latest, items):
        assert result["outcome"] in li.get_text()
        assert ("后续处置" in li.get_text()) == result["problem"]

    dates = [s.find("td", attrs={"data-label": "检查完成日期"}).get_text()
             for s in page.find_all("section", class_="gongkai-history")]  # fmt: skip
    assert dates == sorted(dates, reverse=True)


def test_a_problem_in_the_latest_check_links_to_its_fix(demo: tuple[Path, Model]) -> None:
    site, model = demo
    enterprise = next(
        e
        for e in model.enterprises.values()
        for r in e.results
        if r["problem"] and r["item_ref"] and model.items[r["item_ref"]]["handbook"]
        and r["inspected_on"] == max(x["inspected_on"] for x in e.results)
    )
    summary = _page(site, "enterprise", enterprise.slug).find("section", class_="gongkai-summary")
    problem = summary.find("li", class_="gongkai-summary__problem")
    assert problem.find("a", class_="gongkai-howto")["href"].startswith("../../handbook/")


def test_task_page_opens_with_how_many_were_checked_and_which_had_problems(
    demo: tuple[Path, Model],
) -> None:
    site, model = demo
    task = max(model.tasks.values(), key=lambda t: (len(t["results"]), t["slug"]))
    page = _page(site, "task", task["slug"])
    summary = page.find("section", class_="gongkai-summary")
    assert summary.find_previous("h2") is None
    firms = {r["enterprise_slug"] for r in task["results"]}
    flagged = {r["enterprise_slug"] for r in task["results"] if r["problem"]}
    lead = summary.find(class_="gongkai-summary__lead").get_text()
    assert f"已公示 {len(firms)} 户市场主体" in lead
    if flagged:
        assert f"{len(flagged)} 户发现问题" in lead
        links = {a["href"].split("/")[-2] for a in summary.find_all("a", href=True)
                 if "/enterprise/" in a["href"]}  # fmt: skip
        assert links <= flagged and len(links) == min(20, len(flagged))
    counted = sum(int(li.get_text().rsplit("：", 1)[1].split()[0]) for li in summary.find_all("li"))
    assert counted == sum(len(r["outcome"].split("；")) for r in task["results"])


def test_problem_results_link_to_the_handbook_section(demo: tuple[Path, Model]) -> None:
    site, model = demo
    enterprise = next(
        e for e in model.enterprises.values()
        if any(r["problem"] and r["item_ref"] and model.items[r["item_ref"]]["handbook"] for r in e.results)
    )  # fmt: skip
    page = _page(site, "enterprise", enterprise.slug)
    howto = page.select(".gongkai-outcome--problem + br + a.gongkai-howto")
    assert howto and all(a.get_text().startswith("如何整改：") for a in howto)
    for link in howto:
        path, anchor = link["href"].split("#")
        handbook = (site / "enterprise" / enterprise.slug / path / "index.html").resolve()
        section = BeautifulSoup(handbook.read_text(encoding="utf-8"), "html.parser").find(id=anchor)
        assert section is not None and section.get_text().strip("¶ ") in link.get_text()
    # Results without a problem get no such link.
    for cell in page.select(".gongkai-outcome"):
        if "gongkai-outcome--problem" not in cell["class"]:
            assert cell.find_next_sibling("a") is None


def test_task_page_shows_draw_time_as_date_and_time(demo: tuple[Path, Model]) -> None:
    site, model = demo
    task = next(t for t in model.tasks.values() if t.get("draw") and t["draw"].get("drawn_at"))
    facts = {
        th.get_text(): th.find_next_sibling("td").get_text()
        for th in _page(site, "task", task["slug"]).select("th[scope=row]")
    }
    assert facts["抽取时间"] == task["draw"]["drawn_at"].replace("T", " ")
    assert "名录库数量" not in facts  # one word for the directory size on the whole page


def test_record_pages_share_the_site_shell(demo: tuple[Path, Model]) -> None:
    site, model = demo
    page = _page(site, "plan", next(iter(model.plans.values()))["slug"])
    assert page.find(class_="gongkai-as-of") is not None
    assert page.find("header") is not None
    assert page.find("link", rel="stylesheet")["href"].startswith("../../assets/")


def test_no_internal_link_is_broken(demo: tuple[Path, Model]) -> None:
    site, _ = demo
    assert check_links(site) == []


def test_unsafe_ids_get_hashed_paths() -> None:
    assert record_slug("001号").startswith("x-")
    assert record_slug("..") != ".."
    for bad in ("../etc", "a/b", "", "..", "x" * 65):
        with pytest.raises(ValueError):
            record_path("task", bad)
    with pytest.raises(ValueError):
        record_path("secret", "ok")


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_data_is_rendered_as_text() -> None:
    tables = {
        "tasks": [{"task_id": "T1", "name": HOSTILE, "plan_id": None, "item_ids": None}],
        "results": [
            {
                "task_id": "T1",
                "uscc": "91330000590594274X",
                "entity_name": HOSTILE,
                "item": "javascript:alert(1)",
                "outcome": "未发现问题",
                "inspected_on": "2024-01-02",
                "authority": "</script>",
            }
        ],
    }
    schemas = load_schemas()
    complete = {k: [public_record(schemas[k], r) for r in rows] for k, rows in tables.items()}
    pages = list(render_records(build_model(complete, None)))
    assert {p.kind for p in pages} == {"enterprise", "task"}
    for page in pages:
        soup = BeautifulSoup(page.content, "html.parser")
        assert soup.find("script") is None and soup.find("img") is None
        assert HOSTILE in soup.get_text()
        assert all(not a["href"].startswith("javascript") for a in soup.find_all("a"))


def test_parallel_rendering_writes_the_same_bytes(demo: tuple[Path, Model], tmp_path: Path) -> None:
    from generator.publish.site.records import Shell, write_records

    _, model = demo
    shell = Shell("<html><head><title>t</title></head><body>", "</body></html>", "站点")
    one = write_records(model, tmp_path / "one", shell, workers=1)
    two = write_records(model, tmp_path / "two", shell, workers=2)
    assert one == two and sum(one.values()) > 700
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.html"))
    assert files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.html"))
    assert all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files)
