"""End to end: the open data of the demo site (``SITE_DIR/data/``) checked with the real
tools, and of a site built from hostile exports."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from bs4 import BeautifulSoup
from helpers import DATA_DIR, personal_values, valid_code, write_csv
from test_datasets import (
    read_csv_rows,
    read_json_rows,
    read_parquet_rows,
    read_sqlite_rows,
    read_xlsx_rows,
)

from generator.build import REPORT_PATH, build_site
from generator.model.entities import Model, build_model
from generator.model.tables import (
    CHECKSUMS_FILE,
    HISTORY_FILE,
    INDEX_FILE,
    TABLES,
    published_tables,
    sorted_rows,
    withheld_fields,
)
from generator.publish.data.catalog import CATALOG_FILES
from generator.publish.data.derived import CSV_TRIGGERS
from generator.publish.data.downloads import DATAPACKAGE_FILE, FTS_COLUMNS, FTS_EXAMPLE, SQLITE_FILE
from generator.publish.site.open_data import fts_example_sql
from generator.publish.site.sanitize import is_clean
from generator.validate.folder import validate_folder

pytestmark = pytest.mark.slow

FRICTIONLESS = Path(sys.executable).with_name("frictionless")
FORMATS = ("csv", "json", "xlsx", "parquet")


@pytest.fixture(scope="module")
def demo_model() -> Model:
    validated = validate_folder(DATA_DIR)
    return build_model(validated.public_tables(), validated.data_as_of)


def _data(site: Path) -> Path:
    return site / "data"


def _expected(model: Model, table: str) -> list[dict]:
    return sorted_rows(published_tables()[table], model.tables.get(table, []))


# The demo site


def test_frictionless_validates_the_data_package(demo_site):
    from frictionless import validate

    package = _data(demo_site[0]) / DATAPACKAGE_FILE
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", str(package)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = validate(package)
    assert report.valid, report.flatten(["type", "message"])
    # statistics.csv: the figures of the 统计 page (generator/stats/), and what each counted.
    assert {t.name for t in report.tasks if t.type == "table"} == set(TABLES) | {
        "statistics", "statistics_members"}  # fmt: skip


def test_sha256sum_checks_every_download(demo_site):
    data = _data(demo_site[0])
    done = subprocess.run(
        ["sha256sum", "-c", "--strict", CHECKSUMS_FILE],
        cwd=data,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    checked = {line.rsplit(": ", 1)[0] for line in done.stdout.splitlines()}
    downloads = {p.name for p in data.iterdir()} - {CHECKSUMS_FILE, Path(REPORT_PATH).name}
    assert checked == downloads
    # A first release has its history but no delta (there is nothing to compare with).
    assert {f"{t}.{f}" for t in TABLES for f in FORMATS} | {SQLITE_FILE, DATAPACKAGE_FILE,
                                                            INDEX_FILE, HISTORY_FILE, "statistics.csv",
                                                            "statistics_members.csv",
                                                            *CATALOG_FILES} == downloads  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
def test_every_format_gives_the_model_rows(demo_site, demo_model, table):
    data = _data(demo_site[0])
    expected = _expected(demo_model, table)
    assert expected, table
    assert read_csv_rows(data / f"{table}.csv", table) == expected
    assert read_json_rows(data / f"{table}.json") == expected
    assert read_xlsx_rows(data / f"{table}.xlsx", table) == expected
    assert read_parquet_rows(data / f"{table}.parquet") == expected
    assert read_sqlite_rows(data / SQLITE_FILE, table) == expected


def test_identifiers_keep_leading_zeros_and_trailing_x(demo_site, demo_model):
    data = _data(demo_site[0])
    codes = {r["uscc"] for r in demo_model.tables["results"]}
    assert any(c.endswith("X") for c in codes)
    import pandas as pd

    frame = pd.read_csv(data / "results.csv", dtype={"uscc": str, "region_code": str})
    assert set(frame["uscc"]) == codes
    assert set(pd.read_parquet(data / "results.parquet")["uscc"]) == codes
    tasks = pd.read_excel(data / "tasks.xlsx", sheet_name="tasks", dtype=object)
    assert set(tasks["task_id"]) == {t["task_id"] for t in demo_model.tables["tasks"]}
    assert tasks["population_size"].map(type).eq(int).all()


def test_index_json_describes_the_release(demo_site, demo_model):
    data = _data(demo_site[0])
    index = json.loads((data / INDEX_FILE).read_text(encoding="utf-8"))
    package = json.loads((data / DATAPACKAGE_FILE).read_text(encoding="utf-8"))
    as_of = demo_model.data_as_of
    assert index["version"] == package["version"]
    assert index["version"].startswith(as_of.replace("-", "") + "-")
    assert index["data_as_of"] == as_of == package["gongkai:dataAsOf"]
    assert package["created"] == f"{as_of}T00:00:00Z"
    assert index["previous"] is None
    assert index["counts"] == {t: len(demo_model.tables[t]) for t in TABLES}
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (data / CHECKSUMS_FILE).read_text(encoding="ascii").splitlines()
    )
    for resource in index["resources"]:
        assert resource["hash"] == f"sha256:{sums[resource['path']]}"


def test_no_csv_cell_of_the_demo_starts_with_a_formula_trigger(demo_site):
    _assert_no_trigger(_data(demo_site[0]))


def test_the_documented_fts_example_finds_the_rows(demo_site, demo_model):
    site = demo_site[0]
    page = BeautifulSoup((site / "open-data/index.html").read_text(encoding="utf-8"), "html.parser")
    blocks = [code.get_text() for code in page.select("article pre code")]
    sql = next(b for b in blocks if "MATCH" in b)
    assert sql.strip() == fts_example_sql()
    db = sqlite3.connect(f"file:{_data(site) / SQLITE_FILE}?mode=ro", uri=True)
    found = {(row[0], row[1], row[2]) for row in db.execute(sql)}
    wanted = {
        (r["entity_name"], r["uscc"], r["item"])
        for r in demo_model.tables["results"]
        if any(FTS_EXAMPLE in (r.get(c) or "") for c in FTS_COLUMNS)
    }
    assert len(FTS_EXAMPLE) == 2 and wanted
    assert found == wanted


def test_nothing_withheld_or_internal_is_under_data(demo_site):
    names = {f.name for fields in withheld_fields().values() for f in fields}
    values = personal_values()
    assert names >= {"risk_class", "operator_id_number"} and values
    for path in sorted(_data(demo_site[0]).iterdir()):
        data = path.read_bytes()
        for text in sorted(names | values):
            assert text.encode("utf-8") not in data, (path.name, text)


def test_open_data_page_lists_every_download_with_json_ld(demo_site):
    site = demo_site[0]
    data = _data(site)
    page = BeautifulSoup((site / "open-data/index.html").read_text(encoding="utf-8"), "html.parser")
    article = page.select_one("article.md-content__inner")
    assert is_clean(article.decode_contents())
    hrefs = {a["href"] for a in article.find_all("a", href=True)}
    text = article.get_text()
    sums = (data / CHECKSUMS_FILE).read_text(encoding="ascii").splitlines()
    for line in sums:
        digest, name = line.split("  ", 1)
        assert f"../data/{name}" in hrefs and digest in text
    assert "../data/SHA256SUMS" in hrefs
    (script,) = page.find_all("script", type="application/ld+json")
    assert script.find_parent("head") is not None
    document = json.loads(script.string)
    assert "Dataset" in document["@type"]
    index = json.loads((data / INDEX_FILE).read_text(encoding="utf-8"))
    assert document["version"] == index["version"]
    assert document["license"] == "https://creativecommons.org/licenses/by/4.0/"
    checksums = {
        d["contentUrl"].removeprefix("../data/"): d["spdx:checksum"]["spdx:checksumValue"]
        for d in document["distribution"]
    }
    assert all(v["@type"] == "xsd:hexBinary" for v in checksums.values())
    # Every file but the catalogue, which states these checksums (tests/test_dcat.py).
    assert {name: {"@value": digest, "@type": "xsd:hexBinary"}
            for digest, name in (s.split("  ", 1) for s in sums)
            if name not in CATALOG_FILES} == checksums  # fmt: skip


def test_dictionary_page_covers_every_published_field(demo_site):
    site = demo_site[0]
    page = BeautifulSoup(
        (site / "open-data/dictionary/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    article = page.select_one("article.md-content__inner")
    assert is_clean(article.decode_contents())
    for name, table in published_tables().items():
        rows = article.find(id=name).find_next("table").select("tbody tr")
        assert [r.find("td").get_text() for r in rows] == table.field_names
    cells = {td.get_text() for td in article.select("td")}
    assert not {f.name for fs in withheld_fields().values() for f in fs} & cells
    assert "身份证号" in article.get_text()  # named in the note on what is withheld


def test_open_data_pages_are_in_the_navigation(demo_site):
    site = demo_site[0]
    page = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in page.select("nav.md-nav a[href]")}
    assert links.get("下载", "").rstrip("/").endswith("open-data")
    assert links.get("数据字典", "").rstrip("/").endswith("open-data/dictionary")


def test_same_downloads_under_another_clock_locale_and_folder(demo_site, tmp_path):
    """A build in another process, time zone, locale and working directory writes the same
    data folder, byte for byte: the SHA256SUMS first of all."""
    site, _ = demo_site
    again = tmp_path / "again"
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "LANG")}
    env.update(TZ="Pacific/Kiritimati", LC_ALL="C", PYTHONHASHSEED="7")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(DATA_DIR), "--out", str(again),
         "--no-progress"],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # built, with the demo's quarantined rows
    first, second = _data(site), _data(again)
    assert (second / CHECKSUMS_FILE).read_bytes() == (first / CHECKSUMS_FILE).read_bytes()
    assert sorted(p.name for p in second.iterdir()) == sorted(p.name for p in first.iterdir())
    for path in first.iterdir():
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name


# Hostile exports

HOSTILE = ['=HYPERLINK("http://x","点我")', "+1", "-1", "@SUM(1+1)", "=1+2"]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A site built from exports whose text starts with formula triggers."""
    data = tmp_path_factory.mktemp("hostile-open-data") / "data"
    data.mkdir()
    numbered = list(enumerate(HOSTILE))
    write_csv(
        data / "items.csv",
        ["事项编码", "事项类别", "抽查事项名称", "抽查子项", "检查主体", "所属行业"],
        [[f"SJ-{n}", "一般检查事项", text, text, text, "餐饮"] for n, text in numbered],
    )
    write_csv(
        data / "plans.csv",
        ["抽查计划编号", "抽查计划名称", "年度", "制定部门", "发布日期"],
        [["-P1", HOSTILE[0], "2024", HOSTILE[3], "2024-02-26"]],
    )
    write_csv(
        data / "tasks.csv",
        ["抽查任务编号", "抽查计划编号", "抽查任务名称", "检查机关", "抽查事项", "检查日期自"],
        [[f"T{n}", "-P1", text, text, f"SJ-{n}", "2024-03-08"] for n, text in numbered],
    )
    write_csv(
        data / "results.csv",
        ["抽查任务编号", "企业名称", "统一社会信用代码", "检查事项", "检查结果", "检查完成日期",
         "公示日期", "备注"],
        [[f"T{n}", f"{text}食品店", valid_code(n), f"SJ-{n}", "发现问题已责令改正",
          "2024-05-06", "2024-05-10", text]
         for n, text in numbered],
    )  # fmt: skip
    site = data.parent / "site"
    report = build_site(data, site)
    assert report["rows_quarantined"] == 0, report["errors"]
    return site


def _assert_no_trigger(data: Path) -> None:
    for table in TABLES:
        with (data / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(CSV_TRIGGERS[:-1]), (table, cell)


def test_hostile_csv_cells_are_neutralised(hostile_site):
    data = _data(hostile_site)
    _assert_no_trigger(data)
    assert "'=HYPERLINK(" in (data / "items.csv").read_text(encoding="utf-8-sig")
    names = {r["name"] for r in read_csv_rows(data / "items.csv", "items")}
    assert names == set(HOSTILE)  # the guard comes off exactly


def test_hostile_xlsx_has_no_formula(hostile_site):
    data = _data(hostile_site)
    seen = set()
    for table in TABLES:
        book = openpyxl.load_workbook(data / f"{table}.xlsx")
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (table, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert set(HOSTILE) <= seen


def test_hostile_data_package_is_still_valid(hostile_site):
    from frictionless import validate

    report = validate(_data(hostile_site) / DATAPACKAGE_FILE)
    assert report.valid, report.flatten(["type", "message"])
    done = subprocess.run(
        ["sha256sum", "-c", CHECKSUMS_FILE], cwd=_data(hostile_site), capture_output=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0


def test_hostile_fts_finds_two_characters(hostile_site):
    db = sqlite3.connect(_data(hostile_site) / SQLITE_FILE)
    found = db.execute(fts_example_sql()).fetchall()
    assert len(found) == len(HOSTILE)
