"""What may be published: masking of personal fields and the per-field publicity policy.

Each schema field declares ``publicity``: ``public`` (published as is), ``masked``
(published masked the way Chinese portals do), ``withheld`` (dropped at ingest, never in any
output) or ``internal`` (kept in memory for draws and aggregates, never published per
record). Masking keeps only the characters portals show, so the masked part can never leak.
"""

from __future__ import annotations

from typing import Any

from generator.schemas import KindSchema

MASK = "*"


def mask_id_number(value: str) -> str:
    """Mask a resident ID number as portals do: ``110***********1234`` (first 3, last 4)."""
    value = value.strip()
    if len(value) <= 7:
        return MASK * len(value)
    return value[:3] + MASK * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """Mask a phone number as portals do: ``138****5678`` (first 3, last 4)."""
    digits = value.strip()
    if len(digits) <= 7:
        return MASK * len(digits)
    return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """Mask a person's name, keeping the surname: ``张三丰`` → ``张**``."""
    value = value.strip()
    if not value:
        return value
    return value[0] + MASK * max(len(value) - 1, 1)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}


def mask_value(value: str, how: str | None) -> str:
    """Mask ``value`` with the masker a schema field names (``mask``); unknown → fully masked."""
    masker = MASKERS.get(how or "")
    if masker is None:
        return MASK * len(value.strip())
    return masker(value)


def public_fields(kind: KindSchema) -> list[str]:
    """Fields of a kind that may appear in a per-record output (public or masked)."""
    return [f.name for f in kind.fields if f.publicity in ("public", "masked")]


def public_record(kind: KindSchema, record: dict[str, Any]) -> dict[str, Any]:
    """A record with only its publishable fields, in schema order."""
    return {name: record.get(name) for name in public_fields(kind)}
