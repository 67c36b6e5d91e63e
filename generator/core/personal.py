"""Personal data typed into free text: resident ID numbers, mobile and landline numbers.

An ID number or a phone written into 备注 or 发现问题情况 is found and masked the way the
personal columns are (:mod:`generator.core.publicity`): ID ``110***********1234``, mobile
``138****5678``, landline ``0351-***4567``. What counts as a hit:

* **身份证号**: 18 characters (GB 11643-1999: province, a real birth date in 19xx/20xx and a
  valid check character, ``x`` accepted), or a first-generation 15-digit number (province and
  a real 19xx birth date) that is not a valid 15-digit 注册号. An all-digit code that is also a
  valid 统一社会信用代码 with a valid organisation code in it is a credit code, not a person.
* **手机号**: 11 digits ``1[3-9]…``, optionally ``+86``/``86`` before, spaces or hyphens after
  the 3rd and 7th digit.
* **固定电话**: a real area code (``010``, ``02x``, ``0[3-9]xx``) with a separator or in
  brackets, then 7–8 digits not starting with 0 or 1. 400/800 numbers and 95xxx/12345 lines
  are a business's or an office's service numbers, not personal, and are not flagged; neither
  is a bare 11-digit run starting with 0 (a landline without separator cannot be told apart
  from other numbers).

Digits inside a longer run of digits or letters (credit codes, hashes, task ids, amounts,
decimals) are never a hit. Full-width digits count as digits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

ID_NUMBER, MOBILE, LANDLINE = "身份证号", "手机号", "固定电话"
KINDS = (ID_NUMBER, MOBILE, LANDLINE)
"""The kinds of personal data found, in the order reports list them."""
MASK = "*"

# Same length in and out, so a hit's position in the folded text is its position in the text.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "－": "-",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
        "（": "(",
        "）": ")",
        "\u3000": " ",
        "\u00a0": " ",
    }
)
_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9][.．])"
_AFTER = r"(?![0-9A-Za-z])(?![.．][0-9])"
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID18 = re.compile(_BEFORE + r"[1-9]\d{5}(?:19|20)\d{2}" + _DATE + r"\d{3}[0-9Xx]" + _AFTER)
_ID15 = re.compile(_BEFORE + r"[1-9]\d{5}\d{2}" + _DATE + r"\d{3}" + _AFTER)
_MOBILE = re.compile(_BEFORE + r"(?:(?:\+|00)?86[ -]?)?(1[3-9]\d[ -]?\d{4}[ -]?\d{4})" + _AFTER)
_AREA = r"0(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(
    _BEFORE + r"(?:\((" + _AREA + r")\)[ -]?|(" + _AREA + r")[ -])[2-9]\d{6,7}" + _AFTER
)
_CANDIDATE = re.compile(r"[0-9][0-9 ()+-]{6,}")
"""Where a hit may start and end in folded text: a run of digits and separators (the
precise patterns run only there, which makes scanning a whole site fast)."""
_UNFOLDED_CANDIDATE = re.compile(
    "[0-9\uff10-\uff19][0-9 ()+\\-" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]{6,}"
)
""":data:`_CANDIDATE` before folding: a value without one is not folded at all."""
PROVINCES = frozenset(
    str(n) for n in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                     45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83)
)  # fmt: skip
"""First two digits of a resident ID (GB/T 2260 provinces; 71, 81–83 for Taiwan, Hong Kong
and Macao residence permits)."""
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class PersonalHit:
    """One piece of personal data in a text: its kind, where it is, and how it is published."""

    kind: str
    start: int
    end: int
    masked: str


def id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character of an ID number's first 17 digits (python-stdnum's
    ``cn.ric``, which reads the number with its check character, so one is appended)."""
    return ric.calc_check_digit(first17 + "0")


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _org_code_valid(code: str) -> bool:
    """Whether 9 characters are a GB 11714 organisation code with a valid check character."""
    if not code[:8].isdigit():
        return False
    check = 11 - sum(int(c) * w for c, w in zip(code, _ORG_WEIGHTS)) % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


def is_id_number(text: str) -> bool:
    """Whether ``text`` (18 or 15 characters) is a resident ID number and nothing else."""
    number = text.upper()
    if number[:2] not in PROVINCES:
        return False
    if len(number) == 18:
        if not _real_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return False
        if id_check_character(number[:17]) != number[17]:
            return False
        # An all-digit 统一社会信用代码 is valid twice over: its own check and the
        # organisation code's inside it.
        return not (stdnum_uscc.is_valid(number) and _org_code_valid(number[8:17]))
    if len(number) == 15 and number.isdigit():
        if not _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])):
            return False
        return mod_11_10.calc_check_digit(number[:14]) != number[14]  # else a 注册号
    return False


def _mask_digits(text: str, head: int, tail: int) -> str:
    """Mask every digit of ``text`` but the first ``head`` and last ``tail``; keep separators."""
    positions = [i for i, c in enumerate(text) if c.isdigit() or c in "Xx"]
    hidden = set(positions[head : len(positions) - tail])
    return "".join(MASK if i in hidden else c for i, c in enumerate(text))


def find_personal_data(text: str) -> list[PersonalHit]:
    """Every ID number, mobile and landline number in ``text``, in order, none overlapping."""
    if not text or not _UNFOLDED_CANDIDATE.search(text):
        return []  # most values: no run of digits worth folding the text for
    folded = text.translate(_FOLD)
    found: list[PersonalHit] = []
    for candidate in _CANDIDATE.finditer(folded):
        # Two characters on: the patterns look past a hit's end (a digit, a decimal point).
        found += _hits_in(text, folded, max(candidate.start() - 4, 0), candidate.end() + 2)
    hits: list[PersonalHit] = []
    for hit in sorted(found, key=lambda h: (h.start, -h.end)):
        if not hits or hit.start >= hits[-1].end:
            hits.append(hit)
    return hits


def _hits_in(text: str, folded: str, start: int, end: int) -> list[PersonalHit]:
    """The hits of ``folded[start:end]`` (the patterns still see what precedes ``start``)."""
    found = []
    for pattern in (_ID18, _ID15):
        for match in pattern.finditer(folded, start, end):
            if is_id_number(match.group()):
                masked = _mask_digits(text[match.start() : match.end()], 3, 4)
                found.append(PersonalHit(ID_NUMBER, match.start(), match.end(), masked))
    for match in _MOBILE.finditer(folded, start, end):
        number, last = match.span(1)
        masked = text[match.start() : number] + _mask_digits(text[number:last], 3, 4)
        found.append(PersonalHit(MOBILE, match.start(), last, masked))
    for match in _LANDLINE.finditer(folded, start, end):
        area = len(match.group(1) or match.group(2))
        masked = _mask_digits(text[match.start() : match.end()], area, 4)
        found.append(PersonalHit(LANDLINE, match.start(), match.end(), masked))
    return found


def mask_personal_data(text: str, markdown: bool = False) -> tuple[str, list[PersonalHit]]:
    """``text`` with every hit masked, and the hits.

    Args:
        text: A free-text value.
        markdown: The value is Markdown: the mask characters are escaped (``\\*``), so that
            two masked numbers in a paragraph do not turn into emphasis.
    """
    hits = find_personal_data(text)
    if not hits:
        return text, hits
    parts, last = [], 0
    for hit in hits:
        masked = hit.masked.replace(MASK, "\\" + MASK) if markdown else hit.masked
        parts += [text[last : hit.start], masked]
        last = hit.end
    parts.append(text[last:])
    return "".join(parts), hits


def describe_hits(hits: Iterable[PersonalHit]) -> str:
    """The hits counted by kind, in words: ``身份证号 1 处、手机号 2 处``."""
    counts = Counter(hit.kind for hit in hits)
    return "、".join(f"{kind} {counts[kind]} 处" for kind in KINDS if counts[kind])
