"""What follows a check (后续处置, 立案, 处罚, 经营异常名录, 完结) must fit the check it follows.

A penalty or a case needs a problem to have been found; no follow-up can predate the
inspection, and a firm cannot leave the 经营异常名录 before it entered it. A row that breaks
one of these rules is quarantined with the rule named, so no impossible chain is published.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.core.errors import Issue
from generator.core.schemas import load_outcomes, split_outcomes
from generator.ingest.exports import ExportTable
from generator.validate.report import FOLLOW_UP_DATES, Record

PENALTY_FIELDS = ("case_filed_on", "penalty_number", "penalty_on", "penalty_summary", "penalty_url")
"""Fields that only a check which found a problem can have."""
DATED_STEPS = tuple(n for n in FOLLOW_UP_DATES if n != "abnormal_removed_on")
"""Follow-up dates that cannot come before the inspection."""


def followup_issues(table: ExportTable, records: Iterable[Record]) -> list[Issue]:
    """The follow-up rules each result record of ``table`` breaks, one issue per broken rule."""
    problems = {o.outcome: o.problem for o in load_outcomes().values()}
    issues = []
    for record in records:
        values = record.values
        outcomes = split_outcomes(values.get("outcome"))
        found = any(problems.get(o, False) for o in outcomes)
        if outcomes and not found:
            filled = [name for name in PENALTY_FIELDS if values.get(name)]
            if filled:
                issues.append(_issue("penalty-without-problem", table, record, filled[0],
                                     detail=values.get("outcome")))  # fmt: skip
        inspected = str(values.get("inspected_on") or "")
        for name in DATED_STEPS:
            day = str(values.get(name) or "")
            if inspected and day and day < inspected:
                issues.append(_issue("followup-before-inspection", table, record, name,
                                     expected=inspected))  # fmt: skip
        listed, removed = values.get("abnormal_listed_on"), values.get("abnormal_removed_on")
        if removed and (not listed or str(removed) < str(listed)):
            issues.append(_issue("removal-before-listing", table, record, "abnormal_removed_on",
                                 expected=listed or "（空）"))  # fmt: skip
    return issues


def _issue(code: str, table: ExportTable, record: Record, name: str, **params: object) -> Issue:
    value = record.values.get(name)
    return Issue(code, table.path, record.row, table.header_of(name),
                 None if value is None else str(value), params=dict(params))  # fmt: skip

