"""Scoring: statuses from thresholds and severities, weighted dimension scores, the gate."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity
from veracity.checks import Dimension
from veracity.config import rule_set_from_objects
from veracity.errors import FieldError
from veracity.results import DimensionScore, RecordScores, RuleState, Status
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
        ("error", 1.0, 0, 0, Status.NOT_EVALUATED),
        ("warning", 0.0, 0, 0, Status.NOT_EVALUATED),
    ],
)
def test_rule_status(severity: str, threshold: float, evaluated: int, failed: int, status: Status) -> None:
    rules = _rules({"id": "r", "severity": severity, "threshold": threshold})
    (result,) = score_rules(rules, {"r": _state(evaluated, failed)})
    assert result.status is status
    assert result.rate == (None if evaluated == 0 else (evaluated - failed) / evaluated)


@pytest.mark.parametrize(
    ("severity", "min_evaluated", "evaluated", "failed", "status"),
    [
        ("error", 5, 4, 0, Status.FAIL),  # N-1: too few, however well they did
        ("error", 5, 5, 0, Status.PASS),  # N: enough
        ("error", 5, 6, 1, Status.FAIL),  # enough, but below the threshold
        ("error", 5, 0, 0, Status.FAIL),  # nothing at all
        ("warning", 5, 4, 0, Status.FAIL),  # a minimum is enforced whatever the severity
        ("error", 0, 0, 0, Status.NOT_EVALUATED),  # min_evaluated: 0 accepts evaluating nothing
    ],
)
def test_min_evaluated(
    severity: str, min_evaluated: int, evaluated: int, failed: int, status: Status
) -> None:
    rules = _rules({"id": "r", "severity": severity, "min_evaluated": min_evaluated})
    (result,) = score_rules(rules, {"r": _state(evaluated, failed)})
    assert result.status is status
    assert result.too_few_evaluated is (evaluated < min_evaluated)


def test_min_evaluated_fails_the_gate_with_a_reason_saying_so() -> None:
    rules = _rules({"id": "few", "min_evaluated": 5}, {"id": "other"})
    results = score_rules(rules, {"few": _state(4, 0), "other": _state(10, 0)})
    gate = decide_gate(results, 100.0, None)
    assert not gate.passed
    assert gate.reasons == ["rule few failed: it evaluated 4 records, fewer than its min_evaluated 5"]
    assert gate.warnings == []


def _completeness(results: list[Any]) -> float | None:
    return next(d for d in score_dimensions(results) if d.dimension is Dimension.COMPLETENESS).score


# (evaluated, failed) per rule of one dimension -> the dimension's score; rules that evaluated
# no record are left out, and a dimension with none that did has no score.
@pytest.mark.parametrize(
    ("states", "dimension_score"),
    [
        ([(0, 0)], None),
        ([(0, 0), (0, 0)], None),
        ([(10, 5), (0, 0)], 50.0),
        ([(10, 0), (0, 0), (4, 4)], 50.0),
        ([(10, 0), (10, 10)], 50.0),
    ],
)
def test_rules_that_evaluated_nothing_are_left_out_of_scores(
    states: list[tuple[int, int]], dimension_score: float | None
) -> None:
    rules = _rules(*({"id": f"r{i}"} for i in range(len(states))))
    results = score_rules(rules, {f"r{i}": _state(*state) for i, state in enumerate(states)})
    assert _completeness(results) == (None if dimension_score is None else pytest.approx(dimension_score))
    dimensions = score_dimensions(results)
    assert overall_score(dimensions, {}) == (
        None if dimension_score is None else pytest.approx(dimension_score)
    )


def test_an_audit_that_evaluated_nothing_has_no_score_and_fails_the_gate() -> None:
    rules = _rules({"id": "a"}, {"id": "b", "severity": "warning"})
    results = score_rules(rules, {"a": _state(0, 0), "b": _state(0, 0)})
    score = overall_score(score_dimensions(results), {})
    assert score is None
    gate = decide_gate(results, score, 90)
    assert not gate.passed
    assert gate.reasons == [
        "no rule evaluated any record, so there is no score; check the rules' fields, "
        "when: conditions and booleans: spellings against the data"
    ]
    assert [w.split(" evaluated")[0] for w in gate.warnings] == ["rule a", "rule b"]


def test_a_rule_that_evaluated_nothing_is_a_warning_beside_a_passing_gate() -> None:
    rules = _rules({"id": "ran"}, {"id": "idle"}, {"id": "accepted", "min_evaluated": 0})
    results = score_rules(rules, {"ran": _state(10, 0), "idle": _state(0, 0), "accepted": _state(0, 0)})
    gate = decide_gate(results, 100.0, 90)
    assert gate.passed
    assert gate.reasons == []
    assert gate.warnings == [
        "rule idle evaluated no record and is left out of the scores; set min_evaluated: "
        "in the rule file to fail the gate when it does"
    ]


_NAN, _INF = float("nan"), float("inf")


# Dimension scores (completeness, validity) and weights -> the overall score.
@pytest.mark.parametrize(
    ("completeness", "validity", "weights", "expected"),
    [
        (100.0, 50.0, {}, 75.0),
        (None, 50.0, {Dimension.VALIDITY: _NAN}, 50.0),  # a NaN weight counts as 0: plain mean
        (None, 50.0, {Dimension.VALIDITY: _INF}, 50.0),
        (100.0, 50.0, {Dimension.VALIDITY: _NAN}, 100.0),
        (100.0, 50.0, {Dimension.VALIDITY: -1.0}, 100.0),
        (100.0, 50.0, {Dimension.COMPLETENESS: 1e308, Dimension.VALIDITY: 1e308}, 75.0),
        (100.0, 50.0, {Dimension.COMPLETENESS: 1e308, Dimension.VALIDITY: 1.0}, 100.0),
        (100.0, 50.0, {Dimension.COMPLETENESS: 0.0, Dimension.VALIDITY: 0.0}, 75.0),  # all 0: plain
        (None, 50.0, {Dimension.COMPLETENESS: 5.0, Dimension.VALIDITY: 0.0}, 50.0),  # no score: ignored
        (100.0, None, {Dimension.VALIDITY: 3.0}, 100.0),
        (None, None, {}, None),
    ],
)
def test_overall_score_with_any_weights(
    completeness: float | None,
    validity: float | None,
    weights: dict[Dimension, float],
    expected: float | None,
) -> None:
    dimensions = [
        DimensionScore(Dimension.COMPLETENESS, completeness, 1, 1, 0),
        DimensionScore(Dimension.VALIDITY, validity, 1, 1, 0),
    ]
    assert overall_score(dimensions, weights) == (None if expected is None else pytest.approx(expected))


def test_rule_weights_that_are_all_zero_give_the_plain_mean() -> None:
    rules = _rules({"id": "a", "weight": 0}, {"id": "b", "weight": 0})
    results = score_rules(rules, {"a": _state(10, 0), "b": _state(10, 10)})
    assert _completeness(results) == pytest.approx(50.0)


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
    assert decide_gate(failing, 95.0, None).warnings == []


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
            st.one_of(st.floats(0, 10), st.floats(0, 1e6), st.just(0.0)),
            st.sampled_from(["not_null", "email", "unique", "max_age", "expression", "consent"]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.dictionaries(st.sampled_from(list(Dimension)), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_scores_stay_between_0_and_100(rows: list[tuple[int, int, float, float, str]], weights: Any) -> None:
    """For any counts, thresholds and weights (dimension weights reach scoring unvalidated
    from the API: NaN, infinite, negative, huge), every score is in [0, 100] or None."""
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
    assert score is None or 0.0 <= score <= 100.0
    assert (score is None) == all(r.evaluated == 0 for r in results)
    for dimension in dimensions:
        assert dimension.score is None or 0.0 <= dimension.score <= 100.0
    for result in results:
        assert result.rate is None or 0.0 <= result.rate <= 1.0


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=8,
    )
)
def test_weighted_mean_of_any_scores_and_weights_is_a_score_or_none(pairs: list[tuple[Any, float]]) -> None:
    scored = [(min(100.0, max(0.0, s)) if s is not None and s == s else s, w) for s, w in pairs]
    dimensions = [DimensionScore(d, s, 1, 1, 0) for d, (s, _) in zip(Dimension, scored, strict=False)]
    weights = {d: w for d, (_, w) in zip(Dimension, scored, strict=False)}
    score = overall_score(dimensions, weights)
    assert score is None or 0.0 <= score <= 100.0
    assert (score is None) == all(d.score is None or d.score != d.score for d in dimensions)


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


def test_segments_leave_unevaluated_rules_out_and_ignore_min_evaluated() -> None:
    """A segment is part of the data: a rule's minimum for the whole audit does not fail it
    there, and a segment in which no rule evaluated a record has no score."""
    labels = pl.Series(["DE", "DE", "US"])
    outcomes = pl.DataFrame({"r": [True, True, None]})
    rules = _rules({"id": "r", "min_evaluated": 3})
    breakdown = score_segments("country", labels, outcomes, rules, {})
    by_value = {s.value: s for s in breakdown.segments}
    assert by_value["DE"].score == pytest.approx(100.0)
    assert by_value["DE"].rules[0].status is Status.PASS  # 2 evaluated, fewer than 3: no matter
    assert by_value["US"].score is None
    assert by_value["US"].rules[0].status is Status.NOT_EVALUATED


def _score_records_reference(scores: pl.Series, bins: int = 10) -> RecordScores:
    """score_records as it was written first: each quantile sorts, the bins are value counts."""
    present = scores.drop_nulls()
    if present.is_empty():
        return RecordScores(scores.len(), None, None, None, None, None, None, [])
    width = 100.0 / bins
    bin_index = (present / width).floor().clip(0, bins - 1).cast(pl.Int32)
    counts = bin_index.value_counts().sort(bin_index.name)
    by_bin = dict(
        zip(counts.get_column(bin_index.name).to_list(), counts.get_column("count").to_list(), strict=True)
    )
    return RecordScores(
        records=scores.len(),
        mean=float(present.mean()),  # type: ignore[arg-type]
        minimum=float(present.min()),  # type: ignore[arg-type]
        p10=float(present.quantile(0.10, interpolation="linear") or 0.0),
        p25=float(present.quantile(0.25, interpolation="linear") or 0.0),
        median=float(present.quantile(0.5, interpolation="linear") or 0.0),
        perfect_share=float((present == 100.0).sum()) / present.len(),
        histogram=[(i * width, (i + 1) * width, int(by_bin.get(i, 0))) for i in range(bins)],
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(0, 100), st.sampled_from([0.0, 50.0, 100.0, 99.99])), max_size=200
    ),
    st.sampled_from([10, 4, 1]),
)
def test_record_score_summary_equals_sorting_for_each_quantile(values: list[float | None], bins: int) -> None:
    scores = pl.Series("score", values, dtype=pl.Float64)
    assert score_records(scores, bins) == _score_records_reference(scores, bins)
