"""Rule states -> rule status -> dimension scores -> overall score -> gate decision.

- A rule's pass rate is passed / evaluated (1.0 when nothing was evaluated). It passes when
  the rate reaches its threshold; otherwise it fails (severity error) or warns (warning).
- A dimension's score is the weighted mean of its rules' pass rates, x100.
- The overall score is the weighted mean of the dimension scores (weights from
  ``scoring.dimension_weights``, default 1), over dimensions that have rules.
- The gate fails when an error-severity rule fails or the score is below the minimum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from veracity.checks.base import Dimension
from veracity.config.loader import Rule
from veracity.results import (
    DimensionScore,
    GateDecision,
    RecordScores,
    RuleResult,
    RuleState,
    Segment,
    SegmentBreakdown,
    SegmentRule,
    Severity,
    Status,
)

__all__ = [
    "OTHER_SEGMENT",
    "breakdown_from_counts",
    "decide_gate",
    "overall_score",
    "score_dimensions",
    "score_records",
    "score_rules",
    "score_segments",
    "segment_counts",
]

#: The label of the segments folded together beyond the limit.
OTHER_SEGMENT = "(other)"


def score_rules(rules: Sequence[Rule], states: Mapping[str, RuleState]) -> list[RuleResult]:
    results = []
    for rule in rules:
        state = states[rule.id]
        pass_rate = state.passed / state.evaluated if state.evaluated else 1.0
        if pass_rate >= rule.threshold:
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
            )
        )
    return results


def score_dimensions(results: Sequence[RuleResult]) -> list[DimensionScore]:
    scores = []
    for dimension in Dimension:
        members = [r for r in results if r.dimension is dimension]
        weight = sum(r.weight for r in members)
        score = sum(r.pass_rate * r.weight for r in members) * 100.0 / weight if weight else None
        if members and score is None:
            # Every rule weighs 0: report the plain mean so the dimension still shows.
            score = sum(r.pass_rate for r in members) * 100.0 / len(members)
        scores.append(
            DimensionScore(
                dimension=dimension,
                # Weighted sums of rates can land a hair outside [0, 100] in floating point.
                score=min(100.0, max(0.0, score)) if score is not None else None,
                rules=len(members),
                evaluated=sum(r.evaluated for r in members),
                failed=sum(r.failed for r in members),
            )
        )
    return scores


def overall_score(dimensions: Sequence[DimensionScore], weights: Mapping[Dimension, float]) -> float:
    scored = [(d.score, weights.get(d.dimension, 1.0)) for d in dimensions if d.score is not None]
    total = sum(w for _, w in scored)
    if not scored or total == 0:
        return 100.0
    return min(100.0, max(0.0, sum(s * w for s, w in scored) / total))


def score_records(scores: pl.Series, bins: int = 10) -> RecordScores:
    present = scores.drop_nulls()
    if present.is_empty():
        return RecordScores(scores.len(), None, None, None, None, None, None, [])
    width = 100.0 / bins
    # The last bin is closed so that perfect records (100) fall into it.
    bin_index = (present / width).floor().clip(0, bins - 1).cast(pl.Int32)
    counts = bin_index.value_counts().sort(bin_index.name)
    by_bin = dict(
        zip(counts.get_column(bin_index.name).to_list(), counts.get_column("count").to_list(), strict=True)
    )
    histogram = [(i * width, (i + 1) * width, int(by_bin.get(i, 0))) for i in range(bins)]

    def q(value: float) -> float:
        result = present.quantile(value, interpolation="linear")
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


def decide_gate(results: Sequence[RuleResult], score: float, min_score: float | None) -> GateDecision:
    reasons = [
        f"rule {r.id} failed: pass rate {r.pass_rate:.1%} is below its threshold {r.threshold:.1%}"
        for r in results
        if r.status is Status.FAIL
    ]
    if min_score is not None and score < min_score:
        reasons.append(f"score {score:.2f} is below the minimum {min_score:g}")
    return GateDecision(passed=not reasons, min_score=min_score, reasons=reasons)


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
        results = score_rules(rules, states)
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
