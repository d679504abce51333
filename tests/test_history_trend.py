"""The trend's numbers on a hand-made series: stale share, decay per month, its average, and
the change since the previous run."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veracity.history import DimensionRecord, RuleRecord, RunRecord
from veracity.reports.trend import DAYS_PER_MONTH, build_trend, decay_intervals, stale_share


def rule(rule_id: str, check: str, evaluated: int, failed: int) -> RuleRecord:
    return RuleRecord(
        id=rule_id,
        check=check,
        dimension="timeliness" if check == "max_age" else "validity",
        severity="warning",
        threshold=0.9,
        fields=("updated",),
        evaluated=evaluated,
        failed=failed,
        pass_rate=(evaluated - failed) / evaluated if evaluated else 1.0,
        status="pass",
    )


def run(
    run_id: int,
    as_of: str,
    *,
    stale: tuple[int, int] | None = None,
    score: float = 90.0,
    dimensions: dict[str, float | None] | None = None,
    rules: tuple[RuleRecord, ...] = (),
) -> RunRecord:
    age_rules = (rule("fresh", "max_age", stale[1], stale[0]),) if stale else ()
    return RunRecord(
        id=run_id,
        recorded_at="2024-01-01T00:00:00+00:00",
        started_at=f"{as_of}T06:00:{run_id:02d}+00:00",
        as_of=as_of,
        duration_seconds=1.0,
        tool_version="veracity 0.1.0",
        rule_file="rules.yaml",
        rule_file_path="/project/rules.yaml",
        rule_file_sha256="ab" * 32,
        record_key=None,
        score=score,
        records=1000,
        gate_passed=True,
        min_score=None,
        dimensions=tuple(
            DimensionRecord(name, value, 1, 1000, 0) for name, value in (dimensions or {}).items()
        ),
        rules=(*age_rules, *rules),
    )


def test_stale_share_pools_all_max_age_rules_and_ignores_others() -> None:
    pooled = run(
        1,
        "2024-01-31",
        rules=(
            rule("updated", "max_age", 800, 80),
            rule("consent-date", "max_age", 200, 70),
            rule("email", "email", 1000, 900),
        ),
    )
    assert stale_share(pooled) == pytest.approx(150 / 1000)
    assert stale_share(run(2, "2024-01-31", rules=(rule("email", "email", 10, 1),))) is None
    assert stale_share(run(3, "2024-01-31", stale=(0, 0))) is None  # nothing evaluated


def test_decay_per_month_and_its_time_weighted_average() -> None:
    # 91.31 days = 3 mean months; 30.44 days = 1 month.
    series = [
        run(1, "2024-01-01", stale=(100, 1000)),  # 10 %
        run(2, "2024-04-01", stale=(160, 1000)),  # 16 %, +6 pp over 91 days
        run(3, "2024-05-01", stale=(130, 1000)),  # 13 %, refreshed: -3 pp over 30 days
    ]
    trend = build_trend(series)
    first, second = trend.decay
    assert (first.start, first.end) == (date(2024, 1, 1), date(2024, 4, 1))
    assert first.months == pytest.approx(91 / DAYS_PER_MONTH)
    assert first.per_month == pytest.approx(0.06 / (91 / DAYS_PER_MONTH))
    assert second.per_month == pytest.approx(-0.03 / (30 / DAYS_PER_MONTH))
    # Net +3 pp over 121 days, not the mean of the two rates.
    assert trend.average_decay == pytest.approx(0.03 / (121 / DAYS_PER_MONTH))
    assert trend.average_decay != pytest.approx((first.per_month + second.per_month) / 2)


def test_a_year_of_steady_decay_is_the_same_rate_every_month() -> None:
    series = [run(i + 1, f"2023-{i + 1:02d}-01", stale=(20 * i, 1000)) for i in range(12)]
    series.append(run(13, "2024-01-01", stale=(240, 1000)))
    trend = build_trend(series)
    assert trend.average_decay == pytest.approx(0.24 / (365 / DAYS_PER_MONTH))
    assert all(
        i.per_month == pytest.approx(0.02 * DAYS_PER_MONTH / (i.end - i.start).days) for i in trend.decay
    )


def test_runs_without_max_age_are_skipped_and_the_last_run_of_a_date_counts() -> None:
    series = [
        run(1, "2024-01-01", stale=(100, 1000)),
        run(2, "2024-02-01"),  # no max_age rule
        run(3, "2024-03-01", stale=(500, 1000)),  # superseded by the later run of the same date
        run(4, "2024-03-01", stale=(200, 1000)),
    ]
    (interval,) = decay_intervals(build_trend(series).points)
    assert (interval.start, interval.end) == (date(2024, 1, 1), date(2024, 3, 1))
    assert (interval.stale_start, interval.stale_end) == (0.1, 0.2)


def test_no_decay_without_two_dated_measurements() -> None:
    assert build_trend([run(1, "2024-01-01"), run(2, "2024-02-01")]).average_decay is None
    same_day = build_trend([run(1, "2024-01-01", stale=(1, 10)), run(2, "2024-01-01", stale=(2, 10))])
    assert same_day.decay == []
    assert same_day.average_decay is None


@given(
    shares=st.lists(st.integers(min_value=0, max_value=1000), min_size=2, max_size=8),
    gaps=st.lists(st.integers(min_value=1, max_value=400), min_size=8, max_size=8),
)
def test_the_average_is_the_interval_rates_weighted_by_length(shares: list[int], gaps: list[int]) -> None:
    day = date(2020, 1, 1).toordinal()
    series = []
    for i, share in enumerate(shares):
        series.append(run(i + 1, date.fromordinal(day).isoformat(), stale=(share, 1000)))
        day += gaps[i]
    trend = build_trend(series)
    weighted = sum(i.per_month * i.months for i in trend.decay) / sum(i.months for i in trend.decay)
    assert trend.average_decay == pytest.approx(weighted)


def test_the_change_since_the_previous_run_per_dimension_and_overall() -> None:
    series = [
        run(1, "2024-01-01", score=80.0, dimensions={"validity": 90.0, "timeliness": None}),
        run(2, "2024-02-01", score=85.5, dimensions={"validity": 88.0, "completeness": 99.0}),
        run(
            3,
            "2024-03-01",
            score=85.501,
            dimensions={"validity": 87.0, "completeness": 99.0, "timeliness": 70.0},
        ),
    ]
    trend = build_trend(series)
    assert trend.dimensions == ["completeness", "validity", "timeliness"]  # canonical order
    changes = {c.measure: c for c in trend.changes}
    assert list(changes) == ["overall", "completeness", "validity", "timeliness"]
    assert changes["overall"].direction == "same"  # +0.001 rounds to no change
    assert changes["validity"].delta == pytest.approx(-1.0)
    assert changes["validity"].direction == "down"
    assert changes["timeliness"].previous is None
    assert changes["timeliness"].direction is None
    assert changes["completeness"].history == (None, 99.0, 99.0)


def test_one_run_has_no_change() -> None:
    trend = build_trend([run(1, "2024-01-01")])
    assert trend.changes == []
    with pytest.raises(ValueError, match="at least one run"):
        build_trend([])
