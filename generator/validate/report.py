"""The validation report: records, per-file row states and the report dict contract (--json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.core.errors import Issue
from generator.core.schemas import KindSchema, load_schemas, public_record

PUBLISHED, QUARANTINED, WITHHELD, REFUSED = "published", "quarantined", "withheld", "refused"
FATES = (PUBLISHED, QUARANTINED, WITHHELD, REFUSED)
"""Every row read ends in exactly one of these; ``refused`` rows belong to a file that could
not be read or recognised at all."""
FOLLOW_UP_DATES = ("disposal_on", "disposal_entered_on", "case_filed_on", "penalty_on",
                   "abnormal_listed_on", "abnormal_removed_on", "closed_on")
"""Dates of what followed a check (``followUp`` fields of ``schemas/results.json``)."""
INTERNAL_KINDS = frozenset({"targets"})
"""Kinds read for draws and statistics only: their rows are never published as they are."""


OPERATOR_ONLY_CODES = frozenset({"personal-data-masked"})
"""Issues told to the operator only (``gongkai validate``, the build's standard error): the
published report (:func:`public_report`) counts them and names no file, row or column."""


WITHDRAWN = "撤回"
"""The 公示状态 of a result withdrawn after publication: it leaves every output and its
address shows a withdrawal notice instead."""


@dataclass
class Record:
    """One normalised record and the spreadsheet row it came from."""

    kind: str
    file: str
    row: int
    values: dict[str, Any]

    def key(self, kind: KindSchema) -> tuple[Any, ...]:
        """The record's primary key."""
        return tuple(self.values.get(name) for name in kind.primary_key)


@dataclass
class FileReport:
    """Row accounting for one export file."""

    path: str
    kind: str | None
    kind_title: str | None
    format: str | None
    encoding: str | None
    rows: dict[int, str] = field(default_factory=dict)
    refused_bytes: int = 0
    """The size of a refused file whose rows could not be counted (else 0)."""

    def count(self, state: str) -> int:
        """How many rows ended in ``state``."""
        return sum(1 for s in self.rows.values() if s == state)

    def to_dict(self) -> dict[str, Any]:
        """The file's entry in the JSON report."""
        return {
            "path": self.path,
            "kind": self.kind,
            "kind_title": self.kind_title,
            "format": self.format,
            "encoding": self.encoding,
            "rows_in": len(self.rows),
            "rows_published": self.count(PUBLISHED),
            "rows_quarantined": self.count(QUARANTINED),
            "rows_withheld": self.count(WITHHELD),
            "rows_refused": self.count(REFUSED),
            "bytes_refused": self.refused_bytes,
        }

    @property
    def balanced(self) -> bool:
        """Whether every row read has exactly one known fate."""
        return sum(self.count(state) for state in FATES) == len(self.rows)


@dataclass
class Report:
    """The outcome of validating a data folder: accounting, issues and the accepted records."""

    files: list[FileReport]
    issues: list[Issue]
    conflicts: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]
    derived: dict[str, int]
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    """Records declared withdrawn (撤回): table, id, reason, date and the public record."""
    held_back: dict[tuple[str, str], str] = field(default_factory=dict)
    """(task_id, code) of results rows not published → ``withheld`` or ``quarantined``: the
    statistics tell these apart from results that were never published (never shown per row)."""

    @property
    def errors(self) -> list[Issue]:
        """Issues that quarantined a row or a file."""
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues reported without quarantining anything."""
        return [i for i in self.issues if i.level != "error"]

    def public_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Published records with only their public and masked fields: what outputs may use."""
        schemas = load_schemas()
        return {
            kind: [public_record(schemas[kind], r) for r in rows]
            for kind, rows in self.tables.items()
        }

    def total(self, state: str | None = None) -> int:
        """Rows in all files, or rows in ``state``."""
        if state is None:
            return sum(len(f.rows) for f in self.files)
        return sum(f.count(state) for f in self.files)

    @property
    def balanced(self) -> bool:
        """Whether rows in = published + quarantined + withheld + refused, per file (and so
        in total)."""
        return all(f.balanced for f in self.files)

    @property
    def data_as_of(self) -> str | None:
        """The latest publication (or inspection) date among published results."""
        dates = [
            r.get("published_on") or r.get("inspected_on") for r in self.tables.get("results", [])
        ]
        return max((d for d in dates if d), default=None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (the ``--json`` contract of ``gongkai validate``)."""
        return {
            "rows_in": self.total(),
            "rows_published": self.total(PUBLISHED),
            "rows_quarantined": self.total(QUARANTINED),
            "rows_withheld": self.total(WITHHELD),
            "rows_refused": self.total(REFUSED),
            "bytes_refused": sum(f.refused_bytes for f in self.files),
            "balanced": self.balanced,
            "records": {kind: len(rows) for kind, rows in self.tables.items()},
            "derived_records": dict(self.derived),
            "data_as_of": self.data_as_of,
            "files": [f.to_dict() for f in self.files],
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "conflicts": self.conflicts,
            "withdrawals": [
                {k: w[k] for k in ("table", "id", "reason", "withdrawn_on", "file", "row")}
                for w in self.withdrawals
            ],
        }


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report as published (``data/quality_report.json``, the 数据质量报告 page).

    Operator-only warnings (:data:`OPERATOR_ONLY_CODES`) are left out; ``masked_values``
    says how many free-text values had personal data masked, and is there only when some had.

    Args:
        report: The dict of :meth:`Report.to_dict`.
    """
    private = [w for w in report["warnings"] if w["code"] in OPERATOR_ONLY_CODES]
    if not private:
        return report
    warnings = [w for w in report["warnings"] if w["code"] not in OPERATOR_ONLY_CODES]
    return {**report, "warnings": warnings, "masked_values": len(private)}


def operator_notes(report: dict[str, Any]) -> list[str]:
    """The operator-only warnings, one line each, for the build's standard error."""
    return [
        f"提醒：{w['file']} {w['message']}（不在网站上列出）"
        for w in report["warnings"]
        if w["code"] in OPERATOR_ONLY_CODES
    ]
