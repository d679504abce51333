"""PostgreSQL tables and queries, through psycopg 3 and ``COPY (SELECT ...) TO STDOUT``.

``COPY`` in CSV form hands over every value as the server writes it as text (dates ISO, numbers
exact, time zone UTC), streamed a row at a time, so memory stays at one batch. Everything runs
in one READ ONLY, REPEATABLE READ transaction: a rule file cannot change data, and every pass
over the rows sees the same snapshot. Credentials come from the URL, the environment
(``PGPASSWORD``, ``PGUSER`` ...) or ``~/.pgpass``, as libpq finds them; no message repeats them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl

from veracity.errors import SourceError
from veracity.sources._database import (
    DatabaseReader,
    Stream,
    Target,
    opened,
    read_only_select,
    target_of,
    unsupported_type,
)
from veracity.sources.base import SourceSpec
from veracity.sources.registry import OpenContext, Opened, SourceKind, register

__all__ = ["PostgreSQL"]

#: Types whose text form is not data a person would audit (``bytea`` and arrays of it).
_BINARY_OIDS = {17: "bytea", 1001: "bytea[]"}
_CONNECT_SECONDS = 10


@register
class PostgreSQL(SourceKind):
    name = "postgresql"
    order = 70
    schemes = ("postgresql", "postgres")

    def openlineage_dataset(self, details: Mapping[str, str]) -> tuple[str, str] | None:
        """OpenLineage's naming: ``postgres://HOST:PORT`` and ``DATABASE.SCHEMA.TABLE`` (a query,
        which is no table: ``DATABASE.query.<its sha256>``)."""
        what = details.get("table") or f"query.{details.get('query_sha256', '')}"
        return f"postgres://{details['server']}", f"{details['database']}.{what}"

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        target = target_of(spec, "PostgreSQL")
        stream = _PgStream(target)
        reader = DatabaseReader(stream, target.display, context.chunk_rows)
        where = {"server": f"{stream.host}:{stream.port}", "database": stream.dbname}
        return opened(self.name, target, reader, where, stream.relation)


class _PgStream(Stream):
    def __init__(self, target: Target) -> None:
        import psycopg

        self._display = target.display
        try:
            conninfo = psycopg.conninfo.make_conninfo(target.url, **target.params)
            self._conn = psycopg.connect(
                conninfo,
                connect_timeout=_CONNECT_SECONDS,
                application_name="veracity",
                client_encoding="utf8",
            )
        except psycopg.Error as exc:
            raise _connect_error(exc, target.display) from None
        except Exception:
            # libpq refuses a malformed URL or option before any connection.
            raise SourceError(
                f"{target.display}: is not a valid PostgreSQL URL; write it as "
                "postgresql://USER@HOST:PORT/DATABASE in 'database:' (options as ?sslmode=...)"
            ) from None
        try:
            self._setup(target)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def _setup(self, target: Target) -> None:
        import psycopg

        self._conn.read_only = True
        self._conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        info = self._conn.info
        self.host, self.port, self.dbname = info.host, info.port, info.dbname
        with self._errors():
            # Text forms that do not depend on the server's settings; every pass in one order.
            self._conn.execute("SET TIME ZONE 'UTC'")
            self._conn.execute("SET DateStyle = 'ISO, YMD'")
            self._conn.execute("SET synchronize_seqscans = off")
            self._source: psycopg.sql.Composable
            if target.table is not None:
                schema, table = self._relation(target.table)
                self.relation = f"{schema}.{table}"
                self._source = psycopg.sql.Identifier(schema, table)
            else:
                assert target.query is not None
                query = read_only_select(target.query, target.display)
                self.relation = ""
                self._source = psycopg.sql.SQL("({}) AS veracity_query").format(psycopg.sql.SQL(query))
            cursor = self._conn.execute(psycopg.sql.SQL("SELECT * FROM {} LIMIT 0").format(self._source))
            described = cursor.description or []
            oids = [column.type_code for column in described]
            self.names = [column.name for column in described]
            names = self._conn.execute(
                "SELECT format_type(oid, NULL) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(oid, n) ORDER BY n",
                (oids,),
            ).fetchall()
            self.types = [str(row[0]) for row in names]
        for name, oid in zip(self.names, oids, strict=True):
            if oid in _BINARY_OIDS:
                raise unsupported_type(self._display, name, _BINARY_OIDS[oid], "encode(column, 'hex')")

    def _relation(self, table: str) -> tuple[str, str]:
        """The table's schema and name; refused when it does not exist (or is not visible)."""
        import psycopg

        try:
            found = self._conn.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = to_regclass(%s)",
                (table,),
            ).fetchone()
        except psycopg.Error:
            self._conn.rollback()
            found = None
        if found is None:
            raise SourceError(
                f"{self._display}: the table does not exist in the database (or this user cannot see it); "
                "check 'table:' in the rule file (?table= in the URL), written as TABLE or SCHEMA.TABLE"
            )
        return str(found[0]), str(found[1])

    def batches(self, columns: list[int], size: int) -> Iterator[tuple[pl.DataFrame, bytes]]:
        names = [self.names[i] for i in columns]
        for rows in self._rows(names, size):
            yield _parse(rows, names)

    def raw_batches(self, size: int) -> Iterator[tuple[bytes, int]]:
        for rows in self._rows(self.names, size):
            yield b"".join(rows), len(rows)

    def _rows(self, names: list[str], size: int) -> Iterator[list[bytes]]:
        """The COPY stream's rows (one CSV line each), ``size`` at a time."""
        import psycopg

        # A leading constant keeps every line non-empty: a row of one NULL would be a blank line.
        selected = psycopg.sql.SQL(", ").join([psycopg.sql.SQL("0"), *map(psycopg.sql.Identifier, names)])
        statement = psycopg.sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
            selected, self._source
        )
        with self._errors(), self._conn.cursor() as cursor, cursor.copy(statement) as copy:
            rows: list[bytes] = []
            for data in copy:
                rows.append(bytes(data))
                if len(rows) == size:
                    yield rows
                    rows = []
            if rows:
                yield rows

    def _errors(self) -> _Errors:
        return _Errors(self._display)


class _Errors:
    """Server errors during the read, as one line without values."""

    def __init__(self, display: str) -> None:
        self._display = display

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        import psycopg

        if isinstance(exc, psycopg.Error):
            raise _server_error(exc, self._display) from None


def _parse(rows: list[bytes], names: list[str]) -> tuple[pl.DataFrame, bytes]:
    raw = b"".join(rows)
    frame = pl.read_csv(
        io.BytesIO(raw),
        has_header=False,
        new_columns=["", *names],
        infer_schema=False,
        quote_char='"',
    ).drop("")
    return frame, raw


def _connect_error(exc: Exception, display: str) -> SourceError:
    text = str(exc).lower()
    state = getattr(exc, "sqlstate", None)
    if state in ("28P01", "28000") or "authentication failed" in text or "no password supplied" in text:
        return SourceError(
            f"{display}: the PostgreSQL server refused the login (authentication failed); check the user in "
            "'database:' and the password in PGPASSWORD or ~/.pgpass"
        )
    if "role" in text and "does not exist" in text:
        return SourceError(
            f"{display}: the PostgreSQL server does not know this user (authentication failed); check the "
            "user in 'database:' (postgresql://USER@HOST/DATABASE)"
        )
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return SourceError(
            f"{display}: the database does not exist on the server; check the database name at the end of "
            "the URL in 'database:'"
        )
    if "refused" in text:
        reason = "connection refused"
    elif "translate host name" in text or "name or service not known" in text:
        reason = "unknown host name"
    elif "timeout" in text or "timed out" in text:
        reason = f"no answer within {_CONNECT_SECONDS} s"
    else:
        reason = "connection failed"
    return SourceError(
        f"{display}: cannot reach the PostgreSQL server ({reason}); check the host and port in 'database:' "
        "and that the server is running"
    )


def _server_error(exc: Any, display: str) -> SourceError:
    state = str(exc.sqlstate or "")
    if state == "25006":
        return SourceError(
            f"{display}: the query tries to change data, and rule files only read; write a plain select"
        )
    if state.startswith("22"):
        # A data exception's message quotes the offending value: say only what kind it is.
        return SourceError(
            f"{display}: the query failed on a value it read (SQLSTATE {state}, a data exception); "
            "fix the conversion or condition in 'query:'"
        )
    if state == "42501":
        return SourceError(
            f"{display}: this user may not read the table (permission denied); grant SELECT or use another user"
        )
    primary = " ".join(str(exc.diag.message_primary or "the server gave no reason").split())[:200]
    return SourceError(
        f"{display}: the server refused the read: {primary} (SQLSTATE {state}); fix 'query:' or 'table:'"
    )
