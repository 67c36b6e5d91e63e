"""Per-folder settings, read from ``DATA_DIR/gongkai.yml`` when present.

The file is optional. Example::

    # Codes known to be genuine although their check character fails (registration errors
    # confirmed with the registration authority).
    uscc_allowlist:
      - 91330302L19373061U

    # Size of the directory of inspection targets (年初企业数) per year and department, the
    # denominator of 抽查覆盖率; an entry without department is the whole area's.
    directory_sizes:
      - {year: 2024, department: 示例县市场监督管理局, size: 5200}
      - {year: 2024, size: 6100}

    # Targets the statistics are held to, overriding the seed figures (fractions).
    kpi_targets:
      coverage: 0.03

    # The KPI definitions to follow (kpis/<name>.yml: each figure as one governing document
    # defines it), instead of gongkai's default set; and the figures they divide by.
    kpi_presets: [shanxi-2024, xinzhou-2024]
    denominators:
      - {key: enterprises, year: 2024, size: 4100, source: 2023年底全县企业数（登记注册统计）}

    # Where an enterprise objects to a published result or asks for its correction (异议、
    # 更正申请); shown on every enterprise page. Every key is optional.
    objection:
      office: 示例县市场监督管理局信用监管股
      contact: 0350-1234567（工作日 8:30–17:30）
      email: xinyong@example.gov.cn
      url: https://example.gov.cn/yiyi
      method: 书面提出，附营业执照复印件和相关证据
      deadline: 自结果公示之日起 20 个工作日内

    # The publisher's own deadlines on the 工作进度 page (generator/stats/duties.py has the
    # defaults from the seeds). Per duty: ``false`` to drop it, or any of ``due`` (月-日;
    # monthly_report: day of the next month; work_summary: a list), ``joint_due``
    # (plan_publication: 部门联合 plans), ``source`` (the document that sets it) and
    # ``submitted`` (period → date of submission, for the duties the exports cannot show).
    duties:
      plan_publication: {due: "04-30", joint_due: "03-31"}
      monthly_report: {due: 20, submitted: {"2024-09": 2024-10-18}}
      work_summary: {submitted: {"2024-06-20": 2024-06-18}}
      task_completion: false

    # How much of one export file is read before it is refused (读取上限). A refused file's
    # rows (or, when they cannot be counted, its bytes) are reported as 拒收. Defaults fit a
    # province's 600,000-row exports; raise them only for a file you trust.
    limits:
      file_bytes: 536870912      # 单个文件的最大字节数（512 MiB）
      unpacked_bytes: 1073741824 # xlsx 解压后的最大总字节数（1 GiB）：读取时间与之成正比
      cells: 40000000            # 单个工作表的最大单元格数（含行内空单元格）：内存与之成正比
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.core.errors import ConfigError
from generator.core.values import normalise_entity_code

SETTINGS_FILE = "gongkai.yml"


@dataclass(frozen=True)
class Settings:
    """Settings of one data folder."""

    uscc_allowlist: frozenset[str] = field(default_factory=frozenset)
    """Codes accepted although their check character fails; compared after normalisation."""
    directory_sizes: tuple[tuple[int, str | None, int], ...] = ()
    """``(year, department or None for the whole area, size)``: 抽查覆盖率's denominator."""
    kpi_targets: tuple[tuple[str, float | None], ...] = ()
    """``(kpi, target)`` overriding the seed targets of :mod:`generator.stats.compute`."""
    objection: tuple[tuple[str, str], ...] = ()
    """``(key, text)`` of the 异议 route (:data:`OBJECTION_KEYS`), as the operator wrote it."""
    kpi_presets: tuple[str, ...] = ()
    """The chosen presets of ``kpis/`` (:mod:`generator.stats.definitions`), in order."""
    denominators: tuple[tuple[str, int, str | None, int, str, str | None], ...] = ()
    """``(key, year, department or None, size, source, region code or None)``: the figures
    the definitions divide by, for the whole area or one 行政区划."""
    duties: tuple[DutySetting, ...] = ()
    """The operator's changes to the default duties (:data:`DUTY_KEYS`), by key."""
    limits: ReadLimits = field(default_factory=lambda: ReadLimits())
    """How much of one export is read before it is refused."""


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on the work one export file may cause (``limits`` in ``gongkai.yml``).

    Memory grows with ``cells`` (about 100 bytes per text cell held) and time with
    ``unpacked_bytes`` (the XML openpyxl parses) or ``file_bytes`` (a CSV is decoded whole).
    """

    file_bytes: int = 512 * 1024 * 1024
    """A larger file is refused unread."""
    unpacked_bytes: int = 1024 * 1024 * 1024
    """An XLSX whose parts unpack to more is refused unread (the zip states the sizes, and
    reading never goes past them)."""
    cells: int = 40_000_000
    """Cells of one sheet, the empty ones inside its rows included: a sheet whose
    ``<dimension>`` declares more is refused unread, and reading stops once it holds more.
    A province's 600,000 rows × 20 columns are 12,000,000."""


DUTY_KEYS = ("plan_publication", "monthly_report", "work_summary", "task_completion")
"""The publisher's own duties on the 工作进度 page: 抽查计划公示, 月报表, 工作总结, 任务完成."""
DUTY_SETTING_KEYS = {
    "plan_publication": ("due", "joint_due", "source"),
    "monthly_report": ("due", "source", "submitted"),
    "work_summary": ("due", "source", "submitted"),
    "task_completion": ("due", "source"),
}
"""What each duty may change: plans and tasks carry their own dates, reports are declared."""
_DUTY_SETTING_NAMES = {
    "due": "期限",
    "joint_due": "联合计划期限",
    "source": "依据文件",
    "submitted": "报送记录",
}


@dataclass(frozen=True)
class DutySetting:
    """One duty as ``gongkai.yml`` changes it; ``None`` and ``()`` keep the default."""

    key: str
    enabled: bool = True
    due: tuple[str, ...] = ()
    """``MM-DD`` dates (monthly_report: one day of the month, as ``DD``)."""
    joint_due: str | None = None
    source: str | None = None
    submitted: tuple[tuple[str, str], ...] = ()
    """``(period, ISO date)``: when the operator says a report was handed in."""


def load_settings(data_dir: Path) -> Settings:
    """Read ``gongkai.yml`` from ``data_dir``; defaults when it does not exist.

    Raises:
        ConfigError: the file is not valid YAML or has unknown keys.
    """
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"配置文件 {path} 应为键值对（YAML 映射）")
    known = {"uscc_allowlist", "directory_sizes", "kpi_targets", "objection", "duties",
             "kpi_presets", "denominators", "limits"}  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"配置文件 {path} 有无法识别的设置：{'、'.join(unknown)}")
    allowlist = raw.get("uscc_allowlist") or []
    if not isinstance(allowlist, list):
        raise ConfigError(f"配置文件 {path} 中 uscc_allowlist 应为列表")
    return Settings(
        uscc_allowlist=frozenset(normalise_entity_code(str(c)) for c in allowlist),
        limits=_limits(path, raw.get("limits") or {}),
        directory_sizes=_directory_sizes(path, raw.get("directory_sizes") or []),
        kpi_targets=_kpi_targets(path, raw.get("kpi_targets") or {}),
        objection=_objection(path, raw.get("objection") or {}),
        duties=_duties(path, raw.get("duties") or {}),
        kpi_presets=_presets(path, raw.get("kpi_presets") or []),
        denominators=_denominators(path, raw.get("denominators") or []),
    )


LIMIT_KEYS = {"file_bytes": "单个文件字节数", "unpacked_bytes": "解压后字节数", "cells": "单元格数"}
"""The keys of ``limits`` and what each bounds, in Chinese."""


def _limits(path: Path, value: object) -> ReadLimits:
    if not isinstance(value, dict) or set(value) - set(LIMIT_KEYS):
        raise ConfigError(
            f"配置文件 {path} 中 limits 只能设置 {'、'.join(LIMIT_KEYS)}，如 {{cells: 40000000}}"
        )
    for key, number in value.items():
        if type(number) is not int or number <= 0:
            raise ConfigError(f"配置文件 {path} 中 limits.{key}（{LIMIT_KEYS[key]}）应为正整数，而不是 {number!r}")
    return ReadLimits(**value)


def _presets(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"配置文件 {path} 中 kpi_presets 应为预设名称的列表，如 [xinzhou-2024]")
    return tuple(value)


def _denominators(
    path: Path, value: object
) -> tuple[tuple[str, int, str | None, int, str, str | None], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"配置文件 {path} 中 denominators 应为列表")
    rows = []
    for entry in value:
        keys = {"key", "year", "size", "source", "department", "region"}
        ok = isinstance(entry, dict) and not set(entry) - keys
        year, size = (entry.get("year"), entry.get("size")) if ok else (0, 0)
        if not ok or not entry.get("key") or not entry.get("source") or type(year) is not int \
                or type(size) is not int or size <= 0:  # fmt: skip
            raise ConfigError(
                f"配置文件 {path} 中 denominators 的 {entry!r} 应写成 {{key: enterprises, "
                "year: 2024, size: 正整数, source: 数字的来源}（department、region 可省略，表示全部部门、全部区划）"
            )
        department = entry.get("department")
        region = str(entry["region"]) if entry.get("region") else None
        rows.append((str(entry["key"]), year, str(department) if department else None, size,
                     str(entry["source"]), region))  # fmt: skip
    return tuple(sorted(rows, key=lambda r: (r[0], r[1], r[2] or "", r[5] or "")))


def _directory_sizes(path: Path, value: object) -> tuple[tuple[int, str | None, int], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"配置文件 {path} 中 directory_sizes 应为列表")
    sizes = []
    for entry in value:
        ok = isinstance(entry, dict) and not set(entry) - {"year", "department", "size"}
        year, size = (entry.get("year"), entry.get("size")) if isinstance(entry, dict) else (0, 0)
        if not ok or type(year) is not int or type(size) is not int or size <= 0:
            raise ConfigError(
                f"配置文件 {path} 中 directory_sizes 的 {entry!r} 应写成 "
                "{year: 2024, department: 部门名称, size: 正整数}（department 可省略，表示全部部门）"
            )
        department = entry.get("department")
        sizes.append((year, str(department) if department else None, size))
    return tuple(sorted(sizes, key=lambda s: (s[0], s[1] or "", s[2])))


OBJECTION_KEYS = ("office", "contact", "email", "url", "method", "deadline")
"""What the 异议 route may name: 受理机关, 联系方式, 电子邮箱, 网上提交地址, 提出方式, 期限."""

OBJECTION_LABELS = {
    "office": "受理机关", "contact": "联系电话", "email": "电子邮箱", "url": "网上提交",
    "method": "提出方式", "deadline": "提出期限",
}  # fmt: skip
OBJECTION_DEFAULTS = {
    "office": "作出该检查结果的检查实施机关（见各条结果）",
    "method": "向受理机关书面提出，附营业执照复印件和相关证据",
}
"""What the route says where ``gongkai.yml`` names nothing."""


def objection_facts(objection: dict[str, str]) -> list[tuple[str, str]]:
    """(label, text) of the 异议 route as pages show it: the configured parts and defaults."""
    values = {**OBJECTION_DEFAULTS, **{k: v for k, v in objection.items() if v}}
    return [(OBJECTION_LABELS[key], values[key]) for key in OBJECTION_KEYS if values.get(key)]


def _objection(path: Path, value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or set(value) - set(OBJECTION_KEYS):
        raise ConfigError(
            f"配置文件 {path} 中 objection 应为映射，可用的键：{'、'.join(OBJECTION_KEYS)}"
            "（受理机关、联系电话、电子邮箱、网上提交地址、提出方式、期限）"
        )
    url = str(value.get("url") or "")
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"配置文件 {path} 中 objection 的 url 应以 https:// 或 http:// 开头")
    email = str(value.get("email") or "")
    if email and ("@" not in email or any(c in email for c in ' ?&<>"')):
        raise ConfigError(f"配置文件 {path} 中 objection 的 email 不是有效的电子邮箱地址")
    return tuple((key, str(value[key]).strip()) for key in OBJECTION_KEYS if value.get(key))


def _kpi_targets(path: Path, value: object) -> tuple[tuple[str, float | None], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"配置文件 {path} 中 kpi_targets 应为“指标: 目标值”的映射")
    targets = []
    for kpi, target in value.items():
        if target is not None and (
            isinstance(target, bool) or not isinstance(target, int | float) or not 0 <= target <= 1
        ):
            raise ConfigError(
                f"配置文件 {path} 中 kpi_targets 的 {kpi}: {target!r} 应为 0 到 1 之间的小数（如 0.05）"
            )
        targets.append((str(kpi), None if target is None else float(target)))
    return tuple(sorted(targets))


def _duties(path: Path, value: object) -> tuple[DutySetting, ...]:
    where = f"配置文件 {path} 中 duties"
    if not isinstance(value, dict) or set(value) - set(DUTY_KEYS):
        unknown = (
            "、".join(sorted(map(str, set(value) - set(DUTY_KEYS))))
            if isinstance(value, dict)
            else ""
        )
        raise ConfigError(
            f"{where} 应为映射"
            + (f"，{unknown} 无法识别" if unknown else "")
            + f"；可用的键：{'、'.join(DUTY_KEYS)}（抽查计划公示、月报表、工作总结、抽查任务完成）"
        )
    settings = []
    for key in DUTY_KEYS:
        if key not in value:
            continue
        entry = value[key]
        if entry is False:
            settings.append(DutySetting(key, enabled=False))
            continue
        allowed = DUTY_SETTING_KEYS[key]
        if not isinstance(entry, dict) or set(entry) - set(allowed):
            names = "、".join(f"{k}（{_DUTY_SETTING_NAMES[k]}）" for k in allowed)
            raise ConfigError(f"{where}.{key} 应为 false（不适用）或映射，可用的键：{names}")
        settings.append(
            DutySetting(
                key,
                due=_due_dates(f"{where}.{key}.due", entry.get("due"), key == "monthly_report"),
                joint_due=next(
                    iter(_due_dates(f"{where}.{key}.joint_due", entry.get("joint_due"))), None
                ),
                source=str(entry["source"]).strip() if entry.get("source") else None,
                submitted=_submitted(f"{where}.{key}.submitted", entry.get("submitted")),
            )
        )
    return tuple(settings)


def _due_dates(where: str, value: object, day_only: bool = False) -> tuple[str, ...]:
    """``MM-DD`` (or, ``day_only``, ``DD``) strings, each checked to be a real day."""
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    dates = []
    for item in values:
        text = str(item).strip()
        try:
            if day_only:
                day = int(text)
                dt.date(2024, 1, day)
                text = f"{day:02d}"
            else:
                month, day = (int(part) for part in text.split("-"))
                text = dt.date(2024, month, day).strftime("%m-%d")
        except (ValueError, TypeError):
            example = "20（次月 20 日前）" if day_only else '"04-30"（月-日，加引号）'
            raise ConfigError(f"{where} 的 {item!r} 不是有效的期限，应写成 {example}") from None
        dates.append(text)
    return tuple(sorted(set(dates)))


def _submitted(where: str, value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError(f'{where} 应为“期间: 报送日期”的映射，如 "2024-09": 2024-10-18')
    rows = []
    for period, day in value.items():
        try:
            iso_day = dt.date.fromisoformat(str(day)).isoformat()
        except ValueError:
            raise ConfigError(f"{where} 中 {period} 的报送日期 {day!r} 应写成 2024-10-18") from None
        rows.append((str(period), iso_day))
    return tuple(sorted(rows))
