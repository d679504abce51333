"""Audit history: every recorded audit's scores, rule results and source fingerprints in an
embedded SQLite store, so that ``veracity trend`` can show how quality moves over time.

The store is one SQLite file (``.veracity/history.db`` by default; ``VERACITY_HISTORY`` or an
explicit path choose another). SQLite because it needs no server, survives crashes, and is
readable by any BI tool. The file is opened in WAL mode so that a trend report can read while a
scheduled audit writes, and each audit is written in one transaction: a crash leaves either the
whole run or nothing.

The schema is versioned: the ``meta`` table holds ``schema_version``, and :data:`MIGRATIONS`
lists the steps from an empty file to the current schema. Opening a store applies the missing
steps in one transaction; a store written by a newer veracity is refused rather than guessed at.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from veracity._history_migrations import allow_runs_without_score, store_decay_projections
from veracity.errors import VeracityError
from veracity.results import AuditResult

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "MIGRATIONS",
    "DimensionRecord",
    "HistoryError",
    "ProjectionRecord",
    "RuleRecord",
    "RunRecord",
    "SourceRecord",
    "check_store",
    "distinct_rule_files",
    "get_run",
    "history_path",
    "list_runs",
    "migrate",
    "record_audit",
    "rule_file_label",
    "schema_version",
]

#: Where audits are recorded when neither a path nor :data:`ENV_VAR` says otherwise; relative
#: to the working directory, like ``.git``, so that each project keeps its own history.
DEFAULT_PATH = Path(".veracity") / "history.db"
#: Environment variable naming the store, for schedulers that run from changing directories.
ENV_VAR = "VERACITY_HISTORY"

# Concurrent audits (parallel CI jobs on one runner) wait this long for the write lock instead of
# failing at once; one audit's transaction takes milliseconds.
_BUSY_TIMEOUT_SECONDS = 30.0

StrPath = str | os.PathLike[str]


class HistoryError(VeracityError):
    """The history store is missing, unreadable, or not a veracity history store."""


@dataclass(frozen=True)
class DimensionRecord:
    dimension: str
    score: float | None  # None when no rule of the dimension evaluated a record
    rules: int
    evaluated: int
    failed: int


@dataclass(frozen=True)
class ProjectionRecord:
    """A rule's decay projection as recorded: a projection, not a measurement."""

    basis: str  # "observed" or "declared"
    yearly_rate: float | None
    points: tuple[tuple[int, int, float], ...]  # (months after the audit date, failing, share)


@dataclass(frozen=True)
class RuleRecord:
    id: str
    check: str
    dimension: str
    severity: str
    threshold: float
    fields: tuple[str, ...]
    evaluated: int
    failed: int
    pass_rate: float
    status: str
    projection: ProjectionRecord | None = None


@dataclass(frozen=True)
class SourceRecord:
    """A source's fingerprint: enough to tell whether two runs audited the same data."""

    path: str
    format: str
    size: int
    sha256: str
    rows: int


@dataclass(frozen=True)
class RunRecord:
    """One recorded audit."""

    id: int
    recorded_at: str  # when it was written to the store, ISO 8601 UTC
    started_at: str  # when the audit started, ISO 8601 UTC
    as_of: str  # the audit date, YYYY-MM-DD
    duration_seconds: float
    tool_version: str
    rule_file: str | None  # as given on the command line
    rule_file_path: str | None  # absolute, resolved when recorded: identifies the file
    rule_file_sha256: str | None
    record_key: str | None
    score: float | None  # None when no rule evaluated a record
    records: int
    gate_passed: bool
    min_score: float | None
    dimensions: tuple[DimensionRecord, ...] = ()
    rules: tuple[RuleRecord, ...] = ()
    sources: tuple[SourceRecord, ...] = ()

    @property
    def dimension_scores(self) -> dict[str, float | None]:
        return {d.dimension: d.score for d in self.dimensions}


def history_path(path: StrPath | None = None) -> Path:
    """The store to use: ``path`` if given, else ``$VERACITY_HISTORY``, else :data:`DEFAULT_PATH`."""
    if path is not None and str(path) != "":
        return Path(path)
    from_env = os.environ.get(ENV_VAR, "").strip()
    return Path(from_env) if from_env else DEFAULT_PATH


# --- schema ------------------------------------------------------------------------------------


def _create_v1(conn: sqlite3.Connection) -> None:
    statements = [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            recorded_at TEXT NOT NULL,
            started_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            duration_seconds REAL NOT NULL,
            tool_version TEXT NOT NULL,
            rule_file TEXT,
            rule_file_path TEXT,
            rule_file_sha256 TEXT,
            record_key TEXT,
            score REAL NOT NULL,
            records INTEGER NOT NULL,
            gate_passed INTEGER NOT NULL CHECK (gate_passed IN (0, 1)),
            min_score REAL
        )""",
        "CREATE INDEX runs_by_rule_file ON runs (rule_file_path, as_of)",
        "CREATE INDEX runs_by_rule_sha ON runs (rule_file_sha256)",
        """CREATE TABLE dimension_scores (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            dimension TEXT NOT NULL,
            score REAL,
            rules INTEGER NOT NULL,
            evaluated INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            PRIMARY KEY (run_id, dimension)
        )""",
        """CREATE TABLE rule_results (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            rule_id TEXT NOT NULL,
            check_name TEXT NOT NULL,
            dimension TEXT NOT NULL,
            severity TEXT NOT NULL,
            threshold REAL NOT NULL,
            fields TEXT NOT NULL,
            evaluated INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            pass_rate REAL NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (run_id, rule_id)
        )""",
        """CREATE TABLE sources (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            rows INTEGER NOT NULL,
            PRIMARY KEY (run_id, position)
        )""",
    ]
    for statement in statements:
        conn.execute(statement)


#: Step ``i`` turns a schema-version-``i`` store into version ``i + 1`` (version 0: no tables).
#: Append a step for every schema change; never edit a released one, stores in the field have
#: already run it.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _create_v1,
    allow_runs_without_score,
    store_decay_projections,
)


def schema_version() -> int:
    """The schema version this veracity writes."""
    return len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, *, where: str = "the history store") -> int:
    """Bring the store behind ``conn`` to the current schema in one transaction; return the
    version it had. ``conn`` must be in autocommit mode (``isolation_level=None``).

    A store that is already current is only read, so that reading works on a read-only copy.
    """
    target = len(MIGRATIONS)
    found = _stored_version(conn, where)
    if found == target:
        return found
    if found > target:
        raise HistoryError(
            f"{where} has schema version {found}, newer than this veracity knows ({target}); "
            "upgrade veracity to use it"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated between the check above and taking the lock.
        found = _stored_version(conn, where)
        if found == 0:
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for step in MIGRATIONS[found:]:
            step(conn)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(target),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _stored_version(conn: sqlite3.Connection, where: str) -> int:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables.discard("sqlite_sequence")
    if not tables:
        return 0
    if "meta" not in tables:
        # Writing our tables into someone else's database would mix two applications' data.
        raise HistoryError(
            f"{where} is an SQLite database but not a veracity history store; "
            "keep the history in a file of its own"
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise HistoryError(f"{where} has no valid schema_version; it is damaged or not a history store")
    return int(row[0])


@contextmanager
def _connect(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    """An autocommit connection, migrated to the current schema; SQLite errors become
    :class:`HistoryError`."""
    where = f"history store {path}"
    if not create and not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise HistoryError(f"{where} {what}; record audits with 'veracity audit --history' first")
    if create and not path.parent.is_dir():
        raise HistoryError(f"cannot create {where}: directory {path.parent} does not exist; create it first")
    if path.exists():
        # Proven ours before it is opened for writing: opening a foreign database read-write
        # would already switch it to WAL mode and leave -wal and -shm files beside it.
        _probe(path, where)
    try:
        # mode=rw when reading: a typo in --history must not leave an empty store behind.
        mode = "rwc" if create else "rw"
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode={mode}",
            uri=True,
            timeout=_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise HistoryError(f"cannot open {where}: {exc}") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if create:
            # Persistent in the file: readers then never block the writer nor see a half-written run.
            conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn, where=where)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{where} cannot be used: {exc}") from None
    finally:
        conn.close()


def _probe(path: Path, where: str) -> None:
    """Refuse ``path`` unless it is an SQLite file with no tables yet or a history store this
    veracity can use, reading it without changing a byte."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"cannot open {where}: {exc}") from None
    try:
        found = _stored_version(conn, where)
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{where} cannot be used: {exc}") from None
    finally:
        conn.close()
    if found > len(MIGRATIONS):
        raise HistoryError(
            f"{where} has schema version {found}, newer than this veracity knows ({len(MIGRATIONS)}); "
            "upgrade veracity to use it"
        )


def check_store(path: StrPath | None = None) -> Path:
    """The store :func:`record_audit` would write, checked before an audit runs: an existing
    file must be a usable history store and writable, a new one's directory writable.

    Raises :class:`HistoryError`; changes nothing on disk.
    """
    target = history_path(path)
    where = f"history store {target}"
    if target.exists():
        if not target.is_file():
            raise HistoryError(f"{where} is not a file; give --history-db (or VERACITY_HISTORY) a file path")
        _probe(target, where)
        directory = target.parent
        if not os.access(target, os.W_OK) or not os.access(directory, os.W_OK | os.X_OK):
            raise HistoryError(
                f"{where} cannot be written (it or its directory {directory} is read-only); "
                "give --history-db (or VERACITY_HISTORY) a writable file"
            )
        return target
    # The default store's directory is created when the first audit is recorded.
    directory = target.parent
    while target == DEFAULT_PATH and not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if not directory.is_dir():
        raise HistoryError(
            f"cannot create {where}: directory {target.parent} does not exist; create it first"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise HistoryError(
            f"cannot create {where}: directory {directory} is read-only; "
            "give --history-db (or VERACITY_HISTORY) a writable path"
        )
    return target


# --- writing ----------------------------------------------------------------------------------


def record_audit(result: AuditResult, path: StrPath | None = None) -> int:
    """Record ``result`` in the history store and return the new run's id.

    ``path`` defaults to ``$VERACITY_HISTORY`` or ``.veracity/history.db``; the ``.veracity``
    directory of the default location is created, the directory of any other path must exist.
    The whole run is written in one transaction.
    """
    target = history_path(path)
    if target == DEFAULT_PATH:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create {target.parent}: {exc.strerror}") from None
    run = result.run
    rule_file_path = str(Path(run.rule_file).resolve()) if run.rule_file else None
    with _connect(target, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(
                """INSERT INTO runs (recorded_at, started_at, as_of, duration_seconds, tool_version,
                    rule_file, rule_file_path, rule_file_sha256, record_key, score, records,
                    gate_passed, min_score)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    run.started_at,
                    run.as_of,
                    run.duration_seconds,
                    f"{run.tool} {run.version}",
                    run.rule_file,
                    rule_file_path,
                    run.rule_file_sha256,
                    run.key,
                    result.score,
                    result.records.records,
                    int(result.gate.passed),
                    result.gate.min_score,
                ),
            )
            run_id = cursor.lastrowid
            assert run_id is not None  # an INSERT into a rowid table always yields one
            conn.executemany(
                "INSERT INTO dimension_scores VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, i, d.dimension.value, d.score, d.rules, d.evaluated, d.failed)
                    for i, d in enumerate(result.dimensions)
                ],
            )
            conn.executemany(
                "INSERT INTO rule_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        i,
                        r.id,
                        r.check,
                        r.dimension.value,
                        r.severity.value,
                        r.threshold,
                        json.dumps(r.fields),
                        r.evaluated,
                        r.failed,
                        r.pass_rate,
                        r.status.value,
                    )
                    for i, r in enumerate(result.rules)
                ],
            )
            projected = [
                (run_id, r.id, r.projection.basis, r.projection.yearly_rate, p.months, p.failing, p.share)
                for r in result.rules
                if r.projection is not None
                for p in r.projection.points
            ]
            if projected:
                conn.executemany("INSERT INTO rule_projections VALUES (?, ?, ?, ?, ?, ?, ?)", projected)
            conn.executemany(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, s.index, s.path, s.format, s.size, s.sha256, s.rows) for s in result.sources],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return run_id


# --- reading ----------------------------------------------------------------------------------


def list_runs(
    path: StrPath | None = None, *, rules: str | None = None, last: int | None = None
) -> list[RunRecord]:
    """Recorded runs, oldest first (by audit date, then start time).

    ``rules`` keeps the runs of one rule file: its path (as given when recorded, or any path
    to the same file), its full SHA-256, or a prefix of at least 7 hex digits of it. ``last``
    keeps the newest N of those.
    """
    target = history_path(path)
    with _connect(target, create=False) as conn:
        rows = conn.execute(
            "SELECT * FROM runs ORDER BY as_of, started_at, id",
        ).fetchall()
        columns = _columns(conn, "runs")
        runs = [dict(zip(columns, row, strict=True)) for row in rows]
        if rules is not None:
            runs = [r for r in runs if _matches_rule_file(r, rules)]
        if last is not None:
            runs = runs[-last:] if last > 0 else []
        return [_load(conn, r) for r in runs]


def get_run(run_id: int, path: StrPath | None = None) -> RunRecord:
    """One recorded run by id."""
    target = history_path(path)
    with _connect(target, create=False) as conn:
        row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise HistoryError(f"history store {target} has no run {run_id}")
        return _load(conn, dict(zip(_columns(conn, "runs"), row, strict=True)))


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _matches_rule_file(run: dict[str, object], wanted: str) -> bool:
    digest = run["rule_file_sha256"]
    if isinstance(digest, str):
        lowered = wanted.lower()
        is_hex = all(c in "0123456789abcdef" for c in lowered)
        if lowered == digest or (is_hex and len(lowered) >= 7 and digest.startswith(lowered)):
            return True
    if wanted == run["rule_file"]:
        return True
    return run["rule_file_path"] is not None and str(Path(wanted).resolve()) == run["rule_file_path"]


def _projections(conn: sqlite3.Connection, run_id: object) -> dict[str, ProjectionRecord]:
    rows: dict[str, tuple[str, float | None, list[tuple[int, int, float]]]] = {}
    for rule_id, basis, rate, months, failing, share in conn.execute(
        "SELECT rule_id, basis, yearly_rate, months, failing, share FROM rule_projections "
        "WHERE run_id = ? ORDER BY rule_id, months",
        (run_id,),
    ):
        rows.setdefault(rule_id, (basis, rate, []))[2].append((int(months), int(failing), float(share)))
    return {
        rule_id: ProjectionRecord(basis, rate, tuple(points))
        for rule_id, (basis, rate, points) in rows.items()
    }


def _load(conn: sqlite3.Connection, run: dict[str, object]) -> RunRecord:
    run_id = run["id"]
    projections = _projections(conn, run_id)
    dimensions = tuple(
        DimensionRecord(dimension, score, rules, evaluated, failed)
        for dimension, score, rules, evaluated, failed in conn.execute(
            "SELECT dimension, score, rules, evaluated, failed FROM dimension_scores "
            "WHERE run_id = ? ORDER BY position",
            (run_id,),
        )
    )
    rules = tuple(
        RuleRecord(
            id=rule_id,
            check=check,
            dimension=dimension,
            severity=severity,
            threshold=threshold,
            fields=tuple(json.loads(fields)),
            evaluated=evaluated,
            failed=failed,
            pass_rate=pass_rate,
            status=status,
            projection=projections.get(rule_id),
        )
        for rule_id, check, dimension, severity, threshold, fields, evaluated, failed, pass_rate, status in (
            conn.execute(
                "SELECT rule_id, check_name, dimension, severity, threshold, fields, evaluated, failed, "
                "pass_rate, status FROM rule_results WHERE run_id = ? ORDER BY position",
                (run_id,),
            )
        )
    )
    sources = tuple(
        SourceRecord(*row)
        for row in conn.execute(
            "SELECT path, format, size, sha256, rows FROM sources WHERE run_id = ? ORDER BY position",
            (run_id,),
        )
    )
    return RunRecord(
        id=_int(run["id"]),
        recorded_at=str(run["recorded_at"]),
        started_at=str(run["started_at"]),
        as_of=str(run["as_of"]),
        duration_seconds=float(_num(run["duration_seconds"])),
        tool_version=str(run["tool_version"]),
        rule_file=_opt_str(run["rule_file"]),
        rule_file_path=_opt_str(run["rule_file_path"]),
        rule_file_sha256=_opt_str(run["rule_file_sha256"]),
        record_key=_opt_str(run["record_key"]),
        score=None if run["score"] is None else float(_num(run["score"])),
        records=_int(run["records"]),
        gate_passed=bool(run["gate_passed"]),
        min_score=None if run["min_score"] is None else float(_num(run["min_score"])),
        dimensions=dimensions,
        rules=rules,
        sources=sources,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _num(value: object) -> float | int:
    if not isinstance(value, int | float):
        raise HistoryError(f"history store holds a non-numeric value where a number belongs: {type(value)}")
    return value


def _int(value: object) -> int:
    return int(_num(value))


def rule_file_label(run: RunRecord) -> str:
    """How reports name a run's rule file."""
    return run.rule_file or "(rules given in code)"


def distinct_rule_files(runs: Sequence[RunRecord]) -> list[str]:
    """The rule files (by resolved path) the runs come from, in order of first appearance."""
    seen: dict[str, str] = {}
    for run in runs:
        seen.setdefault(run.rule_file_path or "", rule_file_label(run))
    return list(seen.values())
