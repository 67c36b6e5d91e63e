"""A draw run as an operator would: bad inputs give Chinese errors, real export wording works.

Found by running ``gongkai draw`` on a population export that the demo generator did not
make (GBK CSV and XLSX with a title row, wording variants, gsxt status wording, 15-digit
注册号, lowercase codes typed by a citizen, a relative ``--out`` for ``gongkai build``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import valid_code

from generator.build import publish_site
from generator.cli.commands import cli
from generator.draws import verify_draw as vd

COMMITTED_AT = "2026-06-01T09:00:00+08:00"
REVEAL_BY = "2026-06-02T18:00:00+08:00"
HEADER = ["企业名称", "注册号/统一社会信用代码", "市场主体类型", "经营状态", "信用风险分类"]


def _round_after(moment: str) -> int:
    return (int(vd.dt.datetime.fromisoformat(moment).timestamp()) - 1595431050) // 30 + 2


ROUND = _round_after("2026-06-01T10:00:00+08:00")


def _population(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(n: int = 60) -> list[list[str]]:
    classes = ["A类", "低风险", "一般风险", "B", "C类", "高风险"]
    return [[f"杭州市西湖区{k}号小店", valid_code(k), "个体户" if k % 2 else "企业", "存续（在营、开业、在册）",
             classes[k % len(classes)]] for k in range(n)]


def _commit(tmp_path: Path, task: str, population: Path, *extra: str) -> tuple[int, str, Path]:
    (tmp_path / "task.yml").write_text(task, encoding="utf-8")
    (tmp_path / "secret.key").write_bytes(b"operator-test-secret-0123456789")
    out = tmp_path / "draw"
    result = CliRunner().invoke(cli, [
        "draw", "commit", "--task", str(tmp_path / "task.yml"), "--population", str(population),
        "--secret-file", str(tmp_path / "secret.key"), "--at", COMMITTED_AT, "--reveal-by", REVEAL_BY,
        "--out", str(out), *(extra or ("--drand-round", str(ROUND)))])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output, out


TASK = 'task_id: "330106202606010001"\ndraw_id: GK-1-D\n'


def test_relative_out_folder_builds_where_the_operator_is(project_copy, tmp_path, monkeypatch) -> None:
    """`gongkai build data --out site` from any folder: the site lands in ./site, and no
    half-built folder is left next to mkdocs.yml (MkDocs reads a relative site_dir against
    its config file's folder)."""
    from test_build import _report

    work = tmp_path / "operator"
    work.mkdir()
    monkeypatch.chdir(work)
    publish_site(_report(), Path("site"), config_file=project_copy)
    assert (work / "site" / "index.html").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["site"]
    assert not [p.name for p in project_copy.parent.iterdir() if p.name.startswith(".site")]


def _draw_cmd(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_gbk_csv_and_xlsx_with_a_title_row_commit_the_same_population(tmp_path) -> None:
    import openpyxl

    rows = _rows()
    (tmp_path / "csv").mkdir()
    code, out, draw = _commit(tmp_path / "csv", TASK + "ratios: {A: 0.1, B: 0.2, C: 0.5, D: 1}\n",
                              _population(tmp_path / "名录.csv", rows))
    assert code == 0, out
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年度检查对象名录"])
    sheet.append(["序号", "企业名称", "统一社会信用代码/注册号", "企业类型", "登记状态", "信用风险分类"])
    for n, row in enumerate(rows, 1):
        sheet.append([n, *row])
    book.save(tmp_path / "名录.xlsx")
    (tmp_path / "xlsx").mkdir()
    code, out, other = _commit(tmp_path / "xlsx", TASK + "ratios: {A: 0.1, B: 0.2, C: 0.5, D: 1}\n", tmp_path / "名录.xlsx")
    assert code == 0, out
    assert (draw / "commitment.json").read_bytes() == (other / "commitment.json").read_bytes()
    commitment = json.loads((draw / "commitment.json").read_text(encoding="utf-8"))
    # 低风险 is A, 一般风险 B, 高风险 D: four classes, each with its own ratio.
    assert sorted(s["size"] for s in commitment["strata"]) == [10, 10, 20, 20]


def test_class_wording_in_the_task_definition_is_read_like_the_population(tmp_path) -> None:
    population = _population(tmp_path / "名录.csv", _rows())
    results = {}
    for name, ratios in (("plain", "{A: 0.1, B: 0.2, C: 0.5, D: 1}"),
                         ("words", "{低风险: 0.1, 一般风险: 0.2, C类: 0.5, 高风险: 1}")):
        (tmp_path / name).mkdir()
        code, out, draw = _commit(tmp_path / name, TASK + f"ratios: {ratios}\n", population)
        assert code == 0, out
        results[name] = (draw / "commitment.json").read_bytes()
    assert results["plain"] == results["words"]
    for ratios, needle in (("{A: 0.1, B: 0.2, C: 0.5, D: 1, E: 0.5}", "“E”不是信用风险分类"),
                           ("{A: 0.1, A类: 0.2, '*': 0.5}", "分类 A 写了两次")):
        (tmp_path / "bad").mkdir(exist_ok=True)
        code, out, _ = _commit(tmp_path / "bad", TASK + f"ratios: {ratios}\n", population)
        assert code == 2 and needle in out, out


def test_gsxt_closed_statuses_leave_the_population(tmp_path) -> None:
    rows = _rows(12)
    for n, status in enumerate(("吊销，未注销", "吊销，已注销", "注销", "已迁出", "撤销")):
        rows[n][3] = status
    code, out, draw = _commit(tmp_path, TASK + "ratios: {'*': 0.5}\n", _population(tmp_path / "名录.csv", rows))
    assert code == 0, out
    commitment = json.loads((draw / "commitment.json").read_text(encoding="utf-8"))
    assert commitment["exclusions"] == {"已注销、吊销或迁出": 5}
    assert commitment["population_size"] == 7


@pytest.mark.parametrize(("case", "needle"), [
    ("no-code-column", "没有“统一社会信用代码”列"),
    ("no-class-column", "名录中没有信用风险分类"),
    ("a-firm-without-class", "没有信用风险分类，任务定义的 ratios 中没有它的抽取比例"),
    ("unknown-class", "的信用风险分类“未评级”"),
    ("sample-larger-than-stratum", "只有 10 个，少于任务定义 counts 要求抽取的 25 个"),
])
def test_bad_population_or_task_gives_a_chinese_error(tmp_path, case, needle) -> None:
    rows, header, task = _rows(), HEADER, TASK + "ratios: {A: 0.1, B: 0.2, C: 0.5, D: 1}\n"
    if case == "no-code-column":
        header, rows = [h for h in HEADER if "代码" not in h], [r[:1] + r[2:] for r in rows]
    elif case == "no-class-column":
        header, rows = HEADER[:-1], [r[:-1] for r in rows]
    elif case == "a-firm-without-class":
        rows[7][4] = ""
    elif case == "unknown-class":
        rows[7][4] = "未评级"
    else:
        task = TASK + "counts: {A: 2, B: 2, C: 2, D: 25}\n"
    code, out, draw = _commit(tmp_path, task, _population(tmp_path / "名录.csv", rows, header))
    assert code == 2 and needle in out, out
    assert "Traceback" not in out and not draw.exists()


def test_exclusions_match_codes_however_typed_and_unknown_codes_are_reported(tmp_path) -> None:
    rows = _rows(12)
    lower = valid_code(3).lower()
    x_code = next(valid_code(n) for n in range(12, 400) if valid_code(n).endswith("X"))
    rows.append(["杭州末位X有限公司", x_code, "企业", "存续", "A"])
    task = TASK + f"ratios: {{'*': 0.5}}\nexclude: {{'{lower}': 本年度已就同一事项检查, '{x_code.lower()}': 已检查, '91000000000000000X': 打错的代码}}\n"
    code, out, draw = _commit(tmp_path, task, _population(tmp_path / "名录.csv", rows))
    assert code == 0, out
    assert "1 个代码不在名录中，未起作用：91000000000000000X" in out
    commitment = json.loads((draw / "commitment.json").read_text(encoding="utf-8"))
    assert commitment["exclusions"] == {"已检查": 1, "本年度已就同一事项检查": 1}


def test_codes_failing_their_check_character_are_drawn_but_reported_at_commit(tmp_path) -> None:
    rows = _rows(12)
    good = valid_code(5)
    bad = good[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    rows[5][1] = bad
    code, out, draw = _commit(tmp_path, TASK + "ratios: {'*': 0.5}\n", _population(tmp_path / "名录.csv", rows))
    assert code == 0, out
    assert f"1 个代码校验位不通过（第 7 行 {bad}）" in out and "uscc_allowlist" in out
    commitment = json.loads((draw / "commitment.json").read_text(encoding="utf-8"))
    assert commitment["population_size"] == 12  # still drawn from: the regulator may confirm it


def test_a_past_drand_round_names_the_first_round_that_would_do(tmp_path) -> None:
    population = _population(tmp_path / "名录.csv", _rows())
    code, out, _ = _commit(tmp_path, TASK + "ratios: {'*': 0.1}\n", population, "--drand-round", str(ROUND - 200))
    assert code == 2, out
    first = int(out.split("第一个 drand 轮次是 ")[1].split("（")[0])
    assert "+08:00 产生，不晚于承诺时间" in out  # in the operator's own time zone
    code, out, _ = _commit(tmp_path, TASK + "ratios: {'*': 0.1}\n", population, "--drand-round", str(first))
    assert code == 0, out
    assert vd.source_time({"kind": "drand", "chain_hash": vd.DRAND_CHAINS["default"][0], "genesis_time": 1595431050,
                           "period": 30, "round": first - 1}) <= vd.parse_time(COMMITTED_AT)


def _revealed(tmp_path: Path) -> tuple[Path, list[str]]:
    population = _population(tmp_path / "名录.csv", _rows())
    code, out, draw = _commit(tmp_path, TASK + "ratios: {A: 0.1, B: 0.2, C: 0.5, D: 1}\n", population)
    assert code == 0, out
    signature = hashlib.sha256(b"held-out").hexdigest() * 3
    (tmp_path / "value.json").write_text(json.dumps(
        {"round": ROUND, "signature": signature,
         "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest()}), encoding="utf-8")
    reveal = ["draw", "reveal", str(draw), "--task", str(tmp_path / "task.yml"), "--population", str(population),
              "--secret-file", str(tmp_path / "secret.key")]
    return draw, reveal


@pytest.mark.parametrize(("value", "at", "needle"), [
    ("[1, 2, 3]", "2026-06-01T10:30:00+08:00", "--value 应为随机来源公布的 JSON 对象"),
    ("not json", "2026-06-01T10:30:00+08:00", "不是 UTF-8 JSON"),
    ('{"round": 1, "randomness": "ab", "signature": "ab"}', "2026-06-01T10:30:00+08:00", "而不是约定的第"),
    (None, "2026-06-01 10:30", "不是带时区的 ISO 8601 时间"),
    (None, "2026-06-01T09:30:00+08:00", "早于随机数产生的时间 2026-06-01T10:00:30+08:00"),
])
def test_bad_reveal_gives_a_chinese_error(tmp_path, value, at, needle) -> None:
    draw, reveal = _revealed(tmp_path)
    if value is not None:
        (tmp_path / "value.json").write_text(value, encoding="utf-8")
    code, out = _draw_cmd(*reveal, "--value", str(tmp_path / "value.json"), "--at", at)
    assert code == 2 and needle in out, out
    assert not (draw / "reveal.json").exists()


def test_a_citizen_finds_its_firm_whatever_case_it_types(tmp_path) -> None:
    """The regulator and the firm may type a code with a lowercase x; both must still meet
    the leaf the 名录 (which writes codes in upper case) committed."""
    draw, reveal = _revealed(tmp_path)
    code, out = _draw_cmd(*reveal, "--value", str(tmp_path / "value.json"), "--at", "2026-06-01T10:30:00+08:00")
    assert code == 0, out
    receipt = json.loads((draw / "receipt.json").read_text(encoding="utf-8"))
    drawn = {m["id"] for s in receipt["strata"] for m in s["drawn"]}
    member = next(valid_code(n) for n in range(60) if valid_code(n) not in drawn and not valid_code(n).isdigit())
    salts = {_draw_cmd("draw", "salt", str(draw), "--member", typed, "--secret-file",
                       str(tmp_path / "secret.key"))[1].splitlines()[0] for typed in (member, member.lower())}
    assert len(salts) == 1
    typed = " " + member.lower() + " "
    files = vd.load_files([draw])
    found = vd.find_member(files, typed, salts.pop())
    assert found is not None and found["drawn"] is False
    assert vd.format_member(typed, found).startswith(f"✔ {member.lower()} 在名录中")


def test_verifying_a_draw_not_yet_revealed_says_so(tmp_path) -> None:
    code, out, draw = _commit(tmp_path, TASK + "ratios: {'*': 0.1}\n", _population(tmp_path / "名录.csv", _rows()))
    assert code == 0, out
    code, out = _draw_cmd("verify", str(draw))
    assert code == 2 and "这次抽取尚未揭示" in out, out


DOCS = Path(__file__).resolve().parent.parent / "docs" / "draws.md"


def _doc_blocks(language: str) -> list[str]:
    import re

    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_documented_task_definition_and_sources_work(tmp_path) -> None:
    """An operator copies the examples of docs/draws.md: the task definition loads, and each
    documented source with its documented value gives a seed, later than the commitment."""
    from generator.draws.population import load_spec

    (task,) = _doc_blocks("yaml")
    (tmp_path / "task.yml").write_text(task, encoding="utf-8")
    spec = load_spec(tmp_path / "task.yml")
    assert spec.ratios == {"A": 0.03, "B": 0.05, "C": 0.1, "D": 0.3}
    assert spec.exclude == {"91330106MA2B0AAA5X": "本年度已就同一事项检查"}
    blocks = [json.loads(b) for b in _doc_blocks("json")]
    pairs = list(zip(blocks[::2], blocks[1::2]))
    assert sorted(source["kind"] for source, _ in pairs) == sorted(vd.SOURCE_KINDS)
    for source, value in pairs:
        seed, why = vd.derive_seed(source, value)
        assert seed, (source["kind"], why)
        assert vd.source_time(source) > vd.parse_time(COMMITTED_AT), source["kind"]
    lottery = next(value for source, value in pairs if source["kind"] == "public-numbers")
    assert vd.derive_seed(blocks[2], lottery)[0] == "3.11.17.22.28.31./9./0.4.7./"
