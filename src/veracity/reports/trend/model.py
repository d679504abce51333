"""What a trend report shows, computed once from recorded runs so that every format agrees.

Definitions (docs/history.md repeats them for users):

* **Stale share** of a run: the records its ``max_age`` rules found too old, as a share of the
  records those rules evaluated, pooled over all ``max_age`` rules of the run
  (Σ failed / Σ evaluated). Undefined when the run has no ``max_age`` rule or it evaluated
  nothing.
* **Decay** between two runs: the increase of the stale share divided by the months elapsed
  between their audit dates (``as_of``), one month being 365.2425 / 12 = 30.436875 days. It is in
  percentage points of the audited records per month; negative when records were refreshed
  faster than they aged. Runs with an undefined stale share are left out, and of several runs
  with the same audit date only the last one counts (no time elapses between them).
* **Average decay**: the net change of the stale share from the first to the last of those
  runs divided by all the months between them; the same as averaging the intervals' decays
  weighted by their length, so a long quiet interval is not outvoted by a short noisy one.
* **Projection**: after the latest run, its ``max_age`` rules' recorded decay projections
  pooled like the stale share (Σ expected failing / Σ evaluated) 3, 6 and 12 months after its
  audit date: what the stale share will be if no record is updated, not a measurement. Its
  basis is the rules' (observed ages or a declared yearly rate; "mixed" when they differ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from veracity.checks.timeliness import horizon_days
from veracity.history import RunRecord, rule_file_label
from veracity.results import decay_basis_text
from veracity.vocabulary import Dimension

__all__ = [
    "DAYS_PER_MONTH",
    "OVERALL",
    "Change",
    "DecayInterval",
    "ProjectedPoint",
    "Trend",
    "TrendPoint",
    "build_trend",
    "decay_intervals",
    "projected_points",
    "stale_share",
]

#: The mean Gregorian month, so that a year of decay is exactly twelve months of it.
DAYS_PER_MONTH = 365.2425 / 12
#: The name of the overall score among the measures of a :class:`Change` list.
OVERALL = "overall"
#: The check whose failures mean "this record is too old".
_AGE_CHECK = "max_age"
# Scores are shown with two decimals: a smaller move is shown as no change.
_SAME = 0.005

Direction = Literal["up", "down", "same"]


@dataclass(frozen=True)
class TrendPoint:
    """One run as the trend shows it."""

    run_id: int
    as_of: date
    started_at: str
    score: float | None  # None when no rule evaluated a record
    dimensions: dict[str, float | None]
    stale: float | None  # stale share 0..1, see the module docstring
    gate_passed: bool


@dataclass(frozen=True)
class Change:
    """How one measure moved from the previous run to the latest."""

    measure: str  # OVERALL or a dimension name
    previous: float | None
    current: float | None
    history: tuple[float | None, ...]  # the measure in every shown run, oldest first

    @property
    def delta(self) -> float | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous

    @property
    def direction(self) -> Direction | None:
        delta = self.delta
        if delta is None:
            return None
        if abs(delta) < _SAME:
            return "same"
        return "up" if delta > 0 else "down"


@dataclass(frozen=True)
class DecayInterval:
    """Stale share at two consecutive audit dates and the decay between them."""

    start: date
    end: date
    stale_start: float
    stale_end: float

    @property
    def months(self) -> float:
        return (self.end - self.start).days / DAYS_PER_MONTH

    @property
    def per_month(self) -> float:
        """Share of records (0..1) that went stale per month."""
        return (self.stale_end - self.stale_start) / self.months


@dataclass(frozen=True)
class ProjectedPoint:
    """The stale share the latest run projects some months ahead (see the module docstring)."""

    months: int
    as_of: date  # the latest audit date plus the horizon
    stale: float  # share 0..1


@dataclass(frozen=True)
class Trend:
    rule_file: str
    points: list[TrendPoint]  # oldest first
    dimensions: list[str]  # dimensions scored in any run, in the canonical order
    changes: list[Change]  # empty with fewer than two runs
    decay: list[DecayInterval]
    average_decay: float | None  # share per month, see the module docstring
    #: After the latest run: its projected stale share (empty without a projection) and basis.
    projection: list[ProjectedPoint] = field(default_factory=list)
    projection_basis: str | None = None

    @property
    def latest(self) -> TrendPoint:
        return self.points[-1]


def stale_share(run: RunRecord) -> float | None:
    """The run's stale share (see the module docstring), or None when it has none."""
    rules = [r for r in run.rules if r.check == _AGE_CHECK]
    evaluated = sum(r.evaluated for r in rules)
    if evaluated == 0:
        return None
    return sum(r.failed for r in rules) / evaluated


def projected_points(run: RunRecord) -> tuple[list[ProjectedPoint], str | None]:
    """The run's projected stale share per horizon, pooled over its max_age rules, and the
    basis in words; ([], None) when it recorded no projection."""
    rules = [r for r in run.rules if r.check == _AGE_CHECK and r.projection is not None and r.evaluated]
    if not rules:
        return [], None
    evaluated = sum(r.evaluated for r in rules)
    failing: dict[int, int] = {}
    for rule in rules:
        assert rule.projection is not None  # filtered above
        for months, count, _ in rule.projection.points:
            failing[months] = failing.get(months, 0) + count
    start = date.fromisoformat(run.as_of)
    points = [
        ProjectedPoint(months, start + timedelta(days=horizon_days(months)), count / evaluated)
        for months, count in sorted(failing.items())
    ]
    bases = {decay_basis_text(r.projection.basis, r.projection.yearly_rate) for r in rules if r.projection}
    return points, bases.pop() if len(bases) == 1 else "mixed: observed ages and declared rates"


def decay_intervals(points: Sequence[TrendPoint]) -> list[DecayInterval]:
    """The intervals between consecutive audit dates that both have a stale share."""
    by_date: dict[date, float] = {}
    for point in points:  # oldest first, so a later run of the same date replaces an earlier one
        if point.stale is not None:
            by_date[point.as_of] = point.stale
    dates = sorted(by_date)
    return [DecayInterval(a, b, by_date[a], by_date[b]) for a, b in pairwise(dates)]


def build_trend(runs: Sequence[RunRecord]) -> Trend:
    """The trend of ``runs`` (at least one, oldest first, of one rule file)."""
    if not runs:
        raise ValueError("a trend needs at least one run")
    points = [
        TrendPoint(
            run_id=run.id,
            as_of=date.fromisoformat(run.as_of),
            started_at=run.started_at,
            score=run.score,
            dimensions=run.dimension_scores,
            stale=stale_share(run),
            gate_passed=run.gate_passed,
        )
        for run in runs
    ]
    present = {name for p in points for name, score in p.dimensions.items() if score is not None}
    dimensions: list[str] = [str(d.value) for d in Dimension if d.value in present]
    changes: list[Change] = []
    if len(points) >= 2:
        previous, current = points[-2], points[-1]
        changes.append(Change(OVERALL, previous.score, current.score, tuple(p.score for p in points)))
        changes.extend(
            Change(
                name,
                previous.dimensions.get(name),
                current.dimensions.get(name),
                tuple(p.dimensions.get(name) for p in points),
            )
            for name in dimensions
        )
    intervals = decay_intervals(points)
    average = None
    if intervals:
        first, last = intervals[0], intervals[-1]
        months = (last.end - first.start).days / DAYS_PER_MONTH
        average = (last.stale_end - first.stale_start) / months
    projection, basis = projected_points(runs[-1])
    return Trend(
        rule_file=rule_file_label(runs[-1]),
        points=points,
        dimensions=dimensions,
        changes=changes,
        decay=intervals,
        average_decay=average,
        projection=projection,
        projection_basis=basis,
    )
