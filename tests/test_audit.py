"""``gongkai audit``: a built site is clean; each planted payload is found, masked, exit 1."""

from __future__ import annotations

import contextlib
import csv
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from generator.cli.commands import cli
from generator.core.personal import id_check_character

ID_BODY = "11010519800101123"
ID_NUMBER = ID_BODY + id_check_character(ID_BODY)
MASKED_ID = f"110***********{ID_NUMBER[-4:]}"
PAGE = "enterprise/91140902MA05TE4N15/index.html"
PAYLOADS = (
    '<p>经营者身份证 {id}</p><script>alert("x")</script><img src="x.png" onerror="alert(1)">'
    '<a href=" javascript:alert(1)">看看</a><iframe src="/x.html"></iframe>'
    '<img src="https://tracker.example/p.gif"><a href="https://www.gov.cn/">中国政府网</a>'
)


def _audit(*arguments: str):
    return CliRunner().invoke(cli, ["audit", *arguments])


def test_the_demo_site_audits_clean(demo_site) -> None:
    done = _audit(str(demo_site[0]), "--no-progress")
    assert done.exit_code == 0, done.output
    assert "未发现问题" in done.output


def test_the_deployed_shape_audits_clean(public_site) -> None:
    """With site_url set, canonical links and feeds name the site itself: not external."""
    done = _audit(str(public_site[0]))
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="module")
def planted_site(demo_site, tmp_path_factory) -> Path:
    """A copy of the demo site with one payload of each kind planted."""
    site = tmp_path_factory.mktemp("audit") / "site"
    shutil.copytree(demo_site[0], site)
    page = site / PAGE
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", PAYLOADS.format(id=ID_NUMBER) + "</article>", 1))
    css = site / "assets" / "stylesheets" / "gongkai.css"
    css.write_text('@import url("https://fonts.example/a.css");\n' + css.read_text("utf-8"))
    with (site / "data" / "results.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(['=HYPERLINK("https://x.example","点我")', "-12", "+3.5"])
    book = openpyxl.Workbook()
    book.active["A1"] = "=1+1"
    book.active["B2"] = "手机 13912345678"
    book.save(site / "data" / "extra.xlsx")
    pq.write_table(
        pa.table({"note": ["无", f"身份证 {ID_NUMBER}"]}), site / "data" / "extra.parquet"
    )
    with contextlib.closing(sqlite3.connect(site / "data" / "gongkai.sqlite")) as db:
        db.execute("UPDATE results SET note = '座机 0351-2345678' WHERE rowid = 3")
        db.commit()
    return site


@pytest.fixture(scope="module")
def planted_audit(planted_site):
    return _audit(str(planted_site), "--no-progress")


def _findings(result) -> list[tuple[str, str, str]]:
    """(file and location, kind, excerpt) of each finding line."""
    found = []
    for line in result.output.splitlines():
        if "：[" in line:
            where, rest = line.split("：[", 1)
            kind, shown = rest.split("] ", 1)
            found.append((where, kind, shown))
    return found


def test_every_planted_payload_is_found(planted_audit) -> None:
    assert planted_audit.exit_code == 1
    found = _findings(planted_audit)
    on_page = {kind for where, kind, _ in found if where.startswith(PAGE + " 第 ")}
    assert on_page == {"身份证号", "脚本", "事件属性", "脚本链接", "嵌入框架或对象", "外部资源"}
    assert not any("www.gov.cn" in shown for _, _, shown in found)  # a link elsewhere is fine
    assert [s for w, k, s in found if k == "公式单元格" and "results.csv" in w] == [
        '=HYPERLINK("https://x.example","点我")'
    ]  # -12 and +3.5 are numbers, not formulas
    where = {(w, k) for w, k, _ in found}
    assert ("data/extra.xlsx 工作表「Sheet」单元格 A1", "公式单元格") in where
    assert ("data/extra.xlsx 工作表「Sheet」单元格 B2", "手机号") in where
    assert ("data/extra.parquet 第 2 行「note」列", "身份证号") in where
    assert ("data/gongkai.sqlite 表 results 第 3 行「note」列", "固定电话") in where
    assert ("assets/stylesheets/gongkai.css 第 1 行", "外部资源") in where
    assert "发现" in planted_audit.output and "处问题" in planted_audit.output


def test_findings_never_show_the_number(planted_audit) -> None:
    assert ID_NUMBER not in planted_audit.output and "13912345678" not in planted_audit.output
    assert MASKED_ID in planted_audit.output


def test_allowed_numbers_are_not_findings(planted_site, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "about").mkdir(parents=True)
    (site / "about" / "index.html").write_text("<p>联系电话 0351-2345678，手机 139 1234 5678</p>")
    assert _audit(str(site)).exit_code == 1
    done = _audit(str(site), "--allow", "(0351)2345678", "--allow", "13912345678")
    assert done.exit_code == 0, done.output


def test_a_missing_site_exits_2(tmp_path: Path) -> None:
    done = _audit(str(tmp_path / "nothing"))
    assert done.exit_code == 2
    assert "网站目录不存在" in done.output
