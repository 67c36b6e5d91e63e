"""Load the Table Schemas in ``schemas/`` and match export headers to their fields.

The schemas are the single source of truth: field names, Chinese titles, header synonyms,
enums with value synonyms, keys and each field's publicity all come from them.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import ConfigError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
KINDS = ("items", "plans", "tasks", "draws", "results", "handbook", "targets", "replies")
PUBLICITY_LEVELS = ("public", "masked", "withheld", "internal", "notice")

_BRACKETED = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]")
_SPACES = re.compile(r"\s+")
_PUNCT_IN_VALUES = re.compile(r"[\s、,，;；:：·.。()\[\]【】〔〕□\"'“”‘’]")


def normalise_header(text: str) -> str:
    """Fold a header cell for matching: NFKC, no whitespace or line breaks, no leading ``*``."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    return text.lstrip("*").rstrip(":")


def strip_brackets(text: str) -> str:
    """Drop bracketed remarks from a folded header, e.g. ``抽查事项(56项)`` → ``抽查事项``."""
    return _BRACKETED.sub("", text)


def normalise_value_key(text: str) -> str:
    """Fold an enum value for matching variants: NFKC and no spaces or punctuation."""
    return _PUNCT_IN_VALUES.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record kind, as its schema declares it."""

    name: str
    title: str
    type: str
    publicity: str
    required: bool
    enum: tuple[str, ...]
    """Allowed values; for a multi-valued field (``separator``), the allowed items."""
    value_synonyms: dict[str, str]
    synonyms: tuple[str, ...]
    identifier: bool
    check: str | None
    derived: bool
    fill_down: bool
    mask: str | None
    derive_from: tuple[str, ...]
    separator: str | None
    """Joins the values of a multi-valued field in one cell (``；`` for the outcomes)."""
    descriptor: dict[str, Any] = field(repr=False, hash=False, compare=False)

    def canonical_value(self, value: str) -> str:
        """Map an enum variant (``定向抽查``, ``个体户``…) to its declared value, else unchanged."""
        if not self.enum or value in self.enum:
            return value
        key = normalise_value_key(value)
        for allowed in self.enum:
            if normalise_value_key(allowed) == key:
                return allowed
        for variant, target in self.value_synonyms.items():
            if normalise_value_key(variant) == key:
                return target
        return value


@dataclass(frozen=True)
class KindSchema:
    """A record kind: its Table Schema descriptor plus the lookups gongkai derives from it."""

    name: str
    title: str
    descriptor: dict[str, Any]
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict[str, Any], ...]
    ignored_headers: frozenset[str]
    rank: int

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @functools.cached_property
    def public_names(self) -> tuple[str, ...]:
        """Fields that may appear in a per-record output (public or masked), in order."""
        return tuple(f.name for f in self.fields if f.publicity in ("public", "masked"))

    @functools.cached_property
    def integer_names(self) -> tuple[str, ...]:
        """Fields typed ``integer``."""
        return tuple(f.name for f in self.fields if f.type == "integer")

    @functools.cached_property
    def header_index(self) -> dict[str, str]:
        """Folded header text (title or synonym) → field name."""
        index: dict[str, str] = {}
        for spec in self.fields:
            if spec.derived:
                continue
            for text in (spec.title, spec.name, *spec.synonyms):
                index.setdefault(normalise_header(text), spec.name)
        return index

    def match_header(self, header: str) -> str | None:
        """The field a header cell names, or ``None``; tries the text without brackets too."""
        folded = normalise_header(header)
        if not folded:
            return None
        found = self.header_index.get(folded)
        if found is None:
            found = self.header_index.get(strip_brackets(folded))
        return found

    def is_ignored(self, header: str) -> bool:
        """Whether a header is a known column that gongkai deliberately does not use (序号)."""
        return strip_brackets(normalise_header(header)) in self.ignored_headers

    def frictionless_descriptor(self) -> dict[str, Any]:
        """The schema for per-row frictionless validation: no keys (checked across files)."""
        descriptor = {k: v for k, v in self.descriptor.items() if k in ("fields",)}
        return descriptor


def _field_spec(descriptor: dict[str, Any]) -> FieldSpec:
    constraints = descriptor.get("constraints", {})
    publicity = descriptor.get("publicity", "public")
    if publicity not in PUBLICITY_LEVELS:
        raise ConfigError(f"字段 {descriptor['name']} 的 publicity 取值 {publicity!r} 无效")
    return FieldSpec(
        name=descriptor["name"],
        title=descriptor.get("title", descriptor["name"]),
        type=descriptor.get("type", "string"),
        publicity=publicity,
        required=bool(constraints.get("required")),
        enum=tuple(constraints.get("enum", descriptor.get("itemEnum", ()))),
        separator=descriptor.get("separator"),
        value_synonyms=dict(descriptor.get("valueSynonyms", {})),
        synonyms=tuple(descriptor.get("synonyms", ())),
        identifier=bool(descriptor.get("identifier")),
        check=descriptor.get("check"),
        derived=bool(descriptor.get("derived")),
        fill_down=bool(descriptor.get("fillDown")),
        mask=descriptor.get("mask"),
        derive_from=tuple(descriptor.get("deriveFrom", ())),
        descriptor=descriptor,
    )


def load_kind(path: Path) -> KindSchema:
    """Read one Table Schema file into a :class:`KindSchema`."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"无法读取表结构 {path}：{exc}") from exc
    return KindSchema(
        name=descriptor["name"],
        title=descriptor.get("title", descriptor["name"]),
        descriptor=descriptor,
        fields=tuple(_field_spec(f) for f in descriptor["fields"]),
        primary_key=tuple(descriptor.get("primaryKey", ())),
        foreign_keys=tuple(descriptor.get("foreignKeys", ())),
        ignored_headers=frozenset(normalise_header(h) for h in descriptor.get("ignoredHeaders", ())),
        rank=int(descriptor.get("recogniseRank", 99)),
    )


@functools.lru_cache(maxsize=4)
def load_schemas(schema_dir: Path = SCHEMA_DIR) -> dict[str, KindSchema]:
    """All record kinds, keyed by kind name, in the order of :data:`KINDS`."""
    return {kind: load_kind(schema_dir / f"{kind}.json") for kind in KINDS}


@dataclass(frozen=True)
class Outcome:
    """One entry of the controlled vocabulary of inspection outcomes."""

    code: str
    outcome: str
    problem: bool


@functools.lru_cache(maxsize=4)
def load_outcomes(schema_dir: Path = SCHEMA_DIR) -> dict[str, Outcome]:
    """Folded wording (canonical or variant) → :class:`Outcome`."""
    path = schema_dir / "vocabulary" / "outcomes.yml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    index: dict[str, Outcome] = {}
    for entry in entries:
        outcome = Outcome(str(entry["code"]), entry["outcome"], bool(entry["problem"]))
        for text in (entry["outcome"], *entry.get("variants", [])):
            index[normalise_value_key(text)] = outcome
    return index


OUTCOME_SEPARATOR = "；"
"""Joins the outcomes of one result in ``outcome``, ``outcome_code`` and ``outcome_text``
(the ``separator`` of those fields in ``schemas/results.json``)."""


def split_outcomes(value: str | None) -> list[str]:
    """The outcomes of a published result (``outcome`` joined with :data:`OUTCOME_SEPARATOR`)."""
    return [part for part in (value or "").split(OUTCOME_SEPARATOR) if part]


def match_outcome(text: str) -> Outcome | None:
    """The controlled outcome a wording maps to, or ``None``."""
    return load_outcomes().get(normalise_value_key(text))


def public_record(kind: KindSchema, record: dict[str, Any]) -> dict[str, Any]:
    """A record with only its publishable fields, in schema order."""
    return {name: record.get(name) for name in kind.public_names}


def record_id(table: Any, row: Mapping[str, Any]) -> str:
    """A record's primary key as one string (``draw_id/position`` for composite keys)."""
    return "/".join(str(row.get(name)) for name in table.primary_key)
