"""SQLite tables and queries, through Python's own ``sqlite3`` (nothing to install).

The file is opened read-only (``mode=ro``) and an authorizer lets the user's statement only
read, so a rule file cannot change the database. Every value is turned into text by SQLite
itself (``CAST(... AS TEXT)``: integers and reals as SQLite writes them), and all passes run in
one read transaction, so they see the same rows in the same order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote as url_quote
from urllib.parse import unquote, urlsplit

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

__all__ = ["SQLite"]

# What the user's statement may do: read tables and columns, call functions, recurse (WITH).
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


@register
class SQLite(SourceKind):
    name = "sqlite"
    order = 80
    schemes = ("sqlite",)

    def openlineage_dataset(self, details: Mapping[str, str]) -> tuple[str, str] | None:
        """``sqlite://`` and the database file's absolute path as the namespace, the table (a
        query: ``query.<its sha256>``) as the name."""
        what = details.get("table") or f"query.{details.get('query_sha256', '')}"
        return f"sqlite://{details['database']}", what

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        target = target_of(spec, "SQLite")
        path = _file_of(target, context.base_dir)
        stream = _SqliteStream(target, path)
        reader = DatabaseReader(stream, target.display, context.chunk_rows)
        where = {"database": str(path.resolve())}
        return opened(self.name, target, reader, where, target.table or "")


def _file_of(target: Target, base_dir: Path | None) -> Path:
    """``sqlite:///shop.db`` is relative (to the rule file's directory, or the working
    directory on the command line), ``sqlite:////data/shop.db`` absolute."""
    parts = urlsplit(target.url)
    if parts.netloc:
        raise SourceError(
            f"{target.display}: a SQLite URL has no host; write sqlite:///FILE (relative) or "
            "sqlite:////ABSOLUTE/FILE in 'database:'"
        )
    name = unquote(parts.path)[1:]
    if not name:
        raise SourceError(f"{target.display}: names no database file; write sqlite:///FILE in 'database:'")
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise SourceError(
            f"{target.display}: the database file does not exist; check the path in 'database:' "
            "(sqlite:///FILE is relative to the rule file, sqlite:////FILE absolute)"
        )
    return path


class _SqliteStream(Stream):
    def __init__(self, target: Target, path: Path) -> None:
        self._display = target.display
        try:
            self._conn = sqlite3.connect(
                f"file:{url_quote(str(path))}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            # Text that is not UTF-8 is read with replacement characters rather than refused.
            self._conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
            self._conn.execute("BEGIN")
            if target.table is not None:
                self._source = self._table(target.table)
            else:
                assert target.query is not None
                self._source = f"({read_only_select(target.query, target.display)})"
            self._conn.set_authorizer(_read_only)
            cursor = self._conn.execute(f"SELECT * FROM {self._source} LIMIT 0")
        except sqlite3.Error as exc:
            self.close()
            raise self._error(exc) from None
        except BaseException:
            self.close()
            raise
        self.names = [str(column[0]) for column in cursor.description]
        self.types = self._declared(target.table)

    def close(self) -> None:
        self._conn.close()

    def _table(self, table: str) -> str:
        schema, _, name = table.rpartition(".")
        where = f'"{schema.replace(chr(34), chr(34) * 2)}".sqlite_master' if schema else "sqlite_master"
        try:
            found = self._conn.execute(
                f"SELECT name FROM {where} WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
                (name,),
            ).fetchone()
        except sqlite3.OperationalError:
            found = None  # an unknown schema ("unknown database")
        if found is None:
            raise SourceError(
                f"{self._display}: the table does not exist in the database; check 'table:' in the rule file "
                "(?table= in the URL)"
            )
        quoted = '"' + str(found[0]).replace('"', '""') + '"'
        return f'"{schema}".{quoted}' if schema else quoted

    def _declared(self, table: str | None) -> list[str]:
        """Declared column types of a table ("any" for a query's columns: SQLite has none)."""
        if table is None:
            return ["any"] * len(self.names)
        self._conn.set_authorizer(None)
        try:
            schema, _, name = table.rpartition(".")
            info = self._conn.execute(
                "SELECT name, type FROM pragma_table_info(?, ?)", (name, schema or "main")
            ).fetchall()
        except sqlite3.Error:
            info = []
        finally:
            self._conn.set_authorizer(_read_only)
        types = {str(name): str(kind).lower() or "any" for name, kind in info}
        return [types.get(name, "any") for name in self.names]

    def batches(self, columns: list[int], size: int) -> Iterator[tuple[pl.DataFrame, bytes]]:
        names = [self.names[i] for i in columns]
        quoted = ['"' + name.replace('"', '""') + '"' for name in names]
        # A blob would not decode: it is read as null and the flag column says it was there.
        texts = ", ".join(
            f"CASE WHEN typeof({q}) = 'blob' THEN NULL ELSE CAST({q} AS TEXT) END" for q in quoted
        )
        blob = " OR ".join(f"typeof({q}) = 'blob'" for q in quoted)
        try:
            cursor = self._conn.execute(f"SELECT {texts}, {blob} FROM {self._source}")
            while rows := cursor.fetchmany(size):
                frame = pl.DataFrame(rows, schema=[*names, ""], orient="row", schema_overrides={"": pl.Int64})
                if frame.get_column("").max():
                    for name in names:
                        self._refuse_blobs(name)
                frame = frame.drop("").cast(pl.String)
                yield frame, frame.write_csv(include_header=False).encode()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _refuse_blobs(self, name: str) -> None:
        column = '"' + name.replace('"', '""') + '"'
        found = self._conn.execute(
            f"SELECT 1 FROM {self._source} WHERE typeof({column}) = 'blob' LIMIT 1"
        ).fetchone()
        if found is not None:
            raise unsupported_type(self._display, name, "blob", "hex(column)")

    def _error(self, exc: sqlite3.Error) -> SourceError:
        text = " ".join(str(exc).split())
        if "not authorized" in text or "readonly" in text:
            return SourceError(
                f"{self._display}: the query tries to change data or settings, and rule files only read; "
                "write a plain select"
            )
        if "file is not a database" in text or "unable to open" in text:
            return SourceError(
                f"{self._display}: is not a SQLite database file; check the path in 'database:'"
            )
        # SQLite's messages name tables, columns and syntax, never values.
        return SourceError(
            f"{self._display}: SQLite refused the read: {text[:200]}; fix 'query:' or 'table:' in the rule file"
        )


def _read_only(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY
