"""Audit a built or deployed site for what must never be published (``gongkai audit``).

Every file is read by what its bytes are, not its name: text (HTML, XML, feeds, JSON, CSV,
CSS, JavaScript, plain text), gzip (Pagefind's index), XLSX (each sheet's cells and formulas),
SQLite and Parquet (their text columns). Findings:

* **personal data** (:mod:`generator.core.personal`): ID, mobile and landline numbers, except
  the site's own identifiers (the id and code columns of its ``data/*.csv``: a task id can
  look like an ID number) and the numbers the publisher allows (its public contact);
* **formula cells**: an XLSX ``<f>`` element, or a CSV cell a spreadsheet would read as a
  formula (``=``, ``+``, ``-``, ``@``, tab, carriage return; a plain number is fine);
* **markup** (:mod:`generator.publish.site.audit_markup`): scripts other than the templates',
  event handlers, ``javascript:`` links, frames and objects, resources from other sites.

Nothing is printed here; the command prints the :class:`Audit`, masking as it goes.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sqlite3
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from generator.core.console import progress as console_progress
from generator.core.errors import GongkaiError
from generator.core.personal import PersonalHit, find_personal_data
from generator.core.schemas import load_schemas
from generator.publish.data.derived import CSV_GUARD, CSV_TRIGGERS
from generator.publish.site.audit_markup import (
    css_findings,
    excerpt,
    html_findings,
    template_scripts,
    xml_findings,
)

FORMULA, UNREADABLE = "公式单元格", "无法检查"
FORMULA_TRIGGERS = tuple(t for t in CSV_TRIGGERS if t != CSV_GUARD)
"""What makes a spreadsheet read a CSV cell as a formula: the downloads' guard rule, less
the guard itself (a cell starting with it is one the guard made safe)."""
MAX_UNPACKED = 2 << 30
"""Bytes a compressed file may unpack to before the audit refuses it (a zip bomb)."""
TEMPLATES = Path(__file__).resolve().parent / "templates"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_KEY = re.compile(r"[^0-9X]")
_SPREADSHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True, order=True)
class Finding:
    """One thing the site must not publish: where it is, what it is, and a masked excerpt."""

    path: str
    location: str
    kind: str
    excerpt: str


@dataclass
class Audit:
    """The outcome of :func:`audit_site`."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    """Files read."""
    skipped: list[str] = field(default_factory=list)
    """Binary files that hold no text (images, WebAssembly), by path."""

    def counts(self) -> dict[str, int]:
        """Findings per kind, most frequent first."""
        return dict(Counter(f.kind for f in self.findings).most_common())


def number_key(text: str) -> str:
    """A number as compared with allowed numbers and identifiers: digits (and ``X``) only."""
    return _KEY.sub("", unicodedata.normalize("NFKC", text).upper())


def masked_excerpt(text: str, hits: list[PersonalHit], index: int, room: int = 16) -> str:
    """The text around ``hits[index]``, every hit in it masked, on one line."""
    hit = hits[index]
    start, end = max(0, hit.start - room), min(len(text), hit.end + room)
    for other in hits:  # never cut a number in two: half of it would show unmasked
        if other.start < start < other.end:
            start = other.start
        if other.start < end < other.end:
            end = other.end
    parts, last = [], start
    for other in hits:
        if other.start >= start and other.end <= end:
            parts += [text[last : other.start], other.masked]
            last = other.end
    parts.append(text[last:end])
    return excerpt("".join(parts), 120)


def site_identifiers(site_dir: Path) -> set[str]:
    """The id and code values of the site's own ``data/*.csv`` (keys of :func:`number_key`)."""
    names = {
        spec.name
        for kind in load_schemas().values()
        for spec in kind.fields
        if spec.identifier or spec.derived or spec.derive_from or spec.check
    }
    found: set[str] = set()
    for path in sorted((site_dir / "data").glob("*.csv")):
        try:
            rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            header = next(rows, [])
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        columns = [i for i, name in enumerate(header) if name in names]
        for row in rows:
            found.update(number_key(row[i]) for i in columns if i < len(row) and row[i])
    return found


def audit_site(
    site_dir: Path,
    *,
    allow: Iterable[str] = (),
    own_hosts: Iterable[str] = (),
    template_dirs: Iterable[Path] = (),
    progress: bool = False,
) -> Audit:
    """Scan every file of ``site_dir``.

    Args:
        site_dir: A built site (``gongkai build --out``) or a copy of a deployed one.
        allow: Numbers that may appear (the publisher's public contact), in any spelling.
        own_hosts: Host names of the site itself: resources from there are not external.
        template_dirs: Template folders (the site's overrides) whose inline scripts pages
            may carry, besides the Material theme's and gongkai's record-page templates.
        progress: Show a progress bar on standard error.

    Raises:
        GongkaiError: ``site_dir`` is not a folder (the command exits 2).
    """
    if not site_dir.is_dir():
        raise GongkaiError(
            f"网站目录不存在：{site_dir}。请先运行 gongkai build，或指定已部署网站的副本"
        )
    exempt = site_identifiers(site_dir)
    for text in allow:
        exempt |= {number_key(text[h.start : h.end]) for h in find_personal_data(text)}
        exempt.add(number_key(text))
    scanner = _Scanner(
        site_dir,
        exempt,
        frozenset(h.lower() for h in own_hosts),
        template_scripts([*template_dirs, *_own_templates()]),
    )
    files = sorted(p for p in site_dir.rglob("*") if p.is_file())
    for path in console_progress(files, progress, "检查网站文件"):
        scanner.scan(path)
    scanner.audit.findings.sort()
    return scanner.audit


class _Scanner:
    """Reads one file after another into one :class:`Audit`."""

    def __init__(self, site_dir: Path, exempt: set[str], hosts: frozenset[str], scripts: list):
        self.site_dir = site_dir
        self.exempt = exempt
        self.hosts = hosts
        self.scripts = scripts
        self.audit = Audit()

    def add(self, path: str, location: str, kind: str, text: str) -> None:
        self.audit.findings.append(Finding(path, location, kind, text))

    def scan(self, path: Path) -> None:
        """Read one file by what its bytes are and record its findings."""
        name = path.relative_to(self.site_dir).as_posix()
        try:
            data = path.read_bytes()
            self._dispatch(name, path, data)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not hide the rest
            self.add(name, "", UNREADABLE, excerpt(f"{type(exc).__name__}: {exc}"))
        self.audit.files += 1

    def _dispatch(self, name: str, path: Path, data: bytes) -> None:
        if data.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
                unpacked = packed.read(MAX_UNPACKED + 1)
            if len(unpacked) > MAX_UNPACKED:
                raise ValueError("解压后过大")
            self.personal(name, unpacked.decode("utf-8", errors="replace"), _by_line)
        elif data.startswith(b"PK\x03\x04"):
            self.workbook(name, path)
        elif data.startswith(b"SQLite format 3\x00"):
            self.database(name, path)
        elif data.startswith(b"PAR1"):
            self.parquet(name, path)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = "\x00"
            if "\x00" in text:
                self.audit.skipped.append(name)
                return
            self.text(name, path.suffix.lower(), text)

    # Personal data

    def personal(self, name: str, text: str, locate: Callable[[str, int], str]) -> None:
        """Record every number in ``text`` that is neither an identifier nor allowed."""
        hits = find_personal_data(text)
        for index, hit in enumerate(hits):
            key = number_key(text[hit.start : hit.end])
            if key in self.exempt or key[-11:] in self.exempt:
                continue
            self.add(name, locate(text, hit.start), hit.kind, masked_excerpt(text, hits, index))

    def cell(self, name: str, location: str, value: str) -> None:
        """Record the personal data of one cell."""
        self.personal(name, value, lambda _text, _offset: location)

    # Text

    def text(self, name: str, suffix: str, text: str) -> None:
        """HTML, XML, CSS, CSV and any other text."""
        if suffix == ".csv":
            self.csv(name, text)
            return
        self.personal(name, text, _by_line)
        if suffix in (".html", ".htm"):
            found = html_findings(text, self.scripts, self.hosts)
        elif suffix in (".svg", ".xml", ".atom", ".rss") or text.lstrip().startswith("<?xml"):
            found = xml_findings(text, self.hosts)
        elif suffix == ".css":
            found = [
                (text.count("\n", 0, o) + 1, k, e) for o, k, e in css_findings(text, self.hosts)
            ]
        else:
            found = []
        for line, kind, shown in found:
            self.add(name, f"第 {line} 行" if line else "", kind, _masked(shown))

    def csv(self, name: str, text: str) -> None:
        """Each cell: personal data, and text a spreadsheet would run as a formula."""
        rows = csv.reader(io.StringIO(text))
        header = next(rows, [])
        for number, row in enumerate(rows, start=2):
            for index, value in enumerate(row):
                if not value:
                    continue
                column = header[index] if index < len(header) else str(index + 1)
                where = f"第 {number} 行「{column}」列"
                self.cell(name, where, value)
                if value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
                    self.add(name, where, FORMULA, _masked(excerpt(value)))

    # Binary formats

    def workbook(self, name: str, path: Path) -> None:
        """An XLSX: every sheet's formulas and cell text; other parts as text."""
        import defusedxml.ElementTree as SafeTree

        with zipfile.ZipFile(path) as book:
            if sum(i.file_size for i in book.infolist()) > MAX_UNPACKED:
                raise ValueError("解压后过大")
            sheets = _sheet_names(book, SafeTree)
            shared = _shared_strings(book, SafeTree)
            for member in sorted(book.namelist()):
                if member in sheets:
                    self.sheet(name, sheets[member], book, member, shared, SafeTree)
                elif member.endswith((".xml", ".rels")) and member != "xl/sharedStrings.xml":
                    text = book.read(member).decode("utf-8", errors="replace")
                    self.personal(name, text, lambda _t, _o, m=member: f"部件 {m}")

    def sheet(self, name: str, title: str, book, member: str, shared: list[str], tree) -> None:
        """One worksheet, cell by cell."""
        with book.open(member) as stream:
            for _, element in tree.iterparse(stream):
                if element.tag != f"{_SPREADSHEET}c":
                    continue
                where = f"工作表「{title}」单元格 {element.get('r', '')}"
                formula = element.find(f"{_SPREADSHEET}f")
                if formula is not None:
                    self.add(name, where, FORMULA, _masked(excerpt("=" + (formula.text or ""))))
                value = _cell_text(element, shared)
                if value:
                    self.cell(name, where, value)
                element.clear()

    def database(self, name: str, path: Path) -> None:
        """A SQLite file: every text value of every table."""
        uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        with sqlite3.connect(uri, uri=True) as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            for table in tables:
                cursor = connection.execute(
                    f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"'
                )
                columns = [d[0] for d in cursor.description]
                for number, row in enumerate(cursor, start=1):
                    for column, value in zip(columns, row):
                        if isinstance(value, (str, int)) and not isinstance(value, bool):
                            where = f"表 {table} 第 {number} 行「{column}」列"
                            self.cell(name, where, str(value))
        connection.close()

    def parquet(self, name: str, path: Path) -> None:
        """A Parquet file: every value of its text columns."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        offset = 0
        for batch in pq.ParquetFile(path).iter_batches():
            for column, values in zip(batch.schema.names, batch.columns):
                kind = values.type
                if pa.types.is_dictionary(kind):
                    kind = kind.value_type
                if (
                    pa.types.is_string(kind)
                    or pa.types.is_large_string(kind)
                    or pa.types.is_integer(kind)
                ):
                    for number, value in enumerate(values.to_pylist(), start=offset + 1):
                        if value is not None:
                            self.cell(name, f"第 {number} 行「{column}」列", str(value))
            offset += batch.num_rows


def _own_templates() -> list[Path]:
    """gongkai's record-page templates and the installed Material theme's."""
    import material

    return [TEMPLATES, Path(material.__file__).resolve().parent / "templates"]


def _by_line(text: str, offset: int) -> str:
    return f"第 {text.count(chr(10), 0, offset) + 1} 行"


def _masked(text: str) -> str:
    """An excerpt with any personal data in it masked."""
    hits = find_personal_data(text)
    return masked_excerpt(text, hits, 0, len(text)) if hits else text


def _sheet_names(book: zipfile.ZipFile, tree) -> dict[str, str]:
    """Worksheet part → sheet name, from the workbook and its relationships."""
    try:
        workbook = tree.fromstring(book.read("xl/workbook.xml"))
        rels = tree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {
            n: n for n in book.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
        }
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names = {}
    for sheet in workbook.iter(f"{_SPREADSHEET}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[member] = sheet.get("name", member)
    return names


def _shared_strings(book: zipfile.ZipFile, tree) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    root = tree.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in item.iter(f"{_SPREADSHEET}t")) for item in root]


def _cell_text(element, shared: list[str]) -> str:
    kind = element.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in element.iter(f"{_SPREADSHEET}t"))
    value = element.find(f"{_SPREADSHEET}v")
    text = value.text if value is not None and value.text else ""
    if kind == "s" and text.isdigit():
        return shared[int(text)] if int(text) < len(shared) else ""
    return "" if kind == "b" else text  # numbers too: a phone may be stored as one
