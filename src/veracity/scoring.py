"""Rule states -> rule status -> dimension scores -> overall score -> gate decision.

- A rule's pass rate is passed / evaluated. A rule that evaluated no record has status
  ``not_evaluated``: it has no pass rate, and a rate of "nothing failed" would claim a quality
  nobody measured. Otherwise it passes when the rate reaches its threshold, and fails (severity
  error) or warns (warning) when it does not. A rule with ``min_evaluated: N`` that evaluated
  fewer than N records fails whatever its pass rate and severity: whoever set the minimum
  asked for the audit to stop when the rule cannot judge enough data.
- A dimension's score is the weighted mean of the pass rates of its rules that evaluated a
  record, x100; a dimension without such a rule has no score (None).
- The overall score is the weighted mean of the dimension scores (weights from
  ``scoring.dimension_weights``, default 1) over the dimensions that have one; None when none
  has. Weights that are not finite numbers >= 0 count as 0, and when every weight that counts
  is 0 the plain (unweighted) mean is used, so every score is in [0, 100] or None.
- The gate fails when an error-severity rule fails, the score is below the minimum, or no rule
  evaluated any record (there is no score to judge). Rules that evaluated no record are named
  as warnings beside the decision; they fail the gate only through ``min_evaluated``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import polars as pl

from veracity.checks.timeliness import HORIZON_MONTHS, DecaySettings, MaxAgeParams, aged_out
from veracity.config.loader import Rule
from veracity.results import (
    DecayPoint,
    DecayProjection,
    DimensionScore,
    GateDecision,
    RecordScores,
    RuleResult,
    RuleState,
    Segment,
    SegmentBreakdown,
    SegmentRule,
)
from veracity.vocabulary import Dimension, Severity, Status

__all__ = [
    "OTHER_SEGMENT",
    "breakdown_from_counts",
    "decide_gate",
    "overall_score",
    "project_decay",
    "score_dimensions",
    "score_records",
    "score_rules",
    "score_segments",
    "segment_counts",
    "weighted_mean",
]

#: The label of the segments folded together beyond the limit.
OTHER_SEGMENT = "(other)"


def score_rules(
    rules: Sequence[Rule],
    states: Mapping[str, RuleState],
    *,
    apply_min_evaluated: bool = True,
    decay: DecaySettings | None = None,
) -> list[RuleResult]:
    """Each rule's result. ``apply_min_evaluated=False`` for parts of the data (segments),
    where a rule's minimum for the whole audit does not apply. ``decay``: the rule file's
    declared decay, for the projection of rules that declare none."""
    results = []
    for rule in rules:
        state = states[rule.id]
        pass_rate = state.passed / state.evaluated if state.evaluated else 1.0
        minimum = rule.min_evaluated if apply_min_evaluated else None
        if minimum is not None and state.evaluated < minimum:
            status = Status.FAIL
        elif state.evaluated == 0:
            status = Status.NOT_EVALUATED
        elif pass_rate >= rule.threshold:
            status = Status.PASS
        else:
            status = Status.FAIL if rule.severity is Severity.ERROR else Status.WARN
        results.append(
            RuleResult(
                id=rule.id,
                check=rule.check.name,
                dimension=rule.check.dimension,
                severity=rule.severity,
                threshold=rule.threshold,
                weight=rule.weight,
                fields=rule.fields,
                when=rule.when,
                description=rule.description,
                location=rule.location,
                evaluated=state.evaluated,
                failed=state.failed,
                pass_rate=pass_rate,
                status=status,
                min_evaluated=minimum,
                projection=project_decay(rule, state, decay) if apply_min_evaluated else None,
            )
        )
    return results


def project_decay(rule: Rule, state: RuleState, decay: DecaySettings | None = None) -> DecayProjection | None:
    """The share of a ``max_age`` rule's records expected to fail it in 3, 6 and 12 months if
    none is updated; None for other rules and for a rule that evaluated no record.

    With a declared yearly rate r (the rule's ``decay:``, else the rule file's), the records
    passing today survive each month with (1 - r) ** (1 / 12). Otherwise the audit's own ages
    tell: today's failures plus the passing records that will be older than the limit by then.
    """
    if not isinstance(rule.params, MaxAgeParams) or not state.evaluated:
        return None
    declared = rule.params.decay or decay
    points = []
    for months in HORIZON_MONTHS:
        if declared is not None:
            share = 1.0 - state.passed / state.evaluated * (1.0 - declared.yearly_rate) ** (months / 12)
            failing = round(share * state.evaluated)
        else:
            failing = state.failed + aged_out(state.tallies, months)
            share = failing / state.evaluated
        points.append(DecayPoint(months=months, failing=failing, share=share))
    if declared is not None:
        return DecayProjection(basis="declared", yearly_rate=declared.yearly_rate, points=points)
    return DecayProjection(basis="observed", yearly_rate=None, points=points)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """The mean of the values weighted by their weights, clamped to [0, 100]; None without values.

    A weight that is not a finite number >= 0 counts as 0; when every weight counts as 0 the
    plain mean is used. Weights are scaled by the largest one first, so that huge weights
    (1e308) cannot overflow to infinity.
    """
    values = [(v, w if math.isfinite(w) and w > 0 else 0.0) for v, w in pairs if math.isfinite(v)]
    if not values:
        return None
    largest = max(w for _, w in values)
    if largest == 0:
        mean = math.fsum(v for v, _ in values) / len(values)
    else:
        scaled = [(v, w / largest) for v, w in values]
        mean = math.fsum(v * w for v, w in scaled) / math.fsum(w for _, w in scaled)
    # Weighted sums of rates can land a hair outside [0, 100] in floating point.
    return min(100.0, max(0.0, mean))


def score_dimensions(results: Sequence[RuleResult]) -> list[DimensionScore]:
    scores = []
    for dimension in Dimension:
        members = [r for r in results if r.dimension is dimension]
        scored = [(r.pass_rate * 100.0, r.weight) for r in members if r.evaluated]
        scores.append(
            DimensionScore(
                dimension=dimension,
                score=weighted_mean(scored),
                rules=len(members),
                evaluated=sum(r.evaluated for r in members),
                failed=sum(r.failed for r in members),
            )
        )
    return scores


def overall_score(dimensions: Sequence[DimensionScore], weights: Mapping[Dimension, float]) -> float | None:
    """The weighted mean of the dimensions that have a score; None when none has."""
    return weighted_mean((d.score, weights.get(d.dimension, 1.0)) for d in dimensions if d.score is not None)


def score_records(scores: pl.Series, bins: int = 10) -> RecordScores:
    present = scores.drop_nulls()
    if present.is_empty():
        return RecordScores(scores.len(), None, None, None, None, None, None, [])
    width = 100.0 / bins
    # The last bin is closed so that perfect records (100) fall into it.
    bin_index = (present / width).floor().clip(0, bins - 1).cast(pl.Int32)
    by_bin = np.bincount(bin_index.to_numpy(), minlength=bins)
    histogram = [(i * width, (i + 1) * width, int(by_bin[i])) for i in range(bins)]

    # Sorted once: polars reads each quantile of a sorted series without sorting it again.
    ordered = present.sort()

    def q(value: float) -> float:
        result = ordered.quantile(value, interpolation="linear")
        return float(result) if result is not None else 0.0

    return RecordScores(
        records=scores.len(),
        mean=float(present.mean()),  # type: ignore[arg-type]
        minimum=float(present.min()),  # type: ignore[arg-type]
        p10=q(0.10),
        p25=q(0.25),
        median=q(0.5),
        perfect_share=float((present == 100.0).sum()) / present.len(),
        histogram=histogram,
    )


def decide_gate(results: Sequence[RuleResult], score: float | None, min_score: float | None) -> GateDecision:
    reasons = []
    for r in results:
        if r.status is not Status.FAIL:
            continue
        if r.too_few_evaluated:
            reasons.append(
                f"rule {r.id} failed: it evaluated {r.evaluated:,} records, fewer than its "
                f"min_evaluated {r.min_evaluated:,}"
            )
        else:
            reasons.append(
                f"rule {r.id} failed: pass rate {r.pass_rate:.1%} is below its threshold {r.threshold:.1%}"
            )
    if score is None:
        if results:
            reasons.append(
                "no rule evaluated any record, so there is no score; check the rules' fields, "
                "when: conditions and booleans: spellings against the data"
            )
    elif min_score is not None and score < min_score:
        reasons.append(f"score {score:.2f} is below the minimum {min_score:g}")
    # An explicit `min_evaluated: 0` says that evaluating nothing is expected.
    warnings = [
        f"rule {r.id} evaluated no record and is left out of the scores; set min_evaluated: "
        "in the rule file to fail the gate when it does"
        for r in results
        if r.status is Status.NOT_EVALUATED and r.min_evaluated is None
    ]
    return GateDecision(passed=not reasons, min_score=min_score, reasons=reasons, warnings=warnings)


def score_segments(
    field: str,
    labels: pl.Series,
    outcomes: pl.DataFrame,
    rules: Sequence[Rule],
    weights: Mapping[Dimension, float],
    limit: int = 50,
) -> SegmentBreakdown:
    """Rule pass rates, dimension and overall scores per value of ``labels`` (one per record).

    Only record-level rules take part (a rule about whole sources has no per-record verdict).
    """
    record_rules = [r for r in rules if r.id in outcomes.columns]
    counts = segment_counts(labels, outcomes, record_rules)
    return breakdown_from_counts(field, counts, record_rules, weights, limit)


def segment_counts(labels: pl.Series, outcomes: pl.DataFrame, rules: Sequence[Rule]) -> pl.DataFrame:
    """Records, and evaluated (``e<i>``) and failed (``f<i>``) per rule, per segment value.
    Counts of several partitions add up to the counts of the whole."""
    aggregations = [pl.len().cast(pl.Int64).alias("records")]
    for index, rule in enumerate(rules):
        verdict = pl.col(rule.id)
        aggregations += [
            verdict.count().cast(pl.Int64).alias(f"e{index}"),
            verdict.not_().sum().cast(pl.Int64).alias(f"f{index}"),
        ]
    return (
        outcomes.select(*(r.id for r in rules))
        .with_columns(labels.cast(pl.String).alias("segment"))
        .group_by("segment")
        .agg(aggregations)
    )


def breakdown_from_counts(
    field: str,
    counts: pl.DataFrame,
    rules: Sequence[Rule],
    weights: Mapping[Dimension, float],
    limit: int = 50,
) -> SegmentBreakdown:
    """Score each segment of :func:`segment_counts` like the whole audit, largest first.

    Segments beyond ``limit`` (the smallest) are merged into one ``(other)`` segment: rule
    states are sums of counts, so the merge is exact.
    """
    grouped = counts.sort(["records", "segment"], descending=[True, False], nulls_last=True)
    folded = 0
    if grouped.height > limit:
        head, tail = grouped[: limit - 1], grouped[limit - 1 :]
        folded = tail.height
        other = tail.select(pl.lit(OTHER_SEGMENT).alias("segment"), pl.exclude("segment").sum())
        grouped = pl.concat([head, other.cast(head.schema)])
    segments = []
    for row in grouped.iter_rows(named=True):
        states = {
            rule.id: RuleState(evaluated=row[f"e{i}"], failed=row[f"f{i}"]) for i, rule in enumerate(rules)
        }
        results = score_rules(rules, states, apply_min_evaluated=False)
        dimensions = score_dimensions(results)
        segments.append(
            Segment(
                value=row["segment"],
                records=row["records"],
                score=overall_score(dimensions, weights),
                dimensions=dimensions,
                rules=[SegmentRule(r.id, r.evaluated, r.failed, r.pass_rate, r.status) for r in results],
            )
        )
    return SegmentBreakdown(field=field, segments=segments, folded=folded)
