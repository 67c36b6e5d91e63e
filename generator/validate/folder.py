"""Validate ingested exports and account for every row.

Per file: values are normalised (identifiers, dates, enums, outcome wording), multi-result
cells are split into one record per task, enterprise and item, and every record is checked
by the real frictionless validator against its kind's Table Schema plus gongkai's own
checks (credit-code check characters, region codes). Across files: duplicate and
conflicting keys, foreign keys between kinds, and tasks or plans derived from result
columns when no such file was given.

Every data row ends in exactly one state: published, quarantined (an error names file,
row, column and a fix) or withheld (publicity policy). The equation
``rows_in = published + quarantined + withheld`` is checked for every file and in total.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
from frictionless import Check, Checklist, Resource, Schema, errors

from generator.core.console import progress as console_progress
from generator.core.errors import BuildAbort, GongkaiError, IngestError, Issue
from generator.core.schemas import (
    KindSchema,
    load_schemas,
    match_outcome,
    normalise_value_key,
    public_record,
    record_id,
)
from generator.core.settings import Settings, load_settings
from generator.core.values import (
    check_entity_code,
    code_type,
    is_region_code,
    normalise_identifier,
    parse_date,
    parse_datetime,
    parse_integer,
)
from generator.ingest.exports import ExportTable, find_exports, read_export

PUBLISHED, QUARANTINED, WITHHELD = "published", "quarantined", "withheld"
INTERNAL_KINDS = frozenset({"targets"})
"""Kinds read for draws and statistics only: their rows are never published as they are."""
WITHDRAWN = "撤回"
"""The 公示状态 of a result withdrawn after publication: it leaves every output and its
address shows a withdrawal notice instead."""
_MULTI_SPLIT = re.compile(r"[；;，,\n]+")


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
        }


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
        """Whether rows in = published + quarantined + withheld, per file and in total."""
        return all(
            len(f.rows) == f.count(PUBLISHED) + f.count(QUARANTINED) + f.count(WITHHELD)
            for f in self.files
        )

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


# Frictionless checks


class GongkaiCellError(errors.CellError):
    """A cell failed one of gongkai's own checks; ``note`` holds the issue code and params."""

    type = "gongkai-cell-error"
    title = "gongkai cell check"
    description = "A cell failed a gongkai identifier check."
    template = "{note}"


@attrs.define(kw_only=True, repr=False)
class EntityCodeCheck(Check):
    """GB 32100 check character of 统一社会信用代码, MOD 11,10 of 注册号, Excel damage."""

    type = "gongkai-entity-code"
    Errors = [GongkaiCellError]  # noqa: RUF012 - frictionless's class protocol
    allowlist: frozenset[str] = frozenset()

    def validate_row(self, row: Any) -> Iterable[errors.Error]:
        value = row["uscc"] if "uscc" in row.field_names else None
        if not value or value in self.allowlist:
            return
        problem = check_entity_code(value)
        if problem:
            code, params = problem
            note = json.dumps({"code": code, "params": params}, ensure_ascii=False)
            yield GongkaiCellError.from_row(row, note=note, field_name="uscc")


@attrs.define(kw_only=True, repr=False)
class RegionCodeCheck(Check):
    """GB/T 2260 administrative division codes must exist."""

    type = "gongkai-region-code"
    Errors = [GongkaiCellError]  # noqa: RUF012 - frictionless's class protocol

    def validate_row(self, row: Any) -> Iterable[errors.Error]:
        value = row["region_code"] if "region_code" in row.field_names else None
        if value and re.fullmatch(r"\d{6}", value) and not is_region_code(value):
            note = json.dumps({"code": "invalid-region-code", "params": {}})
            yield GongkaiCellError.from_row(row, note=note, field_name="region_code")


# Normalisation


def _normalise_value(spec: Any, value: str | None) -> str | None:
    if value is None:
        return None
    if spec.identifier:
        value = normalise_identifier(value)
    elif spec.type == "date":
        value = parse_date(value) or value
    elif spec.type == "datetime":
        value = parse_datetime(value) or value
    elif spec.type == "integer":
        value = parse_integer(value)
    elif spec.enum and spec.name != "outcome":
        value = spec.canonical_value(value.strip())
    return value or None


def _split_multi(text: str | None) -> list[str]:
    if not text:
        return []
    return [part.strip() for part in _MULTI_SPLIT.split(text) if part.strip()]


def _result_records(
    table: ExportTable, number: int, values: dict[str, Any], pre: list[Issue]
) -> list[dict[str, Any]]:
    """Split a result row into one record per item, with outcomes mapped to the vocabulary."""
    outcome_header = table.header_of("outcome")
    raw_outcome = values.get("outcome")
    pieces = _split_multi(raw_outcome)
    outcomes = []
    for piece in pieces:
        outcome = match_outcome(piece)
        if outcome is None:
            pre.append(Issue("unknown-outcome", table.path, number, outcome_header, piece))
            return []
        outcomes.append((piece, outcome))
    items = _split_multi(values.get("item")) or [""]
    if len(outcomes) > 1 and len(items) != len(outcomes):
        if len({o.code for _, o in outcomes}) == 1 and len(items) == 1:
            outcomes = outcomes[:1]
        else:
            detail = f"{len(outcomes)} 个检查结果而检查事项有 {len([i for i in items if i])} 个"
            pre.append(
                Issue(
                    "item-result-mismatch",
                    table.path,
                    number,
                    outcome_header,
                    raw_outcome,
                    {"detail": detail},
                )
            )
            return []
    if not outcomes:
        outcomes = [("", None)]
    if len(outcomes) == 1:
        outcomes = outcomes * len(items)
    records = []
    for item, (text, outcome) in zip(items, outcomes):
        record = dict(values)
        record["item"] = item or None
        record["outcome_text"] = text or None
        record["outcome"] = outcome.outcome if outcome else None
        record["outcome_code"] = outcome.code if outcome else None
        uscc = record.get("uscc")
        record["code_type"] = code_type(uscc) if uscc else None
        record["result_id"] = result_id(
            record.get("task_id") or f"{record.get('authority')}@{record.get('inspected_on')}",
            uscc,
            item,
        )
        records.append(record)
    _spread_disposals(records, [o for _, o in outcomes])
    return records


def _spread_disposals(records: list[dict[str, Any]], outcomes: list[Any]) -> None:
    """Give each record of a split row its own 后续处置.

    A row per enterprise lists disposals joined by ``；``: one per item, one per problem
    finding, or a single one for all problem findings. Any other shape is left joined,
    so validation reports it.
    """
    pieces = _split_multi(records[0].get("disposal") if records else None)
    if len(pieces) < 2 and len(records) < 2:
        return
    problems = [r for r, o in zip(records, outcomes) if o is not None and o.problem]
    if len(pieces) == len(records):
        targets = records
    elif len(pieces) == len(problems) or (len(pieces) == 1 and problems):
        targets = problems
    else:
        return
    for record in records:
        record["disposal"] = None
    for position, record in enumerate(targets):
        record["disposal"] = pieces[min(position, len(pieces) - 1)]


def derived_id(field_name: str, parts: list[Any]) -> str:
    """A stable id for a record whose export has no id column: ``item-3fa9c0d21b``."""
    basis = "\x1f".join(normalise_value_key(str(p)) if p else "" for p in parts)
    prefix = field_name.removesuffix("_id")
    return f"{prefix}-{hashlib.sha256(basis.encode('utf-8')).hexdigest()[:10]}"


def result_id(task_id: str | None, uscc: str | None, item: str | None) -> str:
    """Stable id of a result: a short hash of task, enterprise code and folded item name."""
    basis = "\x1f".join([task_id or "", uscc or "", normalise_value_key(item or "")])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def normalise_table(table: ExportTable) -> tuple[list[Record], list[Issue]]:
    """Normalise every row of an export into records, with issues found on the way."""
    kind = load_schemas()[table.kind]
    specs = [s for s in kind.fields if not s.derived]
    present = {c.field for c in table.columns if c.field}
    derivable = [s for s in specs if s.derive_from and s.name not in present]
    records: list[Record] = []
    issues: list[Issue] = []
    for row in table.rows:
        values = {s.name: _normalise_value(s, row.values.get(s.name)) for s in specs}
        for spec in derivable:
            values[spec.name] = derived_id(spec.name, [values.get(n) for n in spec.derive_from])
        if table.kind == "results":
            for values_out in _result_records(table, row.number, values, issues):
                records.append(Record(table.kind, table.path, row.number, values_out))
        else:
            records.append(Record(table.kind, table.path, row.number, values))
    return records, issues


# Frictionless validation


def _frictionless_issues(
    table: ExportTable, records: list[Record], settings: Settings
) -> list[Issue]:
    """Validate records with frictionless (types, enums, patterns, required) and gongkai checks."""
    if not records:
        return []
    kind = load_schemas()[table.kind]
    schema = Schema.from_descriptor(kind.frictionless_descriptor())
    names = schema.field_names
    data = [names] + [[r.values.get(n) for n in names] for r in records]
    checks: list[Check] = [RegionCodeCheck()]
    if "uscc" in names:
        checks.append(EntityCodeCheck(allowlist=settings.uscc_allowlist))
    resource = Resource(data=data, schema=schema)
    report = resource.validate(
        checklist=Checklist(checks=checks, skip_errors=["blank-row"]), limit_errors=10**9
    )
    issues = []
    for task in report.tasks:
        for error in task.errors:
            position = getattr(error, "row_number", None)
            field_name = getattr(error, "field_name", None)
            if position is None or field_name is None:
                continue
            record = records[position - 2]
            issue = _issue_from_error(table, kind, record, field_name, error)
            if issue:
                issues.append(issue)
    return issues


def _issue_from_error(
    table: ExportTable, kind: KindSchema, record: Record, field_name: str, error: Any
) -> Issue | None:
    spec = kind.field(field_name)
    header = table.header_of(field_name)
    show = spec.publicity in ("public", "notice") and kind.name not in INTERNAL_KINDS
    value = record.values.get(field_name)
    value = None if value is None else str(value)
    if error.type == GongkaiCellError.type:
        detail = json.loads(error.note)
        return Issue(detail["code"], table.path, record.row, header, value, detail["params"], show)
    if error.type == "type-error":
        code = {
            "date": "invalid-date",
            "datetime": "invalid-datetime",
            "integer": "invalid-integer",
            "number": "invalid-number",
        }.get(spec.type, "invalid-pattern")
        return Issue(code, table.path, record.row, header, value, {}, show)
    if error.type == "constraint-error":
        note = error.note
        if '"required"' in note:
            return Issue("missing-value", table.path, record.row, header, None, {}, show)
        if '"enum"' in note:
            expected = "、".join(spec.enum)
            return Issue(
                "invalid-enum", table.path, record.row, header, value, {"expected": expected}, show
            )
        if '"pattern"' in note:
            code = "invalid-identifier" if spec.identifier else "invalid-pattern"
            if field_name == "region_code":
                code = "invalid-region-code"
            pattern = spec.descriptor.get("constraints", {}).get("pattern", "")
            return Issue(code, table.path, record.row, header, value, {"expected": pattern}, show)
        if '"minimum"' in note:
            minimum = spec.descriptor.get("constraints", {}).get("minimum")
            return Issue(
                "value-too-small", table.path, record.row, header, value, {"expected": minimum}, show
            )
    return Issue("invalid-pattern", table.path, record.row, header, value, {}, show)


# The folder


def _display_path(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir).as_posix()


def validate_folder(data_dir: Path, progress: bool = False) -> Report:
    """Read, normalise and validate every export under ``data_dir``.

    Args:
        data_dir: the operator's folder of exports (searched recursively).
        progress: show a progress bar on standard error.

    Raises:
        GongkaiError: the folder does not exist or holds no export file.
        BuildAbort: the row accounting does not balance (a bug, never a data problem).
    """
    if not data_dir.is_dir():
        raise GongkaiError(f"数据目录不存在：{data_dir}。请确认路径，或先把导出文件放入该目录")
    settings = load_settings(data_dir)
    paths = find_exports(data_dir)
    if not paths:
        raise GongkaiError(
            f"数据目录 {data_dir} 中没有 .xlsx 或 .csv 导出文件。请把业务系统导出的文件放入该目录"
        )
    files: list[FileReport] = []
    issues: list[Issue] = []
    records: list[Record] = []
    tables: list[ExportTable] = []
    for path in console_progress(paths, progress, "读取并校验导出文件"):
        display = _display_path(path, data_dir)
        try:
            table = read_export(path, display)
        except IngestError as exc:
            files.append(FileReport(display, None, None, None, None))
            issues.append(Issue(exc.code, display, params=exc.params))
            continue
        tables.append(table)
        kind = load_schemas()[table.kind]
        report = FileReport(display, table.kind, kind.title, table.format, table.encoding)
        report.rows = {row.number: PUBLISHED for row in table.rows}
        files.append(report)
        issues.extend(_table_notes(table))
        if table.missing_required:
            for name in table.missing_required:
                title = kind.field(name).title
                issues.append(Issue("missing-column", display, None, title))
            report.rows = {n: QUARANTINED for n in report.rows}
            continue
        table_records, table_issues = normalise_table(table)
        table_issues += _frictionless_issues(table, table_records, settings)
        issues.extend(table_issues)
        records.extend(table_records)
    state = _Accounting(files, issues)
    state.quarantine_rows(i for i in issues if i.level == "error" and i.row is not None)
    accepted = [r for r in records if state.is_live(r)]
    tables_out, conflicts, derived = _cross_checks(accepted, tables, state)
    withdrawals = []
    for record in accepted:
        status_ = record.values.get("publication_status") if record.kind == "results" else None
        if status_ == WITHDRAWN and state.is_live(record):
            withdrawals.append(_withdrawal(record))
            if not record.values.get("withdrawal_reason"):
                issues.append(Issue("withdrawal-without-reason", record.file, record.row))
        if status_ in ("不予公示", WITHDRAWN):
            state.set(record.file, record.row, WITHHELD)
    # A 检查对象名录 is the population draws and statistics are made from; its rows are
    # kept for them but never published one by one, so they count as withheld.
    internal = {(r.file, r.row) for r in accepted if r.kind in INTERNAL_KINDS and state.is_live(r)}
    for file, row in internal:
        state.set(file, row, WITHHELD)
    final_tables = {
        kind: [
            _published(kind, _typed(kind, r.values))
            for r in rows
            if state.is_published(r) or (r.file, r.row) in internal
        ]
        for kind, rows in tables_out.items()
    }
    report = Report(files, _unique_issues(issues), conflicts, final_tables, derived)
    report.withdrawals = sorted(withdrawals, key=lambda w: (w["table"], w["id"]))
    report.held_back = _held_back(tables, state)
    if not report.balanced:
        raise BuildAbort("行数核对失败：读入行数 ≠ 公示 + 隔离 + 不予公示。这是 gongkai 的缺陷，请报告")
    return report


def _withdrawal(record: Record) -> dict[str, Any]:
    """A declared withdrawal: what the notice and the change log may show, nothing personal."""
    kind = load_schemas()[record.kind]
    values = _typed(record.kind, record.values)
    return {
        "table": record.kind,
        "id": record_id(kind, values),
        "reason": values.get("withdrawal_reason"),
        "withdrawn_on": values.get("withdrawn_on"),
        "file": record.file,
        "row": record.row,
        "record": public_record(kind, values),
    }


def _published(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """A published result says so: a blank 公示状态 means 公示, so a column added to an
    export later does not look like a change to every record."""
    if kind == "results" and not values.get("publication_status"):
        return {**values, "publication_status": "公示"}
    return values


def _held_back(tables: list[ExportTable], state: _Accounting) -> dict[tuple[str, str], str]:
    """Task and code of every results row that was withheld or quarantined.

    Read from the rows as exported, so that rows which yielded no record count too."""
    held: dict[tuple[str, str], str] = {}
    for table in tables:
        if table.kind != "results":
            continue
        rows = state.files[table.path].rows
        for row in table.rows:
            task_id, code = row.values.get("task_id"), row.values.get("uscc")
            if rows.get(row.number) != PUBLISHED and task_id and code:
                key = (normalise_identifier(task_id), normalise_identifier(code))
                held.setdefault(key, rows[row.number])
    return dict(sorted(held.items()))


def _typed(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validated values with integer fields as ``int`` (everything else stays text)."""
    integers = [f.name for f in load_schemas()[kind].fields if f.type == "integer"]
    return {**values, **{n: int(values[n]) for n in integers if values.get(n) is not None}}


def _table_notes(table: ExportTable) -> list[Issue]:
    notes = [Issue(code, table.path, None, params.get("column"), None, params) for code, params in table.notes]
    notes += [Issue(code, table.path, number) for number, code in table.skipped]
    if not table.rows:
        notes.append(Issue("no-data-rows", table.path, table.header_row))
    return notes


def _unique_issues(issues: list[Issue]) -> list[Issue]:
    """Sorted issues with one issue per file, row, column and code."""
    seen: dict[tuple[Any, ...], Issue] = {}
    for issue in issues:
        seen.setdefault((issue.file, issue.row, issue.column, issue.code), issue)
    return sorted(seen.values(), key=Issue.sort_key)


class _Accounting:
    """Row states per file; a row once quarantined stays quarantined."""

    def __init__(self, files: list[FileReport], issues: list[Issue]) -> None:
        self.files = {f.path: f for f in files}
        self.issues = issues

    def set(self, file: str, row: int, state: str) -> None:
        rows = self.files[file].rows
        if rows.get(row) == PUBLISHED or (state == QUARANTINED and row in rows):
            rows[row] = state

    def quarantine_rows(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.set(issue.file, issue.row, QUARANTINED)  # type: ignore[arg-type]

    def is_live(self, record: Record) -> bool:
        return self.files[record.file].rows.get(record.row) == PUBLISHED

    def is_published(self, record: Record) -> bool:
        return self.is_live(record)

    def reject(self, record: Record, issue: Issue) -> None:
        """Report an issue on a record's row; an error-level issue quarantines the row."""
        self.issues.append(issue)
        if issue.level == "error":
            self.set(record.file, record.row, QUARANTINED)


# Cross-file checks


def _cross_checks(
    records: list[Record], tables: list[ExportTable], state: _Accounting
) -> tuple[dict[str, list[Record]], list[dict[str, Any]], dict[str, int]]:
    """Keys, conflicts, foreign keys and derived parents over all accepted records."""
    schemas = load_schemas()
    headers = {t.path: t for t in tables}
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    _number_sub_items(by_kind.get("items", []))
    conflicts: list[dict[str, Any]] = []
    for kind_name, kind_records in list(by_kind.items()):
        by_kind[kind_name], found = _resolve_keys(schemas[kind_name], kind_records, headers, state)
        conflicts.extend(found)
    present = {t.kind for t in tables if t.rows}
    derived: dict[str, int] = {}
    for child, parent, field_name, code in (
        ("tasks", "plans", "plan_id", "unknown-plan"),
        ("results", "tasks", "task_id", "unknown-task"),
        ("draws", "tasks", "task_id", "unknown-task"),
    ):
        if parent in present:
            known = {r.values.get(field_name) for r in by_kind.get(parent, []) if state.is_live(r)}
            for record in by_kind.get(child, []):
                value = record.values.get(field_name)
                if value and value not in known and state.is_live(record):
                    header = headers[record.file].header_of(field_name)
                    state.reject(record, Issue(code, record.file, record.row, header, value))
    if "tasks" not in present:
        by_kind["tasks"] = _derive_parents(by_kind.get("results", []), state, _TASK_FROM_RESULT)
        derived["tasks"] = len(by_kind["tasks"])
    if "plans" not in present:
        sources = by_kind.get("tasks", []) + by_kind.get("results", [])
        by_kind["plans"] = _derive_parents(sources, state, _PLAN_FROM_CHILD)
        derived["plans"] = len(by_kind["plans"])
    _fill_from_parents(by_kind, state)
    _link_items(by_kind, headers, state, "items" in present)
    ordered = {}
    for kind_name in schemas:
        kind = schemas[kind_name]
        rows = by_kind.get(kind_name, [])
        ordered[kind_name] = sorted(rows, key=lambda r: _sort_key(kind, r))
    return ordered, conflicts, derived


def _sort_key(kind: KindSchema, record: Record) -> tuple[Any, ...]:
    return tuple((v is None, str(v) if v is not None else "") for v in record.key(kind))


def _content(record: Record) -> str:
    return json.dumps(record.values, sort_keys=True, ensure_ascii=False, default=str)


def _resolve_keys(
    kind: KindSchema,
    records: list[Record],
    headers: dict[str, ExportTable],
    state: _Accounting,
) -> tuple[list[Record], list[dict[str, Any]]]:
    """One record per primary key: duplicates in a file are errors, conflicts across files
    have a deterministic winner (latest dates, then content) whatever the file order."""
    first_in_file: dict[tuple[str, tuple[Any, ...]], Record] = {}
    groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for record in records:
        key = record.key(kind)
        seen = first_in_file.get((record.file, key))
        if seen is not None:
            if seen.row == record.row:
                continue  # one row split into identical records (repeated item names)
            column = kind.primary_key[0]
            code = "duplicate-key"
            if kind.name == "results":
                column, code = "uscc", "duplicate-record"
            header = headers[record.file].header_of(column)
            value = str(record.values.get(column))
            state.reject(record, Issue(code, record.file, record.row, header, value, {"other": seen.row}))
            continue
        first_in_file[(record.file, key)] = record
        groups[key].append(record)
    kept: list[Record] = []
    conflicts = []
    for key, group in groups.items():
        live = [r for r in group if state.is_live(r)]
        if not live:
            continue
        contents = {_content(r) for r in live}
        winner = max(live, key=lambda r: (_recency(r), _content(r), r.file, r.row))
        kept.append(winner)
        if len(contents) == 1:
            continue
        losers = [r for r in live if r is not winner and _content(r) != _content(winner)]
        for loser in losers:
            issue = Issue(
                "conflicting-record",
                loser.file,
                loser.row,
                None,
                None,
                {"other": f"{winner.file} 第 {winner.row} 行", "kind": kind.title},
            )
            state.reject(loser, issue)
        conflicts.append(
            {
                "kind": kind.name,
                "key": "|".join(str(v) for v in key),
                "winner": {"file": winner.file, "row": winner.row},
                "losers": [{"file": r.file, "row": r.row} for r in sorted(losers, key=lambda r: (r.file, r.row))],
            }
        )
    conflicts.sort(key=lambda c: (c["kind"], c["key"]))
    return kept, conflicts


def _recency(record: Record) -> tuple[str, ...]:
    values = record.values
    return tuple(
        str(values.get(name) or "")
        for name in ("published_on", "entered_on", "disposal_on", "inspected_on", "updated_on")
    )


_TASK_FROM_RESULT = {
    "task_id": "task_id",
    "plan_id": "plan_id",
    "plan_name": "plan_name",
    "name": "task_name",
    "check_type": "check_type",
    "lead_department": "authority",
}
_PLAN_FROM_CHILD = {"plan_id": "plan_id", "name": "plan_name"}


def _derive_parents(
    children: list[Record], state: _Accounting, mapping: dict[str, str]
) -> list[Record]:
    """Build parent records (tasks, plans) from the columns children carry."""
    key_field = next(iter(mapping))
    parents: dict[str, Record] = {}
    for child in sorted(children, key=lambda r: (r.file, r.row)):
        if not state.is_live(child):
            continue
        values = {target: child.values.get(source, child.values.get(target)) for target, source in mapping.items()}
        key = values.get(key_field)
        if not key:
            continue
        parent = parents.setdefault(key, Record("derived", child.file, child.row, {"derived": True}))
        for target, value in values.items():
            if value and not parent.values.get(target):
                parent.values[target] = value
    return list(parents.values())


_RESULT_FROM_TASK = {"plan_id": "plan_id", "plan_name": "plan_name", "task_name": "name", "check_type": "check_type"}
_TYPE_FROM_USCC = {"92": "个体工商户", "93": "农民专业合作社"}
"""主体类型 read from a 统一社会信用代码's first two characters (GB 32100: 登记管理部门 9 =
market regulation, 机构类别 2 / 3). Category 1 (企业) also covers other forms, so it is not read."""


def _fill_from_parents(by_kind: dict[str, list[Record]], state: _Accounting) -> None:
    """Give results their task's plan, task name and check type where their file has none,
    and a sole trader's or cooperative's 主体类型 from its code.

    An export without a 抽查计划编号 column would otherwise publish results whose plan is known
    (from the task list) but blank, and a reader grouping ``results.csv`` by plan loses them.
    """
    tasks = {r.values.get("task_id"): r.values for r in by_kind.get("tasks", []) if state.is_live(r)}
    plans = {r.values.get("plan_id"): r.values for r in by_kind.get("plans", []) if state.is_live(r)}
    for record in by_kind.get("results", []):
        values = record.values
        task = tasks.get(values.get("task_id")) or {}
        for target, source in _RESULT_FROM_TASK.items():
            if not values.get(target) and task.get(source):
                values[target] = task[source]
        plan = plans.get(values.get("plan_id")) or {}
        if not values.get("plan_name") and plan.get("name"):
            values["plan_name"] = plan["name"]
        code = values.get("uscc") or ""
        if not values.get("entity_type") and len(code) == 18 and code[:2] in _TYPE_FROM_USCC:
            values["entity_type"] = _TYPE_FROM_USCC[code[:2]]


def _number_sub_items(items: list[Record]) -> None:
    """Give sub-items under one 编号 their own ids (``1.1``, ``1.2``) within a file."""
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in items:
        groups[(record.file, record.values.get("item_id") or "")].append(record)
    for (_, item_id), group in groups.items():
        distinct = {(r.values.get("name"), r.values.get("sub_item")) for r in group}
        if item_id and len(group) > 1 and len(distinct) == len(group):
            for position, record in enumerate(sorted(group, key=lambda r: r.row), start=1):
                record.values["item_id"] = f"{item_id}.{position}"


def _link_items(
    by_kind: dict[str, list[Record]],
    headers: dict[str, ExportTable],
    state: _Accounting,
    have_items: bool,
) -> None:
    """Resolve results' item names to item ids; warn about names the item list lacks."""
    index: dict[str, str] = {}
    for item in by_kind.get("items", []):
        item_id = item.values.get("item_id")
        for name in (item.values.get("sub_item"), item.values.get("name"), item_id):
            if name and item_id:
                index.setdefault(normalise_value_key(name), item_id)
    for record in by_kind.get("results", []):
        item = record.values.get("item")
        record.values["item_id"] = index.get(normalise_value_key(item)) if item else None
        if have_items and item and record.values["item_id"] is None and state.is_live(record):
            header = headers[record.file].header_of("item")
            state.issues.append(Issue("unknown-item", record.file, record.row, header, item))
