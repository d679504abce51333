"""Optional additions to the report fixture: segments, duplicates details and clusters.

The base fixture (report_fixture.py) keeps them out so that the older formats' golden files
stay as they are; the HTML, JUnit and GitHub tests add them where a section depends on them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl

from veracity.results import (
    AuditResult,
    DimensionScore,
    Segment,
    SegmentBreakdown,
    SegmentRule,
    Severity,
    Status,
)

#: The rule the fake details and clusters belong to (a uniqueness rule of the base fixture).
CLUSTERED_RULE = "customer-id-unique"
#: Segment values, one of them hostile markup, to prove that segment labels are escaped too.
SCRIPT_SEGMENT = "<script>alert(1)</script>"


class FakeDuplicateDetails:
    """Stands in for a duplicates rule's details object (reports only call ``to_dict()``); its
    dictionary has the shape of ``veracity.linkage.result.DuplicatesResult.to_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": 0.9,
            "records_evaluated": 1440,
            "candidate_pairs": 5210,
            "matched_pairs": 3,
            "clusters": 2,
            "records_in_clusters": 6,
            "blocking": [
                {"keys": ["postal_code"], "pairs": 4100, "new_pairs": 4100},
                {"keys": ["email"], "pairs": 1300, "new_pairs": 1110},
            ],
            "model": {
                "prior": 0.000412,
                "u_estimation": "random",
                "random_pairs": 100000,
                "em_iterations": 14,
                "em_converged": True,
                "comparisons": [
                    {
                        "field": "name",
                        "method": "jaro_winkler",
                        "term_frequency": False,
                        "levels": [
                            {"level": "exact", "m": 0.91, "u": 0.0021, "weight": 8.759},
                            {"level": "else", "m": 0.09, "u": 0.9979, "weight": -3.471},
                        ],
                    },
                    {"field": "email", "method": "email", "term_frequency": True, "levels": []},
                ],
            },
        }


def with_details(result: AuditResult) -> AuditResult:
    """``result`` with duplicates details on :data:`CLUSTERED_RULE` and cluster ids on its four
    findings (clusters 1 and 2, two flagged records each)."""
    findings = result.findings.with_columns(
        cluster_id=pl.when(pl.col("rule") == CLUSTERED_RULE)
        .then((pl.int_range(pl.len()).over("rule") // 2 + 1).cast(pl.Int64))
        .otherwise(pl.col("cluster_id"))
    )
    return dataclasses.replace(result, findings=findings, details={CLUSTERED_RULE: FakeDuplicateDetails()})


def _segment(value: str | None, records: int, score: float, result: AuditResult, worst: float) -> Segment:
    """A segment whose pass rates and scores are the overall ones, every third rule's pass rate
    lowered by ``worst`` so that segments differ and some rules fail in some of them."""
    rules = []
    for i, rule in enumerate(result.rules):
        evaluated = 0 if rule.evaluated == 0 else records
        rate = 1.0 if evaluated == 0 else max(0.0, min(1.0, rule.pass_rate - (worst if i % 3 == 0 else 0.0)))
        failed = round(evaluated * (1 - rate))
        if rate >= rule.threshold:
            status = Status.PASS
        else:
            status = Status.FAIL if rule.severity is Severity.ERROR else Status.WARN
        rules.append(SegmentRule(rule.id, evaluated, failed, rate, status))
    dimensions = [
        DimensionScore(
            d.dimension, None if d.score is None else max(0.0, d.score - worst * 100), d.rules, 0, 0
        )
        for d in result.dimensions
    ]
    return Segment(value, records, score, dimensions, rules)


def with_segments(result: AuditResult) -> AuditResult:
    """``result`` with two breakdowns: by country (with a missing value and a folded tail)
    and by source file."""
    by_country = SegmentBreakdown(
        field="country",
        segments=[
            _segment("DE", 820, 91.2, result, 0.0),
            _segment("AT", 310, 86.4, result, 0.02),
            _segment(SCRIPT_SEGMENT, 150, 79.9, result, 0.08),
            _segment(None, 90, 70.3, result, 0.15),
            _segment("(other)", 70, 88.0, result, 0.01),
        ],
        folded=4,
    )
    by_source = SegmentBreakdown(
        field="source",
        segments=[
            _segment("exports/customers.csv", 1200, 87.9, result, 0.01),
            _segment("exports/crm_contacts.xlsx", 240, 91.3, result, 0.0),
        ],
    )
    return dataclasses.replace(result, segments=[by_country, by_source])


def with_extras(result: AuditResult) -> AuditResult:
    return with_segments(with_details(result))
