"""Verifiable draws: RFC 3797, commit -> reveal -> verify, tampering, privacy, unbiasedness.

The standalone verifier is run as a citizen would run it (a subprocess, from a folder holding
only that file), and the browser verifier in Debian's Chromium; every tamper case must fail
the same named check in both.
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import json
import math
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from helpers import DATA_DIR, valid_code, write_csv

from generator.cli.commands import cli
from generator.core.errors import GongkaiError
from generator.draws import verify_draw as vd
from generator.draws.commitment import (
    TARGETS_KIND,
    DrawSpec,
    Stratum,
    build_strata,
    dump,
    first_attempt,
    make_receipt,
    member_salt,
    void_attempt,
)
from generator.draws.population import load_spec, read_population, target_members
from generator.draws.published import attach_draws, load_draws
from generator.model.entities import build_model
from generator.publish.site.records import render_records
from generator.validate.folder import validate_folder

RFC_KEY = "7.8.11.17.19.25.46./8285182./60115701./2.3.18.26.32.33.42./"
RFC_SELECTION = [138, 151, 89, 112, 117, 145, 118, 143, 144, 122]
NAMES = ("commitment.json", "reveal.json", "receipt.json")
SECRET = b"test-secret-0123456789abcdef"
COMMITTED_AT = "2024-12-02T09:00:00+08:00"
REVEALED_AT = "2024-12-02T10:05:00+08:00"
REVEAL_BY = "2024-12-03T18:00:00+08:00"
DEMO_DRAWS = sorted(p.parent for p in (DATA_DIR / "draws").glob("*/commitment.json"))
PRIVATE_DIR = DATA_DIR.parent / "demo" / "private"
JS_VERIFIER = DATA_DIR.parent / "overrides" / "assets" / "javascripts" / "gongkai-verify-draw.js"


def _round_after(moment: str) -> int:
    seconds = int(vd.dt.datetime.fromisoformat(moment).timestamp())
    return (seconds - 1595431050) // 30 + 2


def _drand_value(round_: int, salt: str = "") -> dict:
    signature = hashlib.sha256(f"sig{round_}{salt}".encode()).hexdigest() * 3
    return {"round": round_, "signature": signature,
            "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest()}


# --------------------------------------------------------------------------------------
# A draw made with the CLI from a population we write here
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    """Population, task definition and secret; one draw committed and revealed by the CLI."""
    root = tmp_path_factory.mktemp("draw")
    population = root / "检查对象名录.csv"
    with population.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "主体类型", "所属行业", "登记状态", "信用风险分类"])
        for n in range(240):
            kind = "个体工商户" if n % 3 else "企业"
            writer.writerow([f"示例县张{n}号小吃店" if kind == "个体工商户" else f"示例县{n}号餐饮有限公司",
                             valid_code(n), kind, "餐饮服务", "注销" if n % 60 == 7 else "存续", "ABBCDA"[n % 6]])
    task = root / "task.yml"
    task.write_text("task_id: T-2024-1\ndraw_id: GK-T-2024-1-D\nratios: {A: 0.05, B: 0.05, C: 0.1, D: 0.3}\n"
                    f"exclude: {{{valid_code(1)}: 本年度已就同一事项检查}}\n", encoding="utf-8")
    secret = root / "secret.key"
    secret.write_bytes(SECRET)
    round_ = _round_after("2024-12-02T10:00:00+08:00")
    value = root / "value.json"
    value.write_text(json.dumps(_drand_value(round_)), encoding="utf-8")
    out = root / "GK-T-2024-1-D"
    runner = CliRunner()
    common = ["--task", str(task), "--population", str(population), "--secret-file", str(secret)]
    result = runner.invoke(cli, ["draw", "commit", *common, "--drand-round", str(round_), "--at", COMMITTED_AT,
                                 "--reveal-by", REVEAL_BY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["draw", "reveal", str(out), *common, "--value", str(value), "--at", REVEALED_AT])
    assert result.exit_code == 0, result.output
    return {"root": root, "dir": out, "population": population, "task": task, "secret": secret,
            "round": round_, "common": common}


def citizen_verify(files: dict[str, bytes], tmp_path: Path) -> dict:
    """Run the published verify_draw.py alone (``python -I``, a folder of its own) on the files."""
    where = tmp_path / "citizen"
    where.mkdir(exist_ok=True)
    shutil.copyfile(vd.__file__, where / "verify_draw.py")
    for name, data in files.items():
        (where / name).write_bytes(data)
    run = subprocess.run([sys.executable, "-I", "verify_draw.py", "--json", *files], cwd=where,
                         capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout)
    assert run.returncode == (0 if result["ok"] else 1)
    return result


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in NAMES}


def test_rfc3797_vector() -> None:
    assert vd.rfc3797_select(RFC_KEY, 154, 10) == RFC_SELECTION
    numbers = [[46, 7, 8, 11, 17, 19, 25], [8285182], [60115701], [2, 3, 18, 26, 32, 33, 42]]
    assert vd.rfc3797_key(numbers) == RFC_KEY


def test_rfc3797_mode_draw_uses_the_vector(made) -> None:
    leaves = sorted(hashlib.sha256(str(n).encode()).hexdigest() for n in range(154))
    chosen = vd.select_leaves(vd.RFC3797_ALGORITHM, RFC_KEY, "t", "d", "S1", leaves, 10)
    assert chosen == [leaves[i - 1] for i in RFC_SELECTION]


def test_commit_reveal_verify_passes_with_the_standalone_verifier(made, tmp_path) -> None:
    result = citizen_verify(_files(made["dir"]), tmp_path)
    assert result["ok"] and result["failed"] == []
    assert [c["name"] for c in result["checks"]] == list(vd.CHECKS)
    commitment = json.loads((made["dir"] / "commitment.json").read_text(encoding="utf-8"))
    assert commitment["exclusions"] == {"已注销、吊销或迁出": 4, "本年度已就同一事项检查": 1}
    assert commitment["population_size"] == 235
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(made["dir"])])
    assert ok.exit_code == 0 and "验证通过" in ok.output


def test_the_draws_table_csv_is_ingested_without_risk_classes(made) -> None:
    from generator.ingest.exports import read_export

    table = read_export(made["dir"] / "抽取记录.csv", "抽取记录.csv")
    assert table.kind == "draws"
    receipt = json.loads((made["dir"] / "receipt.json").read_text(encoding="utf-8"))
    assert [r.values["uscc"] for r in table.rows] == [m["id"] for s in receipt["strata"] for m in s["drawn"]]
    assert all(not r.values.get("risk_class") for r in table.rows)


def test_the_commitment_is_refused_when_the_round_is_already_out(made, tmp_path) -> None:
    runner = CliRunner()
    past = _round_after("2024-12-01T10:00:00+08:00")
    result = runner.invoke(cli, ["draw", "commit", *made["common"], "--drand-round", str(past), "--at", COMMITTED_AT,
                                 "--reveal-by", REVEAL_BY, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "不晚于承诺时间" in result.output
    again = runner.invoke(cli, ["draw", "commit", *made["common"], "--drand-round", str(made["round"]),
                                "--at", COMMITTED_AT, "--reveal-by", REVEAL_BY, "--out", str(made["dir"])])
    assert again.exit_code == 2 and "不得改写" in again.output


def test_a_redraw_is_logged_and_verifies(made, tmp_path) -> None:
    folder = tmp_path / "redraw"
    folder.mkdir()
    shutil.copyfile(made["dir"] / "commitment.json", folder / "commitment.json")
    runner = CliRunner()
    later = made["round"] + 40
    voided = runner.invoke(cli, ["draw", "void", str(folder), "--reason", "信标轮次未能按时取得",
                                 "--at", "2024-12-02T10:10:00+08:00", "--drand-round", str(later)])
    assert voided.exit_code == 0, voided.output
    value = tmp_path / "v.json"
    value.write_text(json.dumps(_drand_value(later)), encoding="utf-8")
    revealed = runner.invoke(cli, ["draw", "reveal", str(folder), *made["common"], "--value", str(value),
                                   "--at", "2024-12-02T10:40:00+08:00"])
    assert revealed.exit_code == 0, revealed.output
    result = citizen_verify(_files(folder), tmp_path)
    assert result["ok"], result["failed"]
    attempts = json.loads((folder / "reveal.json").read_text(encoding="utf-8"))["attempts"]
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, "void"), (2, "used")]


# --------------------------------------------------------------------------------------
# Tampering: each case fails its own named check, in both verifiers
# --------------------------------------------------------------------------------------


def _load(files: dict[str, bytes]) -> tuple[dict, dict, dict]:
    return tuple(json.loads(files[n]) for n in NAMES)  # type: ignore[return-value]


def _relink(commitment: dict, reveal: dict, receipt: dict) -> dict[str, bytes]:
    """Re-chain the hashes after an edit: a consistent forgery, not a careless one."""
    c = dump(commitment)
    reveal = {**reveal, "commitment_sha256": vd.sha256_hex(c)}
    r = dump(reveal)
    receipt = {**receipt, "commitment_sha256": vd.sha256_hex(c), "reveal_sha256": vd.sha256_hex(r)}
    return {"commitment.json": c, "reveal.json": r, "receipt.json": dump(receipt)}


def _strata(made) -> list[Stratum]:
    """The made draw's strata as the regulator sees them (with the secret)."""
    spec = load_spec(made["task"])
    members, _ = target_members(read_population(made["population"]), spec)
    return build_strata(members, spec, SECRET)


def _undrawn_member(made, commitment: dict, receipt: dict) -> tuple[str, dict]:
    """An undrawn member of a stratum with its real salt (what the regulator could swap in)."""
    spec = load_spec(made["task"])
    strata = _strata(made)
    stratum = next(s for s in strata if s.sample_size and len(s.leaves) > s.sample_size)
    drawn = {m["id"] for s in receipt["strata"] for m in s["drawn"]}
    member = next(m for m in stratum.leaves.values() if m.member_id not in drawn)
    salt = member_salt(SECRET, spec.task_id, spec.draw_id, member.member_id)
    return stratum.label, {"id": member.member_id, "salt": salt, "fields": member.fields}


def tamper_cases(made) -> dict[str, tuple[dict[str, bytes], str]]:
    """Name -> (tampered files, the check that must fail)."""
    original = _files(made["dir"])
    cases: dict[str, tuple[dict[str, bytes], str]] = {}
    c, r, t = _load(original)

    edited = copy.deepcopy(r)
    value = edited["attempts"][-1]["value"]
    value["randomness"] = ("0" if value["randomness"][0] != "0" else "1") + value["randomness"][1:]
    cases["seed-changed"] = ({**original, "reveal.json": dump(edited)}, "seed")

    stratum = max(range(len(c["strata"])), key=lambda i: c["strata"][i]["size"])
    drawn = {vd.member_leaf(m["salt"], m["id"]) for s in t["strata"] for m in s["drawn"]}
    added = copy.deepcopy(c)
    added["strata"][stratum]["leaves"] = sorted(added["strata"][stratum]["leaves"] + [vd.sha256_hex("padding")])
    cases["member-added"] = ({**original, "commitment.json": dump(added)}, "population-padded")

    removed = copy.deepcopy(c)
    leaves = removed["strata"][stratum]["leaves"]
    leaves.remove(next(x for x in leaves if x not in drawn))
    cases["member-removed"] = ({**original, "commitment.json": dump(removed)}, "population-trimmed")

    reordered = copy.deepcopy(c)
    leaves = reordered["strata"][stratum]["leaves"]
    leaves[0], leaves[1] = leaves[1], leaves[0]
    cases["member-reordered"] = ({**original, "commitment.json": dump(reordered)}, "population-order")

    resized = copy.deepcopy(c)
    resized["strata"][stratum]["sample_size"] += 1
    cases["sample-size-changed"] = ({**original, "commitment.json": dump(resized)}, "sample-size")

    label, friend = _undrawn_member(made, c, t)
    swapped = copy.deepcopy(t)
    target = next(s for s in swapped["strata"] if s["label"] == label)
    target["drawn"][-1] = {**friend, "rank": target["drawn"][-1]["rank"]}
    cases["drawn-member-swapped"] = ({**original, "receipt.json": dump(swapped)}, "selection")

    outsider = copy.deepcopy(t)
    outsider["strata"][0]["drawn"][0] = {**outsider["strata"][0]["drawn"][0], "id": valid_code(9999)}
    cases["drawn-member-not-in-population"] = ({**original, "receipt.json": dump(outsider)}, "drawn-members")

    early = copy.deepcopy(c)
    early["committed_at"] = "2024-12-02T10:30:00+08:00"  # after the round it names came out
    cases["seed-source-precedes-commitment"] = (_relink(early, r, t), "seed-timing")

    hidden = copy.deepcopy(t)
    hidden["attempt"] = 2
    cases["silent-redraw"] = ({**original, "receipt.json": dump(hidden)}, "attempts")

    cases["voided-after-randomness-known"] = (_redraw_after_seeing(made, original), "attempts")

    unhashable = copy.deepcopy(t)
    unhashable["strata"][0]["label"] = ["S1"]
    cases["receipt-label-not-text"] = ({**original, "receipt.json": dump(unhashable)}, "format")

    far = copy.deepcopy(c)
    far["source"]["round"] = 10**30
    cases["drand-round-beyond-year-9999"] = ({**original, "commitment.json": dump(far)}, "format")

    late = copy.deepcopy(t)
    late["drawn_at"] = "2024-12-05T09:00:00+08:00"
    cases["late-reveal"] = ({**original, "receipt.json": dump(late)}, "reveal-timing")

    moved = copy.deepcopy(c)
    moved["population_digest"] = vd.sha256_hex("another population")
    cases["population-digest-changed"] = (_relink(moved, r, t), "population-digest")

    cases["commitment-edited-after-reveal"] = (
        {**original, "commitment.json": original["commitment.json"].replace(b'"reveal_by"', b'"reveal_by" ', 1)},
        "links")
    return cases


def _redraw_after_seeing(made, original: dict[str, bytes]) -> dict[str, bytes]:
    """What `draw void` used to allow: the used attempt (its value recorded) voided after its
    round came out, then a later round drawn. Every hash re-chained, the receipt recomputed."""
    commitment, reveal = json.loads(original["commitment.json"]), json.loads(original["reveal.json"])
    first = reveal["attempts"][0]
    later = {**first["source"], "round": first["source"]["round"] + 40}
    reveal["attempts"] = [
        {**first, "status": "void", "reason": "抽取结果不理想", "voided_at": "2024-12-02T10:10:00+08:00"},
        {"attempt": 2, "source": later, "announced_at": "2024-12-02T10:10:00+08:00", "status": "used",
         "value": _drand_value(later["round"]), "recorded_at": "2024-12-02T10:40:00+08:00"},
    ]
    assert vd.source_time(first["source"]) <= vd.parse_time("2024-12-02T10:10:00+08:00")
    reveal_bytes = dump(reveal)
    receipt = make_receipt(original["commitment.json"], reveal_bytes, _strata(made), SECRET)
    assert commitment["draw_id"] == receipt["draw_id"]
    return {**original, "reveal.json": reveal_bytes, "receipt.json": dump(receipt)}


EXPECTED_EXTRA = {
    # Checks that fail as well, and must: a naive edit also breaks the hash chain and so on.
    "seed-changed": {"links"},
    "member-added": {"links", "population-digest"},
    "member-removed": {"links", "population-digest"},
    "member-reordered": {"links", "population-digest"},
    "sample-size-changed": {"links", "selection"},
    "drawn-member-not-in-population": {"selection"},
    "commitment-edited-after-reveal": set(),
}


def test_every_tamper_case_fails_its_own_check(made, tmp_path) -> None:
    cases = tamper_cases(made)
    primaries = [check for _, check in cases.values()]
    assert set(primaries) == set(vd.CHECKS)  # every check has a case
    for name, (files, check) in cases.items():
        result = citizen_verify(files, tmp_path)
        assert not result["ok"], name
        assert set(result["failed"]) == {check} | EXPECTED_EXTRA.get(name, set()), (name, result["failed"])


def test_format_check_names_the_broken_file(made, tmp_path) -> None:
    files = {**_files(made["dir"]), "reveal.json": b'{"type": "gongkai-draw-reveal", "version": 9}'}
    result = citizen_verify(files, tmp_path)
    assert result["failed"] == ["format"]
    assert any("版本" in m for c in result["checks"] for m in c["messages"])


# --------------------------------------------------------------------------------------
# Unbiasedness
# --------------------------------------------------------------------------------------


def _chi_square_limit(df: int) -> float:
    """Upper 0.1 % point of chi-square (Wilson–Hilferty), to keep the test free of SciPy."""
    z = 3.090
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


@pytest.mark.parametrize("algorithm,trials", [(vd.RANK_ALGORITHM, 3000), (vd.RFC3797_ALGORITHM, 3000)])
def test_selection_is_unbiased(algorithm: str, trials: int) -> None:
    strata = {"S1": (40, 5), "S2": (17, 8)}
    for label, (size, n) in strata.items():
        leaves = sorted(vd.sha256_hex(f"{label}-{i}") for i in range(size))
        counts = dict.fromkeys(leaves, 0)
        for trial in range(trials):
            seed = vd.sha256_hex(f"fixed-seed-{trial}")
            for leaf in vd.select_leaves(algorithm, seed, "T", "D", label, leaves, n, len(strata)):
                counts[leaf] += 1
        expected = trials * n / size
        chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
        assert sum(counts.values()) == trials * n
        assert chi2 < _chi_square_limit(size - 1), (algorithm, label, chi2)


def test_strata_labels_are_opaque_and_shuffled_per_draw(made) -> None:
    spec = load_spec(made["task"])
    members, _ = target_members(read_population(made["population"]), spec)
    orders = set()
    for n in range(8):
        other = DrawSpec(**{**spec.__dict__, "draw_id": f"GK-{n}"})
        orders.add(tuple(tuple(s.groups) for s in build_strata(members, other, SECRET)))
    assert len(orders) > 1  # S1 is not always the same class
    commitment = json.loads((made["dir"] / "commitment.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in commitment["strata"]] == [f"S{i}" for i in range(1, len(commitment["strata"]) + 1)]


# --------------------------------------------------------------------------------------
# The demo corpus and the built site
# --------------------------------------------------------------------------------------


def test_demo_draws_pass_the_published_verifier(demo_site, tmp_path) -> None:
    site, _ = demo_site
    assert len(DEMO_DRAWS) == 6
    published = site / "draws" / "verify_draw.py"
    assert published.read_bytes() == Path(vd.__file__).read_bytes()
    for folder in DEMO_DRAWS:
        files = _files(site / "draws" / folder.name)
        assert files == _files(folder)
        result = citizen_verify(files, tmp_path)
        assert result["ok"], (folder.name, result["failed"])
    kinds = {json.loads((f / "commitment.json").read_text(encoding="utf-8"))["algorithm"] for f in DEMO_DRAWS}
    assert kinds == {vd.RANK_ALGORITHM, vd.RFC3797_ALGORITHM}
    redraws = [f for f in DEMO_DRAWS if len(json.loads((f / "reveal.json").read_text(encoding="utf-8"))["attempts"]) > 1]
    assert len(redraws) == 1


def test_task_page_shows_its_draw(demo_site) -> None:
    site, _ = demo_site
    folder = DEMO_DRAWS[0]
    commitment = json.loads((folder / "commitment.json").read_text(encoding="utf-8"))
    receipt = json.loads((folder / "receipt.json").read_text(encoding="utf-8"))
    soup = BeautifulSoup((site / "task" / commitment["task_id"] / "index.html").read_text(encoding="utf-8"), "html.parser")
    heading = soup.find(id=f"draw-{commitment['draw_id']}")
    assert heading is not None
    text = soup.get_text(" ")
    for value in (commitment["committed_at"], receipt["seed"], commitment["population_digest"], str(commitment["source"]["round"])):
        assert value in text, value
    for stratum in commitment["strata"]:
        assert soup.find("td", string=stratum["label"]) is not None
    linked = 0
    for member in (m for s in receipt["strata"] for m in s["drawn"]):
        assert soup.find("td", string=member["id"]) is not None
        name = soup.find("td", string=member["fields"]["entity_name"])
        assert name is not None
        # A drawn firm with published results links to its enterprise page.
        if (site / "enterprise" / member["id"] / "index.html").is_file():
            assert name.a is not None and name.a["href"] == f"../../enterprise/{member['id']}/"
            linked += 1
    assert linked > 0
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert "../../verify/" in hrefs and f"../../draws/{commitment['draw_id']}/receipt.json" in hrefs
    assert soup.select_one("[data-draw-status=verified]") is not None
    assert soup.select_one("[data-draw-status=table-mismatch]") is None  # table and receipt agree


def test_a_draws_table_edited_after_the_reveal_is_flagged_on_the_task_page(tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    table = next((data / "draws").glob("*/抽取记录.csv"))
    text = table.read_text(encoding="utf-8-sig")
    first = next(csv.DictReader(io.StringIO(text)))
    swapped = valid_code(9876)
    table.write_text(text.replace(first["统一社会信用代码"], swapped, 1), encoding="utf-8-sig")
    validated = validate_folder(data)
    model = build_model(validated.public_tables(), validated.data_as_of)
    warnings: list[str] = []
    attach_draws(model, load_draws(data), warn=warnings.append)
    task = model.tasks[first["抽查任务编号"]]
    (summary,) = [d for d in task["verifiable_draws"] if d["draw_id"] == first["抽取批次编号"]]
    assert summary["verified"] is True  # the receipt itself still verifies
    assert summary["table_problems"] == [
        f"回执抽中的 {first['统一社会信用代码']} 不在表中",
        f"表中的 {swapped} 不在回执抽中名单中",
    ]
    assert len(warnings) == 1 and first["抽取批次编号"] in warnings[0]
    (page,) = [p for p in render_records(model) if p.kind == "task" and p.slug == task["slug"]]
    soup = BeautifulSoup(page.content, "html.parser")
    flagged = soup.select_one("[data-draw-status=table-mismatch]")
    assert flagged is not None and swapped in flagged.get_text()


def test_commitments_are_in_the_feed(demo_site) -> None:
    site, _ = demo_site
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    entries = [e for e in feed.entries if any(t.term == "draw-commitment" for t in e.tags)]
    assert len(entries) == len(DEMO_DRAWS)
    digests = {vd.sha256_hex((f / "commitment.json").read_bytes()) for f in DEMO_DRAWS}
    assert {d for d in digests if any(d in e.summary for e in entries)} == digests


def _published_blobs(site: Path):
    """Every published file's bytes, with gzip and zip members opened."""
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield path, data
        if data[:2] == b"\x1f\x8b":
            yield path, gzip.decompress(data)
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield path, archive.read(name)


def test_no_published_file_names_an_undrawn_sole_trader_or_a_firm_class(demo_site) -> None:
    site, _ = demo_site
    population = PRIVATE_DIR / "检查对象名录_2024.csv"
    with population.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    from generator.validate.folder import validate_folder

    tables = validate_folder(DATA_DIR).public_tables()
    shown = {r.get("entity_name") for kind in ("results", "draws") for r in tables[kind]}
    undrawn = {r["企业名称"] for r in rows if r["主体类型"] == "个体工商户"} - shown
    assert len(undrawn) > 300
    needles = [n.encode("utf-8") for n in undrawn]
    leaks = set()
    for path, blob in _published_blobs(site):
        leaks |= {(str(path.relative_to(site)), n.decode()) for n in needles if n in blob}
    assert leaks == set()
    # Draw files carry no class: no such key, strata only as opaque labels.
    for folder in (site / "draws").iterdir():
        if folder.is_dir():
            for name in NAMES:
                text = (folder / name).read_text(encoding="utf-8")
                assert "risk_class" not in text and "信用风险分类" not in text
                for label in ("低风险", "一般风险", "较高风险", "高风险"):
                    assert label not in text
            commitment = json.loads((folder / "commitment.json").read_text(encoding="utf-8"))
            assert all(s["label"].startswith("S") and s["label"][1:].isdigit() for s in commitment["strata"])


# --------------------------------------------------------------------------------------
# The browser verifier (抽取验证 page)
# --------------------------------------------------------------------------------------


def _browser_verify(page, site_url: str, files: dict[str, bytes]) -> tuple[str, list[str]]:
    page.goto(site_url + "verify/")
    page.wait_for_selector("[data-draw-result][data-status=ready]")
    page.set_input_files("input[data-draw-files]", [
        {"name": name, "mimeType": "application/json", "buffer": data} for name, data in files.items()])
    page.wait_for_selector("[data-draw-result]:is([data-status=ok], [data-status=failed], [data-status=error])")
    status = page.get_attribute("[data-draw-result]", "data-status")
    failed = page.locator("[data-draw-result] li[data-status=failed]").evaluate_all(
        "els => els.map(e => e.dataset.check)")
    return status, failed


@pytest.mark.slow
def test_browser_verifier_agrees_with_the_python_one(browser, site_url, made, tmp_path) -> None:
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site_url + "verify/")
    assert page.evaluate(f"gongkaiVerifyDraw.rfc3797Select({json.dumps(RFC_KEY)}, 154, 10)") == RFC_SELECTION
    assert page.evaluate("gongkaiVerifyDraw.checks.map(c => c[0])") == list(vd.CHECKS)
    for folder in DEMO_DRAWS:
        status, failed = _browser_verify(page, site_url, _files(folder))
        assert (status, failed) == ("ok", []), folder.name
    assert page.locator("[data-draw-result] li[data-status=passed]").count() == len(vd.CHECKS)
    assert _browser_verify(page, site_url, _files(made["dir"])) == ("ok", [])
    for name, (files, check) in tamper_cases(made).items():
        status, failed = _browser_verify(page, site_url, files)
        python = citizen_verify(files, tmp_path)["failed"]
        assert status == "failed" and check in failed, (name, failed)
        assert failed == python, name
    page.screenshot(path=str(Path(__file__).resolve().parent.parent / "test-artifacts" / "verify-draw.png"))
    assert errors == []
    assert all(u.startswith(site_url) for u in requests)
    page.close()


def test_the_browser_verifier_names_its_checks_in_chinese() -> None:
    """The 抽取验证 page and its script name each check in Chinese only, in the order of
    verify_draw.py, whose labels are the same words before their English half."""
    script = JS_VERIFIER.read_text(encoding="utf-8")
    block = script[script.index("var CHECKS = ["):script.index("];", script.index("var CHECKS = ["))]
    checks = re.findall(r'\["([a-z-]+)", "([^"]+)"\]', block)
    assert [name for name, _ in checks] == list(vd.CHECKS)
    assert [label for _, label in checks] == [label.split(" / ")[0] for label in vd.CHECKS.values()]
    assert not any(re.search(r"[A-Za-z]", label) for _, label in checks)
    page = (DATA_DIR.parent / "site_src" / "verify.md").read_text(encoding="utf-8")
    table = page[page.index("## 检查哪些内容"):page.index("\n\n", page.index("| --- |"))]
    rows = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")][1:]
    rows = [row for row in rows if row != "---"]
    assert rows == [label for _, label in checks]


def test_an_undrawn_firm_finds_itself_with_its_own_salt(made, tmp_path: Path) -> None:
    """The regulator hands a firm its salt (`gongkai draw salt`); with it, the published
    verifier tells the firm its stratum and that it was not drawn, and nobody else learns
    anything: without the salt the firm's leaf cannot be linked to its code."""
    receipt = json.loads((made["dir"] / "receipt.json").read_text(encoding="utf-8"))
    drawn = {item["id"] for stratum in receipt["strata"] for item in stratum["drawn"]}
    undrawn = next(valid_code(n) for n in range(240) if n % 60 != 7 and n != 1 and valid_code(n) not in drawn)
    runner = CliRunner()
    result = runner.invoke(cli, ["draw", "salt", str(made["dir"]), "--member", undrawn,
                                 "--secret-file", str(made["secret"])])
    assert result.exit_code == 0, result.output
    salt = result.output.splitlines()[0]
    where = tmp_path / "citizen"
    where.mkdir()
    shutil.copyfile(vd.__file__, where / "verify_draw.py")
    shutil.copytree(made["dir"], where / "draw")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", "verify_draw.py", "draw", *args], cwd=where,
                              capture_output=True, text=True, check=False)

    mine = run("--member", undrawn, "--salt", salt, "--json")
    assert mine.returncode == 0, mine.stdout + mine.stderr
    found = json.loads(mine.stdout)["member"]
    assert found["found"] and found["drawn"] is False and found["stratum"].startswith("S")
    assert "未被抽中" in run("--member", undrawn, "--salt", salt).stdout
    # A wrong salt, or a firm that was excluded (注销), is not in the population.
    wrong = run("--member", undrawn, "--salt", "0" * 32)
    assert wrong.returncode == 1 and "不在本次抽取的名录中" in wrong.stdout
    excluded = valid_code(7)
    salt_7 = member_salt(SECRET, "T-2024-1", "GK-T-2024-1-D", excluded)
    assert run("--member", excluded, "--salt", salt_7).returncode == 1
    # A drawn firm finds itself drawn, with its rank; gongkai verify says the same.
    one = min(drawn)
    salt_1 = member_salt(SECRET, "T-2024-1", "GK-T-2024-1-D", one)
    result = runner.invoke(cli, ["verify", str(made["dir"]), "--member", one, "--salt", salt_1])
    assert result.exit_code == 0 and "被抽中（第" in result.output


# --------------------------------------------------------------------------------------
# Review fixes: privacy wording, voids after the randomness is known, malformed files,
# Python 3.8, pending draws on the task page, private inputs outside data/, drand chains
# --------------------------------------------------------------------------------------


def test_the_task_page_says_a_drawn_firms_stratum_can_reveal_its_class_group(demo_site) -> None:
    site, _ = demo_site
    shown = 0
    for folder in DEMO_DRAWS:
        commitment = json.loads((folder / "commitment.json").read_text(encoding="utf-8"))
        if commitment["drawn_kind"] != TARGETS_KIND:
            continue
        page = (site / "task" / commitment["task_id"] / "index.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(page, "html.parser")
        note = soup.find(id=f"draw-{commitment['draw_id']}").find_next("p", attrs={"data-draw-privacy": True})
        text = note.get_text("")
        assert "未抽中的主体不公开名称、代码或信用风险分类" in text
        assert len(commitment["strata"]) > 1 and "抽中主体所在的分层会透露它属于哪一组信用风险分类" in text
        assert "不对应信用风险分类" not in page
        shown += 1
    assert shown == 3


def test_one_stratum_reveals_no_class(made) -> None:
    """`counts: {"*": n}` (or one ratio for every class) puts every firm in one stratum."""
    rows = read_population(made["population"])
    for extra in ({"counts": {"*": 12}}, {"ratios": {"*": 0.05}}):
        spec = DrawSpec(task_id="T", draw_id="GK-T-1", **extra)
        members, _ = target_members(rows, spec)
        strata = build_strata(members, spec, SECRET)
        assert len(strata) == 1 and sorted(strata[0].groups) == ["A", "B", "C", "D"], extra
        assert strata[0].sample_size == (12 if "counts" in extra else math.ceil(len(members) * 0.05))
    named = DrawSpec(task_id="T", draw_id="GK-T-1", counts={"D": 3, "*": 5})
    strata = build_strata(target_members(rows, named)[0], named, SECRET)
    assert sorted((s.groups, s.sample_size) for s in strata) == [(["A", "B", "C"], 5), (["D"], 3)]


def test_a_used_attempt_cannot_be_voided(made, tmp_path) -> None:
    folder = tmp_path / "used"
    shutil.copytree(made["dir"], folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = CliRunner().invoke(cli, ["draw", "void", str(folder), "--reason", "结果不理想",
                                      "--at", "2024-12-02T10:10:00+08:00", "--drand-round", str(made["round"] + 40)])
    assert result.exit_code == 2, result.output
    assert "不能再作废重抽" in result.output and "随机数已经产生并记录" in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written, receipt kept
    # A value recorded on a pending attempt (hand-edited) is refused as well.
    attempts = json.loads(before["reveal.json"])["attempts"]
    attempts[-1]["status"] = "pending"
    with pytest.raises(GongkaiError, match="不能再作废重抽"):
        void_attempt(attempts, "理由", "2024-12-02T10:10:00+08:00",
                     {**attempts[-1]["source"], "round": made["round"] + 40})


def test_a_void_after_the_round_without_its_value_is_allowed(made, tmp_path) -> None:
    """The beacon was unavailable: the round is past, but no value was ever recorded."""
    commitment = json.loads((made["dir"] / "commitment.json").read_text(encoding="utf-8"))
    attempts = [first_attempt(commitment)]
    at = "2024-12-02T10:10:00+08:00"
    assert vd.source_time(commitment["source"]) < vd.parse_time(at)
    log = void_attempt(attempts, "信标不可用", at, {**commitment["source"], "round": made["round"] + 40})
    assert [a["status"] for a in log] == ["void", "pending"] and "value" not in log[0]


def test_the_demo_redraw_voided_an_attempt_whose_value_was_never_recorded() -> None:
    redraws = [json.loads((f / "reveal.json").read_text(encoding="utf-8"))["attempts"] for f in DEMO_DRAWS]
    voided = [a for attempts in redraws for a in attempts if a["status"] == "void"]
    assert len(voided) == 1 and "value" not in voided[0] and voided[0]["reason"]


MUTATIONS = (None, [], {}, "x", 10**30, -1, True, 1.5, ["a"], {"a": 1}, 0)


def _mutants(files: dict[str, bytes], values=MUTATIONS):
    """Every value of every file (the first two items of each list) replaced by each of ``values``."""
    def paths(doc, prefix=()):
        yield prefix
        children = doc.items() if isinstance(doc, dict) else enumerate(doc[:2]) if isinstance(doc, list) else ()
        for key, child in children:
            yield from paths(child, (*prefix, key))

    for name in NAMES:
        original = json.loads(files[name])
        for n, path in enumerate(paths(original)):
            for value in values if values is not None else (MUTATIONS[n % len(MUTATIONS)],):
                doc = copy.deepcopy(original)
                if not path:
                    doc = value
                else:
                    target = doc
                    for key in path[:-1]:
                        target = target[key]
                    target[path[-1]] = value
                yield f"{name}{list(path)}={value!r}", {**files, name: json.dumps(doc).encode("utf-8")}


def test_malformed_files_fail_a_named_check_and_never_raise(made) -> None:
    files = _files(made["dir"])
    count = 0
    for where, mutant in _mutants(files):
        keyed = {k: mutant[v] for k, v in vd.FILE_NAMES.items()}
        try:
            outcome = vd.verify_draw(keyed).to_dict()
            vd.find_member(keyed, valid_code(3), "0" * 32)
        except Exception as exc:  # noqa: BLE001 - the point: nothing may escape
            pytest.fail(f"{where}: {type(exc).__name__}: {exc}")
        assert set(outcome["failed"]) <= set(vd.CHECKS)
        count += 1
    assert count > 1000


def test_malformed_files_give_a_named_failure_in_the_published_verifier_and_the_cli(made, tmp_path) -> None:
    cases = tamper_cases(made)
    for name in ("receipt-label-not-text", "drand-round-beyond-year-9999"):
        files, _ = cases[name]
        assert citizen_verify(files, tmp_path)["failed"] == ["format"], name
        folder = tmp_path / name
        folder.mkdir()
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        result = CliRunner().invoke(cli, ["verify", str(folder)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (name, result.exception)
        assert "✘ format" in result.output, name


def test_draw_commands_reject_malformed_inputs_in_chinese(made, tmp_path) -> None:
    runner = CliRunner()
    folder = tmp_path / "broken"
    shutil.copytree(made["dir"], folder)
    (folder / "reveal.json").write_text('{"attempts": 3}', encoding="utf-8")
    result = runner.invoke(cli, ["draw", "void", str(folder), "--reason", "x", "--at", "2024-12-02T10:10:00+08:00",
                                 "--drand-round", str(made["round"] + 40)])
    assert result.exit_code == 2 and "reveal.json" in result.output and "attempts" in result.output, result.output
    (folder / "reveal.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(cli, ["draw", "reveal", str(folder), *made["common"], "--value", str(made["root"] / "value.json"),
                                 "--at", REVEALED_AT])
    assert result.exit_code == 2 and "不是可读的抽取记录" in result.output, result.output

    inspectors = tmp_path / "inspectors.json"
    inspectors.write_text(json.dumps([{"inspector_id": "Z1", "department": "局"}]), encoding="utf-8")
    task = tmp_path / "task-r.yml"
    task.write_text("task_id: T-2024-1\ndraw_id: GK-T-2024-1-R\nkind: 执法检查人员\ncounts: {'*': 1}\n", encoding="utf-8")
    bad_receipt = tmp_path / "receipt.json"
    for body, message in (('{"strata": [{"drawn": [{"id": ["x"]}]}]}', "抽中者的编号（id）应为文字"),
                          ("[]", "不是可读的检查对象抽取回执")):
        bad_receipt.write_text(body, encoding="utf-8")
        result = runner.invoke(cli, ["draw", "commit", "--task", str(task), "--inspectors", str(inspectors),
                                     "--recuse-against", str(bad_receipt), "--secret-file", str(made["secret"]),
                                     "--drand-round", str(made["round"]), "--at", COMMITTED_AT,
                                     "--reveal-by", REVEAL_BY, "--out", str(tmp_path / "r")])
        assert result.exit_code == 2 and "--recuse-against" in result.output and message in result.output, body

    for body, key in (("ratios: [0.05, 0.1]", "ratios"), ("ratios: {A: 5}", "ratios"), ("counts: {A: 1.5}", "counts"),
                      ("ratios: {A: 0.1}\nindustries: 餐饮服务", "industries"),
                      ("ratios: {A: 0.1}\nexclude: [1, 2]", "exclude"), ("ratios: {A: 0.1}\npseudonymous: 否", "pseudonymous"),
                      ("ratios: {A: 0.1}\ntask_id: [1]", "task_id")):
        spec = tmp_path / "spec.yml"
        spec.write_text(f"draw_id: GK-1\n{body}\n" + ("" if "task_id" in body else "task_id: T-1\n"), encoding="utf-8")
        with pytest.raises(GongkaiError, match=f"的 {key} 应为"):
            load_spec(spec)
        result = runner.invoke(cli, ["draw", "commit", "--task", str(spec), *made["common"][2:], "--drand-round",
                                     str(made["round"]), "--at", COMMITTED_AT, "--reveal-by", REVEAL_BY,
                                     "--out", str(tmp_path / "x")])
        assert result.exit_code == 2 and f"的 {key} 应为" in result.output and "Traceback" not in result.output, body


def _commit(made, root: Path, draw_id: str) -> Path:
    """Commit another draw of the made task under ``draw_id``; returns its folder."""
    task = root / f"{draw_id}.yml"
    task.write_text(made["task"].read_text(encoding="utf-8").replace("GK-T-2024-1-D", draw_id), encoding="utf-8")
    out = root / draw_id
    common = ["--task", str(task), *made["common"][2:]]
    result = CliRunner().invoke(cli, ["draw", "commit", *common, "--drand-round", str(made["round"]),
                                      "--at", COMMITTED_AT, "--reveal-by", REVEAL_BY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_bad_draws_do_not_stop_the_build_and_pending_voids_show(made, tmp_path, capsys) -> None:
    from generator.build import build_site

    data = tmp_path / "data"
    (data / "draws").mkdir(parents=True)
    write_csv(data / "tasks.csv", ["抽查任务编号", "抽查任务名称", "检查机关", "抽查事项"],
              [["T-2024-1", "餐饮服务食品安全抽查", "示例县市场监督管理局", "SJ-1"]])
    shutil.copytree(made["dir"], data / "draws" / "ok")
    shutil.copytree(made["dir"], data / "draws" / "ok-again")  # the same draw_id twice
    pending = _commit(made, data / "draws", "GK-T-2024-1-D2")
    runner = CliRunner()
    voided = runner.invoke(cli, ["draw", "void", str(pending), "--reason", "第一轮随机数未能取得",
                                 "--at", "2024-12-02T10:10:00+08:00", "--drand-round", str(made["round"] + 40)])
    assert voided.exit_code == 0, voided.output
    broken = _commit(made, data / "draws", "GK-T-2024-1-D3")
    shutil.copyfile(made["dir"] / "reveal.json", broken / "reveal.json")
    (broken / "receipt.json").write_text('{"type": "gongkai-draw-receipt", "version": 1, "strata": 3}', encoding="utf-8")
    (data / "draws" / "not-json").mkdir()
    (data / "draws" / "not-json" / "commitment.json").write_text("{oops", encoding="utf-8")
    (data / "draws" / "far").mkdir()
    far = json.loads((made["dir"] / "commitment.json").read_text(encoding="utf-8"))
    far["source"]["round"] = 10**30
    (data / "draws" / "far" / "commitment.json").write_bytes(dump(far))
    capsys.readouterr()
    site = tmp_path / "site"
    build_site(data, site)
    warnings = capsys.readouterr().err
    for where in ("draws/not-json/commitment.json", "draws/far/commitment.json", "draws/ok-again",
                  "draws/GK-T-2024-1-D3"):
        assert where in warnings, where
    assert "Traceback" not in warnings
    published = sorted(p.name for p in (site / "draws").iterdir() if p.is_dir())
    assert published == ["GK-T-2024-1-D", "GK-T-2024-1-D2", "GK-T-2024-1-D3"]
    page = next(site.glob("task/*/index.html"))
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    statuses = {h["id"]: h.find_next("p")["data-draw-status"] for h in soup.select("h2[id^=draw-]")}
    assert statuses == {"draw-GK-T-2024-1-D": "verified", "draw-GK-T-2024-1-D2": "pending",
                        "draw-GK-T-2024-1-D3": "failed"}
    # The failed checks are named in Chinese, not by their stable names.
    failed = soup.find(id="draw-GK-T-2024-1-D3").find_next("p").get_text()
    assert "文件格式" in failed and not re.search(r"[A-Za-z]", failed), failed
    section = soup.find(id="draw-GK-T-2024-1-D2")
    void_note = section.find_next("p", attrs={"data-draw-voided": True})
    assert "第 1 次" in void_note.get_text() and "第一轮随机数未能取得" in void_note.get_text()
    assert "2024-12-02T10:10:00+08:00" in void_note.get_text()
    assert "下一次使用" in section.find_next("p").get_text() and str(made["round"] + 40) in section.find_next("p").get_text()
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert any(h.endswith("draws/GK-T-2024-1-D2/reveal.json") for h in hrefs)
    assert not any(h.endswith("draws/GK-T-2024-1-D2/receipt.json") for h in hrefs)
    assert "文件格式" in soup.find(id="draw-GK-T-2024-1-D3").find_next("p").get_text()


def test_the_published_verifier_runs_on_python_3_8(made, tmp_path) -> None:
    import ast

    source = Path(vd.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not {"UTC", "pairwise"} & (attributes | names)  # added in Python 3.11 and 3.10
    assert "Python 3.8" in ast.get_docstring(tree)
    assert "Python 3.8" in (DATA_DIR.parent / "site_src" / "verify.md").read_text(encoding="utf-8")
    assert vd.parse_time("2024-12-02T01:00:00Z") == vd.parse_time("2024-12-02T09:00:00+08:00")
    old = sorted(shutil.which(f"python3.{minor}") or "" for minor in (8, 9, 10))
    old += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.8*/bin/python3.8"))
    runnable = [p for p in old if p and subprocess.run([p, "-c", "pass"], capture_output=True, check=False).returncode == 0]
    if not runnable:
        pytest.skip("no Python 3.8–3.10 interpreter here: only the syntax check above ran")
    shutil.copyfile(vd.__file__, tmp_path / "verify_draw.py")
    run = subprocess.run([runnable[0], "-I", str(tmp_path / "verify_draw.py"), "--json", str(made["dir"])],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True


def test_the_demo_keeps_its_private_inputs_out_of_the_published_data() -> None:
    from generator.validate.folder import validate_folder

    report = validate_folder(DATA_DIR)
    assert {f.kind for f in report.files} & {"targets"} == set()
    assert not list(DATA_DIR.rglob("检查对象名录*")) and not list(DATA_DIR.rglob("执法检查人员名录*"))
    assert (PRIVATE_DIR / "检查对象名录_2024.csv").is_file() and (PRIVATE_DIR / "执法检查人员名录_2024.json").is_file()
    assert "不公开" in (PRIVATE_DIR / "README.md").read_text(encoding="utf-8")
    # The private key file is the demo secret the draws were made with: a firm's salt checks.
    receipt = json.loads((DEMO_DRAWS[0] / "receipt.json").read_text(encoding="utf-8"))
    member = receipt["strata"][0]["drawn"][0]
    secret = (PRIVATE_DIR / "演示密钥.key").read_bytes().strip()
    assert member_salt(secret, receipt["task_id"], receipt["draw_id"], member["id"]) == member["salt"]


def test_drand_chains_are_named_once() -> None:
    import re

    from generator.cli.draw import draw_commit_command

    option = next(p for p in draw_commit_command.params if p.name == "drand_chain")
    assert sorted(option.type.choices) == sorted(vd.DRAND_CHAINS)
    assert vd.KNOWN_DRAND_CHAINS == {c: (g, p) for c, g, p in vd.DRAND_CHAINS.values()}
    table = JS_VERIFIER.read_text(encoding="utf-8").split("KNOWN_DRAND_CHAINS = {", 1)[1].split("}", 1)[0]
    js = {h: (int(g), int(p)) for h, g, p in re.findall(r'"([0-9a-f]{64})": \[(\d+), (\d+)\]', table)}
    assert js == vd.KNOWN_DRAND_CHAINS
