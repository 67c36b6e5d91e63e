"""A results-only corpus shaped unlike the demo, found name by name and code by code in Chromium.

Three exports as other platforms write them: a GB18030 CSV with the national system's headers and
``2024/5/6`` dates, an XLSX with a merged title row, line breaks in header cells, serial-number
dates and old result wordings, and a data-centre CSV (``ENTNAME``/``UNISCID``/``REGNO``) where
a firm registered before 2015 has only its 15-digit 注册号. No task or plan list.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from helpers import type_query
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_10

from generator.build import build_site
from generator.model.identity import record_path
from generator.publish.site.preview import create_server

pytestmark = pytest.mark.slow

TASK = ("330106202405011000", "2024年西湖区企业公示信息双随机抽查", "杭州市西湖区市场监督管理局")
PLAN = ("33000020241000", "2024年度杭州市西湖区双随机抽查计划")


def _code(kind: str, want: str = "") -> str:
    """The first valid credit code of a kind whose check character is ``want`` (any if empty)."""
    for n in itertools.count():
        body = f"{kind}330106MA2{n:06d}"
        check = uscc.calc_check_digit(body)
        if not want or check == want:
            return body + check
    raise AssertionError


REGNO = "33010600001234" + mod_11_10.calc_check_digit("33010600001234")
# name, code, file: which export carries it.
FIRMS = [
    ("𠮷野家餐饮管理（上海）有限公司杭州西湖分公司", _code("91", "X"), "gsxt"),
    ("杭州市西湖区王𬌗小吃店", _code("92", "5"), "gsxt"),
    ("华润超市", _code("91", "A"), "gsxt"),
    ("华润超市有限公司", _code("91", "B"), "xlsx"),
    ("中国联合网络通信有限公司杭州市富阳区分公司桂花西路第二营业厅", _code("91", "C"), "xlsx"),
    ("中国联合网络通信有限公司杭州市富阳区分公司桂花西路第三营业厅", _code("91", "D"), "datacentre"),
    ("阿依古丽·买买提烧烤店", _code("92", "E"), "xlsx"),
    ("石家庄市长安区〇〇七网吧", _code("92", "7"), "datacentre"),
    ("7-ELEVEN便利店（长安店）", _code("91", "9"), "gsxt"),
    ("雅芳(中国)有限公司浙江分公司", _code("91", "0"), "xlsx"),
    ("杭州市西湖区骅业商贸公司", REGNO, "datacentre"),
]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def _write_corpus(data: Path) -> None:
    by_file = {key: [f for f in FIRMS if f[2] == key] for key in ("gsxt", "xlsx", "datacentre")}
    header = ["序号", "抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "抽查机关",
              "企业名称", "统一社会信用代码/注册号", "抽查完成日期", "抽查结果"]
    rows = [[str(n), *PLAN, *TASK[:2], "不定向", TASK[2], name, code, f"2024/5/{n}", "未发现问题"]
            for n, (name, code, _) in enumerate(by_file["gsxt"], 1)]
    (data / "双随机抽查结果信息.csv").write_bytes(_csv_bytes([header, *rows], "gb18030"))

    book = openpyxl.Workbook()
    sheet = book.active
    header = ["序号", "抽查任务编号", "抽查\n类型", "抽查市场主体名称", "统一社会信用代码/注册号", "检查完成日期", "检查 结果"]
    sheet.append(["XX市市场监督管理局双随机抽查结果公示"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for name, code, _ in by_file["xlsx"]:
        sheet.append([1, TASK[0], "不定向抽查", name, code, 45420, "正常（符合信息公示相关规定）"])
    book.save(data / "抽查结果公告.xlsx")

    header = ["ENTNAME", "UNISCID", "REGNO", "抽查任务编号", "INSAUTH_CN", "INSDATE", "INSRES_CN"]
    rows = [[name, "" if code == REGNO else code, code if code == REGNO else "", TASK[0], "西湖局",
             "2024-06-03 00:00:00", "发现问题经责令已改正"] for name, code, _ in by_file["datacentre"]]
    (data / "企业抽查信息.csv").write_bytes(b"\xef\xbb\xbf" + _csv_bytes([header, *rows], "utf-8"))


@pytest.fixture(scope="module")
def heldout(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    root = tmp_path_factory.mktemp("heldout")
    data = root / "data"
    data.mkdir()
    _write_corpus(data)
    report = build_site(data, root / "site", progress=False)
    with create_server(root / "site", port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}/", report
        server.shutdown()


def test_every_row_is_published(heldout) -> None:
    _, report = heldout
    assert (report["rows_in"], report["rows_published"], report["errors"]) == (len(FIRMS), len(FIRMS), [])


def test_each_enterprise_is_first_for_its_name_and_its_code(browser, heldout) -> None:
    url, _ = heldout
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    misses = []
    for name, code, _ in FIRMS:
        expected = "/" + record_path("enterprise", code)
        for query in (name, code):
            found = type_query(page, query)
            if found[:1] != [expected]:
                misses.append((query, found[:3]))
    for name, code, _ in FIRMS:
        page.goto(url + record_path("enterprise", code))
        assert code in page.inner_text("h1, .gongkai-record-code, body")
        assert page.locator("table tbody tr").count() >= 1, name
    page.close()
    assert misses == [] and errors == []
