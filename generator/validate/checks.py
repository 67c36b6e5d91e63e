"""gongkai's own checks as frictionless Check classes, and frictionless errors as Chinese issues."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import attrs
from frictionless import Check, Checklist, Resource, Schema, errors

from generator.core.errors import Issue
from generator.core.schemas import KindSchema, load_schemas
from generator.core.settings import Settings
from generator.core.shards import Emit, local_workers, run_shards
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


VALIDATE_CHUNK = 20_000
"""Rows per frictionless validation: longer files are validated in chunks on every core
(the schema has no keys, so each row is checked on its own and chunks are independent)."""


def frictionless_issues(
    table: ExportTable, records: list[Record], settings: Settings, scheduler: str | None = None
) -> list[Issue]:
    """Validate records with frictionless (types, enums, patterns, required) and gongkai checks,
    in chunks of :data:`VALIDATE_CHUNK` rows on every core, or on a Dask ``scheduler``."""
    if not records:
        return []
    kind = load_schemas()[table.kind]
    descriptor = kind.frictionless_descriptor()
    names = [field["name"] for field in descriptor["fields"]]
    data = [[r.values.get(n) for n in names] for r in records]
    chunks = [(start, min(start + VALIDATE_CHUNK, len(data)))
              for start in range(0, len(data), VALIDATE_CHUNK)]  # fmt: skip
    workers = local_workers() if len(chunks) > 1 else 1
    shared = (descriptor, names, data, settings.uscc_allowlist)
    found = run_shards(_chunk_errors, shared, chunks, workers=workers, scheduler=scheduler)
    issues = []
    typed = {row.number: row.values for row in table.rows}
    for (start, _), errors_ in zip(chunks, found, strict=True):
        for position, field_name, error_type, note in errors_:
            record = records[start + position - 2]
            issue = _issue_from_error(table, kind, record, field_name, error_type, note, typed)
            if issue:
                issues.append(issue)
    return issues


def _chunk_errors(
    shared: tuple[dict[str, Any], list[str], list[list[Any]], frozenset[str]],
    chunk: tuple[int, int],
    emit: Emit,
) -> list[tuple[int, str, str, str]]:
    """Validate rows ``chunk`` of the data: (row number in the chunk, field, type, note)."""
    descriptor, names, data, allowlist = shared
    start, end = chunk
    checks: list[Check] = [RegionCodeCheck()]
    if "uscc" in names:
        checks.append(EntityCodeCheck(allowlist=allowlist))
    resource = Resource(data=[names, *data[start:end]], schema=Schema.from_descriptor(descriptor))
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
