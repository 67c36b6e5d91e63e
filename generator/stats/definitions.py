"""KPI definitions as data: the presets in ``kpis/`` and the set a data folder follows.

A preset (``kpis/<name>.yml``, documented in ``kpis/README.md``) transcribes the figures one
governing document sets: for each, the measure counted (a name of
:data:`~generator.stats.figures.KPIS`), who is counted (主体类型, 部门联合 or not, which
departments), the declared denominator coverage divides by, the target, the years, and the
sentence that sets it. ``gongkai.yml`` picks presets (``kpi_presets``); without any, the
statistics follow gongkai's default set, :data:`~generator.stats.figures.KPIS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import ConfigError
from generator.core.settings import Settings
from generator.stats.figures import KPI_BY_NAME, KPIS, Kpi

PRESET_DIR = Path(__file__).resolve().parents[2] / "kpis"
PRESET_KEYS = {"preset", "version", "title", "document", "years", "kpis"}
DEFINITION_KEYS = {"id", "measure", "title", "target", "clause", "entity_types", "joint",
                   "departments", "denominator"}  # fmt: skip
ENTITY_TYPES = ("企业", "个体工商户", "农民专业合作社", "外国企业常驻代表机构", "其他")
TASK_MEASURES = {"credit_risk_rating_use", "joint_check_share", "plan_completion"}
"""Measures that count tasks, which have no 主体类型."""


def preset_names() -> list[str]:
    """Every preset shipped in ``kpis/``."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yml"))


def load_preset(name: str) -> tuple[Kpi, ...]:
    """The definitions of one preset.

    Raises:
        ConfigError: no such preset, or the file is malformed; the message names file and key.
    """
    path = PRESET_DIR / f"{name}.yml"
    if not path.is_file():
        raise ConfigError(
            f"gongkai.yml 中 kpi_presets 的 {name} 不存在；可选：{'、'.join(preset_names())}"
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or set(raw) - PRESET_KEYS or not raw.get("document"):
        raise ConfigError(f"指标定义文件 {path} 应有 {'、'.join(sorted(PRESET_KEYS))}")
    years = tuple(int(y) for y in raw.get("years") or ())
    return tuple(
        _definition(path, n, entry, raw["document"], years)
        for n, entry in enumerate(raw.get("kpis") or [])
    )


def definitions(settings: Settings, departments: Iterable[str]) -> tuple[Kpi, ...]:
    """The definitions in force: the chosen presets' (checked against the data's departments
    and against each other), else the default set with ``kpi_targets`` applied.

    Raises:
        ConfigError: an unknown preset or target name, a preset's department filter that
            matches no department in the data, or two definitions of one id for one year.
    """
    if not settings.kpi_presets:
        return _with_targets(KPIS, settings)
    chosen: list[tuple[str, Kpi]] = []
    names = sorted(set(departments))
    for preset in settings.kpi_presets:
        for kpi in load_preset(preset):
            if kpi.departments and not any(kpi.departments in d for d in names):
                raise ConfigError(
                    f"指标定义文件 kpis/{preset}.yml 中 {kpi.name} 的 departments "
                    f"“{kpi.departments}”与数据中的部门都不相符（数据中的部门：{'、'.join(names)}）"
                )
            for other_preset, other in chosen:
                overlap = not kpi.years or not other.years or set(kpi.years) & set(other.years)
                if other.name == kpi.name and overlap:
                    raise ConfigError(
                        f"gongkai.yml 中 kpi_presets 的 {other_preset} 和 {preset} 都定义了指标 "
                        f"{kpi.name}（同一年度只能有一个定义）；请只选其中一个"
                    )
            chosen.append((preset, kpi))
    return _with_targets(tuple(k for _, k in chosen), settings)


def _with_targets(kpis: tuple[Kpi, ...], settings: Settings) -> tuple[Kpi, ...]:
    targets = dict(settings.kpi_targets)
    known = {k.name for k in kpis}
    unknown = sorted(set(targets) - known)
    if unknown:
        raise ConfigError(
            f"gongkai.yml 中 kpi_targets 的指标 {'、'.join(unknown)} 无法识别；"
            f"可用的指标：{'、'.join(k.name for k in kpis)}"
        )
    return tuple(replace(k, target=targets[k.name]) if k.name in targets else k for k in kpis)


def _definition(path: Path, n: int, entry: Any, document: str, years: tuple[int, ...]) -> Kpi:
    where = f"指标定义文件 {path} 中 kpis 第 {n + 1} 项"
    if not isinstance(entry, dict) or set(entry) - DEFINITION_KEYS:
        raise ConfigError(f"{where} 可用的键：{'、'.join(sorted(DEFINITION_KEYS))}")
    measure = KPI_BY_NAME.get(str(entry.get("measure")))
    if measure is None or not entry.get("id") or not entry.get("clause"):
        raise ConfigError(f"{where} 应有 id、clause 和 measure（可选：{'、'.join(KPI_BY_NAME)}）")
    types = tuple(entry.get("entity_types") or ())
    if set(types) - set(ENTITY_TYPES) or (types and measure.name in TASK_MEASURES):
        raise ConfigError(
            f"{where} 的 entity_types 只适用于按市场主体计的指标，可选：{'、'.join(ENTITY_TYPES)}"
        )
    denominator = entry.get("denominator") or {}
    if measure.name == "coverage" and not denominator.get("key"):
        raise ConfigError(f"{where} 是覆盖率，应有 denominator: {{key: …, label: …}}")
    target = entry.get("target")
    if target is not None and not (isinstance(target, int | float) and 0 <= target <= 1):
        raise ConfigError(f"{where} 的 target 应为 0 到 1 之间的小数或 null")
    return replace(
        measure,
        name=str(entry["id"]),
        title=str(entry.get("title") or measure.title),
        target=None if target is None else float(target),
        measure=measure.name,
        document=document,
        clause=str(entry["clause"]),
        entity_types=types,
        joint=entry.get("joint"),
        departments=entry.get("departments"),
        denominator_key=denominator.get("key"),
        denominator_label=denominator.get("label"),
        years=years,
    )
