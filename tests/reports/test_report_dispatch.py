"""The format registry: names, dispatch and the error for an unknown format."""

from __future__ import annotations

import json

import pytest

from veracity.errors import UsageError
from veracity.reports import FORMATS, render
from veracity.results import AuditResult


def test_formats_are_table_json_markdown_with_table_first() -> None:
    assert FORMATS == ("table", "json", "markdown", "html", "junit", "github")


def test_render_dispatches_to_each_format(audit_result: AuditResult) -> None:
    assert render(audit_result, "table").startswith("╭─ veracity")
    assert json.loads(render(audit_result, "json"))["schema_version"] == "1.4"
    assert render(audit_result, "markdown").startswith("# ❌ Data quality: 88.47 / 100")


def test_every_format_ends_with_one_newline(audit_result: AuditResult) -> None:
    for fmt in FORMATS:
        text = render(audit_result, fmt)
        assert text.endswith("\n")
        assert not text.endswith("\n\n")


def test_unknown_format_is_a_usage_error(audit_result: AuditResult) -> None:
    with pytest.raises(UsageError) as caught:
        render(audit_result, "yaml")
    assert (
        str(caught.value)
        == "unknown report format 'yaml'; choose one of: table, json, markdown, html, junit, github"
    )


def test_rendering_is_deterministic(audit_result: AuditResult) -> None:
    for fmt in FORMATS:
        assert render(audit_result, fmt) == render(audit_result, fmt)
