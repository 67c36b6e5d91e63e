"""What may be published: masking of personal fields and the per-field publicity policy.

Each schema field declares ``publicity``: ``public`` (published as is), ``masked``
(published masked the way Chinese portals do), ``withheld`` (dropped at ingest, never in any
output), ``internal`` (kept in memory for draws and aggregates, never published per
record) or ``notice`` (published only on a withdrawal notice, such as 撤回原因). Masking keeps only the characters portals show, so the masked part can never leak.
"""

from __future__ import annotations

MASK = "*"


def _keep_ends(value: str, head: int, tail: int, min_length: int) -> str:
    """Keep ``head`` and ``tail`` characters of a long enough value; mask everything else.

    Values shorter than ``min_length`` are masked whole, so that most characters are hidden.
    """
    value = value.strip()
    if len(value) < min_length:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_number(value: str) -> str:
    """Mask a resident ID number as portals do: ``110***********1234`` (first 3, last 4)."""
    return _keep_ends(value, 3, 4, 15)


def mask_phone(value: str) -> str:
    """Mask a phone number as portals do: ``138****5678`` (first 3, last 4)."""
    return _keep_ends(value, 3, 4, 11)


def mask_name(value: str) -> str:
    """Mask a person's name, keeping the surname: ``张三丰`` → ``张**``; ``张`` → ``*``."""
    return _keep_ends(value, 1, 0, 2)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}


def mask_value(value: str, how: str | None) -> str:
    """Mask ``value`` with the masker a schema field names (``mask``); unknown → fully masked."""
    masker = MASKERS.get(how or "")
    if masker is None:
        return MASK * len(value.strip())
    return masker(value)
