"""Completeness: is the data there at all?"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field

from veracity.checks.base import (
    CheckContext,
    CheckParams,
    DatasetFailure,
    DatasetOutcome,
    FieldParams,
    register,
)
from veracity.vocabulary import Dimension


class NotNullParams(FieldParams):
    field: str = Field(description="The field that must have a value.")


@register("not_null", Dimension.COMPLETENESS, NotNullParams, message="missing value", skips_missing=False)
def not_null(params: NotNullParams, ctx: CheckContext) -> pl.Expr:
    """Every record has a value in the field.

    What it checks
    The field is present and not missing. Empty and whitespace-only values, and the configured
    null markers (``null_markers:`` globally or per source, e.g. "n/a", "-"), count as missing.

    Why it matters
    A customer without an e-mail address cannot be reached by a campaign; a record without a
    country cannot be routed to the right team. Completeness is usually the first KPI an
    analyst is asked for.

    Example
        - {id: email-present, check: not_null, field: email, threshold: 0.97}
    """
    return pl.col(params.field).is_not_null()


class RequiredColumnsParams(CheckParams):
    # These name fields that may be absent: that is what the check reports, so they are not
    # validated against the sources.
    field_params: ClassVar[tuple[str, ...]] = ()
    fields: list[str] = Field(min_length=1, description="Fields every source must provide.")


@register(
    "required_columns",
    Dimension.COMPLETENESS,
    RequiredColumnsParams,
    message="column missing from the source",
    reads="dataset",
    skips_missing=False,
)
def required_columns(params: RequiredColumnsParams, ctx: CheckContext) -> DatasetOutcome:
    """Every source provides the listed columns.

    What it checks
    Each listed field is a column of every source file (after the renames in ``sources:``).
    One evaluation per source and field; a finding names the source that lacks the column.

    Why it matters
    An export job that silently drops a column produces files that look fine but carry no
    data for it; with several monthly files, one broken month hides in the total.

    Example
        - {id: core-columns, check: required_columns, fields: [customer_id, email, country]}
    """
    failures = [
        DatasetFailure(source.index, f"column '{name}' missing from the source", field=name)
        for source in ctx.data.sources
        for name in params.fields
        if name not in ctx.data.fields_of(source.index)
    ]
    return DatasetOutcome(evaluated=len(ctx.data.sources) * len(params.fields), failures=failures)
