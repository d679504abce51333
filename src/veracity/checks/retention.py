"""Retention: records kept longer than the purpose they were collected for allows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import Field

from veracity.checks.base import CheckContext, FieldParams, register
from veracity.checks.timeliness import dated_message, within_days
from veracity.text.dates import DateFormat
from veracity.vocabulary import Dimension

#: The same bound as ``max_age``: the cut-off date stays inside the calendar.
MAX_RETENTION_DAYS = 1_000_000


class RetentionParams(FieldParams):
    field: str = Field(description="The date the retention period runs from, e.g. the last purchase.")
    days: int | None = Field(
        None,
        gt=0,
        le=MAX_RETENTION_DAYS,
        description="Retention period in days before the audit date (--as-of); the field's "
        "retention_days under fields: when omitted.",
    )
    format: DateFormat = Field(None, description="strftime format of the dates; ISO 8601 when omitted.")

    def with_fields(self, fields: Mapping[str, Any], read: frozenset[str]) -> RetentionParams:
        if self.days is not None:
            return self
        declared = fields.get(self.field)
        days = getattr(declared, "retention_days", None)
        if days is None:
            raise ValueError(
                f"retention of '{self.field}' needs a period: add days: N to the rule, or "
                f"fields: {{{self.field}: {{retention_days: N}}}} to the rule file "
                f"(--set fields.{self.field}.retention_days=N)"
            )
        return self.model_copy(update={"days": days})

    @property
    def period(self) -> int:
        """The retention period, completed from ``fields:`` when the rule file was loaded."""
        if self.days is None:
            raise RuntimeError("retention parameters used before with_fields() completed them")
        return self.days


def _retention_message(params: RetentionParams, ctx: CheckContext) -> pl.Expr:
    return dated_message(
        ctx,
        params.field,
        params.format,
        "not a date: its retention period cannot be told",
        f"kept longer than its retention period of {params.period} days",
    )


@register(
    "retention",
    Dimension.PRIVACY,
    RetentionParams,
    message="kept longer than its retention period",
    explain=_retention_message,
)
def retention(params: RetentionParams, ctx: CheckContext) -> pl.Expr:
    """Records are not kept longer than their field's retention period.

    What it checks
    The field parses as a date (``format``, a ``fields:`` declaration, or ISO 8601) and lies
    at most ``days`` days before the audit date (``--as-of``, default today); a record whose
    date is older is past its retention period. ``days`` defaults to the field's
    ``retention_days`` under ``fields:``, so the period is declared once, next to the field's
    ``purpose:`` (``fields: {last_purchase: {retention_days: 1095}}`` and
    ``{check: retention, field: last_purchase}``). A value that is not a date fails (its age cannot be told); a missing value is
    left to completeness. The day exactly ``days`` before the audit date is still kept.

    Why it matters
    Data protection law (GDPR Art. 5(1)(e), storage limitation) allows personal data to be
    kept only as long as its purpose needs; customers who have not bought for years must be
    deleted or anonymised, and an auditor asks for the proof.

    Example
        - {id: lead-retention, check: retention, field: lead_created, days: 365}
    """
    return within_days(ctx, params.field, params.format, params.period)
