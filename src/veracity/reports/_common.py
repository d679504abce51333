"""Helpers the report formats share, so that all of them show the same numbers and samples."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from veracity.reports.findings import findings_frame, rule_runs
from veracity.results import AuditResult, RuleResult, Segment, SegmentBreakdown, SegmentRule
from veracity.safetext import printable
from veracity.sources.registry import kind_of_url
from veracity.vocabulary import Dimension, Status

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "NOT_APPLICABLE",
    "PROJECTION_NOTE",
    "PROJECTION_TITLE",
    "Sample",
    "findings_by_rule",
    "format_int",
    "format_rate",
    "format_score",
    "format_share",
    "location_of",
    "printable",
    "projected_rules",
    "projection_header",
    "projection_row",
    "samples_by_rule",
    "shows_samples",
    "source_paths",
]

NOT_APPLICABLE = "—"


@dataclass(frozen=True)
class Sample:
    """One failing record as reports show it (value already masked unless revealed)."""

    source: str | None
    line: int | None
    record_key: str | None
    message: str | None
    value: str | None

    @property
    def position(self) -> str:
        """``source:line`` as editors and terminals link it; for a database table, which has
        no lines, ``source key=<record key>`` (the row's ordinal in the read without a key)."""
        if self.source is None:
            return NOT_APPLICABLE
        if self.line is None:
            return self.source
        if kind_of_url(self.source) is not None:
            return (
                f"{self.source} key={self.record_key}"
                if self.record_key
                else f"{self.source} row {self.line}"
            )
        return f"{self.source}:{self.line}"


def samples_by_rule(result: AuditResult, per_rule: int, *, reveal_values: bool) -> dict[str, list[Sample]]:
    """Each rule's first ``per_rule`` findings, in findings order."""
    frame = findings_frame(result, reveal_values=reveal_values, per_rule=per_rule)
    samples: defaultdict[str, list[Sample]] = defaultdict(list)
    for row in frame.iter_rows(named=True):
        samples[row["rule"]].append(
            Sample(row["source"], row["line"], row["record_key"], row["message"], row["value"])
        )
    return dict(samples)


def findings_by_rule(result: AuditResult) -> dict[str, int]:
    """Number of findings per rule id: every rule of the audit in rule order (0 when none),
    then any other rule id found in the findings, sorted."""
    counts = {rule.id: 0 for rule in result.rules}
    # A chunked audit keeps only samples in memory and counts every finding on the way.
    totals: dict[str, int] | None = getattr(result, "findings_by_rule", None)
    if totals is not None:
        return counts | totals
    # Counted by runs of one rule id: the engine lists findings rule by rule.
    runs = rule_runs(result.findings)
    if runs is None:
        runs = list(result.findings.group_by("rule").len().select("len", "rule").iter_rows())
    found: dict[str, int] = {}
    for n, rule_id in runs:
        found[str(rule_id)] = found.get(str(rule_id), 0) + int(n)
    for rule_id in sorted(found):
        counts[rule_id] = found[rule_id]
    return counts


def shows_samples(rule: RuleResult) -> bool:
    """Whether human-readable reports list failing records for this rule: only for rules that
    need attention; a passing rule's few failures are within its threshold."""
    return rule.status is not Status.PASS and rule.failed > 0


def format_int(value: int) -> str:
    return f"{value:,}"


def format_score(score: float | None) -> str:
    return NOT_APPLICABLE if score is None else f"{score:.2f}"


#: The heading and caveat every format shows the decay projection under.
PROJECTION_TITLE = "Decay projection"
PROJECTION_NOTE = (
    "A projection, not a measurement: the share of each rule's records expected to fail it "
    "if no record is updated."
)


def projected_rules(result: AuditResult) -> list[RuleResult]:
    """The rules with a decay projection (max_age rules that evaluated a record)."""
    return [rule for rule in result.rules if rule.projection is not None]


def format_share(share: float, failing: int) -> str:
    """A projected share in percent with its record count, e.g. ``12.5% (250)``."""
    return f"{share * 100:.1f}% ({failing:,})"


def projection_row(rule: RuleResult) -> list[str]:
    """Today's failing share, then each horizon's, then the basis: one row of every format's
    projection table (``projection_header``)."""
    projection = rule.projection
    if projection is None:
        return []
    today = format_share(rule.failed / rule.evaluated if rule.evaluated else 0.0, rule.failed)
    points = [format_share(point.share, point.failing) for point in projection.points]
    return [today, *points, projection.basis_text]


def projection_header(rule: RuleResult) -> list[str]:
    """The columns of :func:`projection_row`."""
    months = [] if rule.projection is None else [p.months for p in rule.projection.points]
    return ["Today", *(f"In {m} months" for m in months), "Basis"]


def format_rate(rule: RuleResult) -> str:
    """Pass rate in percent; never rounded to exactly 100 % or 0 % when that would hide a
    failure or a pass."""
    if rule.evaluated == 0:
        return NOT_APPLICABLE
    text = f"{rule.pass_rate * 100:.2f}%"
    if text == "100.00%" and rule.failed > 0:
        return ">99.99%"
    if text == "0.00%" and rule.passed > 0:
        return "<0.01%"
    return text


def location_of(rule: RuleResult) -> str | None:
    return None if rule.location is None else str(rule.location)


def source_paths(result: AuditResult) -> dict[int, str]:
    """Source index -> path as given, for lineage origins (which refer to sources by index)."""
    return {source.index: source.path for source in result.sources}


def segment_label(value: str | None) -> str:
    return "(missing)" if value is None else value


def segment_dimensions(breakdown: SegmentBreakdown) -> list[Dimension]:
    """Dimensions that have rules, in the canonical order (the segment tables' columns)."""
    present = {d.dimension for s in breakdown.segments for d in s.dimensions if d.score is not None}
    return [d for d in Dimension if d in present]


def weakest_rules(segment: Segment, limit: int = 3) -> list[SegmentRule]:
    """The segment's rules that warned or failed, lowest pass rate first (a rule that
    evaluated none of the segment's records has no rate to be weak in)."""
    failing = [r for r in segment.rules if r.status in (Status.WARN, Status.FAIL)]
    return sorted(failing, key=lambda r: (r.pass_rate, r.id))[:limit]


def fixed_console(file: IO[str], width: int, color: bool) -> Console:
    """A rich console that detects nothing from the environment, so the same result renders
    identically on a developer's terminal, in CI and in the golden tests."""
    # rich is imported by the formats that lay text out with it, not by JSON, Markdown or JUnit.
    from rich.console import Console

    return Console(
        file=file,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        no_color=not color,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
