"""Cell-value parsing and identifier checks shared by validation and later stages.

Dates arrive as ``2024-03-25``, ``2024/3/25``, ``2024年3月25日``, ``20240325`` or Excel serial
numbers; credit codes arrive lowercased, padded, as 15-digit 注册号, or damaged by Excel.
Each helper turns one such value into its canonical form or says precisely what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from functools import lru_cache
from typing import Any

from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (10_000, 99_999)  # 1927-05-18 .. 2173-10-14: plausible serials only

_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?E\+\d+")  # Excel, pandas and JS all write E+17
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_YMD = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(?:[T\s]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?")
_LEGACY_REGNO = re.compile(r".{1,12}字第?\d{3,}号")
_INTEGER_SUFFIX = re.compile(r"(户|家|个|人|次|项|条)$")
_CODE_SEPARATORS = re.compile(r"[-‐‑‒–—―−﹣.·・•]")


SHARED_TEXT = 40
"""Texts up to this length are shared between rows (:func:`shared_text`); longer ones are
rarely repeated."""


def shared_text(value: Any) -> Any:
    """One copy of a short text however many rows hold it (dates, codes, names of tasks,
    items and departments repeat 10⁵ times in a province's exports); other values as given."""
    return sys.intern(value) if type(value) is str and len(value) <= SHARED_TEXT else value


def fold_text(value: object) -> object:
    """A value as compared across exports: what a re-export may change without changing a fact.

    Text is compared after NFKC (full- and half-width brackets, digits and letters alike),
    with CRLF as LF and without trailing spaces on any line or blank lines around it (names
    keep the bytes of their export, ``keepBytes``); blank text is ``None``. Other values are
    returned as they are.
    """
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip() or None


def normalise_identifier(value: str) -> str:
    """NFKC, every decimal digit as ASCII, no whitespace, upper case: how identifiers are
    compared and published (``SJ-２０２４`` and ``SJ-٢٠٢٤`` are ``SJ-2024``)."""
    value = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    value = unicodedata.normalize("NFKC", value)  # again: joining can compose characters
    if value.isascii():
        return value
    return "".join(_ascii_digit(c) for c in value)


def normalise_entity_code(value: str) -> str:
    """A 统一社会信用代码 or 注册号 as published: :func:`normalise_identifier` without the
    hyphens, dots and middle dots typed between groups (``91-110000-600037341L``)."""
    value = normalise_identifier(value)
    if _SCIENTIFIC.fullmatch(value):
        return value  # Excel's 9.1E+17 keeps its dot, so the damage is named
    # Again: a separator between a letter and a combining mark hid a composition.
    return normalise_identifier(_CODE_SEPARATORS.sub("", value))


def _ascii_digit(char: str) -> str:
    """A decimal digit of any script as its ASCII digit; any other character unchanged."""
    digit = unicodedata.decimal(char, None)
    return char if digit is None else str(digit)


def parse_date(value: str) -> str | None:
    """Parse a date in any of the export formats to ISO ``YYYY-MM-DD``; ``None`` if it is not one.

    A trailing time (``2024-03-25 00:00:00``) is accepted and dropped.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if text.isdigit():
        if len(text) == 8:
            match = _COMPACT_YMD.fullmatch(text)
            return _iso(*match.groups()) if match else None
        serial = int(text)
        if EXCEL_SERIAL_RANGE[0] <= serial <= EXCEL_SERIAL_RANGE[1]:
            return (EXCEL_EPOCH + dt.timedelta(days=serial)).isoformat()
        return None
    match = _YMD.match(text)
    if not match or not _TIME.fullmatch(text[match.end() :]):
        return None
    return _iso(*match.groups())


def parse_datetime(value: str) -> str | None:
    """Parse a date with optional time to ISO ``YYYY-MM-DDTHH:MM:SS``; ``None`` if invalid."""
    text = unicodedata.normalize("NFKC", value).strip()
    match = _YMD.match(text)
    if not match:
        date = parse_date(text)
        return f"{date}T00:00:00" if date else None
    date = _iso(*match.groups())
    rest = _TIME.fullmatch(text[match.end() :])
    if date is None or rest is None:
        return None
    hour, minute, second, zone = rest.groups()
    try:
        time = dt.time(int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    suffix = ""
    if zone:
        suffix = "Z" if zone == "Z" else zone[:3] + ":" + zone[-2:]
    return f"{date}T{time.isoformat()}{suffix}"


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_integer(value: str) -> str:
    """Clean an integer cell (``1,200``, ``20户``, ``35.0``) to digits; unchanged if it is not one."""
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    text = _INTEGER_SUFFIX.sub("", text).strip()
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        text = text.split(".")[0]
    return text if re.fullmatch(r"[+-]?\d+", text) else value


def code_type(value: str) -> str:
    """``统一社会信用代码`` for an 18-character code, else ``注册号``."""
    return "统一社会信用代码" if len(value) == 18 else "注册号"


def check_entity_code(value: str) -> tuple[str, dict[str, str]] | None:
    """Check a normalised 统一社会信用代码 or legacy 注册号.

    Returns:
        ``None`` when the code is valid, else an issue code and its parameters:
        ``excel-scientific-notation``, ``excel-precision-loss``, ``invalid-uscc-check``
        (with ``expected``), ``invalid-regno-check`` or ``invalid-uscc-format`` (with ``detail``).
    """
    if _SCIENTIFIC.fullmatch(value):
        return "excel-scientific-notation", {}
    if len(value) == 18:
        bad = sorted({c for c in value if c not in USCC_ALPHABET})
        if bad:
            return "invalid-uscc-format", {"detail": f"含有不允许的字符 {'、'.join(bad)}"}
        if not value[2:8].isdigit():
            return "invalid-uscc-format", {"detail": "第 3–8 位应为行政区划代码数字"}
        expected = stdnum_uscc.calc_check_digit(value[:17])
        if value[-1] == expected:
            return None
        if value.isdigit() and value.endswith("000"):
            return "excel-precision-loss", {}
        return "invalid-uscc-check", {"expected": expected}
    if len(value) == 15 and value.isdigit():
        expected = mod_11_10.calc_check_digit(value[:14])
        return None if value[-1] == expected else ("invalid-regno-check", {"expected": expected})
    if len(value) == 13 and value.isdigit():
        return None  # pre-2007 13-digit 注册号: no check digit to verify
    if _LEGACY_REGNO.fullmatch(value):
        return None  # pre-2000s text registration numbers such as 企合浙绍总字第002112号
    if value.isdigit() and len(value) > 15 and value.endswith("000"):
        return "excel-precision-loss", {}
    return "invalid-uscc-format", {"detail": f"长度为 {len(value)} 位"}


@lru_cache(maxsize=4096)
def is_region_code(value: str) -> bool:
    """Whether ``value`` is a GB/T 2260 code known to python-stdnum's region table."""
    if not re.fullmatch(r"[1-9]\d{5}", value):
        return False
    from stdnum import numdb

    info = numdb.get("cn/loc").info(value)
    return len(info) == 2 and "county" in info[1][1]
