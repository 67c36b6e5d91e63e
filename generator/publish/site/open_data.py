"""The 开放数据 pages: downloads, the change log, the feeds list, and the JSON-LD of the dataset."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from generator.model.changes import describe_adjustment, describe_change, describe_follow_up
from generator.model.entities import Model
from generator.model.identity import industry_slug
from generator.model.tables import DATA_FOLDER, DELTA_FILE, HISTORY_FILE
from generator.publish.data.catalog import CATALOG_JSONLD, CATALOG_TTL, dataset_json_ld
from generator.publish.data.derived import CSV_TRIGGERS
from generator.publish.data.downloads import (
    FORMATS,
    FTS_COLUMNS,
    FTS_EXAMPLE,
    FTS_TABLE,
    SQLITE_FILE,
    Release,
)
from generator.publish.data.publications import (
    SITE_FEED,
    clean_text,
    department_slug,
    feed_file,
    feed_scopes,
)
from generator.publish.data.rdf import json_ld_text
from generator.publish.site.markdown import (
    CHANGELOG_PAGE,
    FEEDS_PAGE,
    NO_VALUE,
    OPEN_DATA_HTML,
    OPEN_DATA_PAGE,
    Markdown,
    count_text,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
    root_of,
)


def render_open_data_page(release: Release) -> str:
    """Render 开放数据: every download with format, size and SHA-256, the licence, how to
    cite the release, how to check and load the files, and the SQLite full-text example.

    Its JSON-LD (:func:`render_open_data_json_ld`) is added to the built page's ``<head>``
    by ``generator.build``: the page itself must pass the allowlist, which has no script.

    Args:
        release: What :func:`generator.publish.data.datasets.write_datasets` wrote.

    Returns:
        The page as Markdown.
    """
    root = root_of(OPEN_DATA_PAGE)
    settings = release.settings
    licence = settings.license
    licence_link = Markdown(
        f'<a href="{html.escape(licence["path"], quote=True)}">'
        f"{escape_markdown_cell(licence['title'])}</a>"
    )
    by_table = []
    for name, table in release.tables.items():
        cells: list[object] = [
            Markdown(f"[{escape_markdown_cell(table.title)}](dictionary.md#{name})"),
            count_text(release.counts.get(name, 0)),
        ]
        for fmt in ("csv", "json", "xlsx", "parquet"):
            item = release.download(f"{name}.{fmt}")
            cells.append(
                Markdown(f"{_download_link(root, item, FORMATS[fmt][0])}（{_size(item.bytes)}）")
            )
        by_table.append(cells)
    every = [
        (
            Markdown(_download_link(root, item, item.path)),
            item.title,
            _size(item.bytes),
            Markdown(f"<code>{_hex(item.sha256)}</code>"),
        )
        for item in release.downloads
    ]
    sqlite = release.download(SQLITE_FILE)
    publisher = "" if settings.publisher == settings.title else f"{settings.publisher}．"
    citation = (
        f"{escape_markdown_cell(publisher)}{escape_markdown_cell(settings.title)}"
        f"开放数据［数据集］，版本 {escape_markdown_cell(release.version)}（数据截至 "
        f"{escape_markdown_cell(release.data_as_of) or '暂无'}）．"
        + (f"{escape_markdown_cell(settings.site_url)}open-data/．" if settings.site_url else "")
        + f"{escape_markdown_cell(licence['title'])}．"
    )
    columns = "、".join(FTS_COLUMNS)
    names = [TRIGGER_NAMES.get(t, f"`{t}`") for t in CSV_TRIGGERS]
    triggers = "、".join(names[:-1]) + "或" + names[-1]
    return join_blocks(
        [
            front_matter(hide=["navigation"]),
            "# 开放数据",
            (
                "本站公示的全部数据都可以整表下载，供研究、新闻报道和再利用。"
                "每次更新数据都会生成一个新版本；各文件的字段说明见[数据字典](dictionary.md)。"
            ),
            (
                f"**版本：{escape_markdown_cell(release.version)}**　"
                f"**数据截至：{escape_markdown_cell(release.data_as_of) or '暂无'}**"
            ),
            "## 许可协议 {#license}",
            Markdown(
                f"本站数据按 {licence_link} 发布：可以自由复制、分发和改编，"
                "包括用于商业目的，但须注明来源（见下文“如何引用”）。"
            ),
            "## 按数据表下载 {#downloads}",
            markdown_table(
                ("数据表", "条数", "CSV", "JSON", "Excel", "Parquet"),
                by_table,
                ("left", "right", "left", "left", "left", "left"),
            ),
            (
                "全部数据表也合在一个 SQLite 数据库中："
                + _download_link(root, sqlite, sqlite.path)
                + f"（{_size(sqlite.bytes)}），可直接用 SQL 查询，并支持中文全文检索（见下文）。"
            ),
            "## 全部文件与校验和 {#checksums}",
            (
                "数据包描述 datapackage.json 符合 Frictionless Data Package 规范，"
                "列出每个文件的表结构、大小和 SHA-256；index.json 记录版本、数据截至日期和各表条数；"
                "数据目录 "
                + _download_link(root, _File(CATALOG_JSONLD), CATALOG_JSONLD)
                + " 和 "
                + _download_link(root, _File(CATALOG_TTL), CATALOG_TTL)
                + " 按欧盟数据目录规范 DCAT-AP 3 描述本数据集、发布机构、许可协议、数据覆盖的时间"
                "和每个文件的地址、格式、大小与 SHA-256，供数据开放平台采集（两个文件内容相同，"
                "分别为 JSON-LD 和 Turtle 格式"
                + (
                    "）；"
                    if settings.site_url
                    else "；本站未设置公开地址，文件中的链接都是相对于文件所在位置的相对地址）；"
                )
                + "SHA256SUMS 是全部下载文件（包括数据目录）的校验和。"
            ),
            markdown_table(("文件", "内容", "大小", "SHA-256"), every, ("left", "left", "right", "left")),
            "下载后可以用校验和核对文件是否完整、未被改动（Linux 或 macOS）：",
            "    sha256sum -c SHA256SUMS",
            "Windows 可以用 `certutil -hashfile results.csv SHA256` 逐个核对。",
            "## 如何引用 {#cite}",
            "引用时请注明发布者、版本号和数据截至日期，例如：",
            f"> {citation}",
            "版本号由数据截至日期和数据内容的哈希值组成：数据内容不变，版本号就不变。",
            "## 格式说明 {#formats}",
            "\n".join(
                f"- {line}"
                for line in (
                    (
                        "**CSV**：UTF-8 编码、带 BOM（Excel 可直接显示中文），逗号分隔，"
                        "第一行为字段名。为防止电子表格把文本当作公式执行（CSV 注入），"
                        f"以 {triggers} 开头的文本单元格前面加了一个英文单引号 '；"
                        "程序读取时，去掉文本单元格开头的一个 ' 即得原值。"
                    ),
                    (
                        "**JSON**：每张表是一个对象数组，每个对象是一行，键为字段名、"
                        "按表结构顺序排列，空值为 null，整数为数字，其余（包括日期和各类编码）"
                        "为字符串。"
                    ),
                    (
                        "**Excel（XLSX）**：第一个工作表为数据，“字段说明”工作表列出各列的"
                        "中文名和含义；文本一律存为文本单元格，不含任何公式，编码不会丢失前导零"
                        "（Excel 无法保存的控制字符显示为 �，回车符改为换行符）。"
                        "超过 1,048,575 行的表续写在后面的工作表中。"
                    ),
                    "**Parquet**：整数为 int64，日期为 date32，其余为字符串，适合 pandas、R、DuckDB。",
                    (
                        "**SQLite**：每张数据表一个同名表，gongkai_fields 表列出字段说明，"
                        "gongkai_release 表记录版本。"
                    ),
                    (
                        "统一社会信用代码、注册号、抽查任务编号、行政区划代码等编码在所有格式中"
                        "都是文本，保留前导零和末位 X。用 Excel 直接打开 CSV 会把长数字显示为"
                        "科学计数法，请改用 XLSX 文件，或导入时把这些列设为“文本”。"
                    ),
                )
            ),
            "用 pandas 读取时，把编码列按文本读入：",
            (
                "    import pandas as pd\n"
                '    results = pd.read_csv("results.csv", dtype=str, keep_default_na=False)\n'
                '    results = pd.read_parquet("results.parquet")  # 或读 Parquet：已带类型'
            ),
            "## SQLite 全文检索 {#sqlite-fts}",
            (
                f"{FTS_TABLE} 表是检查结果（results）的全文索引，收录 {escape_markdown_cell(columns)} "
                "六列。SQLite 自带的分词器不能切分中文，所以索引中的文字预先切成了相邻两字"
                "（二元组）和单字：查询一个字或两个字的词，直接写这个词；查询更长的词，"
                "把它拆成相邻的两字组合，用双引号括成短语（写法见下面的例子）。"
                f"{FTS_TABLE} 与 results 表的 rowid 一一对应。"
                "例如在 sqlite3 gongkai.sqlite 中查找企业名称、检查事项、检查结果、检查机关或"
                f"任务名称中含有“{escape_markdown_cell(FTS_EXAMPLE)}”的检查结果："
            ),
            indent_code(fts_example_sql()),
            (
                "查询“食品销售”写作 `MATCH '\"食品 品销 销售\"'`；只在企业名称中查找写作 "
                "`MATCH 'entity_name : \"酒楼\"'`；要求几个词同时出现，用 AND 连接。"
            ),
        ]
    )


def render_changelog_page(model: Model, release: Release) -> str:
    """Render 更新日志: every release, newest first, with its counts, corrections and withdrawals.

    The history comes from ``model.releases`` / ``corrections`` / ``withdrawals``
    (:func:`generator.model.releases.annotate_model`); a build without it shows this release only.
    """
    root = root_of(CHANGELOG_PAGE)
    titles = {name: table.title for name, table in release.tables.items()}
    releases = model.releases or [
        {"version": release.version, "data_as_of": release.data_as_of, "previous": None,
         "counts": release.counts, "changes": {}, "tables": {}}
    ]  # fmt: skip
    parts = [
        front_matter(title="更新日志"),
        "# 更新日志",
        "本站每次生成就是一个版本，版本号由数据截至日期和内容摘要组成。每个版本与上一版本相比"
        "新增、更正、删除了哪些记录都记录在这里；被撤回的检查结果留下撤回公告，说明撤回日期和原因。"
        "机器可读的全部历史见 "
        + _download_link(root, _File(HISTORY_FILE), HISTORY_FILE)
        + "；本版相对上一版的逐条变更（JSON Lines，每行一条 ADD / MOD / DEL）见 "
        + (
            _download_link(root, _File(DELTA_FILE), DELTA_FILE)
            if any(d.path == DELTA_FILE for d in release.downloads)
            else "delta.json（本版为首次发布，没有上一版本可比较）"
        )
        + "。",
    ]
    for entry in releases:
        version = str(entry["version"])
        anchor = "v-" + re.sub(r"[^0-9A-Za-z-]", "", version)
        previous = entry.get("previous")
        parts.append(f"## 版本 {escape_markdown_cell(version)} {{#{anchor}}}")
        parts.append(
            f"数据截至 {escape_markdown_cell(entry.get('data_as_of')) or '暂无'}；"
            + (f"上一版本 {escape_markdown_cell(previous)}。" if previous else "首次发布。")
        )
        per_table = entry.get("tables", {})
        rows = [
            (
                titles.get(name, name),
                count_text(entry.get("counts", {}).get(name, 0)),
                *(count_text(per_table.get(name, {}).get(op, 0)) for op in ("ADD", "MOD", "DEL")),
            )
            for name in release.tables
        ]
        parts.append(
            markdown_table(("数据表", "记录数", "新增", "修改（更正、调整、后续处置）", "删除或撤回"), rows,
                   ("left", "right", "right", "right", "right"))
        )  # fmt: skip
        corrections = [c for c in model.corrections if c["release"] == version]
        if corrections:
            parts.append("### 更正")
            parts.append(
                markdown_table(
                    ("记录", "更正内容", "页面"),
                    [
                        (
                            c["label"],
                            "；".join(describe_change(ch) for ch in c["changes"]),
                            _page_links(root, c["pages"]),
                        )
                        for c in corrections
                    ],
                    ("left", "left", "left"),
                )
            )
        adjustments = [a for a in model.adjustments if a["release"] == version]
        if adjustments:
            parts.append("### 调整")
            parts.append(
                markdown_table(
                    ("记录", "调整日期", "报备日期", "调整内容", "页面"),
                    [
                        (a["label"], a.get("date") or NO_VALUE, a.get("filed_on") or NO_VALUE,
                         "；".join(describe_adjustment(ch) for ch in a["changes"]) or NO_VALUE,
                         _page_links(root, a["pages"]))
                        for a in adjustments
                    ],
                    ("left", "left", "left", "left", "left"),
                )
            )  # fmt: skip
        follow_ups = [f for f in model.follow_ups if f["release"] == version]
        if follow_ups:
            parts.append("### 后续处置")
            parts.append(
                markdown_table(
                    ("结果编号", "记录", "日期", "后续处置", "页面"),
                    [
                        (f["id"], f["label"], f.get("date") or NO_VALUE,
                         "；".join(describe_follow_up(ch) for ch in f["changes"]),
                         _page_links(root, f["pages"][:1]))
                        for f in follow_ups
                    ],
                    ("left", "left", "left", "left", "left"),
                )
            )  # fmt: skip
        withdrawals = [w for w in model.withdrawals if w["release"] == version]
        if withdrawals:
            parts.append("### 撤回")
            parts.append(
                markdown_table(
                    ("结果编号", "记录", "撤回日期", "撤回原因", "撤回公告"),
                    [
                        (w["id"], w["label"], w.get("date") or NO_VALUE, w["reason"],
                         _page_links(root, w["pages"][:1]))
                        for w in withdrawals
                    ],
                    ("left", "left", "left", "left", "left"),
                )
            )
    return join_blocks(parts)


def render_feeds_page(model: Model, formats: tuple[str, ...] = ("atom", "rss")) -> str:
    """Render 订阅: the site-wide feed and every department and industry feed, in ``formats``
    (:func:`generator.publish.data.feeds.feed_formats`: Atom only without ``site_url``)."""
    root = root_of(FEEDS_PAGE)
    departments, industries = feed_scopes(model)
    labels = {"atom": "Atom", "rss": "RSS"}

    def links(key: str) -> Markdown:
        return Markdown(
            "、".join(
                f'<a href="{html.escape(root + feed_file(key, fmt), quote=True)}">{labels[fmt]}</a>'
                for fmt in formats
            )
        )

    parts = [
        front_matter(title="订阅"),
        "# 订阅",
        "用任何 RSS/Atom 阅读器订阅本站的更新：新发布的抽查计划、每一批检查结果公示（同一抽查任务在"
        "同一公示日期公示的结果合为一条）、合规手册更新，以及更正和撤回。每条更新的日期取自数据，"
        "编号（tag URI）长期不变，可以引用。每个市场主体的页面上另有它自己的订阅源（Atom）。"
        "全部订阅源的机器可读清单见 "
        + f'<a href="{root}feeds/index.json">feeds/index.json</a>。'
        + (
            ""
            if "rss" in formats
            else "RSS 格式要求完整网址，本站尚未配置公开网址，因此暂只提供 Atom 格式（常用阅读器都支持）。"
        ),
        "## 全站",
        markdown_table(("订阅源", "格式"), [("全部公示", links(SITE_FEED))], ("left", "left")),
        "## 按部门",
        markdown_table(
            ("部门", "格式"),
            [(name, links(f"department/{department_slug(name)}")) for name in departments],
            ("left", "left"),
        ),
        "## 按行业",
        markdown_table(
            ("行业", "格式"),
            [(clean_text(name), links(f"industry/{industry_slug(name)}")) for name in industries],
            ("left", "left"),
        ),
    ]
    return join_blocks(parts)


class _File:
    """A download known by its path only, for :func:`_download_link`."""

    def __init__(self, path: str) -> None:
        self.path = path


def _page_links(root: str, pages: Iterable[str]) -> Markdown:
    """Inline links to record pages (validated paths) by their kind's Chinese name."""
    names = {"enterprise": "市场主体", "task": "抽查任务", "plan": "抽查计划", "item": "抽查事项",
             "handbook": "合规手册", "result": "撤回公告"}  # fmt: skip
    links = [
        f'<a href="{html.escape(root + page, quote=True)}">{names.get(page.split("/")[0], "页面")}</a>'
        for page in pages
    ]
    return Markdown("、".join(links) or NO_VALUE)


def render_open_data_json_ld(release: Release) -> str:
    """The 开放数据 page's schema.org ``Dataset`` / DCAT-AP description as a ``<script>`` element.

    The graph of ``data/catalog.jsonld`` (:mod:`generator.publish.data.catalog`), rooted at
    the Dataset. ``<``, ``>`` and ``&`` are written as JSON escapes, so no value can end the
    script.

    Args:
        release: What :func:`generator.publish.data.datasets.write_datasets` wrote.

    Returns:
        ``<script type="application/ld+json">…</script>``.
    """
    document = dataset_json_ld(release, OPEN_DATA_HTML)
    return f'<script type="application/ld+json">{json_ld_text(document)}</script>'


def _download_link(root: str, item: Any, text: str) -> str:
    """An inline HTML link to a download (outside MkDocs' pages, so not a Markdown link)."""
    href = html.escape(f"{root}{DATA_FOLDER}/{item.path}", quote=True)
    return f'<a href="{href}">{escape_markdown_cell(text)}</a>'


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _hex(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError(f"not a SHA-256 digest: {value!r}")
    return value


TRIGGER_NAMES = {"\t": "制表符", "\r": "回车符"}


def fts_example_sql(query: str = FTS_EXAMPLE) -> str:
    """The SQL of the full-text example on the 开放数据 page (the tests run it as it is)."""
    return (
        "SELECT r.entity_name, r.uscc, r.item, r.outcome, r.inspected_on\n"
        f"FROM {FTS_TABLE}\n"
        f"JOIN results AS r ON r.rowid = {FTS_TABLE}.rowid\n"
        f"WHERE {FTS_TABLE} MATCH '{query}'\n"
        "ORDER BY r.inspected_on DESC, r.result_id;"
    )


def indent_code(text: str) -> str:
    """A Markdown code block (the site has no fenced-code extension)."""
    return "\n".join(f"    {line}" for line in text.splitlines())
