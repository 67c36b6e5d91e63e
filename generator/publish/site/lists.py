"""The home snippets and the list pages of items, plans and tasks."""

from __future__ import annotations

from typing import Any

from generator.model.entities import Model
from generator.publish.site.markdown import (
    COUNT_FIELDS,
    HANDBOOK_INDEX,
    ITEMS_PAGE,
    NO_VALUE,
    PLANS_PAGE,
    TASKS_PAGE,
    Markdown,
    as_of_text,
    count_or_dash,
    count_text,
    escape_markdown_cell,
    front_matter,
    join_blocks,
    markdown_table,
    natural_key,
    page_link,
    period_text,
    record_href,
    record_link,
    root_of,
)

LATEST_TASKS = 10
"""How many tasks the home page lists under 最新公示的检查结果."""


LATEST_PLANS = 5
"""How many plans the home page lists under 最新发布的抽查计划."""


def render_home_snippet(report: dict[str, Any], model: Model) -> str:
    """Render the headline figures of the home page: date, counts, problem share.

    ``site_src/index.md`` includes it with ``--8<--`` (pymdownx.snippets).

    Args:
        report: The dict of ``Report.to_dict()``.
        model: The published model.

    Returns:
        A Markdown fragment.
    """
    results = len(model.results)
    problems = sum(1 for r in model.results if r.get("problem"))
    share = f"{problems / results:.1%}" if results else NO_VALUE
    rows: list[tuple[object, ...]] = [
        (page_link("抽查事项", ITEMS_PAGE), count_text(len(model.items))),
        (page_link("年度抽查计划", PLANS_PAGE), count_text(len(model.plans))),
        (page_link("抽查任务", TASKS_PAGE), count_text(len(model.tasks))),
        ("被检查的市场主体", count_text(sum(1 for e in model.enterprises.values() if e.results))),
        ("检查结果", count_text(results)),
        ("发现问题的检查结果", f"{count_text(problems)}（{share}）"),
    ]
    if model.handbook:
        sections = sum(len(s) for s in model.handbook.values())
        rows.append(
            (page_link("合规手册", HANDBOOK_INDEX), f"{len(model.handbook)} 个行业，{sections} 节")
        )
    totals = (count_text(report.get(name, 0)) for name in COUNT_FIELDS)
    return join_blocks(
        [
            f"**数据截至：{as_of_text(report)}**",
            markdown_table(("公示内容", "数量"), rows, ("left", "right")),
            "本期共读入 {} 行数据：公示 {} 行，隔离 {} 行，不予公示 {} 行。".format(*totals),
        ]
    )


def render_latest_snippet(model: Model) -> str:
    """Render the home page's latest publications: result batches and plans.

    A result *batch* is what one task published on one day. The home page lists the
    :data:`LATEST_TASKS` tasks that published most recently, each with its latest batch,
    and the :data:`LATEST_PLANS` newest plans. Included into ``site_src/index.md``.

    Args:
        model: The published model.

    Returns:
        A Markdown fragment (links relative to the site root).
    """
    root = ""
    batches: dict[str, dict[str, Any]] = {}
    for result in model.results:
        day = result.get("published_on")
        if not day:
            continue
        key = result.get("task_id") or f"@{result.get('task_name') or ''}"
        batch = batches.setdefault(key, {"day": day, "count": 0, "total": 0, "result": result})
        batch["total"] += 1
        if day > batch["day"]:
            batch.update(day=day, count=0, result=result)
        if day == batch["day"]:
            batch["count"] += 1
    latest = sorted(batches.items(), key=lambda kv: (kv[1]["day"], kv[0]), reverse=True)
    batch_rows = [
        (
            batch["day"],
            _task_cell(model, root, batch["result"]),
            count_text(batch["count"]),
            count_text(batch["total"]),
        )
        for _, batch in latest[:LATEST_TASKS]
    ]
    plans = sorted(
        model.plans.values(),
        key=lambda p: (p.get("published_on") or "", p["plan_id"]),
        reverse=True,
    )
    plan_rows = [
        (p.get("published_on"), record_link(root, "plan", p), p.get("department"))
        for p in plans[:LATEST_PLANS]
    ]
    parts = ["### 最新公示的检查结果"]
    if batch_rows:
        parts += [
            "各抽查任务最近一次公示检查结果的日期和条数：",
            markdown_table(
                ("公示日期", "抽查任务", "本次公示", "累计公示"),
                batch_rows,
                ("left", "left", "right", "right"),
            ),
            f"全部任务见{page_link('抽查任务', TASKS_PAGE)}。",
        ]
    else:
        parts.append("暂无公示的检查结果。")
    parts.append("### 最新发布的抽查计划")
    if plan_rows:
        parts += [
            markdown_table(("发布日期", "计划名称", "制定部门"), plan_rows, ("left", "left", "left")),
            f"全部计划见{page_link('年度抽查计划', PLANS_PAGE)}。",
        ]
    else:
        parts.append("暂无抽查计划。")
    return join_blocks(parts)


def render_items_page(model: Model) -> str:
    """Render 抽查事项清单: one table of every check item, each linking to its page.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = root_of(ITEMS_PAGE)
    items = sorted(model.items.values(), key=lambda i: natural_key(i["item_id"]))
    categories: dict[str, int] = {}
    for item in items:
        category = item.get("category") or "未分类"
        categories[category] = categories.get(category, 0) + 1
    summary = "，".join(f"{escape_markdown_cell(c)} {n} 项" for c, n in sorted(categories.items()))
    rows = [
        (
            item["item_id"],
            item.get("category"),
            _item_name_cell(root, item),
            item.get("department"),
            item.get("method"),
            item.get("industry"),
        )
        for item in items
    ]
    return join_blocks(
        [
            front_matter(hide=["navigation"]),
            "# 抽查事项清单",
            (
                f"本清单共 {count_text(len(items))} 项抽查事项"
                + (f"（{summary}）" if summary else "")
                + "。点击事项名称，查看抽查依据、检查内容、涉及的抽查任务和对应的合规手册章节。"
            ),
            markdown_table(
                ("事项编码", "类别", "名称/子项", "检查主体", "检查方式", "所属行业"),
                rows,
                ("left",) * 6,
            )
            if rows
            else "暂无抽查事项。",
        ]
    )


def render_plans_page(model: Model) -> str:
    """Render 年度抽查计划: one table of every plan, newest first.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = root_of(PLANS_PAGE)
    plans = sorted(
        model.plans.values(),
        key=lambda p: (str(p.get("year") or ""), p.get("published_on") or "", p["plan_id"]),
        reverse=True,
    )
    rows = [
        (
            plan.get("year"),
            record_link(root, "plan", plan),
            plan.get("department"),
            plan.get("plan_type"),
            period_text(plan),
            plan.get("published_on"),
            count_text(len(plan.get("tasks", []))),
        )
        for plan in plans
    ]
    return join_blocks(
        [
            front_matter(hide=["navigation"]),
            "# 年度抽查计划",
            (
                f"共 {count_text(len(plans))} 个抽查计划，按年度和发布日期从新到旧排列。"
                "点击计划名称，查看抽查范围、比例、时间安排、抽查事项、抽查任务和修订说明。"
            ),
            markdown_table(
                ("年度", "计划名称", "制定部门", "计划类型", "实施期间", "发布日期", "抽查任务"),
                rows,
                ("left", "left", "left", "left", "left", "left", "right"),
            )
            if rows
            else "暂无抽查计划。",
        ]
    )


def render_tasks_page(model: Model) -> str:
    """Render 抽查任务: one table of every task, newest first.

    Args:
        model: The published model.

    Returns:
        The page as Markdown.
    """
    root = root_of(TASKS_PAGE)
    tasks = sorted(
        model.tasks.values(), key=lambda t: (t.get("start") or "", t["task_id"]), reverse=True
    )
    rows = [
        (
            record_link(root, "task", task),
            task.get("lead_department"),
            period_text(task),
            count_or_dash(task.get("sample_size")),
            count_text(len(task["results"])),
            count_text(sum(1 for r in task["results"] if r.get("problem"))),
        )
        for task in tasks
    ]
    return join_blocks(
        [
            front_matter(hide=["navigation"]),
            "# 抽查任务",
            (
                f"共 {count_text(len(tasks))} 个抽查任务，按开始日期从新到旧排列。"
                "点击任务名称，查看检查事项、牵头和配合部门、抽取过程和结果公告。"
                "抽取按户计，检查结果按条计（一户检查几个事项就有几条结果）。"
            ),
            markdown_table(
                ("任务名称", "牵头部门", "实施期间", "抽取（户）", "检查结果（条）", "发现问题（条）"),
                rows,
                ("left", "left", "left", "right", "right", "right"),
            )
            if rows
            else "暂无抽查任务。",
        ]
    )


def _task_cell(model: Model, root: str, result: dict[str, Any]) -> Markdown:
    """A result's task: a link to its page when the task is published, else its name."""
    task = model.tasks.get(result.get("task_id") or "")
    if task is not None:
        return record_link(root, "task", task)
    return Markdown(
        escape_markdown_cell(result.get("task_name") or result.get("task_id")) or NO_VALUE
    )


def _item_name_cell(root: str, item: dict[str, Any]) -> Markdown:
    """名称/子项: the item's name linking to its page, then its sub-items if any."""
    name = escape_markdown_cell(item.get("name") or item["item_id"])
    cell = f'<a href="{record_href(root, "item", item["slug"])}">{name}</a>'
    if item.get("sub_item"):
        cell += f"（{escape_markdown_cell(item['sub_item'])}）"
    return Markdown(cell)


