"""Purpose and minimisation through the command line: the findings a data protection officer
reads, exact in chunks, the error for a retention period nobody gave, masking by
``personal:``, and each field's purpose in the lineage."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity.config import rule_set_from_objects
from veracity.masking import field_masks

RULES = """\
version: 1
key: id
fields:
  id: {purpose: "the customer's account", personal: false}
  last_purchase: {purpose: "order history", retention_days: 30}
rules:
  - {id: kept, check: retention, field: last_purchase}
  - {id: minimal, check: minimisation}
"""
#: Valid IBANs and card numbers, and order numbers of the same length as cards, of which one
#: in four passes the Luhn check (random digits pass one time in ten).
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "NL91ABNA0417164300"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881"]
ORDERS = ["4000000000000002", "1000000000000001", "1000000000000002", "1000000000000003"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    rows = 2500  # several chunks of --chunk-rows 1000
    pl.DataFrame(
        {
            "id": [str(i) for i in range(rows)],
            # 30 days before the audit date is kept, 31 days is not: 1 record in 3 fails.
            "last_purchase": [("2024-06-30", "2024-05-31", "2024-05-30")[i % 3] for i in range(rows)],
            "iban": [IBANS[i % 3] for i in range(rows)],
            "card": [CARDS[i % 3] for i in range(rows)],
            "order_no": [ORDERS[i % 4] for i in range(rows)],
        }
    ).write_csv(tmp_path / "data.csv")
    return tmp_path


def _findings(runner: CliRunner, *extra: str) -> pl.DataFrame:
    code, _, err = run_audit(
        runner, "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30", "--findings", "f.csv", *extra
    )
    assert code == 1, err
    return pl.read_csv("f.csv", infer_schema=False)


def test_minimisation_flags_undeclared_ibans_and_cards_not_order_numbers(workdir: Path) -> None:
    findings = _findings(CliRunner()).filter(pl.col("rule") == "minimal")
    sensitive = findings.filter(pl.col("source").is_null())
    assert sorted(sensitive.get_column("field").to_list()) == ["card", "iban"]
    messages = dict(zip(sensitive.get_column("field"), sensitive.get_column("message"), strict=True))
    assert messages["iban"].startswith("column 'iban': 100% of its values look like IBANs")
    assert messages["card"].startswith("column 'card': 100% of its values look like payment card numbers")
    # Undeclared: every column but the two under fields:, order numbers among them.
    undeclared = findings.filter(pl.col("source") == "data.csv")
    assert sorted(undeclared.get_column("field").to_list()) == ["card", "iban", "order_no"]
    # No value of the data in any minimisation finding.
    assert findings.get_column("value").null_count() == findings.height
    for value in [*IBANS, *CARDS, *ORDERS]:
        assert not any(value in message for message in findings.get_column("message"))


def test_chunked_audit_finds_the_same(workdir: Path) -> None:
    runner = CliRunner()
    whole = _findings(runner)
    chunked = _findings(runner, "--chunk-rows", "1000")
    assert chunked.sort(pl.all()).equals(whole.sort(pl.all()))
    sensitive = chunked.filter((pl.col("rule") == "minimal") & pl.col("source").is_null())
    assert sorted(sensitive.get_column("field").to_list()) == ["card", "iban"]
    kept = whole.filter(pl.col("rule") == "kept")
    assert kept.height == 833  # the records of 2024-05-30: 31 days old
    assert set(kept.get_column("message")) == {"kept longer than its retention period of 30 days"}


def test_retention_without_a_period_is_one_error_line(workdir: Path) -> None:
    (workdir / "rules.yaml").write_text(
        "version: 1\nrules:\n  - {id: kept, check: retention, field: last_purchase}\n", encoding="utf-8"
    )
    code, out, err = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "Error: rules.yaml:3:5: rules[0]: retention of 'last_purchase' needs a period: add days: N "
        "to the rule, or fields: {last_purchase: {retention_days: N}} to the rule file "
        "(--set fields.last_purchase.retention_days=N)"
    ]


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        ("{retention_days: 0}", "retention_days"),
        ("{retention_days: many}", "retention_days"),
        ("{purpose: ''}", "purpose"),
        ("{personal: perhaps}", "personal"),
    ],
)
def test_bad_field_declarations_are_one_error_line(workdir: Path, bad: str, complaint: str) -> None:
    (workdir / "rules.yaml").write_text(
        f"version: 1\nfields:\n  last_purchase: {bad}\nrules:\n  - {{id: n, check: not_null, field: id}}\n",
        encoding="utf-8",
    )
    code, _, err = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: rules.yaml:3:")
    assert f"fields.last_purchase.{complaint}" in lines[0]


@pytest.mark.parametrize(
    ("name", "personal", "shown_as"),
    [
        ("tier", True, "text"),  # a name that is shown, declared personal: masked
        ("tier", None, "shown"),
        ("email", False, "shown"),  # a name that is masked, declared not personal: shown
        ("email", None, "email"),
        ("notes", None, "text"),  # a name that says nothing: masked until declared
        ("notes", False, "shown"),
    ],
)
def test_masking_follows_personal(name: str, personal: bool | None, shown_as: str) -> None:
    declared = {} if personal is None else {name: {"personal": personal}}
    rule_set = rule_set_from_objects([{"id": "n", "check": "not_null", "field": name}], fields=declared)
    assert field_masks(rule_set, [name])[name] == shown_as


def test_lineage_shows_purpose_and_whether_personal(workdir: Path) -> None:
    code, out, err = run_audit(
        CliRunner(), "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30", "-f", "json", "-o", "-"
    )
    assert code == 1, err
    lineage = {entry["field"]: entry for entry in json.loads(out)["lineage"]}
    assert (lineage["id"]["purpose"], lineage["id"]["personal"]) == ("the customer's account", False)
    assert (lineage["last_purchase"]["purpose"], lineage["last_purchase"]["personal"]) == (
        "order history",
        True,
    )
    assert (lineage["iban"]["purpose"], lineage["iban"]["personal"]) == (None, True)
    _, markdown, _ = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv", "-f", "markdown")
    assert "| `id` | the customer's account | no |" in markdown
