"""Tests for generator.publish.site.sanitize: Markdown from data to safe HTML, and the allowlist."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.publish.site.sanitize import (
    ALLOWED_TAGS,
    URL_SCHEMES,
    is_clean,
    render_markdown,
    sanitize_html,
)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _hrefs(html: str) -> list[str | None]:
    return [a.get("href") for a in _soup(html).find_all("a")]


def _no_active_content(html: str) -> None:
    soup = _soup(html)
    assert soup.find_all(["script", "style", "img", "iframe", "svg", "object", "form"]) == []
    for element in soup.find_all(True):
        assert element.name in ALLOWED_TAGS, element.name
        assert not [a for a in element.attrs if a.lower().startswith("on") or a == "style"]
    for href in _hrefs(html):
        assert href is None or not href.strip().lower().startswith(
            ("javascript", "data", "vbscript")
        )


# render_markdown: Markdown from data


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '"><svg onload=alert(1)>',
        '<a href="javascript:alert(1)">点我</a>',
        "<b onmouseover=alert(1)>粗</b>",
        "</script><script>alert(1)</script>",
        "[点我](javascript:alert(1))",
        "[点我](JavaScript:alert(1))",
        "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[点我](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "javascript:alert(1)",
        "<!-- 注释 -->",
        "<style>body{display:none}</style>",
    ],
)
def test_hostile_markdown_shows_as_literal_text(text):
    """Raw HTML and links with a rejected scheme stay the text they are, and run nothing."""
    html = render_markdown(text)
    _no_active_content(html)
    assert _soup(html).get_text().strip() == text
    assert is_clean(html)


def test_javascript_url_with_entities_is_inert():
    html = render_markdown("[点我](java&#115;cript:alert(1)) [又](jav&#x09;ascript:alert(1))")
    _no_active_content(html)
    assert all(href is None for href in _hrefs(html))


def test_only_absolute_http_links_survive():
    html = render_markdown(
        '[甲](https://www.samr.gov.cn/ "国家市场监督管理总局") [乙](http://example.org/a?b=1&c=2) '
        "[丙](../item/SJ-1/) [丁](//evil.example/x) [戊](#s-1) [己](mailto:a@example.org) "
        "[庚](ftp://example.org/)"
    )
    links = {a.get_text(): a.get("href") for a in _soup(html).find_all("a")}
    assert links["甲"] == "https://www.samr.gov.cn/"
    assert links["乙"] == "http://example.org/a?b=1&c=2"
    assert [links[k] for k in "丙丁戊己庚"] == [None] * 5
    assert _soup(html).find("a", string="甲")["title"] == "国家市场监督管理总局"
    assert is_clean(html)


def test_link_title_is_escaped():
    html = render_markdown('[甲](https://example.org/ "\\"><script>alert(1)</script>")')
    _no_active_content(html)
    assert _soup(html).find("a")["title"] == '"><script>alert(1)</script>'


def test_images_are_not_rendered():
    """A page must never load another host: an image becomes a link at most."""
    html = render_markdown("![图](http://example.com/x.png) ![坏](javascript:alert(1))")
    assert _soup(html).find("img") is None
    assert _hrefs(html) == ["http://example.com/x.png"]


def test_entities_and_chinese_text_are_kept():
    html = render_markdown("&lt;已转义&gt; &amp; &#x27; &copy; “引号”——中文，标点。")
    assert _soup(html).get_text().strip() == "<已转义> & ' © “引号”——中文，标点。"


def test_common_handbook_markdown():
    text = (
        "餐饮服务提供者应当**先取得许可证**，再开展经营活动。\n\n"
        "**需要公示：**\n\n- 营业执照；\n- 食品经营许可证。\n\n"
        "1. 第一步\n2. 第二步\n\n"
        "| 项目 | 期限 |\n| --- | ---: |\n| 健康证明 | 1 年 |\n\n"
        "> 引用\n\n`代码` ~~删除~~"
    )
    soup = _soup(render_markdown(text))
    assert [s.get_text() for s in soup.find_all("strong")] == ["先取得许可证", "需要公示："]
    assert [li.get_text() for li in soup.select("ul li")] == ["营业执照；", "食品经营许可证。"]
    assert [li.get_text() for li in soup.select("ol li")] == ["第一步", "第二步"]
    assert soup.find("td", string="1 年")["align"] == "right"  # not style="text-align:…"
    assert soup.find("blockquote") and soup.find("code") and soup.find(["del", "s"])
    assert is_clean(str(soup))


def test_headings_are_shifted_below_the_page_section():
    soup = _soup(render_markdown("# 一\n\n## 二\n\n###### 六"))
    assert [h.name for h in soup.find_all(True)] == ["h3", "h4", "h6"]


def test_control_characters_and_markdown_placeholders_are_removed():
    html = render_markdown("甲\x02wzxhzdk:0\x03乙\x00丙")
    assert "\x02" not in html and "\x03" not in html and "\x00" not in html
    assert _soup(html).get_text().strip() == "甲wzxhzdk:0乙丙"


@pytest.mark.parametrize("text", [None, ""])
def test_empty_markdown(text):
    assert render_markdown(text) == ""


# sanitize_html and is_clean


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>甲<script>alert(1)</script>乙</p>", "<p>甲乙</p>"),
        ('<p onclick="alert(1)">甲</p>', "<p>甲</p>"),
        ('<a href="javascript:alert(1)">甲</a>', "<a>甲</a>"),
        ('<a href=" JaVaScRiPt:alert(1)">甲</a>', "<a>甲</a>"),
        ('<a href="data:text/html,x">甲</a>', "<a>甲</a>"),
        ('<a href="//evil.example/">甲</a>', "<a>甲</a>"),
        ('<img src="x" onerror="alert(1)">甲', "甲"),
        ("<iframe src=x></iframe>甲", "甲"),
        ('<div class="admonition evil">甲</div>', '<div class="admonition">甲</div>'),
        ('<td align="justify" style="color:red">1</td>', "1"),
        ("<p>甲<!-- 注释 -->乙</p>", "<p>甲乙</p>"),
        ('<span style="position:fixed">甲</span>', "<span>甲</span>"),
    ],
)
def test_sanitize_html_removes_what_is_not_allowed(html, expected):
    assert sanitize_html(html) == expected
    assert not is_clean(html)


@pytest.mark.parametrize(
    "html",
    [
        # What Python-Markdown and MkDocs write for generated pages.
        '<h2 id="总计">总计<a class="headerlink" href="#总计" title="Permanent link">&para;</a></h2>',
        (
            '<table>\n<thead>\n<tr>\n<th align="right">条数</th>\n</tr>\n</thead>\n'
            '<tbody>\n<tr>\n<td align="right">1,234</td>\n</tr>\n</tbody>\n</table>'
        ),
        '<div class="admonition success">\n<p class="admonition-title">行数平衡</p>\n</div>',
        '<p><a href="../item/SJ-SC-001/">事项</a> <a href="https://example.org/">外部</a></p>',
        "<p>甲<br>乙<br/>丙 &quot;丁&quot; &#39;戊&#39; &amp;lt;</p>",
        '<ol start="3"><li>三</li></ol>',
    ],
)
def test_page_html_is_clean(html):
    assert is_clean(html)


def test_is_clean_ignores_serialisation():
    assert is_clean("<a title='甲' href='#x'>乙</a>")  # quotes, attribute order
    assert is_clean('<p>&#x7532;&lt;&gt;"</p>')  # entity spelling


def test_allowlist_has_no_dangerous_scheme():
    assert URL_SCHEMES == {"http", "https"}
    assert not {"script", "style", "img", "iframe", "object", "embed", "form"} & ALLOWED_TAGS


# Properties

HTML_SYNTAX = [
    "<p>", "</p>", "<a href='javascript:alert(1)'>", "<a href=\"https://a.cn/\">", "</a>",
    "<script>", "</script>", "<style>", "<img src=x onerror=alert(1)>", "<div class='admonition x'>",
    "</div>", "<table>", "<tr>", "<td align=right>", "<select>", "<svg onload=x>", "<math>",
    "<template>", "<noscript>", "<textarea>", "<title>", "<!--", "-->", "<![CDATA[", "]]>",
    "&amp;", "&lt;", "&", "<", ">", "\"", "'", "=", " on", "\n", "<li>", "<h2 id=x>", "<br/>",
]  # fmt: skip
HTML = st.lists(st.one_of(st.sampled_from(HTML_SYNTAX), st.text(max_size=4)), max_size=30).map(
    "".join
)


@settings(max_examples=500, deadline=None)
@given(HTML)
def test_sanitize_html_output_is_clean_and_idempotent(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once
    assert is_clean(once)
    _no_active_content(once)


MARKDOWN = st.lists(
    st.one_of(
        st.sampled_from(list("<>&#;[]()!*_`\\|-+{}:/=~^.\n\t\"' ")),
        st.sampled_from(["javascript:", "http://", "<script>", "](", "**", "中文", "\n\n", "| -"]),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN)
def test_render_markdown_output_is_clean(text):
    html = render_markdown(text)
    assert is_clean(html)
    assert sanitize_html(html) == html
    _no_active_content(html)
