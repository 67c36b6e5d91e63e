"""Releases: what changed since the last published site, carried forward build after build.

``gongkai build DATA_DIR --out SITE --previous OLD_SITE`` reads the old site's own downloads
(``data/index.json``, ``data/changes.json`` and ``data/<table>.json``) and compares every
published record with them by primary key. Two files join the downloads:

* ``data/delta.json``: JSON lines, one per changed record, sorted by table and id:
  ``{"op": "ADD", "table", "id", "key", "record"}``, ``{"op": "MOD", …, "changes",
  "record"}`` (``changes`` maps each changed field to ``[before, after]``) and
  ``{"op": "DEL", …, "reason"}`` (the 撤回原因 when the record was withdrawn).
* ``data/changes.json``: the release history: every release so far (version, date, counts,
  changes per table), every correction (更正) and every withdrawal (撤回), newest first. A
  build copies the old history and adds its own release, so nothing said once is lost.

Only published fields are compared and shown, so no change log can carry what the schemas
withhold. Corrections become dated 更正说明 on the record pages and feed entries;
withdrawals become notices (撤回公告) at the record's address, and feed entries.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import BuildAbort, ConfigError
from generator.core.schemas import KindSchema, record_id
from generator.core.values import fold_text
from generator.model.changes import NOT_QUOTED
from generator.model.entities import Model
from generator.model.identity import record_path, record_slug
from generator.model.tables import (
    DATA_FOLDER,
    DELTA_FILE,
    HISTORY_FILE,
    INDEX_FILE,
    Table,
    ordered_rows,
    published_tables,
    table_fields,
)
from generator.model.updates import (
    ADJUSTMENT,
    CORRECTION,
    FOLLOW_UP,
    KIND_LABELS,
    adjustment_entry,
    change_kind,
    follow_up_entry,
    quotable,
    record_context,
    restates,
)

OPS = ("ADD", "MOD", "DEL")
UNDECLARED_REASON = "数据来源中已无此记录，发布机关未说明撤回原因"
"""The reason shown for a result that vanished from the data without a declared 撤回."""
QUARANTINED_REASON = "本次数据中该记录有误，暂停公示，待发布机关更正后恢复"
"""The reason shown for a result whose row is still in the data but was quarantined."""
WITHHELD_REASON = "发布机关已将该记录改为不予公示"
"""The reason shown for a result whose row is now marked 不予公示."""
_HELD_REASONS = {"quarantined": QUARANTINED_REASON, "withheld": WITHHELD_REASON}
"""Reasons by ``Report.held_back`` state (``generator.validate.folder`` imports this module)."""


@dataclass(frozen=True)
class PreviousSite:
    """The last published release: its version, history and published rows by id."""

    version: str
    data_as_of: str | None
    history: dict[str, Any]
    rows: dict[str, dict[str, dict[str, Any]]]
    delta: bytes | None


def load_previous(site_dir: Path, tables: Mapping[str, Table]) -> PreviousSite:
    """Read the release a site published from its own downloads.

    Raises:
        ConfigError: the folder is not a site gongkai built (no ``data/index.json``), or a
            download it lists is missing or unreadable.
    """
    if not site_dir.is_dir():
        raise ConfigError(f"上一版网站目录 {site_dir} 不存在：--previous 应指向上一次发布的网站目录")
    data = site_dir / DATA_FOLDER
    index = _read_json(data / INDEX_FILE, site_dir)
    if not isinstance(index, dict) or not index.get("version"):
        raise ConfigError(f"上一版网站 {site_dir} 的 {DATA_FOLDER}/{INDEX_FILE} 缺少版本号")
    history = _read_json(data / HISTORY_FILE, site_dir) if (data / HISTORY_FILE).is_file() else {}
    rows = {}
    for name, table in tables.items():
        published = _read_json(data / f"{name}.json", site_dir)
        rows[name] = {record_id(table, row): row for row in published}
    delta = (data / DELTA_FILE).read_bytes() if (data / DELTA_FILE).is_file() else None
    return PreviousSite(index["version"], index.get("data_as_of"), history, rows, delta)


def _read_json(path: Path, site_dir: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"上一版网站 {site_dir} 中没有 {path.relative_to(site_dir)}："
            "--previous 应指向 gongkai 生成的网站目录"
        ) from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"无法读取上一版网站的 {path}：{exc}") from exc


@dataclass(frozen=True)
class Change:
    """One record added, modified or deleted between two releases."""

    op: str
    table: str
    id: str
    key: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: tuple[str, ...] = ()
    """For a ``MOD``: the fields that changed (:func:`changed_fields`)."""
    kind: str = CORRECTION
    """For a ``MOD``: correction, adjustment or follow-up (:func:`generator.model.updates.change_kind`)."""

    @property
    def fields(self) -> list[str]:
        """The fields whose published value changed (all of them for ADD and DEL)."""
        if self.before is None or self.after is None:
            return list((self.after or self.before or {}).keys())
        return list(self.changed)


def changed_fields(
    table: Table | KindSchema, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[str]:
    """The fields of a record whose published value differs between two releases.

    Values compare folded (:func:`generator.core.values.fold_text`): a regulator's next
    export that writes ``(中国)`` for ``（中国）`` or pads a cell must not "correct" every
    record. A field that restates another (``restates`` in the schema: 结果原文, 结果代码 and
    结果对应方式 restate 检查结果) changes only with that field: ``正常`` and ``未发现问题`` are
    one outcome, and outcomes are stored in code order, so a re-export that reorders or
    re-separates them is no change. A field only one of the two
    releases has (a column the schema gained or lost) is no change of the record: otherwise
    a new column would "correct" every record.
    """
    # Equal values fold alike, so only values that differ are folded.
    changed = [
        n for n in after
        if n in before and before[n] != after[n] and fold_text(before[n]) != fold_text(after[n])
    ]  # fmt: skip
    if not changed:
        return changed
    restated = {s.name: restates(s) for s in table.fields}
    return [n for n in changed if not restated.get(n) or restated[n] in changed]


def compare(
    tables: Mapping[str, Table],
    old: Mapping[str, Mapping[str, dict[str, Any]]],
    new: Mapping[str, Iterable[dict[str, Any]]],
) -> list[Change]:
    """Every record added, modified or deleted, sorted by table (in ``TABLES`` order) and id.

    Args:
        tables: The published tables.
        old: The previous release's rows per table, by id (:func:`load_previous`).
        new: This release's published rows per table.
    """
    changes = []
    for name, table in tables.items():
        before = old.get(name, {})
        names = table.field_names
        after = {record_id(table, row): row for row in ordered_rows(table, new.get(name, []))}
        for ident in sorted(before.keys() | after.keys()):
            old_row, new_row = before.get(ident), after.get(ident)
            if new_row is not None:
                new_row = table_fields(names, new_row)
                if new_row == old_row:
                    continue  # the same record, as nearly every one of a daily release is
                # Values compare as the previous release's JSON reads them back.
                new_row = _as_json_reads_back(new_row)
            op = "ADD" if old_row is None else "DEL" if new_row is None else "MOD"
            row = new_row if new_row is not None else old_row
            assert row is not None
            changed = changed_fields(table, old_row, new_row) if op == "MOD" else []
            if op == "MOD" and not changed:
                continue
            key = {k: row.get(k) for k in table.primary_key}
            kind = change_kind(name, table.fields, row, changed) if op == "MOD" else CORRECTION
            changes.append(Change(op, name, ident, key, old_row, new_row, tuple(changed), kind))
    return changes


_JSON_SAME = (str, int, type(None))
"""Values a JSON round trip gives back equal and of the same type (``bool`` is an ``int``)."""


def _as_json_reads_back(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` after a JSON round trip; a row of text, integers and blanks only (nearly all)
    comes back equal, so it is not written and read again."""
    if all(isinstance(v, _JSON_SAME) for v in row.values()):
        return row
    return json.loads(json.dumps(row, ensure_ascii=False))


def delta_lines(
    changes: Iterable[Change],
    reasons: Mapping[tuple[str, str], str],
    tables: Mapping[str, Table],
) -> str:
    """``delta.json``: one JSON object per change, in the order given; the old values of
    free-text fields are not repeated (:func:`quotable`)."""
    lines = []
    for change in changes:
        line: dict[str, Any] = {"op": change.op, "table": change.table, "id": change.id,
                                "key": change.key}  # fmt: skip
        if change.op == "MOD":
            specs = {spec.name: spec for spec in tables[change.table].fields}
            before, after = change.before or {}, change.after or {}
            # An adjustment quotes both versions: plans and item lists are public documents.
            shown = change.kind == ADJUSTMENT
            line["kind"] = KIND_LABELS[change.kind]
            line["changes"] = {
                n: [
                    before.get(n) if shown or quotable(specs[n]) or before.get(n) is None
                    else NOT_QUOTED,
                    after.get(n),
                ]
                for n in change.fields
            }
        if change.op == "DEL":
            line["reason"] = reasons.get((change.table, change.id))
        else:
            line["record"] = change.after
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return "".join(line + "\n" for line in lines)


@dataclass
class ReleaseNotes:
    """This release's place in the history: the delta, corrections and withdrawals.

    Built before the downloads are written (:func:`prepare_notes`); ``write`` is called by
    :func:`generator.publish.data.datasets.write_datasets` once the release has its version.
    """

    tables: Mapping[str, Table]
    previous: PreviousSite | None
    changes: list[Change]
    declared: list[dict[str, Any]]
    """Withdrawals the data declares (``Report.withdrawals``)."""
    model: Model
    history: dict[str, Any] = field(default_factory=dict)
    held_back: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(task id, code) of results rows not published, and why (``Report.held_back``)."""
    written: list[str] = field(default_factory=list)
    """The files :meth:`write` wrote (``index.json`` names the delta only if it is there)."""

    def write(self, folder: Path, *, version: str, data_as_of: str | None,
              counts: Mapping[str, int]) -> list[str]:  # fmt: skip
        """Write ``changes.json`` (and ``delta.json`` given a previous release) into ``folder``.

        Returns:
            The files written, relative to ``folder``.
        """
        previous = self.previous
        if previous is not None and previous.version == version and previous.history:
            # The same release again: nothing changed, so its history and delta stand.
            self.history = previous.history
            written = [HISTORY_FILE]
            if previous.delta is not None:
                (folder / DELTA_FILE).write_bytes(previous.delta)
                written.append(DELTA_FILE)
        else:
            self.history = self._next_history(version, data_as_of, counts)
            written = [HISTORY_FILE]
            if previous is not None:
                reasons = {(w["table"], w["id"]): w["reason"] for w in self._withdrawals(version, data_as_of)}
                text = delta_lines(self.changes, reasons, self.tables)
                (folder / DELTA_FILE).write_text(text, encoding="utf-8", newline="\n")
                written.append(DELTA_FILE)
        text = json.dumps(self.history, ensure_ascii=False, indent=2) + "\n"
        (folder / HISTORY_FILE).write_text(text, encoding="utf-8", newline="\n")
        self.written = written
        return written

    def index_fields(self) -> dict[str, Any]:
        """``previous`` and ``history`` for ``index.json`` (call after :meth:`write`)."""
        releases = self.history.get("releases", [])
        return {
            "previous": releases[0]["previous"] if releases else None,
            "history": [
                {k: r[k] for k in ("version", "data_as_of", "previous")} for r in releases
            ],
            "changes": HISTORY_FILE,
            "delta": DELTA_FILE if DELTA_FILE in self.written else None,
        }

    def _next_history(
        self, version: str, data_as_of: str | None, counts: Mapping[str, int]
    ) -> dict[str, Any]:
        old = self.previous.history if self.previous is not None else {}
        per_table: dict[str, Counter[str]] = {}
        for change in self.changes:
            per_table.setdefault(change.table, Counter())[change.op] += 1
        if self.previous is None:  # a first release adds every record
            per_table = {t: Counter(ADD=n) for t, n in counts.items() if n}
        release = {
            "version": version,
            "data_as_of": data_as_of,
            "previous": self.previous.version if self.previous is not None else None,
            "counts": dict(counts),
            "changes": {op: sum(c[op] for c in per_table.values()) for op in OPS},
            "tables": {t: {op: c[op] for op in OPS} for t, c in per_table.items()},
            "modified": {
                KIND_LABELS[k]: sum(1 for c in self.changes if c.op == "MOD" and c.kind == k)
                for k in (CORRECTION, ADJUSTMENT, FOLLOW_UP)
            },
        }
        corrections = [
            self._correction(change, version, data_as_of)
            for change in self.changes
            if change.op == "MOD" and change.kind == CORRECTION
        ]
        updates = {ADJUSTMENT: adjustment_entry, FOLLOW_UP: follow_up_entry}
        adjustments, follow_ups = (
            [
                updates[kind](change, self.tables[change.table].fields,
                              record_context(self.model, change.table, change.after or {}),
                              version, data_as_of)
                for change in self.changes if change.op == "MOD" and change.kind == kind
            ]
            for kind in (ADJUSTMENT, FOLLOW_UP)
        )  # fmt: skip
        # A record already withdrawn stays one entry, unless it was published again since.
        republished = self.previous.rows if self.previous is not None else {}
        known = {
            (w["table"], w["id"]) for w in old.get("withdrawals", [])
            if w["id"] not in republished.get(w["table"], {})
        }  # fmt: skip
        new_withdrawals = [
            w for w in self._withdrawals(version, data_as_of) if (w["table"], w["id"]) not in known
        ]
        withdrawn = {(w["table"], w["id"]) for w in new_withdrawals}
        return {
            "releases": [release, *old.get("releases", [])],
            "corrections": [
                _redacted(c) if (c["table"], c["id"]) in withdrawn else c
                for c in corrections + old.get("corrections", [])
            ],
            "withdrawals": new_withdrawals + old.get("withdrawals", []),
            "adjustments": adjustments + old.get("adjustments", []),
            "follow_ups": [
                _redacted(f) if (f["table"], f["id"]) in withdrawn else f
                for f in follow_ups + old.get("follow_ups", [])
            ],
        }

    def _withdrawals(self, version: str, data_as_of: str | None) -> list[dict[str, Any]]:
        """Declared withdrawals, then results deleted without one; sorted by table and id."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for declared in self.declared:
            record = declared["record"]
            found[(declared["table"], declared["id"])] = self._withdrawal(
                declared["table"], declared["id"], record, declared.get("reason"),
                declared.get("withdrawn_on") or data_as_of, version, declared=True,
            )  # fmt: skip
        for change in self.changes:
            if change.op == "DEL" and change.table == "results":
                before = change.before or {}
                held = self.held_back.get((str(before.get("task_id")), str(before.get("uscc"))))
                reason = _HELD_REASONS.get(held or "", UNDECLARED_REASON)
                found.setdefault(
                    (change.table, change.id),
                    self._withdrawal(change.table, change.id, before, reason, data_as_of,
                                     version, declared=False),
                )  # fmt: skip
        return [found[k] for k in sorted(found)]

    def _withdrawal(
        self, table: str, ident: str, record: Mapping[str, Any], reason: str | None,
        day: str | None, version: str, *, declared: bool,
    ) -> dict[str, Any]:  # fmt: skip
        """A withdrawal as the history keeps it: nothing that names the enterprise."""
        context = record_context(self.model, table, record)
        pages = [record_path("result", record_slug(ident))]
        if context["enterprise"] and context["enterprise"] not in self.model.enterprises:
            # Its last result is gone: the enterprise's page becomes a notice too.
            pages.append(record_path("enterprise", record_slug(context["enterprise"])))
        return {
            "release": version,
            "date": day,
            "table": table,
            "id": ident,
            "reason": reason or "未说明原因",
            "declared": declared,
            "label": context["label"],
            "task_id": record.get("task_id"),
            "item": record.get("item"),
            "authority": record.get("authority"),
            "pages": pages,
            "departments": context["departments"],
            "industries": context["industries"],
        }

    def _correction(self, change: Change, version: str, data_as_of: str | None) -> dict[str, Any]:
        specs = {spec.name: spec for spec in self.tables[change.table].fields}
        before, after = change.before or {}, change.after or {}
        old_context = record_context(self.model, change.table, before)
        context = record_context(self.model, change.table, after)
        return {
            "release": version,
            "date": data_as_of,
            "table": change.table,
            "id": change.id,
            "label": context["label"],
            "changes": [
                {
                    "field": n,
                    "title": specs[n].title,
                    "before": before.get(n) if quotable(specs[n]) else NOT_QUOTED,
                    "after": after.get(n) if quotable(specs[n]) else NOT_QUOTED,
                }
                for n in change.fields
                if not restates(specs[n])  # the notice names the outcome, not its code
            ],
            "pages": sorted(set(context["pages"]) | set(old_context["pages"])),
            "departments": sorted(set(context["departments"]) | set(old_context["departments"])),
            "industries": sorted(set(context["industries"]) | set(old_context["industries"])),
            "enterprise": context["enterprise"] if change.table == "results" else None,
        }


def _redacted(correction: dict[str, Any]) -> dict[str, Any]:
    """An earlier correction of a record now withdrawn: the fact stays, the values go."""
    changes = [{**c, "before": NOT_QUOTED, "after": NOT_QUOTED} for c in correction["changes"]]
    return {**correction, "label": "已撤回的记录", "changes": changes, "pages": [],
            "enterprise": None}  # fmt: skip


def prepare_notes(
    model: Model,
    tables: Mapping[str, Table],
    previous: PreviousSite | None,
    declared: list[dict[str, Any]],
    held_back: Mapping[tuple[str, str], str] | None = None,
) -> ReleaseNotes:
    """Compare the model's tables with the previous release (if any).

    ``held_back`` (``Report.held_back``) tells a result quarantined this time from one
    that left the data: their withdrawal notices give different reasons.
    """
    changes = compare(tables, previous.rows, model.tables) if previous is not None else []
    return ReleaseNotes(tables, previous, changes, declared, model, held_back=held_back or {})


MASS_DELETION_SHARE = 0.05
MASS_DELETION_MIN = 10
"""A build refuses when, in one table, at least ``MASS_DELETION_MIN`` records and more than
``MASS_DELETION_SHARE`` of the previous release's records vanish without a declared 撤回."""
ALLOW_DELETION_FLAG = "--allow-mass-deletion"


def undeclared_deletions(notes: ReleaseNotes) -> dict[str, int]:
    """Per table, the previously published records that vanished without a declared 撤回."""
    declared = {(w["table"], w["id"]) for w in notes.declared}
    counts: Counter[str] = Counter(
        c.table for c in notes.changes if c.op == "DEL" and (c.table, c.id) not in declared
    )
    return dict(sorted(counts.items()))


def published_deletions(site_dir: Path) -> dict[str, int]:
    """Per table, the records a built site's release deleted without a declared 撤回.

    Read from the site's own ``delta.json`` and ``changes.json``, like :func:`load_previous`.
    """
    data = site_dir / DATA_FOLDER
    if not (data / DELTA_FILE).is_file():
        return {}
    history = json.loads((data / HISTORY_FILE).read_text(encoding="utf-8"))
    version = history["releases"][0]["version"]
    declared = {
        (w["table"], w["id"]) for w in history.get("withdrawals", [])
        if w["release"] == version and w["declared"]
    }  # fmt: skip
    counts: Counter[str] = Counter()
    for line in (data / DELTA_FILE).read_text(encoding="utf-8").splitlines():
        change = json.loads(line)
        if change["op"] == "DEL" and (change["table"], change["id"]) not in declared:
            counts[change["table"]] += 1
    return dict(sorted(counts.items()))


def check_deletions(notes: ReleaseNotes, *, allow: bool = False) -> dict[str, int]:
    """Refuse a release in which many published records vanish without a declared 撤回.

    Every such record would be published as withdrawn (a result) or deleted: a results file
    the operator forgot, or one that could not be read this time, would publish hundreds of
    withdrawals nobody made. Returns the counts per table.

    Raises:
        BuildAbort: the threshold is crossed and ``allow`` is not set; nothing was published.
    """
    counts = undeclared_deletions(notes)
    previous = notes.previous
    if previous is None or allow:
        return counts
    sizes = {name: len(previous.rows.get(name, {})) for name in notes.tables}

    def many(count: int, name: str) -> bool:
        return count >= MASS_DELETION_MIN and count > MASS_DELETION_SHARE * sizes[name]

    too_many = [
        f"{notes.tables[name].title} {count} 条（上一版共 {sizes[name]} 条）"
        for name, count in counts.items() if many(count, name)
    ]  # fmt: skip
    if too_many:
        raise BuildAbort(
            f"与上一版（{previous.version}）相比，{'、'.join(too_many)}从数据中消失，"
            "且没有在数据中声明撤回。照此发布，它们都会作为“未说明原因的撤回”公示，网站未发布。"
            "请检查是否漏放了导出文件，或有文件本次无法读取（见 gongkai validate）；"
            "撤回检查结果请在数据中填写公示状态“撤回”、撤回原因和撤回日期；"
            f"如确认这些记录应当删除，请加 {ALLOW_DELETION_FLAG} 重新生成。"
        )
    emptied = [
        f"{notes.tables[name].title}的“{_field_title(notes.tables[name], field_name)}”{count} 条"
        for (name, field_name), count in emptied_fields(notes).items() if many(count, name)
    ]
    if emptied:
        raise BuildAbort(
            f"与上一版（{previous.version}）相比，{'、'.join(emptied)}由有值变为空值。"
            "照此发布，每一条都会作为更正公示，网站未发布。这通常是本次导出漏了这一列，或换了一个"
            "gongkai 不认识的表头（见 gongkai validate 的“未识别的列”）；请补上这一列重新导出。"
            f"如确认这些内容应当删除，请加 {ALLOW_DELETION_FLAG} 重新生成。"
        )
    return counts


def emptied_fields(notes: ReleaseNotes) -> dict[tuple[str, str], int]:
    """Per (table, field), the records whose published value this release empties.

    A column left out of a re-export, or headed in a way the schema does not know, empties
    that field on every record: published, each would be a correction nobody made.
    """
    counts: Counter[tuple[str, str]] = Counter(
        (c.table, n) for c in notes.changes if c.op == "MOD"
        for n in c.changed if fold_text((c.after or {}).get(n)) is None
    )  # fmt: skip
    return dict(sorted(counts.items()))


def _field_title(table: Table, name: str) -> str:
    return next((f.title or name for f in table.fields if f.name == name), name)


def annotate_model(model: Model, history: Mapping[str, Any]) -> None:
    """Hand the history's corrections and withdrawals to the pages and feeds.

    Sets ``model.corrections`` and ``model.withdrawals`` (newest first), and
    ``model.notices``: the corrections to show per page path. Withdrawals whose record is
    published again, or whose page is a live record page, get no notice page.
    """
    model.releases = list(history.get("releases", []))
    model.corrections = list(history.get("corrections", []))
    tables = published_tables()
    live = {
        (name, record_id(tables[name], row))
        for name in {w["table"] for w in history.get("withdrawals", [])}
        for row in model.tables.get(name, [])
    }
    model.withdrawals = [w for w in history.get("withdrawals", []) if (w["table"], w["id"]) not in live]
    model.adjustments = list(history.get("adjustments", []))
    model.follow_ups = [f for f in history.get("follow_ups", []) if f["pages"]]
    notices: dict[str, list[dict[str, Any]]] = {}
    for correction in model.corrections:
        for page in correction["pages"]:
            notices.setdefault(page, []).append(correction)
    model.notices = notices
