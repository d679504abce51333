"""Scoring: statuses from thresholds and severities, weighted dimension scores, the gate."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import veracity
from veracity.checks import Dimension
from veracity.config import rule_set_from_objects
from veracity.errors import FieldError
from veracity.results import RuleState, Status
from veracity.scoring import (
    OTHER_SEGMENT,
    decide_gate,
    overall_score,
    score_dimensions,
    score_records,
    score_rules,
    score_segments,
)


def _rules(*specs: dict[str, Any]) -> Any:
    return rule_set_from_objects([{"check": "not_null", "field": "f", **s} for s in specs]).rules


def _state(evaluated: int, failed: int) -> RuleState:
    return RuleState(evaluated=evaluated, failed=failed)


@pytest.mark.parametrize(
    ("severity", "threshold", "evaluated", "failed", "status"),
    [
        ("error", 1.0, 10, 0, Status.PASS),
        ("error", 1.0, 10, 1, Status.FAIL),
        ("warning", 1.0, 10, 1, Status.WARN),
        ("error", 0.9, 10, 1, Status.PASS),
        ("error", 0.9, 10, 2, Status.FAIL),
        ("error", 1.0, 0, 0, Status.PASS),
    ],
)
def test_rule_status(severity: str, threshold: float, evaluated: int, failed: int, status: Status) -> None:
    rules = _rules({"id": "r", "severity": severity, "threshold": threshold})
    (result,) = score_rules(rules, {"r": _state(evaluated, failed)})
    assert result.status is status
    assert result.pass_rate == (1.0 if evaluated == 0 else (evaluated - failed) / evaluated)


def test_dimension_score_is_the_weighted_mean_of_pass_rates() -> None:
    rules = _rules({"id": "a", "weight": 3}, {"id": "b", "weight": 1})
    results = score_rules(rules, {"a": _state(10, 0), "b": _state(10, 10)})
    completeness = next(d for d in score_dimensions(results) if d.dimension is Dimension.COMPLETENESS)
    assert completeness.score == pytest.approx(75.0)
    assert (completeness.rules, completeness.evaluated, completeness.failed) == (2, 20, 10)


def test_overall_score_weights_dimensions_and_ignores_empty_ones() -> None:
    rules = rule_set_from_objects(
        [
            {"id": "a", "check": "not_null", "field": "f"},
            {"id": "b", "check": "email", "field": "f"},
        ]
    ).rules
    dimensions = score_dimensions(score_rules(rules, {"a": _state(4, 0), "b": _state(4, 2)}))
    assert overall_score(dimensions, {}) == pytest.approx(75.0)
    assert overall_score(dimensions, {Dimension.VALIDITY: 3}) == pytest.approx((100 + 3 * 50) / 4)


def test_gate_fails_on_failed_error_rules_and_low_scores() -> None:
    rules = _rules({"id": "err"}, {"id": "warn", "severity": "warning"})
    results = score_rules(rules, {"err": _state(10, 0), "warn": _state(10, 5)})
    assert decide_gate(results, 80.0, None).passed
    low = decide_gate(results, 80.0, 90)
    assert not low.passed
    assert low.reasons == ["score 80.00 is below the minimum 90"]
    failing = score_rules(rules, {"err": _state(10, 1), "warn": _state(10, 0)})
    assert decide_gate(failing, 95.0, None).reasons == [
        "rule err failed: pass rate 90.0% is below its threshold 100.0%"
    ]


def test_record_score_distribution() -> None:
    summary = score_records(pl.Series([100.0, 100.0, 50.0, 0.0, None]))
    assert summary.records == 5
    assert summary.perfect_share == pytest.approx(0.5)
    assert summary.minimum == 0.0
    assert summary.median == pytest.approx(75.0)
    assert sum(count for _, _, count in summary.histogram) == 4
    assert summary.histogram[-1] == (90.0, 100.0, 2)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 1000),
            st.integers(0, 1000),
            st.floats(0, 1),
            st.floats(0, 10),
            st.sampled_from(["not_null", "email", "unique", "max_age", "expression", "consent"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.dictionaries(st.sampled_from(list(Dimension)), st.floats(0, 10)),
)
def test_scores_stay_between_0_and_100(rows: list[tuple[int, int, float, float, str]], weights: Any) -> None:
    params = {
        "not_null": {"field": "f"},
        "email": {"field": "f"},
        "unique": {"fields": ["f"]},
        "max_age": {"field": "f", "days": 1},
        "expression": {"expr": "f > 1"},
        "consent": {"field": "f", "opt_in_field": "g"},
    }
    specs = [
        {"id": f"r{i}", "check": check, "threshold": t, "weight": w, **params[check]}
        for i, (_, _, t, w, check) in enumerate(rows)
    ]
    rules = rule_set_from_objects(specs).rules
    states = {f"r{i}": _state(e, min(f, e)) for i, (e, f, _, _, _) in enumerate(rows)}
    results = score_rules(rules, states)
    dimensions = score_dimensions(results)
    score = overall_score(dimensions, weights)
    assert 0.0 <= score <= 100.0
    for dimension in dimensions:
        assert dimension.score is None or 0.0 <= dimension.score <= 100.0
    for result in results:
        assert 0.0 <= result.pass_rate <= 1.0


def test_segments_break_every_rule_down_by_value() -> None:
    frame = pl.DataFrame(
        {"country": ["DE", "DE", "US", None], "email": ["a@example.com", "bad@@x", None, "c@example.org"]}
    )
    result = veracity.audit(
        frame,
        [
            {"id": "present", "check": "not_null", "field": "email"},
            {"id": "valid", "check": "email", "field": "email"},
        ],
        segments=["country"],
    )
    (breakdown,) = result.segments
    by_value = {s.value: s for s in breakdown.segments}
    assert list(by_value) == ["DE", "US", None]  # largest first, missing last
    de = by_value["DE"]
    assert de.records == 2
    assert [(r.id, r.evaluated, r.failed) for r in de.rules] == [("present", 2, 0), ("valid", 2, 1)]
    assert de.score == pytest.approx((100 + 50) / 2)
    assert [(r.id, r.evaluated, r.failed) for r in by_value["US"].rules] == [
        ("present", 1, 1),
        ("valid", 0, 0),
    ]


def test_segments_beyond_the_limit_merge_exactly_into_other() -> None:
    labels = pl.Series([f"v{i % 7}" for i in range(70)])
    outcomes = pl.DataFrame({"r": [i % 3 != 0 for i in range(70)]})
    rules = _rules({"id": "r"})
    breakdown = score_segments("tier", labels, outcomes, rules, {}, limit=4)
    assert [s.value for s in breakdown.segments][-1] == OTHER_SEGMENT
    assert breakdown.folded == 4
    assert sum(s.records for s in breakdown.segments) == 70
    assert sum(s.rules[0].failed for s in breakdown.segments) == 24


def test_segment_by_source_and_unknown_field() -> None:
    frames = [pl.DataFrame({"email": ["a@example.com"]}), pl.DataFrame({"email": ["bad"]})]
    rules = [{"id": "valid", "check": "email", "field": "email"}]
    (breakdown,) = veracity.audit(frames, rules, segments=["source"]).segments
    assert [(s.value, s.score) for s in breakdown.segments] == [
        ("<dataframe 0>", 100.0),
        ("<dataframe 1>", 0.0),
    ]
    with pytest.raises(
        FieldError, match=r"segment field 'emial' \(--by, segments:\) is in no source; did you mean 'email'"
    ):
        veracity.audit(frames, rules, segments=["emial"])
