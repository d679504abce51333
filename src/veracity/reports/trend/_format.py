"""Number formatting the trend formats share, so that all of them print the same figures."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.reports._common import NOT_APPLICABLE
from veracity.reports.trend.model import OVERALL, Change, Trend, TrendPoint

__all__ = [
    "ARROWS",
    "PROJECTION_TITLE",
    "change_text",
    "decay_text",
    "measure_label",
    "projection_caption",
    "projection_rows",
    "share_text",
    "sparkline",
    "stale_note",
]

ARROWS = {"up": "▲", "down": "▼", "same": "="}
_SPARK = "▁▂▃▄▅▆▇█"
# A true minus sign: "-0.50" next to "+0.50" misaligns in proportional fonts and reads as a dash.
_MINUS = "−"


def measure_label(measure: str) -> str:
    return "Overall" if measure == OVERALL else measure.capitalize()


def change_text(change: Change) -> str:
    """``▲ +1.23``, ``▼ −0.50``, ``= 0.00``, or ``—`` when either run lacks the measure."""
    delta = change.delta
    direction = change.direction
    if delta is None or direction is None:
        return NOT_APPLICABLE
    if direction == "same":
        return f"{ARROWS['same']} 0.00"
    sign = "+" if delta > 0 else _MINUS
    return f"{ARROWS[direction]} {sign}{abs(delta):.2f}"


def share_text(share: float | None) -> str:
    """A share 0..1 in percent, two decimals."""
    return NOT_APPLICABLE if share is None else f"{share * 100:.2f}%"


def decay_text(per_month: float | None) -> str:
    """Decay in percentage points of the audited records per month, signed."""
    if per_month is None:
        return NOT_APPLICABLE
    points = per_month * 100
    if abs(points) < 0.005:
        return "0.00 pp/month"
    sign = "+" if points > 0 else _MINUS
    return f"{sign}{abs(points):.2f} pp/month"


def sparkline(values: Sequence[float | None]) -> str:
    """One block per value, scaled between the smallest and largest; blank where missing."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    top = len(_SPARK) - 1
    if high - low < 1e-9:
        return "".join(" " if v is None else _SPARK[top // 2] for v in values)
    return "".join(" " if v is None else _SPARK[round((v - low) / (high - low) * top)] for v in values)


def stale_note(points: Sequence[TrendPoint]) -> str:
    """Why no decay can be shown."""
    measured = {p.as_of for p in points if p.stale is not None}
    if not measured:
        return "No run has a max_age rule that evaluated records, so there is no decay to measure."
    return "Decay needs max_age results on at least two different audit dates; there is only one."


#: The title of the projected points after the latest run, in every trend format.
PROJECTION_TITLE = "Projection after the latest run (max_age rules)"


def projection_caption(trend: Trend) -> str:
    """What the projected points are, and on what basis."""
    return (
        "A projection, not a measurement: the stale share expected if no record is updated "
        f"(basis: {trend.projection_basis})."
    )


def projection_rows(trend: Trend) -> list[list[str]]:
    """One row per projected point: its date, how far after the latest run, the stale share."""
    return [
        [p.as_of.isoformat(), f"in {p.months} months", share_text(p.stale), "projection"]
        for p in trend.projection
    ]
