"""Uniqueness: is each customer in the data once?"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field, model_validator

from veracity.checks.base import CheckContext, CheckParams, register
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL
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


#: Fixed, so that the grouping, and any collision, is the same on every run.
_HASH_SEED = 0x5EED


def _group_hash(key: pl.Expr) -> pl.Expr:
    return key.hash(_HASH_SEED)


def _first_rows(params: UniqueParams, ctx: CheckContext) -> pl.Series:
    """Per record, the position of the first record with the same key (rows are numbered in
    file order), shared by the verdict and the message.

    Records are grouped by a 64-bit hash of the key, several times faster than grouping the
    strings. Equal keys always share a hash; two different keys sharing one would join their
    groups, so each record's key is compared with its group's first, and should any differ the
    grouping is redone on the keys themselves. The result is exact either way.
    """

    def compute() -> pl.Series:
        frame = ctx.data.frame
        key = _key(params)
        grouped = frame.select(pl.col(ROW_ID).min().over(_group_hash(key)).alias("first"), key.alias("key"))
        # Only a record that is not its group's first can disagree with the first's key.
        later = grouped.filter(pl.col("first") != pl.int_range(pl.len(), dtype=pl.UInt32))
        firsts = grouped.get_column("key").gather(later.get_column("first"))
        if not later.get_column("key").eq_missing(firsts).all():
            grouped = frame.select(pl.col(ROW_ID).min().over(key).alias("first"))
        return grouped.get_column("first")

    return ctx.memo(("unique", tuple(params.fields), params.trim, params.ignore_case), compute)


def _duplicate_message(params: UniqueParams, ctx: CheckContext) -> pl.Expr:
    # Where each record's first lies, per record (cheap integer gathers), read by ROW_ID: the
    # message can then be worked out for the failing records alone.
    first = _first_rows(params, ctx)
    frame, row = ctx.data.frame, pl.col(ROW_ID)
    line = pl.lit(frame.get_column(LINE_COL).gather(first)).gather(row).cast(pl.String)
    sources = ctx.data.sources
    if len(sources) == 1:
        return pl.concat_str([pl.lit(f"duplicate of the record at {sources[0].path}:"), line])
    paths = {source.index: source.path for source in sources}
    source = pl.lit(frame.get_column(SOURCE_COL).gather(first)).gather(row)
    return pl.concat_str(
        [
            pl.lit("duplicate of the record at "),
            source.replace_strict(paths, return_dtype=pl.String),
            pl.lit(":"),
            line,
        ]
    )


@register(
    "unique",
    Dimension.UNIQUENESS,
    UniqueParams,
    message="duplicate of an earlier record",
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
    return pl.lit(_first_rows(params, ctx)) == pl.col(ROW_ID)
