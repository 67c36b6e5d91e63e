"""Record pages: one static HTML page per enterprise, task, plan and item.

Rendered with Jinja2 (autoescape) straight into the site, outside MkDocs: MkDocs renders the
whole navigation into every page and slows to minutes at a few thousand pages. The pages
reuse the Material look by wrapping their content in a *shell*: a page MkDocs itself built
(:data:`SHELL_PAGE`, at the same depth as record pages, so every relative URL in it is right
for them too), cut at :data:`SHELL_MARKER`. The shell page is removed from the site after use.

An enterprise or task page is rendered from its context alone (no model: the tasks, plans
and items it names come as the fields it shows), so a digest of that context, of the
templates, the code and the shell is everything its bytes depend on (:func:`page_inputs`): a
daily release takes each such page whose digest did not change over from the previous site
unrendered.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.errors import BuildAbort
from generator.core.fingerprint import code_digest, value_digest
from generator.core.outputs import Outputs
from generator.core.schemas import split_outcomes
from generator.core.settings import objection_facts
from generator.core.shards import Emit, run_shards
from generator.model.entities import Enterprise, Model
from generator.model.identity import RECORD_KINDS, industry_slug, record_path
from generator.stats.burden import enterprise_burden

WITHDRAWN_TEMPLATE = "withdrawn"
"""The template of withdrawal notices (撤回公告); also the key they are counted under."""

SHELL_PAGE = "generated/record/shell.md"
"""The MkDocs page whose built HTML wraps every record page, relative to ``docs_dir``."""
SHELL_URL = "record/shell/"
"""Where MkDocs builds it: two folders deep, like record pages (the hook drops generated/)."""
SHELL_MARKER = "GONGKAI-RECORD-CONTENT"
# Record pages have no nav entry and no TOC: hiding both gives their wide tables the width.
SHELL_SOURCE = f"""---
title: 记录
hide:
- navigation
- toc
---

<div class="gongkai-record">{SHELL_MARKER}</div>
"""
ROOT = "../../"
"""From a record page (``kind/slug/index.html``) back to the site root."""

_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_SHELL_H1 = re.compile(r"<h1[^>]*>.*?</h1>\s*", re.DOTALL)


@dataclass
class Shell:
    """The Material page around record content: everything before and after it."""

    head: str
    tail: str
    site_name: str

    def wrap(self, title: str, content: str) -> str:
        """A whole page: the shell with ``title`` (escaped here) and ``content`` (safe HTML)."""
        before, after = self._head_parts
        page_title = f"<title>{html.escape(title)} - {html.escape(self.site_name)}</title>"
        return before + page_title + after + content + self.tail

    @functools.cached_property
    def _head_parts(self) -> tuple[str, str]:
        match = _TITLE.search(self.head)
        if match is None:
            return self.head, ""
        return self.head[: match.start()], self.head[match.end() :]


def read_shell(site_dir: Path, site_name: str) -> Shell:
    """Cut the built shell page at its marker and remove it from the site.

    Raises:
        BuildAbort: the shell page is missing or has lost its marker.
    """
    folder = site_dir / SHELL_URL
    page = folder / "index.html"
    try:
        text = page.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildAbort(f"记录页外壳 {page} 未生成：{exc}") from exc
    head, found, tail = text.partition(SHELL_MARKER)
    if not found:
        raise BuildAbort(f"记录页外壳 {page} 中找不到标记 {SHELL_MARKER}")
    # Material inserts the page title as an <h1>; record content brings its own.
    start = head.rfind("<article")
    head = head[:start] + _SHELL_H1.sub("", head[start:], count=1)
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    if not any(folder.parent.iterdir()):
        folder.parent.rmdir()
    return Shell(head, tail, site_name)


def write_shell_source(docs_dir: Path) -> None:
    """Write the shell page's Markdown into ``docs_dir`` for MkDocs to build."""
    path = docs_dir / SHELL_PAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != SHELL_SOURCE:
        path.write_text(SHELL_SOURCE, encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    """The compiled record templates, one per kind."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.publish.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from generator.model.changes import CHANGELOG_PAGE, describe_adjustment, describe_change

    environment.globals.update(
        root=ROOT,
        changelog_path=CHANGELOG_PAGE,
        describe_change=describe_change,
        describe_adjustment=describe_adjustment,
        handbook_path=lambda industry: f"handbook/{industry_slug(industry)}/",
        objection_facts=objection_facts,
    )
    names = (*RECORD_KINDS, WITHDRAWN_TEMPLATE)
    return {name: environment.get_template(f"{name}.html") for name in names}


@dataclass(frozen=True)
class RecordPage:
    """One record page to write: where, its title and its rendered content."""

    kind: str
    slug: str
    title: str
    content: str
    template: str = ""


@dataclass(frozen=True)
class _Job:
    """A page to render: cheap to list, rendered only by the process that owns it."""

    kind: str
    slug: str
    title: str
    context: dict[str, Any]
    template: str = ""
    """The template to render with; the kind's own when empty."""
    self_contained: bool = False
    """The context is all the page shows (no ``model``): its digest is the page's inputs."""


ENTERPRISES_PER_SHARD = 5_000
"""Enterprise pages per shard (:func:`record_shards`): a few seconds' work, a few MB of pages."""


@dataclass(frozen=True)
class RecordShard:
    """A share of the record pages that one process renders: enterprises of one 行政区划代码
    (at most :data:`ENTERPRISES_PER_SHARD`, by ``keys``), or every page of another kind."""

    kind: str
    region: str = ""
    keys: tuple[str, ...] = ()


def record_shards(model: Model) -> list[RecordShard]:
    """The shards of :func:`render_records`: enterprises by region code in order, then the
    tasks, plans, items and withdrawal notices, one shard each."""
    regions: dict[str, list[str]] = {}
    for key, enterprise in model.enterprises.items():
        regions.setdefault(enterprise.region_code or "", []).append(key)
    shards = [
        RecordShard("enterprise", region, tuple(keys[start : start + ENTERPRISES_PER_SHARD]))
        for region, keys in sorted(regions.items())
        for start in range(0, len(keys), ENTERPRISES_PER_SHARD)
    ]
    return shards + [RecordShard(kind) for kind in ("task", "plan", "item", WITHDRAWN_TEMPLATE)]


def _jobs(model: Model, shard: RecordShard | None = None) -> Iterator[_Job]:
    """The record pages of ``shard`` (all of them by default), in a fixed order, with their
    template context; only the pages asked for have their context computed."""
    kind = shard.kind if shard else None
    if kind in (None, "enterprise"):
        keys = shard.keys if shard else model.enterprises
        for key in keys:
            enterprise = model.enterprises[key]
            history = _history(model, enterprise)
            context = {
                "enterprise": _enterprise_fields(enterprise),
                "history": history,
                "summary": _enterprise_summary(history),
                "burden": enterprise_burden(enterprise.results),
                "objection": model.objection,
                "handbooks": _handbooks(model, enterprise),
            }
            yield _Job("enterprise", enterprise.slug, enterprise.name, context, self_contained=True)
    if kind in (None, "task"):
        for task in model.tasks.values():
            context = {
                "task": task,
                "plan": _named(model.plans.get(task.get("plan_id") or ""), "plan_id"),
                "items": [_item_fields(model.items[i]) for i in task.get("items", [])],
                "summary": _task_summary(task.get("results", [])),
                "firms": _drawn_firms(model, task),
            }
            title = task.get("name") or task["task_id"]
            yield _Job("task", task["slug"], title, context, self_contained=True)
    if kind in (None, "plan"):
        for plan in model.plans.values():
            items = [model.item_for(ref) for ref in _split(plan.get("item_ids"))]
            context = {
                "model": model,
                "plan": plan,
                "tasks": [model.tasks[t] for t in plan["tasks"]],
                "items": [i for i in items if i is not None],
                "versions": _versions(model, "plans", plan["plan_id"]),
            }
            yield _Job("plan", plan["slug"], plan.get("name") or plan["plan_id"], context)
    if kind in (None, "item"):
        problems = Counter(r["item_ref"] for r in model.results if r["problem"] and r["item_ref"])
        for item in model.items.values():
            context = {
                "model": model,
                "item": item,
                "tasks": [model.tasks[t] for t in item["tasks"]],
                "problems": problems[item["item_id"]],
                "versions": _versions(model, "items", item["item_id"]),
            }
            yield _Job("item", item["slug"], item["name"], context)
    if kind in (None, WITHDRAWN_TEMPLATE):
        yield from _withdrawal_jobs(model)


def _withdrawal_jobs(model: Model) -> Iterator[_Job]:
    """A withdrawal notice at each address a withdrawn record leaves, unless it is live."""
    live = set(model.record_paths())
    pages: dict[str, list[dict[str, Any]]] = {}
    for withdrawal in model.withdrawals:
        for page in withdrawal["pages"]:
            if page not in live:
                pages.setdefault(page, []).append(withdrawal)
    for page, withdrawals in sorted(pages.items()):
        kind, slug = page.strip("/").split("/")
        context = {"model": model, "withdrawals": withdrawals}
        yield _Job(kind, slug, "撤回公告", context, WITHDRAWN_TEMPLATE)


def render_records(model: Model, shard: RecordShard | None = None) -> Iterator[RecordPage]:
    """Render the record pages of ``shard`` (all of them by default), in a fixed order."""
    for job in _jobs(model, shard):
        yield _render(model, job)


def _render(model: Model, job: _Job) -> RecordPage:
    template = _templates()[job.template or job.kind]
    content = template.render(notices=_notices(model, job), **job.context)
    return RecordPage(job.kind, job.slug, job.title, content, job.template)


def _notices(model: Model, job: _Job) -> list[dict[str, Any]]:
    return model.notices.get(record_path(job.kind, job.slug), [])


def page_inputs(frame: str, model: Model, job: _Job) -> str | None:
    """A digest of everything a self-contained page is made from: ``frame`` (the templates,
    the code and the shell, :func:`_frame_digest`), its context and its 更正说明; none for
    a page that reads the model."""
    if not job.self_contained:
        return None
    identity = (job.kind, job.slug, job.title, job.template)
    return value_digest(frame, identity, job.context, _notices(model, job))


def _frame_digest(shell: Shell) -> str:
    """What every record page is made with besides its context: gongkai's code and templates,
    Jinja2 and MarkupSafe, and the shell."""
    code = code_digest("jinja2", "markupsafe")
    return value_digest(code, shell.head, shell.tail, shell.site_name, ROOT)


def write_records(
    model: Model,
    site_dir: Path | Outputs,
    shell: Shell,
    workers: int = 1,
    scheduler: str | None = None,
) -> dict[str, int]:
    """Write every record page into ``site_dir``; returns pages written per kind.

    Args:
        workers: Local processes to render with; pages are independent, so the bytes
            written do not depend on it (``fork`` is used where available, else one process).
        scheduler: A Dask scheduler's address: render the shards on that cluster instead
            (:func:`generator.core.shards.run_shards`).

    Raises:
        BuildAbort: two records would share a path.
    """
    _check_paths(model)
    counts = run_shards(
        _write_shard, (model, shell), record_shards(model), site_dir,
        workers=workers, scheduler=scheduler,
    )  # fmt: skip
    return {kind: sum(c[kind] for c in counts) for kind in (*RECORD_KINDS, WITHDRAWN_TEMPLATE)}


def _check_paths(model: Model) -> None:
    """Raises BuildAbort when two records would be written at one address."""
    paths = Counter(model.record_paths())
    duplicates = sorted(path for path, count in paths.items() if count > 1)
    if duplicates:
        raise BuildAbort(f"两条记录的页面地址相同：/{duplicates[0]}")


def _write_shard(shared: tuple[Model, Shell], shard: RecordShard, emit: Emit) -> dict[str, int]:
    model, shell = shared
    frame = _frame_digest(shell)
    written = dict.fromkeys((*RECORD_KINDS, WITHDRAWN_TEMPLATE), 0)
    for job in _jobs(model, shard):
        make = functools.partial(_page_bytes, model, shell, job)
        # record_path only yields validated slugs under a fixed prefix: never outside site_dir.
        emit(f"{record_path(job.kind, job.slug)}index.html", make, page_inputs(frame, model, job))
        written[job.template or job.kind] += 1
    return written


def _page_bytes(model: Model, shell: Shell, job: _Job) -> bytes:
    page = _render(model, job)
    return shell.wrap(page.title, page.content).encode("utf-8")


def _split(text: str | None) -> list[str]:
    from generator.model.identity import split_ids

    return split_ids(text)


def _history(model: Model, enterprise: Enterprise) -> list[dict[str, Any]]:
    """An enterprise's results grouped by task, newest check first: plan → task → items → results.

    A group's date is its latest 检查完成日期; groups of one date keep the order of the data.
    """
    groups: dict[str, dict[str, Any]] = {}
    for result in enterprise.results:
        key = result.get("task_id") or f"@{result.get('authority')}@{result.get('inspected_on')}"
        group = groups.get(key)
        if group is None:
            task = model.tasks.get(result.get("task_id") or "")
            plan_id = (task or {}).get("plan_id") or result.get("plan_id")
            group = {
                "task": _named(task, "task_id"),
                "task_id": result.get("task_id"),
                "task_name": result.get("task_name"),
                "plan": _named(model.plans.get(plan_id or ""), "plan_id"),
                "authority": result.get("authority") or (task or {}).get("lead_department"),
                "results": [],
                "replies": model.replies.get((result.get("task_id") or "", enterprise.code), []),
            }
            groups[key] = group
        group["results"].append(result)
    for group in groups.values():
        group["date"] = max((r.get("inspected_on") or "" for r in group["results"]), default="")
        group["problems"] = [r for r in group["results"] if r.get("problem")]
    return sorted(groups.values(), key=lambda group: group["date"], reverse=True)


def _named(record: dict[str, Any] | None, ident: str) -> dict[str, Any] | None:
    """What an enterprise page shows of a task or plan it names: its link and name."""
    if record is None:
        return None
    return {"slug": record["slug"], "name": record.get("name"), ident: record.get(ident)}


def _enterprise_fields(enterprise: Enterprise) -> dict[str, Any]:
    """What an enterprise page shows of the enterprise (its results come as its history)."""
    pending = [{**entry, "task": _named(entry["task"], "task_id")} for entry in enterprise.pending]
    return {
        "name": enterprise.name,
        "slug": enterprise.slug,
        "code": enterprise.code,
        "code_type": enterprise.code_type,
        "names": enterprise.names,
        "entity_type": enterprise.entity_type,
        "region_code": enterprise.region_code,
        "status": enterprise.status,
        "pending": pending,
    }


def _item_fields(item: dict[str, Any]) -> dict[str, Any]:
    """What a task page shows of an item it checks: its link and name."""
    return {"slug": item["slug"], "name": item["name"], "sub_item": item.get("sub_item")}


def _drawn_firms(model: Model, task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The published enterprises among a task's verifiably drawn, by the id drawn: their
    page and name, for the draw's list."""
    firms = {}
    for draw in task.get("verifiable_draws") or []:
        for member in draw.get("drawn") or []:
            enterprise = model.enterprises.get(member.get("id"))
            if enterprise is not None:
                firms[member["id"]] = {"slug": enterprise.slug, "name": enterprise.name}
    return firms


def _handbooks(model: Model, enterprise: Enterprise) -> dict[str, list[dict[str, Any]]]:
    """The 如何整改 sections of each item the enterprise's problems were found under."""
    refs = {r["item_ref"] for r in enterprise.results if r.get("problem") and r.get("item_ref")}
    return {ref: model.items[ref]["handbook"] for ref in sorted(refs)}


def _enterprise_summary(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The answer an enterprise page opens with: its latest check and how many found problems."""
    if not history:
        return None
    return {
        "latest": history[0],
        "checks": len(history),
        "with_problems": sum(1 for group in history if group["problems"]),
    }


def _task_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """A task's 结果公告 in brief: firms checked, firms with problems (named), outcome counts."""
    firms: dict[str, dict[str, Any]] = {}
    outcomes: Counter[str] = Counter()
    for result in results:
        firm = firms.setdefault(
            result["enterprise_slug"],
            {"slug": result["enterprise_slug"], "name": result.get("entity_name"), "problem": False},
        )
        firm["problem"] = firm["problem"] or bool(result.get("problem"))
        outcomes.update(split_outcomes(result.get("outcome")) or ["结果未注明"])
    return {
        "firms": len(firms),
        "with_problems": [firm for firm in firms.values() if firm["problem"]],
        "outcomes": sorted(outcomes.items(), key=lambda pair: (-pair[1], pair[0])),
    }


def _versions(model: Model, table: str, ident: str) -> list[dict[str, Any]]:
    """The adjustments of a plan or item, oldest first: version 2, 3, … of the record."""
    return [a for a in reversed(model.adjustments) if a["table"] == table and a["id"] == ident]
