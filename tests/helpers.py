"""Helpers shared by test modules (plain functions and constants; fixtures live in conftest)."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
from stdnum.cn import uscc

from generator.build import PROJECT_DIR

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
