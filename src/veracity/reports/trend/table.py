"""The trend on the terminal: scores per run, the latest change, and record decay.

Like the audit's table report, it renders to a string with everything rich would detect from
the environment fixed, so a terminal, a CI log and the golden tests see the same text, and
every string from the store goes in as :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

from io import StringIO

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from veracity.reports._common import fixed_console, format_score, printable
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
from veracity.reports.trend.model import Trend

__all__ = ["DEFAULT_WIDTH", "render"]

DEFAULT_WIDTH = 100
_HEADING = "bold"
_MUTED = "dim"
_DIRECTION_STYLE = {"up": "green", "down": "red", "same": _MUTED}


def render(trend: Trend, *, color: bool = False, width: int | None = None) -> str:
    buffer = StringIO()
    console = fixed_console(buffer, width or DEFAULT_WIDTH, color)
    sections: list[RenderableType] = [_header(trend), _runs(trend), _changes(trend), _decay(trend)]
    if trend.projection:
        sections.append(_projection(trend))
    for section in sections:
        console.print(section)
        console.print()
    text = buffer.getvalue()
    if not color:
        # rich pads every line to the full width; trailing blanks only bloat logs and files.
        text = "\n".join(line.rstrip() for line in text.splitlines())
    return text.rstrip("\n") + "\n"


def _section(title: str) -> Table:
    return Table(
        title=Text(title, style=_HEADING),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style=_HEADING,
        collapse_padding=True,
    )


def _header(trend: Trend) -> Text:
    first, last = trend.points[0], trend.latest
    runs = len(trend.points)
    header = Text.assemble(("veracity · quality trend", _HEADING), "  rules ")
    header.append(printable(trend.rule_file), style="bold")
    header.append(
        f"\n{runs} run{'s' if runs != 1 else ''} from {first.as_of.isoformat()} to {last.as_of.isoformat()}"
        f" · latest score {format_score(last.score)} · gate {'PASS' if last.gate_passed else 'FAIL'}",
        style=_MUTED,
    )
    return header


def _runs(trend: Trend) -> Table:
    table = _section("Scores per run")
    table.add_column("Run", justify="right")
    table.add_column("As of", no_wrap=True)
    table.add_column("Score", justify="right")
    for name in trend.dimensions:
        table.add_column(measure_label(name), justify="right")
    table.add_column("Stale", justify="right")
    table.add_column("Gate")
    for point in trend.points:
        table.add_row(
            str(point.run_id),
            point.as_of.isoformat(),
            Text(format_score(point.score), style="bold"),
            *(format_score(point.dimensions.get(name)) for name in trend.dimensions),
            share_text(point.stale),
            Text("PASS", style="green") if point.gate_passed else Text("FAIL", style="red"),
        )
    return table


def _changes(trend: Trend) -> Table | Text:
    if not trend.changes:
        return Text("One run only: the change since the previous run needs two.", style=_MUTED)
    table = _section("Change since the previous run")
    table.add_column("Measure")
    table.add_column("Previous", justify="right")
    table.add_column("Latest", justify="right")
    table.add_column("Change", justify="right", no_wrap=True)
    table.add_column("History", no_wrap=True)
    for change in trend.changes:
        style = _DIRECTION_STYLE.get(change.direction or "same", _MUTED)
        table.add_row(
            Text(measure_label(change.measure), style="bold" if change.measure == "overall" else ""),
            format_score(change.previous),
            format_score(change.current),
            Text(change_text(change), style=style),
            Text(sparkline(change.history), style="cyan"),
        )
    return table


def _decay(trend: Trend) -> Table | Text:
    if not trend.decay:
        return Text.assemble(("Record decay  ", _HEADING), (stale_note(trend.points), _MUTED))
    table = _section("Record decay (max_age rules)")
    table.add_column("From", no_wrap=True)
    table.add_column("To", no_wrap=True)
    table.add_column("Months", justify="right")
    table.add_column("Stale then", justify="right")
    table.add_column("Stale now", justify="right")
    table.add_column("Decay", justify="right", no_wrap=True)
    for interval in trend.decay:
        table.add_row(
            interval.start.isoformat(),
            interval.end.isoformat(),
            f"{interval.months:.1f}",
            share_text(interval.stale_start),
            share_text(interval.stale_end),
            decay_text(interval.per_month),
        )
    table.caption = f"average {decay_text(trend.average_decay)} (net change over the whole period)"
    table.caption_justify = "left"
    return table


def _projection(trend: Trend) -> Table:
    table = _section(PROJECTION_TITLE)
    table.add_column("As of", no_wrap=True)
    table.add_column("After the latest run", no_wrap=True)
    table.add_column("Stale", justify="right")
    table.add_column("Kind", style=_MUTED)
    for row in projection_rows(trend):
        table.add_row(*row)
    table.caption = projection_caption(trend)
    table.caption_justify = "left"
    return table
