"""The JSON report is a contract: it validates against docs/report-schema.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest

from veracity.checks.base import Dimension
from veracity.reports import render
from veracity.results import AuditResult, RecordScores, Severity, Status

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"
RULE_CONTRACT_KEYS = {"id", "check", "dimension", "evaluated", "failed", "pass_rate", "status"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def _report(result: AuditResult, **options: bool) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render(result, "json", **options))
    return loaded


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("reveal", [False, True])
def test_report_validates_against_schema(
    audit_result: AuditResult, schema: dict[str, Any], reveal: bool
) -> None:
    jsonschema.Draft202012Validator(schema).validate(_report(audit_result, reveal_values=reveal))


def test_empty_audit_validates_against_schema(audit_result: AuditResult, schema: dict[str, Any]) -> None:
    empty = dataclasses.replace(
        audit_result,
        rules=[],
        dimensions=[],
        lineage=[],
        sources=[],
        records=RecordScores(0, None, None, None, None, None, None, []),
        findings=audit_result.findings.clear(),
    )
    report = _report(empty)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["findings"] == {"total": 0, "by_rule": {}}


def test_schema_rejects_a_rule_without_a_contract_key(
    audit_result: AuditResult, schema: dict[str, Any]
) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    for key in RULE_CONTRACT_KEYS:
        report = _report(audit_result)
        del report["rules"][0][key]
        assert not validator.is_valid(report), key


def test_schema_enums_match_the_code(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert defs["dimension_name"]["enum"] == [d.value for d in Dimension]
    assert defs["rule"]["properties"]["status"]["enum"] == [s.value for s in Status]
    assert defs["rule"]["properties"]["severity"]["enum"] == [s.value for s in Severity]


def test_top_level_and_rule_keys_in_documented_order(
    audit_result: AuditResult, schema: dict[str, Any]
) -> None:
    report = _report(audit_result)
    assert list(report) == list(schema["properties"])
    assert list(report["run"]) == list(schema["properties"]["run"]["properties"])
    rule_schema = schema["$defs"]["rule"]
    for rule in report["rules"]:
        # Optional keys (e.g. a duplicates rule's details) keep their documented place too.
        assert list(rule) == [key for key in rule_schema["properties"] if key in rule]
        assert set(rule) >= set(rule_schema["required"]) | RULE_CONTRACT_KEYS


def test_numbers_are_rounded(audit_result: AuditResult) -> None:
    report = _report(audit_result)
    assert report["score"] == 88.47
    assert report["gate"] == {
        "passed": False,
        "decision": "fail",
        "min_score": 95.0,
        "reasons": audit_result.gate.reasons,
        "warnings": audit_result.gate.warnings,
    }
    by_id = {rule["id"]: rule for rule in report["rules"]}
    assert by_id["email-valid"]["pass_rate"] == 0.985376
    assert by_id["email-valid"]["passed"] == 1415
    assert by_id["email-valid"]["location"] == "rules/customers.yaml:12:5"
    assert [d["score"] for d in report["dimensions"]] == [100.0, 97.94, 99.72, None, 99.71, 75.0]
    assert report["records"]["perfect_share"] == 0.742361
    assert report["records"]["p10"] == 83.33
    assert report["records"]["histogram"][-1] == {"lower": 90.0, "upper": 100.0, "records": 1069}


def test_rule_with_nothing_evaluated(audit_result: AuditResult) -> None:
    rule = next(r for r in _report(audit_result)["rules"] if r["id"] == "signup-not-future")
    assert (rule["evaluated"], rule["failed"], rule["pass_rate"], rule["status"]) == (
        0,
        0,
        None,
        "not_evaluated",
    )
    assert rule["min_evaluated"] is None
    assert rule["when"] == "country == 'DE' and signup_date is not null"
    assert rule["samples"] == []


def test_samples_are_the_first_five_findings_of_each_rule(audit_result: AuditResult) -> None:
    rules = {rule["id"]: rule for rule in _report(audit_result)["rules"]}
    email = rules["email-valid"]["samples"]
    assert len(email) == 5
    assert [(s["source"], s["line"], s["record_key"]) for s in email] == [
        ("exports/customers.csv", 14, "C-000012"),
        ("exports/customers.csv", 27, "C-000025"),
        ("exports/customers.csv", 31, "C-000029"),
        ("exports/crm_contacts.xlsx", 2, "100001"),
        ("exports/crm_contacts.xlsx", 10, "100010"),
    ]
    assert len(rules["street-format"]["samples"]) == 4
    # A passing rule's failures within its threshold are samples too: JSON hides nothing.
    assert len(rules["customer-id-unique"]["samples"]) == 4
    assert rules["customer-id-required"]["samples"] == []
    assert list(email[0]) == ["source", "line", "record_key", "value"]


def test_findings_counts(audit_result: AuditResult) -> None:
    findings = _report(audit_result)["findings"]
    assert findings["total"] == audit_result.findings.height == 366
    assert findings["by_rule"] == {
        "email-valid": 21,
        "phone-valid": 37,
        "customer-id-required": 0,
        "customer-id-unique": 4,
        "street-format": 4,
        "signup-not-future": 0,
        "consent-before-contact": 300,
    }


def test_sources_and_lineage(audit_result: AuditResult) -> None:
    report = _report(audit_result)
    csv, xlsx = report["sources"]
    assert csv["position"] == "line"
    assert csv["null_markers"] == ["n/a", "-"]
    assert csv["columns"][1] == {
        "original": "E-Mail",
        "field": "email",
        "original_type": "string",
        "missing_replaced": 4,
    }
    assert (xlsx["sheet"], xlsx["encoding"], xlsx["delimiter"]) == ("Contacts", None, None)
    assert report["lineage"][0]["origins"] == [
        {"source": 0, "path": "exports/customers.csv", "column": "Customer ID", "type": "string"},
        {"source": 1, "path": "exports/crm_contacts.xlsx", "column": "id", "type": "int64"},
    ]


def test_not_a_number_becomes_null(audit_result: AuditResult) -> None:
    records = dataclasses.replace(audit_result.records, mean=float("nan"))
    report = _report(dataclasses.replace(audit_result, records=records))
    assert report["records"]["mean"] is None


def test_source_given_as_index_is_reported_as_its_path(audit_result: AuditResult) -> None:
    paths = {s.path: s.index for s in audit_result.sources}
    findings = audit_result.findings.with_columns(
        pl.col("source").replace_strict(paths, return_dtype=pl.UInt16)
    )
    report = _report(dataclasses.replace(audit_result, findings=findings))
    assert report["rules"][0]["samples"][0]["source"] == "exports/customers.csv"
