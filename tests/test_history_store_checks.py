"""The history store is proven ours before it is written, and checked before an audit runs."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.reports.report_fixture import build_result
from veracity.history import ENV_VAR, HistoryError, check_store, record_audit


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def foreign(path: Path) -> str:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "use", [check_store, lambda path: record_audit(build_result(), path)], ids=["check", "record"]
)
def test_a_foreign_database_is_refused_without_a_byte_changed(use: object, workdir: Path) -> None:
    digest = foreign(workdir / "app.db")
    with pytest.raises(HistoryError, match="not a veracity history store"):
        use("app.db")  # type: ignore[operator]
    assert hashlib.sha256((workdir / "app.db").read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in workdir.iterdir()) == ["app.db"]  # no -wal, no -shm
    conn = sqlite3.connect(workdir / "app.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


@pytest.mark.parametrize(
    ("given", "content", "message"),
    [
        ("broken.db", b"\x00garbage" * 500, "cannot be used: file is not a database"),
        ("gone/h.db", None, "directory gone does not exist"),
        (".", None, "is not a file"),
    ],
    ids=["damaged", "missing-directory", "directory"],
)
def test_check_store_refuses_what_record_would_fail_on(
    given: str, content: bytes | None, message: str, workdir: Path
) -> None:
    if content is not None:
        Path(given).write_bytes(content)
    with pytest.raises(HistoryError, match=message):
        check_store(given)


def test_check_store_accepts_a_new_default_store_and_creates_nothing(workdir: Path) -> None:
    assert check_store(None) == Path(".veracity") / "history.db"
    assert list(workdir.iterdir()) == []
    record_audit(build_result(), None)
    assert check_store(None).is_file()
