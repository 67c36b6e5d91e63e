"""Benchmark the search index: build time, memory, size, and query time in headless Chromium.

For each size (results), a synthetic province-scale model is built directly in Python
(realistic Chinese names over fifteen counties, valid credit codes, 5% 15-digit registration
numbers; 1–4 items per inspection, so about one enterprise per 2.5 results), then ``build_search_index`` writes the Pagefind bundle in a child
process (so its peak memory, and the Pagefind service's, can be measured alone), and the
bundle is served on 127.0.0.1 and queried through gongkai's own search script in Debian's
Chromium, each query in a fresh browser context (cold: empty HTTP cache, nothing loaded).

Measured, and printed as a table with the load average beside the times (the machine is
shared): opening search (``load()``: Pagefind, the routing table, the main index) in bytes,
requests and ms; then per query kind (exact code, exact name, partial name, rare part: the 2
characters of a name the fewest firms hold, rare character: its one character the fewest
firms hold, broad word) the
time until the first 10 results and their data are there (the answer shown, as the box runs
the query: an exact match does not search the shards) and the bytes and requests served for
it (counted by the server), then the time and bytes until every index is searched (the
complete count).

    python benchmarks/search_queries.py                        # 10,000 and 100,000 results
    python benchmarks/search_queries.py 600000 --firms 150000  # the province shape
    python benchmarks/search_queries.py 2000                   # any sizes
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(PROJECT_DIR / "tests"))

from helpers import CHROMIUM, CHROMIUM_ARGS  # the launch flags the browser tests use
from stdnum.cn import uscc

from generator.model.entities import Model, build_model
from generator.publish.site import search
from generator.publish.site.lookup import LOOKUP_DIR
from generator.publish.site.search import PAGEFIND_DIR, build_search_index, search_records

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
COUNTIES = [
    ("140105", "太原市小店区"), ("140106", "太原市迎泽区"), ("140107", "太原市杏花岭区"),
    ("140202", "大同市平城区"), ("140302", "阳泉市城区"), ("140402", "长治市潞州区"),
    ("140502", "晋城市城区"), ("140602", "朔州市朔城区"), ("140702", "晋中市榆次区"),
    ("140802", "运城市盐湖区"), ("140902", "忻州市忻府区"), ("141002", "临汾市尧都区"),
    ("141102", "吕梁市离石区"), ("140121", "清徐县"), ("140922", "五台县"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕小红玉兰红梅文斌宇浩俊峰鹏辉晨晓东雪梅"
BRANDS = ["华润", "鑫源", "恒信", "万达", "金泰", "福满", "顺达", "兴隆", "盛世", "嘉禾", "润泽", "天和", "永昌", "瑞丰", "宏图", "聚福", "晋龙", "汾河", "太行", "五台", "三晋", "龙城", "锦绣", "康达", "春晖", "四季", "佳和", "德顺", "广源", "新星", "百汇", "众诚", "同心", "宝隆", "裕丰", "和美", "惠民", "安泰", "昌盛", "隆达"]
SOLE_TRADES = ["干果店", "饭店", "面馆", "饸饹面馆", "烧烤店", "火锅店", "超市", "便利店",
               "药店", "果蔬店", "粮油店", "肉铺", "理发店", "歌厅", "小吃部", "烟酒店"]
COMPANY_TRADES = ["餐饮有限公司", "商贸有限公司", "超市有限公司", "食品有限公司", "医药连锁有限公司",
                  "石油销售有限公司", "酒店管理有限公司", "物业服务有限公司", "汽车服务有限公司",
                  "农产品专业合作社"]
BRANCHES = ["", "", "", "", "和平街分店", "迎泽大街店", "第一分公司", "新建路加油站"]
DEPARTMENTS = ["市场监督管理局", "卫生健康局", "文化和旅游局", "应急管理局"]
OUTCOMES = (["未发现问题"] * 16 + ["发现问题已责令改正", "未按规定公示应当公示的信息",
            "发现问题待后续处理", "未发现开展本次抽查涉及的经营活动", "通过登记的住所（经营场所）无法联系"])
ITEM_TOPICS = [
    "食品经营许可", "餐饮服务食品安全管理制度落实", "从业人员健康管理", "餐饮具清洗消毒",
    "食品安全监督抽检", "进货查验记录", "明码标价", "广告发布", "计量器具强制检定",
    "特种设备使用", "企业公示信息", "公共场所卫生许可", "娱乐场所接纳未成年人", "危险化学品经营许可",
    "成品油质量", "价格行为", "产品质量", "网络交易平台", "药品经营质量管理规范", "消防安全",
]


COMMON_WORDS = ["食品安全", "未发现问题", "有限公司", "有限", "餐饮", "太原市", "忻州市", "临汾市"]
"""Broad queries: 有限/有限公司 and the city names are in about 40% and 10-20% of the names."""


# Synthetic model


def _credit_code(rng: random.Random, prefix: str, region: str) -> str:
    body = prefix + region + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _enterprise(rng: random.Random) -> tuple[str, str, str, str]:
    """(name, code, code type, entity type) of one synthetic market entity."""
    region, county = rng.choice(COUNTIES)
    if rng.random() < 0.55:
        person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        name, prefix, kind = county + person + rng.choice(SOLE_TRADES), "92", "个体工商户"
    else:
        trade = rng.choice(COMPANY_TRADES)
        prefix, kind = ("93", "农民专业合作社") if "合作社" in trade else ("91", "企业")
        name = county.split("市")[0] + ("市" if "市" in county else "") + rng.choice(BRANDS)
        name += trade + rng.choice(BRANCHES)
    if rng.random() < 0.05:
        code = region + "".join(rng.choice("0123456789") for _ in range(9))
        return name, code, "注册号", kind
    return name, _credit_code(rng, prefix, region), "统一社会信用代码", kind


def synthetic_model(results: int, seed: int = 11, firms: int = 0) -> Model:
    """A province-scale model with ``results`` result rows (deterministic for ``seed``), about
    one enterprise per 2.9 results, or at most ``firms`` enterprises."""
    rng = random.Random(seed)
    items = []
    for n, topic in enumerate(ITEM_TOPICS * 2):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        items.append({
            "item_id": f"SJ-{n:03d}", "name": f"{topic}情况的检查" + ("（专项）" if n >= 20 else ""),
            "category": "一般检查事项", "domain": topic, "department": f"山西省{department}",
            "legal_basis": "《中华人民共和国食品安全法》第五十三条", "industry": "综合",
            "sub_item": None, "content": f"{topic}的合规情况", "method": "实地核查、书面检查",
        })
    directory: dict[str, tuple[str, str, str, str]] = {}
    while len(directory) < (firms or max(results * 2 // 5, 10)):
        entity = _enterprise(rng)
        directory.setdefault(entity[1], entity)
    entities = sorted(directory.values(), key=lambda e: e[1])
    rng.shuffle(entities)
    fresh = iter(entities * 2)
    plans, tasks, rows = [], [], []
    task_count = max(results // 320, 1)
    for n in range(task_count):
        region, county = COUNTIES[n % len(COUNTIES)]
        department = county + DEPARTMENTS[n % len(DEPARTMENTS)]
        plan_id = f"{region}2024{n % 4:04d}"
        if not any(p["plan_id"] == plan_id for p in plans):
            plans.append({"plan_id": plan_id, "name": f"{department}2024年度“双随机、一公开”抽查计划",
                          "year": 2024, "department": department, "item_ids": None,
                          "scope": f"{county}辖区市场主体", "start": "2024-03-01"})
        task_items = rng.sample(items, 4)
        tasks.append({
            "task_id": f"{region}2024{n:08d}", "plan_id": plan_id,
            "name": f"2024年{task_items[0]['domain']}双随机抽查（第{n + 1}批）",
            "lead_department": department, "partner_departments": None,
            "item_ids": "、".join(i["item_id"] for i in task_items),
            "scope": f"{county}辖区市场主体", "start": "2024-03-01", "end": "2024-11-30",
        })
    while len(rows) < results:
        for task in tasks:
            # Mostly an entity not drawn before; about one visit in seven re-inspects one.
            entity = rng.choice(entities) if rng.random() < 0.15 else next(fresh)
            name, code, code_type, kind = entity
            day = f"{rng.choice((2023, 2024))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            for item_id in task["item_ids"].split("、")[: rng.randint(1, 4)]:
                if len(rows) >= results:
                    break
                rows.append({
                    "result_id": f"{len(rows):020x}", "task_id": task["task_id"],
                    "task_name": task["name"], "plan_id": task["plan_id"],
                    "authority": task["lead_department"], "entity_name": name, "uscc": code,
                    "code_type": code_type, "entity_type": kind, "item_id": item_id,
                    "item": next(i["name"] for i in items if i["item_id"] == item_id),
                    "outcome": rng.choice(OUTCOMES), "inspected_on": day, "published_on": day,
                })
            if len(rows) >= results:
                break
    return build_model(
        {"items": items, "plans": plans, "tasks": tasks, "results": rows}, "2024-12-31"
    )


# Index (child process)


class _MemorySampler(threading.Thread):
    """Samples the resident memory of this process and its descendants (Linux /proc)."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_total = self.peak_children = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            own, children = self._rss_kib()
            self.peak_total = max(self.peak_total, own + children)
            self.peak_children = max(self.peak_children, children)

    @staticmethod
    def _rss_kib() -> tuple[int, int]:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                status = (entry / "status").read_text()
            except OSError:
                continue
            pid = int(entry.name)
            parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[pid] = next((int(line.split()[1]) for line in status.splitlines()
                             if line.startswith("VmRSS:")), 0)
        me = os.getpid()
        family, grew = {me}, True
        while grew:
            grew = False
            for pid, parent in parents.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    grew = True
        return rss.get(me, 0), sum(rss.get(pid, 0) for pid in family - {me})


def index_one(results: int, site_dir: Path, firms: int = 0) -> dict[str, Any]:
    """Build the model and the index for ``results`` rows; figures with peak memory."""
    start = time.monotonic()
    model = synthetic_model(results, firms=firms)
    model_seconds = time.monotonic() - start
    if os.environ.get("GONGKAI_SHARD_RECORDS"):  # for experiments with the shard size
        search.SHARD_RECORDS = int(os.environ["GONGKAI_SHARD_RECORDS"])
    sampler = _MemorySampler()
    sampler.start()
    figures = build_search_index(model, site_dir)
    sampler.stopped.set()
    sampler.join()
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = sampler.peak_children / 1024
    files = sum(1 for p in (site_dir / PAGEFIND_DIR).rglob("*") if p.is_file())
    lookups = [p.stat().st_size for p in (site_dir / PAGEFIND_DIR / LOOKUP_DIR).iterdir()]
    # Queries to run: a few enterprises of each kind, chosen deterministically.
    rng = random.Random(5)
    sample = rng.sample(list(model.enterprises.values()), 8)
    two_char = []
    for e in sample:
        name = e.name
        i = rng.randrange(len(name) - 1)
        two_char.append([name[i : i + 2], "/enterprise/" + e.slug + "/"])
    # A rare part: the 2 characters of each sampled name that the fewest firms' names hold.
    held = Counter(
        part for e in model.enterprises.values()
        for part in {e.name[i : i + 2] for i in range(len(e.name) - 1)}
    )  # fmt: skip
    rare_part = []
    for e in sample:
        part = min((e.name[i : i + 2] for i in range(len(e.name) - 1)), key=lambda p: (held[p], p))
        rare_part.append([part, "/enterprise/" + e.slug + "/"])
    # A rare character: the one of each sampled name that the fewest firms' names hold.
    held_char = Counter(char for e in model.enterprises.values() for char in set(e.name))
    rare_char = [
        [min(e.name, key=lambda c: (held_char[c], c)), "/enterprise/" + e.slug + "/"] for e in sample
    ]
    # What a complete answer counts: records with the word in a searchable text.
    records = list(search_records(model))
    expected = {
        word: sum(1 for r in records if any(word in text for text, _ in r.fields)) for word in COMMON_WORDS
    }
    return {
        **figures,
        "expected_counts": expected,
        "results": results,
        "enterprises": len(model.enterprises),
        "tasks": len(model.tasks),
        "model_seconds": round(model_seconds, 2),
        "python_peak_mib": round(self_peak),
        "pagefind_peak_mib": round(child_peak),
        "total_peak_mib": round(sampler.peak_total / 1024),
        "files": files,
        "lookup_kb": [round(min(lookups) / 1000, 1), round(statistics.median(lookups) / 1000, 1),
                      round(max(lookups) / 1000, 1)],
        "names": [[e.name, "/enterprise/" + e.slug + "/"] for e in sample],
        "codes": [[e.code, "/enterprise/" + e.slug + "/"] for e in sample],
        "two_char": two_char,
        "rare_part": rare_part,
        "rare_char": rare_char,
    }


# Queries (Chromium)

BENCH_PAGE = """<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"></head><body>
<input type="checkbox" id="__search">
<div data-gongkai-search data-root="./"><form><input name="query"></form>
<div class="md-search-result__meta"></div><ol class="md-search-result__list"></ol>
<button class="gongkai-search__more"></button><div class="gongkai-search__filters"></div></div>
<script src="gongkai-search.js"></script></body></html>
"""

OPEN_JS = """async () => {
  const t0 = performance.now();
  await window.gongkaiSearch.load();
  return performance.now() - t0;
}"""
"""Opening search: what the box loads when the search field gets focus."""

QUERY_JS = """async (query) => {
  const search = await window.gongkaiSearch.load();
  const words = window.gongkaiSearch.queryWords(query).join(" ");
  const t0 = performance.now();
  const running = search.query(words, {}, 10, () => false, true);
  window.benchRunning = running;
  window.benchStart = t0;
  const first = await running.first;
  const top = await Promise.all(first.map((r) => r.data()));
  return {total_ms: performance.now() - t0, held: running.held(),
          urls: top.map((d) => d.url), titles: top.map((d) => d.meta.title)};
}"""
"""What the search box does: the first page of 10 results with their data (the answer shown;
an exact match holds the shards back, as in the box)."""

COMPLETE_JS = """async () => {
  const running = window.benchRunning;
  running.release();
  const all = await running.done;
  return {complete_ms: performance.now() - window.benchStart, count: all.length};
}"""
"""Then the remaining indexes, searched after the first page, for the complete count."""


class _Served:
    """Bytes and requests the benchmark's server has sent since :meth:`take`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes = self.requests = 0
        self.paths: list[str] = []

    def add(self, path: str, size: int) -> None:
        with self.lock:
            self.bytes += size
            self.requests += 1
            self.paths.append(path)

    def take(self) -> tuple[int, int, list[str]]:
        with self.lock:
            figures = (self.bytes, self.requests, self.paths)
            self.bytes = self.requests = 0
            self.paths = []
            return figures


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run_queries(site_dir: Path, queries: dict[str, list[list[str]]]) -> dict[str, list[dict]]:
    """Each query in a fresh browser context (cold cache); timings, bytes and the rank of the
    expected URL, and under ``"open"`` the cost of opening search before each query."""
    from playwright.sync_api import sync_playwright

    shutil.copy(PROJECT_DIR / "overrides/assets/javascripts/gongkai-search.js", site_dir)
    (site_dir / "bench.html").write_text(BENCH_PAGE, encoding="utf-8")
    served = _Served()

    class Counting(http.server.SimpleHTTPRequestHandler):
        def copyfile(self, source: Any, outputfile: Any) -> None:
            served.add(self.path, os.fstat(source.fileno()).st_size)
            super().copyfile(source, outputfile)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Counting, directory=str(site_dir))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    out: dict[str, list[dict]] = {"open": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for kind, pairs in queries.items():
                out[kind] = []
                for query, expected in pairs:
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(base + "bench.html")
                    page.wait_for_load_state("networkidle")
                    served.take()
                    open_ms = page.evaluate(OPEN_JS)
                    open_bytes, open_requests, _ = served.take()
                    out["open"].append({"total_ms": open_ms, "bytes": open_bytes,
                                        "requests": open_requests, "load": _load()})
                    result = page.evaluate(QUERY_JS, query)
                    result["bytes"], result["requests"], result["paths"] = served.take()
                    result["load"] = _load()
                    result.update(page.evaluate(COMPLETE_JS))
                    all_bytes, all_requests, _ = served.take()
                    result["complete_bytes"] = result["bytes"] + all_bytes
                    result["complete_requests"] = result["requests"] + all_requests
                    rank = result["urls"].index(expected) + 1 if expected in result["urls"] else None
                    # Identically named enterprises tie: the first whose title is the query.
                    same = [n + 1 for n, t in enumerate(result["titles"]) if t == query]
                    out[kind].append({"query": query, "rank": rank, "title_rank": same[0] if same else None, **result})
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--firms", type=int, default=0,
                        help="at most this many enterprises (the province: 600000 --firms 150000)")
    parser.add_argument("--index-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--site", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.index_one:
        print(json.dumps(index_one(args.index_one, args.site, args.firms), ensure_ascii=False))
        return
    report = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="gongkai-search-bench-") as temp:
            site = Path(temp) / "site"
            site.mkdir()
            child = subprocess.run(
                [sys.executable, __file__, "--index-one", str(size), "--site", str(site),
                 "--firms", str(args.firms)],
                check=True, capture_output=True, text=True,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            queries = {
                "exact code": figures["codes"],
                "exact name": figures["names"],
                "partial name": figures["two_char"],
                "rare part": figures["rare_part"],
                "rare character": figures["rare_char"],
                "broad word": [[word, None] for word in COMMON_WORDS],
            }
            timings = run_queries(site, queries)
        report.append({"figures": figures, "timings": timings})
        _print_size(figures, timings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))


def _print_size(figures: dict[str, Any], timings: dict[str, list[dict]]) -> None:
    print(
        f"\n## {figures['results']:,} results: {figures['enterprises']:,} enterprises, "
        f"{figures['tasks']:,} tasks, {figures['indexed']:,} records indexed, "
        f"{figures['shards']} indexes, {figures['lookup_files']:,} lookup files of "
        f"{figures['lookup_kb'][0]}/{figures['lookup_kb'][1]}/{figures['lookup_kb'][2]} KB "
        f"(smallest/median/largest), {figures.get('route_files', 0):,} route files"
    )
    print(
        f"index build {figures['seconds']:.1f} s (model {figures['model_seconds']:.1f} s), "
        f"peak RSS python {figures['python_peak_mib']:,} MiB + pagefind "
        f"{figures['pagefind_peak_mib']:,} MiB (together at most {figures['total_peak_mib']:,} MiB), bundle {figures['bytes'] / 2**20:.1f} MiB "
        f"in {figures['files']:,} files"
    )
    print("Cold, one fresh browser context per query. Answer: the first 10 results with their data,"
          " as the box shows them; all: every index searched (complete count).")
    head = (f"| {'':<12} | {'answer ms median / max':>22} | {'KB median / max':>15} | {'requests':>8} "
            f"| {'all ms max':>10} | {'all KB max':>10} | {'results':>8} | {'load (1/5/15 min)':<17} |")
    print(head)
    print("|" + "|".join("-" * (len(cell) + 0) for cell in head.split("|")[1:-1]) + "|")
    opened = timings["open"]
    print(_row("open search", opened, [r["total_ms"] for r in opened], "-", "-", "-"))
    for kind, rows in timings.items():
        if kind == "open":
            continue
        print(_row(
            kind, rows, [r["total_ms"] for r in rows],
            f"{max(r['complete_ms'] for r in rows):.0f}",
            f"{max(r['complete_bytes'] for r in rows) / 1000:,.0f}",
            f"{max(r['count'] for r in rows):,}",
        ))
    for kind, rows in timings.items():
        if kind in ("open", "broad word"):
            continue
        ranks: Any = [r["rank"] for r in rows]
        if kind == "exact name":
            ranks = f"{ranks}, same title first: {[r['title_rank'] for r in rows]}"
        print(f"  {kind}: ranks of the expected page {ranks}; shards held back: "
              f"{sum(r['held'] for r in rows)}/{len(rows)}")
    wrong = [
        f"{r['query']} {r['count']:,} ≠ {figures['expected_counts'][r['query']]:,}"
        for r in timings.get("broad word", []) if r["count"] != figures["expected_counts"][r["query"]]
    ]
    print("complete counts: " + ("all as expected" if not wrong else "WRONG: " + "; ".join(wrong)))
    for kind, rows in timings.items():
        if kind == "open":
            continue
        each = ", ".join(
            f"{r['query']} {r['total_ms']:.0f}/{r['complete_ms']:.0f} ms "
            f"{r['bytes'] / 1000:,.0f}/{r['complete_bytes'] / 1000:,.0f} KB ({r['count']:,})"
            for r in rows
        )
        print(f"  {kind}: {each}")


def _row(kind: str, rows: list[dict], times: list[float], all_ms: str, all_kb: str, count: str) -> str:
    kb = [r["bytes"] / 1000 for r in rows]
    requests = statistics.median(r["requests"] for r in rows)
    loads = sorted({r["load"] for r in rows}, key=lambda load: float(load.split("/")[0]))
    return (f"| {kind:<12} | {statistics.median(times):>10.0f} / {max(times):>9.0f} "
            f"| {statistics.median(kb):>6,.0f} / {max(kb):>6,.0f} | {requests:>8.0f} "
            f"| {all_ms:>10} | {all_kb:>10} | {count:>8} | {loads[-1]:<17} |")


if __name__ == "__main__":
    main()
