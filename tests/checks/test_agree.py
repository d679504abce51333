"""agree_across_sources over several sources: which records disagree, what their findings say,
the same in one-record partitions, and across a CSV and an NDJSON file through the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity import load_data
from veracity.config import rule_set_from_objects
from veracity.engine import AuditPlan, RunOutput, WholeData, run_partitions

RULE = {
    "id": "agree",
    "check": "agree_across_sources",
    "key": "id",
    "fields": ["email", "phone"],
    "normalise": {"email": "email", "phone": "phone"},
    "default_region": "DE",
}

#: (name, first source, second source, verdicts in audit order: first source's, then second's)
CASES: list[tuple[str, dict[str, list[Any]], dict[str, list[Any]], list[str]]] = [
    (
        "the same customer written alike after normalisation agrees",
        {"id": ["1"], "email": ["Anna@X.com"], "phone": ["030 1234567"]},
        {"id": ["1"], "email": [" anna@x.com "], "phone": ["+49 30 1234567"]},
        ["pass", "pass"],
    ),
    (
        "a different e-mail fails both records",
        {"id": ["1"], "email": ["anna@x.com"], "phone": [None]},
        {"id": ["1"], "email": ["anna@y.com"], "phone": [None]},
        ["fail", "fail"],
    ),
    (
        "a missing value disagrees with nothing",
        {"id": ["1"], "email": [None], "phone": ["030 1234567"]},
        {"id": ["1"], "email": ["anna@x.com"], "phone": [None]},
        ["pass", "pass"],
    ),
    (
        "keys in one source only are not evaluated",
        {"id": ["1", "2"], "email": ["a@x.com", "b@x.com"], "phone": [None, None]},
        {"id": ["3"], "email": ["a@x.com"], "phone": [None]},
        ["skip", "skip", "skip"],
    ),
    (
        "records of one source are not compared with each other",
        {"id": ["1", "1"], "email": ["a@x.com", "b@x.com"], "phone": [None, None]},
        {"id": ["1"], "email": ["a@x.com"], "phone": [None]},
        ["pass", "fail", "fail"],
    ),
    (
        "a different phone number fails",
        {"id": ["5"], "email": [None], "phone": ["030 1234567"]},
        {"id": ["5"], "email": [None], "phone": ["030 7654321"]},
        ["fail", "fail"],
    ),
]


def _run(first: dict[str, list[Any]], second: dict[str, list[Any]], size: int | None) -> RunOutput:
    rule_set = rule_set_from_objects([RULE])
    frames = [pl.DataFrame({n: pl.Series(v, dtype=pl.String) for n, v in t.items()}) for t in (first, second)]
    data = load_data(frames, rule_set)
    plan = AuditPlan.for_rules(rule_set, as_of=date(2024, 6, 30), fields=data.fields)
    return run_partitions(WholeData(data, size), plan)


def _verdicts(output: RunOutput, records: int) -> list[str]:
    failing = set(output.states["agree"].failing_rows.to_list())
    scores = output.record_scores.to_list()
    return ["skip" if scores[i] is None else "fail" if i in failing else "pass" for i in range(records)]


@pytest.mark.parametrize(("name", "first", "second", "expected"), CASES, ids=[c[0] for c in CASES])
def test_agreement_across_sources(
    name: str, first: dict[str, list[Any]], second: dict[str, list[Any]], expected: list[str]
) -> None:
    whole = _run(first, second, None)
    assert _verdicts(whole, len(expected)) == expected
    parts = _run(first, second, 1)
    assert (parts.states["agree"].evaluated, parts.states["agree"].failed) == (
        whole.states["agree"].evaluated,
        whole.states["agree"].failed,
    )
    assert_frame_equal(parts.findings, whole.findings)


def test_the_finding_names_the_fields_and_the_other_source() -> None:
    output = _run(
        {"id": ["1"], "email": ["anna@x.com"], "phone": ["030 1234567"]},
        {"id": ["1"], "email": ["anna@y.com"], "phone": ["030 7654321"]},
        None,
    )
    assert output.findings.get_column("message").to_list() == [
        "email, phone disagree with <dataframe 1> for the same id",
        "email, phone disagree with <dataframe 0> for the same id",
    ]


def test_conflicts_across_a_csv_and_an_ndjson_source(tmp_path: Path) -> None:
    runner = CliRunner()
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "id,email,phone\n1,anna@example.de,030 1234567\n2,ben@example.de,+49 40 428280\n", encoding="utf-8"
    )
    shop = tmp_path / "shop.ndjson"
    shop.write_text(
        '{"id": "1", "email": "ANNA@example.de ", "phone": "+49 30 1234567"}\n'
        '{"id": "2", "email": "benjamin@example.de", "phone": "040 428280"}\n',
        encoding="utf-8",
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {id: agree, check: agree_across_sources, key: id, fields: [email, phone],\n"
        "     normalise: {email: email, phone: phone}, default_region: DE}\n",
        encoding="utf-8",
    )
    findings = tmp_path / "findings.csv"
    code, stdout, _ = run_audit(
        runner, str(crm), str(shop), "-r", str(rules), "-f", "json", "--findings", str(findings)
    )
    assert code == 1
    report = json.loads(stdout)
    assert [(r["id"], r["evaluated"], r["failed"]) for r in report["rules"]] == [("agree", 4, 2)]
    rows = pl.read_csv(findings).select("source", "line", "message", "value").rows()
    assert rows == [
        (str(crm), 3, f"email disagrees with {shop} for the same id", "b***@e***.de"),
        (str(shop), 2, f"email disagrees with {crm} for the same id", "b***@e***.de"),
    ]
