"""The trend as GitHub-flavoured Markdown, for CI job summaries and scheduled-report issues.

The rule file's name is the only free text from the store; it goes through the audit report's
escaping (:func:`veracity.reports.markdown.code`), so it can neither break a table nor inject
markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from veracity.reports._common import format_score
from veracity.reports.markdown import code
from veracity.reports.trend._format import (
    PROJECTION_TITLE,
    change_text,
    decay_text,
    measure_label,
    projection_caption,
    projection_rows,
    share_text,
    sparkline,
    stale_note,
)
from veracity.reports.trend.model import OVERALL, Trend

__all__ = ["render"]


def render(trend: Trend) -> str:
    parts = [_title(trend), _runs(trend), _changes(trend), _decay(trend), _projection(trend)]
    return "\n\n".join(part for part in parts if part) + "\n"


def _projection(trend: Trend) -> str:
    if not trend.projection:
        return ""
    table = _table(["As of", "After the latest run", "Stale", "Kind"], "llrl", projection_rows(trend))
    return f"## {PROJECTION_TITLE}\n\n{projection_caption(trend)}\n\n{table}"


def _table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> str:
    rule = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _title(trend: Trend) -> str:
    first, last = trend.points[0], trend.latest
    runs = len(trend.points)
    gate = "✅ pass" if last.gate_passed else "❌ fail"
    return (
        f"# Data quality trend: {format_score(last.score)} / 100\n\n"
        f"Rules {code(trend.rule_file)} · **{runs}** run{'s' if runs != 1 else ''} "
        f"from {first.as_of.isoformat()} to {last.as_of.isoformat()} · latest gate {gate}"
    )


def _runs(trend: Trend) -> str:
    header = ["Run", "As of", "Score", *(measure_label(d) for d in trend.dimensions), "Stale", "Gate"]
    rows = [
        [
            str(p.run_id),
            p.as_of.isoformat(),
            f"**{format_score(p.score)}**",
            *(format_score(p.dimensions.get(d)) for d in trend.dimensions),
            share_text(p.stale),
            "pass" if p.gate_passed else "fail",
        ]
        for p in trend.points
    ]
    align = "llr" + "r" * len(trend.dimensions) + "rl"
    return "## Scores per run\n\n" + _table(header, align, rows)


def _changes(trend: Trend) -> str:
    if not trend.changes:
        return "## Change since the previous run\n\nOne run only: the change needs two."
    rows = [
        [
            f"**{measure_label(c.measure)}**" if c.measure == OVERALL else measure_label(c.measure),
            format_score(c.previous),
            format_score(c.current),
            change_text(c),
            f"`{sparkline(c.history)}`" if sparkline(c.history).strip() else "—",
        ]
        for c in trend.changes
    ]
    table = _table(["Measure", "Previous", "Latest", "Change", "History"], "lrrrl", rows)
    return "## Change since the previous run\n\n" + table


def _decay(trend: Trend) -> str:
    heading = "## Record decay (max_age rules)\n\n"
    if not trend.decay:
        return heading + stale_note(trend.points)
    rows = [
        [
            i.start.isoformat(),
            i.end.isoformat(),
            f"{i.months:.1f}",
            share_text(i.stale_start),
            share_text(i.stale_end),
            decay_text(i.per_month),
        ]
        for i in trend.decay
    ]
    table = _table(["From", "To", "Months", "Stale then", "Stale now", "Decay"], "llrrrr", rows)
    average = decay_text(trend.average_decay)
    return (
        heading + table + f"\n\nAverage decay: **{average}** (net change of the stale share over the whole "
        "period; pp = percentage points of the records the max_age rules evaluated)."
    )
