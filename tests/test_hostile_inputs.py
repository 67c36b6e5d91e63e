"""Hostile exports (issue 18): UTF-16 and NUL-bearing CSVs, far-cell and malformed XLSX,
names with commas and spaces, identifiers typed in other scripts. Each is read per row where a
row can be saved, refused within bounds where it cannot, and never leaks internals."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.build import build_site
from generator.cli.commands import cli
from generator.core.errors import ConfigError, IngestError
from generator.core.settings import ReadLimits, load_settings
from generator.core.values import check_entity_code, normalise_entity_code
from generator.ingest.exports import read_export
from generator.ingest.text import decode_text
from generator.model.identity import split_ids
from generator.validate.folder import validate_folder
from tests.helpers import bad_fixtures_module, copy_project, valid_code

BAD = bad_fixtures_module()
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _table(rows: list[list[Any]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def _results(*changes: dict[str, Any]) -> list[list[Any]]:
    return BAD.results(*(BAD.result_row(n + 1, n, **c) for n, c in enumerate(changes)))


# UTF-16


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", [",", "\t"], ids=["comma", "tab"])
def test_utf16_is_read_like_other_encodings(
    tmp_path: Path, encoding: str, bom: bool, delimiter: str
) -> None:
    data = _table(_results({}, {}), delimiter).encode(encoding)
    if bom:
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    (tmp_path / "results.csv").write_bytes(data)
    report = validate_folder(tmp_path).to_dict()
    assert report["errors"] == []
    assert (report["rows_in"], report["rows_published"], report["rows_refused"]) == (2, 2, 0)
    assert report["files"][0]["encoding"] == encoding
    assert {r["entity_name"] for r in validate_folder(tmp_path).tables["results"]} == set(
        BAD.COMPANIES[:2]
    )


def test_chinese_only_utf16_without_bom_is_recognised() -> None:
    text = "企业名称\n忻州市晋北商贸有限公司\n山西五台山文化旅游发展有限公司\n"
    assert decode_text(text.encode("utf-16-le")) == (text, "utf-16-le")
    gb = "企业名称，检查结果\n晋北商贸，未发现问题\n".encode("gb18030")
    assert decode_text(gb)[1] == "gb18030"  # GB18030 is never mistaken for UTF-16


# Control characters and refused files


def test_nul_and_control_characters_affect_only_their_cell(tmp_path: Path) -> None:
    rows = _results({}, {"企业名称": "山西\x00五台山\x07文化旅游发展有限公司"}, {})
    filler = [BAD.result_row(n, 0, 序号=str(n)) for n in range(4, 1200)]  # the NUL past 64 KiB
    text = (
        _table(rows)
        + _table(filler)
        + _table([BAD.result_row(1200, 2, 检查事项="企业公示\x00信息抽查")])
    )
    (tmp_path / "results.csv").write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8").index(b"\x00", 1000) > 65536
    validated = validate_folder(tmp_path)
    report = validated.to_dict()
    cleaned = [
        (w["row"], w["column"]) for w in report["warnings"] if w["code"] == "control-characters"
    ]
    assert cleaned == [(3, "企业名称"), (1201, "检查事项")]
    assert report["rows_refused"] == 0 and report["balanced"]
    names = {r["entity_name"] for r in validated.tables["results"]}
    assert "山西五台山文化旅游发展有限公司" in names
    assert not CONTROL.search(json.dumps(validated.public_tables(), ensure_ascii=False))


def test_binary_file_is_refused_by_its_bytes(tmp_path: Path) -> None:
    (tmp_path / "results.csv").write_bytes(b"\x00\x00\x00\x01" * 500)
    report = validate_folder(tmp_path).to_dict()
    assert report["files"][0]["bytes_refused"] == 2000
    assert [e["code"] for e in report["errors"]] == ["unknown-file-format"]


def test_undecodable_csv_counts_its_rows_as_refused_and_exits_1(tmp_path: Path) -> None:
    data = _table(_results({}, {}, {})).encode("gb18030") + b"\xff\xfe\xfd\x80,\r\n"
    (tmp_path / "results.csv").write_bytes(data)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert "拒收 4 行" in first and "results.csv（4 行）" in first and "核对一致" in first
    assert re.search(
        r"拒收文件 results.csv：4 行未读入，文件编码无法识别.*处理办法：.*另存为", result.output
    )
    report = validate_folder(tmp_path).to_dict()
    assert (report["rows_in"], report["rows_refused"], report["balanced"]) == (4, 4, True)
    assert "UTF-16" in report["errors"][0]["message"]  # the message names what was tried


# XLSX bounds


def _far_cell_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    for row in _results({}):
        book.active.append(row)
    book.active["XFD1048576"] = "x"  # the dimension becomes A1:XFD1048576
    book.save(path)


def test_far_cell_sheet_is_refused_fast_and_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "results.xlsx"
    _far_cell_xlsx(path)
    assert path.stat().st_size < 10_000
    tracemalloc.start()  # memory, deterministic; time is measured in benchmarks/read_limits.py
    with pytest.raises(IngestError) as raised:
        read_export(path, "results.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert raised.value.code == "file-too-large"
    assert (
        "1048576 行 × 16384 列" in raised.value.issue_message and "cells" in raised.value.issue_hint
    )
    assert peak < 30 * 1024 * 1024


def test_far_cell_is_read_sparse_when_the_limit_allows(tmp_path: Path) -> None:
    path = tmp_path / "results.xlsx"
    _far_cell_xlsx(path)
    tracemalloc.start()
    table = read_export(path, "results.xlsx", limits=ReadLimits(cells=10**11))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [row.number for row in table.rows] == [2, 1048576]
    assert peak < 30 * 1024 * 1024


def test_real_cells_beyond_the_limit_stop_reading(tmp_path: Path) -> None:
    path = tmp_path / "results.xlsx"
    book = openpyxl.Workbook()
    for row in _results(*[{}] * 50):
        book.active.append(row)
    book.save(path)
    with pytest.raises(IngestError, match="超过上限 300 个单元格") as raised:
        read_export(path, "results.xlsx", limits=ReadLimits(cells=300))
    assert raised.value.code == "file-too-large"
    assert len(read_export(path, "results.xlsx", limits=ReadLimits(cells=10_000)).rows) == 50


def test_limits_are_read_from_gongkai_yml(tmp_path: Path) -> None:
    (tmp_path / "gongkai.yml").write_text(
        "limits:\n  cells: 300\n  unpacked_bytes: 5000\n", encoding="utf-8"
    )
    assert load_settings(tmp_path).limits == ReadLimits(cells=300, unpacked_bytes=5000)
    (tmp_path / "gongkai.yml").write_text("limits:\n  cells: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="limits.cells（单元格数）应为正整数"):
        load_settings(tmp_path)


def _broken_sheet_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["企业名称"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(
                info, body[: len(body) // 2] if info.filename.endswith("sheet1.xml") else body
            )
    return out.getvalue()


def test_malformed_files_leak_no_internals_and_nul_reaches_no_output(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "random.xlsx").write_bytes(bytes(range(256)) * 4)
    (data / "truncated.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 300)
    (data / "broken_sheet.xlsx").write_bytes(_broken_sheet_xlsx())
    (data / "results.csv").write_bytes(
        _table(_results({}, {"企业名称": "晋北\x00商贸有限公司"})).encode("utf-8")
    )
    site = tmp_path / "site"
    report = build_site(data, site, config_file=copy_project(tmp_path))
    refused = {
        f["path"]: f["rows_refused"] or f["bytes_refused"] for f in report["files"] if not f["kind"]
    }
    assert set(refused) == {"random.xlsx", "truncated.xlsx", "broken_sheet.xlsx"} and all(
        refused.values()
    )
    published = (site / "data" / "quality_report.json").read_text(encoding="utf-8")
    page = BeautifulSoup(
        (site / "quality" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    for text in (published, page.get_text()):
        assert str(tmp_path) not in text
        assert not re.search(
            r"BadZipFile|ParseError|Error:|zip file|no element found|Traceback", text
        )
    assert "拒收" in page.get_text()
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (
            ".html",
            ".json",
            ".csv",
            ".xml",
            ".atom",
            ".js",
            ".txt",
        ):
            assert b"\x00" not in path.read_bytes(), path


# Splitting and identifiers


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("{% raw %}", ["{% raw %}"]),
        ("示例县卫生健康局, 示例县应急管理局", ["示例县卫生健康局, 示例县应急管理局"]),
        (
            "示例县 卫生健康局、示例县应急管理局；文旅局\n消防救援大队",
            ["示例县 卫生健康局", "示例县应急管理局", "文旅局", "消防救援大队"],
        ),
        ("SJ-1；SJ-2、 SJ-3", ["SJ-1", "SJ-2", "SJ-3"]),
    ],
)
def test_lists_split_on_documented_separators_only(cell: str, parts: list[str]) -> None:
    assert split_ids(cell) == parts


def test_an_item_name_with_commas_stays_one_record(tmp_path: Path) -> None:
    rows = _results({"检查事项": "食品销售,含网络销售，检查"}, {"检查事项": "甲事项；乙事项"})
    (tmp_path / "results.csv").write_bytes(_table(rows).encode("utf-8"))
    items = sorted(r["item"] for r in validate_folder(tmp_path).tables["results"])
    assert items == ["乙事项", "甲事项", "食品销售,含网络销售，检查"]


def test_identifiers_are_normalised_to_ascii_and_errors_show_them_as_typed(tmp_path: Path) -> None:
    code, other = valid_code(7), valid_code(8)
    arabic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in code)
    hyphenated = f"{other[:2]}-{other[2:8]}-{other[8:]}"
    assert normalise_entity_code(arabic) == code and normalise_entity_code(hyphenated) == other
    assert check_entity_code(normalise_entity_code("９1-110000-600037341L")) is None
    assert check_entity_code(normalise_entity_code("٩١١١٠٠٠٠٦٠٠٠٣٧٣٤١L")) is None
    bad = f"{code[:2]}-{code[2:8]}-{code[8:17]}{'0' if code[17] != '0' else '1'}"
    rows = _results(
        {"统一社会信用代码": arabic}, {"统一社会信用代码": hyphenated}, {"统一社会信用代码": bad}
    )
    (tmp_path / "results.csv").write_bytes(_table(rows).encode("utf-8"))
    validated = validate_folder(tmp_path)
    assert sorted(r["uscc"] for r in validated.tables["results"]) == [code, other]
    errors = validated.to_dict()["errors"]
    assert [(e["row"], e["code"], e["value"]) for e in errors] == [(4, "invalid-uscc-check", bad)]
