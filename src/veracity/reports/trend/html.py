"""The trend as one self-contained HTML page: an inline SVG line chart and the tables.

Self-contained so that it can be mailed, attached to a CI run or opened from a file share
without a web server: no scripts, no external styles, fonts or images. Every string from the
store goes through :func:`html.escape`, so a rule file named ``<script>`` stays text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

from veracity.reports._common import format_score
from veracity.reports.trend._format import (
    PROJECTION_TITLE,
    change_text,
    decay_text,
    measure_label,
    projection_caption,
    projection_rows,
    share_text,
    stale_note,
)
from veracity.reports.trend.model import OVERALL, Trend

__all__ = ["render"]

# Colour-blind-safe (Okabe-Ito) with the overall score in near-black and drawn thicker.
_COLOURS = {
    OVERALL: "#222222",
    "completeness": "#0072B2",
    "validity": "#E69F00",
    "uniqueness": "#009E73",
    "timeliness": "#D55E00",
    "consistency": "#CC79A7",
    "consent": "#56B4E9",
}
_WIDTH, _HEIGHT = 760, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 40, 16, 44
# More date labels than this under the chart overlap; the tables list every run anyway.
_MAX_LABELS = 12

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th.l, td.l { text-align: left; }
th { border-bottom: 2px solid #999; }
.up { color: #1a7f37; } .down { color: #cf222e; } .same { color: #666; }
.pass { color: #1a7f37; } .fail { color: #cf222e; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
.swatch { display: inline-block; width: 1.2rem; height: .25rem; vertical-align: middle; margin-right: .35rem; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
""".strip()


def render(trend: Trend) -> str:
    title = f"Data quality trend — {trend.rule_file}"
    first, last = trend.points[0], trend.latest
    runs = len(trend.points)
    body = [
        f"<h1>Data quality trend: {format_score(last.score)} / 100</h1>",
        f'<p class="meta">Rules <code>{escape(trend.rule_file)}</code> · {runs} run{"s" if runs != 1 else ""} '
        f"from {first.as_of.isoformat()} to {last.as_of.isoformat()} · latest gate "
        f'<span class="{"pass" if last.gate_passed else "fail"}">{"PASS" if last.gate_passed else "FAIL"}</span></p>',
        "<h2>Scores over time</h2>",
        _chart(trend),
        _legend(trend),
        _runs(trend),
        "<h2>Change since the previous run</h2>",
        _changes(trend),
        "<h2>Record decay (max_age rules)</h2>",
        _decay(trend),
        *_projection(trend),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _series(trend: Trend) -> list[tuple[str, list[float | None]]]:
    overall: list[float | None] = [p.score for p in trend.points]
    series: list[tuple[str, list[float | None]]] = [(OVERALL, overall)]
    series.extend((name, [p.dimensions.get(name) for p in trend.points]) for name in trend.dimensions)
    return series


def _chart(trend: Trend) -> str:
    series = _series(trend)
    values = [v for _, vs in series for v in vs if v is not None]
    # The axis starts at the decade below the lowest score: a drop from 98 to 95 must be visible,
    # and a fixed 0..100 axis would flatten it into the top edge.
    low = max(0.0, min(90.0, math.floor(min(values, default=90.0) / 10) * 10))
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    count = len(trend.points)

    def x(i: int) -> float:
        # Runs are evenly spaced: several runs on one audit date must not sit on top of each other.
        return _LEFT + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y(value: float) -> float:
        return _TOP + plot_h * (100 - value) / (100 - low)

    label = f"Scores per run from {trend.points[0].as_of.isoformat()} to {trend.latest.as_of.isoformat()}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" '
        f'height="{_HEIGHT}" role="img" aria-label="{escape(label)}">'
    ]
    for tick in range(int(low), 101, 10):
        ty = y(tick)
        parts.append(
            f'<line x1="{_LEFT}" y1="{ty:.1f}" x2="{_WIDTH - _RIGHT}" y2="{ty:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    step = max(1, math.ceil(count / _MAX_LABELS))
    for i, point in enumerate(trend.points):
        if i % step == 0 or i == count - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{_HEIGHT - _BOTTOM + 18}" text-anchor="middle">'
                f"{point.as_of.isoformat()}</text>"
            )
    for name, series_values in series:
        colour = _COLOURS.get(name, "#777777")
        stroke = 3 if name == OVERALL else 1.75
        for run in _runs_of_values(series_values):
            if len(run) > 1:
                coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
                    'stroke-linejoin="round"/>'
                )
        for i, value in enumerate(series_values):
            if value is None:
                continue
            tip = f"{measure_label(name)} {trend.points[i].as_of.isoformat()}: {format_score(value)}"
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="{3.5 if name == OVERALL else 2.5}" '
                f'fill="{colour}"><title>{escape(tip)}</title></circle>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _runs_of_values(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive stretches without a missing value: a line must not bridge a run that did not
    score the dimension."""
    stretches: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if stretches[-1]:
                stretches.append([])
        else:
            stretches[-1].append((i, value))
    return [s for s in stretches if s]


def _legend(trend: Trend) -> str:
    items = [
        f'<li><span class="swatch" style="background:{_COLOURS.get(name, "#777777")}"></span>'
        f"{escape(measure_label(name))}</li>"
        for name, _ in _series(trend)
    ]
    return '<ul class="legend">' + "".join(items) + "</ul>"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], *, left: int = 1) -> str:
    """A table whose first ``left`` columns are text (left-aligned) and the rest figures.
    Cells are HTML already: callers escape free text."""

    def cell(tag: str, i: int, content: str) -> str:
        return f'<{tag} class="l">{content}</{tag}>' if i < left else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "\n".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _runs(trend: Trend) -> str:
    header = ["Run", "As of", "Score", *(escape(measure_label(d)) for d in trend.dimensions), "Stale", "Gate"]
    rows = [
        [
            str(p.run_id),
            p.as_of.isoformat(),
            f"<strong>{format_score(p.score)}</strong>",
            *(format_score(p.dimensions.get(d)) for d in trend.dimensions),
            share_text(p.stale),
            '<span class="pass">PASS</span>' if p.gate_passed else '<span class="fail">FAIL</span>',
        ]
        for p in trend.points
    ]
    return _table(header, rows, left=2)


def _changes(trend: Trend) -> str:
    if not trend.changes:
        return "<p>One run only: the change since the previous run needs two.</p>"
    rows = [
        [
            escape(measure_label(c.measure)),
            format_score(c.previous),
            format_score(c.current),
            f'<span class="{c.direction or "same"}">{escape(change_text(c))}</span>',
        ]
        for c in trend.changes
    ]
    return _table(["Measure", "Previous", "Latest", "Change"], rows)


def _projection(trend: Trend) -> list[str]:
    if not trend.projection:
        return []
    rows = [[escape(cell) for cell in row] for row in projection_rows(trend)]
    return [
        f"<h2>{escape(PROJECTION_TITLE)}</h2>",
        _table(["As of", "After the latest run", "Stale", "Kind"], rows, left=2),
        f"<p>{escape(projection_caption(trend))}</p>",
    ]


def _decay(trend: Trend) -> str:
    if not trend.decay:
        return f"<p>{escape(stale_note(trend.points))}</p>"
    rows = [
        [
            i.start.isoformat(),
            i.end.isoformat(),
            f"{i.months:.1f}",
            share_text(i.stale_start),
            share_text(i.stale_end),
            escape(decay_text(i.per_month)),
        ]
        for i in trend.decay
    ]
    table = _table(["From", "To", "Months", "Stale then", "Stale now", "Decay"], rows, left=2)
    return (
        table + f"\n<p>Average decay: <strong>{escape(decay_text(trend.average_decay))}</strong> "
        "(net change of the stale share over the whole period; pp = percentage points of the records "
        "the max_age rules evaluated).</p>"
    )
