"""Consistency: do the fields of one record agree with each other?"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field, field_validator

from veracity.checks.base import CheckContext, CheckParams, Dimension, register


class ExpressionParams(CheckParams):
    sql_params: ClassVar[tuple[str, ...]] = ("expr",)
    expr: str = Field(
        description="A boolean SQL expression over fields; true means the record is consistent."
    )

    @field_validator("expr")
    @classmethod
    def _valid_sql(cls, value: str) -> str:
        try:
            pl.sql_expr(value)
        except Exception as exc:  # polars raises several error types for bad SQL
            text = str(exc).strip()
            raise ValueError(
                f"invalid SQL expression: {text.splitlines()[0] if text else type(exc).__name__}"
            ) from None
        return value


@register("expression", Dimension.CONSISTENCY, ExpressionParams, message="violates {expr}")
def expression(params: ExpressionParams, ctx: CheckContext) -> pl.Expr:
    """A SQL condition over the fields of each record holds.

    What it checks
    ``expr`` is a boolean SQL expression (polars SQL: comparisons, AND/OR/NOT, IN, LIKE,
    BETWEEN, CASE, string and date functions). Fields are typed before it runs: a field whose
    values are all integers, decimals, ISO dates or yes/no compares as such; a ``fields:``
    format declares a date format. Records where a field it reads is missing are not
    evaluated. It is compiled by polars, never run as Python.

    Why it matters
    Each field can be valid on its own while the record is impossible: a sign-up after the
    last update, a US customer without a state, a business customer without a company name.

    Example
        - {id: signup-first, check: expression, expr: "signup_date <= last_updated"}
    """
    return pl.sql_expr(params.expr).cast(pl.Boolean)
