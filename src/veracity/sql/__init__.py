"""SQL in rules (``when:`` and the ``expression`` check): parsed, held to an allow-list and
size limits, and translated into polars expressions over the record's typed fields.

See docs/sql.md for what users can write and how fields are typed.
"""

from veracity.sql._compile import compile_sql
from veracity.sql._front import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES, SqlError, parse_sql, sql_fields
from veracity.sql._types import Compiled, FieldReader, Kind, describe_kind

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
