"""Releases: two demo builds, the second from a changed corpus, and what readers see of it.

The second corpus adds two results, corrects one and withdraws one (公示状态 “撤回” with a
reason and a date). The delta must list exactly those four records; the corrected record's
pages carry a 更正说明, the withdrawn one leaves a notice and leaves every dataset, the
search index and the sitemap; the feeds announce both, with ids stable across rebuilds.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR, public_project, valid_code

from generator.build import build_site
from generator.model.identity import industry_slug, record_slug
from generator.model.releases import UNDECLARED_REASON
from generator.publish.site.sanitize import is_clean

RESULTS_FILE = "检查结果_文旅局_2024.csv"
CORRECTED = ("91140902MA05TE4N15", "娱乐场所经营许可情况的检查")
"""(USCC, item) of the demo result that the second corpus corrects."""
NEW_OUTCOME = "发现问题已责令改正"
REASON = "检查对象认定错误，经复核撤回"
WITHDRAWN_ON = "2024-11-28"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _changed_corpus(target: Path) -> dict[str, tuple[str, str, str]]:
    """Copy the demo data with 2 rows added, 1 corrected, 1 withdrawn; returns their
    (task id, USCC, item) by role."""
    shutil.copytree(DATA_DIR, target)
    path = target / "exports" / RESULTS_FILE
    header, rows = _read(path)
    col = {name: header.index(name) for name in header}
    header += ["公示状态", "撤回原因", "撤回日期"]
    rows = [row + ["公示", "", ""] for row in rows]
    corrected = next(r for r in rows if (r[col["信用代码"]], r[col["检查事项"]]) == CORRECTED)
    corrected[col["检查结果"]] = NEW_OUTCOME
    withdrawn = next(
        r for r in rows if r[col["信用代码"]] != CORRECTED[0] and r[col["检查结果"]] == "未发现问题"
    )
    withdrawn[-3:] = ["撤回", REASON, WITHDRAWN_ON]
    added = []
    for n, name in ((1, "示例县新开张歌舞厅有限公司"), (2, "示例县后来居上网吧有限公司")):
        row = list(corrected)
        row[col["检查对象名称"]] = name
        row[col["信用代码"]] = valid_code(9000 + n)
        row[col["检查结果"]] = "未发现问题"
        added.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows, *added])

    def ident(row: list[str]) -> tuple[str, str, str]:
        return (row[col["抽查任务编号"]], row[col["信用代码"]], row[col["检查事项"]])

    return {"corrected": ident(corrected), "withdrawn": ident(withdrawn),
            "added-1": ident(added[0]), "added-2": ident(added[1])}  # fmt: skip


def _result_ids(site: Path) -> dict[tuple[str, str, str], str]:
    rows = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
    return {(r["task_id"], r["uscc"], r["item"]): r["result_id"] for r in rows}


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict:
    """Release 1 from the demo data; release 2 from the changed corpus with --previous."""
    root = tmp_path_factory.mktemp("releases")
    # As deployed, with site_url: the sitemap and RSS exist, and must drop what is withdrawn.
    config, _ = public_project(root)
    first = root / "site-1"
    build_site(DATA_DIR, first, config_file=config)
    changed = _changed_corpus(root / "data-2")
    second = root / "site-2"
    report = build_site(root / "data-2", second, previous=first, config_file=config)
    return {"root": root, "first": first, "second": second, "changed": changed, "report": report,
            "config": config}  # fmt: skip


def _delta(site: Path) -> list[dict]:
    text = (site / "data" / "delta.json").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_delta_lists_exactly_the_added_corrected_and_withdrawn_records(releases) -> None:
    old_ids, new_ids = _result_ids(releases["first"]), _result_ids(releases["second"])
    changed = releases["changed"]
    expected = {
        ("ADD", new_ids[changed["added-1"]]),
        ("ADD", new_ids[changed["added-2"]]),
        ("MOD", old_ids[changed["corrected"]]),
        ("DEL", old_ids[changed["withdrawn"]]),
    }
    lines = _delta(releases["second"])
    assert {(line["op"], line["id"]) for line in lines} == expected
    assert all(line["table"] == "results" for line in lines)
    by_op = {line["op"]: line for line in lines}
    assert by_op["MOD"]["changes"]["outcome"] == ["未发现问题", NEW_OUTCOME]
    # The outcome's code and wording restate it: quoted in the delta, old value included.
    assert by_op["MOD"]["changes"]["outcome_code"] == ["01", "07"]
    assert by_op["MOD"]["key"] == {"result_id": by_op["MOD"]["id"]}
    assert by_op["DEL"]["reason"] == REASON and "record" not in by_op["DEL"]
    assert by_op["ADD"]["record"]["uscc"].startswith("91140902000009")


def test_index_and_history_carry_the_previous_release_forward(releases) -> None:
    first = json.loads((releases["first"] / "data" / "index.json").read_text(encoding="utf-8"))
    second = json.loads((releases["second"] / "data" / "index.json").read_text(encoding="utf-8"))
    assert first["previous"] is None and first["delta"] is None
    assert second["previous"] == first["version"] != second["version"]
    assert [h["version"] for h in second["history"]] == [second["version"], first["version"]]
    history = json.loads((releases["second"] / "data" / "changes.json").read_text(encoding="utf-8"))
    assert history["releases"][0]["changes"] == {"ADD": 2, "MOD": 1, "DEL": 1}
    assert history["releases"][1]["counts"] == first["counts"]
    [withdrawal] = history["withdrawals"]
    assert (withdrawal["reason"], withdrawal["date"], withdrawal["declared"]) == (
        REASON, WITHDRAWN_ON, True
    )  # fmt: skip
    # The new downloads are checksummed and described like every other.
    sums = (releases["second"] / "data" / "SHA256SUMS").read_text(encoding="ascii")
    assert "  delta.json\n" in sums and "  changes.json\n" in sums
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "datapackage.json"],
        cwd=releases["second"] / "data", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]


def test_corrected_record_pages_show_a_dated_correction(releases) -> None:
    site = releases["second"]
    task_id, code, _ = releases["changed"]["corrected"]
    for page in (f"enterprise/{record_slug(code)}", f"task/{record_slug(task_id)}"):
        soup = BeautifulSoup((site / page / "index.html").read_text(encoding="utf-8"), "html.parser")
        notices = [d for d in soup.select("div.admonition") if "更正说明" in d.get_text()]
        assert len(notices) == 1, page
        text = notices[0].get_text(" ", strip=True)
        assert "2024-12-01" in text and "未发现问题" in text and NEW_OUTCOME in text
        # One line for the outcome, none for its code and wording that restate it.
        assert "结果代码" not in text and "结果原文" not in text and "不再公示" not in text
        assert is_clean(str(notices[0]))
    # Untouched records carry no notice.
    other = site / "enterprise" / record_slug(releases["changed"]["added-1"][1]) / "index.html"
    assert "更正说明" not in other.read_text(encoding="utf-8")


def test_withdrawn_result_leaves_a_notice_and_nothing_else(releases) -> None:
    site = releases["second"]
    old_id = _result_ids(releases["first"])[releases["changed"]["withdrawn"]]
    notice = site / "result" / record_slug(old_id) / "index.html"
    soup = BeautifulSoup(notice.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article")
    text = article.get_text(" ", strip=True)
    assert "撤回公告" in text and REASON in text and WITHDRAWN_ON in text
    first_rows = json.loads((releases["first"] / "data" / "results.json").read_text("utf-8"))
    withdrawn = next(r for r in first_rows if r["result_id"] == old_id)
    assert withdrawn["entity_name"] not in text and withdrawn["uscc"] not in text
    # Gone from every dataset, the sitemap and the search index.
    data = site / "data"
    for path in ("results.csv", "results.json", "gongkai.sqlite", "results.xlsx"):
        assert old_id.encode() not in (data / path).read_bytes(), path
    sitemap = "".join(p.read_text(encoding="utf-8") for p in site.glob("sitemap*.xml"))
    assert "/task/" in sitemap and "result/" not in sitemap
    for fragment in (site / "pagefind").rglob("*.pf_fragment"):
        assert b"/result/" not in gzip.decompress(fragment.read_bytes())
    # The change log lists the withdrawal and the correction.
    changelog = (site / "open-data" / "changelog" / "index.html").read_text(encoding="utf-8")
    assert REASON in changelog and "更正" in changelog and NEW_OUTCOME in changelog


def test_feeds_announce_the_correction_and_the_withdrawal(releases) -> None:
    site = releases["second"]
    for name in ("feed.atom", "feed.rss"):
        feed = feedparser.parse((site / name).read_bytes())
        assert feed.bozo == 0
        # Atom categories carry the kind as term; RSS as its Chinese label.
        kinds = [t["term"] for e in feed.entries for t in e.get("tags", [])]
        assert kinds.count("correction") + kinds.count("更正") == 1
        assert kinds.count("withdrawal") + kinds.count("撤回") == 1
    entries = feedparser.parse((site / "feed.atom").read_bytes()).entries
    withdrawal = next(e for e in entries if e.tags[0]["term"] == "withdrawal")
    assert REASON in withdrawal.summary and withdrawal.published.startswith(WITHDRAWN_ON)
    code = releases["changed"]["corrected"][1]
    own = feedparser.parse((site / "feeds" / "enterprise" / f"{record_slug(code)}.atom").read_bytes())
    assert any(e.tags[0]["term"] == "correction" for e in own.entries)


def test_rebuilding_the_same_release_changes_nothing(releases, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_site(releases["root"] / "data-2", again, previous=releases["second"], config_file=releases["config"])
    for name in ("changes.json", "delta.json", "index.json", "SHA256SUMS"):
        assert (again / "data" / name).read_bytes() == (
            releases["second"] / "data" / name
        ).read_bytes(), name
    ids = [e.id for e in feedparser.parse((again / "feed.atom").read_bytes()).entries]
    assert ids == [e.id for e in feedparser.parse((releases["second"] / "feed.atom").read_bytes()).entries]


def test_a_third_release_keeps_the_corrections_and_withdrawals(releases, tmp_path: Path) -> None:
    """History is carried forward: release 3 (same data as 2 plus nothing withdrawn anew)
    still shows release 2's correction and notice."""
    data = tmp_path / "data-3"
    shutil.copytree(releases["root"] / "data-2", data)
    path = data / "exports" / RESULTS_FILE
    header, rows = _read(path)
    rows.append(list(rows[-1]))
    rows[-1][header.index("信用代码")] = valid_code(9003)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    third = tmp_path / "site-3"
    build_site(data, third, previous=releases["second"], config_file=releases["config"])
    history = json.loads((third / "data" / "changes.json").read_text(encoding="utf-8"))
    assert [r["changes"] for r in history["releases"][:2]] == [
        {"ADD": 1, "MOD": 0, "DEL": 0}, {"ADD": 2, "MOD": 1, "DEL": 1}
    ]  # fmt: skip
    assert len(history["corrections"]) == 1 and len(history["withdrawals"]) == 1
    old_id = _result_ids(releases["first"])[releases["changed"]["withdrawn"]]
    assert (third / "result" / record_slug(old_id) / "index.html").is_file()
    code = releases["changed"]["corrected"][1]
    assert "更正说明" in (third / "enterprise" / record_slug(code) / "index.html").read_text("utf-8")


def test_a_result_that_vanishes_without_a_declaration_is_withdrawn_without_reason(
    releases, tmp_path: Path
) -> None:
    data = tmp_path / "data-4"
    shutil.copytree(DATA_DIR, data)
    path = data / "exports" / RESULTS_FILE
    header, rows = _read(path)
    gone = rows.pop(0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    site = tmp_path / "site-4"
    build_site(data, site, previous=releases["first"], config_file=releases["config"])
    [line] = _delta(site)
    assert line["op"] == "DEL" and line["reason"] == UNDECLARED_REASON
    key = (gone[header.index("抽查任务编号")], gone[header.index("信用代码")], gone[header.index("检查事项")])
    assert line["id"] == _result_ids(releases["first"])[key]


def test_previous_must_be_a_gongkai_site(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(DATA_DIR), "--out",
         str(tmp_path / "site"), "--previous", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "data/index.json" in result.stderr and "--previous" in result.stderr


def test_a_corrected_handbook_section_shows_its_notice(releases, tmp_path: Path) -> None:
    data = tmp_path / "data-5"
    shutil.copytree(DATA_DIR, data)
    path = data / "exports" / "合规手册.csv"
    header, rows = _read(path)
    title = header.index("章节标题")
    old_title = rows[0][title]
    rows[0][title] = old_title + "（修订）"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    site = tmp_path / "site-5"
    build_site(data, site, previous=releases["first"], config_file=releases["config"])
    [line] = _delta(site)
    assert (line["op"], line["table"]) == ("MOD", "handbook")
    assert line["changes"]["title"] == [old_title, old_title + "（修订）"]
    industry = rows[0][header.index("行业")]
    page = site / "handbook" / industry_slug(industry) / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    [notice] = [d for d in soup.select("div.admonition") if "更正说明" in d.get_text()]
    assert old_title in notice.get_text() and notice.find("a")["href"].endswith("changelog/")


def test_previous_that_does_not_exist_is_named_in_chinese(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(DATA_DIR), "--out",
         str(tmp_path / "site"), "--previous", str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "上一版网站目录" in result.stderr and "不存在" in result.stderr


def _edit_results(data: Path, edit) -> None:
    path = data / "exports" / RESULTS_FILE
    header, rows = _read(path)
    edit(header, rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])


def test_a_correction_never_repeats_the_old_text_of_a_free_text_field(tmp_path: Path) -> None:
    """A private remark typed into 备注 and then corrected away must not come back in the
    correction: free-text fields are corrected without quoting their old value. (A phone
    number would not do here: free text is masked for personal data before publication.)"""
    remark = "店主住幸福路7号"
    one, two = tmp_path / "data-a", tmp_path / "data-b"
    shutil.copytree(DATA_DIR, one)
    path = "exports/检查结果_市场监管局_2024下半年.csv"  # GB18030; a title row, then the header

    def set_note(data: Path, text: str) -> None:
        with (data / path).open(encoding="gb18030", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[-1][rows[1].index("备注")] = text
        with (data / path).open("w", encoding="gb18030", newline="") as handle:
            csv.writer(handle).writerows(rows)

    set_note(one, f"经营者自述{remark}")
    shutil.copytree(one, two)
    set_note(two, "已复查")
    build_site(one, tmp_path / "site-a")
    assert remark in (tmp_path / "site-a" / "data" / "results.json").read_text("utf-8")
    site = tmp_path / "site-b"
    build_site(two, site, previous=tmp_path / "site-a")
    [line] = _delta(site)
    assert line["op"] == "MOD" and line["changes"]["note"][1] == "已复查"
    leaked = [p for p in site.rglob("*") if p.is_file() and remark.encode() in p.read_bytes()]
    assert leaked == []
    assert "备注已更正" in (site / "open-data" / "changelog" / "index.html").read_text("utf-8")


def test_withdrawing_a_corrected_record_withdraws_its_corrections_too(releases, tmp_path: Path) -> None:
    data = tmp_path / "data-6"
    shutil.copytree(releases["root"] / "data-2", data)
    corrected = releases["changed"]["corrected"]

    def withdraw(header: list[str], rows: list[list[str]]) -> None:
        row = next(r for r in rows if (r[header.index("信用代码")], r[header.index("检查事项")]) == corrected[1:])
        row[-3:] = ["撤回", "重复录入", "2024-11-30"]

    _edit_results(data, withdraw)
    site = tmp_path / "site-6"
    build_site(data, site, previous=releases["second"], config_file=releases["config"])
    history = json.loads((site / "data" / "changes.json").read_text(encoding="utf-8"))
    [correction] = history["corrections"]
    assert correction["label"] == "已撤回的记录" and correction["pages"] == []
    assert NEW_OUTCOME not in json.dumps(correction, ensure_ascii=False)
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert not [e for e in feed.entries if NEW_OUTCOME in e.summary and "更正" in e.title]
    assert len(history["withdrawals"]) == 2


def test_a_column_added_to_the_schema_is_no_correction(releases, tmp_path: Path) -> None:
    """The previous release lacked a field (an older schema): that is not a change of every
    record, and the delta stays empty."""
    old = tmp_path / "old"
    shutil.copytree(releases["first"], old)
    results = json.loads((old / "data" / "results.json").read_text(encoding="utf-8"))
    for row in results:
        del row["publication_status"]
    (old / "data" / "results.json").write_text(json.dumps(results, ensure_ascii=False), "utf-8")
    index = json.loads((old / "data" / "index.json").read_text(encoding="utf-8"))
    index["version"] = "20241130-00000000"
    (old / "data" / "index.json").write_text(json.dumps(index), encoding="utf-8")
    site = tmp_path / "site"
    build_site(DATA_DIR, site, previous=old)
    assert (site / "data" / "delta.json").read_text(encoding="utf-8") == ""
    assert "更正说明" not in (site / "task").joinpath(
        next(p.name for p in (site / "task").iterdir()), "index.html"
    ).read_text(encoding="utf-8")


def test_index_names_a_delta_only_when_one_was_written(releases, tmp_path: Path) -> None:
    site = tmp_path / "again"
    build_site(DATA_DIR, site, previous=releases["first"], config_file=releases["config"])
    index = json.loads((site / "data" / "index.json").read_text(encoding="utf-8"))
    assert index["delta"] is None and not (site / "data" / "delta.json").exists()
