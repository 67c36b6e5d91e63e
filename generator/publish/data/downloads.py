"""What a release offers for download.

Formats, licences and settings, full-text query helpers and the release manifest the pages
are rendered from; imports no other publish.data module, so the pages can use it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from generator.core.errors import ConfigError
from generator.model.tables import Table

DATAPACKAGE_FILE = "datapackage.json"


SQLITE_FILE = "gongkai.sqlite"


FTS_TABLE = "results_fts"


FTS_COLUMNS = ("entity_name", "uscc", "item", "outcome", "authority", "task_name")
"""The results columns indexed for full-text search in :data:`FTS_TABLE`."""


FTS_EXAMPLE = "食品"
"""The 2-character query of the example on the 开放数据 page (and in the tests)."""


DEFAULT_LICENSE = "CC-BY-4.0"


LICENSES: dict[str, dict[str, str]] = {
    "CC-BY-4.0": {
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "知识共享 署名 4.0 国际（CC BY 4.0）",
    },
    "CC-BY-SA-4.0": {
        "path": "https://creativecommons.org/licenses/by-sa/4.0/",
        "title": "知识共享 署名-相同方式共享 4.0 国际（CC BY-SA 4.0）",
    },
    "CC0-1.0": {
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "title": "CC0 1.0 公有领域贡献",
    },
    "ODC-BY-1.0": {
        "path": "https://opendatacommons.org/licenses/by/1-0/",
        "title": "开放数据共享署名许可 1.0（ODC-By）",
    },
    "ODbL-1.0": {
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "开放数据库许可 1.0（ODbL）",
    },
    "PDDL-1.0": {
        "path": "https://opendatacommons.org/licenses/pddl/1-0/",
        "title": "开放数据共享公有领域贡献和许可 1.0（PDDL）",
    },
}
"""Licences known by SPDX id; ``extra.license`` may also give ``{name, path, title}``."""


PERIOD_FIELDS: dict[str, tuple[str, ...]] = {
    "tasks": ("start", "end"),
    "results": ("inspected_on",),
}
"""The dates that say when checks took place: the data's temporal coverage spans them."""


FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
    "sqlite": ("SQLite", "application/vnd.sqlite3"),
}
"""Format → (label shown on the 开放数据 page, media type)."""


_RUN = re.compile(r"[^\W_]+")


_UNIT = re.compile(r"[0-9a-z]+|.", re.DOTALL)


@dataclass(frozen=True)
class OpenDataSettings:
    """What the data package says about itself: licence, publisher, sources, address.

    Read from ``mkdocs.yml`` by :func:`open_data_settings`.
    """

    title: str
    """The dataset's title: the site name."""
    publisher: str
    """Who publishes the data (``extra.publisher``; the site name by default)."""
    license: dict[str, str] = field(
        default_factory=lambda: dict(LICENSES[DEFAULT_LICENSE], name=DEFAULT_LICENSE)
    )
    """``{name, path, title}`` of the licence (``extra.license``; CC BY 4.0 by default)."""
    site_url: str | None = None
    """The site's public address (``site_url``): makes links in the JSON-LD absolute."""
    sources: tuple[dict[str, str], ...] = ()
    """``[{title, path?}]`` (``extra.sources``); by default one per export file read."""
    description: str = ""
    """One paragraph about the data (``site_description``)."""
    region: dict[str, str] | None = None
    """``{name, code?}`` of the area the data covers (``extra.region``): the exports name no
    area, so without it the catalogue states none."""


def open_data_settings(
    extra: Mapping[str, Any],
    *,
    site_name: str,
    site_url: str | None = None,
    site_description: str | None = None,
) -> OpenDataSettings:
    """Read the open-data settings from MkDocs' ``extra`` section.

    ``extra.license`` is an SPDX id from :data:`LICENSES` or a mapping with ``name``,
    ``path`` (an http(s) URL) and ``title``; ``extra.publisher`` a name; ``extra.sources``
    a list of ``{title, path}``. Each is optional.

    Raises:
        ConfigError: a setting has the wrong shape; the message names the bad value.
    """
    license_ = _license(extra.get("license", DEFAULT_LICENSE))
    publisher = extra.get("publisher") or site_name
    if not isinstance(publisher, str) or not publisher.strip():
        raise ConfigError(f"mkdocs.yml 中 extra.publisher 应为发布机构名称，而不是 {publisher!r}")
    sources_value = extra.get("sources") or []
    if not isinstance(sources_value, list):
        raise ConfigError(f"mkdocs.yml 中 extra.sources 应为列表，而不是 {sources_value!r}")
    sources = []
    for source in sources_value:
        if not isinstance(source, dict) or not isinstance(source.get("title"), str):
            raise ConfigError(f"mkdocs.yml 中 extra.sources 的每一项都需要 title：{source!r}")
        if source.get("path") is not None and not _is_http(source["path"]):
            raise ConfigError(f"mkdocs.yml 中 extra.sources 的 path 应为 http(s) 网址：{source!r}")
        sources.append({k: str(source[k]) for k in ("title", "path") if source.get(k)})
    region = _region(extra.get("region"))
    if site_url is not None and not _is_http(site_url):
        raise ConfigError(f"site_url 应为 http(s) 网址，而不是 {site_url!r}")
    return OpenDataSettings(
        title=site_name,
        publisher=publisher.strip(),
        license=license_,
        site_url=site_url.rstrip("/") + "/" if site_url else None,
        sources=tuple(sources),
        description=site_description or "",
        region=region,
    )


def _region(value: Any) -> dict[str, str] | None:
    """``extra.region``: a name, or ``{name, code}`` with a 6-digit 行政区划代码."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return {"name": value.strip()}
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
        code = value.get("code")
        if code is None:
            return {"name": value["name"].strip()}
        if re.fullmatch(r"[0-9]{6}", str(code)):
            return {"name": value["name"].strip(), "code": str(code)}
    raise ConfigError(
        "mkdocs.yml 中 extra.region 应为数据覆盖的地区名称，或写成 {name: 地区名称, code: 六位行政区划代码}："
        f"{value!r}"
    )


def _license(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        if value not in LICENSES:
            known = "、".join(LICENSES)
            raise ConfigError(
                f"mkdocs.yml 中 extra.license 的取值 {value!r} 无法识别；请用 {known} 之一，"
                "或写成 {name, path, title}"
            )
        return {"name": value, **LICENSES[value]}
    if isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("name", "path")):
        if not _is_http(value["path"]):
            raise ConfigError(
                f"mkdocs.yml 中 extra.license.path 应为 http(s) 网址：{value['path']!r}"
            )
        return {"name": value["name"], "path": value["path"],
                "title": str(value.get("title") or value["name"])}  # fmt: skip
    raise ConfigError(
        f"mkdocs.yml 中 extra.license 应为许可协议代码或 {{name, path, title}}：{value!r}"
    )


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"https?://[^\s<>\"']+", value) is not None


def segment_text(text: str | None) -> str:
    """Pre-segment text for the FTS5 index: per run, its bigrams, then its single units.

    Text is NFKC-normalised and lower-cased, then cut into runs of letters and digits; a
    *unit* is an ASCII letter/digit stretch (a credit code, ``ktv``) or one other character
    (a Han character). Bigrams come first so that the bigrams of a longer query are adjacent,
    which lets a phrase query match them in order (see :func:`fts_query`).

    >>> segment_text("示例县酒楼（KTV）")
    '示例 例县 县酒 酒楼 示 例 县 酒 楼 ktv'
    """
    tokens: list[str] = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        units = _UNIT.findall(run)
        tokens += [a + b for a, b in itertools.pairwise(units)]
        tokens += units
    return " ".join(tokens)


def fts_query(text: str) -> str:
    """An FTS5 ``MATCH`` expression that finds rows whose indexed text contains ``text``.

    One unit is searched as itself, a longer run as the phrase of its bigrams, and several
    runs (words separated by spaces or punctuation) must all match.

    >>> fts_query("酒楼"), fts_query("食品销售 示例县")
    ('"酒楼"', '"食品 品销 销售" AND "示例 例县"')
    """
    parts = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower()):
        units = _UNIT.findall(run)
        tokens = [a + b for a, b in itertools.pairwise(units)] or units
        parts.append('"' + " ".join(tokens) + '"')
    return " AND ".join(parts)


@dataclass(frozen=True)
class Download:
    """One published file, relative to the data folder."""

    path: str
    format: str
    mediatype: str
    bytes: int
    sha256: str
    table: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Release:
    """What one build published: version, date, counts and every download."""

    version: str
    data_as_of: str | None
    content_hash: str
    counts: dict[str, int]
    downloads: tuple[Download, ...]
    settings: OpenDataSettings
    tables: dict[str, Table] = field(repr=False)
    period: tuple[str, str] | None = None
    """The first and last day of the checks the data records (:data:`PERIOD_FIELDS`)."""

    def download(self, path: str) -> Download:
        """The download at ``path``."""
        for item in self.downloads:
            if item.path == path:
                return item
        raise KeyError(path)

    @property
    def created(self) -> str | None:
        """The release's date as an RFC 3339 timestamp: midnight UTC of the data's date."""
        return f"{self.data_as_of}T00:00:00Z" if self.data_as_of else None


class ReleaseNotesWriter(Protocol):
    """Writes the release history once the release has its version."""

    def write(self, folder: Path, *, version: str, data_as_of: str | None,
              counts: Mapping[str, int]) -> list[str]: ...  # fmt: skip

    def index_fields(self) -> dict[str, Any]: ...
