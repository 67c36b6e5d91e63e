"""Valid HTML from the theme: the few spots where Material's templates break the HTML standard.

The Nu HTML Checker (vnu) finds the same three errors on every page the theme renders. Each is
fixed here, on the page as rendered, rather than by copying whole theme templates into
``overrides/`` (they would drift from the pinned theme version unnoticed; this fails loudly in
``tests/test_validity.py`` instead):

* ``autocomplete="off"`` on the drawer and search checkboxes: the attribute is not allowed on
  checkboxes. The theme uses it to stop Firefox restoring an open drawer on "back";
  ``gongkai-search.js`` closes both toggles on ``pageshow`` instead.
* ``tabindex=""`` on section labels of the navigation: an empty tabindex is not an integer.
  Dropping it is what the theme means (those labels are not meant to be focusable).
* ``<label for="__toc">`` on pages outside the navigation (monthly statistics, 工作进度):
  there the theme renders the table of contents' title but not the checkbox it toggles, so
  the label names no control. It becomes a plain ``<div>`` of the same class.
"""

from __future__ import annotations

import re

_CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input\b[^>]*\btype="checkbox"[^>]*?)\s+autocomplete="off"')
_EMPTY_TABINDEX = re.compile(r'\s+tabindex=""')
_TOC_LABEL = re.compile(r'<label class="md-nav__title" for="__toc">(.*?)</label>', re.DOTALL)


def valid_theme_markup(page: str) -> str:
    """``page`` with the theme's invalid markup (see the module docstring) corrected."""
    page = _CHECKBOX_AUTOCOMPLETE.sub(r"\1", page)
    page = _EMPTY_TABINDEX.sub("", page)
    if 'id="__toc"' not in page:
        page = _TOC_LABEL.sub(r'<div class="md-nav__title">\1</div>', page)
    return page
