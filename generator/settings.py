"""Per-folder settings, read from ``DATA_DIR/gongkai.yml`` when present.

The file is optional. Example::

    # Codes known to be genuine although their check character fails (registration errors
    # confirmed with the registration authority).
    uscc_allowlist:
      - 91330302L19373061U
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.errors import ConfigError
from generator.values import normalise_identifier

SETTINGS_FILE = "gongkai.yml"


@dataclass(frozen=True)
class Settings:
    """Settings of one data folder."""

    uscc_allowlist: frozenset[str] = field(default_factory=frozenset)
    """Codes accepted although their check character fails; compared after normalisation."""


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
    unknown = sorted(set(raw) - {"uscc_allowlist"})
    if unknown:
        raise ConfigError(f"配置文件 {path} 有无法识别的设置：{'、'.join(unknown)}")
    allowlist = raw.get("uscc_allowlist") or []
    if not isinstance(allowlist, list):
        raise ConfigError(f"配置文件 {path} 中 uscc_allowlist 应为列表")
    return Settings(uscc_allowlist=frozenset(normalise_identifier(str(c)) for c in allowlist))
