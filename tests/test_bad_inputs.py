"""Bad inputs: every fixture in ``tests/fixtures/bad/`` gives exactly the errors its manifest names.

The fixtures and ``expected.json`` are written by ``tests/fixtures/make_bad_fixtures.py``; a new
case folder is a new test here (the cases are globbed). A case whose entry has ``xfail`` shows a
known generator bug: its test is a strict xfail, so it fails loudly once the bug is fixed and the
entry can drop its ``xfail``.
"""

from __future__ import annotations

import functools
import io
import json
import re
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli.commands import cli
from generator.core.errors import ISSUE_CODES, IngestError
from generator.core.schemas import load_schemas
from generator.ingest.exports import read_export
from generator.validate.folder import validate_folder
from generator.validate.report import Report
from tests.helpers import bad_fixtures_module

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
MANIFEST: dict[str, Any] = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
CASE_DIRS = sorted(p.name for p in BAD.iterdir() if p.is_dir())
CJK = re.compile(r"[\u4e00-\u9fff]")
JSON_KEYS = {"rows_in", "rows_published", "rows_quarantined", "rows_withheld", "files", "errors"}
ROW_KEYS = ("rows_in", "rows_published", "rows_quarantined", "rows_withheld", "rows_refused")


def _case_param(name: str, strict_xfail: bool) -> Any:
    reason = MANIFEST.get(name, {}).get("xfail")
    if reason and strict_xfail:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason), id=name)
    return pytest.param(name, id=name)


EXACT_CASES = [_case_param(name, strict_xfail=True) for name in CASE_DIRS]
ALL_CASES = [_case_param(name, strict_xfail=False) for name in CASE_DIRS]


@functools.cache
def report_of(name: str) -> Report:
    """The validation report of one case (computed once per session)."""
    return validate_folder(BAD / name)


def _report_or_xfail(name: str) -> Report:
    """The report, or an xfail when a case documented as buggy makes validation crash."""
    reason = MANIFEST.get(name, {}).get("xfail")
    try:
        return report_of(name)
    except Exception as exc:
        if reason:
            pytest.xfail(f"{type(exc).__name__}: {reason}")
        raise


def _tuple(issue: dict[str, Any]) -> tuple[Any, ...]:
    return (issue["file"], issue["row"], issue["column"], issue["code"])


def _field_of(kind: str | None, column: str | None) -> Any:
    """The schema field a reported column header names, if any."""
    if kind is None or column is None:
        return None
    schema = load_schemas()[kind]
    name = schema.match_header(column)
    return schema.field(name) if name else None


# The manifest


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASE_DIRS) >= 40


def test_every_case_folder_has_a_manifest_entry_and_back() -> None:
    cases = {k for k in MANIFEST if not k.startswith("_")}
    assert set(CASE_DIRS) == cases


def test_every_issue_code_in_the_manifest_exists() -> None:
    for name, entry in MANIFEST.items():
        if name.startswith("_"):
            continue
        for *_, code in entry["errors"]:
            assert ISSUE_CODES[code].level == "error", (name, code)
        for *_, code in entry["warnings"]:
            assert ISSUE_CODES[code].level == "warning", (name, code)


def test_the_fixtures_cover_the_issue_codes_the_brief_lists() -> None:
    codes = {
        issue[3]
        for name, entry in MANIFEST.items()
        if not name.startswith("_") and not entry.get("xfail")
        for issue in entry["errors"] + entry["warnings"]
    }
    wanted = {
        "unreadable-encoding", "excel-scientific-notation", "excel-precision-loss",
        "invalid-date", "invalid-uscc-check", "invalid-regno-check", "invalid-uscc-format",
        "unknown-task", "unknown-plan", "missing-value", "duplicate-record", "duplicate-key",
        "conflicting-record", "unknown-outcome", "outcomes-for-whole-check", "unchecked-outcomes",
        "invalid-enum",
        "invalid-region-code", "unsafe-file", "corrupt-file", "empty-file", "no-data-rows",
        "header-not-found", "missing-column", "unknown-file-format",
    }  # fmt: skip
    assert wanted <= codes, wanted - codes


# Each case


@pytest.mark.parametrize("name", EXACT_CASES)
def test_bad_input_gives_exactly_the_expected_errors(name: str) -> None:
    expected = MANIFEST[name]
    report = report_of(name)
    summary = report.to_dict()

    assert {_tuple(i) for i in summary["errors"]} == {tuple(i) for i in expected["errors"]}
    warnings = {_tuple(i) for i in summary["warnings"]}
    assert {tuple(i) for i in expected["warnings"]} <= warnings
    assert {k: summary[k] for k in ROW_KEYS} == {"rows_refused": 0, **expected["rows"]}
    assert sorted(f["path"] for f in summary["files"]) == expected["files"]

    for key, values in expected.get("values", {}).items():
        kind, field_name = key.split(".")
        assert sorted(r.get(field_name) for r in report.tables[kind]) == sorted(values), key
    for kind, count in expected.get("records", {}).items():
        assert summary["records"][kind] == count, kind
    if "same_tables_as" in expected:
        # Order independence: the same records win whatever the files are called.
        assert report.tables == report_of(expected["same_tables_as"]).tables


@pytest.mark.parametrize("name", ALL_CASES)
def test_rows_balance_per_file_and_in_total(name: str) -> None:
    summary = _report_or_xfail(name).to_dict()
    assert summary["balanced"]
    for entry in [*summary["files"], summary]:
        assert entry["rows_in"] == sum(entry[k] for k in ROW_KEYS[1:]), entry.get("path")
    assert summary["rows_in"] == sum(f["rows_in"] for f in summary["files"])


@pytest.mark.parametrize("name", ALL_CASES)
def test_every_issue_explains_itself_in_chinese(name: str) -> None:
    summary = _report_or_xfail(name).to_dict()
    files = {f["path"] for f in summary["files"]}
    for issue in summary["errors"] + summary["warnings"]:
        assert issue["file"] in files
        assert CJK.search(issue["message"]), issue
        assert CJK.search(issue["hint"]), issue
        assert "{" not in issue["message"] + issue["hint"], issue  # no unfilled placeholder
        if issue["row"] is not None:
            assert issue["message"].startswith(f"第 {issue['row']} 行"), issue


@pytest.mark.parametrize("name", ALL_CASES)
def test_no_issue_shows_the_value_of_a_private_field(name: str) -> None:
    summary = _report_or_xfail(name).to_dict()
    kinds = {f["path"]: f["kind"] for f in summary["files"]}
    for issue in summary["errors"] + summary["warnings"]:
        spec = _field_of(kinds.get(issue["file"]), issue["column"])
        if spec is not None and spec.publicity != "public":
            assert "value" not in issue, issue


@pytest.mark.parametrize("name", ALL_CASES)
def test_private_values_appear_nowhere(name: str) -> None:
    absent = MANIFEST[name].get("absent", [])
    if not absent:
        return
    report = _report_or_xfail(name)
    dumped = [
        json.dumps(report.to_dict(), ensure_ascii=False, default=str),
        json.dumps(report.tables, ensure_ascii=False, default=str),
        json.dumps(report.public_tables(), ensure_ascii=False, default=str),
        repr(report.issues),
    ]
    for text in absent:
        for blob in dumped:
            assert text not in blob


def test_sole_trader_fields_are_withheld_or_masked() -> None:
    report = report_of("sole_trader_personal")
    for record in report.tables["results"]:
        assert "operator_id_number" not in record or record["operator_id_number"] is None
        assert "operator_phone" not in record or record["operator_phone"] is None
        assert record["operator_name"] == "张**"


# Unsafe files are refused fast and cheaply


@pytest.mark.parametrize("name", ["zip_bomb", "billion_laughs"])
def test_unsafe_files_are_refused_before_they_inflate(name: str) -> None:
    """Memory, which is deterministic; the time is benchmarks/read_limits.py's to measure."""
    path = next((BAD / name).iterdir())
    tracemalloc.start()
    try:
        with pytest.raises(IngestError) as caught:
            read_export(path, path.name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "unsafe-file"
    assert peak < 8 * 1024 * 1024  # the bomb inflates to 12 MiB; nothing near that is held


def test_the_zip_bomb_really_is_one() -> None:
    path = BAD / "zip_bomb" / "results.xlsx"
    assert path.stat().st_size < 64 * 1024
    biggest = max(zipfile.ZipFile(path).infolist(), key=lambda i: i.file_size)
    assert biggest.file_size > 10 * 1024 * 1024
    assert biggest.file_size / biggest.compress_size > 200


_LIMITED_READ = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
    from generator.core.errors import IngestError
    from generator.ingest.exports import read_export
    path = Path(sys.argv[1])
    try:
        read_export(path, path.name)
        print(json.dumps({"result": "read"}))
    except IngestError as exc:
        print(json.dumps({"result": "ingest-error", "code": exc.code}))
    except BaseException as exc:
        print(json.dumps({"result": type(exc).__name__}))
    """
)


def _spreadsheetml_with(attribute: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
        f'<Row><Cell {attribute}><Data ss:Type="String">企业名称</Data></Cell>'
        '<Cell><Data ss:Type="String">统一社会信用代码</Data></Cell></Row>'
        '<Row><Cell><Data ss:Type="String">甲</Data></Cell>'
        '<Cell><Data ss:Type="String">91330000590594274X</Data></Cell></Row>'
        "</Table></Worksheet></Workbook>"
    ).encode()


def _xlsx_with_merges(count: int, ref: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["企业名称", "统一社会信用代码", "检查结果", "检查完成日期"])
    book.active.append(["甲", "91330000590594274X", "未发现问题", "2024-03-25"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                merges = f'<mergeCell ref="{ref}"/>' * count
                data = data.replace(
                    b"</sheetData>",
                    f'</sheetData><mergeCells count="{count}">{merges}</mergeCells>'.encode(),
                )
            target.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.skipif(sys.platform != "linux", reason="uses RLIMIT_AS")
@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("index.xlsx", lambda: _spreadsheetml_with('ss:Index="2000000000"')),
        ("merge-across.xlsx", lambda: _spreadsheetml_with('ss:MergeAcross="2000000000"')),
        ("merge-down.xlsx", lambda: _spreadsheetml_with('ss:MergeDown="2000000000"')),
        ("many-merges.xlsx", lambda: _xlsx_with_merges(400, "A2:A1048576")),
    ],
)
def test_size_attributes_cannot_exhaust_memory_or_time(
    tmp_path: Path, name: str, make: Any
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 32 * 1024
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LIMITED_READ, str(path)],
            capture_output=True,
            text=True,
            check=False,
            # A guard against a hang (the far-cell sheet once ran 63 s), not a speed goal: a
            # sane reader needs well under a second, a loaded machine may take a few.
            timeout=30,
            cwd=Path(__file__).parent.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {name} was still running after {time.perf_counter() - started:.0f} s")
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["result"] in ("ingest-error", "read"), outcome


# The fixtures are reproducible


def _zip_members(data: bytes) -> list[tuple[Any, ...]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(i.filename, i.date_time, i.compress_type, archive.read(i)) for i in archive.infolist()]


def test_regenerating_the_fixtures_reproduces_the_committed_bytes(tmp_path: Path) -> None:
    bad_fixtures_module().build(tmp_path)
    committed = sorted(p.relative_to(BAD) for p in BAD.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert fresh == committed
    same_zlib = MANIFEST["_meta"]["zlib"] == zlib.ZLIB_RUNTIME_VERSION
    for relative in committed:
        old, new = (BAD / relative).read_bytes(), (tmp_path / relative).read_bytes()
        if relative.name == "expected.json":
            old_manifest, new_manifest = json.loads(old), json.loads(new)
            old_manifest.pop("_meta"), new_manifest.pop("_meta")
            assert new_manifest == old_manifest
        elif old == new:
            continue
        elif (
            not same_zlib and old.startswith(b"PK\x03\x04") and zipfile.is_zipfile(io.BytesIO(old))
        ):
            # Another zlib (e.g. zlib-ng) deflates differently; the members must still agree.
            assert _zip_members(new) == _zip_members(old), relative
        else:
            pytest.fail(f"{relative} differs from what make_bad_fixtures.py writes")


# The command line


def test_validate_json_prints_one_object_and_exits_0_when_clean() -> None:
    result = CliRunner().invoke(cli, ["validate", str(BAD / "enc_utf8"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert JSON_KEYS <= set(summary)
    assert summary["errors"] == []
    assert summary["rows_in"] == summary["rows_published"] == 2


def test_validate_json_exits_1_when_rows_are_quarantined() -> None:
    result = CliRunner().invoke(cli, ["validate", str(BAD / "uscc_bad_check"), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert JSON_KEYS <= set(summary)
    assert [e["code"] for e in summary["errors"]] == ["invalid-uscc-check"]
    assert summary["rows_quarantined"] == 1


def test_validate_text_report_names_file_row_and_fix() -> None:
    result = CliRunner().invoke(cli, ["validate", str(BAD / "uscc_bad_check")])
    assert result.exit_code == 1
    assert "results.csv" in result.stdout
    assert "第 3 行" in result.stdout
    assert "修改建议" in result.stdout


def test_validate_exits_2_for_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nowhere"), "--json"])
    assert result.exit_code == 2
    assert CJK.search(result.output)
    assert "Traceback" not in result.output


def test_validate_exits_2_for_a_folder_without_exports(tmp_path: Path) -> None:
    (tmp_path / "说明.md").write_text("没有导出文件\n", encoding="utf-8")
    (tmp_path / "~$lock.xlsx").write_bytes(b"lock")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--json"])
    assert result.exit_code == 2
    assert CJK.search(result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], *[[name] for name in sorted(cli.commands)]])
def test_help_is_in_chinese_and_english(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0
    assert CJK.search(result.output), args
    assert re.search(r"\b(the|a|and|Show|Print|Validate|Build|Serve)\b", result.output), args
