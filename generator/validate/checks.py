"""gongkai's own checks as frictionless Check classes, and frictionless errors as Chinese issues."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Self

import attrs
from frictionless import Check, Checklist, Resource, Schema, errors

from generator.core.errors import Issue
from generator.core.schemas import KindSchema, load_schemas
from generator.core.settings import Settings
from generator.core.shards import Emit, ShardStream, local_workers
from generator.core.values import check_entity_code, is_region_code
from generator.ingest.exports import ExportTable
from generator.validate.report import INTERNAL_KINDS, Record


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


VALIDATE_CHUNK = 10_000
"""Records per frictionless validation: a longer export is validated in chunks on every
core while the rest of its records are made (the schema has no keys, so each record is
checked on its own and chunks are independent). What is left to wait for once the last
record is made is about one chunk per process."""


class FrictionlessChecks:
    """Frictionless's checks (types, enums, patterns, required) and gongkai's of one export's
    records, in chunks of :data:`VALIDATE_CHUNK` records validated while the rest are made.

    Give :meth:`made` the records list as it grows (each chunk goes to the processes on
    every core as soon as it is full, or to a Dask ``scheduler``), then ask :meth:`issues`.
    Used as a context manager, its processes end with the block, whatever happened.
    """

    def __init__(
        self, table: ExportTable, settings: Settings, scheduler: str | None = None
    ) -> None:
        self._kind = load_schemas()[table.kind]
        descriptor = self._kind.frictionless_descriptor()
        self._names = [field["name"] for field in descriptor["fields"]]
        workers = local_workers() if len(table.rows) > VALIDATE_CHUNK else 1
        shared = (descriptor, self._names, settings.uscc_allowlist)
        self._chunks = ShardStream(_chunk_errors, shared, workers=workers, scheduler=scheduler)
        self._starts: list[int] = []
        self._sent = 0

    def made(self, records: list[Record], final: bool = False) -> None:
        """Hand over the full chunks of ``records`` not yet sent (with ``final``, the rest)."""
        while len(records) - self._sent >= VALIDATE_CHUNK or (final and self._sent < len(records)):
            end = min(self._sent + VALIDATE_CHUNK, len(records))
            rows = [[r.values.get(n) for n in self._names] for r in records[self._sent : end]]
            self._chunks.submit(rows)
            self._starts.append(self._sent)
            self._sent = end

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._chunks.close()

    def issues(self, table: ExportTable, records: list[Record]) -> list[Issue]:
        """The issues of every record (all of ``records`` made), in record order."""
        self.made(records, final=True)
        found = self._chunks.results()
        issues = []
        typed = {row.number: row.values for row in table.rows}
        for start, errors_ in zip(self._starts, found, strict=True):
            for position, field_name, error_type, note in errors_:
                record = records[start + position - 2]
                issue = _issue_from_error(
                    table, self._kind, record, field_name, error_type, note, typed
                )
                if issue:
                    issues.append(issue)
        return issues


def _chunk_errors(
    shared: tuple[dict[str, Any], list[str], frozenset[str]],
    data: list[list[Any]],
    emit: Emit,
) -> list[tuple[int, str, str, str]]:
    """Validate the rows ``data``: (row number in the chunk, field, type, note)."""
    descriptor, names, allowlist = shared
    checks: list[Check] = [RegionCodeCheck()]
    if "uscc" in names:
        checks.append(EntityCodeCheck(allowlist=allowlist))
    rows = [names, *data]
    # Given as a function, not as the list: frictionless deep-copies an inline list when it
    # checks the resource's own metadata, a quarter of the whole validation's time.
    resource = Resource(data=lambda: iter(rows), schema=Schema.from_descriptor(descriptor))
    report = resource.validate(
        checklist=Checklist(checks=checks, skip_errors=["blank-row"]), limit_errors=10**9
    )
    return [
        (error.row_number, error.field_name, error.type, error.note)
        for task in report.tasks
        for error in task.errors
        if getattr(error, "row_number", None) is not None
        and getattr(error, "field_name", None) is not None
    ]


def _issue_from_error(
    table: ExportTable,
    kind: KindSchema,
    record: Record,
    field_name: str,
    error_type: str,
    note: str,
    typed: dict[int, dict[str, str | None]],
) -> Issue | None:
    spec = kind.field(field_name)
    header = table.header_of(field_name)
    show = spec.publicity in ("public", "notice") and kind.name not in INTERNAL_KINDS
    value = record.values.get(field_name)
    if spec.identifier:  # the operator looks for the value as typed, not as normalised
        value = typed.get(record.row, {}).get(field_name) or value
    value = None if value is None else str(value)
    if error_type == GongkaiCellError.type:
        detail = json.loads(note)
        return Issue(detail["code"], table.path, record.row, header, value, detail["params"], show)
    if error_type == "type-error":
        code = {
            "date": "invalid-date",
            "datetime": "invalid-datetime",
            "integer": "invalid-integer",
            "number": "invalid-number",
        }.get(spec.type, "invalid-pattern")
        return Issue(code, table.path, record.row, header, value, {}, show)
    if error_type == "constraint-error":
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
                "value-too-small",
                table.path,
                record.row,
                header,
                value,
                {"expected": minimum},
                show,
            )
    return Issue("invalid-pattern", table.path, record.row, header, value, {}, show)
