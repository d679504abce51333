"""The history store keeps each max_age rule's decay projection (schema version 3), and
`veracity trend` shows the projected points after the latest run, marked as a projection."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from tests.cli.test_trend_cli import series_result
from veracity import history
from veracity.cli import app
from veracity.history import ProjectionRecord, RunRecord, get_run, list_runs, record_audit, schema_version
from veracity.reports.trend import build_trend
from veracity.results import AuditResult, DecayPoint, DecayProjection, RuleResult

#: Audit date 2024-06-30, limit 365 days: 2 of 10 records fail today, 4 in 3 months, 6 in 6
#: and 8 in 12 (tests/test_decay.py counts them by hand).
DATES = ["2023-06-30", "x", "2023-07-01", "2023-09-29", "2023-09-30", "2023-12-29", "2023-12-30"]
DATES += ["2024-06-29", "2024-06-30", "2025-01-01"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(history.ENV_VAR, raising=False)
    lines = ["id,last_updated", *(f"{i},{d}" for i, d in enumerate(DATES))]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(
        "version: 1\nrules:\n  - {id: fresh, check: max_age, field: last_updated, days: 365}\n",
        encoding="utf-8",
    )
    return tmp_path


def _projected(result_rules: list[RuleResult], rule_id: str, projection: DecayProjection) -> list[RuleResult]:
    return [replace(r, projection=projection) if r.id == rule_id else r for r in result_rules]


def test_an_audit_records_its_projection_and_trend_shows_it(workdir: Path) -> None:
    runner = CliRunner()
    code, _, err = run_audit(runner, "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30", "--history")
    assert code == 1, err
    (run,) = list_runs()
    (rule,) = run.rules
    assert rule.projection == ProjectionRecord("observed", None, ((3, 4, 0.4), (6, 6, 0.6), (12, 8, 0.8)))
    outputs = {}
    for fmt in ("table", "markdown", "html"):
        result = runner.invoke(app, ["trend", "--format", fmt])
        assert result.exit_code == 0, result.stderr
        outputs[fmt] = result.stdout
    for fmt, out in outputs.items():
        assert "Projection after the latest run (max_age rules)" in out, fmt
        flat = " ".join(out.split())
        assert "A projection, not a measurement" in flat, fmt
        assert "basis: observed ages, if no record is updated" in flat, fmt
        # 91, 182 and 365 days after 2024-06-30.
        for day, share in (("2024-09-29", "40.00%"), ("2024-12-29", "60.00%"), ("2025-06-30", "80.00%")):
            assert day in out, fmt
            assert share in out, fmt
    assert "| 2024-09-29 | in 3 months | 40.00% | projection |" in outputs["markdown"]


def test_the_trend_pools_the_latest_runs_rules(tmp_path: Path) -> None:
    """Two max_age rules of 1,000 and 500 records: the projected stale share is Σ failing / Σ
    evaluated, at the horizons after the latest audit date; an earlier run's projection is not
    the latest's."""
    older = series_result("2024-01-31", 91.2, 97.5, 80.0, 94.0, 60, True)
    latest = series_result("2024-04-30", 88.47, 97.94, 75.0, 87.0, 130, False)
    first = DecayProjection(
        "observed", None, [DecayPoint(3, 200, 0.2), DecayPoint(6, 300, 0.3), DecayPoint(12, 500, 0.5)]
    )
    second_rule = replace(
        next(r for r in latest.rules if r.id == "recently-updated"), id="b2b", evaluated=500
    )
    second = DecayProjection(
        "declared", 0.7, [DecayPoint(3, 100, 0.2), DecayPoint(6, 200, 0.4), DecayPoint(12, 400, 0.8)]
    )
    latest = replace(
        latest,
        rules=[*_projected(latest.rules, "recently-updated", first), replace(second_rule, projection=second)],
    )
    older = replace(older, rules=_projected(older.rules, "recently-updated", first))
    store = tmp_path / "h.db"
    trend = build_trend([_record(older, store), _record(latest, store)])
    assert [(p.months, p.as_of, round(p.stale, 6)) for p in trend.projection] == [
        (3, date(2024, 7, 30), 0.2),
        (6, date(2024, 10, 29), round(500 / 1500, 6)),
        (12, date(2025, 4, 30), 0.6),
    ]
    assert trend.projection_basis == "mixed: observed ages and declared rates"
    only_declared = replace(latest, rules=[replace(second_rule, projection=second)])
    trend = build_trend([_record(only_declared, store)])
    assert trend.projection_basis == "declared decay of 70% a year, compounded monthly"
    without = series_result("2024-05-31", 89.02, 98.31, 76.25, None, None, False)
    assert build_trend([_record(latest, store), _record(without, store)]).projection == []


def _record(result: AuditResult, store: Path) -> RunRecord:
    """The result as the store reads it back."""
    return get_run(record_audit(result, store), store)


def test_a_version_2_store_migrates_and_keeps_its_runs(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(history, "MIGRATIONS", history.MIGRATIONS[:2])
        old = record_audit(series_result("2024-01-31", 91.2, 97.5, 80.0, 94.0, 60, True), "h.db")
        with sqlite3.connect("h.db") as conn:
            assert conn.execute("SELECT value FROM meta").fetchone() == ("2",)
    (before,) = list_runs("h.db")  # opening migrates
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == (str(schema_version()),)
    assert before.id == old
    assert all(rule.projection is None for rule in before.rules)
    code, _, err = run_audit(
        CliRunner(),
        "-r",
        "rules.yaml",
        "data.csv",
        "--as-of",
        "2024-06-30",
        "--history",
        "--history-db",
        "h.db",
    )
    assert code == 1, err
    latest = list_runs("h.db")[-1]
    assert latest.rules[0].projection is not None
    # Deleting a run deletes its projection rows.
    with sqlite3.connect("h.db") as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM runs WHERE id = ?", (latest.id,))
        assert conn.execute("SELECT COUNT(*) FROM rule_projections").fetchone() == (0,)
