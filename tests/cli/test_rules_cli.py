"""`veracity rules check | list | explain`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.checks import REGISTRY
from veracity.cli import app

ROOT = Path(__file__).parents[2]


def test_check_accepts_the_shipped_examples_with_their_sources(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rules", "check", str(ROOT / "examples" / "rules.yaml")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("rules OK and its field names")


def test_check_without_data_validates_the_file_alone(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rules", "check", str(ROOT / "rules" / "customer-master.yaml")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("rules OK")


def test_check_reports_unknown_fields_against_given_data(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("customer_id,mail\nC-1,a@b.de\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text("version: 1\nrules:\n  - {id: r, check: email, field: email}\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(rules), str(data)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {rules}:3:34: rules[0].field: field 'email' is in no source; did you mean 'mail'? "
        "(fields: customer_id, mail)"
    )


def test_check_reports_rule_file_errors(runner: CliRunner, tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("version: 1\nrules:\n  - {id: r, check: emali, field: email}\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(rules)])
    assert result.exit_code == 2
    assert "unknown check type 'emali'; did you mean 'email'?" in result.stderr


def test_list_names_every_check(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rules", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in REGISTRY:
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_explain_prints_the_declared_documentation(runner: CliRunner, name: str) -> None:
    result = runner.invoke(app, ["rules", "explain", name, "--markdown"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"## `{name}`")
    assert REGISTRY[name].sections()["Why it matters"].split()[0] in result.stdout


def test_explain_unknown_check_suggests(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rules", "explain", "phnoe"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "Error: unknown check type 'phnoe'; did you mean 'phone'? (see 'veracity rules list')"
    )
