"""``veracity trend``'s report: scores per dimension over recorded runs, the change since the
previous run, and how fast records go stale.

:func:`build_trend` computes everything once from :class:`~veracity.history.RunRecord`\\ s (see
:mod:`veracity.reports.trend.model` for the exact definitions); :func:`render` prints it in one
of :data:`FORMATS`. Renderers are imported when their format is asked for, like the audit
report's.
"""

from __future__ import annotations

from veracity.errors import UsageError
from veracity.reports.trend.model import (
    DAYS_PER_MONTH,
    Change,
    DecayInterval,
    Trend,
    TrendPoint,
    build_trend,
    decay_intervals,
    stale_share,
)

__all__ = [
    "DAYS_PER_MONTH",
    "FORMATS",
    "Change",
    "DecayInterval",
    "Trend",
    "TrendPoint",
    "build_trend",
    "decay_intervals",
    "render",
    "stale_share",
]

#: Formats accepted by :func:`render`, the terminal's first.
FORMATS: tuple[str, ...] = ("table", "markdown", "html")


def render(trend: Trend, fmt: str, *, color: bool = False, width: int | None = None) -> str:
    """``trend`` in format ``fmt``; ``color`` and ``width`` only affect the table."""
    if fmt == "table":
        from veracity.reports.trend import table

        return table.render(trend, color=color, width=width)
    if fmt == "markdown":
        from veracity.reports.trend import markdown

        return markdown.render(trend)
    if fmt == "html":
        from veracity.reports.trend import html

        return html.render(trend)
    raise UsageError(f"--format: unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
