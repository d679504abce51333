"""Steps of the history store's schema after version 1 (see ``history.MIGRATIONS``).

Each step runs inside the migration's transaction, with foreign keys enforced. Released steps
are never edited: stores in the field have already run them.
"""

from __future__ import annotations

import sqlite3

__all__ = ["allow_runs_without_score", "store_decay_projections"]

_CHILDREN = ("dimension_scores", "rule_results", "sources")


def allow_runs_without_score(conn: sqlite3.Connection) -> None:
    """Version 2: ``runs.score`` may be NULL, for an audit in which no rule evaluated a record.

    SQLite cannot drop a NOT NULL constraint in place, so the tables are rebuilt from their own
    definitions. Dropping the old ``runs`` would delete every row referring to it (ON DELETE
    CASCADE), so the referring tables are copied to new ones that refer to the new ``runs``
    first; renaming the new ``runs`` then rewrites their references.
    """
    definitions = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    runs = definitions["runs"].replace("score REAL NOT NULL", "score REAL", 1)
    conn.execute(runs.replace("CREATE TABLE runs", "CREATE TABLE runs_v2", 1))
    conn.execute("INSERT INTO runs_v2 SELECT * FROM runs")
    for child in _CHILDREN:
        definition = definitions[child].replace(f"CREATE TABLE {child}", f"CREATE TABLE {child}_v2", 1)
        conn.execute(definition.replace("REFERENCES runs (id)", "REFERENCES runs_v2 (id)"))
        conn.execute(f"INSERT INTO {child}_v2 SELECT * FROM {child}")
        conn.execute(f"DROP TABLE {child}")
    conn.execute("DROP TABLE runs")
    conn.execute("ALTER TABLE runs_v2 RENAME TO runs")
    for child in _CHILDREN:
        conn.execute(f"ALTER TABLE {child}_v2 RENAME TO {child}")
    conn.execute("CREATE INDEX runs_by_rule_file ON runs (rule_file_path, as_of)")
    conn.execute("CREATE INDEX runs_by_rule_sha ON runs (rule_file_sha256)")


def store_decay_projections(conn: sqlite3.Connection) -> None:
    """Version 3: each ``max_age`` rule's decay projection (the records expected to fail it some
    months after the audit date if nothing is updated), one row per horizon. Runs recorded
    before have none."""
    conn.execute(
        """CREATE TABLE rule_projections (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            rule_id TEXT NOT NULL,
            basis TEXT NOT NULL CHECK (basis IN ('observed', 'declared')),
            yearly_rate REAL,
            months INTEGER NOT NULL,
            failing INTEGER NOT NULL,
            share REAL NOT NULL,
            PRIMARY KEY (run_id, rule_id, months)
        )"""
    )
