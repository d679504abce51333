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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import jinja2
import polars as pl

from veracity.masking import mask_expr
from veracity.reports._common import (
    NOT_APPLICABLE,
    findings_by_rule,
    format_int,
    format_rate,
    format_score,
    location_of,
    printable,
    samples_by_rule,
    segment_dimensions,
    segment_label,
    shows_samples,
    source_paths,
    weakest_rules,
)
from veracity.results import AuditResult, RuleResult, SegmentBreakdown, Status

__all__ = ["SAMPLES_PER_RULE", "TOP_VALUES", "render"]

#: Failing records listed per WARN/FAIL rule.
SAMPLES_PER_RULE = 5
#: Most frequent failing values listed per WARN/FAIL rule.
TOP_VALUES = 5
#: Rows shown of each list found in a rule's details (e.g. the first duplicate clusters).
DETAIL_ROWS = 5
#: Segment columns in the rule-by-segment matrix; more would not fit a printed page.
SEGMENT_COLUMNS = 12

# Details come from check-specific code with no fixed shape; these caps keep one large
# object (a trained model, thousands of clusters) from turning the page into a data dump.
_DETAIL_FACTS = 40
_DETAIL_TEXT = 120
_DETAIL_LIST_ITEMS = 8

_STATUS_LABEL = {Status.PASS: "✔ Pass", Status.WARN: "▲ Warn", Status.FAIL: "✘ Fail"}

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
        "title": f"Data quality {result.score:.2f} / 100 — {'PASS' if gate.passed else 'FAIL'}",
        "score": format_score(result.score),
        "score_tone": score_tone,
        "gauge": _gauge(result.score),
        "gate": {
            "passed": gate.passed,
            "decision": "PASS" if gate.passed else "FAIL",
            "min_score": format_score(gate.min_score) if gate.min_score is not None else None,
            "reasons": [printable(reason) for reason in gate.reasons],
        },
        "run": _run(result),
        "status_counts": _status_counts(result.rules),
        "dimensions": _dimensions(result),
        "rules": [_rule(rule) for rule in result.rules],
        "failing": _failing(result, attention, reveal_values),
        "details": _details(result),
        "records": _records(result),
        "segments": [_breakdown(b) for b in result.segments],
        "lineage": _lineage(result),
        "sources": _sources(result),
        "reveal_values": reveal_values,
        "samples_per_rule": SAMPLES_PER_RULE,
        "not_applicable": NOT_APPLICABLE,
    }


def _t(value: object) -> str:
    """Any value from the data or the rule file as display text."""
    return NOT_APPLICABLE if value is None else printable(str(value))


def _count(n: int, noun: str) -> str:
    return f"{format_int(n)} {noun}{'' if n == 1 else 's'}"


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
    if result.gate.min_score is None:
        return _score_tone(result.score)
    return "good" if result.score >= result.gate.min_score else "poor"


def _status_tone(status: Status) -> str:
    return {Status.PASS: "good", Status.WARN: "fair", Status.FAIL: "poor"}[status]


def _gauge(score: float) -> dict[str, str]:
    filled = _GAUGE_CIRCUMFERENCE * min(100.0, max(0.0, score)) / 100
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
    for status in (Status.PASS, Status.WARN, Status.FAIL):
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
                format_score(d.score) if d.score is not None else "not run",
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


def _anchor(rule_id: str) -> str:
    """An id attribute for a rule's section: rule ids may hold any character, and an
    attribute value is escaped anyway, but a fragment link needs no spaces to stay one word."""
    return "rule-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in rule_id)


def _failing(result: AuditResult, rules: Sequence[RuleResult], reveal_values: bool) -> list[dict[str, Any]]:
    if not rules:
        return []
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    ids = [rule.id for rule in rules]
    top = _top_values(result.findings, ids, TOP_VALUES, reveal_values)
    distinct = _distinct_values(result.findings, ids)
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


def _top_values(
    findings: pl.DataFrame, rule_ids: Sequence[str], limit: int, reveal_values: bool
) -> dict[str, list[tuple[str | None, int]]]:
    """Each rule's most frequent failing values with their counts, most frequent first.

    Values are counted as they are in the data and masked afterwards: counting masked values
    would merge different values that share a mask (``u***@e***`` for every ``user…@example``)
    into one "value" that does not exist, and masking only the few rows shown is cheap.
    """
    if not findings.height:
        return {}
    frame = (
        findings.lazy()
        .filter(pl.col("rule").is_in(list(rule_ids)))
        .with_row_index("order")
        .group_by("rule", "value", "value_kind")
        .agg(pl.len().alias("count"), pl.col("order").min())
        # Ties go to the value found first, as the samples beside the list are ordered.
        .sort(["rule", "count", "order"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("rule") < limit)
        .collect()
    )
    if not reveal_values:
        frame = frame.with_columns(value=mask_expr(pl.col("value"), pl.col("value_kind")))
    top: dict[str, list[tuple[str | None, int]]] = {}
    for rule_id, value, count in frame.select("rule", "value", "count").iter_rows():
        top.setdefault(str(rule_id), []).append((value, int(count)))
    return top


def _distinct_values(findings: pl.DataFrame, rule_ids: Sequence[str]) -> dict[str, int]:
    if not findings.height:
        return {}
    frame = (
        findings.lazy()
        .filter(pl.col("rule").is_in(list(rule_ids)))
        .group_by("rule")
        .agg(pl.col("value").n_unique().alias("n"))
        .collect()
    )
    return {str(rule_id): int(n) for rule_id, n in frame.iter_rows()}


def _details(result: AuditResult) -> list[dict[str, Any]]:
    """Check-specific results (e.g. a duplicates rule's clusters), rendered from their
    ``to_dict()`` without knowing their shape: scalars as facts, nested objects flattened into
    dotted facts, lists of objects as tables of their first rows. The first clusters come from
    the findings' ``cluster_id``, which every check that clusters records fills."""
    order = {rule.id: i for i, rule in enumerate(result.rules)}
    rule_ids = sorted(result.details, key=lambda rule_id: (order.get(rule_id, len(order)), rule_id))
    rules = {rule.id: rule for rule in result.rules}
    sections = []
    for rule_id in rule_ids:
        details = result.details[rule_id]
        data = details.to_dict() if hasattr(details, "to_dict") else details
        facts: list[tuple[str, str]] = []
        tables: list[dict[str, Any]] = []
        if isinstance(data, Mapping):
            _collect_details(data, "", facts, tables)
        else:
            facts.append(("Details", _detail_text(data)))
        clusters = _clusters_in_findings(result.findings, rule_id)
        if clusters is not None:
            tables.insert(0, clusters)
        rule = rules.get(rule_id)
        sections.append(
            {
                "rule_id": _t(rule_id),
                "anchor": _anchor(rule_id) + "-details",
                "check": _t(rule.check) if rule else None,
                "facts": facts[:_DETAIL_FACTS],
                "facts_left_out": max(0, len(facts) - _DETAIL_FACTS),
                "tables": tables,
            }
        )
    return sections


def _collect_details(
    data: Mapping[Any, Any], prefix: str, facts: list[tuple[str, str]], tables: list[dict[str, Any]]
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _collect_details(value, f"{name}.", facts, tables)
        elif _is_list(value) and value and all(isinstance(item, Mapping) for item in value):
            tables.append(_detail_table(name, value))
        else:
            facts.append((_label(name), _detail_text(value)))


def _detail_table(name: str, items: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    shown = items[:DETAIL_ROWS]
    columns: list[Any] = []
    for item in shown:
        columns.extend(key for key in item if key not in columns)
    return {
        "title": _label(name),
        "count": format_int(len(items)),
        "columns": [_label(str(column)) for column in columns],
        "rows": [
            [_detail_text(item.get(column)) if column in item else "" for column in columns] for item in shown
        ],
        "left_out": format_int(len(items) - len(shown)) if len(items) > len(shown) else None,
        "note": None,
    }


def _is_list(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, list | tuple)


def _label(key: str) -> str:
    """``records_in_clusters`` -> ``Records in clusters``; dotted paths keep their dots."""
    text = printable(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _detail_text(value: object) -> str:
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return format_int(value)
    if isinstance(value, float):
        return f"{value:,.6g}" if math.isfinite(value) else NOT_APPLICABLE
    if _is_list(value):
        return _detail_list(value)
    if isinstance(value, Mapping):
        # An object inside a table cell (e.g. one level of a trained comparison).
        return " ".join(f"{printable(str(k))}={_detail_text(v)}" for k, v in value.items())
    return _shorten(printable(str(value)))


def _shorten(text: str) -> str:
    return text if len(text) <= _DETAIL_TEXT else text[: _DETAIL_TEXT - 1] + "…"


def _detail_list(items: Sequence[Any]) -> str:
    if not items:
        return NOT_APPLICABLE
    if items and all(isinstance(item, Mapping) and "source" in item for item in items):
        # Record references (e.g. a cluster's members) read best as source:line.
        parts = [_position(item) for item in items[:_DETAIL_LIST_ITEMS]]
    else:
        parts = [_detail_text(item) for item in items[:_DETAIL_LIST_ITEMS]]
    separator = "; " if any(isinstance(item, Mapping) for item in items) else ", "
    more = len(items) - _DETAIL_LIST_ITEMS
    return separator.join(parts) + (f" … (+{format_int(more)})" if more > 0 else "")


def _position(item: Mapping[Any, Any]) -> str:
    source = _t(item.get("source"))
    line = item.get("line")
    return source if line is None else f"{source}:{_t(line)}"


def _clusters_in_findings(findings: pl.DataFrame, rule_id: str) -> dict[str, Any] | None:
    """A table of the rule's first clusters as the findings hold them, or None without any.

    Only failing records are findings: a cluster's first record passes and is not listed, so
    this counts the records flagged, not every member."""
    if not findings.height or "cluster_id" not in findings.columns:
        return None
    flagged = findings.lazy().filter((pl.col("rule") == rule_id) & pl.col("cluster_id").is_not_null())
    clusters = (
        flagged.group_by("cluster_id")
        .agg(
            pl.len().alias("records"),
            pl.col("source").cast(pl.String),
            pl.col("line"),
            pl.col("record_key"),
            pl.col("message").first(),
        )
        .sort("cluster_id")
        .collect()
    )
    if not clusters.height:
        return None
    rows = []
    for row in clusters.head(DETAIL_ROWS).iter_rows(named=True):
        positions = [
            f"{_t(source)}:{line}" if line is not None else _t(source)
            for source, line in zip(row["source"], row["line"], strict=True)
        ]
        keys = [_t(key) for key in row["record_key"] if key is not None]
        rows.append(
            [
                _t(row["cluster_id"]),
                format_int(row["records"]),
                _detail_list(positions),
                _detail_list(keys) if keys else NOT_APPLICABLE,
                _shorten(_t(row["message"])),
            ]
        )
    total = int(clusters["records"].sum())
    return {
        "title": "Clusters in the findings",
        "count": format_int(clusters.height),
        "columns": ["Cluster", "Records flagged", "Where", "Record keys", "Message"],
        "rows": rows,
        "left_out": format_int(clusters.height - len(rows)) if clusters.height > len(rows) else None,
        "note": f"{_count(total, 'record')} flagged in {_count(clusters.height, 'cluster')}; "
        "each cluster's first record passes and is not a finding.",
    }


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
                    format_score(segment.score), _percent(segment.score), _score_tone(segment.score)
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
