#!/usr/bin/env python3
"""Verify a published gongkai draw (抽取验证), with the Python standard library only.

Needs Python 3.8 or later (需要 Python 3.8 或更新版本) and nothing else. This one file is published on every gongkai site (``draws/verify_draw.py``) so that anyone can
check a draw without installing anything::

    python3 verify_draw.py commitment.json reveal.json receipt.json
    python3 verify_draw.py draws/GK-140902202412021039-D/       # a folder holding the three
    python3 verify_draw.py --json FOLDER                       # machine-readable result
    python3 verify_draw.py FOLDER --member 9114… --salt 3f…     # was my firm in the draw?

It recomputes everything from the three published files: the population digest from the salted
member commitments, the seed from the public randomness source, the selection from the seed,
and checks the timing of commitment, randomness and reveal. Each failure is reported under a
stable check name (see ``CHECKS``). ``gongkai verify`` and the 抽取验证 page in the browser run
the same checks. Exit codes: 0 every check passed, 1 a check failed, 2 the files could not be
read.

The selection primitives (member leaves, ranking, RFC 3797) live here too, and gongkai's own
``draw`` command imports them, so drawing and verifying cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
COMMITMENT_TYPE = "gongkai-draw-commitment"
REVEAL_TYPE = "gongkai-draw-reveal"
RECEIPT_TYPE = "gongkai-draw-receipt"
FILE_NAMES = {COMMITMENT_TYPE: "commitment.json", REVEAL_TYPE: "reveal.json", RECEIPT_TYPE: "receipt.json"}

RANK_ALGORITHM = "gongkai-rank-v1"
RFC3797_ALGORITHM = "rfc3797"
ALGORITHMS = (RANK_ALGORITHM, RFC3797_ALGORITHM)
SOURCE_KINDS = ("drand", "nist-beacon", "public-numbers")

DRAND_CHAINS = {
    # League of Entropy mainnet ("default", chained, 30 s) and quicknet (unchained, 3 s).
    "default": ("8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce", 1595431050, 30),
    "quicknet": ("52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971", 1692803367, 3),
}
"""drand chain name -> (chain hash, genesis time, period in seconds)."""
KNOWN_DRAND_CHAINS = {chain: (genesis, period) for chain, genesis, period in DRAND_CHAINS.values()}
"""drand chain hash -> (genesis time, period in seconds): round r is out at genesis + (r-1)·period."""
MAX_TIMESTAMP = 253402300799
"""The last second of year 9999 (UTC): later source times are invalid, here and in the browser."""

CHECKS = {
    "format": "文件格式 / file format",
    "links": "文件相互对应 / files belong together",
    "population-order": "名录按规范顺序排列 / population in canonical order",
    "population-padded": "名录未被增补 / population not padded",
    "population-trimmed": "名录未被删减 / population not trimmed",
    "population-digest": "名录摘要一致 / population digest",
    "sample-size": "抽取数量与承诺一致 / sample sizes as committed",
    "seed-timing": "随机数产生于承诺之后 / randomness comes after the commitment",
    "attempts": "每次抽取都有记录 / every attempt logged",
    "seed": "随机数与公开来源一致 / seed matches the public source",
    "drawn-members": "抽中者属于名录 / drawn members belong to the population",
    "selection": "抽取结果可复现 / selection reproduces",
    "reveal-timing": "按时揭示 / revealed in time",
}
"""Stable check names (never renamed: reports and pages cite them) and their labels."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")


# --------------------------------------------------------------------------------------
# Primitives shared by the draw and the verifier
# --------------------------------------------------------------------------------------


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of a string's UTF-8."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def member_leaf(salt: str, member_id: str) -> str:
    """The published commitment to one member: SHA-256 of ``gongkai-leaf-v1|salt|id``."""
    return sha256_hex(f"gongkai-leaf-v1|{salt}|{member_id}")


def stratum_digest(leaves: list[str]) -> str:
    """SHA-256 over a stratum's sorted leaves, one per line."""
    return sha256_hex("\n".join(leaves))


def population_digest(strata: list[dict[str, Any]]) -> str:
    """SHA-256 over ``label:size:digest`` of every stratum, one per line, in commitment order."""
    return sha256_hex("\n".join(f"{s['label']}:{s['size']}:{s['digest']}" for s in strata))


def rfc3797_key(numbers: list[list[int]]) -> str:
    """The RFC 3797 key: each source's values sorted, each followed by ``.``, each source by ``/``."""
    return "".join("".join(f"{n}." for n in sorted(int(v) for v in values)) + "/" for values in numbers)


def rfc3797_select(key: str, pool: int, count: int) -> list[int]:
    """RFC 3797 §6: the 1-based positions drawn from a pool of ``pool`` with ``key``.

    For draw j (from 0) the MD5 of ``j(2 bytes) ‖ key ‖ j(2 bytes)``, read as a 128-bit
    big-endian number, modulo the number still in the pool, picks the next item, which
    leaves the pool (the items after it move up).
    """
    remaining = list(range(1, pool + 1))
    chosen = []
    for j in range(min(count, pool)):
        index = j.to_bytes(2, "big")
        value = int.from_bytes(hashlib.md5(index + key.encode("utf-8") + index).digest(), "big")
        chosen.append(remaining.pop(value % len(remaining)))
    return chosen


def rank_score(seed: str, task_id: str, draw_id: str, label: str, leaf: str) -> str:
    """gongkai-rank-v1: a member's rank key, SHA-256 of seed, task, draw, stratum and leaf."""
    return sha256_hex(f"{RANK_ALGORITHM}|{seed}|{task_id}|{draw_id}|{label}|{leaf}")


def select_leaves(algorithm: str, seed: str, task_id: str, draw_id: str, label: str,
                  leaves: list[str], count: int, strata_count: int = 1) -> list[str]:
    """The leaves a stratum draws, in draw order. A pure function of its arguments.

    Args:
        algorithm: ``gongkai-rank-v1`` (sort by :func:`rank_score`, keep the first ``count``)
            or ``rfc3797`` (RFC 3797 over the sorted leaves; with several strata the key of
            stratum ``label`` is ``seed + label + "/"``).
        seed: The seed derived from the public source (:func:`derive_seed`).
        leaves: The stratum's leaves in canonical (sorted) order.
        count: How many to draw.
        strata_count: How many strata the draw has (RFC 3797 mode only).
    """
    if algorithm == RFC3797_ALGORITHM:
        key = seed if strata_count == 1 else f"{seed}{label}/"
        return [leaves[i - 1] for i in rfc3797_select(key, len(leaves), count)]
    ranked = sorted(leaves, key=lambda leaf: (rank_score(seed, task_id, draw_id, label, leaf), leaf))
    return ranked[:count]


def parse_time(text: Any) -> dt.datetime | None:
    """An ISO 8601 time with offset (``2024-12-02T09:00:00+08:00``); ``None`` if not one."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", text):
        return None
    try:  # Python before 3.11 does not read "Z"
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def source_time(source: Any) -> dt.datetime | None:
    """When a named randomness source's value appears: the drand round, the pulse, the drawing.

    ``None`` when it cannot be known: an unknown kind, a malformed source, or a time past 9999.
    """
    if not isinstance(source, dict):
        return None
    kind = source.get("kind")
    if kind == "drand":
        genesis, period = source.get("genesis_time"), source.get("period")
        known = KNOWN_DRAND_CHAINS.get(str(source.get("chain_hash", "")))
        if known and (genesis, period) != known:
            return None
        rnd = source.get("round")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (genesis, period, rnd)):
            return None
        seconds = genesis + (rnd - 1) * period
        if seconds > MAX_TIMESTAMP:
            return None
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)  # noqa: UP017 (runs on 3.8)
    if kind == "nist-beacon":
        return parse_time(source.get("pulse_time"))
    if kind == "public-numbers":
        return parse_time(source.get("available_at"))
    return None


def derive_seed(source: dict[str, Any], value: Any) -> tuple[str | None, str]:
    """The seed a source value gives, and why not when it gives none.

    drand: the round's ``randomness``, which must be SHA-256 of its ``signature`` (checking
    the BLS signature itself needs drand's client or https://api.drand.sh/<chain>/public/<round>).
    NIST Beacon 2.0: the pulse's ``output_value``. Public numbers: the RFC 3797 key.
    """
    if not isinstance(value, dict):
        return None, "揭示文件没有随机数值"
    kind = source.get("kind")
    if kind == "drand":
        randomness, signature = str(value.get("randomness", "")), str(value.get("signature", ""))
        if value.get("round") != source.get("round"):
            return None, f"随机数来自第 {value.get('round')} 轮，而不是约定的第 {source.get('round')} 轮"
        if not _HEX64.fullmatch(randomness) or not _HEX.fullmatch(signature):
            return None, "drand 随机数或签名不是十六进制"
        if sha256_hex(bytes.fromhex(signature)) != randomness:
            return None, "drand 随机数不等于其签名的 SHA-256，随机数被改动过"
        return randomness, ""
    if kind == "nist-beacon":
        output = str(value.get("output_value", "")).lower()
        if value.get("pulse_time") != source.get("pulse_time") or not re.fullmatch(r"[0-9a-f]{128}", output):
            return None, "NIST 信标脉冲时间或输出值不符"
        return output, ""
    if kind == "public-numbers":
        numbers = value.get("numbers")
        expected = source.get("sources")
        if not (isinstance(numbers, list) and numbers and all(
                isinstance(v, list) and v and all(isinstance(n, int) and n >= 0 for n in v) for v in numbers)):
            return None, "公开号码格式不对（应为每个来源一组非负整数）"
        if isinstance(expected, list) and len(expected) != len(numbers):
            return None, f"约定 {len(expected)} 个号码来源，揭示了 {len(numbers)} 个"
        return rfc3797_key(numbers), ""
    return None, f"未知的随机来源类型 {kind!r}"


# --------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------


class Outcome:
    """The result of every named check."""

    def __init__(self) -> None:
        self.results: dict[str, tuple[bool | None, list[str]]] = {n: (None, []) for n in CHECKS}

    def fail(self, check: str, message: str) -> None:
        """Record one failure of ``check``."""
        self.results[check] = (False, self.results[check][1] + [message])

    def passed(self, check: str) -> None:
        """Mark ``check`` as run; it passes unless it failed."""
        if self.results[check][0] is None:
            self.results[check] = (True, [])

    @property
    def failed(self) -> list[str]:
        """Names of the failed checks, in ``CHECKS`` order."""
        return [n for n, (ok, _) in self.results.items() if ok is False]

    @property
    def ok(self) -> bool:
        """True when every check ran and passed."""
        return all(ok is True for ok, _ in self.results.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"ok": …, "checks": [{"name", "label", "status", "messages"}]}``."""
        status = {True: "passed", False: "failed", None: "not-run"}
        return {
            "ok": self.ok,
            "failed": self.failed,
            "checks": [
                {"name": n, "label": CHECKS[n], "status": status[ok], "messages": messages}
                for n, (ok, messages) in self.results.items()
            ],
        }


def load_files(paths: list[Path]) -> dict[str, bytes]:
    """Read the three files (or a folder holding them), keyed by their ``type``.

    Raises:
        ValueError: a path is unreadable, or a file is missing or given twice.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [path / name for name in FILE_NAMES.values() if (path / name).exists()]
        else:
            files.append(path)
    found: dict[str, bytes] = {}
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"无法读取 {path}：{exc.strerror or exc}") from exc
        by_name = {v: k for k, v in FILE_NAMES.items()}
        try:
            doc = json.loads(raw.decode("utf-8"))
            kind = doc.get("type") if isinstance(doc, dict) else None
        except (UnicodeDecodeError, ValueError):
            kind = None
        if not isinstance(kind, str) or kind not in FILE_NAMES:
            kind = by_name.get(path.name)
        if kind is None:
            raise ValueError(f"无法识别 {path}：不是 gongkai 的承诺、揭示或回执文件")
        if kind in found:
            raise ValueError(f"给出了两个 {FILE_NAMES.get(kind, kind)}")
        found[kind] = raw
    missing = [FILE_NAMES[k] for k in FILE_NAMES if k not in found]
    if missing == [FILE_NAMES[REVEAL_TYPE], FILE_NAMES[RECEIPT_TYPE]]:
        raise ValueError("只有承诺（commitment.json），这次抽取尚未揭示：随机数产生并抽取后，"
                         "网站会公布 reveal.json 和 receipt.json，届时再验证")
    if missing:
        raise ValueError("缺少文件：" + "、".join(missing) + "（需要承诺、揭示、回执三个文件）")
    return found


def verify_draw(files: dict[str, bytes]) -> Outcome:
    """Run every check on the raw bytes of the three files (keyed by type).

    Returns:
        The outcome of every check in :data:`CHECKS`; checks that need a readable file are
        left "not run" when the format check fails.
    """
    out = Outcome()
    docs = _parse(files, out)
    if docs is None:
        return out
    commitment, reveal, receipt = docs
    strata = commitment["strata"]
    _check_links(files, commitment, reveal, receipt, out)
    _check_population(commitment, out)
    _check_sample_sizes(strata, receipt, out)
    committed_at = parse_time(commitment["committed_at"])
    attempts = reveal["attempts"]
    used = _check_attempts(commitment, attempts, receipt, out)
    _check_seed_timing(commitment, attempts, committed_at, out)
    seed = None
    if used is not None:
        seed, why = derive_seed(used["source"], used.get("value"))
        if seed is None:
            out.fail("seed", why)
        elif receipt.get("seed") != seed:
            out.fail("seed", f"回执中的随机种子 {receipt.get('seed')!r} 与公开来源给出的 {seed!r} 不符")
    out.passed("seed")
    _check_members_and_selection(commitment, receipt, seed, out)
    _check_reveal_timing(commitment, receipt, used, out)
    return out


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def commitment_problems(commitment: Any) -> list[str]:
    """What makes a commitment unreadable (empty when it is well formed), in Chinese."""
    if not isinstance(commitment, dict):
        return ["承诺文件不是 JSON 对象"]
    problems = []
    if commitment.get("algorithm") not in ALGORITHMS:
        problems.append(f"未知的抽取算法 {commitment.get('algorithm')!r}")
    source = commitment.get("source")
    if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
        problems.append("承诺没有写明受支持的随机来源")
    elif source_time(source) is None:
        problems.append("随机来源的时间（轮次、脉冲时间或开奖时间）无法确定")
    if parse_time(commitment.get("committed_at")) is None:
        problems.append("承诺时间 committed_at 不是带时区的 ISO 8601 时间")
    strata = commitment.get("strata")
    if not (isinstance(strata, list) and strata and all(
            isinstance(s, dict) and isinstance(s.get("label"), str) and isinstance(s.get("leaves"), list)
            and all(isinstance(x, str) for x in s["leaves"])
            and _int(s.get("size")) and _int(s.get("sample_size")) for s in strata)):
        problems.append("承诺的分层（strata）格式不对")
    return problems


def _parse(files: dict[str, bytes], out: Outcome) -> tuple[dict, dict, dict] | None:
    docs = []
    for kind in (COMMITMENT_TYPE, REVEAL_TYPE, RECEIPT_TYPE):
        name = FILE_NAMES[kind]
        try:
            doc = json.loads(files[kind].decode("utf-8"))
        except (KeyError, UnicodeDecodeError, ValueError):
            out.fail("format", f"{name} 不是 UTF-8 JSON")
            continue
        if not isinstance(doc, dict) or doc.get("type") != kind:
            out.fail("format", f"{name} 的 type 应为 {kind}")
        elif not _int(doc.get("version")) or doc.get("version") != FORMAT_VERSION:
            out.fail("format", f"{name} 的版本 {doc.get('version')!r} 不受支持（本验证程序支持 {FORMAT_VERSION}）")
        docs.append(doc)
    if out.failed:
        return None
    commitment, reveal, receipt = docs
    problems = commitment_problems(commitment)
    if not (isinstance(reveal.get("attempts"), list) and reveal["attempts"] and all(
            isinstance(a, dict) and isinstance(a.get("source"), dict) for a in reveal["attempts"])):
        problems.append("揭示文件没有抽取记录（attempts）")
    drawn = receipt.get("strata")
    if not (isinstance(drawn, list) and all(
            isinstance(s, dict) and isinstance(s.get("label"), str) and isinstance(s.get("drawn"), list)
            and all(isinstance(m, dict) for m in s["drawn"]) for s in drawn)):
        problems.append("回执的抽中名单格式不对（每个分层须有文字标签 label 和抽中名单 drawn）")
    for problem in problems:
        out.fail("format", problem)
    if problems:
        return None
    out.passed("format")
    return commitment, reveal, receipt


def _check_links(files, commitment, reveal, receipt, out: Outcome) -> None:
    for key in ("task_id", "draw_id"):
        values = [commitment.get(key), reveal.get(key), receipt.get(key)]
        if not values[0] == values[1] == values[2]:
            out.fail("links", f"三个文件的 {key} 不一致：{sorted(set(map(str, values)))}")
    commitment_hash = sha256_hex(files[COMMITMENT_TYPE])
    reveal_hash = sha256_hex(files[REVEAL_TYPE])
    if reveal.get("commitment_sha256") != commitment_hash:
        out.fail("links", "揭示文件记录的承诺摘要与承诺文件不符：承诺文件在揭示后被改动过")
    if receipt.get("commitment_sha256") != commitment_hash:
        out.fail("links", "回执记录的承诺摘要与承诺文件不符：承诺文件在抽取后被改动过")
    if receipt.get("reveal_sha256") != reveal_hash:
        out.fail("links", "回执记录的揭示摘要与揭示文件不符：揭示文件被改动过")
    out.passed("links")


def _check_population(commitment: dict, out: Outcome) -> None:
    strata = commitment["strata"]
    total = 0
    for stratum in strata:
        label, leaves, size = stratum["label"], stratum["leaves"], stratum["size"]
        total += len(leaves)
        if any(not isinstance(x, str) or not _HEX64.fullmatch(x) for x in leaves):
            out.fail("population-order", f"分层 {label} 含有不是 SHA-256 摘要的成员")
        elif any(a >= b for a, b in zip(leaves, leaves[1:])):  # noqa: RUF007 (3.8)
            out.fail("population-order", f"分层 {label} 的成员没有按规范（升序、无重复）排列：名录被重新排序或有重复")
        if len(leaves) > size:
            out.fail("population-padded", f"分层 {label} 承诺 {size} 个成员，名单中却有 {len(leaves)} 个（多 {len(leaves) - size} 个）")
        if len(leaves) < size:
            out.fail("population-trimmed", f"分层 {label} 承诺 {size} 个成员，名单中只有 {len(leaves)} 个（少 {size - len(leaves)} 个）")
        if stratum_digest(leaves) != stratum.get("digest"):
            out.fail("population-digest", f"分层 {label} 的成员摘要与承诺的摘要不符")
    declared = commitment.get("population_size")
    if declared != sum(s["size"] for s in strata):
        out.fail("population-digest", f"名录总数 {declared} 与各分层数量之和 {sum(s['size'] for s in strata)} 不符")
    declared = declared if _int(declared) else 0
    if total > declared and not out.results["population-padded"][1]:
        out.fail("population-padded", f"名录总数为 {declared}，名单中却有 {total} 个成员")
    if total < declared and not out.results["population-trimmed"][1]:
        out.fail("population-trimmed", f"名录总数为 {declared}，名单中只有 {total} 个成员")
    if population_digest(strata) != commitment.get("population_digest"):
        out.fail("population-digest", "名录摘要（population_digest）与各分层不符")
    for check in ("population-order", "population-padded", "population-trimmed", "population-digest"):
        out.passed(check)


def _check_sample_sizes(strata: list[dict], receipt: dict, out: Outcome) -> None:
    drawn = {s.get("label"): s["drawn"] for s in receipt["strata"]}
    labels = [s["label"] for s in strata]
    if sorted(map(str, drawn)) != sorted(labels):
        out.fail("sample-size", f"回执的分层 {sorted(map(str, drawn))} 与承诺的分层 {sorted(labels)} 不符")
    for stratum in strata:
        n = stratum["sample_size"]
        if not 0 <= n <= stratum["size"]:
            out.fail("sample-size", f"分层 {stratum['label']} 抽取数量 {n} 超出 0–{stratum['size']}")
        got = len(drawn.get(stratum["label"], []))
        if got != n:
            out.fail("sample-size", f"分层 {stratum['label']} 承诺抽取 {n} 个，回执中有 {got} 个")
    out.passed("sample-size")


def _check_attempts(commitment: dict, attempts: list[dict], receipt: dict, out: Outcome) -> dict | None:
    numbers = [a.get("attempt") for a in attempts]
    if numbers != list(range(1, len(attempts) + 1)):
        out.fail("attempts", f"抽取次数编号应为 1、2、…，实为 {numbers}：有抽取记录被删除或改动")
    if attempts[0].get("source") != commitment["source"]:
        out.fail("attempts", "第 1 次抽取使用的随机来源不是承诺中约定的来源")
    for before, after in zip(attempts, attempts[1:]):  # noqa: RUF007 (3.8)
        if before.get("status") != "void" or not str(before.get("reason") or "").strip():
            out.fail("attempts", f"第 {after.get('attempt')} 次抽取之前的一次没有作废理由")
        voided, announced = parse_time(before.get("voided_at")), parse_time(after.get("announced_at"))
        when = source_time(before["source"])
        if before.get("value") is not None and (voided is None or when is None or voided >= when):
            out.fail("attempts", f"第 {before.get('attempt')} 次抽取在其随机数产生（{when.isoformat() if when else '?'}）"
                                 f"之后才作废，而揭示文件记录了这个随机数：作废时抽取结果已可知，重新抽取无效")
        if voided is None or announced is None or announced < voided:
            out.fail("attempts", f"第 {after.get('attempt')} 次抽取没有在上一次作废时登记随机来源")
        if after["source"].get("kind") != commitment["source"].get("kind"):
            out.fail("attempts", f"第 {after.get('attempt')} 次抽取换了随机来源类型")
    last = attempts[-1]
    if last.get("status") != "used":
        out.fail("attempts", "最后一次抽取没有标为采用（used）")
    if receipt.get("attempt") != last.get("attempt"):
        out.fail("attempts", f"回执来自第 {receipt.get('attempt')} 次抽取，但揭示文件记录的最后一次是第 {last.get('attempt')} 次：有抽取未记录")
    out.passed("attempts")
    return last if last.get("status") == "used" else None


def _check_seed_timing(commitment: dict, attempts: list[dict], committed_at, out: Outcome) -> None:
    announced = [("承诺约定的随机来源", commitment["source"], committed_at)]
    for attempt in attempts[1:]:
        announced.append((f"第 {attempt.get('attempt')} 次抽取的随机来源", attempt["source"],
                          parse_time(attempt.get("announced_at"))))
    for where, source, since in announced:
        when = source_time(source)
        if when is None:
            out.fail("seed-timing", f"{where}的时间无法确定")
        elif since is not None and when <= since:
            out.fail("seed-timing", f"{where}产生于 {when.isoformat()}，不晚于登记时间 {since.isoformat()}：抽取前随机数已可知")
    out.passed("seed-timing")


def _check_members_and_selection(commitment: dict, receipt: dict, seed: str | None, out: Outcome) -> None:
    drawn = {s.get("label"): s["drawn"] for s in receipt["strata"]}
    strata = commitment["strata"]
    for stratum in strata:
        label, leaves = stratum["label"], set(stratum["leaves"])
        got = []
        for member in drawn.get(label, []):
            leaf = member_leaf(str(member.get("salt", "")), str(member.get("id", "")))
            got.append(leaf)
            if leaf not in leaves:
                out.fail("drawn-members", f"分层 {label} 的抽中者 {member.get('id')} 不在承诺的名录中")
        if len(set(got)) != len(got):
            out.fail("drawn-members", f"分层 {label} 有重复的抽中者")
        if seed is None:
            continue
        expected = select_leaves(commitment["algorithm"], seed, commitment["task_id"], commitment["draw_id"],
                                 label, stratum["leaves"], stratum["sample_size"], len(strata))
        if got != expected:
            extra = len([g for g in got if g not in expected])
            out.fail("selection", f"分层 {label} 的抽中名单与按随机种子重新计算的结果不同（{extra} 个不符或顺序不同）")
    out.passed("drawn-members")
    if seed is not None:
        out.passed("selection")


def _check_reveal_timing(commitment: dict, receipt: dict, used: dict | None, out: Outcome) -> None:
    drawn_at, deadline = parse_time(receipt.get("drawn_at")), parse_time(commitment.get("reveal_by"))
    if drawn_at is None or deadline is None:
        out.fail("reveal-timing", "回执的抽取时间或承诺的揭示期限不是带时区的 ISO 8601 时间")
    else:
        when = source_time(used["source"]) if used else None
        if when is not None and drawn_at < when:
            out.fail("reveal-timing", f"抽取时间 {drawn_at.isoformat()} 早于随机数产生的时间 {when.isoformat()}")
        if drawn_at > deadline:
            out.fail("reveal-timing", f"抽取结果 {drawn_at.isoformat()} 才揭示，晚于承诺的期限 {deadline.isoformat()}")
    out.passed("reveal-timing")


def find_member(files: dict[str, bytes], member_id: str, salt: str) -> dict[str, Any] | None:
    """Where a member stands in a draw, from its own id and the salt the regulator gave it.

    Only undrawn members need this: their ids are never published, but their leaves are.

    Returns:
        ``{"stratum", "size", "sample_size", "drawn", "rank"}``, or ``None`` when the leaf is
        in no stratum of the commitment (the member was left out of the population).
    """
    try:
        commitment = json.loads(files[COMMITMENT_TYPE].decode("utf-8"))
        receipt = json.loads(files[RECEIPT_TYPE].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, ValueError):
        return None
    if commitment_problems(commitment):
        return None
    typed = member_id.strip()
    # A code as the 名录 writes it: NFKC, no spaces, upper case ("…x" typed for "…X").
    folded = unicodedata.normalize("NFKC", "".join(unicodedata.normalize("NFKC", typed).split()).upper())
    for candidate in dict.fromkeys((typed, folded)):
        found = _member_in(commitment, receipt, candidate, member_leaf(salt.strip().lower(), candidate))
        if found is not None:
            return found
    return None


def _member_in(commitment: dict, receipt: Any, member_id: str, leaf: str) -> dict[str, Any] | None:
    listed = receipt.get("strata") if isinstance(receipt, dict) else None
    drawn = {
        (str(stratum.get("label")), str(item.get("id"))): item.get("rank")
        for stratum in (listed if isinstance(listed, list) else [])
        if isinstance(stratum, dict) and isinstance(stratum.get("drawn"), list)
        for item in stratum["drawn"] if isinstance(item, dict)
    }
    for stratum in commitment["strata"]:
        if leaf in stratum["leaves"]:
            rank = drawn.get((stratum["label"], member_id))
            return {"stratum": stratum["label"], "size": stratum.get("size"),
                    "sample_size": stratum.get("sample_size"), "drawn": rank is not None,
                    "rank": rank}  # fmt: skip
    return None


def format_member(member_id: str, found: dict[str, Any] | None) -> str:
    """One line on a member's own place in the draw."""
    member_id = member_id.strip()
    if found is None:
        return f"✘ {member_id} 不在本次抽取的名录中（或盐值有误）/ not in the committed population"
    where = f"分层 {found['stratum']}（共 {found['size']} 户，抽取 {found['sample_size']} 户）"
    result = f"被抽中（第 {found['rank']} 位）" if found["drawn"] else "未被抽中"
    return f"✔ {member_id} 在名录中：{where}，{result} / in the population, " + (
        "drawn" if found["drawn"] else "not drawn"
    )


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def format_outcome(outcome: Outcome) -> str:
    """The Chinese report a citizen reads: one line per check, ✔ or ✘ and why."""
    lines = []
    for name, (ok, messages) in outcome.results.items():
        mark = {True: "✔", False: "✘", None: "·"}[ok]
        lines.append(f"{mark} {name}  {CHECKS[name]}" + ("" if ok is not None else "（未运行）"))
        lines += [f"    {m}" for m in messages]
    lines.append("验证通过 ✔ / verified" if outcome.ok else "验证未通过 ✘ / NOT verified: " + ", ".join(outcome.failed))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``verify_draw.py [--json] [--member ID --salt SALT] FILE_OR_FOLDER…``; the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    member: dict[str, str] = {}
    for option in ("--member", "--salt"):
        if option in args:
            at = args.index(option)
            if at + 1 >= len(args):
                print(f"错误：{option} 后面缺少取值", file=sys.stderr)
                return 2
            member[option] = args.pop(at + 1)
            args.pop(at)
    if len(member) == 1:
        print("错误：--member 和 --salt 要一起给出", file=sys.stderr)
        return 2
    paths = [Path(a) for a in args if a != "--json"]
    if not paths or any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0 if paths else 2
    try:
        files = load_files(paths)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    outcome = verify_draw(files)
    report = outcome.to_dict()
    text = format_outcome(outcome)
    found: dict[str, Any] | None = None
    if member:
        found = find_member(files, member["--member"], member["--salt"])
        report["member"] = {"id": member["--member"], "found": found is not None, **(found or {})}
        text += "\n" + format_member(member["--member"], found)
    print(json.dumps(report, ensure_ascii=False, indent=2) if as_json else text)
    return 0 if outcome.ok and (not member or found is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
