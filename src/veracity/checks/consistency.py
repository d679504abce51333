"""Consistency: do the fields of one record agree with each other?"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field, field_validator

from veracity.checks.base import CheckContext, CheckParams, register
from veracity.vocabulary import Dimension


class ExpressionParams(CheckParams):
    sql_params: ClassVar[tuple[str, ...]] = ("expr",)
    expr: str = Field(
        description="A boolean SQL expression over fields; true means the record is consistent (docs/sql.md)."
    )

    @field_validator("expr")
    @classmethod
    def _valid_sql(cls, value: str) -> str:
        from veracity.sql import SqlError, parse_sql

        try:
            parse_sql(value)
        except SqlError as exc:
            raise ValueError(str(exc)) from None
        return value


@register("expression", Dimension.CONSISTENCY, ExpressionParams, message="violates {expr}")
def expression(params: ExpressionParams, ctx: CheckContext) -> pl.Expr:
    """A SQL condition over the fields of each record holds.

    What it checks
    ``expr`` is a boolean SQL expression over the record's fields: comparisons, AND/OR/NOT,
    IN, BETWEEN, LIKE/ILIKE, CASE, CAST, arithmetic, ``||`` and a few functions (lower, upper,
    length, trim, substr, concat, coalesce, nullif, abs, round, year, month, day,
    current_date). Fields read as their type: declared under ``fields:`` (``type:``), inferred
    from the values otherwise; a literal compared with a typed field is read as that type. A
    value that is not of its field's type fails the record, with a message naming the field.
    Records where a field it reads is missing are not evaluated. The SQL is translated into
    polars expressions from its syntax tree, never run by a database or as Python; anything
    that could read beyond the record (subqueries, table functions, aggregates) is refused.
    See docs/sql.md.

    Why it matters
    Each field can be valid on its own while the record is impossible: a sign-up after the
    last update, a US customer without a state, a business customer without a company name.

    Example
        - {id: signup-first, check: expression, expr: "signup_date <= last_updated"}
    """
    # The engine compiles SQL checks itself, over typed columns all rules share; this is the
    # same translation for a caller that builds the check alone.
    from veracity.checks.typed import TypedFields, context_field_types
    from veracity.sql import compile_sql, sql_fields

    fields = TypedFields(ctx, context_field_types(ctx, sql_fields(params.expr)), staged=False)
    return compile_sql(params.expr, fields.reader).verdict()
