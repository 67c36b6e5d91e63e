"""Property-based tests (hypothesis) for reading, identifiers, masking and dates.

Readers must fail only with :class:`IngestError` whatever the bytes; codes built by the
GB 32100 / ISO 7064 rules must pass and any single substitution must fail; masks keep only
the characters portals show; every supported rendering of a date parses back to it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit
from stdnum.iso7064 import mod_11_10

from generator.core.errors import IngestError
from generator.core.publicity import mask_id_number, mask_name, mask_phone
from generator.core.values import (
    EXCEL_EPOCH,
    EXCEL_SERIAL_RANGE,
    check_entity_code,
    normalise_identifier,
    parse_date,
)
from generator.ingest.exports import read_export
from generator.ingest.text import decode_text

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIGITS = "0123456789"
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    report_multiple_bugs=False,
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder to write one input at a time (module-scoped, as hypothesis requires)."""
    return tmp_path_factory.mktemp("properties")


# Reading arbitrary bytes


def _read(folder: Path, name: str, data: bytes) -> Any:
    """Read ``data`` as a file called ``name``; ``None`` when refused with an IngestError."""
    path = folder / name
    path.write_bytes(data)
    try:
        return read_export(path, name)
    except IngestError as exc:
        assert exc.code, exc
        return None


DECODED = ("utf-8-sig", "gb18030", "utf-16-le", "utf-16-be")
_BOMS = {"utf-8-sig": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}


def _same_bytes(text: str, encoding: str, data: bytes) -> bool:
    """Whether ``text`` re-encodes to exactly ``data`` (only one BOM is stripped)."""
    bom = _BOMS.get(encoding, b"")
    bom = bom if data.startswith(bom) else b""
    return bom + text.encode(encoding.replace("-sig", "")) == data


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "latin-1", "utf-16"])
CSV_TEXT = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["企业名称", "统一社会信用代码", "检查结果", "检查完成日期", "序号", ""]
            ),
            st.text(max_size=12),
        ),
        max_size=6,
    ),
    max_size=6,
).map(lambda rows: "\r\n".join(",".join(r) for r in rows))


@st.composite
def text_like_bytes(draw: st.DrawFn) -> bytes:
    """CSV-ish text in some encoding, then a few bytes flipped: near-misses of real files."""
    text = draw(CSV_TEXT)
    data = bytearray(text.encode(draw(ENCODINGS), errors="replace"))
    for _ in range(draw(st.integers(0, 3))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


ANY_BYTES = st.one_of(st.binary(max_size=2048), text_like_bytes())


@SETTINGS
@given(data=ANY_BYTES)
def test_arbitrary_bytes_as_csv_raise_only_ingest_error(scratch: Path, data: bytes) -> None:
    table = _read(scratch, "input.csv", data)
    if table is not None and table.format == "csv":
        assert table.encoding in DECODED
        bom = _BOMS.get(table.encoding, b"")
        data.removeprefix(bom).decode(table.encoding)  # strict: no replacement was needed


@SETTINGS
@given(data=ANY_BYTES)
def test_arbitrary_bytes_as_xlsx_raise_only_ingest_error(scratch: Path, data: bytes) -> None:
    _read(scratch, "input.xlsx", data)


@SETTINGS
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_after_zip_magic_raise_only_ingest_error(
    scratch: Path, data: bytes
) -> None:
    assert _read(scratch, "input.xlsx", b"PK\x03\x04" + data) is None


@SETTINGS
@given(data=ANY_BYTES)
@example(data=b"\x84\x31\xa4\x39")  # GB18030 four-byte code for U+FFFF
@example(data="忻州𠮷野家".encode("gb18030"))
@example(data=codecs.BOM_UTF8 + codecs.BOM_UTF8 + b"x")
def test_decoding_is_strict_and_lossless(data: bytes) -> None:
    try:
        text, encoding = decode_text(data)
    except IngestError as exc:
        assert exc.code in ("unreadable-encoding", "unknown-file-format")
        return
    assert encoding in DECODED
    assert _same_bytes(text, encoding, data)
    if "\ufffd" in text:  # only when the file itself spells U+FFFD
        assert "\ufffd".encode(encoding.replace("-sig", "")) in data


def _small_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "企业名称", "统一社会信用代码", "检查结果", "检查完成日期"])
    sheet.append([1, "甲公司", "91330000590594274X", "未发现问题", dt.date(2024, 3, 25)])
    sheet.merge_cells("A3:B3")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SMALL_XLSX = _small_xlsx()
MEMBERS = [i.filename for i in zipfile.ZipFile(io.BytesIO(SMALL_XLSX)).infolist()]


def _replace_member(name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(SMALL_XLSX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


@st.composite
def damaged_xlsx(draw: st.DrawFn) -> bytes:
    """A real small XLSX with flipped bytes, a cut, or one member replaced or truncated."""
    how = draw(st.sampled_from(["flip", "cut", "member"]))
    if how == "flip":
        data = bytearray(SMALL_XLSX)
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "cut":
        return SMALL_XLSX[: draw(st.integers(4, len(SMALL_XLSX) - 1))]
    name = draw(st.sampled_from(MEMBERS))
    original = zipfile.ZipFile(io.BytesIO(SMALL_XLSX)).read(name)
    content = draw(
        st.one_of(
            st.binary(max_size=256),
            st.integers(0, len(original)).map(lambda n: original[:n]),
            st.text(max_size=64).map(lambda t: original.replace(b"</", t.encode() + b"</", 1)),
        )
    )
    return _replace_member(name, content)


@SETTINGS
@given(data=damaged_xlsx())
def test_damaged_xlsx_raises_only_ingest_error(scratch: Path, data: bytes) -> None:
    _read(scratch, "damaged.xlsx", data)


SS_ATTRIBUTE = st.sampled_from(["ss:Index", "ss:MergeAcross", "ss:MergeDown"])
SS_VALUE = st.one_of(st.integers(-3, 40).map(str), st.text(alphabet="0123456789 -x.", max_size=4))


@st.composite
def spreadsheetml(draw: st.DrawFn) -> bytes:
    """A small Excel 2003 XML workbook with random (but small) index and merge attributes."""
    rows = []
    for texts in (
        ["企业名称", "统一社会信用代码", "检查结果"],
        ["甲", "91330000590594274X", "未发现问题"],
    ):
        cells = []
        for text in texts:
            attributes = draw(
                st.lists(st.tuples(SS_ATTRIBUTE, SS_VALUE), max_size=2, unique_by=lambda a: a[0])
            )
            attrs = "".join(f' {name}="{value}"' for name, value in attributes)
            cells.append(f'<Cell{attrs}><Data ss:Type="String">{text}</Data></Cell>')
        rows.append("<Row>" + "".join(cells) + "</Row>")
    return (
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table>'
        + "".join(rows)
        + "</Table></Worksheet></Workbook>"
    ).encode()


@SETTINGS
@given(data=spreadsheetml())
def test_spreadsheetml_attributes_raise_only_ingest_error(scratch: Path, data: bytes) -> None:
    _read(scratch, "check.xlsx", data)


# Entity codes


def _uscc(body: str) -> str:
    return body + calc_check_digit(body)


USCC_BODY = st.builds(
    lambda head, region, organisation: head + region + organisation,
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
VALID_USCC = USCC_BODY.map(_uscc)
VALID_REGNO = st.text(alphabet=DIGITS, min_size=14, max_size=14).map(
    lambda body: body + mod_11_10.calc_check_digit(body)
)


@SETTINGS
@given(code=VALID_USCC)
@example(code="91140902E000000005")  # one E among digits: not Excel's 9.114E+17
@example(code="913301007161035748")  # all digits
@example(code=_uscc("91140902" + "0" * 9))
def test_valid_uscc_passes(code: str) -> None:
    assert check_entity_code(code) is None
    assert check_entity_code(normalise_identifier(f" {code.lower()} ")) is None


@SETTINGS
@given(code=VALID_USCC, position=st.integers(0, 17), data=st.data())
def test_any_single_substitution_breaks_a_uscc(
    code: str, position: int, data: st.DataObject
) -> None:
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    changed = code[:position] + other + code[position + 1 :]
    assert check_entity_code(changed) is not None


@SETTINGS
@given(code=VALID_REGNO)
def test_valid_regno_passes(code: str) -> None:
    assert check_entity_code(code) is None


@SETTINGS
@given(code=VALID_REGNO, position=st.integers(0, 14), data=st.data())
def test_any_single_substitution_breaks_a_regno(
    code: str, position: int, data: st.DataObject
) -> None:
    other = data.draw(st.sampled_from([c for c in DIGITS if c != code[position]]))
    changed = code[:position] + other + code[position + 1 :]
    problem = check_entity_code(changed)
    assert problem is not None and problem[0] == "invalid-regno-check"


@SETTINGS
@given(text=st.text(max_size=40))
def test_code_checks_never_raise(text: str) -> None:
    value = normalise_identifier(text)
    assert not any(c.isspace() for c in value)
    if value:
        check_entity_code(value)


# Masking


def _assert_masked(out: str, value: str, shown: set[int]) -> None:
    assert len(out) == len(value)
    for position, (got, original) in enumerate(zip(out, value, strict=True)):
        assert got == (original if position in shown else "*"), (position, out)


MASK_INPUT = st.one_of(
    st.text(max_size=24),
    st.text(alphabet=DIGITS + "Xx", min_size=15, max_size=18),
    st.text(alphabet=DIGITS + "-+ ", min_size=7, max_size=14),
)


@SETTINGS
@given(value=MASK_INPUT)
@example(value="11010519491231002X")
def test_id_numbers_show_only_first_three_and_last_four(value: str) -> None:
    value = value.strip()
    shown = set(range(3)) | set(range(len(value) - 4, len(value))) if len(value) >= 15 else set()
    _assert_masked(mask_id_number(value), value, shown)
    assert mask_id_number(f"  {value}\t") == mask_id_number(value)


@SETTINGS
@given(value=MASK_INPUT)
@example(value="13812345678")
def test_phone_numbers_show_only_first_three_and_last_four(value: str) -> None:
    value = value.strip()
    shown = set(range(3)) | set(range(len(value) - 4, len(value))) if len(value) >= 11 else set()
    _assert_masked(mask_phone(value), value, shown)


@SETTINGS
@given(value=st.text(min_size=2, max_size=12).map(str.strip).filter(lambda v: len(v) >= 2))
@example(value="张三丰")
@example(value="欧阳修远")
@example(value="𠮷野")
def test_names_show_only_the_first_character(value: str) -> None:
    _assert_masked(mask_name(value), value, {0})


def test_short_values_are_masked_whole() -> None:
    # A one-character name, a short ID or a short number would show most of itself.
    assert mask_name("张") == "*"
    assert mask_name("  ") == ""
    assert mask_id_number("11010519") == "********"
    assert mask_phone("65123456") == "********"


# Dates


EXPORT_DATES = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
SERIAL_DATES = st.dates(
    min_value=EXCEL_EPOCH + dt.timedelta(days=EXCEL_SERIAL_RANGE[0]),
    max_value=EXCEL_EPOCH + dt.timedelta(days=EXCEL_SERIAL_RANGE[1]),
)


def renderings(day: dt.date) -> list[str]:
    """Every text rendering of ``day`` the exports use."""
    return [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year:04d}{day.month:02d}{day.day:02d}",
        f"{day.isoformat()} 00:00:00",
    ]


@SETTINGS
@given(day=EXPORT_DATES)
@example(day=dt.date(2024, 3, 25))
@example(day=dt.date(2024, 2, 29))
def test_every_rendering_of_a_date_parses_back(day: dt.date) -> None:
    for text in renderings(day):
        assert parse_date(text) == day.isoformat(), text


@SETTINGS
@given(day=SERIAL_DATES)
@example(day=dt.date(2024, 3, 25))
def test_excel_serial_numbers_parse_back(day: dt.date) -> None:
    serial = (day - EXCEL_EPOCH).days
    assert parse_date(str(serial)) == day.isoformat()
    assert parse_date(f"{serial}.0") in (None, day.isoformat())  # must not be another date


@SETTINGS
@given(text=st.text(max_size=30))
def test_parse_date_never_raises_and_returns_iso_or_none(text: str) -> None:
    result = parse_date(text)
    if result is not None:
        assert dt.date.fromisoformat(result).isoformat() == result
