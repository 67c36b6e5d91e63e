"""Validate ingested exports and account for every row.

Per file: values are normalised (identifiers, dates, enums, outcome wording), multi-result
cells are split into one record per task, enterprise and item, and every record is checked
by the real frictionless validator against its kind's Table Schema plus gongkai's own
checks (credit-code check characters, region codes). Across files: duplicate and
conflicting keys, foreign keys between kinds, and tasks or plans derived from result
columns when no such file was given.

Every data row ends in exactly one state: published, quarantined (an error names file,
row, column and a fix), withheld (publicity policy) or refused (its file could not be read or
recognised; a file whose rows cannot be counted is accounted for by its bytes). The equation
``rows_in = published + quarantined + withheld + refused`` is checked for every file and in
total.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.console import progress as console_progress
from generator.core.errors import BuildAbort, GongkaiError, IngestError, Issue
from generator.core.schemas import load_schemas, public_record, record_id
from generator.core.settings import Settings, load_settings
from generator.core.values import normalise_entity_code, normalise_identifier
from generator.ingest.exports import ExportTable, RowCorrection, find_exports, read_export
from generator.validate.cache import ValidationCache
from generator.validate.checks import FrictionlessChecks
from generator.validate.corrections import load_corrections
from generator.validate.followup import followup_issues
from generator.validate.keys import Accounting, cross_checks, unknown_tasks_of_quarantined
from generator.validate.report import (
    INTERNAL_KINDS,
    PUBLISHED,
    QUARANTINED,
    REFUSED,
    WITHDRAWN,
    WITHHELD,
    FileReport,
    Record,
    Report,
)
from generator.validate.rows import normalise_table

# The folder


def _display_path(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir).as_posix()


def validate_folder(
    data_dir: Path,
    progress: bool = False,
    scheduler: str | None = None,
    cache: ValidationCache | None = None,
) -> Report:
    """Read, normalise and validate every export under ``data_dir``.

    Args:
        data_dir: the operator's folder of exports (searched recursively).
        progress: show a progress bar on standard error.
        scheduler: a Dask scheduler's address: the frictionless checks run there, in chunks
            (:class:`generator.validate.checks.FrictionlessChecks`).
        cache: where each file's own validation (:func:`validate_file`) is kept between
            runs; an unchanged file is then not read again. ``None``: no cache.

    Raises:
        GongkaiError: the folder does not exist or holds no export file.
        BuildAbort: the row accounting does not balance (a bug, never a data problem).
    """
    if not data_dir.is_dir():
        raise GongkaiError(f"数据目录不存在：{data_dir}。请确认路径，或先把导出文件放入该目录")
    settings = load_settings(data_dir)
    corrections, correction_issues, workbooks = load_corrections(data_dir)
    paths = [p for p in find_exports(data_dir) if p not in workbooks]
    if not paths:
        raise GongkaiError(
            f"数据目录 {data_dir} 中没有 .xlsx 或 .csv 导出文件。请把业务系统导出的文件放入该目录"
        )
    files: list[FileReport] = []
    issues: list[Issue] = []
    records: list[Record] = []
    tables: list[ExportTable] = []
    issues.extend(correction_issues)
    for path in console_progress(paths, progress, "读取并校验导出文件"):
        display = _display_path(path, data_dir)
        fixes = corrections.get(display)
        key = cache.key(path, display, fixes, settings) if cache is not None else None
        outcome = cache.load(key) if key is not None else None
        if not isinstance(outcome, FileOutcome):
            try:
                outcome = validate_file(path, display, fixes, settings, scheduler)
            except IngestError as exc:
                files.append(_refused(path, display, exc))
                issues.append(Issue(exc.code, display, params=exc.params))
                continue
            if key is not None:
                cache.store(key, outcome)  # before the checks across files change its rows
        tables.append(outcome.table)
        files.append(outcome.report)
        issues.extend(outcome.issues)
        records.extend(outcome.records)
    state = Accounting(files, issues)
    state.quarantine_rows(i for i in issues if i.level == "error" and i.row is not None)
    accepted = [r for r in records if state.is_live(r)]
    tables_out, conflicts, derived = cross_checks(accepted, tables, state)
    unknown_tasks_of_quarantined(records, tables, tables_out, state)
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
            _published(kind, r.values)
            for r in rows
            if state.is_published(r) or (r.file, r.row) in internal
        ]
        for kind, rows in tables_out.items()
    }
    report = Report(files, _unique_issues(issues), conflicts, final_tables, derived)
    report.withdrawals = sorted(withdrawals, key=lambda w: (w["table"], w["id"]))
    report.held_back = _held_back(tables, state)
    if not report.balanced:
        raise BuildAbort(
            "行数核对失败：读入行数 ≠ 公示 + 隔离 + 不予公示 + 拒收。这是 gongkai 的缺陷，请报告"
        )
    return report


@dataclass
class FileOutcome:
    """One export validated on its own, before the checks across files (cached per file)."""

    table: ExportTable
    report: FileReport
    issues: list[Issue]
    records: list[Record]


def validate_file(
    path: Path,
    display: str,
    corrections: Mapping[int, RowCorrection] | None,
    settings: Settings,
    scheduler: str | None = None,
) -> FileOutcome:
    """Read, normalise and check one export: everything that depends on this file alone.

    Raises:
        IngestError: the file could not be read or recognised (it is refused).
    """
    table = read_export(path, display, corrections, settings.limits)
    kind = load_schemas()[table.kind]
    report = FileReport(display, table.kind, kind.title, table.format, table.encoding)
    report.rows = {row.number: PUBLISHED for row in table.rows}
    notes = _table_notes(table)
    if table.missing_required:
        for name in table.missing_required:
            notes.append(Issue("missing-column", display, None, kind.field(name).title))
        report.rows = {n: QUARANTINED for n in report.rows}
        return FileOutcome(table, report, notes, [])
    with FrictionlessChecks(table, settings, scheduler) as checks:
        table_records, table_issues = normalise_table(table, checks.made)
        # A cell already reported while normalising (an unknown outcome wording) is not
        # reported again as blank; every other cell of the row is still checked.
        reported = {(i.row, i.column) for i in table_issues if i.level == "error"}
        table_issues += [
            i for i in checks.issues(table, table_records) if (i.row, i.column) not in reported
        ]
    if table.kind == "results":
        table_issues += followup_issues(table, table_records)
    return FileOutcome(table, report, notes + table_issues, table_records)


def _refused(path: Path, display: str, error: IngestError) -> FileReport:
    """The accounting of a file that could not be read: its rows, or else its bytes, refused.

    The exception text behind it goes to the operator's terminal only: it may name server
    paths and is in English, so it never reaches the report.
    """
    if error.technical:
        print(f"{display}：{error.issue_message}（技术细节，不公开：{error.technical}）", file=sys.stderr)
    report = FileReport(display, None, None, None, None)
    report.rows = dict.fromkeys(error.rows, REFUSED)
    report.refused_bytes = 0 if error.rows else path.stat().st_size
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


def _held_back(tables: list[ExportTable], state: Accounting) -> dict[tuple[str, str], str]:
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
                key = (normalise_identifier(task_id), normalise_entity_code(code))
                held.setdefault(key, rows[row.number])
    return dict(sorted(held.items()))


def _published(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """A published record, typed, made in ``values`` itself: the records are not used
    again, and a copy of each would double a province's rows at their peak.

    A published result says so: a blank 公示状态 means 公示, so a column added to an export
    later does not look like a change to every record."""
    values.update(_integers(kind, values))
    if kind == "results" and not values.get("publication_status"):
        values["publication_status"] = "公示"
    return values


def _typed(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validated values with integer fields as ``int`` (everything else stays text)."""
    return {**values, **_integers(kind, values)}


def _integers(kind: str, values: dict[str, Any]) -> dict[str, int]:
    integers = load_schemas()[kind].integer_names
    return {n: int(values[n]) for n in integers if values.get(n) is not None}


def _table_notes(table: ExportTable) -> list[Issue]:
    notes = [Issue(code, table.path, None, params.get("column"), None, params) for code, params in table.notes]
    notes += [Issue(code, table.path, number) for number, code in table.skipped]
    notes += [Issue("control-characters", table.path, n, header) for n, header in table.cleaned]
    if not table.rows:
        notes.append(Issue("no-data-rows", table.path, table.header_row))
    return notes


def _unique_issues(issues: list[Issue]) -> list[Issue]:
    """Sorted issues with one issue per file, row, column and code."""
    seen: dict[tuple[Any, ...], Issue] = {}
    for issue in issues:
        seen.setdefault((issue.file, issue.row, issue.column, issue.code), issue)
    return sorted(seen.values(), key=Issue.sort_key)


