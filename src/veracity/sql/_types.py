"""The kinds of values SQL in rules computes with, and what the translator hands back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import polars as pl

__all__ = ["DTYPES", "NUMERIC", "Compiled", "FieldReader", "Kind", "Value", "ValueKind", "describe_kind"]

Kind = Literal["string", "integer", "decimal", "date", "datetime", "boolean"]
#: Kinds of intermediate values: a field's kinds, plus NULL and INTERVAL literals.
ValueKind = Literal["string", "integer", "decimal", "date", "datetime", "boolean", "null", "interval"]

NAMES: dict[str, str] = {
    "string": "text",
    "integer": "an integer",
    "decimal": "a decimal number",
    "date": "a date",
    "datetime": "a date-time",
    "boolean": "a yes/no value",
    "null": "NULL",
    "interval": "an interval",
}
DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "boolean": pl.Boolean(),
}
NUMERIC = ("integer", "decimal")


@dataclass
class FieldReader:
    """How the translator reads fields: their kinds and their typed columns."""

    kinds: Mapping[str, Kind]
    #: The field read as ``kind``: null where a present value does not parse.
    read: Callable[[str, Kind], pl.Expr]
    #: A yes/no literal's value under the rule file's ``booleans:`` (None: not a spelling).
    yes_no: Callable[[str], bool | None]
    as_of: date


@dataclass(frozen=True)
class Compiled:
    """A compiled condition: ``value`` is its Boolean (null when SQL says unknown); ``bad`` is
    true where a field it reads as a type holds a value of another (the record fails)."""

    value: pl.Expr
    bad: pl.Expr
    #: (field, kind) pairs read as a type: each makes the record fail where the value does not parse.
    checked: tuple[tuple[str, Kind], ...]

    def verdict(self) -> pl.Expr:
        """The condition with unparseable values failing: True, False, or null (unknown)."""
        if not self.checked:
            return self.value
        return pl.when(self.bad).then(pl.lit(False)).otherwise(self.value)


@dataclass(frozen=True)
class Value:
    """A typed intermediate value."""

    expr: pl.Expr
    kind: ValueKind
    #: The field a bare column reference names (its raw text is ``pl.col(field)``).
    field: str | None = None
    #: A string literal's text, or a number literal's text as written.
    text: str | None = None
    is_number: bool = False
    #: A literal's Python value once typed (for IN lists), when ``is_const``.
    const: Any = None
    is_const: bool = False
    #: An INTERVAL's polars duration, e.g. "30d".
    interval: str | None = None


def describe_kind(kind: str) -> str:
    return NAMES.get(kind, kind)
