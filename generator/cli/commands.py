"""The ``gongkai`` command line: parses arguments and calls the stages, nothing more."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from generator import __version__
from generator.cli import clickzh, failures
from generator.cli.audit import audit_command
from generator.cli.draw import draw_group, verify_command

clickzh.install()  # before the commands are declared: click.Path names its noun when created

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

data_dir_argument = click.argument(
    "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DATA_DIR"
)
corrections_option = click.option(
    "--corrections",
    "corrections_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="待更正.xlsx",
    help="把被隔离的行写成更正表（每个文件一个工作表，错误单元格标黄并批注）；改好后放回数据目录即可。"
    "Write the quarantined rows to a correction workbook; fix the cells and drop it into DATA_DIR.",
)

cache_dir_option = click.option(
    "--cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="校验缓存目录（默认 $XDG_CACHE_HOME/gongkai/validation，未设置时为 ~/.cache/gongkai/validation）："
    "未变的导出文件不再重新读取和校验，结果逐字节相同；缓存含未脱敏的原始数据，仅本人可读，"
    "14 天未用的条目自动删除。Where each file's validation is cached, so unchanged exports are "
    "not read again (private; entries unused for 14 days are removed).",
)
no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    default=False,
    help="不使用校验缓存：每个文件都重新读取和校验，不写入缓存。Read and validate every file; write no cache.",
)


def _cache_dir(cache_dir: Path | None, no_cache: bool) -> Path | None:
    """The cache folder the options choose, or ``None`` for no cache."""
    if no_cache and cache_dir is not None:
        raise click.UsageError("--cache-dir 与 --no-cache 不能同时使用")
    if no_cache:
        return None
    from generator.validate.cache import default_cache_dir

    return cache_dir or default_cache_dir()


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="gongkai")
def cli() -> None:
    """gongkai（公开）：双随机、一公开 数据发布工具。

    校验监管平台导出的抽查计划、任务、抽取记录和检查结果，生成公示网站、开放数据和订阅源。

    gongkai publishes China's 双随机、一公开 market-supervision data: it validates the
    regulator's exports and turns them into a static website, open datasets and feeds.

    \b
    示例 / Examples:
      gongkai validate data/            # 校验并打印中文质量报告 / validate, print a report
      gongkai validate data/ --json     # 机器可读的报告 / machine-readable report
      gongkai build data/ --out site/   # 生成网站 / build the site
      gongkai serve site/               # 本地预览 / preview on 127.0.0.1:8000
      gongkai draw commit|void|reveal   # 可验证抽取 / verifiable draws
      gongkai verify draws/GK-…/        # 验证抽取 / verify a draw
      gongkai report monthly data/ --month 2024-05 --out 月报表.xlsx   # 月报表 / monthly form

    \b
    退出码 / Exit codes:
      0    完成，全部正常 / done, all good
      1    完成，但数据有问题：有行被隔离或拒收，或抽取验证未通过 / done, problems in the data
      2    无法运行：错误说明在标准错误输出，意外错误另写日志 / could not run (see stderr, log)
      130  已中断（Ctrl+C）/ interrupted
    """


@cli.command(name="validate")
@data_dir_argument
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 报告。Print the report as one JSON object.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="显示进度条（默认：终端中显示）。Show a progress bar (default: when on a terminal).",
)
@corrections_option
@cache_dir_option
@no_cache_option
def validate_command(
    data_dir: Path,
    as_json: bool,
    progress: bool | None,
    corrections_file: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """校验数据目录中的全部导出文件。Validate every export file in DATA_DIR.

    逐行核对：读入行数 = 公示行数 + 隔离行数 + 不予公示行数。每个错误注明文件、行号、列名、
    错误代码、说明和修改建议。

    Every row is accounted for: rows in = published + quarantined + withheld. Each error names
    the file, the row as the spreadsheet shows it, the column header, a code and a fix.

    更正表 / Correction workbook: --corrections 待更正.xlsx 写出被隔离的行（原列、原顺序，不含不予
    公示的列）。在表中改正标黄的单元格，把文件放进数据目录，下次校验时这些行按改正后的内容读入，
    仍计入原文件、原行号，不会重复；仍有错误的行会再次写入更正表。原文件已修改或重新导出时，更正表
    中对应的行不再使用。The rows keep their file and row number, so nothing is counted twice.

    \b
    退出码 / Exit codes:
      0  全部行有效 / every row is valid
      1  有行被隔离，或有文件被拒收 / some rows quarantined, or files refused
      2  无法运行 / could not run (missing folder, no export files, disk full, internal error)
    """
    from generator.validate.cache import ValidationCache
    from generator.validate.folder import validate_folder

    show_progress = (not as_json and sys.stderr.isatty()) if progress is None else progress
    folder = _cache_dir(cache_dir, no_cache)
    cache = ValidationCache(folder) if folder is not None else None
    report = validate_folder(data_dir, progress=show_progress, cache=cache)
    if cache is not None:
        cache.prune()
    summary = report.to_dict()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _print_summary(summary)
    if corrections_file is not None:
        from generator.validate.corrections import write_corrections

        written = write_corrections(report, data_dir, corrections_file)
        click.echo(f"更正表已写出：{corrections_file}（{written} 行待更正）", err=as_json)
    sys.exit(1 if summary["errors"] else 0)


def _print_summary(summary: dict[str, Any]) -> None:
    """Print the Chinese validation summary; a refused file is named with its rows (or bytes),
    the reason and what to do."""
    refused = [f for f in summary["files"] if f["kind"] is None]
    amounts = {
        f["path"]: f"{f['bytes_refused']} 字节（行数无法统计）" if f.get("bytes_refused")
        else f"{f.get('rows_refused', 0)} 行"
        for f in refused
    }  # fmt: skip
    named = "；拒收文件：" + "、".join(f"{p}（{a}）" for p, a in amounts.items()) if refused else ""
    click.echo(
        f"读入 {summary['rows_in']} 行 = 公示 {summary['rows_published']} 行"
        f" + 隔离 {summary['rows_quarantined']} 行 + 不予公示 {summary['rows_withheld']} 行"
        f" + 拒收 {summary.get('rows_refused', 0)} 行"
        f"（{'核对一致' if summary['balanced'] else '核对不一致'}{named}）"
    )
    for entry in summary["files"]:
        kind = entry["kind_title"] or "未识别"
        click.echo(
            f"  {entry['path']}  [{kind}]  读入 {entry['rows_in']}，公示 {entry['rows_published']}，"
            f"隔离 {entry['rows_quarantined']}，不予公示 {entry['rows_withheld']}"
            f"，拒收 {entry.get('rows_refused', 0)}"
        )
    reasons = {i["file"]: i for i in summary["errors"] if i.get("row") is None}
    for path, amount in amounts.items():
        reason = reasons.get(path, {})
        click.echo(
            f"拒收文件 {path}：{amount}未读入，{reason.get('message', '无法读取')}。"
            f"处理办法：{reason.get('hint', '请重新导出该文件')}"
        )
    records = "，".join(f"{k} {v}" for k, v in summary["records"].items())
    click.echo(f"发布记录数：{records}")
    for title, issues in (("错误", summary["errors"]), ("提醒", summary["warnings"])):
        if not issues:
            continue
        click.echo(f"\n{title}（{len(issues)}）：")
        for issue in issues:
            value = f"（值：{issue['value']}）" if "value" in issue else ""
            click.echo(f"  [{issue['code']}] {issue['file']}：{issue['message']}{value}")
            click.echo(f"      修改建议：{issue['hint']}")
    if not summary["errors"]:
        click.echo("\n全部行校验通过。")


@cli.command(name="build")
@data_dir_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="网站输出目录。Where to write the site.",
)
@click.option(
    "--previous",
    "previous",
    type=click.Path(path_type=Path),
    default=None,
    help=(
        "上一次发布的网站目录（可与 --out 相同）：沿用其发布历史，生成 data/delta.json 和更新日志，"
        "变化的记录显示更正说明，撤回的记录显示撤回公告。"
        "The last published site (may equal --out): its release history is carried forward "
        "and data/delta.json lists what changed since."
    ),
)
@click.option(
    "--allow-mass-deletion",
    is_flag=True,
    default=False,
    help=(
        "确认大批已公示的记录从数据中消失（未声明撤回），或某一列在大批记录中被清空，也照常发布；"
        "否则生成中止。Publish even when many records of --previous vanished without a declared "
        "撤回, or one field was emptied on many of them."
    ),
)
@click.option("--progress/--no-progress", default=None, help="显示进度条。Show a progress bar.")
@click.option(
    "--timings",
    is_flag=True,
    help=(
        "生成后在标准错误输出各阶段的用时、CPU 时间和峰值内存。"
        "Print each stage's wall time, CPU time and peak memory to stderr after the build."
    ),
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="进程数",
    default=None,
    help=(
        "本机并行进程数（默认按数据量自动选择：小数据 1 个，大数据最多 4 个）；输出与进程数无关。"
        "Local processes for record pages and datasets (default: by data size)."
    ),
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help=(
        "Dask 调度器地址（如 tcp://10.0.0.5:8786）：校验、记录页和开放数据按分片在该集群上生成，"
        "输出与本机生成逐字节相同；各节点需安装相同版本的 gongkai[cluster]。"
        "Run the validation, record-page and dataset shards on this Dask cluster; the same bytes out."
    ),
)
@click.option(
    "--changed-files",
    "changed_files",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=(
        "与 --previous 同用：把与上一版相比新增（A）、修改（M）、删除（D）的文件列表写到该文件，"
        "供部署时只上传变化的文件。未变的文件保留原文件和修改时间。"
        "With --previous: write the added (A), changed (M) and removed (D) files there."
    ),
)
@click.option(
    "--in-place",
    "in_place",
    is_flag=True,
    default=False,
    help=(
        "就地更新（--previous 与 --out 为同一目录时）：只把变化的文件写入网站目录，不再整体替换，"
        "日常发布更快。写入以日志保护：中断时下次生成先恢复上一版；写入的几毫秒内访问者可能看到新旧页面混合。"
        "With --previous equal to --out: move only the changed files into the site instead of "
        "swapping in a whole new folder (journaled; see docs/scale.md)."
    ),
)
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default="mkdocs",
    show_default=True,
    help=(
        "生成编辑页面（首页、计划、手册、统计等）的引擎：默认 MkDocs + Material；zensical 用 Zensical"
        "（需安装 gongkai[zensical]），读取同一个 mkdocs.yml。记录页、搜索、开放数据和订阅源与引擎无关。"
        "What builds the editorial pages: MkDocs + Material (default) or Zensical, from the same mkdocs.yml."
    ),
)
@corrections_option
@cache_dir_option
@no_cache_option
def build_command(
    data_dir: Path,
    out_dir: Path,
    previous: Path | None,
    allow_mass_deletion: bool,
    progress: bool | None,
    timings: bool,
    workers: int | None,
    scheduler: str | None,
    changed_files: Path | None,
    in_place: bool,
    corrections_file: Path | None,
    engine: str,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """生成公示网站。Build the public website from DATA_DIR.

    先校验（同 validate），再生成 MkDocs 网站；先在临时目录生成，检查通过后整体替换 OUT
    （--in-place：只把变化的文件写入 OUT）。

    Validates first (as `validate` does), then builds the MkDocs site into a temporary folder
    and swaps it into OUT only when everything succeeded (--in-place: moves only the changed
    files into OUT).

    \b
    退出码 / Exit codes:
      0  已生成，全部行有效 / built, every row valid
      1  已生成，有行被隔离或文件被拒收 / built, some rows quarantined or files refused
      2  无法生成，上一版网站保持不变 / could not build; the previous site is left as it was
    """
    from generator.build import build_site
    from generator.core.console import recording_timings, timings_table

    if in_place and previous is None:
        raise click.UsageError("--in-place 需要与 --previous 一起使用，且 --previous 与 --out 为同一目录")
    if changed_files is not None and previous is None:
        raise click.UsageError("--changed-files 需要与 --previous 一起使用：要与上一版比较才知道哪些文件变了")
    show_progress = sys.stderr.isatty() if progress is None else progress
    folder = _cache_dir(cache_dir, no_cache)
    with recording_timings() as stages:
        summary = build_site(
            data_dir,
            out_dir,
            progress=show_progress,
            previous=previous,
            allow_mass_deletion=allow_mass_deletion,
            corrections_file=corrections_file,
            workers=workers,
            scheduler=scheduler,
            changed_files=changed_files,
            engine=engine,
            cache_dir=folder,
            in_place=in_place,
        )
    if timings:
        click.echo(timings_table(stages), err=True)
    if corrections_file is not None:
        click.echo(f"更正表已写出（仅供发布单位使用，不在网站中）：{corrections_file}")
    click.echo(
        f"网站已生成：{out_dir}（公示 {summary['rows_published']} 行，"
        f"隔离 {summary['rows_quarantined']} 行，不予公示 {summary['rows_withheld']} 行，"
        f"拒收 {summary['rows_refused']} 行）"
    )
    from generator.model.releases import published_deletions

    gone = published_deletions(out_dir) if previous is not None else {}
    if gone:
        from generator.model.tables import published_tables

        titles = {name: table.title for name, table in published_tables().items()}
        counts = "，".join(f"{titles.get(name, name)} {n} 条" for name, n in gone.items())
        click.echo(
            f"注意：上一版公示的记录中有 {counts} 在本次数据中消失且未声明撤回，"
            "已作为未说明原因的删除或撤回发布（见 data/delta.json）。",
            err=True,
        )
    if summary["errors"]:
        click.echo("有行被隔离，详见网站的“数据质量报告”或 gongkai validate。", err=True)
    sys.exit(1 if summary["errors"] else 0)


@cli.command(name="serve")
@click.argument(
    "site_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("site"),
    metavar="[SITE_DIR]",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="端口。Port.")
def serve_command(site_dir: Path, host: str, port: int) -> None:
    """本地预览已生成的网站。Serve a built site for a look (default site/).

    \b
    退出码 / Exit codes:
      0  按 Ctrl+C 停止 / stopped with Ctrl+C
      2  无法启动（目录不存在、端口被占用）/ could not start (no folder, port taken)
    """
    from generator.publish.site.preview import serve_site

    serve_site(site_dir, host=host, port=port)


@cli.group(name="report")
def report_group() -> None:
    """生成报表。Reports for the supervising office.

    \b
    示例 / Example:
      gongkai report monthly data/ --month 2024-05 --out 月报表_2024-05.xlsx
    """


@report_group.command(name="monthly")
@data_dir_argument
@click.option("--month", required=True, metavar="YYYY-MM", help="报告月份，如 2024-05。The month.")
@click.option(
    "--department",
    default=None,
    help="牵头部门名称（默认：全部部门）。A lead department (default: all departments).",
)
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 XLSX 文件。The XLSX file to write.",
)
def report_monthly_command(
    data_dir: Path, month: str, department: str | None, out_file: Path
) -> None:
    """填写“双随机、一公开”月报表（长双随机办〔2024〕3号附件的格式）。Fill the monthly form (月报表) from DATA_DIR.

    “二、开展情况”的数字由数据统计（与网站“统计”页的月度数字相同）；“一、安排部署情况”
    留空，由填报单位填写。

    Section 二 (checks run, enterprises checked, problems found, items, results published)
    is counted from the data, with the same figures as the site's monthly page; section 一
    (meetings, documents, training) is left blank for the operator.

    \b
    退出码 / Exit codes:
      0  已生成 / written
      2  无法生成（月份、部门或数据目录有误）/ could not run
    """
    from generator.build import CONFIG_FILE
    from generator.draws.published import load_draws
    from generator.publish.site.statistics_pages import website_label
    from generator.stats.compute import statistics_for_folder
    from generator.stats.monthly import check_month, write_monthly_report
    from generator.validate.folder import validate_folder

    check_month(month)
    validated = validate_folder(data_dir)
    statistics = statistics_for_folder(validated, data_dir, load_draws(data_dir))
    figures = write_monthly_report(
        statistics, month, out_file, department=department, website=website_label(CONFIG_FILE)
    )
    click.echo(
        f"月报表已生成：{out_file}（{month}，{department or '全部部门'}：抽查 {figures['checks']} 次、"
        f"{figures['inspections']} 户次，发现问题 {figures['problems']} 户次，"
        f"公示 {figures['published']} 户次）"
    )


cli.add_command(draw_group)
cli.add_command(verify_command)
cli.add_command(audit_command)


def main() -> None:
    """Console-script entry point: every command ends in :func:`failures.run_cli`."""
    sys.exit(failures.run_cli(cli))
