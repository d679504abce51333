"""What an audit produces: mergeable rule states, scored results, and the findings.

Everything a report shows is in :class:`AuditResult`; reports never go back to the data.
:class:`RuleState` is the unit the engine produces per rule and partition: counts plus the
failing row ids, so partial states from several partitions merge into the exact whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from veracity.errors import Location
from veracity.sources.base import SourceInfo
from veracity.vocabulary import Dimension, Severity, Status

__all__ = [
    "FINDINGS_COLUMNS",
    "AuditResult",
    "DecayPoint",
    "DecayProjection",
    "DimensionScore",
    "FieldLineage",
    "GateDecision",
    "RecordScores",
    "RuleResult",
    "RuleState",
    "RunInfo",
    "Segment",
    "SegmentBreakdown",
    "SegmentRule",
    "Severity",
    "Status",
    "decay_basis_text",
]

#: The findings file's columns, in order: a contract with users' pipelines.
FINDINGS_COLUMNS = (
    "rule",
    "check",
    "dimension",
    "severity",
    "field",
    "source",
    "line",
    "record_key",
    "message",
    "value",
    "cluster_id",
)


@dataclass
class RuleState:
    """Counts for one rule over some rows, plus which rows failed. Merge partial states with
    :meth:`merge`; the merged state equals the state of the union of the rows."""

    evaluated: int = 0
    failed: int = 0
    failing_rows: pl.Series = field(default_factory=lambda: pl.Series("row", [], dtype=pl.UInt32))
    #: The check's named counts over the records it passed (its ``tally=``), e.g. how many will
    #: be too old at each horizon of a decay projection. They add up over partitions.
    tallies: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return self.evaluated - self.failed

    def add_tallies(self, other: RuleState) -> dict[str, int]:
        merged = dict(self.tallies)
        for name, count in other.tallies.items():
            merged[name] = merged.get(name, 0) + count
        return merged

    def merge(self, other: RuleState) -> RuleState:
        rows = pl.concat([self.failing_rows, other.failing_rows]).sort()
        return RuleState(
            self.evaluated + other.evaluated, self.failed + other.failed, rows, self.add_tallies(other)
        )


def decay_basis_text(basis: str, yearly_rate: float | None) -> str:
    """A decay projection's basis in words (:class:`DecayProjection`), for every report."""
    if basis == "declared" and yearly_rate is not None:
        return f"declared decay of {yearly_rate:.0%} a year, compounded monthly"
    return "observed ages, if no record is updated"


@dataclass(frozen=True)
class DecayPoint:
    """The records expected to fail a rule some months after the audit date."""

    months: int
    failing: int
    share: float  # failing / evaluated


@dataclass(frozen=True)
class DecayProjection:
    """A projection, not a measurement: the share of a rule's records expected to fail it at
    each horizon if no record is updated.

    Basis ``observed``: today's failures plus the records that pass today and will be older
    than the limit by then (the audit's own ages). Basis ``declared``: the records passing
    today decay at the rule file's ``yearly_rate``, compounded month by month."""

    basis: Literal["observed", "declared"]
    yearly_rate: float | None
    points: list[DecayPoint]

    @property
    def basis_text(self) -> str:
        """The basis in words, for every report."""
        return decay_basis_text(self.basis, self.yearly_rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "projection",
            "basis": self.basis,
            "yearly_rate": self.yearly_rate,
            "points": [
                {"months": p.months, "failing": p.failing, "share": round(p.share, 6)} for p in self.points
            ],
        }


@dataclass
class RuleResult:
    """One rule's outcome, scored."""

    id: str
    check: str
    dimension: Dimension
    severity: Severity
    threshold: float
    weight: float
    fields: list[str]
    when: str | None
    description: str | None
    location: Location | None
    evaluated: int
    failed: int
    pass_rate: float  # 1.0 when nothing was evaluated; read `rate` for a pass rate or None
    status: Status
    #: Fewest records the rule must evaluate (``min_evaluated:``); fewer fail the rule.
    min_evaluated: int | None = None
    #: For rules that age (``max_age``): the records expected to fail it in 3, 6 and 12 months.
    projection: DecayProjection | None = None

    @property
    def passed(self) -> int:
        return self.evaluated - self.failed

    @property
    def rate(self) -> float | None:
        """The pass rate, or None when no record was evaluated (there is nothing to rate)."""
        return self.pass_rate if self.evaluated else None

    @property
    def too_few_evaluated(self) -> bool:
        """Whether the rule evaluated fewer records than its ``min_evaluated``."""
        return self.min_evaluated is not None and self.evaluated < self.min_evaluated


@dataclass
class DimensionScore:
    dimension: Dimension
    score: float | None  # None when no rule of this dimension evaluated a record
    rules: int
    evaluated: int
    failed: int


@dataclass
class RecordScores:
    """How the per-record score (share of applicable rules passed, 0-100) is distributed."""

    records: int
    mean: float | None
    minimum: float | None
    p10: float | None
    p25: float | None
    median: float | None
    perfect_share: float | None  # share of records that passed every applicable rule
    histogram: list[tuple[float, float, int]]  # (lower, upper, records); last bin includes 100


@dataclass
class SegmentRule:
    """One rule's counts within one segment."""

    id: str
    evaluated: int
    failed: int
    pass_rate: float
    status: Status


@dataclass
class Segment:
    """Scores of the records whose segment field holds one value."""

    value: str | None  # None: the field is missing in these records; "(other)": folded tail
    records: int
    score: float | None  # None when no rule evaluated a record of the segment
    dimensions: list[DimensionScore]
    rules: list[SegmentRule]


@dataclass
class SegmentBreakdown:
    """Every score and rule pass rate, broken down by the values of one field."""

    field: str
    segments: list[Segment]  # largest first
    folded: int = 0  # distinct values folded into "(other)" beyond the segment limit


@dataclass
class GateDecision:
    passed: bool
    min_score: float | None
    reasons: list[str]  # why the gate failed; empty when it passed
    #: What the reader must know although it did not fail the gate (rules that evaluated no
    #: record), shown beside the decision.
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunInfo:
    tool: str
    version: str
    started_at: str  # ISO 8601, UTC
    duration_seconds: float
    as_of: str  # the audit date, ISO 8601
    rule_file: str | None
    rule_file_sha256: str | None
    key: str | None


@dataclass
class FieldLineage:
    """Where one field came from and what was done to it on the way."""

    field: str
    origins: list[tuple[int, str, str]]  # (source index, original column name, original type)
    transformations: list[str]
    #: Why the field is collected (``fields: {NAME: {purpose: ...}}``), or None when undeclared.
    purpose: str | None = None
    #: Whether outputs treat the field as personal data (its values masked): ``personal:`` in
    #: the rule file, else what the field's name and its checks say.
    personal: bool = True


@dataclass
class AuditResult:
    run: RunInfo
    sources: list[SourceInfo]
    lineage: list[FieldLineage]
    rules: list[RuleResult]
    dimensions: list[DimensionScore]
    score: float | None  # None when no rule evaluated a record: there is nothing to score
    records: RecordScores
    gate: GateDecision
    #: One row per failed (record, rule), unmasked; columns FINDINGS_COLUMNS plus
    #: ``value_kind`` (how to mask ``value``). Mask with :func:`veracity.masking.mask_findings`.
    findings: pl.DataFrame
    #: Check-specific results of table-scoped rules (e.g. duplicate clusters), by rule id.
    details: dict[str, Any] = field(default_factory=dict)
    #: Breakdowns by segment field (``--by`` / ``segments:``), in the order asked for.
    segments: list[SegmentBreakdown] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.gate.passed else 1
