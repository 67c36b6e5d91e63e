"""A synthetic export folder of any size, shaped like the demo corpus, for benchmarks.

Results spread over tasks of about 80 enterprises each, enterprises drawn from a directory
a third the size of the results (so many are checked more than once), 4 items per task out of
a 40-item list, realistic Chinese names and valid credit codes. Deterministic for a seed.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

from stdnum.cn import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PLACES = ["东城", "西关", "南关", "北街", "新华", "解放", "和平", "建设", "人民", "文昌", "秀容", "云中", "长征", "开发区", "城北"]
TRADES = ["华润", "鑫源", "恒信", "万达", "金泰", "福满", "顺达", "兴隆", "盛世", "嘉禾", "润泽", "天和", "永昌", "瑞丰", "宏图", "聚福"]
KINDS = [
    ("餐饮有限公司", "91"), ("超市有限公司", "91"), ("药店", "92"), ("便利店", "92"),
    ("加油站有限公司", "91"), ("宾馆", "92"), ("农民专业合作社", "93"), ("食品销售有限公司", "91"),
]
DEPARTMENTS = ["示例县市场监督管理局", "示例县卫生健康局", "示例县文化和旅游局", "示例县应急管理局"]
OUTCOMES = ["未发现问题"] * 17 + ["发现问题已责令改正", "未按规定公示应当公示的信息", "发现问题待后续处理"]
ITEM_WORDS = ["食品安全", "营业执照", "价格行为", "广告发布", "计量器具", "特种设备", "消防安全", "从业人员健康", "进货查验", "明码标价"]


def _write_items_and_tasks(
    folder: Path, items: list[tuple[str, str]], tasks: list[tuple[str, str, str, list]]
) -> None:
    """The item list and the task list exports: items (code, name); tasks (id, name,
    department, their items)."""
    with (folder / "抽查事项清单.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["事项编码", "事项类别", "抽查事项名称", "检查主体", "所属行业"])
        for code, name in items:
            writer.writerow([code, "一般检查事项", name, DEPARTMENTS[0], "餐饮服务"])
    with (folder / "抽查任务.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["抽查任务编号", "抽查任务名称", "检查机关", "抽查事项", "检查日期自", "检查日期至"])
        for task_id, name, department, task_items in tasks:
            writer.writerow([task_id, name, department, "、".join(c for c, _ in task_items),
                             "2024-03-01", "2024-11-30"])  # fmt: skip


def _code(rng: random.Random, prefix: str) -> str:
    body = prefix + "140902" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def write_corpus(folder: Path, results: int, seed: int = 7) -> dict[str, int]:
    """Write items, tasks and results exports for ``results`` result records into ``folder``.

    Returns:
        Counts of the records written per kind.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items = [(f"SJ-{n:03d}", f"{ITEM_WORDS[n % len(ITEM_WORDS)]}情况的检查（{n}）") for n in range(40)]
    directory = []
    for n in range(max(results // 3, 10)):
        suffix, prefix = KINDS[n % len(KINDS)]
        name = f"示例县{rng.choice(PLACES)}{rng.choice(TRADES)}{n}{suffix}"
        directory.append((name, _code(rng, prefix)))
    task_count = max(results // 320, 1)
    tasks = []
    for n in range(task_count):
        task_items = rng.sample(items, 4)
        tasks.append((f"1409022024{n:08d}", f"2024年{task_items[0][1][:4]}双随机抽查（第{n + 1}批）",
                      DEPARTMENTS[n % len(DEPARTMENTS)], task_items))
    _write_items_and_tasks(folder, items, tasks)
    written = 0
    with (folder / "检查结果.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["抽查任务编号", "抽查任务名称", "检查实施机关", "企业名称", "统一社会信用代码",
                         "检查事项", "检查结果", "检查完成日期", "公示日期"])
        while written < results:
            for task_id, name, department, task_items in tasks:
                enterprise_name, code = rng.choice(directory)
                day = f"2024-{rng.randint(3, 11):02d}-{rng.randint(1, 28):02d}"
                for _, item_name in task_items:
                    if written >= results:
                        break
                    writer.writerow([task_id, name, department, enterprise_name, code, item_name,
                                     rng.choice(OUTCOMES), day, "2024-12-10"])
                    written += 1
                if written >= results:
                    break
    return {"items": len(items), "tasks": len(tasks), "results": written}


COUNTIES = ["140902", "140921", "140922", "140923", "140924", "140925", "140926", "140927"]
"""County codes of the province-shaped corpus: results, firms and tasks spread over them."""
PROBLEM_PAIRS = ["发现问题已责令改正；未按规定公示应当公示的信息", "未发现问题；发现问题待后续处理"]


def write_province_corpus(folder: Path, checks: int, seed: int = 11) -> dict[str, int]:
    """A province-shaped export folder: ``checks`` checks of 4 items each (item-level results =
    4 × checks), every firm checked once (firms = checks), about 75 checks per task, tasks of
    4 departments in 8 counties, and one check in 20 with two outcomes joined by "；".

    Returns:
        Counts of the records written per kind.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items, tasks = _province_tasks(rng, checks)
    _write_items_and_tasks(folder, items, [(t[0], t[1], t[2], t[4]) for t in tasks])
    results = _write_province_results(folder / "检查结果.csv", rng, tasks, range(checks))
    return {"items": len(items), "tasks": len(tasks), "checks": checks, "results": results,
            "enterprises": checks, "counties": len(COUNTIES)}  # fmt: skip


def write_province_batch(
    folder: Path, checks: int, batch: int, seed: int = 11, tasks: int | None = None
) -> int:
    """One more day's batch for :func:`write_province_corpus`'s folder: ``batch`` checks of new
    firms in the same tasks (spread over all of them, or over the first ``tasks``), in a file
    of its own; returns the results written."""
    _, every_task = _province_tasks(random.Random(seed), checks)
    path = folder / "检查结果_追加批次.csv"
    rng, numbers = random.Random(seed + 1), range(checks, checks + batch)
    return _write_province_results(path, rng, every_task[:tasks], numbers)


def _province_tasks(rng: random.Random, checks: int) -> tuple[list[tuple[str, str]], list[Any]]:
    items = [(f"SJ-{n:03d}", f"{ITEM_WORDS[n % len(ITEM_WORDS)]}情况的检查（{n}）") for n in range(60)]
    task_count = max(checks // 75, 1)
    tasks = []
    for n in range(task_count):
        county = COUNTIES[n % len(COUNTIES)]
        tasks.append((f"{county}2024{n:08d}", f"2024年{county}双随机抽查（第{n + 1}批）",
                      DEPARTMENTS[n % len(DEPARTMENTS)], county, rng.sample(items, 4)))  # fmt: skip
    return items, tasks


def _write_province_results(path: Path, rng: random.Random, tasks: list[Any], numbers: range) -> int:
    results = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["抽查任务编号", "抽查任务名称", "检查实施机关", "企业名称", "统一社会信用代码",
                         "行政区划代码", "检查事项", "检查结果", "检查完成日期", "公示日期"])  # fmt: skip
        for n in numbers:
            task_id, name, department, county, task_items = tasks[n % len(tasks)]
            suffix, prefix = KINDS[n % len(KINDS)]
            firm = f"{rng.choice(PLACES)}{rng.choice(TRADES)}{n}{suffix}"
            code = prefix + county + "".join(rng.choice(ALPHABET) for _ in range(9))
            code += uscc.calc_check_digit(code)
            day = f"2024-{rng.randint(3, 11):02d}-{rng.randint(1, 28):02d}"
            for _, item_name in task_items:
                outcome = rng.choice(PROBLEM_PAIRS) if rng.random() < 0.05 else rng.choice(OUTCOMES)
                writer.writerow([task_id, name, department, firm, code, county, item_name, outcome,
                                 day, "2024-12-10"])  # fmt: skip
                results += 1
    return results


def timings(stderr: str) -> list[list[str]]:
    """The rows of ``gongkai build --timings``' table (stage, wall, CPU, peak MiB), total last."""
    start = stderr.index("阶段")
    end = stderr.index("\n", stderr.index("合计", start))
    return [line.split() for line in stderr[start:end].splitlines()[1:]]
