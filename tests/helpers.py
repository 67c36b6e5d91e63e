"""Helpers shared by test modules (plain functions and constants; fixtures live in conftest)."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
from stdnum.cn import uscc

from generator.build import PROJECT_DIR
from generator.publish.site.markdown import GENERATED_DIR

DATA_DIR = PROJECT_DIR / "data"
CHROMIUM = "/usr/bin/chromium"
# No background traffic: this machine has no network, and the tests assert none is tried.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def personal_values() -> set[str]:
    """ID numbers and phones as they stand in the raw demo export."""
    book = openpyxl.load_workbook(DATA_DIR / "exports" / "检查结果_市场监管局_2024上半年.xlsx")
    rows = list(book.active.iter_rows(values_only=True))
    header = [str(h or "") for h in rows[1]]
    found = set()
    for title in ("身份证号", "手机号"):
        column = header.index(title)
        found |= {str(r[column]) for r in rows[2:] if r[column]}
    return found


def valid_code(n: int) -> str:
    """The n-th of a series of valid 统一社会信用代码."""
    body = f"9114090200000{n:04d}"
    return body + uscc.calc_check_digit(body)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a UTF-8-with-BOM CSV export."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


SEARCH_ALL = """async ([query, filters]) => {
  const pagefind = await window.gongkaiSearch.load();
  const words = window.gongkaiSearch.queryWords(query || "").join(" ");
  const found = await pagefind.search(words || null, {filters: filters || {}});
  const pages = await Promise.all(found.results.map((r) => r.data()));
  return pages.map((p) => new URL(p.url, location.href).pathname);
}"""
"""Every page the search box's own Pagefind finds for ``[query, filters]`` (site paths), with
the page's own tokenisation: for ``page.evaluate``."""


def type_query(page, query: str) -> list[str]:
    """Search with the header box; the result links shown, in order."""
    box = page.locator(".gongkai-search input[name=query]")
    box.click()
    box.fill(query)
    page.wait_for_function(
        "q => document.querySelector('[data-gongkai-search]').dataset.gongkaiSearched"
        " === window.gongkaiSearch.queryWords(q).join(' ')",
        arg=query,
    )
    links = page.locator(".gongkai-search .md-search-result__link")
    return [urlsplit(links.nth(i).get_attribute("href")).path for i in range(links.count())]


def copy_project(folder: Path) -> Path:
    """Copy the site sources (mkdocs.yml, site_src/, overrides/) into ``folder``, to build
    without touching the working tree's ``site_src/generated/``; returns its ``mkdocs.yml``."""
    project = folder / "project"
    shutil.copytree(PROJECT_DIR / "overrides", project / "overrides")
    shutil.copytree(
        PROJECT_DIR / "site_src", project / "site_src", ignore=shutil.ignore_patterns(GENERATED_DIR)
    )
    shutil.copy(PROJECT_DIR / "mkdocs.yml", project / "mkdocs.yml")
    return project / "mkdocs.yml"


def public_project(folder: Path) -> tuple[Path, str]:
    """A copy of the site sources with mkdocs.yml's example ``site_url`` switched on, as a
    deployment has it: (its ``mkdocs.yml``, the site_url)."""
    config = copy_project(folder)
    text = config.read_text(encoding="utf-8").replace("# site_url:", "site_url:", 1)
    config.write_text(text, encoding="utf-8")
    url = re.search(r"^site_url: (\S+)", text, re.MULTILINE)
    assert url, "mkdocs.yml has no commented-out site_url example"
    return config, url.group(1)


def console_errors(page) -> list[str]:
    """Collect a Playwright page's console errors, script errors and failed requests.

    The theme fetches sitemap.xml beside the feed links; a build without site_url has none
    (generator/publish/site/sitemap.py), so that one 404 is not an error. Any other is.
    """
    errors: list[str] = []
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}")
        if r.status >= 400 and not r.url.endswith("/sitemap.xml")
        else None,
    )
    page.on(
        "console",
        lambda m: errors.append(m.text)
        if m.type == "error" and not m.text.startswith("Failed to load resource")
        else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def bad_fixtures_module() -> Any:
    """``tests/fixtures/make_bad_fixtures.py`` as a module: its cases and row builders."""
    spec = importlib.util.spec_from_file_location(
        "make_bad_fixtures", Path(__file__).parent / "fixtures" / "make_bad_fixtures.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
