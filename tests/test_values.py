"""Cell values: dates, identifiers and the Excel renderings of numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.core.values import (
    check_entity_code,
    is_region_code,
    normalise_identifier,
    parse_date,
    parse_datetime,
    parse_integer,
)
from generator.ingest.sheets import excel_cell_text, sniff_format


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-25", "2024-03-25"),
        ("2024/3/25", "2024-03-25"),
        ("2024年3月25日", "2024-03-25"),
        ("2024 年 3 月 25 日", "2024-03-25"),
        ("20240325", "2024-03-25"),
        ("45376", "2024-03-25"),
        ("2024-03-25 00:00:00", "2024-03-25"),
        ("２０２４－０３－２５", "2024-03-25"),
        ("2024.3.25", "2024-03-25"),
    ],
)
def test_every_export_date_format_parses(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["2024-02-30", "2024年13月1日", "20241301", "2024", "明天", "1234"])
def test_impossible_or_foreign_dates_are_refused(text: str) -> None:
    assert parse_date(text) is None


def test_datetimes_keep_their_time() -> None:
    assert parse_datetime("2024-03-01 09:30:00") == "2024-03-01T09:30:00"
    assert parse_datetime("2024/3/1 9:30") == "2024-03-01T09:30:00"
    assert parse_datetime("2024-03-01 25:00") is None


def test_identifiers_are_folded_but_names_are_not_touched() -> None:
    assert normalise_identifier(" 91330000590594274x ") == "91330000590594274X"
    assert normalise_identifier("９１３３００００５９０５９４２７４Ｘ") == "91330000590594274X"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91330000590594274X", None),
        ("9133078114740654XH", None),
        ("913301007161035748", None),
        ("330000000036006", None),
        ("3300001003617", None),
        ("企合浙绍总字第002112号", None),
        ("91330000590594274Y", "invalid-uscc-check"),
        ("9.1140E+17", "excel-scientific-notation"),
        ("913301007161035000", "excel-precision-loss"),
        ("330382101730300", "invalid-regno-check"),
        ("91330000S90594274X", "invalid-uscc-format"),
        ("9133000059059427", "invalid-uscc-format"),
    ],
)
def test_entity_codes(code: str, problem: str | None) -> None:
    found = check_entity_code(code)
    assert (found[0] if found else None) == problem


def test_a_bad_check_character_names_the_right_one() -> None:
    assert check_entity_code("91330000590594274Y") == ("invalid-uscc-check", {"expected": "X"})


def test_region_codes_come_from_gb_t_2260() -> None:
    assert is_region_code("140902") and is_region_code("140000")
    assert not is_region_code("999999") and not is_region_code("14090")


def test_integers_lose_their_units() -> None:
    assert parse_integer("1,200") == "1200"
    assert parse_integer("20户") == "20"
    assert parse_integer("35.0") == "35"
    assert parse_integer("约20") == "约20"


def test_excel_numbers_show_their_damage() -> None:
    # Excel keeps 15 significant digits of a typed 18-digit code and stores a double.
    assert excel_cell_text(913301007161035000.0) == "913301007161035000"
    assert excel_cell_text(913301007161035000) == "913301007161035000"
    assert excel_cell_text(9.13301007161035748e17).endswith("000")
    assert excel_cell_text(45376) == "45376"
    assert excel_cell_text(12.5) == "12.5"
    assert excel_cell_text(dt.datetime(2024, 3, 25)) == "2024-03-25"
    assert excel_cell_text(dt.datetime(2024, 3, 25, 9, 30)) == "2024-03-25 09:30:00"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04rest", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "xls"),
        (b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>', "xml"),
        (b"<html><table>", "html"),
        ("企业名称,统一社会信用代码".encode("gbk"), "csv"),
    ],
)
def test_format_is_sniffed_from_content(head: bytes, kind: str) -> None:
    assert sniff_format(head) == kind
