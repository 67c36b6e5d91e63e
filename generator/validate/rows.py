"""Normalising export rows into records: values, multi-result cells, derived and result ids."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from generator.core.errors import Issue
from generator.core.schemas import load_schemas, match_outcome, normalise_value_key
from generator.core.values import (
    code_type,
    normalise_identifier,
    parse_date,
    parse_datetime,
    parse_integer,
)
from generator.ingest.exports import ExportTable
from generator.validate.report import Record

_MULTI_SPLIT = re.compile(r"[；;，,\n]+")


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
