"""Database copies: a SQLite file copied and updated, or, for a server, an SQL script of updates.

A database source is never written. For SQLite, the copy is a new database file (the input's
bytes, then ``UPDATE`` statements in one transaction); for PostgreSQL, ``fix -o fixes.sql``
writes a script of ``UPDATE`` statements for a person to review and run. Both name the record
by the rule file's ``key`` when the source has that column, else by SQLite's ``rowid`` (read in
the order the audit read the table); a server table needs the key. Identifiers are quoted as
identifiers (in double quotes, each double quote doubled) and values as string literals with every quote doubled, so neither
a field name of the rule file nor a value of the data can end the statement early; a value
with a NUL character, which neither database stores in text, is refused.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from veracity.corrections.copies.base import CellChange, by_record, moved
from veracity.errors import UsageError

__all__ = ["identifier", "literal", "relation", "sql_script", "update_sqlite_copy"]


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    _refuse_nul(name)
    return '"' + name.replace('"', '""') + '"'


def relation(table: str) -> str:
    """A source's ``table:`` (``TABLE`` or ``SCHEMA.TABLE``, as the readers split it) quoted."""
    schema, _, name = table.rpartition(".")
    return f"{identifier(schema)}.{identifier(name)}" if schema else identifier(name)


def literal(value: str) -> str:
    """``value`` as a SQL string literal (standard_conforming_strings: quotes doubled only)."""
    _refuse_nul(value)
    return "'" + value.replace("'", "''") + "'"


def _refuse_nul(text: str) -> None:
    if "\x00" in text:
        raise UsageError(
            "a corrected value or name holds a NUL character, which SQL text cannot; do not accept it"
        )


def update_sqlite_copy(
    source: Path,
    table: str | None,
    key: str | None,
    columns: list[str],
    changes: Iterable[CellChange],
    output: Path,
    display: str,
) -> None:
    """Copy the database file ``source`` to ``output`` and apply ``changes`` to ``table``."""
    if table is None:
        raise UsageError(
            f"{display} is read with a query; fix updates a table: give the source a 'table:' to fix it"
        )
    grouped = by_record(changes)
    shutil.copyfile(source, output)
    conn = sqlite3.connect(output, isolation_level=None)
    try:
        by_key = key is not None and key in columns
        rowids: list[int] = []
        if not by_key:
            try:
                # The order of a scan of the table, as the audit read it (an index would order otherwise).
                query = f"SELECT rowid FROM {relation(table)} NOT INDEXED"
                rowids = [row[0] for row in conn.execute(query)]
            except sqlite3.OperationalError:
                raise UsageError(
                    f"{display}: the table has no rowid; name its key column in the rule file ('key:') to fix it"
                ) from None
        conn.execute("BEGIN")
        for record, cells in sorted(grouped.items()):
            if by_key:
                where, arg = f"CAST({identifier(str(key))} AS TEXT) = ?", _key_of(cells, display, record)
            else:
                if record > len(rowids):
                    raise UsageError(f"{display} has no record {record}; audit it again with --worklist")
                where, arg = "rowid = ?", str(rowids[record - 1])
            for column, change in cells.items():
                _refuse_nul(change.new)
                current = conn.execute(
                    f"SELECT CAST({identifier(column)} AS TEXT) FROM {relation(table)} WHERE {where}",
                    (arg,),
                ).fetchall()
                if len(current) != 1:
                    raise UsageError(
                        f"{display}: the key {key!r} names {len(current)} rows for record {record}; "
                        "a key must name one row"
                    )
                if (
                    current[0][0] is not None
                    and change.old is not None
                    and current[0][0].strip() != change.old.strip()
                ):
                    raise moved(display, record, column)
                conn.execute(
                    f"UPDATE {relation(table)} SET {identifier(column)} = ? WHERE {where}",
                    (change.new, arg),
                )
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise UsageError(
            f"{display}: the copy could not be updated ({' '.join(str(exc).split())[:200]})"
        ) from None
    finally:
        conn.close()


def sql_script(table: str | None, key: str | None, changes: Iterable[CellChange], display: str) -> str:
    """The ``UPDATE`` statements that apply ``changes`` to ``table`` by ``key``, in one transaction."""
    if table is None:
        raise UsageError(
            f"{display} is read with a query; fix writes updates of a table: give the source a 'table:'"
        )
    if key is None:
        raise UsageError(
            f"fix writes updates of {display} by its key: name the key column in the rule file ('key:')"
        )
    lines = [
        f"-- Corrections accepted in a veracity worklist, for {display}.",
        "-- Review, then run, e.g.: psql -v ON_ERROR_STOP=1 -f THIS_FILE",
        "BEGIN;",
    ]
    for record, cells in sorted(by_record(changes).items()):
        value = _key_of(cells, display, record)
        for column, change in cells.items():
            # No guard on the old value: the server's text of a typed value (a boolean's
            # "true") need not be the text the audit read ("t").
            lines.append(
                f"UPDATE {relation(table)} SET {identifier(column)} = {literal(change.new)} "
                f"WHERE CAST({identifier(key)} AS TEXT) = {literal(value)};"
            )
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _key_of(cells: dict[str, CellChange], display: str, record: int) -> str:
    key = next(iter(cells.values())).key
    if key is None:
        raise UsageError(f"{display}: record {record} has no key value; it cannot be named in an update")
    return key
