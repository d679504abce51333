"""PostgreSQL and SQLite sources: read as text like files, in whole and chunked mode, named
without passwords, and every unusable database ends in one ``Error:`` line (exit 2)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import db_data
import jsonschema
import pg_server
import polars as pl
import pytest
from pg_server import Server

from veracity.errors import SourceError
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, SourceSpec, load_sources, open_sources

PASSWORD = pg_server.PASSWORD


def _values(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop(ROW_ID, SOURCE_COL, LINE_COL)


def _chunked(spec: SourceSpec, chunk_rows: int, base_dir: Path | None = None) -> pl.DataFrame:
    sources = open_sources([spec], chunk_rows=chunk_rows, base_dir=base_dir)
    frames = [chunk.data.frame for chunk in sources.chunks()]
    assert all(frame.height <= chunk_rows for frame in frames)
    return pl.concat(frames)


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "shop.db"
    db_data.write_sqlite(path, db_data.example_tables())
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id integer, photo blob)")
        conn.execute("INSERT INTO photos VALUES (1, x'00ff')")
        conn.execute("CREATE TABLE empty_customers (id integer, email text)")
        conn.execute("CREATE TABLE typed (id integer, score real, name text)")
        conn.execute("INSERT INTO typed VALUES (1, 2.5, 'a'), (2, NULL, '  ')")
    conn.close()
    return path


# ---------------------------------------------------------------------------------------------
# values and provenance


def test_sqlite_table_reads_the_files_values_whole_and_in_chunks(shop_db: Path) -> None:
    expected = db_data.example_tables()
    for table, frame in expected.items():
        spec = SourceSpec(path=f"sqlite:///{shop_db}?table={table}")
        whole = load_sources([spec])
        assert _values(whole.frame).equals(frame)
        assert _values(_chunked(spec, 7)).equals(frame)
        info = whole.sources[0]
        assert (info.format, info.position_kind, info.rows) == ("sqlite", "key", frame.height)
        assert whole.frame.get_column(LINE_COL).to_list() == list(range(1, frame.height + 1))
        # The fingerprint is over what was read, the same in both modes.
        assert open_sources([spec], chunk_rows=5).infos[0].sha256 == info.sha256


def test_sqlite_numbers_are_read_as_sqlite_writes_them_and_types_recorded(shop_db: Path) -> None:
    data = load_sources([SourceSpec(path=f"sqlite:///{shop_db}", query="select * from typed")])
    assert _values(data.frame).to_dicts() == [
        {"id": "1", "score": "2.5", "name": "a"},
        {"id": "2", "score": None, "name": None},  # whitespace-only is missing, as in a file
    ]
    typed = load_sources([SourceSpec(path=f"sqlite:///{shop_db}?table=typed")])
    assert [c.original_type for c in typed.sources[0].columns] == ["integer", "real", "text"]


def test_sqlite_path_is_relative_to_the_rule_files_directory(shop_db: Path) -> None:
    spec = SourceSpec(path="sqlite:///shop.db", table="crm_export")
    rows = db_data.example_tables()["crm_export"].height
    assert load_sources([spec], base_dir=shop_db.parent).sources[0].rows == rows


def test_postgres_table_reads_the_files_values_whole_and_in_chunks(postgres: Server) -> None:
    for table, frame in db_data.example_tables().items():
        spec = SourceSpec(path=f"{postgres.url()}?table={table}")
        whole = load_sources([spec])
        assert _values(whole.frame).equals(frame)
        assert _values(_chunked(spec, 4)).equals(frame)
        info = whole.sources[0]
        assert (info.format, info.position_kind, info.rows) == ("postgresql", "key", frame.height)
        assert open_sources([spec], chunk_rows=3).infos[0].sha256 == info.sha256


def test_postgres_types_are_read_as_the_server_writes_them(postgres: Server) -> None:
    spec = SourceSpec(path=postgres.url(), table="sales.typed_customers")
    data = load_sources([spec])
    first = _values(data.frame).row(0, named=True)
    assert first == {
        "id": "1",
        "email": "user1@example.com",
        "signup": "2024-01-02",
        "balance": "1.25",
        "vip": "f",
        "seen": "2024-01-01 11:00:00+00",
        "score": "0.25",
    }
    assert [c.original_type for c in data.sources[0].columns] == [
        "integer",
        "character varying",
        "date",
        "numeric",
        "boolean",
        "timestamp with time zone",
        "double precision",
    ]
    info = data.sources[0]
    assert info.rows == 2500
    assert info.details["table"] == "sales.typed_customers"
    assert info.details["server"] == f"127.0.0.1:{postgres.port}"
    assert info.details["database"] == "crm"
    assert _values(_chunked(spec, 1000)).equals(_values(data.frame))


def test_postgres_query_and_its_fingerprint(postgres: Server) -> None:
    query = "select id, email from sales.typed_customers where id <= 10 order by id"
    data = load_sources([SourceSpec(path=postgres.url(), query=query)])
    assert data.frame.height == 10
    info = data.sources[0]
    assert info.path.endswith(f"?query=sha256:{info.details['query_sha256'][:12]}")
    assert "table" not in info.details


def test_password_is_masked_in_every_name(postgres: Server) -> None:
    data = load_sources([SourceSpec(path=f"{postgres.url()}?table=crm_export")])
    info = data.sources[0]
    assert info.path == f"postgresql://127.0.0.1:{postgres.port}/crm?table=crm_export"
    assert PASSWORD not in repr(info)


def test_password_from_the_environment(postgres: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    monkeypatch.setenv("CRM_DB_URL", postgres.url(password=None))
    data = load_sources([SourceSpec(path="${CRM_DB_URL}", table="crm_export")])
    assert data.sources[0].path == f"postgresql://127.0.0.1:{postgres.port}/crm?table=crm_export"


def test_a_rule_file_query_cannot_change_data(postgres: Server) -> None:
    import psycopg

    # Both pass the first-word check: the server refuses a data-modifying WITH inside the read,
    # and the READ ONLY transaction a function that writes.
    for query, refusal in (
        ("with gone as (delete from crm_export returning 1) select 1", "must be at the top level"),
        ("select nextval('sales.ids')", "tries to change data"),
    ):
        with pytest.raises(SourceError, match=refusal):
            load_sources([SourceSpec(path=postgres.url(), query=query)])
    with psycopg.connect(postgres.admin_url) as conn:
        rows = conn.execute("select count(*) from crm_export").fetchone()
    assert rows is not None
    assert rows[0] == db_data.example_tables()["crm_export"].height


# ---------------------------------------------------------------------------------------------
# the command line


RULES = """version: 1
key: id
sources:
{sources}
rules:
  - {{id: email-present, check: not_null, field: email}}
"""


def _audit(
    directory: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    command = [sys.executable, "-m", "veracity", "audit", "--no-progress", "-r", "r.yaml", *args]
    return subprocess.run(
        command, cwd=directory, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )


def test_cli_reads_a_postgres_url_and_names_the_table_and_key(postgres: Server, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []"))
    url = f"{postgres.url()}?table=sales.typed_customers"
    done = _audit(tmp_path, url, "--format", "json", "-o", "out.json", "--findings", "f.csv", "--exit-zero")
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "out.json").read_text()
    assert PASSWORD not in report + done.stdout + done.stderr + (tmp_path / "f.csv").read_text()
    parsed = json.loads(report)
    rule = next(r for r in parsed["rules"] if r["id"] == "email-present")
    assert rule["failed"] == 250
    findings = pl.read_csv(tmp_path / "f.csv", infer_schema=False)
    assert findings.get_column("source").unique().to_list() == [
        f"postgresql://127.0.0.1:{postgres.port}/crm?table=sales.typed_customers"
    ]
    assert sorted(findings.get_column("record_key").cast(pl.Int64).to_list())[:2] == [10, 20]


def test_cli_rule_file_database_source_sqlite(shop_db: Path, tmp_path: Path) -> None:
    sources = (
        f"  - {{database: 'sqlite:///{shop_db}', query: 'select * from typed', columns: {{name: email}}}}"
    )
    (tmp_path / "r.yaml").write_text(RULES.format(sources=sources))
    done = _audit(tmp_path, "--format", "json", "-o", "out.json", "--exit-zero")
    assert done.returncode == 0, done.stderr
    rule = next(
        r for r in json.loads((tmp_path / "out.json").read_text())["rules"] if r["id"] == "email-present"
    )
    assert rule["failed"] == 1


# Each case: the source as given on the command line (or a rule-file source), what the one
# error line must say. {url} is the server's URL with the right password, {bad} with a wrong one.
BAD_POSTGRES = [
    (
        "unreachable",
        "postgresql://crm:{password}@127.0.0.1:1/crm?table=crm_export",
        "cannot reach the PostgreSQL server (connection refused)",
    ),
    ("wrong password", "{bad}?table=crm_export", "refused the login (authentication failed)"),
    (
        "unknown user",
        "postgresql://nobody_here:{password}@127.0.0.1:{port}/crm?table=crm_export",
        "authentication failed",
    ),
    (
        "missing database",
        "postgresql://crm:{password}@127.0.0.1:{port}/nodb?table=crm_export",
        "the database does not exist on the server",
    ),
    ("missing table", "{url}?table=public.nope", "the table does not exist in the database"),
    ("missing schema", "{url}?table=nope.crm_export", "the table does not exist in the database"),
    ("no table", "{url}", "say what to read from the PostgreSQL database"),
    (
        "binary column",
        "{url}?table=with_binary",
        "column 'photo' is of type bytea, which cannot be audited as text",
    ),
    ("empty table", "{url}?table=empty_customers", "has columns but no rows"),
    ("not allowed", "{url}?table=secret_table", "may not read the table (permission denied)"),
]


@pytest.mark.parametrize(("case", "given", "expected"), BAD_POSTGRES, ids=[c[0] for c in BAD_POSTGRES])
def test_cli_refuses_an_unusable_postgres_source(
    postgres: Server, tmp_path: Path, case: str, given: str, expected: str
) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []"))
    source = given.format(
        url=postgres.url(),
        bad=postgres.url(password="wrong-" + PASSWORD),
        password=PASSWORD,
        port=postgres.port,
    )
    done = _audit(tmp_path, source, "-o", "out.json")
    _assert_refused(done, tmp_path, expected)


BAD_QUERIES = [
    ("delete", "delete from crm_export", "must be one SELECT statement"),
    ("two statements", "select 1; drop table crm_export", "must be one SELECT statement"),
    (
        "data-modifying CTE",
        "with x as (delete from crm_export returning 1) select * from x",
        "refused the read",
    ),
    ("writing function", "select nextval('sales.ids')", "the query tries to change data"),
    (
        "missing column",
        "select nope from crm_export",
        'the server refused the read: column "nope" does not exist',
    ),
    (
        "failing cast",
        'select "Customer ID"::integer as id from crm_export',
        "failed on a value it read (SQLSTATE 22P02",
    ),
    ("no rows", "select * from crm_export where false", "has columns but no rows"),
    ("syntax", "select from where", "the server refused the read: syntax error"),
]


@pytest.mark.parametrize(("case", "query", "expected"), BAD_QUERIES, ids=[c[0] for c in BAD_QUERIES])
def test_cli_refuses_a_failing_postgres_query(
    postgres: Server, tmp_path: Path, case: str, query: str, expected: str
) -> None:
    source = f"  - {{database: '{postgres.url()}', query: {json.dumps(query)}}}"
    (tmp_path / "r.yaml").write_text(RULES.format(sources=source))
    done = _audit(tmp_path, "-o", "out.json")
    _assert_refused(done, tmp_path, expected)


BAD_SQLITE = [
    ("missing file", "sqlite:///nope.db?table=crm_export", "the database file does not exist"),
    ("missing table", "sqlite:///{db}?table=nope", "the table does not exist in the database"),
    ("blob column", "sqlite:///{db}?table=photos", "column 'photo' is of type blob"),
    ("empty table", "sqlite:///{db}?table=empty_customers", "has columns but no rows"),
    ("not a database", "sqlite:///r.yaml?table=crm_export", "is not a SQLite database file"),
    ("host given", "sqlite://host/shop.db?table=crm_export", "a SQLite URL has no host"),
]


@pytest.mark.parametrize(("case", "given", "expected"), BAD_SQLITE, ids=[c[0] for c in BAD_SQLITE])
def test_cli_refuses_an_unusable_sqlite_source(
    shop_db: Path, tmp_path: Path, case: str, given: str, expected: str
) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []"))
    done = _audit(tmp_path, given.format(db=shop_db), "-o", "out.json")
    _assert_refused(done, tmp_path, expected)


BAD_SQLITE_QUERIES = [
    ("delete", "delete from crm_export", "must be one SELECT statement"),
    ("attach", "attach database 'x.db' as x", "must be one SELECT statement"),
    ("insert in CTE", "with x as (select 1) insert into typed(id) values (9)", "SQLite refused the read"),
    ("pragma", "select * from pragma_writable_schema", "tries to change data or settings"),
    ("missing column", "select nope from typed", "SQLite refused the read: no such column: nope"),
]


@pytest.mark.parametrize(
    ("case", "query", "expected"), BAD_SQLITE_QUERIES, ids=[c[0] for c in BAD_SQLITE_QUERIES]
)
def test_cli_refuses_a_sqlite_query_that_is_not_a_plain_select(
    shop_db: Path, tmp_path: Path, case: str, query: str, expected: str
) -> None:
    before = shop_db.read_bytes()
    source = f"  - {{database: 'sqlite:///{shop_db}', query: {json.dumps(query)}}}"
    (tmp_path / "r.yaml").write_text(RULES.format(sources=source))
    done = _audit(tmp_path, "-o", "out.json")
    _assert_refused(done, tmp_path, expected)
    assert shop_db.read_bytes() == before


BAD_RULE_FILE_SOURCES = [
    (
        "path and database",
        "{path: a.csv, database: 'sqlite:///x.db', table: t}",
        "either 'path:' (a file) or 'database:'",
    ),
    (
        "table without database",
        "{path: a.csv, table: t}",
        "'table:' and 'query:' belong to a 'database:' source",
    ),
    ("neither table nor query", "{database: 'sqlite:///x.db'}", "needs either 'table:' or 'query:'"),
    (
        "unknown scheme",
        "{database: 'mysql://h/db', table: t}",
        "'database:' must be a URL starting with one of",
    ),
    (
        "unset variable",
        "{database: '${VERACITY_TEST_UNSET_URL}', table: t}",
        "VERACITY_TEST_UNSET_URL is not set",
    ),
]


@pytest.mark.parametrize(
    ("case", "source", "expected"), BAD_RULE_FILE_SOURCES, ids=[c[0] for c in BAD_RULE_FILE_SOURCES]
)
def test_cli_refuses_a_malformed_database_source(
    tmp_path: Path, case: str, source: str, expected: str
) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources=f"  - {source}"))
    done = _audit(tmp_path, "-o", "out.json")
    _assert_refused(done, tmp_path, expected)


def _assert_refused(done: subprocess.CompletedProcess[str], directory: Path, expected: str) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert done.returncode == 2, done.stderr
    assert len(errors) == 1, done.stderr
    assert expected in errors[0], errors[0]
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    assert PASSWORD not in done.stderr + done.stdout
    assert not (directory / "out.json").exists()


def test_reports_name_a_database_record_by_table_and_key(postgres: Server, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []"))
    url = f"{postgres.url()}?table=sales.typed_customers"
    done = _audit(tmp_path, url, "--exit-zero", env={"COLUMNS": "250"})
    assert done.returncode == 0, done.stderr
    assert f"postgresql://127.0.0.1:{postgres.port}/crm?table=sales.typed_customers key=10" in done.stdout
    assert PASSWORD not in done.stdout


def test_json_report_and_openlineage_name_server_database_and_table(postgres: Server, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []"))
    url = f"{postgres.url()}?table=sales.typed_customers"
    done = _audit(
        tmp_path,
        url,
        "--exit-zero",
        "-f",
        "json",
        "-o",
        "out.json",
        "--openlineage",
        "ol.ndjson",
        "--history",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    schema = json.loads((db_data.ROOT / "docs" / "report-schema.json").read_text())
    jsonschema.validate(report, schema)
    source = report["sources"][0]
    assert source["format"] == "postgresql"
    assert source["position"] == "key"
    details = source["details"]
    assert (details["server"], details["database"], details["table"]) == (
        f"127.0.0.1:{postgres.port}",
        "crm",
        "sales.typed_customers",
    )
    assert {"read_at", "read_seconds"} <= details.keys()
    assert [c["original_type"] for c in source["columns"]][:3] == ["integer", "character varying", "date"]
    events = [json.loads(line) for line in (tmp_path / "ol.ndjson").read_text().splitlines()]
    inputs = events[-1]["inputs"]
    assert [(i["namespace"], i["name"]) for i in inputs] == [
        (f"postgres://127.0.0.1:{postgres.port}", "crm.sales.typed_customers")
    ]
    history = b"".join(path.read_bytes() for path in tmp_path.rglob("*.db"))
    assert history
    everything = (tmp_path / "out.json").read_text() + (tmp_path / "ol.ndjson").read_text()
    assert PASSWORD not in everything
    assert PASSWORD.encode() not in history


def test_openlineage_names_a_sqlite_table_by_its_file(shop_db: Path, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RULES.format(sources="  []").replace("field: email", "field: name"))
    done = _audit(tmp_path, f"sqlite:///{shop_db}?table=typed", "--exit-zero", "--openlineage", "ol.ndjson")
    assert done.returncode == 0, done.stderr
    inputs = json.loads((tmp_path / "ol.ndjson").read_text().splitlines()[-1])["inputs"]
    assert [(i["namespace"], i["name"]) for i in inputs] == [(f"sqlite://{shop_db.resolve()}", "typed")]


@pytest.mark.parametrize("where", ["query parameter", "pgpass file"])
def test_password_from_a_query_parameter_or_pgpass_is_never_shown(
    postgres: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = postgres.url(password=None)
    if where == "query parameter":
        url += f"?password={PASSWORD}&table=crm_export"
    else:
        pgpass = tmp_path / "pgpass"
        pgpass.write_text(f"127.0.0.1:{postgres.port}:crm:crm:{PASSWORD}\n")
        pgpass.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(pgpass))
        url += "?table=crm_export"
    info = load_sources([SourceSpec(path=url)]).sources[0]
    assert info.path == f"postgresql://127.0.0.1:{postgres.port}/crm?table=crm_export"
    assert PASSWORD not in repr(info)
