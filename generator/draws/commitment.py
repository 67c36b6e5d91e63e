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
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import GongkaiError
from generator.core.values import check_entity_code, fold_text, normalise_identifier
from generator.draws import verify_draw as vd

TARGETS_KIND = "检查对象"
INSPECTORS_KIND = "执法检查人员"
CLOSED_WORDS = ("注销", "吊销", "撤销", "迁出")
"""A 登记状态 holding one of these takes a firm out of the population (exclusion "已注销、吊销或
迁出"): ``注销``, ``已注销``, ``被吊销`` and gsxt's ``吊销，未注销`` / ``吊销，已注销`` alike."""
EXCLUDED_CLOSED = "已注销、吊销或迁出"
EXCLUDED_LISTED = "按任务规定排除（如本年度已就同一事项检查）"
EXCLUDED_RECUSAL = "回避"
EXCLUDED_EXPERTISE = "无相应执法资质或业务专长"
TARGET_FIELDS = ("entity_name", "entity_type", "industry", "region_code")
"""Public fields of a drawn firm shown in the receipt (never its risk class)."""
SITE_FOLDER = "draws"
"""Where a site publishes draws: ``draws/<draw_id>/…`` and ``draws/verify_draw.py``."""


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


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _to_stderr(message: str) -> None:
    """Where warnings go when the caller gives no ``warn``: the operator's terminal."""
    print(message, file=sys.stderr)


def load_spec(path: Path) -> DrawSpec:
    """Read a task definition (YAML or JSON).

    Raises:
        GongkaiError: the file is unreadable or lacks ``task_id``/``draw_id``.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GongkaiError(f"无法读取任务定义 {path}：{exc}。请提供 UTF-8 编码的 YAML 文件") from exc
    if not isinstance(data, dict) or not data.get("task_id") or not data.get("draw_id"):
        raise GongkaiError(f"任务定义 {path} 缺少 task_id 或 draw_id。请按 docs/draws.md 的示例填写")
    known = set(DrawSpec.__dataclass_fields__)
    unknown = sorted(map(str, set(data) - known))
    if unknown:
        raise GongkaiError(f"任务定义 {path} 有不认识的项：{'、'.join(unknown)}。可用的项：{'、'.join(sorted(known))}")
    spec = DrawSpec(**_checked_spec_values(path, data))
    if spec.kind not in (TARGETS_KIND, INSPECTORS_KIND):
        raise GongkaiError(f"任务定义的 kind 应为“{TARGETS_KIND}”或“{INSPECTORS_KIND}”，而不是“{spec.kind}”")
    if spec.kind == TARGETS_KIND:
        spec.ratios = _class_keys(path, "ratios", spec.ratios)
        spec.counts = _class_keys(path, "counts", spec.counts)
        # Codes as the 名录 has them (upper case, no spaces), so that "…x" excludes "…X".
        spec.exclude = {normalise_identifier(code): reason for code, reason in spec.exclude.items()}
    if spec.algorithm not in vd.ALGORITHMS:
        raise GongkaiError(f"未知的抽取算法 {spec.algorithm}。可用：{'、'.join(vd.ALGORITHMS)}")
    if not (spec.ratios or spec.counts):
        raise GongkaiError(f"任务定义 {path} 没有抽取比例（ratios）或抽取数量（counts）")
    return spec


def _checked_spec_values(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The task definition's values with their types checked (YAML reads codes as numbers).

    Raises:
        GongkaiError: a value has the wrong type, in Chinese, naming the item.
    """
    def wrong(key: str, expected: str) -> GongkaiError:
        return GongkaiError(f"任务定义 {path} 的 {key} 应为{expected}，而不是 {data[key]!r}。请按 docs/draws.md 的示例填写")

    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    values = dict(data)
    for key in ("task_id", "draw_id", "kind", "algorithm"):
        if key in values:
            if not isinstance(values[key], (str, int)) or isinstance(values[key], bool):
                raise wrong(key, "文字")
            values[key] = str(values[key])
    if not _safe_id(values["draw_id"]):
        raise wrong("draw_id", "只含字母、数字、连字符的编号（用作网址）")
    for key, expected, ok in (("ratios", "“分类: 0 到 1 之间的比例”的映射，例如 {A: 0.05, D: 0.3}",
                               lambda v: number(v) and 0 <= v <= 1),
                              ("counts", "“分类: 非负整数”的映射，例如 {\"*\": 20}",
                               lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0)):
        if values.get(key) is None:
            values.pop(key, None)
        elif not isinstance(values[key], dict) or not all(ok(v) for v in values[key].values()):
            raise wrong(key, expected)
        else:
            values[key] = {str(k): v for k, v in values[key].items()}
    for key in ("industries", "entity_types", "departments", "expertise"):
        if values.get(key) is None:
            values.pop(key, None)
        elif not isinstance(values[key], list) or not all(isinstance(v, (str, int)) for v in values[key]):
            raise wrong(key, "文字列表，例如 [餐饮服务]")
        else:
            values[key] = [str(v) for v in values[key]]
    exclude = values.get("exclude")
    if exclude is not None and not isinstance(exclude, dict):
        raise wrong("exclude", "“统一社会信用代码: 排除理由”的映射")
    # YAML reads an all-digit code as a number: codes and reasons are text.
    values["exclude"] = {str(k): str(v or "") for k, v in (exclude or {}).items()}
    if "pseudonymous" in values and not isinstance(values["pseudonymous"], bool):
        raise wrong("pseudonymous", " true 或 false")
    return values


def _class_keys(path: Path, key: str, values: dict[str, Any]) -> dict[str, Any]:
    """``ratios``/``counts`` keyed by canonical risk class: ``A类``, ``低风险``… are read as the
    名录 reads them (the schema's valueSynonyms); ``*`` is every class not named.

    Raises:
        GongkaiError: a key is no risk class, or two keys name the same class.
    """
    from generator.core.schemas import load_schemas

    risk = load_schemas()["targets"].field("risk_class")
    known = "、".join([*risk.enum, *risk.value_synonyms])
    out: dict[str, Any] = {}
    for name, value in values.items():
        canonical = name if name == "*" else risk.canonical_value(name.strip())
        if canonical != "*" and canonical not in risk.enum:
            raise GongkaiError(f"任务定义 {path} 的 {key} 中“{name}”不是信用风险分类。可用：{known}，"
                               "或用 \"*\" 表示其余分类")
        if canonical in out:
            raise GongkaiError(f"任务定义 {path} 的 {key} 中分类 {canonical} 写了两次（含同义写法）")
        out[canonical] = value
    return out


def is_closed(status: Any) -> bool:
    """Whether a 登记状态 takes a firm out of the population (deregistered, revoked, moved out)."""
    return any(word in str(status or "") for word in CLOSED_WORDS)


def read_population(path: Path, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """The 检查对象名录 export as normalised rows (the ``targets`` table schema).

    Codes that fail their check character stay in the population (the regulator may have
    confirmed them), but are reported to ``warn`` (standard error by default): if drawn,
    their rows in the 抽取记录 table are quarantined unless ``uscc_allowlist`` lists them.

    Raises:
        GongkaiError: the file is not a 检查对象名录, or a code is missing or repeated.
    """
    from generator.ingest.exports import read_export
    from generator.validate.folder import normalise_table

    table = read_export(path, path.name)
    if table.kind != "targets":
        raise GongkaiError(f"{path} 不是检查对象名录（识别为其他表）。请导出含“统一社会信用代码”“信用风险分类”的名录")
    if "uscc" not in {c.field for c in table.columns}:
        raise GongkaiError(f"{path} 没有“统一社会信用代码”列（也可写作“注册号/统一社会信用代码”“统一社会信用代码/注册号”"
                           "“注册号”）。请导出含代码列的名录")
    records, _ = normalise_table(table)
    rows = [r.values for r in records]
    seen = Counter(r.get("uscc") for r in rows)
    missing = [r for r in records if not r.values.get("uscc")]
    if missing:
        raise GongkaiError(f"{path} 第 {missing[0].row} 行没有统一社会信用代码。请补全后再抽取")
    repeated = sorted(code for code, n in seen.items() if n > 1)
    if repeated:
        raise GongkaiError(f"{path} 中代码重复：{'、'.join(repeated[:5])}。名录中每个主体只能出现一次")
    failing = [r for r in records if check_entity_code(r.values["uscc"]) is not None]
    if failing:
        say = warn or _to_stderr
        examples = "、".join(f"第 {r.row} 行 {r.values['uscc']}" for r in failing[:3])
        say(f"提醒：{path.name} 中有 {len(failing)} 个代码校验位不通过（{examples}{' 等' if len(failing) > 3 else ''}）。"
            "它们仍参加抽取，但抽中后抽取记录表中的这一行会被隔离；请先向登记机关核实，"
            "确认无误的代码写入数据目录 gongkai.yml 的 uscc_allowlist")
    return rows


def read_inspectors(path: Path) -> list[dict[str, Any]]:
    """The 执法检查人员名录 as rows (JSON list, or CSV with 执法人员编号/姓名/所属部门/
    执法资质/回避对象; lists inside cells are separated by ``；``)."""
    import csv
    import io

    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
        else:
            text = path.read_bytes().decode("utf-8-sig")
            headers = {"执法人员编号": "inspector_id", "姓名": "name", "所属部门": "department",
                       "执法资质": "expertise", "回避对象": "recusals"}
            rows = []
            for raw in csv.DictReader(io.StringIO(text)):
                row = {headers.get(k, k): (v or "").strip() for k, v in raw.items()}
                for key in ("expertise", "recusals"):
                    row[key] = [p for p in row.get(key, "").replace(";", "；").split("；") if p]
                rows.append(row)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GongkaiError(f"无法读取执法检查人员名录 {path}：{exc}。请提供 UTF-8 的 CSV 或 JSON") from exc
    if not all(isinstance(r, dict) and r.get("inspector_id") for r in rows):
        raise GongkaiError(f"执法检查人员名录 {path} 有人员缺少执法人员编号")
    return rows


def target_members(rows: list[dict[str, Any]], spec: DrawSpec,
                   warn: Callable[[str], None] | None = None) -> tuple[list[Member], dict[str, int]]:
    """The task's candidates from the 名录 (scope filter, then exclusions) and exclusion counts.

    Codes the task excludes but the 名录 does not hold are reported to ``warn`` (standard
    error by default): a typo there would silently leave a firm in the draw.
    """
    members, excluded = [], Counter()
    absent = sorted(set(spec.exclude) - {row.get("uscc") for row in rows})
    if absent:
        say = warn or _to_stderr
        say(f"提醒：任务定义 exclude 中有 {len(absent)} 个代码不在名录中，未起作用：{'、'.join(absent[:5])}"
            f"{'…' if len(absent) > 5 else ''}。请核对代码")
    by_class = spec.ratios or spec.counts
    if "*" not in by_class and rows and not any(row.get("risk_class") for row in rows):
        raise GongkaiError("名录中没有信用风险分类（没有“信用风险分类”列，或该列全空），无法按分类抽取。"
                           "请导出含信用风险分类的名录；不分类抽取请在任务定义中写 ratios: {\"*\": 比例} 或 counts: {\"*\": 数量}")
    for row in rows:
        if spec.industries and row.get("industry") not in spec.industries:
            continue
        if spec.entity_types and row.get("entity_type") not in spec.entity_types:
            continue
        if is_closed(row.get("status")):
            excluded[EXCLUDED_CLOSED] += 1
            continue
        if row["uscc"] in spec.exclude:
            excluded[spec.exclude[row["uscc"]] or EXCLUDED_LISTED] += 1
            continue
        group = row.get("risk_class") or ""
        if group not in by_class and "*" not in by_class:
            which = f"的信用风险分类“{group}”" if group else "没有信用风险分类"
            key = "ratios" if spec.ratios else "counts"
            raise GongkaiError(f"{row['uscc']}（{row.get('entity_name') or ''}）{which}，任务定义的 {key} 中没有它的"
                               f"{'抽取比例' if spec.ratios else '抽取数量'}。请补全名录，或在 {key} 中加上该分类，"
                               "或用 \"*\" 给其余分类定一个值")
        fields_ = {k: row.get(k) for k in TARGET_FIELDS if row.get(k)}
        members.append(Member(row["uscc"], group, fields_))
    return members, dict(sorted(excluded.items()))


def inspector_members(rows: list[dict[str, Any]], spec: DrawSpec, secret: bytes,
                      drawn_targets: set[str]) -> tuple[list[Member], dict[str, int]]:
    """Eligible inspectors after department, recusal (回避) and expertise matching."""
    members, excluded = [], Counter()
    for row in rows:
        if spec.departments and row.get("department") not in spec.departments:
            continue
        if drawn_targets & set(row.get("recusals") or []):
            excluded[EXCLUDED_RECUSAL] += 1
            continue
        if spec.expertise and not set(spec.expertise) <= set(row.get("expertise") or []):
            excluded[EXCLUDED_EXPERTISE] += 1
            continue
        if spec.pseudonymous:
            member_id, fields_ = pseudonym(secret, row["inspector_id"]), {"department": row.get("department")}
        else:
            from generator.core.publicity import mask_name

            member_id = row["inspector_id"]
            fields_ = {"department": row.get("department"), "inspector_name": mask_name(row.get("name") or "")}
        members.append(Member(member_id, "*", fields_))
    return members, dict(sorted(excluded.items()))


def pseudonym(secret: bytes, inspector_id: str) -> str:
    """A stable pseudonym for an inspector (``P-`` + 10 hex of an HMAC with the secret)."""
    return "P-" + _hmac(secret, f"pseudonym|{inspector_id}")[:10]


def member_salt(secret: bytes, task_id: str, draw_id: str, member_id: str) -> str:
    """A member's salt: HMAC-SHA256(secret, ``salt-v1|task|draw|id``), 128 bits in hex.

    The regulator can give a firm its salt so that it can find its own leaf in the commitment.
    """
    return _hmac(secret, f"salt-v1|{task_id}|{draw_id}|{member_id}")[:32]


def _hmac(secret: bytes, message: str) -> str:
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
    order = sorted(bins, key=lambda k: _hmac(secret, f"strata|{spec.task_id}|{spec.draw_id}|{k}"))
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
    nonce = _hmac(secret, f"strata-map|{spec.task_id}|{spec.draw_id}")
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


# --------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------


def find_draws(data_dir: Path) -> list[Path]:
    """Folders under ``data_dir`` that hold a draw (``commitment.json``), sorted."""
    return sorted(p.parent for p in data_dir.rglob(vd.FILE_NAMES[vd.COMMITMENT_TYPE])
                  if not any(part.startswith(".") for part in p.relative_to(data_dir).parts))


def load_draws(data_dir: Path, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every draw in ``data_dir`` with its verification, for pages and feeds.

    A folder may hold only a commitment (published before the seed exists), or a commitment
    and an attempt log with voided attempts; then the draw is pending. Never raises for a bad
    draw, so that it cannot stop the build: a draw whose commitment is unreadable, or whose
    ``draw_id`` is repeated, is left out; a malformed reveal or receipt makes the draw fail
    the ``format`` check, which its page shows. Each such problem is reported to ``warn``
    (Chinese, naming the file; standard error by default).
    """
    say = warn or _to_stderr
    draws: list[dict[str, Any]] = []
    for folder in find_draws(data_dir):
        where = folder.relative_to(data_dir).as_posix()
        try:
            raw = {name: (folder / name).read_bytes() for name in vd.FILE_NAMES.values() if (folder / name).is_file()}
        except OSError as exc:
            say(f"提醒：无法读取抽取文件夹 {where}（{exc}），这次抽取未发布")
            continue
        commitment = _json_or_none(raw["commitment.json"])
        problems = vd.commitment_problems(commitment) if commitment is not None else ["不是 UTF-8 JSON"]
        if not problems and not _safe_id(commitment.get("draw_id")):
            problems = ["draw_id 缺失或含有不能用作网址的字符"]
        if problems:
            say(f"提醒：{where}/commitment.json 格式不对（{'；'.join(problems)}），这次抽取未在网站上发布。"
                "请用 gongkai draw commit 重新生成，或把该文件夹移出数据目录")
            continue
        if any(d["draw_id"] == commitment["draw_id"] for d in draws):
            say(f"提醒：{where} 的抽取批次编号 {commitment['draw_id']} 与另一个文件夹重复，未发布。"
                "每个抽取文件夹须有自己的 draw_id")
            continue
        entry: dict[str, Any] = {
            "draw_id": commitment["draw_id"], "task_id": _text(commitment.get("task_id")),
            "files": raw, "commitment": commitment, "receipt": None, "reveal": None, "verification": None,
            "commitment_sha256": vd.sha256_hex(raw["commitment.json"]),
        }
        if "reveal.json" in raw:
            reveal = _json_or_none(raw["reveal.json"])
            attempts = reveal.get("attempts") if isinstance(reveal, dict) else None
            if isinstance(attempts, list) and all(isinstance(a, dict) for a in attempts):
                entry["reveal"] = reveal
            else:
                say(f"提醒：{where}/reveal.json 不是有效的抽取记录（应为含 attempts 列表的 JSON），网站上不显示其中的抽取记录")
        if "receipt.json" in raw:
            outcome = vd.verify_draw({k: raw.get(v, b"") for k, v in vd.FILE_NAMES.items()})
            entry["verification"] = outcome.to_dict()
            if "format" not in outcome.failed:
                entry["receipt"] = json.loads(raw["receipt.json"])
            if not outcome.ok:
                say(f"提醒：{where} 的抽取核验未通过（{'、'.join(outcome.failed)}），网站上显示为核验未通过。"
                    f"运行 gongkai verify {where} 查看原因")
        draws.append(entry)
    return draws


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def draw_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """What a task page and the feed show of a draw: public fields only."""
    commitment, receipt = entry["commitment"], entry["receipt"]
    drawn = []
    if receipt:
        for stratum in receipt["strata"]:
            for member in stratum["drawn"]:
                fields_ = member.get("fields") if isinstance(member.get("fields"), dict) else {}
                drawn.append({**fields_, "label": stratum["label"], "rank": member.get("rank"), "id": member.get("id")})
    attempts = (entry.get("reveal") or {}).get("attempts", [])
    last = attempts[-1] if attempts else {}
    return {
        "draw_id": entry["draw_id"],
        "task_id": entry["task_id"],
        "kind": commitment.get("drawn_kind"),
        "algorithm": commitment.get("algorithm"),
        "committed_at": commitment.get("committed_at"),
        "reveal_by": commitment.get("reveal_by"),
        "source": describe_source(commitment["source"]),
        "next_source": describe_source(last["source"]) if len(attempts) > 1 and last.get("status") == "pending" else None,
        "population_size": commitment.get("population_size"),
        "population_digest": commitment.get("population_digest"),
        "commitment_sha256": entry["commitment_sha256"],
        "exclusions": commitment.get("exclusions") if isinstance(commitment.get("exclusions"), dict) else {},
        "strata": [{"label": s["label"], "size": s["size"], "sample_size": s["sample_size"]} for s in commitment["strata"]],
        "seed": receipt.get("seed") if receipt else None,
        "drawn_at": receipt.get("drawn_at") if receipt else None,
        "attempts": len(attempts),
        "voided": [{"attempt": a.get("attempt"), "reason": a.get("reason"), "voided_at": a.get("voided_at")}
                   for a in attempts if a.get("status") == "void"],
        "files": sorted(entry["files"]),
        "drawn": drawn,
        "verified": (entry["verification"] or {}).get("ok"),
        "failed": (entry["verification"] or {}).get("failed", []),
    }


def describe_source(source: Any) -> str:
    """The randomness source in words (Chinese)."""
    if not isinstance(source, dict):
        return "?"
    kind = source.get("kind")
    when = vd.source_time(source)
    at = when.astimezone(vd.dt.timezone(vd.dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S") if when else "?"
    if kind == "drand":
        return f"drand 随机信标（链 {str(source.get('chain_hash', ''))[:12]}…）第 {source.get('round')} 轮（{at} 北京时间产生）"
    if kind == "nist-beacon":
        return f"NIST 随机信标 2.0 脉冲 {source.get('pulse_time')}"
    if kind == "public-numbers":
        sources = source.get("sources") if isinstance(source.get("sources"), list) else []
        return f"公开号码（RFC 3797）：{'；'.join(map(str, sources))}（{at} 北京时间公布）"
    return str(kind)


def publish_draws(draws: list[dict[str, Any]], site_dir: Path) -> list[str]:
    """Copy every draw's files and the standalone verifier into ``site_dir/draws/``.

    Returns:
        The site-relative paths written, sorted.
    """
    folder = site_dir / SITE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    shutil.copyfile(Path(vd.__file__), folder / "verify_draw.py")
    written.append(f"{SITE_FOLDER}/verify_draw.py")
    for entry in draws:
        target = folder / entry["draw_id"]
        write_draw_files(target, entry["files"])
        written += [f"{SITE_FOLDER}/{entry['draw_id']}/{name}" for name in entry["files"]]
    return sorted(written)


def attach_draws(
    model: Any, draws: list[dict[str, Any]], warn: Callable[[str], None] | None = None
) -> None:
    """Give each task of the model the summaries of its verifiable draws (``verifiable_draws``).

    A draw whose rows also stand in the published 抽取记录 table is compared with them: the
    receipt is what the verifiers check, the table is what the downloads and statistics use,
    so any disagreement is shown on the task page (``table_problems``) and reported to ``warn``.
    """
    say = warn or _to_stderr
    for task in model.tasks.values():
        task.setdefault("verifiable_draws", [])
    for entry in draws:
        task = model.tasks.get(entry["task_id"] or "")
        if task is None:
            continue
        summary = draw_summary(entry)
        rows = [r for r in model.draws.get(task["task_id"], []) if r.get("draw_id") == entry["draw_id"]]
        summary["table_problems"] = table_disagreements(summary, rows)
        if summary["table_problems"]:
            say(f"提醒：抽取 {entry['draw_id']} 的抽取记录表与核验回执不一致（{'；'.join(summary['table_problems'])}）。"
                "请用 gongkai draw reveal 生成的抽取记录.csv 替换手工修改过的表")
        task["verifiable_draws"].append(summary)


def table_disagreements(summary: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """How the 抽取记录 rows of a revealed draw differ from its receipt, in Chinese; [] if not."""
    if summary["verified"] is None or not rows:
        return []
    drawn = {normalise_identifier(str(m.get("id") or "")): m for m in summary["drawn"]}
    listed = {normalise_identifier(str(r.get("uscc") or r.get("inspector_id") or "")): r for r in rows}
    problems = [f"回执抽中的 {code} 不在表中" for code in sorted(drawn.keys() - listed.keys())]
    problems += [f"表中的 {code} 不在回执抽中名单中" for code in sorted(listed.keys() - drawn.keys())]
    problems += [
        f"{code} 的名称与回执不同" for code in sorted(drawn.keys() & listed.keys())
        if drawn[code].get("entity_name") and listed[code].get("entity_name")
        and fold_text(drawn[code]["entity_name"]) != fold_text(listed[code]["entity_name"])
    ]
    if summary["seed"] and any(r.get("seed") and r["seed"] != summary["seed"] for r in rows):
        problems.append("随机种子与回执不同")
    return problems


def _safe_id(value: Any) -> bool:
    from generator.model.identity import SAFE_SLUG

    return isinstance(value, str) and bool(SAFE_SLUG.fullmatch(value)) and value not in (".", "..")
