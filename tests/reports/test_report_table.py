"""The terminal table: layout, colour only on request, and untrusted text shown as typed."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.reports.report_fixture import ESCAPE_VALUE
from veracity.reports import render
from veracity.results import AuditResult

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_by_default(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "\x1b" not in text
    assert not any(line != line.rstrip() for line in text.splitlines())


def test_colour_on_request(audit_result: AuditResult) -> None:
    coloured = render(audit_result, "table", color=True)
    assert ANSI.search(coloured)
    # Colour only decorates: the text underneath is the same report.
    plain = "\n".join(line.rstrip() for line in ANSI.sub("", coloured).splitlines()) + "\n"
    assert plain == render(audit_result, "table")


@pytest.mark.parametrize("width", [80, 100, 140])
def test_lines_fit_the_width(audit_result: AuditResult, width: int) -> None:
    lines = render(audit_result, "table", width=width).splitlines()
    assert max(len(line) for line in lines) == width


def test_header_shows_gate_and_context(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "✘ FAIL" in text
    assert "/ 100" in text
    assert "minimum score 95.00" in text
    assert "• score 88.47 is below the minimum 95.00" in text
    assert "as of 2024-06-30 · 1,440 records · 2 sources · 7 rules" in text


def test_passing_gate(audit_result: AuditResult) -> None:
    passed = dataclasses.replace(
        audit_result, gate=dataclasses.replace(audit_result.gate, passed=True, reasons=[])
    )
    text = render(passed, "table")
    assert "✔ PASS" in text
    assert "all gate conditions met" in text


def test_rules_table_rows(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert re.search(r"✘ FAIL +email-valid +validity +error +1,436 +21 +98\.54%", text)
    assert re.search(r"▲ WARN +phone-valid +validity +warning +1,380 +37 +97\.32%", text)
    assert re.search(r"○ NOT EVALUATED +signup-not-future +timeliness +error +0 +0 +—", text)
    assert re.search(r"consent_before · consent,\s+last_contact", text)


def test_not_evaluated_rule_is_a_warning_beside_the_gate(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "▲ rule signup-not-future evaluated no record and is left out of" in text
    assert re.search(r"Timeliness +— +not evaluated +1 +0 +0", text)


def test_samples_only_for_rules_needing_attention(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "email-valid  21 of 1,436 failed" in text
    assert "exports/customers.csv:14  C-000012  j***@e***.com" in text
    assert "… and 18 more" in text
    # customer-id-unique passes with 4 failures inside its threshold: no samples.
    assert "duplicate customer_id" not in text


def test_control_characters_are_shown_escaped(audit_result: AuditResult) -> None:
    text = render(audit_result, "table", reveal_values=True)
    assert "Am Markt 3\\nApt 4" in text
    escaped = dataclasses.replace(audit_result.rules[0], id=ESCAPE_VALUE)
    text = render(dataclasses.replace(audit_result, rules=[escaped]), "table", color=True)
    assert "\x1b[31mRed" not in text
    assert "\\x1b[31mRed Street 1\\x1b[0m" in ANSI.sub("", text)


def test_markup_in_data_is_not_interpreted(audit_result: AuditResult) -> None:
    rule = dataclasses.replace(audit_result.rules[0], id="[bold red]x[/bold red] :smile:")
    text = render(dataclasses.replace(audit_result, rules=[rule]), "table", color=True)
    assert "[bold red]x[/bold red] :smile:" in ANSI.sub("", text)


def test_record_score_distribution(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "Record scores  mean 96.81 · median 100.00 · p25 100.00 · p10 83.33 · min 40.00" in text
    assert "74.2% of records pass every rule   0 ▕    ▁▁▁▁▃█▏ 100" in text


def test_lineage_and_sources(audit_result: AuditResult) -> None:
    text = render(audit_result, "table")
    assert "exports/crm_contacts.xlsx › id (int64)" in text
    assert re.search(r"customer_id +exports/customers.csv › Customer ID.*\nnot personal ", text)
    assert re.search(r"\nemail +exports/.*\npersonal +.*\npurpose: order\n", text)
    assert "exports/customers.csv › E-Mail" in text
    assert re.search(r"1 +exports/crm_contacts\.xlsx +xlsx \(Contacts\) +240 +20\.0 KB +a9e8d7c6b5a4", text)
