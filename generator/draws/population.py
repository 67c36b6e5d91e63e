"""The regulator's private inputs of a draw and who of them can be drawn.

The task definition (``gongkai draw commit --task FILE``) and its checks, the 检查对象名录 and
the 执法检查人员名录 as exported, and the candidates left after the task's scope, the
exclusions, recusal (回避) and expertise: the :class:`~generator.draws.commitment.Member` list
that :func:`generator.draws.commitment.build_strata` commits to.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import GongkaiError
from generator.core.values import check_entity_code, normalise_identifier
from generator.draws import verify_draw as vd
from generator.draws.commitment import (
    INSPECTORS_KIND,
    TARGETS_KIND,
    DrawSpec,
    Member,
    hmac_hex,
    safe_id,
    to_stderr,
)

CLOSED_WORDS = ("注销", "吊销", "撤销", "迁出")
"""A 登记状态 holding one of these takes a firm out of the population (exclusion "已注销、吊销或
迁出"): ``注销``, ``已注销``, ``被吊销`` and gsxt's ``吊销，未注销`` / ``吊销，已注销`` alike."""
EXCLUDED_CLOSED = "已注销、吊销或迁出"
EXCLUDED_LISTED = "按任务规定排除（如本年度已就同一事项检查）"
EXCLUDED_RECUSAL = "回避"
EXCLUDED_EXPERTISE = "无相应执法资质或业务专长"
TARGET_FIELDS = ("entity_name", "entity_type", "industry", "region_code")
"""Public fields of a drawn firm shown in the receipt (never its risk class)."""


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
    if not safe_id(values["draw_id"]):
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
    from generator.validate.rows import normalise_table

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
        say = warn or to_stderr
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
        say = warn or to_stderr
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
    return "P-" + hmac_hex(secret, f"pseudonym|{inspector_id}")[:10]
