"""The history store: round trip, location, versioning and migrations, transactions, filters."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from tests.reports.report_fixture import build_result
from veracity import history
from veracity.history import (
    DEFAULT_PATH,
    ENV_VAR,
    HistoryError,
    get_run,
    history_path,
    list_runs,
    record_audit,
    schema_version,
)
from veracity.results import AuditResult

SHA = "5d41402abc4b2a76b9719d911017c592ae2f5f1d7c2f0b8a9e3c4d5e6f708192"  # the fixture's rule file


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def dated(as_of: str, started_at: str, **changes: object) -> AuditResult:
    result = build_result(started_at=started_at)
    return replace(result, run=replace(result.run, as_of=as_of, **changes))


def test_a_recorded_audit_reads_back_whole(workdir: Path) -> None:
    result = build_result(started_at="2024-06-30T08:00:00Z")
    run_id = record_audit(result, workdir / "h.db")
    run = get_run(run_id, workdir / "h.db")
    assert (run.id, run.started_at, run.as_of) == (run_id, "2024-06-30T08:00:00Z", "2024-06-30")
    assert (run.score, run.records, run.gate_passed, run.min_score) == (88.4715, 1440, False, 95.0)
    assert (run.rule_file, run.rule_file_sha256) == ("rules/customers.yaml", SHA)
    assert run.rule_file_path == str(workdir / "rules" / "customers.yaml")
    assert (run.tool_version, run.record_key, run.duration_seconds) == (
        "veracity 0.1.0",
        "customer_id",
        3.482,
    )
    assert run.dimension_scores == {d.dimension.value: d.score for d in result.dimensions}
    assert [(d.rules, d.evaluated, d.failed) for d in run.dimensions] == [
        (d.rules, d.evaluated, d.failed) for d in result.dimensions
    ]
    assert [
        (r.id, r.check, r.dimension, r.severity, r.threshold, list(r.fields), r.evaluated, r.failed, r.status)
        for r in run.rules
    ] == [
        (
            r.id,
            r.check,
            r.dimension.value,
            r.severity.value,
            r.threshold,
            r.fields,
            r.evaluated,
            r.failed,
            r.status.value,
        )
        for r in result.rules
    ]
    assert run.rules[0].pass_rate == result.rules[0].pass_rate
    assert [(s.path, s.format, s.size, s.sha256, s.rows) for s in run.sources] == [
        (s.path, s.format, s.size, s.sha256, s.rows) for s in result.sources
    ]
    assert run.recorded_at.endswith("+00:00")


def test_the_default_store_is_created_in_dot_veracity(workdir: Path) -> None:
    assert history_path() == DEFAULT_PATH
    record_audit(build_result())
    assert (workdir / ".veracity" / "history.db").is_file()
    assert len(list_runs()) == 1


def test_the_environment_variable_chooses_the_store(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(workdir / "shared.db"))
    record_audit(build_result())
    assert (workdir / "shared.db").is_file()
    assert not (workdir / ".veracity").exists()
    # An explicit path wins over the variable.
    assert history_path(workdir / "other.db") == workdir / "other.db"


def test_an_explicit_store_needs_its_directory(workdir: Path) -> None:
    with pytest.raises(HistoryError, match=r"directory .* does not exist"):
        record_audit(build_result(), workdir / "missing" / "h.db")


def test_the_store_is_versioned_and_in_wal_mode(workdir: Path) -> None:
    record_audit(build_result(), "h.db")
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(schema_version()),
        )
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_reading_a_missing_store_fails_without_creating_it(workdir: Path) -> None:
    with pytest.raises(HistoryError, match="does not exist; record audits"):
        list_runs("nowhere.db")
    assert not (workdir / "nowhere.db").exists()


def test_a_file_that_is_not_a_database_is_refused(workdir: Path) -> None:
    Path("h.db").write_bytes(b"id,email\n1,a@example.com\n" * 200)
    with pytest.raises(HistoryError, match="file is not a database"):
        list_runs("h.db")
    with pytest.raises(HistoryError, match="file is not a database"):
        record_audit(build_result(), "h.db")


def test_another_applications_database_is_left_alone(workdir: Path) -> None:
    with sqlite3.connect("app.db") as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(HistoryError, match="not a veracity history store"):
        record_audit(build_result(), "app.db")
    with sqlite3.connect("app.db") as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["customers"]


def test_a_store_from_a_newer_veracity_is_refused(workdir: Path) -> None:
    record_audit(build_result(), "h.db")
    with sqlite3.connect("h.db") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(HistoryError, match="schema version 99, newer than this veracity knows"):
        list_runs("h.db")
    with pytest.raises(HistoryError, match="upgrade veracity"):
        record_audit(build_result(), "h.db")


def test_opening_an_older_store_migrates_it_once_and_keeps_its_runs(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = record_audit(build_result(), "h.db")
    calls = []

    def add_note(conn: sqlite3.Connection) -> None:
        calls.append(1)
        conn.execute("ALTER TABLE runs ADD COLUMN note TEXT")

    monkeypatch.setattr(history, "MIGRATIONS", (*history.MIGRATIONS, add_note))
    assert [run.id for run in list_runs("h.db")] == [first]
    record_audit(build_result(), "h.db")
    assert calls == [1]
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == (str(schema_version()),)
        assert conn.execute("SELECT count(note) FROM runs").fetchone() == (0,)


def test_a_failing_migration_changes_nothing(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record_audit(build_result(), "h.db")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise sqlite3.OperationalError("migration step failed")

    monkeypatch.setattr(history, "MIGRATIONS", (*history.MIGRATIONS, broken))
    with pytest.raises(HistoryError, match="migration step failed"):
        list_runs("h.db")
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == (str(schema_version() - 1),)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half_done" not in tables


def test_a_run_that_cannot_be_written_leaves_no_trace(workdir: Path) -> None:
    record_audit(build_result(), "h.db")
    result = build_result()
    duplicated = replace(result, rules=[*result.rules, result.rules[0]])  # violates (run, rule) key
    with pytest.raises(HistoryError, match="UNIQUE constraint failed"):
        record_audit(duplicated, "h.db")
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)
        assert conn.execute("SELECT count(DISTINCT run_id) FROM dimension_scores").fetchone() == (1,)


def test_readers_do_not_wait_for_a_writer(workdir: Path) -> None:
    record_audit(build_result(), "h.db")
    writer = sqlite3.connect("h.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM rule_results")
        # WAL: the reader sees the last committed state at once instead of waiting for the lock.
        assert len(list_runs("h.db")[0].rules) == 7
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_runs_are_listed_by_audit_date(workdir: Path) -> None:
    record_audit(dated("2024-03-31", "2024-04-02T09:00:00Z"), "h.db")
    record_audit(dated("2024-01-31", "2024-04-03T09:00:00Z"), "h.db")
    record_audit(dated("2024-03-31", "2024-04-01T09:00:00Z"), "h.db")
    runs = list_runs("h.db")
    assert [(r.as_of, r.started_at[:10]) for r in runs] == [
        ("2024-01-31", "2024-04-03"),
        ("2024-03-31", "2024-04-01"),
        ("2024-03-31", "2024-04-02"),
    ]
    assert [r.as_of for r in list_runs("h.db", last=2)] == ["2024-03-31", "2024-03-31"]


def test_runs_are_filtered_by_rule_file_path_or_sha(workdir: Path) -> None:
    record_audit(build_result(), "h.db")
    other = build_result()
    record_audit(
        replace(other, run=replace(other.run, rule_file="other.yaml", rule_file_sha256="ab" * 32)), "h.db"
    )
    assert len(list_runs("h.db")) == 2
    for wanted in ("rules/customers.yaml", "./rules/../rules/customers.yaml", SHA, SHA[:7], SHA.upper()[:12]):
        assert [r.rule_file for r in list_runs("h.db", rules=wanted)] == ["rules/customers.yaml"], wanted
    assert list_runs("h.db", rules=SHA[:6]) == []  # too short to be a fingerprint
    assert [r.rule_file for r in list_runs("h.db", rules="other.yaml")] == ["other.yaml"]
