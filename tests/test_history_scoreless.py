"""History schema 2: a run without an overall score (no rule evaluated a record) is recorded
and read back, and a version-1 store migrates without losing a run or its rows."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from tests.reports.report_fixture import build_result
from veracity import history
from veracity.history import get_run, list_runs, record_audit, schema_version


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_run_without_score_reads_back(workdir: Path) -> None:
    result = build_result()
    scoreless = dataclasses.replace(result, score=None)
    run_id = record_audit(scoreless, "h.db")
    run = get_run(run_id, "h.db")
    assert run.score is None
    statuses = {r.id: r.status for r in run.rules}
    assert statuses["signup-not-future"] == "not_evaluated"


def test_a_version_1_store_migrates_and_keeps_every_row(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(history, "MIGRATIONS", history.MIGRATIONS[:1])
        first = record_audit(build_result(), "h.db")
        with sqlite3.connect("h.db") as conn:
            assert conn.execute("SELECT value FROM meta").fetchone() == ("1",)
        # What version 1 did with a scoreless run: the reason for version 2.
        with pytest.raises(sqlite3.IntegrityError), sqlite3.connect("h.db") as conn:
            conn.execute("UPDATE runs SET score = NULL")
    before = list_runs("h.db")  # opening migrates
    with sqlite3.connect("h.db") as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == (str(schema_version()),)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"runs_by_rule_file", "runs_by_rule_sha"} <= indexes
    (run,) = before
    assert run.id == first
    assert (len(run.rules), len(run.dimensions), len(run.sources)) == (7, 6, 2)
    second = record_audit(dataclasses.replace(build_result(), score=None), "h.db")
    assert second > first
    assert [r.score for r in list_runs("h.db")] == [run.score, None]
    # Deleting a run still deletes its rows: the rebuilt tables kept their foreign keys.
    with sqlite3.connect("h.db") as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM runs WHERE id = ?", (first,))
        assert conn.execute("SELECT COUNT(*) FROM rule_results WHERE run_id = ?", (first,)).fetchone() == (0,)
