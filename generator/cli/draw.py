"""``gongkai draw …`` and ``gongkai verify``: verifiable draws from the command line.

The stages are in :mod:`generator.draws` (commitment, population, published) and the checks in
:mod:`generator.draws.verify_draw`, the verifier the site offers for download.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from generator.cli import clickzh
from generator.draws.verify_draw import DRAND_CHAINS

clickzh.install()  # before the commands are declared: click.Path names its noun when created

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


@click.group(name="draw")
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

    \b
    退出码 / Exit codes:
      0  已写出 / written
      2  无法运行（输入文件有误、磁盘已满等，见错误说明）/ could not run
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

    \b
    退出码 / Exit codes:
      0  已写出 / written
      2  无法运行（输入文件有误、磁盘已满等，见错误说明）/ could not run
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

    \b
    退出码 / Exit codes:
      0  已写出 / written
      2  无法运行（输入文件有误、磁盘已满等，见错误说明）/ could not run
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

    \b
    退出码 / Exit codes:
      0  已写出 / written
      2  无法运行（输入文件有误、磁盘已满等，见错误说明）/ could not run
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


@click.command(name="verify")
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
