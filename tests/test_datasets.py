"""Tests for generator.publish.data.datasets: every download format, the data package, the release index
and checksums, reloaded with the tools a journalist would use (pandas, openpyxl, pyarrow,
sqlite3, frictionless)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import markdown
import openpyxl
import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal

from generator.core.errors import ConfigError
from generator.model.entities import build_model
from generator.model.tables import (
    CHECKSUMS_FILE,
    INDEX_FILE,
    TABLES,
    published_tables,
    sorted_rows,
    withheld_fields,
)
from generator.publish.data.catalog import CATALOG_TTL, distributed
from generator.publish.data.datasets import release_version, table_schema, write_datasets
from generator.publish.data.derived import CSV_TRIGGERS, neutralise_csv_cell, restore_csv_cell
from generator.publish.data.downloads import (
    DATAPACKAGE_FILE,
    FORMATS,
    FTS_COLUMNS,
    FTS_EXAMPLE,
    FTS_TABLE,
    SQLITE_FILE,
    OpenDataSettings,
    fts_query,
    open_data_settings,
    segment_text,
)
from generator.publish.data.exporters import EXPORTERS, XLSX_CREATED, XLSX_ZIP_TIME
from generator.publish.site.dictionary import render_dictionary_page
from generator.publish.site.markdown import DICTIONARY_PAGE, OPEN_DATA_PAGE
from generator.publish.site.open_data import (
    fts_example_sql,
    render_open_data_json_ld,
    render_open_data_page,
)
from generator.publish.site.pages import render_generated_pages
from generator.publish.site.sanitize import is_clean

HOSTILE_CELLS = [
    '=HYPERLINK("http://x","点我")',
    "+1",
    "-1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "'已带引号",
]
SETTINGS = OpenDataSettings(title="示例县公示平台", publisher="示例县市场监督管理局")
WITHHELD_VALUES = ("110101199003071234", "13800138000", "risk-secret")


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Small public tables: ids with leading zeros and a trailing X, a 15-digit 注册号,
    integers, empty values, dates, and hostile text in every text column that allows it."""
    items = [
        {
            "item_id": "007",
            "name": HOSTILE_CELLS[0],
            "category": "一般检查事项",
            "department": "示例县市场监督管理局",
            "industry": "餐饮",
            "list_number": "01",
        },
        {
            "item_id": "SJ-010",
            "name": "食品经营许可情况的检查",
            "sub_item": HOSTILE_CELLS[1],
            "category": "重点检查事项",
            "department": "示例县市场监督管理局",
            "industry": "餐饮",
        },
    ]
    plans = [
        {
            "plan_id": "-0140902",
            "name": HOSTILE_CELLS[2],
            "year": 2024,
            "start": "2024-03-01",
            "end": "2024-11-30",
            "published_on": "2024-02-26",
            "level": "县",
        },
    ]
    tasks = [
        {
            "task_id": "0001",
            "plan_id": "-0140902",
            "name": "食品安全双随机抽查",
            "check_type": "定向",
            "region_code": "140902",
            "population_size": 460,
            "sample_size": 0,
            "start": "2024-03-08",
            "item_ids": "007；SJ-010",
        },
        {"task_id": "0002", "plan_id": None, "name": HOSTILE_CELLS[3], "population_size": None},
    ]
    draws = [
        {
            "draw_id": "CQ-0001",
            "position": position,
            "task_id": "0001",
            "drawn_at": "2024-03-05T10:53:00+08:00",
            "drawn_kind": "检查对象",
            "population_size": 460,
            "seed": "00ab",
            "uscc": "91140902MA0CGUNN1X",
            "entity_name": "示例县春晖酒楼有限公司",
            "risk_class": "A",
        }
        for position in (10, 2, 1)
    ]
    results = [
        {
            "result_id": "r-0003",
            "task_id": "0001",
            "task_name": "食品安全双随机抽查",
            "authority": "示例县市场监督管理局",
            "entity_name": "示例县春晖酒楼有限公司",
            "uscc": "91140902MA0CGUNN1X",
            "code_type": "统一社会信用代码",
            "entity_type": "企业",
            "region_code": "140902",
            "item": "食品经营许可情况的检查",
            "item_id": "SJ-010",
            "outcome": "未发现问题",
            "outcome_code": "01",
            "inspected_on": "2024-06-15",
            "published_on": "2024-06-22",
            "operator_name": "杨*",
            "operator_id_number": WITHHELD_VALUES[0],
            "operator_phone": WITHHELD_VALUES[1],
            "risk_class": WITHHELD_VALUES[2],
        },
        {
            "result_id": "r-0001",
            "task_id": "0001",
            "task_name": "食品安全双随机抽查",
            "authority": "示例县市场监督管理局",
            "entity_name": HOSTILE_CELLS[4],
            "uscc": "140902200012345",
            "code_type": "注册号",
            "item": "住宿卫生",
            "outcome": "发现问题已责令改正",
            "inspected_on": "2024-06-16",
            "findings": "第一行\n第二行",
        },
        {
            "result_id": "r-0002",
            "task_id": "0002",
            "task_name": HOSTILE_CELLS[3],
            "authority": "示例县卫生健康局",
            "entity_name": HOSTILE_CELLS[5],
            "uscc": "01140902MA0CGUNN1X",
            "item": "公共场所卫生",
            "outcome": "未发现问题",
            "inspected_on": "2024-06-17",
            "note": "含控制字符\x07的备注",
        },
    ]
    handbook = [
        {
            "industry": "餐饮",
            "section": "01",
            "title": HOSTILE_CELLS[6],
            "body": "**正文**",
            "item_ids": "007",
            "updated_on": "2024-03-12",
        },
    ]
    return {"items": items, "plans": plans, "tasks": tasks, "draws": draws,
            "results": results, "handbook": handbook}  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Any, dict[str, list[dict[str, Any]]]]:
    """(folder, release, expected rows per table) for the small tables."""
    folder = tmp_path_factory.mktemp("datasets") / "data"
    model = build_model(_tables(), "2024-06-22")
    release = write_datasets(model, folder, SETTINGS, sources=["exports/b.csv", "exports/a.xlsx"])
    tables = published_tables()
    expected = {name: sorted_rows(tables[name], model.tables.get(name, [])) for name in TABLES}
    return folder, release, expected


# Reading the downloads back, as a user would


def read_csv_rows(path: Path, table: str) -> list[dict[str, Any]]:
    """A CSV through pandas (identifiers as text), the guard undone, types restored."""
    import pandas as pd

    spec = published_tables()[table]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == spec.field_names
    rows = []
    for record in frame.to_dict("records"):
        row = {}
        for field in spec.fields:
            value = record[field.name]
            if value == "":
                row[field.name] = None
            elif field.type == "integer":
                row[field.name] = int(value)
            else:
                row[field.name] = restore_csv_cell(value)
        rows.append(row)
    return rows


def read_json_rows(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def read_xlsx_rows(path: Path, table: str) -> list[dict[str, Any]]:
    """The data sheets of a workbook (every sheet but 字段说明), header row as keys."""
    book = openpyxl.load_workbook(path)
    rows: list[dict[str, Any]] = []
    for sheet in book.worksheets:
        if sheet.title == "字段说明":
            continue
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == published_tables()[table].field_names
        rows += [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    return rows


def read_parquet_rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
        for row in pq.read_table(path).to_pylist()
    ]


def read_sqlite_rows(path: Path, table: str) -> list[dict[str, Any]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]
    finally:
        db.close()


def xlsx_cleaned(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a workbook can hold: XML-illegal control characters become U+FFFD, CR becomes LF."""

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.replace("\x07", "\ufffd").replace("\r", "\n")

    return [{k: clean(v) for k, v in row.items()} for row in rows]


# Every format holds the same rows


@pytest.mark.parametrize("table", TABLES)
def test_every_format_reloads_to_the_same_rows(written, table):
    folder, _, expected = written
    rows = expected[table]
    assert read_csv_rows(folder / f"{table}.csv", table) == rows
    assert read_json_rows(folder / f"{table}.json") == rows
    assert read_xlsx_rows(folder / f"{table}.xlsx", table) == xlsx_cleaned(rows)
    assert read_parquet_rows(folder / f"{table}.parquet") == rows
    assert read_sqlite_rows(folder / SQLITE_FILE, table) == rows


def test_a_long_table_is_written_to_parquet_in_row_groups(written, tmp_path, monkeypatch):
    """Rows go out a row group at a time, so the Parquet lane's memory does not grow with
    the table: read back, the file holds the same rows and schema as a one-group file."""
    import pyarrow.parquet as pq

    from generator.publish.data import exporters

    folder, _, expected = written
    monkeypatch.setattr(exporters, "PARQUET_GROUP_ROWS", 2)
    small = tmp_path / "data"
    write_datasets(build_model(_tables(), "2024-06-22"), small, SETTINGS)
    grouped = pq.ParquetFile(small / "results.parquet")
    whole = pq.ParquetFile(folder / "results.parquet")
    assert whole.metadata.num_row_groups == 1
    assert grouped.metadata.num_row_groups == (len(expected["results"]) + 1) // 2 > 1
    assert grouped.schema_arrow.equals(whole.schema_arrow, check_metadata=True)
    assert read_parquet_rows(small / "results.parquet") == expected["results"]
    # A table no longer than one row group is the same bytes whatever the group size.
    assert (small / "items.parquet").read_bytes() == (folder / "items.parquet").read_bytes()


def test_identifiers_stay_text_and_integers_stay_integers(written):
    folder, _, _ = written
    codes = {"91140902MA0CGUNN1X", "140902200012345", "01140902MA0CGUNN1X"}
    assert {r["uscc"] for r in read_csv_rows(folder / "results.csv", "results")} == codes
    assert {r["uscc"] for r in read_xlsx_rows(folder / "results.xlsx", "results")} == codes
    assert {r["uscc"] for r in read_parquet_rows(folder / "results.parquet")} == codes
    items = read_xlsx_rows(folder / "items.xlsx", "items")
    assert [r["item_id"] for r in items] == ["007", "SJ-010"]
    tasks = read_sqlite_rows(folder / SQLITE_FILE, "tasks")
    assert [(t["task_id"], t["sample_size"]) for t in tasks] == [("0001", 0), ("0002", None)]
    db = sqlite3.connect(folder / SQLITE_FILE)
    assert db.execute("SELECT typeof(task_id), typeof(population_size) FROM tasks").fetchall()[
        0
    ] == ("text", "integer")
    import pyarrow.parquet as pq

    schema = pq.read_schema(folder / "tasks.parquet")
    assert str(schema.field("task_id").type) == "string"
    assert str(schema.field("population_size").type) == "int64"
    assert str(schema.field("start").type) == "date32[day]"
    assert schema.metadata is not None and b"pandas" not in schema.metadata


def test_rows_are_sorted_by_primary_key(written):
    folder, _, _ = written
    assert [r["position"] for r in read_json_rows(folder / "draws.json")] == [1, 2, 10]
    assert [r["result_id"] for r in read_json_rows(folder / "results.json")] == [
        "r-0001", "r-0002", "r-0003"
    ]  # fmt: skip


def test_json_is_an_array_of_objects_in_schema_order(written):
    folder, _, _ = written
    rows = read_json_rows(folder / "plans.json")
    assert isinstance(rows, list) and list(rows[0]) == published_tables()["plans"].field_names
    assert rows[0]["content"] is None and rows[0]["year"] == 2024


# Spreadsheet safety


def test_no_csv_text_cell_starts_with_a_formula_trigger(written):
    folder, _, _ = written
    for table in TABLES:
        with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(CSV_TRIGGERS[:-1]), (table, cell)
    text = (folder / "items.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert (folder / "items.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("value", [*HOSTILE_CELLS, "普通文本", "", "a'b"])
def test_csv_guard_round_trips(value):
    guarded = neutralise_csv_cell(value)
    assert not guarded.startswith(CSV_TRIGGERS[:-1])
    assert restore_csv_cell(guarded) == value


def test_xlsx_has_no_formula_cells_and_fixed_properties(written):
    folder, _, _ = written
    for table in TABLES:
        book = openpyxl.load_workbook(folder / f"{table}.xlsx")
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (table, cell.coordinate, cell.value)
        assert book.properties.created == XLSX_CREATED
        assert book.properties.modified == XLSX_CREATED
        with zipfile.ZipFile(folder / f"{table}.xlsx") as archive:
            assert {info.date_time for info in archive.infolist()} == {XLSX_ZIP_TIME}
            sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    names = [r["name"] for r in read_xlsx_rows(folder / "items.xlsx", "items")]
    assert HOSTILE_CELLS[0] in names  # shown as the text it is


def test_xlsx_documents_its_columns(written):
    folder, _, _ = written
    book = openpyxl.load_workbook(folder / "results.xlsx")
    notes = list(book["字段说明"].iter_rows(values_only=True))
    assert notes[0] == ("字段名", "中文名", "类型", "说明")
    assert [n[0] for n in notes[1:]] == published_tables()["results"].field_names


# Full-text search


def test_segment_text_and_queries():
    assert segment_text("示例县酒楼（KTV）") == "示例 例县 县酒 酒楼 示 例 县 酒 楼 ktv"
    assert segment_text(None) == ""
    assert fts_query("食品") == '"食品"'
    assert fts_query("食品销售 示例县") == '"食品 品销 销售" AND "示例 例县"'


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("食品", ["r-0001", "r-0003"]),  # task name of both
        ("酒楼", ["r-0003"]),  # entity name
        ("卫生", ["r-0001", "r-0002"]),  # item
        ("春晖酒楼", ["r-0003"]),  # a longer word, as a phrase of bigrams
        ("楼春", []),  # both characters, but not next to each other
        ("健", ["r-0002"]),  # one character
        ("91140902MA0CGUNN1X", ["r-0003"]),  # a whole credit code
    ],
)
def test_fts_finds_chinese_substrings(written, query, expected):
    folder, _, _ = written
    db = sqlite3.connect(folder / SQLITE_FILE)
    found = db.execute(
        f"SELECT r.result_id FROM {FTS_TABLE} JOIN results AS r ON r.rowid = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH ? ORDER BY r.result_id",
        (fts_query(query),),
    ).fetchall()
    assert [r for (r,) in found] == expected


def test_documented_fts_example_runs(written):
    folder, _, expected = written
    db = sqlite3.connect(folder / SQLITE_FILE)
    found = {row[1] for row in db.execute(fts_example_sql())}
    wanted = {
        r["uscc"] for r in expected["results"]
        if any(FTS_EXAMPLE in (r.get(c) or "") for c in FTS_COLUMNS)
    }  # fmt: skip
    assert found == wanted and wanted


# Data package, release index, checksums


def test_datapackage_is_valid_for_frictionless(written):
    from frictionless import validate

    folder, _, _ = written
    report = validate(folder / DATAPACKAGE_FILE)
    assert report.valid, report.flatten(["type", "message"])
    assert {task.name for task in report.tasks} >= set(TABLES)


def test_datapackage_describes_every_file(written):
    folder, release, _ = written
    package = json.loads((folder / DATAPACKAGE_FILE).read_text(encoding="utf-8"))
    assert package["version"] == release.version
    assert package["created"] == "2024-06-22T00:00:00Z"
    assert package["gongkai:dataAsOf"] == "2024-06-22"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["contributors"] == [{"title": "示例县市场监督管理局", "role": "publisher"}]
    assert package["sources"] == [
        {"title": "导出文件 exports/a.xlsx"},
        {"title": "导出文件 exports/b.csv"},
    ]
    paths = {r["path"] for r in package["resources"]}
    expected = {f"{t}.{f}" for t in TABLES for f in ("csv", "json", "xlsx", "parquet")}
    assert paths == expected | {SQLITE_FILE}
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    results = next(r for r in package["resources"] if r["name"] == "results")
    fields = {f["name"]: f for f in results["schema"]["fields"]}
    assert fields["operator_name"]["publicity"] == "masked"
    assert not {"operator_id_number", "operator_phone", "risk_class"} & set(fields)
    assert "synonyms" not in fields["uscc"]
    assert results["encoding"] == "utf-8-sig"
    assert results["schema"]["foreignKeys"][0]["reference"]["resource"] == "tasks"
    plans = next(r for r in package["resources"] if r["name"] == "plans")
    # "-0140902" got a guard in the CSV: the pattern accepts the guarded form.
    plan_id = next(f for f in plans["schema"]["fields"] if f["name"] == "plan_id")
    assert plan_id["constraints"]["pattern"].startswith("'?(?:")


def test_index_and_checksums(written):
    folder, release, _ = written
    index = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    assert (
        index["version"] == release.version == release_version("2024-06-22", release.content_hash)
    )
    assert index["version"].startswith("20240622-")
    assert index["previous"] is None and index["data_as_of"] == "2024-06-22"
    assert index["counts"] == {"items": 2, "plans": 1, "tasks": 2, "draws": 3, "results": 3,
                               "handbook": 1, "replies": 0}  # fmt: skip
    listed = {r["path"]: r["hash"] for r in index["resources"]}
    assert DATAPACKAGE_FILE in listed and INDEX_FILE not in listed
    sums = (folder / CHECKSUMS_FILE).read_text(encoding="ascii").splitlines()
    names = [line.split("  ", 1)[1] for line in sums]
    assert names == sorted(names) and CHECKSUMS_FILE not in names
    assert set(names) == {p.name for p in folder.iterdir()} - {CHECKSUMS_FILE}
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_nothing_withheld_reaches_a_download(written):
    folder, _, _ = written
    names = {f.name for fields in withheld_fields().values() for f in fields}
    assert names >= {"operator_id_number", "operator_phone", "risk_class"}
    for path in folder.iterdir():
        data = path.read_bytes()
        for text in (*names, *WITHHELD_VALUES):
            assert text.encode() not in data, (path.name, text)


def test_same_input_same_bytes(written, tmp_path):
    folder, release, _ = written
    again = write_datasets(
        build_model(_tables(), "2024-06-22"), tmp_path / "again", SETTINGS,
        sources=["exports/a.xlsx", "exports/b.csv"],
    )  # fmt: skip
    assert again.version == release.version
    for path in folder.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_version_follows_the_content(tmp_path):
    tables = _tables()
    first = write_datasets(build_model(tables, "2024-06-22"), tmp_path / "a", SETTINGS)
    tables["results"][0]["outcome"] = "发现问题已责令改正"
    second = write_datasets(build_model(tables, "2024-06-22"), tmp_path / "b", SETTINGS)
    assert first.version[:9] == second.version[:9] and first.version != second.version


def test_empty_model_still_gives_a_valid_package(tmp_path):
    from frictionless import validate

    release = write_datasets(build_model({}, None), tmp_path / "data", SETTINGS)
    assert release.version.startswith("00000000-") and release.created is None
    assert set(release.counts.values()) == {0}
    assert validate(tmp_path / "data" / DATAPACKAGE_FILE).valid


def test_exporters_are_registered_by_file_name():
    assert set(EXPORTERS) == {"{table}.csv", "{table}.json", "{table}.xlsx", "{table}.parquet",
                              SQLITE_FILE}  # fmt: skip
    for name, exporter in EXPORTERS.items():
        assert exporter.FILE_NAME == name and exporter.TITLE and exporter.MIME_TYPE
    assert set(FORMATS) == {e.FORMAT for e in EXPORTERS.values()}


def test_published_schema_keeps_only_public_and_masked_fields():
    for name, table in published_tables().items():
        schema = table_schema(table)
        assert {f["publicity"] for f in schema["fields"]} <= {"public", "masked"}
        assert [f["name"] for f in schema["fields"]] == table.field_names, name


# Settings


def test_settings_from_mkdocs_extra():
    settings = open_data_settings(
        {"license": "CC0-1.0", "publisher": "某县市场监督管理局",
         "sources": [{"title": "国家企业信用信息公示系统", "path": "https://www.gsxt.gov.cn/"}]},
        site_name="某县", site_url="https://example.gov.cn/gongkai",
    )  # fmt: skip
    assert settings.license["name"] == "CC0-1.0" and settings.license["path"].startswith("https://")
    assert settings.site_url == "https://example.gov.cn/gongkai/"
    assert settings.sources[0]["title"] == "国家企业信用信息公示系统"
    default = open_data_settings({}, site_name="某县")
    assert default.license["name"] == "CC-BY-4.0" and default.publisher == "某县"
    custom = open_data_settings(
        {"license": {"name": "GOV-OPEN", "path": "https://example.gov.cn/licence"}},
        site_name="某县",
    )
    assert custom.license == {"name": "GOV-OPEN", "path": "https://example.gov.cn/licence",
                              "title": "GOV-OPEN"}  # fmt: skip
    assert default.region is None  # no area is assumed
    named = open_data_settings({"region": "某县"}, site_name="某县")
    assert named.region == {"name": "某县"}
    coded = open_data_settings({"region": {"name": "某县", "code": 140902}}, site_name="某县")
    assert coded.region == {"name": "某县", "code": "140902"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"license": "MIT-ISH"}, "MIT-ISH"),
        ({"license": {"name": "x", "path": "javascript:alert(1)"}}, "javascript"),
        ({"publisher": ["甲"]}, "publisher"),
        ({"sources": "甲"}, "sources"),
        ({"sources": [{"path": "https://x"}]}, "title"),
        ({"region": ["甲"]}, "region"),
        ({"region": {"name": "某县", "code": "14090"}}, "行政区划代码"),
    ],
)
def test_bad_settings_are_named(extra, message):
    with pytest.raises(ConfigError, match=message):
        open_data_settings(extra, site_name="某县")


# Pages


def _html(markdown_text: str) -> str:
    """Render a generated page as MkDocs would (front matter removed)."""
    body = markdown_text.split("---\n", 2)[2]
    return markdown.markdown(
        body,
        extensions=["admonition", "attr_list", "tables", "toc"],
        extension_configs={"tables": {"use_align_attribute": True}, "toc": {"permalink": True}},
    )


def test_dictionary_lists_published_fields_and_explains_the_rest():
    text = render_dictionary_page()
    html = _html(text)
    assert is_clean(html)
    soup = BeautifulSoup(html, "html.parser")
    for name, table in published_tables().items():
        heading = soup.find(id=name)
        assert heading is not None, name
        rows = heading.find_next("table").select("tbody tr")
        assert [r.find("td").get_text() for r in rows] == table.field_names
    listed = " ".join(td.get_text() for td in soup.select("td"))
    assert "operator_id_number" not in listed and "risk_class" not in listed
    notes = soup.get_text()
    assert "身份证号" in notes and "不予公示" in notes and "仅内部统计" in notes
    assert "遮蔽后公开" in notes and "保留第一个字" in notes


def test_open_data_page_lists_every_download(written):
    folder, release, _ = written
    html = _html(render_open_data_page(release))
    assert is_clean(html)
    soup = BeautifulSoup(html, "html.parser")
    links = {a["href"] for a in soup.find_all("a")}
    for item in release.downloads:
        assert f"../data/{item.path}" in links
        assert item.sha256 in soup.get_text()
    assert {p.name for p in folder.iterdir()} == {d.path for d in release.downloads}
    assert "CC BY 4.0" in soup.get_text() and release.version in soup.get_text()
    assert fts_example_sql().splitlines()[0] in soup.get_text()


def test_open_data_pages_come_with_a_release(written):
    _, release, _ = written
    model = build_model(_tables(), "2024-06-22")
    report = {"records": {}, "files": [], "data_as_of": "2024-06-22"}
    assert OPEN_DATA_PAGE not in render_generated_pages(report, model)
    pages = render_generated_pages(report, model, release=release)
    assert {OPEN_DATA_PAGE, DICTIONARY_PAGE} <= set(pages)


def test_json_ld_cannot_break_out_of_its_script(tmp_path):
    hostile = OpenDataSettings(
        title="</script><script>alert(1)</script>",
        publisher="<!-- & </SCRIPT>",
        description="]]> <b>",
    )
    release = write_datasets(build_model(_tables(), "2024-06-22"), tmp_path / "d", hostile)
    script = render_open_data_json_ld(release)
    inner = script.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner
    document = json.loads(inner)
    assert document["name"].startswith("</script>")
    assert "Dataset" in document["@type"] and "dcat:Dataset" in document["@type"]
    assert len(document["distribution"]) == len(distributed(release)) == len(release.downloads) - 3
    assert Graph().parse(data=inner, format="json-ld", publicID="https://example.org/open-data/")
    folder = tmp_path / "d"
    ttl = Graph().parse(folder / CATALOG_TTL, format="turtle", publicID="https://example.org/data/")
    assert Literal("</script><script>alert(1)</script>开放数据", lang="zh") in set(ttl.objects())
    page = render_open_data_page(release)
    assert is_clean(_html(page))
    assert "<script>" not in page


def test_long_tables_continue_on_more_sheets(tmp_path, monkeypatch):
    from generator.publish.data import exporters

    monkeypatch.setattr(exporters, "XLSX_MAX_ROWS", 3)  # a header and two rows per sheet
    model = build_model(_tables(), "2024-06-22")
    write_datasets(model, tmp_path, SETTINGS)
    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["results", "results_2", "字段说明"]
    expected = sorted_rows(published_tables()["results"], model.tables["results"])
    assert read_xlsx_rows(tmp_path / "results.xlsx", "results") == xlsx_cleaned(expected)
