"""Personal data typed into the free text of export rows, masked before any output sees it.

The fields scanned are derived from the schemas (:func:`free_text_fields`), never listed by
hand. Each masked cell is an operator's warning (``personal-data-masked``: file, row, column
and the kinds found, never the number); the published report only counts them
(:func:`generator.validate.report.public_report`).
"""

from __future__ import annotations

from typing import Any, Protocol

from generator.core.errors import Issue
from generator.core.personal import describe_hits, mask_personal_data
from generator.core.schemas import FieldSpec, KindSchema

MASKED_CODE = "personal-data-masked"
"""The issue code of a free-text cell whose personal data was masked."""
PUBLISHED_LEVELS = ("public", "notice")


def free_text_fields(kind: KindSchema) -> list[FieldSpec]:
    """The published fields of ``kind`` that hold free text.

    A string field is free text unless it is an enum, an identifier, a checked code, a value
    gongkai derives, or a value with a declared ``format`` or ``pattern``; dates and numbers
    have their own types. Masked fields are masked whole already; withheld and internal ones
    are never published.
    """
    return [
        spec
        for spec in kind.fields
        if spec.type == "string"
        and spec.publicity in PUBLISHED_LEVELS
        and not (spec.enum or spec.identifier or spec.check or spec.derived or spec.derive_from)
        and not spec.descriptor.get("format")
        and not spec.descriptor.get("constraints", {}).get("pattern")
    ]


class SourceTable(Protocol):
    """Where a row comes from (an :class:`generator.ingest.exports.ExportTable`)."""

    path: str

    def header_of(self, field_name: str) -> str: ...


def mask_free_text(
    table: SourceTable, number: int, values: dict[str, Any], fields: list[FieldSpec]
) -> list[Issue]:
    """Mask personal data in the free-text ``fields`` of one row's ``values``, in place.

    Returns:
        One ``personal-data-masked`` warning per cell masked.
    """
    issues = []
    for spec in fields:
        value = values.get(spec.name)
        if not isinstance(value, str):
            continue
        masked, hits = mask_personal_data(value, markdown=bool(spec.descriptor.get("markdown")))
        if hits:
            values[spec.name] = masked
            params = {"detail": describe_hits(hits), "count": len(hits)}
            column = table.header_of(spec.name)
            issues.append(Issue(MASKED_CODE, table.path, number, column, None, params, False))
    return issues
