"""The ``gongkai`` command line: parses arguments and calls the stages, nothing more."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from generator import __version__
from generator.cli import clickzh
from generator.draws.verify_draw import DRAND_CHAINS

clickzh.install()  # before the commands are declared: click.Path names its noun when created

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

data_dir_argument = click.argument(
    "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DATA_DIR"
)


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
    """


@cli.command(name="validate")
@data_dir_argument
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 报告。Print the report as one JSON object.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="显示进度条（默认：终端中显示）。Show a progress bar (default: when on a terminal).",
)
def validate_command(data_dir: Path, as_json: bool, progress: bool | None) -> None:
    """校验数据目录中的全部导出文件。Validate every export file in DATA_DIR.

    逐行核对：读入行数 = 公示行数 + 隔离行数 + 不予公示行数。每个错误注明文件、行号、列名、
    错误代码、说明和修改建议。

    Every row is accounted for: rows in = published + quarantined + withheld. Each error names
    the file, the row as the spreadsheet shows it, the column header, a code and a fix.

    \b
    退出码 / Exit codes:
      0  全部行有效 / every row is valid
      1  有行被隔离 / some rows or files were quarantined
      2  无法运行 / the command could not run (missing folder, no export files)
    """
    from generator.validate.folder import validate_folder

    show_progress = (not as_json and sys.stderr.isatty()) if progress is None else progress
    report = validate_folder(data_dir, progress=show_progress)
    summary = report.to_dict()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _print_summary(summary)
    sys.exit(1 if summary["errors"] else 0)


def _print_summary(summary: dict[str, Any]) -> None:
    """Print the Chinese validation summary."""
    click.echo(
        f"读入 {summary['rows_in']} 行 = 公示 {summary['rows_published']} 行"
        f" + 隔离 {summary['rows_quarantined']} 行 + 不予公示 {summary['rows_withheld']} 行"
        f"（{'核对一致' if summary['balanced'] else '核对不一致'}）"
    )
    for entry in summary["files"]:
        kind = entry["kind_title"] or "未识别"
        click.echo(
            f"  {entry['path']}  [{kind}]  读入 {entry['rows_in']}，公示 {entry['rows_published']}，"
            f"隔离 {entry['rows_quarantined']}，不予公示 {entry['rows_withheld']}"
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
def build_command(
    data_dir: Path,
    out_dir: Path,
    previous: Path | None,
    allow_mass_deletion: bool,
    progress: bool | None,
) -> None:
    """生成公示网站。Build the public website from DATA_DIR.

    先校验（同 validate），再生成 MkDocs 网站；先在临时目录生成，检查通过后整体替换 OUT。

    Validates first (as `validate` does), then builds the MkDocs site into a temporary folder
    and swaps it into OUT only when everything succeeded.

    \b
    退出码 / Exit codes:
      0  已生成，全部行有效 / built, every row valid
      1  已生成，有行被隔离 / built, some rows quarantined
      2  无法生成 / could not build
    """
    from generator.build import build_site

    show_progress = sys.stderr.isatty() if progress is None else progress
    summary = build_site(
        data_dir,
        out_dir,
        progress=show_progress,
        previous=previous,
        allow_mass_deletion=allow_mass_deletion,
    )
    click.echo(
        f"网站已生成：{out_dir}（公示 {summary['rows_published']} 行，"
        f"隔离 {summary['rows_quarantined']} 行，不予公示 {summary['rows_withheld']} 行）"
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
    """本地预览已生成的网站。Serve a built site for a look (default site/)."""
    from generator.build import serve_site

    serve_site(site_dir, host=host, port=port)


# Verifiable draws (generator/draws.py; checks in generator/verify_draw.py)

_DRAND_CHAINS = {name: chain for name, (chain, _genesis, _period) in DRAND_CHAINS.items()}
_input = click.Path(exists=True, dir_okay=False, path_type=Path)
draw_dir_argument = click.argument("draw_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DRAW_DIR")


def draw_input_options(command: Any) -> Any:
    """Options shared by ``draw commit`` and ``draw reveal``: the regulator's private inputs."""
    for option in reversed([
        click.option("--task", "task_file", type=_input, required=True,
                     help="任务定义（YAML，示例见 docs/draws.md）：任务、抽取比例或数量、排除规则。Task definition (YAML)."),
        click.option("--population", type=_input,
                     help="检查对象名录（XLSX/CSV）。Population export (targets)."),
        click.option("--inspectors", type=_input,
                     help="执法检查人员名录（CSV/JSON）。Inspector list."),
        click.option("--recuse-against", type=_input,
                     help="检查对象抽取的回执，用于回避。The targets receipt, for recusal."),
        click.option("--secret-file", type=_input, required=True,
                     help="监管部门保管的密钥文件（不得公开）。The regulator's secret key file (never publish it)."),
    ]):
        command = option(command)
    return command


def _draw_inputs(task_file: Path, population: Path | None, inspectors: Path | None,
                 recuse_against: Path | None, secret_file: Path) -> tuple[Any, list[Any], dict[str, int], bytes]:
    from generator.core.errors import GongkaiError
    from generator.draws import commitment as draws
    from generator.draws import population as inputs

    secret = secret_file.read_bytes().strip()
    if len(secret) < 16:
        raise GongkaiError(f"密钥文件 {secret_file} 太短（至少 16 字节）。请用随机生成的密钥")
    spec = inputs.load_spec(task_file)
    if spec.kind == draws.TARGETS_KIND:
        if population is None:
            raise GongkaiError("抽取检查对象需要 --population（检查对象名录）")
        members, excluded = inputs.target_members(inputs.read_population(population), spec)
    else:
        if inspectors is None:
            raise GongkaiError("抽取执法检查人员需要 --inspectors（执法检查人员名录）")
        drawn: set[str] = set()
        if recuse_against is not None:
            drawn = _receipt_ids(recuse_against)
        members, excluded = inputs.inspector_members(inputs.read_inspectors(inspectors), spec, secret, drawn)
    if not members:
        raise GongkaiError("按任务定义筛选后没有可抽取的对象。请检查名录和任务定义中的范围")
    return spec, draws.build_strata(members, spec, secret), excluded, secret


def _receipt_ids(path: Path) -> set[str]:
    """The ids drawn in a targets receipt (``--recuse-against``)."""
    from generator.core.errors import GongkaiError

    unreadable = f"--recuse-against {path} 不是可读的检查对象抽取回执（receipt.json）"
    try:
        receipt = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GongkaiError(f"{unreadable}：{exc}。请给出检查对象抽取生成的 receipt.json") from exc
    strata = receipt.get("strata") if isinstance(receipt, dict) else None
    if not (isinstance(strata, list) and all(isinstance(s, dict) and isinstance(s.get("drawn"), list) for s in strata)):
        raise GongkaiError(f"{unreadable}：缺少 strata/drawn 抽中名单。请给出检查对象抽取生成的 receipt.json")
    ids = [m.get("id") if isinstance(m, dict) else None for s in strata for m in s["drawn"]]
    if not all(isinstance(i, str) for i in ids):
        raise GongkaiError(f"--recuse-against {path} 中抽中者的编号（id）应为文字。请给出 gongkai 生成的 receipt.json")
    return set(ids)


def _source_from(source_file: Path | None, drand_round: int | None, drand_chain: str) -> dict[str, Any]:
    from generator.core.errors import GongkaiError
    from generator.draws import verify_draw as vd

    if (source_file is None) == (drand_round is None):
        raise GongkaiError("请给出一个随机来源：--drand-round 轮次，或 --source 来源定义文件（JSON）")
    if source_file is not None:
        try:
            return json.loads(source_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GongkaiError(f"无法读取随机来源定义 {source_file}：{exc}") from exc
    chain, genesis, period = vd.DRAND_CHAINS[drand_chain]
    return {"kind": "drand", "chain_hash": chain, "genesis_time": genesis, "period": period, "round": drand_round}


source_options = [
    click.option("--drand-round", type=int, help="约定的 drand 轮次（须晚于承诺时间）。The future drand round."),
    click.option("--drand-chain", type=click.Choice(sorted(_DRAND_CHAINS)), default="default", show_default=True,
                 help="drand 链。drand chain."),
    click.option("--source", "source_file", type=_input,
                 help="随机来源定义（JSON：drand、nist-beacon 或 public-numbers，写法见 docs/draws.md）。Source definition."),
]


@cli.group(name="draw")
def draw_group() -> None:
    """可验证抽取：承诺、作废重抽、揭示。Verifiable draws: commit, void, reveal.

    \b
    示例 / Examples:
      gongkai draw commit --task task.yml --population 名录.xlsx --secret-file key \\
          --drand-round 4380000 --at 2024-12-02T09:00:00+08:00 \\
          --reveal-by 2024-12-03T18:00:00+08:00 --out draws/GK-1-D
      gongkai draw reveal draws/GK-1-D --task task.yml --population 名录.xlsx \\
          --secret-file key --value round.json --at 2024-12-02T10:05:00+08:00
      gongkai verify draws/GK-1-D
    """


@draw_group.command(name="commit")
@draw_input_options
@click.option("--at", "committed_at", required=True, help="承诺时间（ISO 8601，带时区）。Commitment time.")
@click.option("--reveal-by", required=True, help="揭示期限（ISO 8601，带时区）。Reveal deadline.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="写入 commitment.json 的文件夹。Folder for commitment.json.")
def draw_commit_command(task_file: Path, population: Path | None, inspectors: Path | None,
                        recuse_against: Path | None, secret_file: Path, committed_at: str, reveal_by: str,
                        out_dir: Path, **source: Any) -> None:
    """写出抽取承诺（在随机数产生之前公布）。Write a draw commitment, to publish before the seed exists.

    承诺包含：任务、算法、事先约定的随机来源、排除数量、各分层的数量和加盐成员摘要。不含任何企业的
    信用风险分类，也不含未抽中主体的名称或代码。

    The commitment holds the task, algorithm, the randomness source named in advance, exclusion
    counts and, per stratum, its size, sample size and salted member commitments.
    """
    from generator.draws import commitment as draws

    spec, strata, excluded, secret = _draw_inputs(task_file, population, inspectors, recuse_against, secret_file)
    commitment = draws.make_commitment(spec, strata, excluded, secret, _source_from(**source), committed_at, reveal_by)
    if (out_dir / "commitment.json").exists():
        from generator.core.errors import GongkaiError

        raise GongkaiError(f"{out_dir}/commitment.json 已存在。承诺一经公布不得改写；新的抽取请用新的文件夹")
    draws.write_draw_files(out_dir, {"commitment.json": draws.dump(commitment)})
    sizes = "，".join(f"{s.label} {len(s.leaves)} 抽 {s.sample_size}" for s in strata)
    click.echo(f"已写出承诺：{out_dir / 'commitment.json'}（{sizes}）。请立即公布（gongkai build）。")


for _option in source_options:
    draw_commit_command = _option(draw_commit_command)


@draw_group.command(name="void")
@draw_dir_argument
@click.option("--reason", required=True, help="作废理由（公开）。Why the attempt is void (published).")
@click.option("--at", "voided_at", required=True, help="作废登记时间（ISO 8601，带时区）。When.")
def draw_void_command(draw_dir: Path, reason: str, voided_at: str, **source: Any) -> None:
    """作废当前抽取并约定下一次的随机来源。Void the current attempt and name the next source.

    作废记录写入 reveal.json，必须立即公布；下一次的随机数必须在登记之后才产生。
    The log goes into reveal.json and must be published at once.
    """
    from generator.draws import commitment as draws
    from generator.draws import verify_draw as vd

    commitment_bytes = _read_draw_file(draw_dir, "commitment.json")
    commitment = _json_document(commitment_bytes, draw_dir / "commitment.json")
    attempts = _attempt_log(draw_dir, commitment_bytes)
    log = draws.void_attempt(attempts, reason, voided_at, _source_from(**source))
    reveal = {"type": vd.REVEAL_TYPE, "version": vd.FORMAT_VERSION, "task_id": commitment.get("task_id"),
              "draw_id": commitment.get("draw_id"),
              "commitment_sha256": vd.sha256_hex(commitment_bytes), "attempts": log}
    draws.write_draw_files(draw_dir, {"reveal.json": draws.dump(reveal)})
    (draw_dir / "receipt.json").unlink(missing_ok=True)
    click.echo(f"已登记第 {len(log) - 1} 次抽取作废，第 {len(log)} 次将使用新的随机来源。请立即公布。")


for _option in source_options:
    draw_void_command = _option(draw_void_command)


@draw_group.command(name="reveal")
@draw_dir_argument
@draw_input_options
@click.option("--value", "value_file", type=_input, required=True,
              help="随机来源公布的值（JSON，如 drand 的 /public/<round> 响应；写法见 docs/draws.md）。The source's value.")
@click.option("--at", "revealed_at", required=True, help="揭示时间（ISO 8601，带时区）。Reveal time.")
def draw_reveal_command(draw_dir: Path, task_file: Path, population: Path | None, inspectors: Path | None,
                        recuse_against: Path | None, secret_file: Path, value_file: Path, revealed_at: str) -> None:
    """揭示随机数并抽取，写出揭示记录、回执和抽取记录表。Reveal the seed and draw.

    写出 reveal.json（每次抽取的记录）、receipt.json（抽中名单及其盐值）和 抽取记录.csv
    （gongkai build 读入的抽取记录表，不含信用风险分类）。

    Writes reveal.json (the attempt log), receipt.json (drawn members with their salts) and
    抽取记录.csv (the draws table, without risk classes).
    """
    from generator.core.errors import GongkaiError
    from generator.draws import commitment as draws

    commitment_bytes = _read_draw_file(draw_dir, "commitment.json")
    _json_document(commitment_bytes, draw_dir / "commitment.json")
    _spec, strata, _, secret = _draw_inputs(task_file, population, inspectors, recuse_against, secret_file)
    try:
        value = json.loads(value_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GongkaiError(f"无法读取随机数 {value_file}（不是 UTF-8 JSON：{exc}）。{draws.VALUE_EXAMPLES}") from exc
    reveal = draws.dump(draws.make_reveal(commitment_bytes, _attempt_log(draw_dir, commitment_bytes), value, revealed_at))
    receipt_doc = draws.make_receipt(commitment_bytes, reveal, strata, secret)
    receipt = draws.dump(receipt_doc)
    draws.write_draw_files(draw_dir, {"reveal.json": reveal, "receipt.json": receipt})
    draws.write_draws_csv(draw_dir / "抽取记录.csv",
                          draws.draws_table_rows(json.loads(commitment_bytes), receipt_doc))
    count = sum(len(s["drawn"]) for s in receipt_doc["strata"])
    click.echo(f"已抽取 {count} 个（第 {receipt_doc['attempt']} 次抽取），随机种子 {receipt_doc['seed']}。"
               f"文件在 {draw_dir}；请公布并用 gongkai verify 核对。")


def _read_draw_file(draw_dir: Path, name: str) -> bytes:
    from generator.core.errors import GongkaiError

    try:
        return (draw_dir / name).read_bytes()
    except OSError as exc:
        raise GongkaiError(f"找不到 {draw_dir / name}。请先运行 gongkai draw commit") from exc


def _attempt_log(draw_dir: Path, commitment_bytes: bytes) -> list[dict[str, Any]]:
    from generator.core.errors import GongkaiError
    from generator.draws import commitment as draws

    path = draw_dir / "reveal.json"
    if path.is_file():
        try:
            reveal = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise GongkaiError(f"{path} 不是可读的抽取记录（{exc}）。reveal.json 须为 gongkai 生成的 JSON，"
                               "含 attempts 列表；已公布的记录不得手工改动") from exc
        attempts = reveal.get("attempts") if isinstance(reveal, dict) else None
        if not (isinstance(attempts, list) and attempts and all(isinstance(a, dict) for a in attempts)):
            raise GongkaiError(f"{path} 的 attempts 应为非空的抽取记录列表。已公布的记录不得手工改动")
        return attempts
    commitment = _json_document(commitment_bytes, draw_dir / "commitment.json")
    return [draws.first_attempt(commitment)]


def _json_document(data: bytes, path: Path) -> dict[str, Any]:
    """A draw file as a JSON object (commitment.json), or a Chinese error naming it."""
    from generator.core.errors import GongkaiError
    from generator.draws import verify_draw as vd

    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise GongkaiError(f"{path} 不是 UTF-8 JSON：{exc}。请用 gongkai draw commit 重新生成") from exc
    problems = vd.commitment_problems(document)
    if problems:
        raise GongkaiError(f"{path} 格式不对：{'；'.join(problems)}。请用 gongkai draw commit 重新生成")
    return document


@draw_group.command(name="salt")
@draw_dir_argument
@click.option("--member", required=True, metavar="ID", help="主体的统一社会信用代码。The member's id.")
@click.option("--secret-file", type=_input, required=True,
              help="监管部门保管的密钥文件（不得公开）。The regulator's secret key file.")
def draw_salt_command(draw_dir: Path, member: str, secret_file: Path) -> None:
    """告知一个主体它自己的盐值，让它核对自己是否在名录中。Tell a member its own salt.

    未被抽中的主体只以加盐摘要出现在承诺中；拿到自己的盐值后，它可以用 verify_draw.py
    --member … --salt … 核对自己在名录中、属于哪个分层、是否被抽中，而不暴露其他主体。

    An undrawn member appears in the commitment only as a salted leaf; with its own salt it can
    check, with verify_draw.py --member … --salt …, that it was in the population.
    """
    from generator.draws import commitment as draws

    commitment = _json_document(_read_draw_file(draw_dir, "commitment.json"), draw_dir / "commitment.json")
    if commitment.get("drawn_kind") == draws.TARGETS_KIND:
        from generator.core.values import normalise_identifier

        member = normalise_identifier(member)  # as the 名录 writes codes: "…x" is "…X"
    salt = draws.member_salt(secret_file.read_bytes().strip(), commitment.get("task_id"),
                             commitment.get("draw_id"), member.strip())  # fmt: skip
    click.echo(salt)
    click.echo(
        f"本主体可运行：python3 verify_draw.py {draw_dir} --member {member.strip()} --salt {salt}",
        err=True,
    )


@cli.command(name="verify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path),
                metavar="FILE_OR_DIR...")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。Print the result as JSON.")
@click.option("--member", default=None, metavar="ID",
              help="查自己：本主体的统一社会信用代码（与 --salt 一起）。Your own id, to find yourself.")
@click.option("--salt", default=None, metavar="SALT",
              help="监管部门告知本主体的盐值（gongkai draw salt）。The salt the regulator gave you.")
def verify_command(paths: tuple[Path, ...], as_json: bool, member: str | None, salt: str | None) -> None:
    """验证一次公布的抽取。Verify a published draw (commitment, reveal, receipt).

    与网站上可下载的 verify_draw.py 和“抽取验证”页面运行同样的检查：名录摘要、抽取数量、随机数
    来源与时间、每次抽取的记录、抽中名单能否复现。

    Runs the same checks as the downloadable verify_draw.py and the 抽取验证 page.

    \b
    示例 / Examples:
      gongkai verify site/draws/GK-140902202412021039-D/
      gongkai verify commitment.json reveal.json receipt.json --json

    \b
    退出码 / Exit codes:
      0  全部检查通过 / every check passed
      1  有检查未通过 / a check failed
      2  文件无法读取 / the files could not be read
    """
    from generator.core.errors import GongkaiError
    from generator.draws import verify_draw as vd

    try:
        files = vd.load_files(list(paths))
    except ValueError as exc:
        raise GongkaiError(str(exc)) from exc
    if (member is None) != (salt is None):
        raise click.UsageError("--member 和 --salt 要一起给出")
    outcome = vd.verify_draw(files)
    report, text = outcome.to_dict(), vd.format_outcome(outcome)
    found = vd.find_member(files, member, salt) if member and salt else None
    if member:
        report["member"] = {"id": member, "found": found is not None, **(found or {})}
        text += "\n" + vd.format_member(member, found)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else text)
    sys.exit(0 if outcome.ok and (member is None or found is not None) else 1)


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
    """填写长安区“双随机、一公开”月报表。Fill the monthly form (月报表) from DATA_DIR.

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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="gongkai")
