"""Rules that read nothing are not passes: `not_evaluated`, the gate's warnings, honest scores.

The gate's decision for a rule that evaluated no record: it does not pass silently (status
not_evaluated, left out of every score, named as a warning beside the decision), and it fails
the gate only when the rule sets `min_evaluated` or when no rule evaluated anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity.cli import app
from veracity.history import list_runs

DATA = "id,email,marketing_opt_in,consent_date\n1,a@example.com,{0},2024-01-01\n2,b@example.com,{1},\n"
CONSENT = (
    "  - {id: consent-recorded, check: consent, field: consent_date, opt_in_field: marketing_opt_in%s}\n"
)
EMAIL = "  - {id: email-valid, check: email, field: email}\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ja_nein.csv").write_text(DATA.format("ja", "nein"), encoding="utf-8")
    (tmp_path / "nobody.csv").write_text(DATA.format("no", "no"), encoding="utf-8")
    return tmp_path


def _rules(workdir: Path, *rules: str, extra: str = "") -> str:
    (workdir / "rules.yaml").write_text("version: 1\nkey: id\n" + extra + "rules:\n" + "".join(rules))
    return "rules.yaml"


def audit(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    return run_audit(runner, "--as-of", "2024-06-30", *args)


def audit_json(runner: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = audit(runner, *args, "-f", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def _rule(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in report["rules"] if r["id"] == rule_id)


def test_unknown_yes_no_spellings_fail_the_consent_rule(runner: CliRunner, workdir: Path) -> None:
    """The reported case: opt-ins spelt ja/nein with no booleans: in the rule file. Before, no
    record was evaluated and the rule passed with Consent 100.00; now every such record fails,
    saying which field and how to fix it, and the gate fails."""
    rules = _rules(workdir, EMAIL, CONSENT % "")
    code, report = audit_json(runner, "-r", rules, "ja_nein.csv")
    assert code == 1
    consent = _rule(report, "consent-recorded")
    assert (consent["status"], consent["evaluated"], consent["failed"]) == ("fail", 2, 2)
    assert next(d for d in report["dimensions"] if d["dimension"] == "consent")["score"] == 0.0
    assert report["gate"]["reasons"] == [
        "rule consent-recorded failed: pass rate 0.0% is below its threshold 100.0%"
    ]
    _, out, _ = audit(runner, "-r", rules, "ja_nein.csv", "-f", "markdown", "--reveal-values")
    assert (
        "marketing\\_opt\\_in: a value that is no known yes/no spelling; add it under booleans: in the rule file"
        in out
    )


def test_configured_spellings_make_the_consent_rule_pass(runner: CliRunner, workdir: Path) -> None:
    booleans = 'booleans: {"true": [ja], "false": [nein]}\n'
    rules = _rules(workdir, EMAIL, CONSENT % "", extra=booleans)
    code, report = audit_json(runner, "-r", rules, "ja_nein.csv")
    assert code == 0
    assert _rule(report, "consent-recorded")["status"] == "pass"


def test_a_rule_that_evaluated_nothing_is_not_evaluated_and_a_warning(
    runner: CliRunner, workdir: Path
) -> None:
    rules = _rules(workdir, EMAIL, CONSENT % "")
    code, report = audit_json(runner, "-r", rules, "nobody.csv")
    assert code == 0  # the gate warns; it fails only with min_evaluated or when nothing ran
    consent = _rule(report, "consent-recorded")
    assert (consent["status"], consent["evaluated"], consent["pass_rate"]) == ("not_evaluated", 0, None)
    assert next(d for d in report["dimensions"] if d["dimension"] == "consent")["score"] is None
    assert report["score"] == 100.0  # the e-mail rule's score, not a consent score of 100
    assert report["gate"]["warnings"] == [
        "rule consent-recorded evaluated no record and is left out of the scores; "
        "set min_evaluated: in the rule file to fail the gate when it does"
    ]


@pytest.mark.parametrize(
    ("fmt", "fragments"),
    [
        ("table", ["○ NOT EVALUATED", "▲ rule consent-recorded evaluated no record", "not evaluated"]),
        ("markdown", ["| ⚪ not evaluated | `consent-recorded` |", "- ⚠️ rule consent-recorded evaluated no"]),
        (
            "html",
            ['<span class="pill pill-none">○ Not evaluated</span>', "▲ rule consent-recorded evaluated"],
        ),
        ("junit", ['<skipped message="no record was evaluated; the rule is left out of the scores" />']),
        ("github", ["::warning ", "title=consent-recorded not evaluated (consent)", ", 1 not evaluated"]),
        ("json", ['"status": "not_evaluated"', '"warnings": [']),
    ],
)
def test_every_format_shows_not_evaluated(
    runner: CliRunner, workdir: Path, fmt: str, fragments: list[str]
) -> None:
    rules = _rules(workdir, EMAIL, CONSENT % "")
    code, out, err = audit(runner, "-r", rules, "nobody.csv", "-f", fmt)
    assert code == 0, err
    for fragment in fragments:
        assert fragment in out, fragment


@pytest.mark.parametrize(("minimum", "code"), [(1, 1), (0, 0)])
def test_min_evaluated_fails_the_gate_below_it(
    runner: CliRunner, workdir: Path, minimum: int, code: int
) -> None:
    rules = _rules(workdir, EMAIL, CONSENT % f", min_evaluated: {minimum}")
    got, report = audit_json(runner, "-r", rules, "nobody.csv")
    assert got == code
    consent = _rule(report, "consent-recorded")
    assert consent["min_evaluated"] == minimum
    if minimum:
        assert consent["status"] == "fail"
        assert report["gate"]["reasons"] == [
            "rule consent-recorded failed: it evaluated 0 records, fewer than its min_evaluated 1"
        ]
    else:
        # `min_evaluated: 0` says that evaluating nothing is expected: no warning.
        assert consent["status"] == "not_evaluated"
        assert report["gate"]["warnings"] == []


def test_an_audit_that_evaluated_nothing_has_no_score_and_fails(runner: CliRunner, workdir: Path) -> None:
    rules = _rules(workdir, CONSENT % "", extra="gate: {min_score: 90}\n")
    code, report = audit_json(runner, "-r", rules, "nobody.csv")
    assert code == 1
    assert report["score"] is None
    assert [d["score"] for d in report["dimensions"]] == [None] * 7
    assert report["gate"]["reasons"] == [
        "no rule evaluated any record, so there is no score; check the rules' fields, "
        "when: conditions and booleans: spellings against the data"
    ]
    code, out, _ = audit(runner, "-r", rules, "nobody.csv", "--exit-zero")
    assert code == 0
    assert "✘ FAIL" in out
    assert "no rule evaluated any record" in out


def test_chunked_audit_agrees(runner: CliRunner, workdir: Path) -> None:
    rows = "".join(f"{i},u{i}@example.com,no,\n" for i in range(2500))
    (workdir / "many.csv").write_text("id,email,marketing_opt_in,consent_date\n" + rows)
    rules = _rules(workdir, EMAIL, CONSENT % "")
    _, whole = audit_json(runner, "-r", rules, "many.csv")
    _, chunked = audit_json(runner, "-r", rules, "many.csv", "--chunk-rows", "1000")
    assert _rule(chunked, "consent-recorded")["status"] == "not_evaluated"
    assert [(r["id"], r["status"], r["pass_rate"]) for r in chunked["rules"]] == [
        (r["id"], r["status"], r["pass_rate"]) for r in whole["rules"]
    ]
    assert (chunked["score"], chunked["gate"]) == (whole["score"], whole["gate"])


def test_history_and_trend_keep_a_run_without_score(runner: CliRunner, workdir: Path) -> None:
    rules = _rules(workdir, CONSENT % "")
    code, _, err = audit(runner, "-r", rules, "nobody.csv", "--history", "--history-db", "h.db")
    assert code == 1, err
    (run,) = list_runs("h.db")
    assert run.score is None
    assert [r.status for r in run.rules] == ["not_evaluated"]
    result = runner.invoke(app, ["trend", "--history-db", "h.db"])
    assert result.exit_code == 0, result.stderr
    assert "latest score — · gate FAIL" in result.stdout


@pytest.mark.parametrize(
    ("fmt", "fragment"),
    [
        ("junit", 'failure message="0 records were evaluated, fewer than min_evaluated 1"'),
        ("github", "consent-recorded: 0 records were evaluated, fewer than min_evaluated 1"),
        ("table", "rule consent-recorded failed: it evaluated 0 records, fewer"),  # the line wraps
        (
            "markdown",
            "rule consent-recorded failed: it evaluated 0 records, fewer than its min\\_evaluated 1",
        ),
    ],
)
def test_every_format_says_why_min_evaluated_failed(
    runner: CliRunner, workdir: Path, fmt: str, fragment: str
) -> None:
    rules = _rules(workdir, EMAIL, CONSENT % ", min_evaluated: 1")
    code, out, err = audit(runner, "-r", rules, "nobody.csv", "-f", fmt)
    assert code == 1, err
    assert fragment in out
