"""Types for fields read by SQL (``when:`` and ``expression``).

Sources give text. SQL compares typed values, so each field a SQL expression reads is typed
once per audit (docs/sql.md):

- a type declared in the rule file (``fields: {NAME: {type: ...}}``) wins; a declared date
  ``format`` alone declares a date;
- otherwise the type is inferred from the values: integer or decimal when every present value
  is one and none has a leading zero (``01067`` is a code: text); a date when at least
  :data:`DATE_SHARE` of the present values, or all but one of three or more, are ISO dates (the
  rest are bad dates, and fail the rules that read them); yes/no when every present value is a
  known spelling; text otherwise.

Inference reads counts that add up over chunks (:class:`TypeCounts`), so the chunked audit
types every field exactly as the audit of the whole data does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from veracity.sql import Kind, describe_kind
from veracity.text.booleans import BooleanSpellings, parse_yes_no
from veracity.text.dates import parse_date

__all__ = [
    "DATE_SHARE",
    "FieldType",
    "TypeCounts",
    "declared_field_types",
    "infer_field_types",
    "parse_datetime",
]

#: Share of present values that must be dates for a field to be inferred as a date.
DATE_SHARE = 0.9

_DECLARED_KINDS: dict[str, Kind] = {
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "text": "string",
}
_LEADING_ZERO = r"^[+-]?0[0-9]"
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
)


def parse_datetime(expr: pl.Expr, fmt: str | None = None) -> pl.Expr:
    """A Datetime from text in ``fmt``, or ISO 8601 (a date alone is its midnight)."""
    text = expr.cast(pl.String)
    if fmt is not None:
        parsed = text.str.to_datetime(fmt, strict=False, time_unit="us")
    else:
        parsed = pl.coalesce(
            [text.str.to_datetime(f, strict=False, time_unit="us") for f in _DATETIME_FORMATS]
            + [text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))]
        )
    return pl.when(text.str.strip_chars() == text).then(parsed)


@dataclass(frozen=True)
class FieldType:
    kind: Kind
    format: str | None = None
    declared: bool = False

    def expr(self, name: str, booleans: BooleanSpellings) -> pl.Expr:
        """The typed column; a value that does not parse becomes null."""
        return typed_expr(pl.col(name), self.kind, self.format, booleans)

    def describe(self) -> str:
        origin = "declared" if self.declared else "inferred"
        if self.kind in ("date", "datetime"):
            how = f"format {self.format}" if self.format else "ISO 8601"
            return f"typed as {self.kind} ({how}, {origin}) for SQL expressions"
        return f"typed as {self.kind} ({origin}) for SQL expressions"

    def problem(self, name: str) -> str:
        """The finding's message where a value of the field is not of this type (no value in it)."""
        if self.kind in ("date", "datetime"):
            how = f"format {self.format}" if self.format else "ISO 8601"
            expected = f"{describe_kind(self.kind)} ({how})"
        elif self.kind == "boolean":
            expected = "a yes/no value (a spelling under booleans:)"
        else:
            expected = describe_kind(self.kind)
        return f"{name} is not {expected}, as SQL reads it"


def typed_expr(column: pl.Expr, kind: Kind, fmt: str | None, booleans: BooleanSpellings) -> pl.Expr:
    if kind == "integer":
        return column.cast(pl.Int64, strict=False)
    if kind == "decimal":
        return column.cast(pl.Float64, strict=False)
    if kind == "date":
        return parse_date(column, fmt)
    if kind == "datetime":
        return parse_datetime(column, fmt)
    if kind == "boolean":
        return parse_yes_no(column, booleans)
    return column


def declared_field_types(
    kinds: Mapping[str, str | None], date_formats: Mapping[str, str]
) -> dict[str, FieldType]:
    """Types the rule file declares: ``type``, or a date ``format`` alone."""
    declared: dict[str, FieldType] = {}
    for name in dict.fromkeys([*kinds, *date_formats]):
        kind = kinds.get(name)
        fmt = date_formats.get(name)
        if kind is not None:
            typed = _DECLARED_KINDS[kind]
            declared[name] = FieldType(typed, fmt if typed in ("date", "datetime") else None, declared=True)
        elif fmt is not None:
            declared[name] = FieldType("date", fmt, declared=True)
    return declared


_COUNTED: tuple[Kind, ...] = ("integer", "decimal", "date", "boolean")


@dataclass
class TypeCounts:
    """Per field: present values, and how many parse as each candidate type (sums over chunks)."""

    fields: list[str]
    booleans: BooleanSpellings
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, frame: pl.DataFrame) -> None:
        """Count ``frame``'s values (each distinct value parsed once)."""
        if not self.fields:
            return
        queries = []
        for name in self.fields:
            weight = pl.col("len")
            sums = [weight.sum().alias("present")]
            sums += [
                weight.filter(typed_expr(pl.col(name), kind, None, self.booleans).is_not_null())
                .sum()
                .alias(kind)
                for kind in _COUNTED
            ]
            sums.append(weight.filter(pl.col(name).str.contains(_LEADING_ZERO)).sum().alias("leading_zero"))
            distinct = frame.lazy().select(pl.col(name).cast(pl.String)).drop_nulls().group_by(name).len()
            queries.append(distinct.select(sums))
        for name, result in zip(self.fields, pl.collect_all(queries), strict=True):
            row = result.row(0, named=True)
            totals = self.counts.setdefault(name, {})
            for key, value in row.items():
                totals[key] = totals.get(key, 0) + int(value or 0)

    def field_type(self, name: str) -> FieldType:
        counts = self.counts.get(name, {})
        present = counts.get("present", 0)
        if not present:
            return FieldType("string")
        numeric_text = counts.get("leading_zero", 0) == 0
        if numeric_text and counts.get("integer", 0) == present:
            return FieldType("integer")
        if numeric_text and counts.get("decimal", 0) == present:
            return FieldType("decimal")
        dates = counts.get("date", 0)
        # One bad value among a few good dates is a bad date too, not a sign of free text.
        if dates >= DATE_SHARE * present or (present >= 3 and dates >= present - 1):
            return FieldType("date")
        if counts.get("boolean", 0) == present:
            return FieldType("boolean")
        return FieldType("string")


def infer_field_types(
    frame: pl.DataFrame,
    fields: Sequence[str],
    declared: Mapping[str, FieldType],
    booleans: BooleanSpellings,
) -> dict[str, FieldType]:
    """The type of every field in ``fields``: declared, else inferred from ``frame``."""
    undecided = [name for name in fields if name not in declared]
    counts = TypeCounts(undecided, booleans)
    counts.add(frame)
    return {name: declared[name] if name in declared else counts.field_type(name) for name in fields}
