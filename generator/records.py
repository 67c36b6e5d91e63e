"""Record pages: one static HTML page per enterprise, task, plan and item.

Rendered with Jinja2 (autoescape) straight into the site, outside MkDocs: MkDocs renders the
whole navigation into every page and slows to minutes at a few thousand pages. The pages
reuse the Material look by wrapping their content in a *shell*: a page MkDocs itself built
(:data:`SHELL_PAGE`, at the same depth as record pages, so every relative URL in it is right
for them too), cut at :data:`SHELL_MARKER`. The shell page is removed from the site after use.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import BuildAbort
from generator.model import SAFE_SLUG, Enterprise, Model, record_slug

RECORD_KINDS = ("enterprise", "task", "plan", "item")
"""URL prefixes of record pages: ``/enterprise/<slug>/`` and so on."""

SHELL_PAGE = "generated/record/shell.md"
"""The MkDocs page whose built HTML wraps every record page, relative to ``docs_dir``."""
SHELL_URL = "record/shell/"
"""Where MkDocs builds it: two folders deep, like record pages (the hook drops generated/)."""
SHELL_MARKER = "GONGKAI-RECORD-CONTENT"
SHELL_SOURCE = f"""---
title: 记录
---

<div class="gongkai-record">{SHELL_MARKER}</div>
"""
ROOT = "../../"
"""From a record page (``kind/slug/index.html``) back to the site root."""

_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_SHELL_H1 = re.compile(r"<h1[^>]*>.*?</h1>\s*", re.DOTALL)


def record_path(kind: str, slug: str) -> str:
    """The site-relative path of a record page, e.g. ``enterprise/9114…/`` (trailing slash).

    Raises:
        ValueError: an unknown kind, or a slug that is not path-safe.
    """
    if kind not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    if not (SAFE_SLUG.fullmatch(slug) and slug not in (".", "..")):
        raise ValueError(f"unsafe record slug {slug!r}")
    return f"{kind}/{slug}/"


def industry_slug(industry: str) -> str:
    """A stable, path-safe slug for a handbook industry (``i-`` and a short hash)."""
    return "i-" + hashlib.sha256(industry.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Shell:
    """The Material page around record content: everything before and after it."""

    head: str
    tail: str
    site_name: str

    def wrap(self, title: str, content: str) -> str:
        """A whole page: the shell with ``title`` (escaped here) and ``content`` (safe HTML)."""
        page_title = f"<title>{html.escape(title)} - {html.escape(self.site_name)}</title>"
        return _TITLE.sub(lambda _: page_title, self.head, count=1) + content + self.tail


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


def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals.update(
        root=ROOT,
        enterprise_slug=record_slug,
        handbook_path=lambda industry: f"handbook/{industry_slug(industry)}/",
    )
    return environment


@dataclass(frozen=True)
class RecordPage:
    """One record page to write: where, its title and its rendered content."""

    kind: str
    slug: str
    title: str
    content: str


def render_records(model: Model) -> Iterator[RecordPage]:
    """Render every record page's content, in a fixed order."""
    environment = _environment()
    templates = {kind: environment.get_template(f"{kind}.html") for kind in RECORD_KINDS}
    for enterprise in model.enterprises.values():
        content = templates["enterprise"].render(
            model=model, enterprise=enterprise, history=_history(model, enterprise)
        )
        yield RecordPage("enterprise", enterprise.slug, enterprise.name, content)
    for task in model.tasks.values():
        content = templates["task"].render(
            model=model,
            task=task,
            plan=model.plans.get(task.get("plan_id") or ""),
            items=[model.items[i] for i in task.get("items", [])],
        )
        yield RecordPage("task", task["slug"], task.get("name") or task["task_id"], content)
    for plan in model.plans.values():
        items = [model.item_for(ref) for ref in _split(plan.get("item_ids"))]
        content = templates["plan"].render(
            model=model,
            plan=plan,
            tasks=[model.tasks[t] for t in plan["tasks"]],
            items=[i for i in items if i is not None],
        )
        yield RecordPage("plan", plan["slug"], plan.get("name") or plan["plan_id"], content)
    for item in model.items.values():
        problems = sum(1 for r in model.results if r.get("item_ref") == item["item_id"] and r["problem"])
        content = templates["item"].render(
            model=model,
            item=item,
            tasks=[model.tasks[t] for t in item["tasks"]],
            problems=problems,
        )
        yield RecordPage("item", item["slug"], item["name"], content)


def write_records(
    model: Model, site_dir: Path, shell: Shell, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write every record page into ``site_dir``; returns pages written per kind.

    Raises:
        BuildAbort: two records would share a path, or a path would leave ``site_dir``.
    """
    root = site_dir.resolve()
    written: dict[str, int] = dict.fromkeys(RECORD_KINDS, 0)
    seen: set[str] = set()
    for page in render_records(model):
        path = record_path(page.kind, page.slug)
        if path in seen:
            raise BuildAbort(f"两条记录的页面地址相同：/{path}")
        seen.add(path)
        target = (site_dir / path / "index.html").resolve()
        if not target.is_relative_to(root):
            raise BuildAbort(f"记录页地址越出网站目录：/{path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shell.wrap(page.title, page.content), encoding="utf-8")
        written[page.kind] += 1
        if progress:
            progress(1)
    return written


def _split(text: str | None) -> list[str]:
    from generator.model import split_ids

    return split_ids(text)


def _history(model: Model, enterprise: Enterprise) -> list[dict[str, Any]]:
    """An enterprise's results grouped by task, oldest first: plan → task → items → results."""
    groups: dict[str, dict[str, Any]] = {}
    for result in enterprise.results:
        key = result.get("task_id") or f"@{result.get('authority')}@{result.get('inspected_on')}"
        group = groups.get(key)
        if group is None:
            task = model.tasks.get(result.get("task_id") or "")
            plan_id = (task or {}).get("plan_id") or result.get("plan_id")
            group = {
                "task": task,
                "task_id": result.get("task_id"),
                "task_name": result.get("task_name"),
                "plan": model.plans.get(plan_id or ""),
                "authority": result.get("authority") or (task or {}).get("lead_department"),
                "results": [],
            }
            groups[key] = group
        group["results"].append(result)
    return list(groups.values())
