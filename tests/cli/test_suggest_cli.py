"""`veracity suggest` on the command line: the rule file it writes, what it refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profile"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "clients.csv", tmp_path / "clients.csv")
    return tmp_path


def suggest(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["suggest", "--no-progress", "--as-of", "2026-11-01", *args])
    return result.exit_code, result.stdout, result.stderr


def test_writes_a_rule_file_that_passes_its_own_audit(runner: CliRunner, workdir: Path) -> None:
    code, out, err = suggest(runner, "clients.csv", "-o", "rules.yaml")
    assert code == 0, err
    assert out == ""
    assert (
        err.strip()
        == "Rule file written to rules.yaml: 20 rules; check it with 'veracity rules check rules.yaml'"
    )
    text = (workdir / "rules.yaml").read_text(encoding="utf-8")
    assert "  - path: clients.csv\n" in text
    assert "      Courriel: email\n" in text
    assert '      "Code postal": postal_code\n' in text
    audit = runner.invoke(app, ["audit", "--no-progress", "-r", "rules.yaml", "--as-of", "2026-11-01"])
    assert audit.exit_code == 0, audit.stdout
    again = runner.invoke(
        app, ["audit", "--no-progress", "-r", "rules.yaml", "clients.csv", "--as-of", "2026-11-01"]
    )
    assert again.exit_code == 0


def test_an_existing_rule_file_is_kept_unless_force(runner: CliRunner, workdir: Path) -> None:
    (workdir / "rules.yaml").write_text("mine\n", encoding="utf-8")
    code, _, err = suggest(runner, "clients.csv", "-o", "rules.yaml")
    assert code == 2
    assert err.strip() == (
        "Error: -o/--output rules.yaml already exists; give another path or --force to replace it"
    )
    assert (workdir / "rules.yaml").read_text(encoding="utf-8") == "mine\n"
    code, _, _ = suggest(runner, "clients.csv", "-o", "rules.yaml", "--force")
    assert code == 0
    assert (workdir / "rules.yaml").read_text(encoding="utf-8").startswith("# Starter rules")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["clients.csv", "-o", "clients.csv", "--force"],
            "Error: -o/--output clients.csv is the data file clients.csv: writing there would destroy it; "
            "give -o/--output another path",
        ),
        (
            ["clients.csv", "-o", "-"],
            "Error: -o/--output: give a file path for the rule file; its sources are relative to it",
        ),
        (
            ["-", "-o", "r.yaml"],
            "Error: suggest reads the data twice (to profile it, then to measure the rules) and names it "
            "in the rule file: save standard input to a file and give its path instead of '-'",
        ),
        (
            ["clients.csv", "-o", "r.yaml", "--as-of", "tomorrow"],
            "Error: --as-of: 'tomorrow' is not a date; use YYYY-MM-DD, e.g. --as-of 2024-06-30",
        ),
    ],
)
def test_refusals_are_one_line_exit_2(
    runner: CliRunner, workdir: Path, args: list[str], message: str
) -> None:
    code, out, err = suggest(runner, *args)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [message]
    assert (workdir / "clients.csv").read_bytes() == (FIXTURES / "clients.csv").read_bytes()
    assert not (workdir / "r.yaml").exists()


def test_output_is_required(runner: CliRunner, workdir: Path) -> None:
    result = runner.invoke(app, ["suggest", "clients.csv"])
    assert result.exit_code == 2
    assert "Missing option '--output' / '-o'" in result.stderr


def test_data_without_anything_to_check_is_refused(runner: CliRunner, workdir: Path) -> None:
    (workdir / "empty.csv").write_text("a,b\n,x\n,\n , \n", encoding="utf-8")
    code, out, err = suggest(runner, "empty.csv", "-o", "rules.yaml")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "Error: no rule to suggest: no field is filled in 90% of the records or holds values of a kind "
        "the checks know; profile the data with 'veracity profile' and write the rules by hand"
    ]
    assert not (workdir / "rules.yaml").exists()


def test_a_sqlite_table_is_named_relative_to_the_rule_file(runner: CliRunner, workdir: Path) -> None:
    import sqlite3

    import polars as pl

    frame = pl.read_csv(workdir / "clients.csv", infer_schema=False)
    with sqlite3.connect(workdir / "crm.db") as connection:
        columns = ", ".join(f'"{name}" text' for name in frame.columns)
        connection.execute(f"CREATE TABLE clients ({columns})")
        connection.executemany(f"INSERT INTO clients VALUES ({', '.join('?' * frame.width)})", frame.rows())
    connection.close()
    (workdir / "rules").mkdir()
    code, _, err = suggest(runner, "sqlite:///crm.db?table=clients", "-o", "rules/crm.yaml")
    assert code == 0, err
    text = (workdir / "rules" / "crm.yaml").read_text(encoding="utf-8")
    assert '  - database: "sqlite:///../crm.db"\n    table: clients\n' in text
    audit = runner.invoke(app, ["audit", "--no-progress", "-r", "rules/crm.yaml", "--as-of", "2026-11-01"])
    assert audit.exit_code == 0, audit.stdout
