"""Uniqueness: is each customer in the data once?"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field, model_validator

from veracity.checks.base import CheckContext, CheckParams, key_match, register
from veracity.vocabulary import Dimension


class UniqueParams(CheckParams):
    field_params: ClassVar[tuple[str, ...]] = ("fields",)
    fields: list[str] = Field(min_length=1, description="Field(s) whose combination must be unique.")
    trim: bool = Field(False, description="Compare with surrounding whitespace removed.")
    ignore_case: bool = Field(False, description="Compare case-insensitively.")

    @model_validator(mode="before")
    @classmethod
    def _single_field(cls, data: object) -> object:
        # `field: x` reads more naturally than `fields: [x]` for the common one-field key.
        if isinstance(data, dict) and "field" in data and "fields" not in data:
            data = dict(data)
            data["fields"] = [data.pop("field")]
        return data


def _key(params: UniqueParams) -> pl.Expr:
    parts = []
    for name in params.fields:
        part = pl.col(name)
        if params.trim:
            part = part.str.strip_chars()
        if params.ignore_case:
            part = part.str.to_lowercase()
        parts.append(part.alias(name))
    # A one-field key is grouped as itself: hashing a struct of one column costs more.
    return parts[0] if len(parts) == 1 else pl.struct(parts)


def _duplicate_message(params: UniqueParams, ctx: CheckContext) -> pl.Expr:
    match = key_match(_key(params))
    line = match.line.cast(pl.String)
    sources = ctx.data.sources
    # A file's record is at path:line; a database table has no lines, only the row's ordinal.
    at = {
        source.index: f"{source.path} row " if source.position_kind == "key" else f"{source.path}:"
        for source in sources
    }
    if len(sources) == 1:
        return pl.concat_str([pl.lit(f"duplicate of the record at {at[sources[0].index]}"), line])
    return pl.concat_str(
        [pl.lit("duplicate of the record at "), match.source.replace_strict(at, return_dtype=pl.String), line]
    )


@register(
    "unique",
    Dimension.UNIQUENESS,
    UniqueParams,
    message="duplicate of an earlier record",
    reads="key",
    key=_key,
    explain=_duplicate_message,
)
def unique(params: UniqueParams, ctx: CheckContext) -> pl.Expr:
    """No two records share the same value (or combination of values).

    What it checks
    Records are grouped by the listed fields (optionally trimmed and case-folded). The first
    record of each group passes; every later one fails and names the first one's source and
    line. Records with a missing key field are not evaluated. Near-duplicates (typos,
    reformatting) are the ``duplicates`` check's business.

    Why it matters
    A customer entered twice gets every letter twice, splits purchase history and loyalty
    points across two accounts, and counts twice in every KPI.

    Example
        - {id: one-record-per-email, check: unique, fields: [email], trim: true, ignore_case: true}
    """
    # The engine groups the whole data (every partition) by the key: the records that are not
    # the first of their key fail.
    return key_match(_key(params)).first
