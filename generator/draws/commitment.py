"""Verifiable draws (可验证抽取): commit before the seed exists, reveal, select, publish.

A draw has three published files (see ``docs/draws.md``):

* ``commitment.json`` — written and published *before* the randomness exists: task, algorithm,
  the randomness source named in advance, exclusion counts, and per stratum its size, sample
  size and the sorted salted member commitments (leaves ``SHA-256(leaf-v1|salt|id)``). Strata
  have opaque labels (``S1``…), shuffled per draw with the regulator's secret; a hash of the
  label → class map lets an auditor check it.
* ``reveal.json`` — the attempt log: every source value used, and every voided attempt with its
  reason, so a re-draw cannot be hidden.
* ``receipt.json`` — the drawn members with their salts and public fields.

Salts are ``HMAC-SHA256(secret, task|draw|id)``: the regulator can hand any firm its own salt so
that it can find its leaf in the commitment. Selection and checking use the primitives of
:mod:`generator.draws.verify_draw`, the standalone verifier published with the site.

What is revealed: of an undrawn firm, nothing (not its name, code or class). Of a drawn firm,
its stratum: the labels name no class, but each stratum's size and sample size are public, so
where classes have different sampling ratios, n/N tells which ratio, and with it which class
group, a drawn firm belongs to. One stratum (equal ratios, ``ratios: {"*": r}`` or
``counts: {"*": n}``) reveals no class, at the cost of not sampling risky firms more often.

The regulator's private inputs (the task definition read from YAML, the 名录, the inspector
list) are read in :mod:`generator.draws.population`; :mod:`generator.draws.published` loads
the draws of a data folder for the site.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import GongkaiError
from generator.draws import verify_draw as vd

TARGETS_KIND = "检查对象"
INSPECTORS_KIND = "执法检查人员"


@dataclass
class Member:
    """One candidate: its published id, the group it is stratified by, its public fields."""

    member_id: str
    group: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class DrawSpec:
    """A task definition for one draw (``gongkai draw commit --task FILE``)."""

    task_id: str
    draw_id: str
    kind: str = TARGETS_KIND
    ratios: dict[str, float] = field(default_factory=dict)
    """Sample ratio per risk class (A/B/C/D); classes with the same ratio form one stratum."""
    counts: dict[str, int] = field(default_factory=dict)
    """Sample size per risk class (instead of ratios); ``"*"`` is every class not named, so
    ``{"*": n}`` draws n from one stratum."""
    industries: list[str] = field(default_factory=list)
    entity_types: list[str] = field(default_factory=list)
    exclude: dict[str, str] = field(default_factory=dict)
    """USCC -> reason, e.g. already checked for this item this year."""
    departments: list[str] = field(default_factory=list)
    expertise: list[str] = field(default_factory=list)
    pseudonymous: bool = True
    """Inspectors are published under pseudonyms unless the configuration says otherwise."""
    algorithm: str = vd.RANK_ALGORITHM


def to_stderr(message: str) -> None:
    """Where warnings go when the caller gives no ``warn``: the operator's terminal."""
    print(message, file=sys.stderr)


def safe_id(value: Any) -> bool:
    """Whether ``value`` can name a draw in a URL (``draws/<draw_id>/``)."""
    from generator.model.identity import SAFE_SLUG

    return isinstance(value, str) and bool(SAFE_SLUG.fullmatch(value)) and value not in (".", "..")


def member_salt(secret: bytes, task_id: str, draw_id: str, member_id: str) -> str:
    """A member's salt: HMAC-SHA256(secret, ``salt-v1|task|draw|id``), 128 bits in hex.

    The regulator can give a firm its salt so that it can find its own leaf in the commitment.
    """
    return hmac_hex(secret, f"salt-v1|{task_id}|{draw_id}|{member_id}")[:32]


def hmac_hex(secret: bytes, message: str) -> str:
    """HMAC-SHA256 of ``message`` with the regulator's secret, in hex."""
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------
# Commit
# --------------------------------------------------------------------------------------


@dataclass
class Stratum:
    """One stratum as the regulator sees it (groups are private)."""

    label: str
    groups: list[str]
    sample_size: int
    leaves: dict[str, Member]


def build_strata(members: list[Member], spec: DrawSpec, secret: bytes) -> list[Stratum]:
    """Group members into strata with opaque labels and sample sizes.

    Groups (risk classes) sharing a sampling ratio form one stratum (the inclusion chance is
    the same, and fewer strata reveal less). With ``counts`` every group named is its own
    stratum and the groups not named share the ``"*"`` one. Labels ``S1…`` follow an order
    keyed by the secret, so a label alone says nothing about the class; a stratum's n/N can
    (see the module docstring).
    """
    by_group: dict[str, list[Member]] = {}
    for member in members:
        by_group.setdefault(member.group, []).append(member)
    bins: dict[str, list[str]] = {}
    for group in sorted(by_group):
        if spec.counts:
            key = f"count:{group if group in spec.counts else '*'}"
        else:
            key = f"ratio:{spec.ratios.get(group, spec.ratios.get('*'))!r}"
        bins.setdefault(key, []).append(group)
    order = sorted(bins, key=lambda k: hmac_hex(secret, f"strata|{spec.task_id}|{spec.draw_id}|{k}"))
    strata = []
    for position, key in enumerate(order, 1):
        groups = bins[key]
        group_members = [m for g in groups for m in by_group[g]]
        if spec.counts:
            n = spec.counts.get(key.split(":", 1)[1], 0)
            if n > len(group_members):
                what = "符合条件的执法检查人员" if spec.kind == INSPECTORS_KIND else f"分类 {'、'.join(groups)} 的检查对象"
                raise GongkaiError(f"{what}只有 {len(group_members)} 个，少于任务定义 counts 要求抽取的 {n} 个。"
                                   "请减少抽取数量，或核对名录和排除规则")
        else:
            n = min(math.ceil(len(group_members) * float(key.split(":", 1)[1]) - 1e-9), len(group_members))
        leaves = {}
        for member in group_members:
            salt = member_salt(secret, spec.task_id, spec.draw_id, member.member_id)
            leaves[vd.member_leaf(salt, member.member_id)] = member
        strata.append(Stratum(f"S{position}", groups, n, dict(sorted(leaves.items()))))
    return strata


def make_commitment(spec: DrawSpec, strata: list[Stratum], exclusions: dict[str, int], secret: bytes,
                    source: dict[str, Any], committed_at: str, reveal_by: str) -> dict[str, Any]:
    """The commitment document (pure: no clock, no randomness).

    Raises:
        GongkaiError: the source's value could already be known at ``committed_at``, or the
            times are not ISO 8601 with a time zone.
    """
    at, deadline = vd.parse_time(committed_at), vd.parse_time(reveal_by)
    if at is None or deadline is None:
        raise GongkaiError("承诺时间和揭示期限须为带时区的 ISO 8601 时间，例如 2024-12-02T09:00:00+08:00")
    when = vd.source_time(source)
    if when is None:
        raise GongkaiError("无法确定随机来源的产生时间。drand 须写明 chain_hash、genesis_time、period、round")
    if when <= at:
        hint = "请选择承诺公布之后才产生的轮次或开奖"
        if source.get("kind") == "drand":
            first = (int(at.timestamp()) - source["genesis_time"]) // source["period"] + 2
            hint = f"承诺时间之后的第一个 drand 轮次是 {first}（请留出公布承诺的时间，选更晚的轮次）"
        raise GongkaiError(f"随机来源在 {_local(when, committed_at)} 产生，不晚于承诺时间 {committed_at}。{hint}")
    if deadline < when:
        raise GongkaiError(f"揭示期限 {reveal_by} 早于随机数产生的时间 {_local(when, reveal_by)}。请把 --reveal-by 设在随机数产生之后")
    public = [{"label": s.label, "size": len(s.leaves), "sample_size": s.sample_size,
               "digest": vd.stratum_digest(list(s.leaves)), "leaves": list(s.leaves)} for s in strata]
    class_map = json.dumps({s.label: s.groups for s in strata}, sort_keys=True, ensure_ascii=False)
    nonce = hmac_hex(secret, f"strata-map|{spec.task_id}|{spec.draw_id}")
    return {
        "type": vd.COMMITMENT_TYPE,
        "version": vd.FORMAT_VERSION,
        "task_id": spec.task_id,
        "draw_id": spec.draw_id,
        "drawn_kind": spec.kind,
        "algorithm": spec.algorithm,
        "committed_at": committed_at,
        "reveal_by": reveal_by,
        "source": source,
        "population_size": sum(len(s.leaves) for s in strata),
        "population_digest": vd.population_digest(public),
        "exclusions": exclusions,
        "pseudonymous": spec.kind == INSPECTORS_KIND and spec.pseudonymous,
        "strata_map_sha256": vd.sha256_hex(f"{nonce}|{class_map}"),
        "strata": public,
    }


def dump(document: dict[str, Any]) -> bytes:
    """The published bytes of a draw file: sorted keys, UTF-8, one trailing newline."""
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# Reveal
# --------------------------------------------------------------------------------------


def first_attempt(commitment: dict[str, Any]) -> dict[str, Any]:
    """The attempt log entry the commitment implies: its named source, not yet revealed."""
    return {"attempt": 1, "source": commitment["source"], "announced_at": commitment["committed_at"],
            "status": "pending"}


def void_attempt(attempts: list[dict[str, Any]], reason: str, at: str, next_source: dict[str, Any]) -> list[dict[str, Any]]:
    """Void the last attempt (with its reason) and announce the next source. Publish at once.

    An attempt whose value is recorded (it was used, or its randomness was known when voided)
    cannot be voided: that would be a re-draw after seeing the result. A source that is past
    but whose value was never obtained (the beacon was unavailable) can be voided.

    Raises:
        GongkaiError: no reason, the last attempt's randomness is already known and recorded,
            or the next source's value could already be known at ``at``.
    """
    if not reason.strip():
        raise GongkaiError("重新抽取必须写明理由（--reason），理由会公开")
    when, moment = vd.source_time(next_source), vd.parse_time(at)
    if moment is None:
        raise GongkaiError(f"作废登记时间 {at} 不是带时区的 ISO 8601 时间，例如 2024-12-02T10:20:00+08:00")
    last = attempts[-1]
    known_at = vd.source_time(last.get("source"))
    if last.get("status") == "used" or (last.get("value") is not None and (known_at is None or known_at <= moment)):
        raise GongkaiError(
            f"第 {last.get('attempt')} 次抽取的随机数已经产生并记录在 reveal.json 中"
            f"{'（已用于抽取）' if last.get('status') == 'used' else ''}，不能再作废重抽："
            "看到随机数之后再作废，就等于看过抽取结果再决定要不要重抽，验证程序会判定抽取无效。"
            "只有随机数未能取得（未记录取值）时才可作废；结果确有错误须另行公开说明")
    if last.get("status") != "pending":
        raise GongkaiError(f"第 {last.get('attempt')} 次抽取的状态是“{last.get('status')}”，没有待作废的抽取")
    if when is None or when <= moment:
        raise GongkaiError("重新抽取所用的随机数必须在作废登记之后才产生。请选择更晚的轮次")
    log = [dict(a) for a in attempts]
    log[-1].update(status="void", reason=reason, voided_at=at)
    log.append({"attempt": len(log) + 1, "source": next_source, "announced_at": at, "status": "pending"})
    return log


VALUE_EXAMPLES = ("例如 drand：{\"round\": 轮次, \"randomness\": \"…\", \"signature\": \"…\"}（即 /public/<轮次> 的响应）；"
                  "NIST 信标：{\"pulse_time\": \"…\", \"output_value\": \"…\"}；公开号码：{\"numbers\": [[3, 11, 17], [9]]}"
                  "（每个来源一组整数，顺序同承诺中的 sources）。见 docs/draws.md")


def _local(moment: vd.dt.datetime | None, like: str) -> str:
    """``moment`` in the UTC offset of the time ``like`` (the operator's own), ISO 8601."""
    other = vd.parse_time(like)
    if moment is None:
        return "?"
    return moment.astimezone(other.tzinfo).isoformat() if other else moment.isoformat()


def make_reveal(commitment_bytes: bytes, attempts: list[dict[str, Any]], value: dict[str, Any],
                recorded_at: str) -> dict[str, Any]:
    """The reveal document: the attempt log with ``value`` recorded on the pending attempt.

    Raises:
        GongkaiError: the value does not give a seed for the announced source.
    """
    commitment = json.loads(commitment_bytes)
    log = [dict(a) for a in attempts]
    current = log[-1]
    if current.get("status") != "pending":
        raise GongkaiError("没有待揭示的抽取。重新抽取请先用 gongkai draw void 登记作废理由")
    if not isinstance(current.get("source"), dict):
        raise GongkaiError(f"第 {current.get('attempt')} 次抽取没有约定随机来源（reveal.json 被改动过？）")
    if not isinstance(value, dict):
        raise GongkaiError(f"--value 应为随机来源公布的 JSON 对象，{VALUE_EXAMPLES}")
    seed, why = vd.derive_seed(current["source"], value)
    if seed is None:
        raise GongkaiError(f"随机数不可用：{why}。{VALUE_EXAMPLES}")
    when, moment = vd.source_time(current["source"]), vd.parse_time(recorded_at)
    if moment is None:
        raise GongkaiError(f"揭示时间 {recorded_at} 不是带时区的 ISO 8601 时间，例如 2024-12-02T10:05:00+08:00")
    if when is None or moment < when:
        raise GongkaiError(f"揭示时间 {recorded_at} 早于随机数产生的时间 {_local(when, recorded_at)}。"
                           "请在随机数产生之后揭示")
    current.update(value=value, recorded_at=recorded_at, status="used")
    return {
        "type": vd.REVEAL_TYPE,
        "version": vd.FORMAT_VERSION,
        "task_id": commitment["task_id"],
        "draw_id": commitment["draw_id"],
        "commitment_sha256": vd.sha256_hex(commitment_bytes),
        "attempts": log,
    }


def make_receipt(commitment_bytes: bytes, reveal_bytes: bytes, strata: list[Stratum], secret: bytes) -> dict[str, Any]:
    """The receipt: per stratum the drawn members in draw order, with salts and public fields.

    Raises:
        GongkaiError: the population no longer matches the commitment.
    """
    commitment, reveal = json.loads(commitment_bytes), json.loads(reveal_bytes)
    committed = {s["label"]: s for s in commitment["strata"]}
    if [(s.label, list(s.leaves)) for s in strata] != [(s["label"], s["leaves"]) for s in commitment["strata"]]:
        raise GongkaiError("名录或任务定义与承诺时不同（名录摘要不符）。必须用承诺时的同一份名录和密钥揭示")
    used = reveal["attempts"][-1]
    seed, _ = vd.derive_seed(used["source"], used["value"])
    drawn = []
    for stratum in strata:
        chosen = vd.select_leaves(commitment["algorithm"], seed, commitment["task_id"], commitment["draw_id"],
                                  stratum.label, committed[stratum.label]["leaves"], stratum.sample_size,
                                  len(strata))
        drawn.append({"label": stratum.label, "drawn": [
            {"rank": rank, "id": stratum.leaves[leaf].member_id,
             "salt": member_salt(secret, commitment["task_id"], commitment["draw_id"], stratum.leaves[leaf].member_id),
             "fields": stratum.leaves[leaf].fields}
            for rank, leaf in enumerate(chosen, 1)]})
    return {
        "type": vd.RECEIPT_TYPE,
        "version": vd.FORMAT_VERSION,
        "task_id": commitment["task_id"],
        "draw_id": commitment["draw_id"],
        "drawn_kind": commitment["drawn_kind"],
        "commitment_sha256": vd.sha256_hex(commitment_bytes),
        "reveal_sha256": vd.sha256_hex(reveal_bytes),
        "attempt": used["attempt"],
        "seed": seed,
        "drawn_at": used["recorded_at"],
        "strata": drawn,
    }


DRAWS_HEADER = ["抽取批次编号", "序号", "抽查任务编号", "抽取时间", "抽取类型", "名录库总数", "名录摘要",
                "随机种子", "抽取算法", "统一社会信用代码", "企业名称", "执法人员编号", "执法人员姓名"]


def draws_table_rows(commitment: dict[str, Any], receipt: dict[str, Any]) -> list[list[Any]]:
    """The receipt as rows of the 抽取记录 table (schemas/draws.json), without risk classes."""
    rows = []
    drawn_at = receipt["drawn_at"][:19].replace("T", " ")
    members = [m for s in receipt["strata"] for m in s["drawn"]]
    for position, member in enumerate(members, 1):
        common = [receipt["draw_id"], position, receipt["task_id"], drawn_at, commitment["drawn_kind"],
                  commitment["population_size"], commitment["population_digest"], receipt["seed"],
                  commitment["algorithm"]]
        if commitment["drawn_kind"] == TARGETS_KIND:
            rows.append(common + [member["id"], member["fields"].get("entity_name", ""), "", ""])
        else:
            rows.append(common + ["", "", member["id"], member["fields"].get("inspector_name", "")])
    return rows


def write_draw_files(out_dir: Path, documents: dict[str, bytes]) -> None:
    """Write the draw files (name -> bytes) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in documents.items():
        (out_dir / name).write_bytes(data)


def write_draws_csv(path: Path, rows: list[list[Any]]) -> None:
    """Write 抽取记录 rows as a UTF-8 (BOM) CSV that ``gongkai build`` ingests."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DRAWS_HEADER)
        writer.writerows(rows)


