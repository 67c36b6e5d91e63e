"""Corrections as the site shows them: where the change log is and how one change is worded.

Shared by the release history (:mod:`generator.model.releases`, which decides which old values
may be quoted), the feeds and the pages. Imports nothing of gongkai, so the pages and feeds do
not depend on how releases are compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CHANGELOG_PAGE = "open-data/changelog/"
"""The 更新日志 page, relative to the site root."""
NOT_QUOTED = "（更正前的内容不再公示）"
"""What a correction shows instead of the old value of a free-text field."""


def describe_change(change: Mapping[str, Any]) -> str:
    """One changed field as notices, feeds and the change log show it."""
    before, after = change.get("before"), change.get("after")
    if before == NOT_QUOTED:
        return f"{change['title']}已更正{NOT_QUOTED}"
    shown = ["（空）" if v in (None, "") else str(v).strip() for v in (before, after)]
    return f"{change['title']}：由“{shown[0]}”更正为“{shown[1]}”"




def describe_adjustment(change: Mapping[str, Any]) -> str:
    """One adjusted field of a plan or item list: both versions, which are public documents."""
    shown = ["（空）" if v in (None, "") else str(v).strip() for v in (change.get("before"), change.get("after"))]
    return f"{change['title']}：由“{shown[0]}”调整为“{shown[1]}”"


def describe_follow_up(change: Mapping[str, Any]) -> str:
    """One follow-up step added to a result (its value as now published)."""
    after = change.get("after")
    return f"{change['title']}：{'（空）' if after in (None, '') else str(after).strip()}"
