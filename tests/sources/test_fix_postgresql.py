"""``veracity fix`` on a PostgreSQL table: the server is never written; ``-o fixes.sql`` gets a
script of updates by key which, run on the real server, makes the re-audit pass, and which no
field name or value of the rule file and data can break out of."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import psycopg
from pg_server import Server
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity.cli import app

#: A column name and values written to break out of a statement, were they pasted into SQL.
COLUMN = 'mail"; DROP TABLE fixes.people; --'
ROWS = [
    (1, "Anna", "anna@example.de"),
    (2, "Ben", " ben@example.de "),
    (3, "Cara", " o'brien@example.de"),
]


def _rules(tmp_path: Path, postgres: Server) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\n"
        f"sources:\n  - {{database: '{postgres.url()}', table: fixes.people}}\n"
        "key: id\n"
        "rules:\n"
        f"  - {{id: email-valid, check: email, field: '{COLUMN}'}}\n",
        encoding="utf-8",
    )
    return rules


def _load(postgres: Server) -> None:
    with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS fixes CASCADE")
        conn.execute("CREATE SCHEMA fixes")
        conn.execute(
            psycopg.sql.SQL("CREATE TABLE fixes.people (id integer PRIMARY KEY, name text, {} text)").format(
                psycopg.sql.Identifier(COLUMN)
            )
        )
        conn.cursor().executemany("INSERT INTO fixes.people VALUES (%s, %s, %s)", ROWS)
        conn.execute("GRANT USAGE ON SCHEMA fixes TO crm")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA fixes TO crm")


def test_a_postgresql_table_gets_a_script_of_updates_that_makes_the_audit_pass(
    postgres: Server, tmp_path: Path
) -> None:
    _load(postgres)
    runner = CliRunner()
    rules = _rules(tmp_path, postgres)
    worklist = tmp_path / "worklist.csv"
    code, _, stderr = run_audit(runner, "-r", str(rules), "--worklist", str(worklist))
    assert code == 1, stderr
    frame = pl.read_csv(worklist, infer_schema=False).with_columns(pl.lit("yes").alias("accept"))
    frame.write_csv(worklist)
    script = tmp_path / "fixes.sql"
    result = runner.invoke(app, ["fix", "-w", str(worklist), "-o", str(script), "-r", str(rules)])
    assert result.exit_code == 0, result.stderr
    text = script.read_text(encoding="utf-8")
    target = '"fixes"."people" SET "mail""; DROP TABLE fixes.people; --"'
    assert text.splitlines()[2:] == [
        "BEGIN;",
        f"UPDATE {target} = 'ben@example.de' WHERE CAST(\"id\" AS TEXT) = '2';",
        f"UPDATE {target} = 'o''brien@example.de' WHERE CAST(\"id\" AS TEXT) = '3';",
        "COMMIT;",
    ]
    assert postgres.url().split("@")[0] not in text  # no credentials in the script
    with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
        # The server was not written by fix.
        assert conn.execute("SELECT count(*) FROM fixes.people WHERE name = 'Ben'").fetchone() == (1,)
        before = conn.execute(
            psycopg.sql.SQL("SELECT {} FROM fixes.people ORDER BY id").format(psycopg.sql.Identifier(COLUMN))
        ).fetchall()
        assert before == [(value,) for _, _, value in ROWS]
        conn.execute(text)
    code, _, stderr = run_audit(runner, "-r", str(rules))
    assert code == 0, stderr


def test_a_postgresql_source_is_never_copied(postgres: Server, tmp_path: Path) -> None:
    _load(postgres)
    runner = CliRunner()
    rules = _rules(tmp_path, postgres)
    worklist = tmp_path / "worklist.csv"
    run_audit(runner, "-r", str(rules), "--worklist", str(worklist))
    out = tmp_path / "fixed.csv"
    result = runner.invoke(app, ["fix", "-w", str(worklist), "-o", str(out), "-r", str(rules)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: -o/--output {out}: a PostgreSQL source is never written; give a .sql file for the script of updates"
    )
    assert not out.exists()
