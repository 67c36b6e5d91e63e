"""Normalising export rows into records: values, multi-result cells, derived and result ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from generator.core.errors import Issue
from generator.core.schemas import (
    OUTCOME_SEPARATOR,
    Outcome,
    load_schemas,
    match_outcome,
    normalise_value_key,
)
from generator.core.values import (
    code_type,
    normalise_entity_code,
    normalise_identifier,
    parse_date,
    parse_datetime,
    parse_integer,
    shared_text,
)
from generator.ingest.exports import ExportTable
from generator.validate.personal import free_text_fields, mask_free_text
from generator.validate.report import Record

_MULTI_SPLIT = re.compile(r"[；\n]+")
"""Separators of several items or disposals in one result cell: ``；`` and line breaks only,
because names hold commas (``检查项目一,二``); outcome wordings split wider (:data:`_OUTCOME_SPLIT`)."""
_OUTCOME_SPLIT = re.compile(r"[；;，,\n]+")
"""Outcomes are a closed vocabulary the platform joins with ``,`` ``;`` ``，`` or ``；``
(codes ``1,6``), and every piece must match a wording, so a wider split cannot invent one."""
_TICKED = "☑☒■√✓✔"
_BOX = re.compile(r"[□☐☑☒■√✓✔]")
_BOXED = re.compile(r"([□☐☑☒■√✓✔])([^□☐☑☒■√✓✔；;，,\n]*)")
OUTCOME_PER_ITEM, OUTCOME_FOR_CHECK = "逐项", "整体"
"""结果对应方式: the outcomes belong to this item, or to the check as a whole."""


def _normalise_value(spec: Any, value: str | None) -> str | None:
    if value is None:
        return None
    if spec.check == "uscc":
        value = normalise_entity_code(value)
    elif spec.identifier:
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


def _split_multi(text: str | None, separators: re.Pattern[str] = _MULTI_SPLIT) -> list[str]:
    if not text:
        return []
    return [part.strip() for part in separators.split(text) if part.strip()]


def _result_records(
    table: ExportTable, number: int, values: dict[str, Any], pre: list[Issue]
) -> list[dict[str, Any]]:
    """Split a result row into one record per item, with outcomes mapped to the vocabulary.

    A check may carry several outcomes (a finding and its handling: the platform stores codes
    like ``1,6`` and renders them joined). One item takes them all; as many outcomes as items
    pair up in order; any other count gives every item the whole list, marked 整体 and
    reported as a warning. A wording that maps to no outcome is an error, but the row's
    records are still made, so every other cell of the row is checked too.
    """
    outcome_header = table.header_of("outcome")
    raw_outcome = values.get("outcome")
    pieces, unchecked = outcome_pieces(raw_outcome)
    outcomes: list[tuple[str, Outcome]] = []
    unknown = []
    for piece in pieces:
        outcome = match_outcome(piece)
        if outcome is None:
            unknown.append(piece)
        else:
            outcomes.append((piece, outcome))
    if unknown:
        pre.append(Issue("unknown-outcome", table.path, number, outcome_header, "；".join(unknown)))
        outcomes = []
    elif unchecked:
        pre.append(Issue("unchecked-outcomes", table.path, number, outcome_header, raw_outcome))
    items = _split_multi(values.get("item")) or [""]
    mapping = OUTCOME_PER_ITEM if outcomes else None
    if len(items) == 1:
        shares = [outcomes]
    elif len(outcomes) <= 1:
        shares = [outcomes] * len(items)
    elif len(outcomes) == len(items):
        shares = [[o] for o in outcomes]
    else:
        shares = [outcomes] * len(items)
        mapping = OUTCOME_FOR_CHECK
        detail = f"{len(outcomes)} 个检查结果而检查事项有 {len([i for i in items if i])} 个"
        pre.append(
            Issue(
                "outcomes-for-whole-check",
                table.path,
                number,
                outcome_header,
                raw_outcome,
                {"detail": detail},
            )
        )
    records = []
    for item, share in zip(items, shares):
        distinct = sorted({o.code: o for _, o in share}.values(), key=lambda o: o.code)
        record = dict(values)
        record["item"] = item or None
        record["outcome_text"] = OUTCOME_SEPARATOR.join(text for text, _ in share) or None
        record["outcome"] = OUTCOME_SEPARATOR.join(o.outcome for o in distinct) or None
        record["outcome_code"] = OUTCOME_SEPARATOR.join(o.code for o in distinct) or None
        record["outcome_mapping"] = mapping
        uscc = record.get("uscc")
        record["code_type"] = code_type(uscc) if uscc else None
        record["result_id"] = result_id(
            record.get("task_id") or f"{record.get('authority')}@{record.get('inspected_on')}",
            uscc,
            item,
        )
        records.append(record)
    _spread_disposals(records, [any(o.problem for _, o in share) for share in shares])
    return records


def outcome_pieces(text: str | None) -> tuple[list[str], bool]:
    """The outcome wordings of a cell, and whether it is a checkbox list with none ticked.

    Joined wordings split on ``；`` ``;`` ``，`` ``,`` and line breaks, trailing separators
    and blank pieces ignored. A check sheet's checkbox list (``□未发现问题 ☑发现问题经责令
    已改正``) gives the ticked wordings only; a single unticked box is read as its wording,
    as a bare ``□未发现问题`` cell always was.
    """
    if not text or not _BOX.search(text):
        return _split_multi(text, _OUTCOME_SPLIT), False
    boxes = [(mark, words.strip()) for mark, words in _BOXED.findall(text) if words.strip()]
    ticked = [words for mark, words in boxes if mark in _TICKED]
    if ticked:
        return ticked, False
    if len(boxes) == 1:
        return [boxes[0][1]], False
    return [], bool(boxes)


def _spread_disposals(records: list[dict[str, Any]], problems: list[bool]) -> None:
    """Give each record of a split row its own 后续处置.

    A row per enterprise lists disposals joined by ``；``: one per item, one per problem
    finding, or a single one for all problem findings. Any other shape is left joined,
    so validation reports it.
    """
    pieces = _split_multi(records[0].get("disposal") if records else None)
    if len(pieces) < 2 and len(records) < 2:
        return
    with_problem = [r for r, problem in zip(records, problems) if problem]
    if len(pieces) == len(records):
        targets = records
    elif len(pieces) == len(with_problem) or (len(pieces) == 1 and with_problem):
        targets = with_problem
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


def normalise_table(
    table: ExportTable, made: Callable[[list[Record]], object] | None = None
) -> tuple[list[Record], list[Issue]]:
    """Normalise every row of an export into records, with issues found on the way.

    ``made`` is given the records list after each row, so that they can be checked while
    the rest are made (:class:`generator.validate.checks.FrictionlessChecks`).
    """
    kind = load_schemas()[table.kind]
    specs = [s for s in kind.fields if not s.derived]
    present = {c.field for c in table.columns if c.field}
    derivable = [s for s in specs if s.derive_from and s.name not in present]
    free_text = free_text_fields(kind)
    records: list[Record] = []
    issues: list[Issue] = []
    for row in table.rows:
        values = {s.name: shared_text(_normalise_value(s, row.values.get(s.name))) for s in specs}
        # Before the derived ids: an id hashed from a raw phone number could be reversed.
        issues += mask_free_text(table, row.number, values, free_text)
        for spec in derivable:
            values[spec.name] = derived_id(spec.name, [values.get(n) for n in spec.derive_from])
        if table.kind == "results":
            for values_out in _result_records(table, row.number, values, issues):
                records.append(Record(table.kind, table.path, row.number, values_out))
        else:
            records.append(Record(table.kind, table.path, row.number, values))
        if made is not None:
            made(records)
    return records, issues
