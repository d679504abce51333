"""`veracity trend`: each format's full output for a recorded series (golden files), options,
and the one-line errors for stores that cannot be used."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reports.report_fixture import build_result
from veracity.checks.base import Dimension
from veracity.cli import app
from veracity.history import ENV_VAR, record_audit
from veracity.results import AuditResult, DimensionScore, GateDecision, RuleResult, Severity, Status

Golden = Callable[[str, str], None]

# (as_of, overall score, validity, consent, timeliness, stale records of 1,000, gate passed)
SERIES = [
    ("2024-01-31", 91.20, 97.50, 80.00, 94.0, 60, True),
    ("2024-02-29", 90.45, 97.10, 79.50, 91.5, 85, True),
    ("2024-04-30", 88.47, 97.94, 75.00, 87.0, 130, False),
    ("2024-05-31", 89.02, 98.31, 76.25, None, None, False),
]


def series_result(
    as_of: str,
    score: float,
    validity: float,
    consent: float,
    timeliness: float | None,
    stale: int | None,
    passed: bool,
) -> AuditResult:
    base = build_result(started_at=f"{as_of}T06:30:00Z")
    rules = list(base.rules)
    if stale is not None:
        rules.append(
            RuleResult(
                id="recently-updated",
                check="max_age",
                dimension=Dimension.TIMELINESS,
                severity=Severity.WARNING,
                threshold=0.8,
                weight=1.0,
                fields=["last_contact"],
                when=None,
                description=None,
                location=None,
                evaluated=1000,
                failed=stale,
                pass_rate=(1000 - stale) / 1000,
                status=Status.PASS,
            )
        )
    dimensions = [
        DimensionScore(Dimension.COMPLETENESS, 100.0, 1, 1440, 0),
        DimensionScore(Dimension.VALIDITY, validity, 2, 2816, 58),
        DimensionScore(Dimension.TIMELINESS, timeliness, 1, 1000 if stale is not None else 0, stale or 0),
        DimensionScore(Dimension.CONSENT, consent, 1, 1200, 300),
    ]
    return replace(
        base,
        run=replace(base.run, as_of=as_of),
        rules=rules,
        dimensions=dimensions,
        score=score,
        gate=GateDecision(passed=passed, min_score=89.0, reasons=[]),
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with four monthly audits of the fixture's rule file, as the working directory's
    default store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    (tmp_path / ".veracity").mkdir()
    path = tmp_path / ".veracity" / "history.db"
    for row in SERIES:
        record_audit(series_result(*row), path)
    return path


def trend(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["trend", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("fmt", "golden_name"), [("table", "trend.txt"), ("markdown", "trend.md"), ("html", "trend.html")]
)
def test_each_format_matches_its_golden_file(
    runner: CliRunner, store: Path, golden: Golden, fmt: str, golden_name: str
) -> None:
    code, out, err = trend(runner, "--format", fmt)
    assert code == 0, err
    golden(golden_name, out)


def test_the_table_shows_change_arrows_and_decay(runner: CliRunner, store: Path) -> None:
    code, out, _ = trend(runner)
    assert code == 0
    assert "▲ +0.55" in out  # overall 88.47 -> 89.02
    assert "▼ −1.25" not in out
    assert "▲ +1.25" in out
    assert "+2.37 pp/month" in out  # average: 6 % -> 13 % stale over 90 days (2.96 months)


def test_last_keeps_the_newest_runs(runner: CliRunner, store: Path) -> None:
    code, out, _ = trend(runner, "--last", "2", "--format", "markdown")
    assert code == 0
    assert "**2** runs from 2024-04-30 to 2024-05-31" in out
    assert "2024-02-29" not in out


def test_output_is_written_atomically_and_reported_on_stderr(runner: CliRunner, store: Path) -> None:
    code, out, err = trend(runner, "--format", "html", "-o", "trend.html")
    assert code == 0
    assert out == ""
    assert "Trend written to trend.html" in err
    text = Path("trend.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text
    assert [p.name for p in store.parent.parent.iterdir() if p.name.startswith(".trend")] == []


def test_output_dash_is_standard_output(runner: CliRunner, store: Path) -> None:
    code, out, err = trend(runner, "--format", "html", "-o", "-")
    assert (code, out.startswith("<!DOCTYPE html>"), "written to" in err) == (0, True, False)
    assert not Path("-").exists()


def test_history_option_and_environment_variable(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = store.parent.parent / "elsewhere.db"
    store.rename(moved)
    assert trend(runner)[0] == 2
    assert trend(runner, "--history", str(moved))[0] == 0
    monkeypatch.setenv(ENV_VAR, str(moved))
    assert trend(runner)[0] == 0


def test_rule_files_are_not_mixed(runner: CliRunner, store: Path) -> None:
    other = build_result()
    other = replace(other, run=replace(other.run, rule_file="rules/orders.yaml", rule_file_sha256="cd" * 32))
    record_audit(other, store)
    code, out, err = trend(runner)
    assert code == 2
    assert out == ""
    assert err.strip() == (
        f"Error: history store {Path('.veracity/history.db')} holds audits of 2 rule files "
        "(rules/customers.yaml, rules/orders.yaml); choose one with --rules"
    )
    code, out, _ = trend(runner, "--rules", "rules/orders.yaml", "--format", "markdown")
    assert code == 0
    assert "**1** run from" in out
    code, out, _ = trend(runner, "--rules", "5d41402abc4b", "--format", "markdown")
    assert "**4** runs" in out


def test_free_text_from_the_store_is_escaped(runner: CliRunner, store: Path) -> None:
    hostile = build_result()
    name = "<script>alert(1)</script>|`x`.yaml"
    record_audit(
        replace(hostile, run=replace(hostile.run, rule_file=name, rule_file_sha256="ef" * 32)), store
    )
    code, out, _ = trend(runner, "--rules", "ef" * 32, "--format", "html")
    assert code == 0
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    code, out, _ = trend(runner, "--rules", "ef" * 32, "--format", "markdown")
    assert "`` <script>alert(1)</script>\\|`x`.yaml ``" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--history", "missing.db"],
            "Error: history store missing.db does not exist; "
            "record audits with 'veracity audit --history' first",
        ),
        (
            ["--rules", "nothing.yaml"],
            "Error: history store .veracity/history.db has no recorded audit for --rules nothing.yaml",
        ),
        (["--format", "pdf"], "Error: --format: unknown format 'pdf'; choose one of table, markdown, html"),
    ],
)
def test_unusable_input_is_one_error_line_and_exit_2(
    runner: CliRunner, store: Path, args: list[str], message: str
) -> None:
    code, out, err = trend(runner, *args)
    assert (code, out) == (2, "")
    assert err.strip() == message


def test_a_damaged_store_is_one_error_line(runner: CliRunner, store: Path) -> None:
    Path("broken.db").write_bytes(b"\x00garbage" * 500)
    code, _, err = trend(runner, "--history", "broken.db")
    assert code == 2
    assert err.strip() == "Error: history store broken.db cannot be used: file is not a database"
    with sqlite3.connect(store) as conn:
        conn.execute("DROP TABLE rule_results")
    code, _, err = trend(runner)
    assert code == 2
    assert (
        err.strip() == "Error: history store .veracity/history.db cannot be used: no such table: rule_results"
    )


def test_last_must_be_positive(runner: CliRunner, store: Path) -> None:
    code, _, err = trend(runner, "--last", "0")
    assert code == 2
    assert "--last" in err
