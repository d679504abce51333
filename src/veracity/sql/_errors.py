"""What SQL in a rule may be: its size limits and the error for SQL a rule cannot use.

Apart from the parser (:mod:`veracity.sql._front`), so that naming them does not import sqlglot.
"""

from __future__ import annotations

__all__ = ["MAX_CHARACTERS", "MAX_DEPTH", "MAX_NODES", "SqlError"]

#: Limits that keep parsing and compiling fast and the interpreter's stack safe; an expression
#: a person writes stays far below them (a 1,000-term OR has some 5,000 nodes).
MAX_CHARACTERS = 20_000
MAX_NODES = 10_000
#: Nesting of operations; a chain of ANDs or ORs counts as one level however long it is.
MAX_DEPTH = 64


class SqlError(ValueError):
    """SQL a rule cannot use; the message says why and how to fix it (never a data value)."""
