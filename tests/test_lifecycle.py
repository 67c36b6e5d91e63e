"""The whole life of a check across three releases of a small held-out corpus.

Release 1 publishes a plan, two tasks and their draws, results with a penalty chain, an
enterprise's reply and two rows that break the follow-up rules; one firm is drawn but not yet
inspected (its task is over: overdue), another is drawn for a task still running, from a draw
without seed. Release 2 adjusts the plan (抽查比例 5% → 8%, with 调整说明, 调整日期, 报备日期)
and closes the case; release 3 adjusts the plan again. Headers are the variants real exports
use (问题描述, 处理结果, 立案时间, 处罚结果, 办结日期…).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from helpers import type_query, valid_code, write_csv

from generator.build import build_site
from generator.core.errors import ConfigError
from generator.core.settings import load_settings
from generator.model.identity import record_path
from generator.model.updates import renumbered
from generator.publish.site.preview import create_server

PLAN, TASK, LATER_TASK = "14090299990001", "140902999904011001", "140902999906011002"
DEPARTMENT = "测试县市场监督管理局"
FINED, CLEAN, DRAWN, LATER, WRONG_FINE, EARLY_CLOSE = (valid_code(n) for n in range(101, 107))
DRAWN_NAME = "测试县老街面馆"
PHONE = "13912345678"
PENALTY_URL = "https://www.gsxt.gov.cn/punish/14090299990001"

RESULT_HEADER = ["抽查计划编号", "抽查任务编号", "抽查任务名称", "检查实施机关", "企业名称", "统一社会信用代码",
                 "检查事项", "检查结果", "问题描述", "处理结果", "后续处置日期", "立案时间", "处罚决定书文号",
                 "处罚日期", "处罚结果", "处罚公示网址", "办结结果", "办结日期", "检查完成日期", "公示日期"]


def _results(closed: bool) -> list[list[str]]:
    common = [PLAN, TASK, "2024年餐饮服务双随机抽查", DEPARTMENT]
    close = ["处罚已执行，结案", "2024-06-07"] if closed else ["", ""]
    return [
        [*common, "示例县福源饭店", FINED, "食品经营许可情况的检查", "发现问题待后续处理", "超范围经营冷食类食品",
         "立案查处", "2024-05-08", "2024-05-08", "测市监处罚〔2024〕7号", "2024-06-03", "警告，罚款人民币 3000 元",
         PENALTY_URL, *close, "2024-05-06", "2024-05-15"],
        [*common, "示例县清泉茶社", CLEAN, "食品经营许可情况的检查", "未发现问题", *[""] * 10,
         "2024-05-06", "2024-05-15"],
        [*common, "示例县错罚商店", WRONG_FINE, "食品经营许可情况的检查", "未发现问题", "", "", "", "",
         "测市监处罚〔2024〕8号", "", "", "", "", "", "2024-05-07", "2024-05-15"],
        [*common, "示例县早结超市", EARLY_CLOSE, "食品经营许可情况的检查", "发现问题已责令改正", "价签不全",
         "责令整改", "2024-05-09", "", "", "", "", "", "已整改到位", "2024-04-01", "2024-05-07", "2024-05-15"],
    ] + ([[*common, DRAWN_NAME, DRAWN, "食品经营许可情况的检查", "未发现问题", *[""] * 10, "2024-06-05",
           "2024-06-10"]] if closed else [])  # fmt: skip


def _release(data: Path, ratio: str, adjustment: tuple[str, str, str] | None, closed: bool) -> None:
    exports = data / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    note, adjusted, filed = adjustment or ("", "", "")
    write_csv(exports / "年度抽查计划.csv",
              ["计划编号", "计划名称", "年度", "制定部门", "抽查比例", "开始日期", "结束日期", "发布日期",
               "调整说明", "调整日期", "报备日期"],
              [[PLAN, "测试县2024年度双随机抽查计划", "2024", DEPARTMENT, ratio, "2024-03-01", "2024-11-30",
                "2024-02-20", note, adjusted, filed]])  # fmt: skip
    write_csv(exports / "抽查任务.csv",
              ["抽查任务编号", "抽查计划编号", "抽查任务名称", "检查机关", "检查开始日期", "检查结束日期", "抽取数量"],
              [[TASK, PLAN, "2024年餐饮服务双随机抽查", DEPARTMENT, "2024-04-01", "2024-05-10", "5"],
               [LATER_TASK, PLAN, "2024年下半年餐饮服务双随机抽查", DEPARTMENT, "2024-06-01", "2024-12-20", "1"]])  # fmt: skip
    seed = ["816", "ab" * 32, "c0ffee", "gongkai-rank-v1"]
    write_csv(exports / "抽取记录.csv",
              ["抽取批次编号", "序号", "抽查任务编号", "抽取时间", "抽取类型", "名录库总数", "名录摘要", "随机种子",
               "抽取算法", "统一社会信用代码", "企业名称"],
              [["D1", str(n), TASK, "2024-03-28 10:00:00", "检查对象", *seed, code, name]
               for n, (code, name) in enumerate([(FINED, "示例县福源饭店"), (CLEAN, "示例县清泉茶社"),
                                                 (DRAWN, DRAWN_NAME), (WRONG_FINE, "示例县错罚商店"),
                                                 (EARLY_CLOSE, "示例县早结超市")], 1)]
              + [["D2", "1", LATER_TASK, "2024-05-30 10:00:00", "检查对象", "", "", "", "", LATER,
                  "测试县新开小吃店"]])  # fmt: skip
    write_csv(exports / "检查结果.csv", RESULT_HEADER, _results(closed))
    write_csv(exports / "企业说明与回访.csv",
              ["抽查任务编号", "统一社会信用代码", "企业名称", "类型", "说明内容", "说明日期", "处理结果", "答复日期",
               "联系人", "联系电话"],
              [[TASK, FINED, "示例县福源饭店", "异议", "冷食类许可已在办理中", "2024-05-20", "经核查异议不成立",
                "2024-05-28", "李四", PHONE]])  # fmt: skip
    (data / "gongkai.yml").write_text(
        "objection:\n  office: 测试县市场监督管理局信用监管股\n  email: xinyong@example.gov.cn\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> list[tuple[Path, dict]]:
    root = tmp_path_factory.mktemp("lifecycle")
    steps = [
        ("企业不低于5%", None, False),
        ("企业不低于8%", ("企业抽查比例由5%提高到8%", "2024-06-04", "2024-06-06"), True),
        ("企业不低于10%", ("企业抽查比例提高到10%", "2024-06-08", ""), True),
    ]
    built: list[tuple[Path, dict]] = []
    for number, (ratio, adjustment, closed) in enumerate(steps, 1):
        data, site = root / f"data{number}", root / f"site{number}"
        _release(data, ratio, adjustment, closed)
        previous = built[-1][0] if built else None
        built.append((site, build_site(data, site, previous=previous)))
    return built


def _page(site: Path, kind: str, code: str) -> BeautifulSoup:
    return BeautifulSoup((site / record_path(kind, code) / "index.html").read_text("utf-8"), "html.parser")


def test_broken_follow_up_rows_are_quarantined_with_the_rule_named(releases) -> None:
    _, report = releases[0]
    errors = {e["code"]: e for e in report["errors"]}
    wrong = errors["penalty-without-problem"]
    assert (wrong["row"], wrong["column"]) == (4, "处罚决定书文号")
    assert "未发现问题的检查不能有立案或行政处罚" in wrong["message"]
    early = errors["followup-before-inspection"]
    assert (early["row"], early["column"], early["value"]) == (5, "办结日期", "2024-04-01")
    assert "早于检查完成日期 2024-05-07" in early["message"]
    assert report["rows_in"] == report["rows_published"] + report["rows_quarantined"] + report["rows_withheld"]
    assert report["rows_quarantined"] == 2


def test_enterprise_page_shows_the_chain_and_the_reply_without_personal_data(releases) -> None:
    site, _ = releases[0]
    page = _page(site, "enterprise", FINED)
    chain = page.select_one(".gongkai-chain")
    steps = [li.select_one(".gongkai-chain__step").get_text() for li in chain.select("li")]
    assert steps == ["发现问题", "后续处置", "立案", "行政处罚"]
    assert "超范围经营冷食类食品" in chain.get_text() and "测市监处罚〔2024〕7号" in chain.get_text()
    assert chain.select_one(f'a[href="{PENALTY_URL}"]') is not None
    assert "未完结，已" in chain.get_text()  # open, counted in working days
    replies = page.select_one(".gongkai-replies").get_text()
    assert "冷食类许可已在办理中" in replies and "经核查异议不成立" in replies
    objection = page.find(id="objection").find_next("table").get_text()
    assert "测试县市场监督管理局信用监管股" in objection
    assert page.select_one('a[href^="mailto:xinyong@example.gov.cn?subject="]') is not None
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".csv", ".atom", ".rss", ".xml"}:
            text = path.read_text("utf-8", errors="ignore")
            assert PHONE not in text and "李四" not in text, path


def test_drawn_firms_are_pending_until_their_result_is_published(releases) -> None:
    site, _ = releases[0]
    overdue = _page(site, "enterprise", DRAWN).select_one(".gongkai-pending").get_text()
    assert "已抽中、检查逾期" in overdue and "2024-05-10" in overdue and "查看并复核抽取" in overdue
    later = _page(site, "enterprise", LATER).select_one(".gongkai-pending").get_text()
    assert "已抽中、待检查" in later and "无法复核" in later
    assert _page(site, "enterprise", CLEAN).select_one(".gongkai-pending") is None
    inspected = _page(releases[1][0], "enterprise", DRAWN)  # its result is published now
    assert inspected.select_one(".gongkai-pending") is None and "未发现问题" in inspected.get_text()


def test_plan_adjusted_twice_shows_every_version(releases) -> None:
    site, _ = releases[2]
    versions = _page(site, "plan", PLAN).select_one(".gongkai-versions")
    rows = [[td.get_text() for td in tr.select("td")] for tr in versions.select("tbody tr")]
    assert [r[0] for r in rows] == ["第 1 版", "第 2 版", "第 3 版"]
    assert rows[1][1:3] == ["2024-06-04", "2024-06-06"]
    assert "由“企业不低于5%”调整为“企业不低于8%”" in rows[1][3]
    assert "由“企业不低于8%”调整为“企业不低于10%”" in rows[2][3] and rows[2][2] == "未注明"
    # An adjustment is no 更正 (the footer's 异议与更正申请 link aside).
    assert "更正" not in _page(site, "plan", PLAN).select_one("article").get_text()


def test_delta_changelog_and_feeds_tell_adjustment_and_follow_up_from_correction(releases) -> None:
    second, third = releases[1][0], releases[2][0]
    delta = [json.loads(line) for line in (second / "data" / "delta.json").read_text("utf-8").splitlines()]
    kinds = {(d["table"], d.get("kind")) for d in delta if d["op"] == "MOD"}
    assert kinds == {("plans", "调整"), ("results", "后续处置")}
    history = json.loads((third / "data" / "changes.json").read_text("utf-8"))
    assert history["corrections"] == []
    assert [a["date"] for a in history["adjustments"]] == ["2024-06-08", "2024-06-04"]
    assert [f["date"] for f in history["follow_ups"]] == ["2024-06-07"]
    feed = feedparser.parse((third / "feed.atom").read_bytes())
    titles = [e.title for e in feed.entries]
    assert not any(t.startswith("更正") for t in titles)
    assert sum(t.startswith("抽查计划调整") for t in titles) == 2
    update = next(e for e in feed.entries if e.title.startswith("后续处置更新"))
    assert update.id.endswith("/follow-up") and update.updated > update.published
    assert "完结日期：2024-06-07" in update.summary
    assert update.link.endswith(f"{record_path('enterprise', FINED)}#r-{update.id.split('/')[-2]}")


def test_a_drawn_firm_is_found_by_name_in_chromium(browser, releases) -> None:
    site, _ = releases[0]
    with create_server(site, port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        found = type_query(page, DRAWN_NAME)
        page.close()
        server.shutdown()
    assert found[:1] == ["/" + record_path("enterprise", DRAWN)]


def test_objection_route_settings_are_checked(tmp_path: Path) -> None:
    (tmp_path / "gongkai.yml").write_text("objection:\n  phone: 123\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="objection"):
        load_settings(tmp_path)
    (tmp_path / "gongkai.yml").write_text("objection:\n  url: javascript:alert(1)\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="https://"):
        load_settings(tmp_path)



def test_an_adjustment_that_renumbers_a_plan_is_reported() -> None:
    before = {PLAN: {"plan_id": PLAN, "name": "测试县2024年度双随机抽查计划", "year": 2024, "department": DEPARTMENT}}
    after = [{**before[PLAN], "plan_id": "14090299990009"}]
    (warning,) = renumbered(before, after)
    assert f"由 {PLAN} 变为 14090299990009" in warning and "调整计划不得更改计划编号" in warning
    assert renumbered(before, [before[PLAN]]) == []
