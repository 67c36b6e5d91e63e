"""Publishing draws: the draws of a data folder, as the site, the feeds and the build use them.

Reads every draw folder (commitment, attempt log, receipt) with its verification, sums it up
for the task pages and feeds, copies the files and the standalone verifier into the site, and
compares a draw's receipt with the published 抽取记录 table.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.core.values import fold_text, normalise_identifier
from generator.draws import verify_draw as vd
from generator.draws.commitment import safe_id, to_stderr, write_draw_files

SITE_FOLDER = "draws"
"""Where a site publishes draws: ``draws/<draw_id>/…`` and ``draws/verify_draw.py``."""


def find_draws(data_dir: Path) -> list[Path]:
    """Folders under ``data_dir`` that hold a draw (``commitment.json``), sorted."""
    return sorted(p.parent for p in data_dir.rglob(vd.FILE_NAMES[vd.COMMITMENT_TYPE])
                  if not any(part.startswith(".") for part in p.relative_to(data_dir).parts))


def load_draws(data_dir: Path, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every draw in ``data_dir`` with its verification, for pages and feeds.

    A folder may hold only a commitment (published before the seed exists), or a commitment
    and an attempt log with voided attempts; then the draw is pending. Never raises for a bad
    draw, so that it cannot stop the build: a draw whose commitment is unreadable, or whose
    ``draw_id`` is repeated, is left out; a malformed reveal or receipt makes the draw fail
    the ``format`` check, which its page shows. Each such problem is reported to ``warn``
    (Chinese, naming the file; standard error by default).
    """
    say = warn or to_stderr
    draws: list[dict[str, Any]] = []
    for folder in find_draws(data_dir):
        where = folder.relative_to(data_dir).as_posix()
        try:
            raw = {name: (folder / name).read_bytes() for name in vd.FILE_NAMES.values() if (folder / name).is_file()}
        except OSError as exc:
            say(f"提醒：无法读取抽取文件夹 {where}（{exc}），这次抽取未发布")
            continue
        commitment = _json_or_none(raw["commitment.json"])
        problems = vd.commitment_problems(commitment) if commitment is not None else ["不是 UTF-8 JSON"]
        if not problems and not safe_id(commitment.get("draw_id")):
            problems = ["draw_id 缺失或含有不能用作网址的字符"]
        if problems:
            say(f"提醒：{where}/commitment.json 格式不对（{'；'.join(problems)}），这次抽取未在网站上发布。"
                "请用 gongkai draw commit 重新生成，或把该文件夹移出数据目录")
            continue
        if any(d["draw_id"] == commitment["draw_id"] for d in draws):
            say(f"提醒：{where} 的抽取批次编号 {commitment['draw_id']} 与另一个文件夹重复，未发布。"
                "每个抽取文件夹须有自己的 draw_id")
            continue
        entry: dict[str, Any] = {
            "draw_id": commitment["draw_id"], "task_id": _text(commitment.get("task_id")),
            "files": raw, "commitment": commitment, "receipt": None, "reveal": None, "verification": None,
            "commitment_sha256": vd.sha256_hex(raw["commitment.json"]),
        }
        if "reveal.json" in raw:
            reveal = _json_or_none(raw["reveal.json"])
            attempts = reveal.get("attempts") if isinstance(reveal, dict) else None
            if isinstance(attempts, list) and all(isinstance(a, dict) for a in attempts):
                entry["reveal"] = reveal
            else:
                say(f"提醒：{where}/reveal.json 不是有效的抽取记录（应为含 attempts 列表的 JSON），网站上不显示其中的抽取记录")
        if "receipt.json" in raw:
            outcome = vd.verify_draw({k: raw.get(v, b"") for k, v in vd.FILE_NAMES.items()})
            entry["verification"] = outcome.to_dict()
            if "format" not in outcome.failed:
                entry["receipt"] = json.loads(raw["receipt.json"])
            if not outcome.ok:
                say(f"提醒：{where} 的抽取核验未通过（{'、'.join(outcome.failed)}），网站上显示为核验未通过。"
                    f"运行 gongkai verify {where} 查看原因")
        draws.append(entry)
    return draws


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def draw_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """What a task page and the feed show of a draw: public fields only."""
    commitment, receipt = entry["commitment"], entry["receipt"]
    drawn = []
    if receipt:
        for stratum in receipt["strata"]:
            for member in stratum["drawn"]:
                fields_ = member.get("fields") if isinstance(member.get("fields"), dict) else {}
                drawn.append({**fields_, "label": stratum["label"], "rank": member.get("rank"), "id": member.get("id")})
    attempts = (entry.get("reveal") or {}).get("attempts", [])
    last = attempts[-1] if attempts else {}
    return {
        "draw_id": entry["draw_id"],
        "task_id": entry["task_id"],
        "kind": commitment.get("drawn_kind"),
        "algorithm": commitment.get("algorithm"),
        "committed_at": commitment.get("committed_at"),
        "reveal_by": commitment.get("reveal_by"),
        "source": describe_source(commitment["source"]),
        "next_source": describe_source(last["source"]) if len(attempts) > 1 and last.get("status") == "pending" else None,
        "population_size": commitment.get("population_size"),
        "population_digest": commitment.get("population_digest"),
        "commitment_sha256": entry["commitment_sha256"],
        "exclusions": commitment.get("exclusions") if isinstance(commitment.get("exclusions"), dict) else {},
        "strata": [{"label": s["label"], "size": s["size"], "sample_size": s["sample_size"]} for s in commitment["strata"]],
        "seed": receipt.get("seed") if receipt else None,
        "drawn_at": receipt.get("drawn_at") if receipt else None,
        "attempts": len(attempts),
        "voided": [{"attempt": a.get("attempt"), "reason": a.get("reason"), "voided_at": a.get("voided_at")}
                   for a in attempts if a.get("status") == "void"],
        "files": sorted(entry["files"]),
        "drawn": drawn,
        "verified": (entry["verification"] or {}).get("ok"),
        "failed": (entry["verification"] or {}).get("failed", []),
        # The page names a failed check in Chinese: the verifier's label without its English half.
        "failed_checks": [vd.CHECKS.get(name, name).split(" / ")[0]
                          for name in (entry["verification"] or {}).get("failed", [])],
    }


def describe_source(source: Any) -> str:
    """The randomness source in words (Chinese)."""
    if not isinstance(source, dict):
        return "?"
    kind = source.get("kind")
    when = vd.source_time(source)
    at = when.astimezone(vd.dt.timezone(vd.dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S") if when else "?"
    if kind == "drand":
        return f"drand 随机信标（链 {str(source.get('chain_hash', ''))[:12]}…）第 {source.get('round')} 轮（{at} 北京时间产生）"
    if kind == "nist-beacon":
        return f"NIST 随机信标 2.0 脉冲 {source.get('pulse_time')}"
    if kind == "public-numbers":
        sources = source.get("sources") if isinstance(source.get("sources"), list) else []
        return f"公开号码（RFC 3797）：{'；'.join(map(str, sources))}（{at} 北京时间公布）"
    return str(kind)


def publish_draws(draws: list[dict[str, Any]], site_dir: Path) -> list[str]:
    """Copy every draw's files and the standalone verifier into ``site_dir/draws/``.

    Returns:
        The site-relative paths written, sorted.
    """
    folder = site_dir / SITE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    shutil.copyfile(Path(vd.__file__), folder / "verify_draw.py")
    written.append(f"{SITE_FOLDER}/verify_draw.py")
    for entry in draws:
        target = folder / entry["draw_id"]
        write_draw_files(target, entry["files"])
        written += [f"{SITE_FOLDER}/{entry['draw_id']}/{name}" for name in entry["files"]]
    return sorted(written)


def attach_draws(
    model: Any, draws: list[dict[str, Any]], warn: Callable[[str], None] | None = None
) -> None:
    """Give each task of the model the summaries of its verifiable draws (``verifiable_draws``).

    A draw whose rows also stand in the published 抽取记录 table is compared with them: the
    receipt is what the verifiers check, the table is what the downloads and statistics use,
    so any disagreement is shown on the task page (``table_problems``) and reported to ``warn``.
    """
    say = warn or to_stderr
    for task in model.tasks.values():
        task.setdefault("verifiable_draws", [])
    for entry in draws:
        task = model.tasks.get(entry["task_id"] or "")
        if task is None:
            continue
        summary = draw_summary(entry)
        rows = [r for r in model.draws.get(task["task_id"], []) if r.get("draw_id") == entry["draw_id"]]
        summary["table_problems"] = table_disagreements(summary, rows)
        if summary["table_problems"]:
            say(f"提醒：抽取 {entry['draw_id']} 的抽取记录表与核验回执不一致（{'；'.join(summary['table_problems'])}）。"
                "请用 gongkai draw reveal 生成的抽取记录.csv 替换手工修改过的表")
        task["verifiable_draws"].append(summary)


def table_disagreements(summary: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """How the 抽取记录 rows of a revealed draw differ from its receipt, in Chinese; [] if not."""
    if summary["verified"] is None or not rows:
        return []
    drawn = {normalise_identifier(str(m.get("id") or "")): m for m in summary["drawn"]}
    listed = {normalise_identifier(str(r.get("uscc") or r.get("inspector_id") or "")): r for r in rows}
    problems = [f"回执抽中的 {code} 不在表中" for code in sorted(drawn.keys() - listed.keys())]
    problems += [f"表中的 {code} 不在回执抽中名单中" for code in sorted(listed.keys() - drawn.keys())]
    problems += [
        f"{code} 的名称与回执不同" for code in sorted(drawn.keys() & listed.keys())
        if drawn[code].get("entity_name") and listed[code].get("entity_name")
        and fold_text(drawn[code]["entity_name"]) != fold_text(listed[code]["entity_name"])
    ]
    if summary["seed"] and any(r.get("seed") and r["seed"] != summary["seed"] for r in rows):
        problems.append("随机种子与回执不同")
    return problems
