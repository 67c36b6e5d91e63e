"""The 统计 pages' charts: SVG drawn at build time (no script, no network), each with its data as CSV, and put in place of their markers after MkDocs."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.core.errors import BuildAbort
from generator.publish.data.derived import DerivedTable
from generator.publish.site.markdown import GENERATED_DIR, NO_VALUE
from generator.stats.figures import TOTAL, Statistics

CHART_MARKER = "GONGKAI-CHART:"


_MARKER = re.compile(r"<p>" + CHART_MARKER + r"([a-z0-9-]+)</p>")


_CHART_WIDTH = 400
"""The viewBox width. Charts scale to their box (``width="100%"``, at most 36rem wide): at
400 units a 390 px phone shows the 13-unit labels at about 12 px and a desktop at about 19 px."""


_BAR = 18


_GAP = 12


_LABEL = 16
"""Room above each bar for its label (labels sit above bars, not beside, to fit a phone)."""


_MUTED = "#595959"
"""Axis labels: 7:1 on the charts' white."""


_COLOURS = ("#c62828", "#1565c0", "#2e7d32", "#6a1b9a")


def year_charts(statistics: Statistics, year: str) -> list[tuple[str, str, str, str]]:
    """(name, title, svg, csv) of each chart of ``year``."""
    charts = []
    kpis = [(k, statistics.figure(TOTAL, year, k.name)) for k in statistics.kpis]
    kpis = [(k, f) for k, f in kpis if f is not None and f.value is not None]
    title = f"{year} 年各项指标（全部部门）与目标"
    charts.append(
        (
            f"kpis-{year}",
            title,
            _bar_chart(title, [(k.title, f.value, f.target) for k, f in kpis], percent=True),
            chart_csv(
                ("kpi", "title", "numerator", "denominator", "value", "target"),
                [
                    (k.name, k.title, f.numerator, f.denominator, rounded_share(f.value), f.target)
                    for k, f in kpis
                ],
            ),
        )
    )
    first = next((k.name for k in statistics.kpis if k.computes == "coverage"), "")
    coverage = [
        (d, statistics.figure(d, year, first)) for d in statistics.departments if d != TOTAL
    ]
    coverage = [(d, f) for d, f in coverage if f is not None and f.value is not None]
    if coverage:
        title = f"{year} 年各部门抽查覆盖率"
        charts.append(
            (
                f"coverage-{year}",
                title,
                _bar_chart(title, [(d, f.value, f.target) for d, f in coverage], percent=True),
                chart_csv(
                    ("department", "numerator", "denominator", "value", "target"),
                    [
                        (d, f.numerator, f.denominator, rounded_share(f.value), f.target)
                        for d, f in coverage
                    ],
                ),
            )
        )
    months = [m for m in statistics.months if m.startswith(year)]
    series = {}
    publication = [k for k in statistics.kpis if k.computes == "publication_rate"]
    timely = [k for k in statistics.kpis if k.computes == "timely_publication_rate"]
    for kpi in publication[:1] + timely[:1]:
        series[kpi.title] = [figure_value(statistics.figure(TOTAL, m, kpi.name)) for m in months]
    target = publication[0].target if publication else None
    title = f"{year} 年每月公示率与及时公示率（全部部门）"
    charts.append(
        (
            f"publication-{year}",
            title,
            _line_chart(title, months, series, target=target),
            chart_csv(
                ("month", *series),
                [
                    (m, *(rounded_share(v[i]) for v in series.values()))
                    for i, m in enumerate(months)
                ],
            ),
        )
    )
    counts = {
        "检查户次": [
            statistics.monthly.get(m, {}).get(TOTAL, {}).get("inspections", 0) for m in months
        ],
        "发现问题户次": [
            statistics.monthly.get(m, {}).get(TOTAL, {}).get("problems", 0) for m in months
        ],
    }
    title = f"{year} 年每月检查户次与发现问题户次（全部部门）"
    charts.append(
        (
            f"inspections-{year}",
            title,
            _line_chart(title, months, counts, target=None, percent=False),
            chart_csv(
                ("month", *counts),
                [(m, *(v[i] for v in counts.values())) for i, m in enumerate(months)],
            ),
        )
    )
    return charts


def _bar_chart(
    title: str, rows: Sequence[tuple[str, float, float | None]], *, percent: bool
) -> str:
    """Horizontal bars, 0–100 %, each under its label and with its target as a dashed tick."""
    left, value_room, top = 10, 60, 34
    plot = _CHART_WIDTH - left - value_room
    row = _LABEL + _BAR + _GAP
    height = top + len(rows) * row + 24
    parts = [_svg_open(title, height)]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="#ddd" stroke-width="1"/>'
        )
        anchor = "start" if tick == 0 else "middle"
        parts.append(_text(x, height - 8, f"{tick:.0%}", anchor=anchor, size=11, colour=_MUTED))
    for n, (label, value, target) in enumerate(rows):
        y = top + n * row + _LABEL
        width = max(0.0, min(1.0, value)) * plot
        parts.append(_text(left, y - 4, label))
        parts.append(
            f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{_BAR}" fill="{_COLOURS[1]}"/>'
        )
        parts.append(
            _text(
                left + width + 5,
                y + _BAR * 0.75,
                percent_text(value) if percent else str(value),
                size=12,
            )
        )
        if target is not None:
            x = left + min(1.0, target) * plot
            parts.append(
                f'<line class="gongkai-target" x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + _BAR + 3}" '
                f'stroke="{_COLOURS[0]}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
    parts.append(
        _legend(height, [("指标值", _COLOURS[1])], target=any(r[2] is not None for r in rows))
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _line_chart(
    title: str,
    months: Sequence[str],
    series: dict[str, list[float | None]] | dict[str, list[int]],
    *,
    target: float | None,
    percent: bool = True,
) -> str:
    """One line per series over the months, with the target as a dashed line."""
    height = 300
    left, right, top, bottom = 44, 14, 30, 44
    plot_w, plot_h = _CHART_WIDTH - left - right, height - top - bottom
    values = [v for line in series.values() for v in line if v is not None]
    high = 1.0 if percent else _nice_top(max([1, *values]), steps=4)
    low = 0.0
    if percent and values and min(values) > 0.8 and (target is None or target > 0.8):
        low = 0.8  # rates near 100 %: show the differences
    parts = [_svg_open(title, height)]

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - low) / ((high - low) or 1))

    for step in range(5):
        v = low + (high - low) * step / 4
        y = y_of(v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
        )
        label = f"{v:.0%}" if percent else f"{v:,.0f}"
        parts.append(_text(left - 6, y + 4, label, anchor="end", size=11, colour=_MUTED))
    step_x = plot_w / max(1, len(months) - 1) if len(months) > 1 else 0
    xs = [left + (i * step_x if len(months) > 1 else plot_w / 2) for i in range(len(months))]
    for x, month in zip(xs, months):
        parts.append(
            _text(x, top + plot_h + 18, month[5:] + "月", anchor="middle", size=11, colour=_MUTED)
        )
    if target is not None:
        y = y_of(target)
        parts.append(
            f'<line class="gongkai-target" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{_COLOURS[0]}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
    legend = []
    for n, (name, line) in enumerate(series.items()):
        colour = _COLOURS[1 + n % 3]
        points = [(x, y_of(v)) for x, v in zip(xs, line) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for x, y in points:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        legend.append((name, colour))
    parts.append(_legend(height, legend, target=target is not None))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _nice_top(value: float, *, steps: int) -> int:
    """The axis top for counts: ``steps`` equal whole steps of 1, 2, 3, 4, 5, 6 or 8 × 10^k."""
    need = value / steps
    magnitude = 1
    while magnitude * 10 < need:
        magnitude *= 10
    step = next(f * magnitude for f in (1, 2, 3, 4, 5, 6, 8, 10) if f * magnitude >= need)
    return step * steps


def _svg_open(title: str, height: int) -> str:
    label = html.escape(title, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gongkai-chart" role="img" '
        f'aria-label="{label}" viewBox="0 0 {_CHART_WIDTH} {height}" width="100%" '
        f'font-family="sans-serif">'
        f"<title>{html.escape(title)}</title>"
        f'<rect x="0" y="0" width="{_CHART_WIDTH}" height="{height}" fill="#fff"/>'
    )


def _legend(height: int, entries: list[tuple[str, str]], *, target: bool) -> str:
    parts = []
    x = 10
    y = 16
    for name, colour in entries:
        parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{colour}"/>')
        parts.append(_text(x + 16, y, name, size=12))
        x += 24 + 13 * len(name)
    if target:
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{_COLOURS[0]}" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
        )
        parts.append(_text(x + 22, y, "目标", size=12))
    return "".join(parts)


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 13, colour: str = "#222"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
        f'text-anchor="{anchor}">{html.escape(str(text))}</text>'
    )


def inject_charts(site_dir: Path) -> int:
    """Put each chart's SVG where the 统计 pages' markers are, after MkDocs built them.

    Returns:
        How many charts were put in.

    Raises:
        BuildAbort: a marker names a chart whose SVG is missing.
    """
    charts = site_dir / GENERATED_DIR / CHART_FOLDER
    done = 0
    for page in sorted((site_dir / "statistics").rglob("index.html")):
        text = page.read_text(encoding="utf-8")

        def replace(match: re.Match[str]) -> str:
            svg = charts / f"{match.group(1)}.svg"
            if not svg.is_file():
                raise BuildAbort(f"统计图 {match.group(1)} 的 SVG 文件缺失，网站未发布")
            return f'<figure class="gongkai-figure">{svg.read_text(encoding="utf-8")}</figure>'

        new, count = _MARKER.subn(replace, text)
        if count:
            page.write_text(new, encoding="utf-8")
            done += count
    return done


def chart_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A chart's data as the downloads are written (:meth:`DerivedTable.csv_bytes`)."""
    table = DerivedTable(
        name="chart", title="", description="", primary_key=(),
        fields=tuple({"name": name} for name in header),
        rows=tuple(dict(zip(header, row)) for row in rows),
    )  # fmt: skip
    return table.csv_bytes().decode("utf-8")


CHART_FOLDER = "statistics/charts"
"""Chart SVG and CSV files, relative to the generated folder (published under
``generated/statistics/charts/``: MkDocs copies them as they are)."""


def percent_text(value: float | None) -> str:
    """A share as the pages print it (``12.3%``), or a dash."""
    return NO_VALUE if value is None else f"{value:.1%}"


def figure_value(figure: Any) -> float | None:
    """A figure's value, ``None`` without a figure."""
    return None if figure is None else figure.value


def rounded_share(value: float | None) -> float | None:
    """A share rounded as charts and tables show it."""
    return None if value is None else round(value, 4)
