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
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from helpers import DATA_DIR, valid_code

from generator import draws
from generator import verify_draw as vd
from generator.cli import cli

RFC_KEY = "7.8.11.17.19.25.46./8285182./60115701./2.3.18.26.32.33.42./"
RFC_SELECTION = [138, 151, 89, 112, 117, 145, 118, 143, 144, 122]
NAMES = ("commitment.json", "reveal.json", "receipt.json")
SECRET = b"test-secret-0123456789abcdef"
COMMITTED_AT = "2024-12-02T09:00:00+08:00"
REVEALED_AT = "2024-12-02T10:05:00+08:00"
REVEAL_BY = "2024-12-03T18:00:00+08:00"
DEMO_DRAWS = sorted(p.parent for p in (DATA_DIR / "draws").glob("*/commitment.json"))


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
    from generator.ingest import read_export

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
    c = draws.dump(commitment)
    reveal = {**reveal, "commitment_sha256": vd.sha256_hex(c)}
    r = draws.dump(reveal)
    receipt = {**receipt, "commitment_sha256": vd.sha256_hex(c), "reveal_sha256": vd.sha256_hex(r)}
    return {"commitment.json": c, "reveal.json": r, "receipt.json": draws.dump(receipt)}


def _undrawn_member(made, commitment: dict, receipt: dict) -> tuple[str, dict]:
    """An undrawn member of a stratum with its real salt (what the regulator could swap in)."""
    spec = draws.load_spec(made["task"])
    members, _ = draws.target_members(draws.read_population(made["population"]), spec)
    strata = draws.build_strata(members, spec, SECRET)
    stratum = next(s for s in strata if s.sample_size and len(s.leaves) > s.sample_size)
    drawn = {m["id"] for s in receipt["strata"] for m in s["drawn"]}
    member = next(m for m in stratum.leaves.values() if m.member_id not in drawn)
    salt = draws.member_salt(SECRET, spec.task_id, spec.draw_id, member.member_id)
    return stratum.label, {"id": member.member_id, "salt": salt, "fields": member.fields}


def tamper_cases(made) -> dict[str, tuple[dict[str, bytes], str]]:
    """Name -> (tampered files, the check that must fail)."""
    original = _files(made["dir"])
    cases: dict[str, tuple[dict[str, bytes], str]] = {}
    c, r, t = _load(original)

    edited = copy.deepcopy(r)
    value = edited["attempts"][-1]["value"]
    value["randomness"] = ("0" if value["randomness"][0] != "0" else "1") + value["randomness"][1:]
    cases["seed-changed"] = ({**original, "reveal.json": draws.dump(edited)}, "seed")

    stratum = max(range(len(c["strata"])), key=lambda i: c["strata"][i]["size"])
    drawn = {vd.member_leaf(m["salt"], m["id"]) for s in t["strata"] for m in s["drawn"]}
    added = copy.deepcopy(c)
    added["strata"][stratum]["leaves"] = sorted(added["strata"][stratum]["leaves"] + [vd.sha256_hex("padding")])
    cases["member-added"] = ({**original, "commitment.json": draws.dump(added)}, "population-padded")

    removed = copy.deepcopy(c)
    leaves = removed["strata"][stratum]["leaves"]
    leaves.remove(next(x for x in leaves if x not in drawn))
    cases["member-removed"] = ({**original, "commitment.json": draws.dump(removed)}, "population-trimmed")

    reordered = copy.deepcopy(c)
    leaves = reordered["strata"][stratum]["leaves"]
    leaves[0], leaves[1] = leaves[1], leaves[0]
    cases["member-reordered"] = ({**original, "commitment.json": draws.dump(reordered)}, "population-order")

    resized = copy.deepcopy(c)
    resized["strata"][stratum]["sample_size"] += 1
    cases["sample-size-changed"] = ({**original, "commitment.json": draws.dump(resized)}, "sample-size")

    label, friend = _undrawn_member(made, c, t)
    swapped = copy.deepcopy(t)
    target = next(s for s in swapped["strata"] if s["label"] == label)
    target["drawn"][-1] = {**friend, "rank": target["drawn"][-1]["rank"]}
    cases["drawn-member-swapped"] = ({**original, "receipt.json": draws.dump(swapped)}, "selection")

    outsider = copy.deepcopy(t)
    outsider["strata"][0]["drawn"][0] = {**outsider["strata"][0]["drawn"][0], "id": valid_code(9999)}
    cases["drawn-member-not-in-population"] = ({**original, "receipt.json": draws.dump(outsider)}, "drawn-members")

    early = copy.deepcopy(c)
    early["committed_at"] = "2024-12-02T10:30:00+08:00"  # after the round it names came out
    cases["seed-source-precedes-commitment"] = (_relink(early, r, t), "seed-timing")

    hidden = copy.deepcopy(t)
    hidden["attempt"] = 2
    cases["silent-redraw"] = ({**original, "receipt.json": draws.dump(hidden)}, "attempts")

    late = copy.deepcopy(t)
    late["drawn_at"] = "2024-12-05T09:00:00+08:00"
    cases["late-reveal"] = ({**original, "receipt.json": draws.dump(late)}, "reveal-timing")

    moved = copy.deepcopy(c)
    moved["population_digest"] = vd.sha256_hex("another population")
    cases["population-digest-changed"] = (_relink(moved, r, t), "population-digest")

    cases["commitment-edited-after-reveal"] = (
        {**original, "commitment.json": original["commitment.json"].replace(b'"reveal_by"', b'"reveal_by" ', 1)},
        "links")
    return cases


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
    assert len(set(primaries)) == len(vd.CHECKS) - 1  # every check but "format" has a case
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
    spec = draws.load_spec(made["task"])
    members, _ = draws.target_members(draws.read_population(made["population"]), spec)
    orders = set()
    for n in range(8):
        other = draws.DrawSpec(**{**spec.__dict__, "draw_id": f"GK-{n}"})
        orders.add(tuple(tuple(s.groups) for s in draws.build_strata(members, other, SECRET)))
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
    for member in (m for s in receipt["strata"] for m in s["drawn"]):
        assert soup.find("td", string=member["id"]) is not None
        assert soup.find("td", string=member["fields"]["entity_name"]) is not None
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert "../../verify/" in hrefs and f"../../draws/{commitment['draw_id']}/receipt.json" in hrefs
    assert soup.select_one("[data-draw-status=verified]") is not None


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
    population = DATA_DIR / "draws" / "inputs" / "检查对象名录_2024.csv"
    with population.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    from generator.validate import validate_folder

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
    salt_7 = draws.member_salt(SECRET, "T-2024-1", "GK-T-2024-1-D", excluded)
    assert run("--member", excluded, "--salt", salt_7).returncode == 1
    # A drawn firm finds itself drawn, with its rank; gongkai verify says the same.
    one = min(drawn)
    salt_1 = draws.member_salt(SECRET, "T-2024-1", "GK-T-2024-1-D", one)
    result = runner.invoke(cli, ["verify", str(made["dir"]), "--member", one, "--salt", salt_1])
    assert result.exit_code == 0 and "被抽中（第" in result.output
