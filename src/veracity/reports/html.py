"""The HTML report: one self-contained page to open in a browser, attach to a ticket or print.

Self-contained means it opens anywhere, offline and years later: the CSS is inline, the charts
are CSS bars and inline SVG, there is no script, and no font, image or style sheet is fetched.
A Content-Security-Policy in the page forbids every fetch, so a later change that slips in an
external reference fails loudly in the browser instead of leaking the reader's IP address.

Layout lives in the Jinja templates under ``templates/``; this module turns the result into
plain values for them (formatted numbers, bar widths, masked values). Every string from the data
or the rule file reaches the page through Jinja's autoescaping, after control characters were
made visible (as in every format), so a value can neither inject markup nor hide itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
import polars as pl

from veracity.masking import mask_expr
from veracity.reports._common import (
    NOT_APPLICABLE,
    PROJECTION_NOTE,
    findings_by_rule,
    format_int,
    format_rate,
    format_score,
    location_of,
    printable,
    projected_rules,
    projection_header,
    projection_row,
    samples_by_rule,
    segment_dimensions,
    segment_label,
    shows_samples,
    source_paths,
    weakest_rules,
)
from veracity.reports._html_details import anchor as _anchor
from veracity.reports._html_details import count as _count
from veracity.reports._html_details import details_sections
from veracity.reports._html_details import display as _t
from veracity.reports.findings import rule_runs
from veracity.reports.worklist import html_section as worklist_section
from veracity.results import AuditResult, RuleResult, SegmentBreakdown
from veracity.vocabulary import Status

__all__ = ["SAMPLES_PER_RULE", "TOP_VALUES", "render"]

#: Failing records listed per WARN/FAIL rule.
SAMPLES_PER_RULE = 5
#: Most frequent failing values listed per WARN/FAIL rule.
TOP_VALUES = 5
#: Segment columns in the rule-by-segment matrix; more would not fit a printed page.
SEGMENT_COLUMNS = 12

_STATUS_LABEL = {
    Status.PASS: "✔ Pass",
    Status.WARN: "▲ Warn",
    Status.FAIL: "✘ Fail",
    Status.NOT_EVALUATED: "○ Not evaluated",
}

_GAUGE_RADIUS = 52.0
_GAUGE_CIRCUMFERENCE = 2 * math.pi * _GAUGE_RADIUS

# StrictUndefined: a misspelt name in a template fails the tests instead of rendering as
# empty text. Autoescaping is on for every template, whatever its file name.
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("veracity.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(result: AuditResult, *, reveal_values: bool = False) -> str:
    """The report as one HTML document, ending with a newline."""
    page = _ENVIRONMENT.get_template("report.html.j2").render(_context(result, reveal_values))
    return page.rstrip("\n") + "\n"


@dataclass(frozen=True)
class _Bar:
    """A horizontal bar: ``width`` in percent of the track, ``tone`` a CSS class suffix."""

    text: str
    width: str
    tone: str


def _context(result: AuditResult, reveal_values: bool) -> dict[str, Any]:
    gate = result.gate
    score_tone = _gate_tone(result)
    attention = [rule for rule in result.rules if shows_samples(rule)]
    return {
        "title": f"Data quality {format_score(result.score)} / 100 — {'PASS' if gate.passed else 'FAIL'}",
        "score": format_score(result.score),
        "score_tone": score_tone,
        "gauge": _gauge(result.score),
        "gate": {
            "passed": gate.passed,
            "decision": "PASS" if gate.passed else "FAIL",
            "min_score": format_score(gate.min_score) if gate.min_score is not None else None,
            "reasons": [printable(reason) for reason in gate.reasons],
            "warnings": [printable(warning) for warning in gate.warnings],
        },
        "run": _run(result),
        "status_counts": _status_counts(result.rules),
        "dimensions": _dimensions(result),
        "rules": [_rule(rule) for rule in result.rules],
        "projection": _projection(result),
        "failing": _failing(result, attention, reveal_values),
        "details": details_sections(result),
        "records": _records(result),
        "worklist": worklist_section(result),
        "segments": [_breakdown(b) for b in result.segments],
        "lineage": _lineage(result),
        "sources": _sources(result),
        "reveal_values": reveal_values,
        "samples_per_rule": SAMPLES_PER_RULE,
        "not_applicable": NOT_APPLICABLE,
    }


def _projection(result: AuditResult) -> dict[str, Any] | None:
    rules = projected_rules(result)
    if not rules:
        return None
    rows = [
        {"id": rule.id, "cells": projection_row(rule)[:-1], "basis": projection_row(rule)[-1]}
        for rule in rules
    ]
    return {"note": PROJECTION_NOTE, "header": projection_header(rules[0])[:-1], "rows": rows}


def _percent(value: float) -> str:
    """A CSS length in percent, clamped, with fixed precision so the page is reproducible."""
    return f"{min(100.0, max(0.0, value)):.2f}%"


def _score_tone(score: float | None) -> str:
    # Fixed bands so that a colour means the same in every report; the gate's own minimum
    # decides the colour of the overall score only (see _gate_tone).
    if score is None:
        return "none"
    if score >= 95:
        return "good"
    return "fair" if score >= 80 else "poor"


def _gate_tone(result: AuditResult) -> str:
    """The overall score's colour says what the gate decided, so that a green ring never
    stands beside a failed gate: grey without a score, red when the gate failed, amber when
    it passed with warnings (rules that evaluated nothing), green otherwise."""
    if result.score is None:
        return "none"
    if not result.gate.passed:
        return "poor"
    return "fair" if result.gate.warnings else "good"


def _status_tone(status: Status) -> str:
    return {Status.PASS: "good", Status.WARN: "fair", Status.FAIL: "poor", Status.NOT_EVALUATED: "none"}[
        status
    ]


def _gauge(score: float | None) -> dict[str, str]:
    filled = _GAUGE_CIRCUMFERENCE * min(100.0, max(0.0, score or 0.0)) / 100
    return {"dash": f"{filled:.2f}", "circumference": f"{_GAUGE_CIRCUMFERENCE:.2f}"}


def _run(result: AuditResult) -> dict[str, Any]:
    run = result.run
    return {
        "tool": _t(run.tool),
        "version": _t(run.version),
        "started_at": _t(run.started_at),
        "duration": f"{run.duration_seconds:.2f} s",
        "as_of": _t(run.as_of),
        "rule_file": _t(run.rule_file) if run.rule_file else None,
        "rule_file_sha256": _t(run.rule_file_sha256) if run.rule_file_sha256 else None,
        "key": _t(run.key) if run.key else None,
        "records": format_int(result.records.records),
        "sources": _count(len(result.sources), "source"),
        "rules": _count(len(result.rules), "rule"),
    }


def _status_counts(rules: Sequence[RuleResult]) -> list[dict[str, Any]]:
    total = len(rules) or 1
    counts = []
    for status in Status:
        n = sum(1 for rule in rules if rule.status is status)
        counts.append(
            {
                "label": _STATUS_LABEL[status],
                "count": format_int(n),
                "width": _percent(n / total * 100),
                "tone": _status_tone(status),
                "any": n > 0,
            }
        )
    return counts


def _dimensions(result: AuditResult) -> list[dict[str, Any]]:
    return [
        {
            "name": d.dimension.value.capitalize(),
            "bar": _Bar(
                format_score(d.score) if d.score is not None else ("not evaluated" if d.rules else "not run"),
                _percent(d.score or 0.0),
                _score_tone(d.score),
            ),
            "counts": f"{_count(d.rules, 'rule')} · {format_int(d.evaluated)} evaluated · "
            f"{format_int(d.failed)} failed",
        }
        for d in result.dimensions
    ]


def _rule(rule: RuleResult) -> dict[str, Any]:
    return {
        "id": _t(rule.id),
        "anchor": _anchor(rule.id),
        "check": _t(rule.check),
        "fields": [_t(f) for f in rule.fields],
        "dimension": rule.dimension.value,
        "severity": rule.severity.value,
        "description": _t(rule.description) if rule.description else None,
        "when": _t(rule.when) if rule.when else None,
        "location": _t(location_of(rule)) if rule.location else None,
        "evaluated": format_int(rule.evaluated),
        "failed": format_int(rule.failed),
        "any_failed": rule.failed > 0,
        "rate": _Bar(
            format_rate(rule),
            _percent(rule.pass_rate * 100) if rule.evaluated else "0.00%",
            _status_tone(rule.status) if rule.evaluated else "none",
        ),
        "threshold": f"{rule.threshold * 100:.2f}%",
        "threshold_at": _percent(rule.threshold * 100),
        "status": rule.status.value,
        "status_label": _STATUS_LABEL[rule.status],
        "links_to_samples": shows_samples(rule),
    }


def _failing(result: AuditResult, rules: Sequence[RuleResult], reveal_values: bool) -> list[dict[str, Any]]:
    if not rules:
        return []
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    ids = [rule.id for rule in rules]
    top, distinct = _value_counts(result.findings, ids, TOP_VALUES, reveal_values)
    counts = findings_by_rule(result)
    sections = []
    for rule in rules:
        shown = samples.get(rule.id, [])
        total = counts.get(rule.id, 0)
        sections.append(
            {
                "rule": _rule(rule),
                "required": f"{rule.threshold * 100:.2f}%",
                "findings": _count(total, "finding"),
                "distinct": _count(distinct.get(rule.id, 0), "distinct value"),
                "top": [
                    {
                        "value": None if value is None else printable(value),
                        "count": format_int(count),
                        "bar": _Bar(
                            f"{count / total * 100:.1f}%" if total else NOT_APPLICABLE,
                            _percent(count / total * 100 if total else 0.0),
                            _status_tone(rule.status),
                        ),
                    }
                    for value, count in top.get(rule.id, [])
                ],
                "samples": [
                    {
                        "position": _t(s.position),
                        "record_key": _t(s.record_key),
                        "value": None if s.value is None else printable(s.value),
                        "message": _t(s.message),
                    }
                    for s in shown
                ],
                "more": format_int(total - len(shown)) if total > len(shown) else None,
            }
        )
    return sections


def _value_counts(
    findings: pl.DataFrame, rule_ids: Sequence[str], limit: int, reveal_values: bool
) -> tuple[dict[str, list[tuple[str | None, int]]], dict[str, int]]:
    """Each rule's most frequent failing values with their counts, most frequent first, and
    its number of distinct failing values: both from one grouping of each rule's findings by
    value (a rule's findings all mask their values one way, ``value_kind``).

    Values are counted as they are in the data and masked afterwards: counting masked values
    would merge different values that share a mask (``u***@e***`` for every ``user…@example``)
    into one "value" that does not exist, and masking only the few rows shown is cheap.

    The engine lists findings rule by rule, so each rule's findings are read as the runs of
    its id (any number of them, in any order): grouping one rule's values at a time costs a
    quarter of grouping every finding by rule and value at once (2.5 million findings, most of
    their values different), and the top values are picked within each rule's groups rather
    than by sorting every group.
    """
    wanted = set(rule_ids)
    # Each shown rule's findings with their positions ("order").
    parts: dict[str, list[pl.LazyFrame]] = {}
    runs = rule_runs(findings)
    if runs is None:
        numbered = findings.lazy().with_row_index("order")
        parts = {rule_id: [numbered.filter(pl.col("rule") == rule_id)] for rule_id in wanted}
    start = 0
    for length, rule_id in runs or ():
        if rule_id in wanted:
            run = findings.slice(start, length).lazy().with_row_index("order", offset=start)
            parts.setdefault(rule_id, []).append(run)
        start += length
    grouped = pl.collect_all(
        [
            pl.concat(frames).group_by("value").agg(pl.len().alias("count"), pl.col("order").min())
            for frames in parts.values()
        ]
    )
    spans = [(rule_id, groups) for rule_id, groups in zip(parts, grouped, strict=True) if groups.height]
    distinct = {rule_id: groups.height for rule_id, groups in spans}
    kinds = {
        rule_id: findings.item(int(groups.get_column("order").min()), "value_kind")  # type: ignore[arg-type]
        for rule_id, groups in spans
    }
    # Ties go to the value found first, as the samples beside the list are ordered.
    tops = [
        groups.top_k(limit, by=["count", "order"], reverse=[False, True])
        .sort(["count", "order"], descending=[True, False])
        .select(
            "value",
            "count",
            rule=pl.lit(rule_id, dtype=pl.String),
            value_kind=pl.lit(kinds[rule_id], dtype=pl.String),
        )
        for rule_id, groups in spans
    ]
    top: dict[str, list[tuple[str | None, int]]] = {}
    if not tops:
        return top, distinct
    top_frame = pl.concat(tops)
    if not reveal_values:
        top_frame = top_frame.with_columns(value=mask_expr(pl.col("value"), pl.col("value_kind")))
    for rule_id, value, count in top_frame.select("rule", "value", "count").iter_rows():
        top.setdefault(str(rule_id), []).append((value, int(count)))
    return top, distinct


def _records(result: AuditResult) -> dict[str, Any] | None:
    r = result.records
    if not r.records or r.mean is None:
        return None
    stats = [("Mean", r.mean), ("Median", r.median), ("p25", r.p25), ("p10", r.p10), ("Minimum", r.minimum)]
    return {
        "stats": [(name, format_score(value)) for name, value in stats],
        "perfect": f"{r.perfect_share * 100:.1f}%" if r.perfect_share is not None else None,
        "histogram": _histogram(r.histogram),
    }


def _histogram(bins: list[tuple[float, float, int]]) -> dict[str, Any] | None:
    """Bars of an SVG chart 600 × 160 user units: counts above the bars, whose base line is
    at y = 130, and the bins' ranges below."""
    if not bins:
        return None
    peak = max(count for _, _, count in bins) or 1
    slot = 600 / len(bins)
    bars = []
    for i, (lower, upper, count) in enumerate(bins):
        # An empty bin stays empty, but a bin with one record still gets a visible sliver.
        height = 0.0 if count == 0 else max(2.0, count / peak * 110)
        bars.append(
            {
                "x": f"{i * slot + 3:.2f}",
                "width": f"{slot - 6:.2f}",
                "y": f"{130 - height:.2f}",
                "height": f"{height:.2f}",
                "label_x": f"{i * slot + slot / 2:.2f}",
                "count_y": f"{130 - height - 5:.2f}",
                "count": format_int(count),
                "range": f"{lower:g}–{upper:g}",
            }
        )
    return {"bars": bars}


def _breakdown(breakdown: SegmentBreakdown) -> dict[str, Any]:
    dimensions = segment_dimensions(breakdown)
    rows = []
    for segment in breakdown.segments:
        scores = {d.dimension: d.score for d in segment.dimensions}
        rows.append(
            {
                "label": _t(segment_label(segment.value)),
                "missing": segment.value is None,
                "records": format_int(segment.records),
                "score": _Bar(
                    format_score(segment.score), _percent(segment.score or 0.0), _score_tone(segment.score)
                ),
                "dimensions": [
                    {"text": format_score(scores.get(d)), "tone": _score_tone(scores.get(d))}
                    for d in dimensions
                ],
                "weakest": [
                    {"id": _t(r.id), "rate": f"{r.pass_rate * 100:.1f}%", "tone": _status_tone(r.status)}
                    for r in weakest_rules(segment)
                ],
            }
        )
    shown = breakdown.segments[:SEGMENT_COLUMNS]
    rule_ids = [r.id for r in breakdown.segments[0].rules] if breakdown.segments else []
    matrix = [
        {
            "id": _t(rule_id),
            "cells": [
                {
                    "text": f"{s.rules[i].pass_rate * 100:.1f}%" if s.rules[i].evaluated else NOT_APPLICABLE,
                    "tone": _status_tone(s.rules[i].status) if s.rules[i].evaluated else "none",
                }
                for s in shown
            ],
        }
        for i, rule_id in enumerate(rule_ids)
    ]
    return {
        "field": _t(breakdown.field),
        "anchor": "segments-" + _anchor(breakdown.field)[len("rule-") :],
        "dimensions": [d.value.capitalize() for d in dimensions],
        "rows": rows,
        "folded": format_int(breakdown.folded) if breakdown.folded else None,
        "matrix_columns": [_t(segment_label(s.value)) for s in shown],
        "matrix": matrix,
        "matrix_left_out": format_int(len(breakdown.segments) - len(shown))
        if len(breakdown.segments) > len(shown)
        else None,
    }


def _lineage(result: AuditResult) -> list[dict[str, Any]]:
    paths = source_paths(result)
    return [
        {
            "field": _t(entry.field),
            "purpose": None if entry.purpose is None else _t(entry.purpose),
            "personal": entry.personal,
            "origins": [
                {
                    "source": _t(paths.get(index, f"source {index}")),
                    "column": _t(column),
                    # Text formats always read strings; only a typed source's own type tells anything.
                    "type": None if kind == "string" else _t(kind),
                }
                for index, column, kind in entry.origins
            ],
            "transformations": [_t(t) for t in entry.transformations],
        }
        for entry in result.lineage
    ]


def _sources(result: AuditResult) -> list[dict[str, Any]]:
    return [
        {
            "index": s.index,
            "path": _t(s.path),
            "format": s.format + (f" ({printable(s.sheet)})" if s.sheet else ""),
            "rows": format_int(s.rows),
            "size": _size(s.size),
            "sha256": s.sha256,
            "sha256_short": s.sha256[:12],
            "encoding": _t(s.encoding),
            "delimiter": _t(repr(s.delimiter)[1:-1]) if s.delimiter is not None else None,
            "null_markers": [_t(m) for m in s.null_markers],
        }
        for s in result.sources
    ]


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"
