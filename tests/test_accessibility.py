"""axe-core (Deque's engine, bundled in axe-playwright-python) on every page template of
the demo, at desktop and phone width, in the light and the dark scheme.

Government sites are held to GB/T 37668-2019, which takes WCAG 2.0 level AA; axe's
``wcag2a``/``wcag2aa`` rules (and the 2.1 ones) cover what a machine can check of it.
docs/accessibility.md lists what is checked by hand.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.slow

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RULES = {"runOnly": {"type": "tag", "values": TAGS}}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _templates(site) -> list[str]:
    """One page of every kind the site has: editorial, generated, record, draw and 404."""

    def first(folder: str) -> str:
        return f"{folder}/{min(p.name for p in (site / folder).iterdir() if p.is_dir())}/"

    return [
        "", "items/", "plans/", "tasks/", "handbook/", first("handbook"), "statistics/",
        "statistics/progress/", first("statistics"), "open-data/", "open-data/dictionary/",
        "open-data/changelog/", "open-data/feeds/", "quality/", "verify/", "about/",
        first("enterprise"), first("task"), first("plan"), first("item"), first("draws"),
        "no-such-page/",
    ]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_no_serious_accessibility_violations(browser, engine_url, engine_site, scheme, width) -> None:
    site, _ = engine_site
    axe = Axe()
    context = browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme)
    page = context.new_page()
    found = []
    try:
        for path in _templates(site):
            page.goto(engine_url + path, wait_until="load")
            # Theme pages show the scheme the reader's system asks for (a draw page has none).
            shown = page.evaluate("document.body.dataset.mdColorScheme || null")
            assert shown in (None, "slate" if scheme == "dark" else "default"), path
            # A phone never scrolls sideways to read a page (wide tables scroll in their box).
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= VIEWPORTS[width]["width"], (path, scroll)
            results = axe.run(page, options=RULES).response
            found += [
                f"{path or '/'}: {v['id']} ({v['impact']}) {n['target']} {n['failureSummary'][:160]}"
                for v in results["violations"]
                if v["impact"] in ("serious", "critical")
                for n in v["nodes"]
            ]
    finally:
        context.close()
    assert found == []


def test_search_opens_from_the_keyboard(browser, engine_url) -> None:
    """ "/" focuses the search box on any page, at phone width too (where it is hidden)."""
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    try:
        page.goto(engine_url + "tasks/", wait_until="load")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.name") == "query"
        page.keyboard.type("餐饮")
        page.wait_for_selector(".md-search-result__list li a")
        # Tab walks on through the filters to the results.
        reached = []
        for _ in range(10):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.tagName"))
            if page.evaluate("document.activeElement.matches('.md-search-result a')"):
                break
        assert "SELECT" in reached and reached[-1] == "A", reached
    finally:
        page.close()
