"""The shipped examples as database tables (and as Parquet), for the database tests.

Each example source becomes one table of text columns named as in the file, holding exactly the
values the file loader reads (before renames and null markers), so an audit of the table with
the same ``columns:`` and ``read.null_markers`` must find what an audit of the file finds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl

from veracity.sources import SourceSpec, load_sources
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: Example file -> table name, with the read options its rule file gives it.
EXAMPLE_FILES = {
    "crm_export.csv": ("crm_export", {"delimiter": ";", "encoding": "utf-8-sig"}),
    "shop_customers.ndjson": ("shop_customers", {}),
}


def example_tables() -> dict[str, pl.DataFrame]:
    """Table name -> the example file's values as the loader reads them, columns as in the file."""
    from veracity.sources import ReadOptions

    tables = {}
    for name, (table, read) in EXAMPLE_FILES.items():
        spec = SourceSpec(path=str(EXAMPLES / name), read=ReadOptions(**read))  # type: ignore[arg-type]
        frame = load_sources([spec]).frame.drop(ROW_ID, SOURCE_COL, LINE_COL)
        tables[table] = frame
    return tables


def _create(table: str, frame: pl.DataFrame) -> str:
    columns = ", ".join('"' + name.replace('"', '""') + '" text' for name in frame.columns)
    return f'CREATE TABLE "{table}" ({columns})'


def write_sqlite(path: Path, tables: dict[str, pl.DataFrame]) -> None:
    with sqlite3.connect(path) as conn:
        for table, frame in tables.items():
            conn.execute(_create(table, frame))
            marks = ", ".join("?" * frame.width)
            conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', frame.rows())
    conn.close()


def load_postgres(admin_url: str, tables: dict[str, pl.DataFrame], owner: str = "crm") -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for table, frame in tables.items():
            conn.execute(_create(table, frame))
            with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                for row in frame.rows():
                    copy.write_row(row)
            conn.execute(f'GRANT SELECT ON "{table}" TO {owner}')


def load_postgres_extras(admin_url: str, user: str) -> None:
    """Typed, binary and empty tables, and a schema of their own."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA sales")
        conn.execute(
            "CREATE TABLE sales.typed_customers (id integer PRIMARY KEY, email varchar(80), "
            "signup date, balance numeric(10, 2), vip boolean, seen timestamptz, score double precision)"
        )
        conn.execute(
            "INSERT INTO sales.typed_customers SELECT n, CASE WHEN n % 10 = 0 THEN NULL ELSE "
            "'user' || n || '@example.com' END, DATE '2024-01-01' + n, n * 1.25, n % 2 = 0, "
            "TIMESTAMPTZ '2024-01-01 12:00:00+02' + n * INTERVAL '1 hour', n / 4.0 FROM generate_series(1, 2500) AS n"
        )
        conn.execute("CREATE TABLE with_binary (id integer, photo bytea)")
        conn.execute("INSERT INTO with_binary VALUES (1, '\\x00ff')")
        conn.execute("CREATE TABLE empty_customers (id integer, email text)")
        conn.execute("CREATE SEQUENCE sales.ids")
        conn.execute(f"GRANT USAGE ON SCHEMA sales TO {user}")
        conn.execute(f"GRANT USAGE, UPDATE ON SEQUENCE sales.ids TO {user}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA sales TO {user}")
        conn.execute(f"GRANT SELECT ON with_binary, empty_customers TO {user}")
        conn.execute("CREATE TABLE secret_table (id integer)")
        conn.execute("INSERT INTO secret_table VALUES (1)")
