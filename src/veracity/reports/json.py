"""The JSON report: the machine-readable contract, described by ``docs/report-schema.json``.

Keys and their order are stable within a ``schema_version`` major version; new keys may be
added in a minor version, so consumers should ignore keys they do not know. Scores are rounded
to 2 decimals, rates and shares to 6, so that the document is byte-for-byte reproducible.
"""

from __future__ import annotations

import json
import math
from typing import Any

from veracity.masking import safe_name
from veracity.reports._common import Sample, findings_by_rule, location_of, samples_by_rule, source_paths
from veracity.results import (
    AuditResult,
    DimensionScore,
    FieldLineage,
    RecordScores,
    RuleResult,
    SegmentBreakdown,
)
from veracity.safetext import json_safe
from veracity.sources.base import SourceInfo

__all__ = ["SAMPLES_PER_RULE", "SCHEMA_VERSION", "render", "report"]

SCHEMA_VERSION = "1.4"
SAMPLES_PER_RULE = 5

JSONObject = dict[str, Any]


def render(result: AuditResult, *, reveal_values: bool = False) -> str:
    """The report as indented JSON text, ending with a newline."""
    # allow_nan=False: NaN is not JSON, and a consumer's parser would reject the whole report.
    # json_safe: C1 and bidirectional controls as escapes, so the report is safe on a terminal.
    return (
        json_safe(
            json.dumps(
                report(result, reveal_values=reveal_values), indent=2, ensure_ascii=False, allow_nan=False
            )
        )
        + "\n"
    )


def report(result: AuditResult, *, reveal_values: bool = False) -> JSONObject:
    """The report as a JSON-compatible dict, keys in documented order."""
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    by_rule = findings_by_rule(result)
    run = result.run
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "tool": run.tool,
            "version": run.version,
            "started_at": run.started_at,
            "duration_seconds": _round(run.duration_seconds, 3),
            "as_of": run.as_of,
            "rule_file": run.rule_file,
            "rule_file_sha256": run.rule_file_sha256,
            "key": run.key,
        },
        "score": _round(result.score, 2),
        "gate": {
            "passed": result.gate.passed,
            "decision": "pass" if result.gate.passed else "fail",
            "min_score": _round(result.gate.min_score, 2),
            "reasons": list(result.gate.reasons),
            "warnings": list(result.gate.warnings),
        },
        "dimensions": [_dimension(d) for d in result.dimensions],
        "rules": [
            _rule(rule, samples.get(rule.id, []), result.details.get(rule.id)) for rule in result.rules
        ],
        "records": _records(result.records),
        "sources": [_source(s) for s in result.sources],
        "lineage": [_lineage(entry, source_paths(result)) for entry in result.lineage],
        "findings": {"total": sum(by_rule.values()), "by_rule": by_rule},
        "segments": [_breakdown(b) for b in result.segments],
    }


def _round(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _dimension(score: DimensionScore) -> JSONObject:
    return {
        "dimension": score.dimension.value,
        "score": _round(score.score, 2),
        "rules": score.rules,
        "evaluated": score.evaluated,
        "failed": score.failed,
    }


def _rule(rule: RuleResult, samples: list[Sample], details: Any) -> JSONObject:
    entry: JSONObject = {
        "id": rule.id,
        "check": rule.check,
        "dimension": rule.dimension.value,
        "severity": rule.severity.value,
        "threshold": _round(rule.threshold, 6),
        "weight": rule.weight,
        "min_evaluated": rule.min_evaluated,
        "fields": list(rule.fields),
        "when": rule.when,
        "description": rule.description,
        "location": location_of(rule),
        "evaluated": rule.evaluated,
        "failed": rule.failed,
        "passed": rule.passed,
        "pass_rate": _round(rule.rate, 6),
        "status": rule.status.value,
        "samples": [
            {"source": s.source, "line": s.line, "record_key": s.record_key, "value": s.value}
            for s in samples
        ],
    }
    if details is not None:
        # Check-specific results (e.g. duplicate clusters and the trained model).
        entry["details"] = details.to_dict()
    if rule.projection is not None:
        entry["projection"] = rule.projection.to_dict()
    return entry


def _breakdown(breakdown: SegmentBreakdown) -> JSONObject:
    return {
        "field": breakdown.field,
        "folded": breakdown.folded,
        "segments": [
            {
                "value": segment.value,
                "records": segment.records,
                "score": _round(segment.score, 2),
                "dimensions": {
                    d.dimension.value: _round(d.score, 2) for d in segment.dimensions if d.score is not None
                },
                "rules": [
                    {
                        "id": r.id,
                        "evaluated": r.evaluated,
                        "failed": r.failed,
                        "pass_rate": _round(r.pass_rate, 6) if r.evaluated else None,
                        "status": r.status.value,
                    }
                    for r in segment.rules
                ],
            }
            for segment in breakdown.segments
        ],
    }


def _records(records: RecordScores) -> JSONObject:
    return {
        "records": records.records,
        "mean": _round(records.mean, 2),
        "minimum": _round(records.minimum, 2),
        "p10": _round(records.p10, 2),
        "p25": _round(records.p25, 2),
        "median": _round(records.median, 2),
        "perfect_share": _round(records.perfect_share, 6),
        "histogram": [
            {"lower": _round(lower, 2), "upper": _round(upper, 2), "records": count}
            for lower, upper, count in records.histogram
        ],
    }


def _source(source: SourceInfo) -> JSONObject:
    return {
        "index": source.index,
        "path": source.path,
        "format": source.format,
        "size": source.size,
        "sha256": source.sha256,
        "rows": source.rows,
        "encoding": source.encoding,
        "encoding_confidence": source.encoding_confidence,
        "delimiter": source.delimiter,
        "sheet": source.sheet,
        "position": source.position_kind,
        "null_markers": list(source.null_markers),
        # Database sources only: server, database, table or query_sha256, read_at, read_seconds.
        **({"details": dict(source.details)} if source.details else {}),
        "columns": [
            {
                "original": safe_name(column.original),
                "field": safe_name(column.field),
                "original_type": column.original_type,
                "missing_replaced": column.missing_replaced,
            }
            for column in source.columns
        ],
    }


def _lineage(entry: FieldLineage, paths: dict[int, str]) -> JSONObject:
    return {
        "field": entry.field,
        "origins": [
            {"source": index, "path": paths.get(index), "column": column, "type": original_type}
            for index, column, original_type in entry.origins
        ],
        "transformations": list(entry.transformations),
        "purpose": entry.purpose,
        "personal": entry.personal,
    }
