"""SQL in rules (``when:`` and the ``expression`` check): parsed, held to an allow-list and
size limits, and translated into polars expressions over the record's typed fields.

See docs/sql.md for what users can write and how fields are typed. The parser (sqlglot) is
imported by the first call that parses: most audits have no SQL, and a start-up should not pay
for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity.sql._errors import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES, SqlError
from veracity.sql._types import Compiled, FieldReader, Kind, describe_kind

if TYPE_CHECKING:
    from sqlglot import exp

__all__ = [
    "MAX_CHARACTERS",
    "MAX_DEPTH",
    "MAX_NODES",
    "Compiled",
    "FieldReader",
    "Kind",
    "SqlError",
    "compile_sql",
    "describe_kind",
    "parse_sql",
    "sql_fields",
]


def parse_sql(sql: str) -> exp.Expression:
    """The checked syntax tree of ``sql``; SqlError when it is not an allowed expression."""
    from veracity.sql._front import parse_sql as parse

    return parse(sql)


def sql_fields(sql: str) -> list[str]:
    """The fields ``sql`` reads, in order of first mention (SqlError if it is not allowed)."""
    from veracity.sql._front import sql_fields as fields

    return fields(sql)


def compile_sql(sql: str, reader: FieldReader) -> Compiled:
    """Translate ``sql`` (checked by :func:`parse_sql`) into a Boolean polars expression."""
    from veracity.sql._compile import compile_sql as compile_

    return compile_(sql, reader)
