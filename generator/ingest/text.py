"""CSV bytes into text and rows: strict decoding (UTF-8, GB18030, UTF-16) and control characters.

Excel and WPS save "Unicode 文本" as UTF-16 (little-endian, with a BOM, tab-separated); other
tools write it without a BOM. UTF-16 is recognised by its BOM or, without one, by where the
zero bytes of its ASCII characters fall (delimiters and line breaks are ASCII, so even a
Chinese-only table has them), and only when the decoded text looks like text.

A NUL or other control character in a cell is removed from that cell (reported per row and
column by the caller); a file that is mostly control characters is binary and refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from generator.core.errors import IngestError

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
"""Characters no cell may carry into any output: C0 controls except tab and line breaks, DEL,
C1 controls and the two noncharacters XML forbids."""

SNIFF_BYTES = 65536
"""How much of a file decides its encoding and whether it is binary."""

BINARY_SHARE = 0.3
"""A decoded sample with more control characters than this share is binary, not a table."""

_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_NOT_TEXT = frozenset({"Cn", "Co", "Cs"})


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes strictly: UTF-16 (by BOM or zero-byte pattern), UTF-8 (with or without
    BOM), then GB18030. A UTF-16 BOM is not part of the text.

    Returns:
        The text and the encoding that decoded it (``utf-16-le``, ``utf-16-be``,
        ``utf-8-sig`` or ``gb18030``).

    Raises:
        IngestError: ``unreadable-encoding`` when nothing decodes, ``unknown-file-format``
            when the bytes are binary.
    """
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            return _decode_utf16(data[len(bom) :], encoding), encoding
    guessed = _utf16_without_bom(data)
    if guessed is not None:
        return guessed
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _is_binary(text[:SNIFF_BYTES]):
            raise IngestError("unknown-file-format", detail="二进制文件，不是 CSV 文本")
        return text, encoding
    raise IngestError("unreadable-encoding", detail="既不是 UTF-8，也不是 GB18030/GBK 或 UTF-16")


def _decode_utf16(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            "unreadable-encoding", detail=f"按 UTF-16 读取时第 {exc.start} 字节处编码无效"
        ) from exc


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a BOM: zero bytes almost all on one side of each 16-bit unit."""
    sample = data[: SNIFF_BYTES - SNIFF_BYTES % 2]
    units = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if units >= 2 and zeros >= max(2, units // 50) and others * 20 <= zeros:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            if _looks_like_text(text[: SNIFF_BYTES // 2]):
                return text, encoding
    return None


def _looks_like_text(sample: str) -> bool:
    """Few unassigned, private-use or control characters, and at least one line or delimiter."""
    odd = sum(1 for c in sample if unicodedata.category(c) in _NOT_TEXT or CONTROL.match(c))
    return odd * 50 <= len(sample) and any(c in sample for c in "\n,\t")


def _is_binary(sample: str) -> bool:
    return len(CONTROL.findall(sample)) > BINARY_SHARE * max(len(sample), 1)


def csv_rows(text: str) -> Iterator[tuple[int, list[str | None]]]:
    """The records of CSV text (comma, tab, semicolon or bar separated), numbered from 1.

    Raises:
        IngestError: ``corrupt-file`` when the CSV structure is broken.
    """
    sample = text[:8192]
    delimiter = ","
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        pass
    if delimiter != "," and sample.count(",") > sample.count(delimiter):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [cell if cell != "" else None for cell in record]
    except csv.Error as exc:
        raise IngestError("corrupt-file", detail=f"CSV 格式错误（第 {number + 1} 行附近）") from exc


def clean_cells(rows: list[tuple[int, list[str | None]]]) -> list[tuple[int, int]]:
    """Remove control characters from the cells, in place.

    Returns:
        (row number, column index) of every cell that held one.
    """
    cleaned = []
    for number, cells in rows:
        if not CONTROL.search("".join(c for c in cells if c)):
            continue
        for index, cell in enumerate(cells):
            if cell and CONTROL.search(cell):
                cells[index] = CONTROL.sub("", cell) or None
                cleaned.append((number, index))
    return cleaned


def lenient_rows(data: bytes) -> list[tuple[int, list[str | None]]]:
    """The records of a CSV that could not be decoded, read with replacement characters, only
    to count the rows refused with it (these values are never used)."""
    text = data.decode("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "gb18030",
                       errors="replace")  # fmt: skip
    try:
        return [(n, cells) for n, cells in csv_rows(text) if any(c and c.strip() for c in cells)]
    except IngestError:
        return []
