"""Types for fields read by SQL (``when:`` and ``expression``).

Sources give text. SQL compares typed values, so each field a SQL expression reads is typed
once per audit: a declared date ``format`` wins; otherwise the narrowest type that every
non-missing value of the field parses as (integer, decimal, ISO date, yes/no), else text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from veracity.checks._dates import parse_date
from veracity.checks.base import BooleanSpellings, parse_yes_no

__all__ = ["FieldType", "infer_field_types"]

Kind = Literal["string", "integer", "decimal", "date", "boolean"]


@dataclass(frozen=True)
class FieldType:
    kind: Kind
    format: str | None = None
    declared: bool = False

    def expr(self, name: str, booleans: BooleanSpellings) -> pl.Expr:
        """The typed column; a value that does not parse becomes null (missing)."""
        column = pl.col(name)
        if self.kind == "integer":
            return column.cast(pl.Int64, strict=False)
        if self.kind == "decimal":
            return column.cast(pl.Float64, strict=False)
        if self.kind == "date":
            return parse_date(column, self.format)
        if self.kind == "boolean":
            return parse_yes_no(column, booleans)
        return column

    def describe(self) -> str:
        if self.kind == "date":
            how = f"format {self.format}" if self.format else "ISO 8601"
            origin = "declared" if self.declared else "inferred"
            return f"typed as date ({how}, {origin}) for SQL expressions"
        return f"typed as {self.kind} (inferred) for SQL expressions"


_CANDIDATES: tuple[Kind, ...] = ("integer", "decimal", "date", "boolean")


def infer_field_types(
    frame: pl.DataFrame,
    fields: Sequence[str],
    date_formats: dict[str, str],
    booleans: BooleanSpellings,
) -> dict[str, FieldType]:
    """Type every field in ``fields`` from its distinct values (one query per field, run together)."""
    types: dict[str, FieldType] = {}
    undecided = []
    for name in fields:
        if name in date_formats:
            types[name] = FieldType("date", date_formats[name], declared=True)
        else:
            undecided.append(name)
    if not undecided:
        return types
    # Whether every present value parses is decided on the distinct values: far fewer.
    queries = []
    for name in undecided:
        counts = [pl.len().alias("present")]
        for candidate in _CANDIDATES:
            typed = FieldType(candidate).expr(name, booleans)
            counts.append(typed.is_not_null().sum().alias(candidate))
        queries.append(frame.lazy().select(pl.col(name).drop_nulls().unique()).select(counts))
    rows = {
        name: result.row(0, named=True)
        for name, result in zip(undecided, pl.collect_all(queries), strict=True)
    }
    for name in undecided:
        present = rows[name]["present"]
        kind: Kind = "string"
        if present:
            kind = next((k for k in _CANDIDATES if rows[name][k] == present), "string")
        types[name] = FieldType(kind)
    return types
