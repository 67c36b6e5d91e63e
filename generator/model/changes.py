"""Corrections as the site shows them: which old values may be quoted, and in what words.

Shared by the release history (:mod:`generator.model.releases`), the feeds and the pages:
a correction quotes the old value of a field only when it is no free text (:func:`quotable`),
and :func:`describe_change` words one changed field. Pure, and imports nothing from the
model, so the pages and feeds do not depend on how releases are compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.core.schemas import FieldSpec

CHANGELOG_PAGE = "open-data/changelog/"
"""The 更新日志 page, relative to the site root."""
NOT_QUOTED = "（更正前的内容不再公示）"
"""What a correction shows instead of the old value of a free-text field."""
_QUOTED_NAMES = frozenset(
    {"name", "title", "entity_name", "task_name", "plan_name", "item", "authority",
     "lead_department", "partner_departments", "department", "industry", "section"}
)  # fmt: skip
"""Text fields whose old value a correction may quote: names of things, never free text."""


def quotable(spec: FieldSpec) -> bool:
    """Whether a correction may show a field's old value.

    Free text (findings, notes, handbook bodies) may hold what should never have been
    published — a phone number typed into 备注 — and a correction must not publish it twice:
    only values of enums, dates, numbers, identifiers, names of things and restatements of
    a controlled value (a wording the vocabulary matched, a code) are quoted.
    """
    return bool(
        spec.enum or spec.identifier or spec.type != "string" or spec.name in _QUOTED_NAMES
        or restates(spec)
    )


def describe_change(change: Mapping[str, Any]) -> str:
    """One changed field as notices, feeds and the change log show it."""
    before, after = change.get("before"), change.get("after")
    if before == NOT_QUOTED:
        return f"{change['title']}已更正{NOT_QUOTED}"
    shown = ["（空）" if v in (None, "") else str(v).strip() for v in (before, after)]
    return f"{change['title']}：由“{shown[0]}”更正为“{shown[1]}”"


def restates(spec: FieldSpec) -> str | None:
    """The field this one restates (its code, its wording as exported), if any."""
    return spec.descriptor.get("restates")
