"""Public pages speak Chinese to the public: no issue codes, file paths or commands of the
operator, and no English error pages. (Place names: tests/test_editorial_site.py.)"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup

from generator.core.errors import ISSUE_CODES

pytestmark = pytest.mark.slow

OPERATOR = re.compile(r"schemas/|\.ya?ml\b|gongkai (?:build|validate|report|draw|serve)\b")
"""The operator's files and commands (the public's own tool, verify_draw.py, may be shown)."""


def _public_text(page) -> str:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for element in soup(["script", "style"]):
        element.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" "))


def _pages(site):
    """Every page but the draw packages (verify_draw.py's own documentation)."""
    return sorted(p for p in site.rglob("*.html") if "draws" not in p.relative_to(site).parts)


def test_public_pages_show_no_issue_codes_paths_or_commands(demo_site) -> None:
    site, _ = demo_site
    codes = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ISSUE_CODES)) + r")(?![\w-])")
    found = []
    for page in _pages(site):
        text = _public_text(page)
        found += [f"{page.relative_to(site)}: {m.group(0)}" for m in codes.finditer(text)]
        found += [f"{page.relative_to(site)}: {m.group(0)}" for m in OPERATOR.finditer(text)]
    assert found == []


def test_a_missing_page_gets_the_sites_chinese_404(site_url) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(site_url + "no/such/page/")
    assert missing.value.code == 404
    body = missing.value.read().decode("utf-8")
    soup = BeautifulSoup(body, "html.parser")
    assert soup.html["lang"].startswith("zh") and soup.h1.get_text(strip=True) == "页面不存在"
    assert "Not found" not in body and soup.find("a", string="返回首页")
    assert soup.select_one(".md-copyright")  # the whole site around it: header, search, footer


def test_other_errors_of_the_preview_server_are_chinese_too(site_url) -> None:
    request = urllib.request.Request(site_url, data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 501
    body = refused.value.read().decode("utf-8")
    assert "不支持这种请求方法" in body and "Error response" not in body


def test_a_folder_without_a_page_is_a_missing_page_not_a_listing(site_url) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(site_url + "data/")
    assert missing.value.code == 404
    assert "Directory listing" not in missing.value.read().decode("utf-8")
