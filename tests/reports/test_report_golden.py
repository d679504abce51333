"""Each format's full output for the fixture result, compared with a reviewed golden file.

Regenerate after an intended change with ``VERACITY_UPDATE_GOLDEN=1 pytest tests/reports`` and
review the diff like code.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.reports.report_fixture import build_result, normalise, normalise_json
from veracity.reports import render
from veracity.results import AuditResult

Golden = Callable[[str, str], None]


def test_table_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("table.txt", normalise(render(audit_result, "table"), audit_result))


def test_json_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("report.json", normalise_json(json.loads(render(audit_result, "json"))))


def test_markdown_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("report.md", normalise(render(audit_result, "markdown"), audit_result))


def test_volatile_fields_are_the_only_difference_between_runs(audit_result: AuditResult) -> None:
    other = build_result(started_at="1999-01-01T00:00:00Z")
    for fmt in ("table", "markdown"):
        assert normalise(render(other, fmt), other) == normalise(render(audit_result, fmt), audit_result)
    assert normalise_json(json.loads(render(other, "json"))) == normalise_json(
        json.loads(render(audit_result, "json"))
    )
