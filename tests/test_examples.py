"""The shipped examples, audited end to end: what `make demo` shows is what the tests pin down."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import veracity
from tests.conftest import Golden
from tests.reports.report_fixture import normalise, normalise_json
from veracity.reports import render
from veracity.results import AuditResult

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def result() -> Iterator[AuditResult]:
    # From the checkout, as `make demo` runs it: the reports then name no absolute path, and
    # the golden files hold wherever the checkout is.
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        yield veracity.audit(rules="examples/rules.yaml", as_of=date(2026, 11, 1))
    finally:
        os.chdir(previous)


def test_examples_json_report(result: AuditResult, golden: Golden) -> None:
    golden("examples.json", normalise_json(json.loads(render(result, "json"))))


def test_examples_markdown_report(result: AuditResult, golden: Golden) -> None:
    golden("examples.md", normalise(render(result, "markdown"), result))


def test_examples_table_report(result: AuditResult, golden: Golden) -> None:
    golden("examples.txt", normalise(render(result, "table", width=100), result))


def test_both_sources_are_read_as_one_data_set(result: AuditResult) -> None:
    crm, shop = result.sources
    assert (crm.format, crm.encoding, crm.delimiter, crm.rows) == ("csv", "utf-8-sig", ";", 24)
    assert (shop.format, shop.rows) == ("ndjson", 12)
    assert result.records.records == 36


def test_findings_point_at_the_line_each_record_starts_on(result: AuditResult) -> None:
    """The CRM file's second record spans lines 3-4 (a quoted address with a line break)."""
    findings = result.findings
    duplicate = findings.filter(pl.col("rule") == "one-record-per-id").row(0, named=True)
    assert (duplicate["source"], duplicate["line"], duplicate["record_key"]) == (
        "crm_export.csv",
        19,
        "C-1003",
    )
    assert duplicate["message"] == "duplicate of the record at crm_export.csv:5"
    leading_space = findings.filter((pl.col("rule") == "email-valid") & (pl.col("record_key") == "C-1003"))
    assert leading_space.get_column("line").to_list() == [5]


def test_every_rule_family_finds_the_planted_defects(result: AuditResult) -> None:
    failed = {rule.id: rule.failed for rule in result.rules}
    assert failed["email-valid"] == 4  # leading space, double @, two without a TLD
    assert failed["consent-recorded"] >= 3  # missing, future and impossible consent dates
    assert failed["signup-first"] == 1
    assert failed["state-in-us"] == 1
    assert failed["one-record-per-email"] == 2  # the CRM duplicate and the shop's upper-case copy
    assert not result.gate.passed
