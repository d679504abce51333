"""Timeliness: is the data recent enough to trust?"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from veracity.checks.base import CheckContext, FieldParams, register
from veracity.checks.typed import field_dates
from veracity.text.dates import DateFormat, is_iso_date, is_iso_date_from, iso_date_from, iso_parts
from veracity.vocabulary import Dimension

#: A bound on ``days`` (some 2,700 years) that keeps the cut-off date inside the calendar.
MAX_AGE_DAYS = 1_000_000


#: The horizons of a decay projection, in months after the audit date.
HORIZON_MONTHS = (3, 6, 12)


def horizon_days(months: int) -> int:
    """A horizon in whole days: a year is 365 days, three months 91."""
    return 365 * months // 12


class DecaySettings(BaseModel):
    """How fast records go stale when nobody updates them (``decay:``), for the projection of
    ``max_age`` rules; without it the projection reads the audit's own ages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    yearly_rate: float = Field(
        gt=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description="Share of records that go stale in a year, e.g. 0.3 for consumer and 0.7 for "
        "business contacts; compounded month by month.",
    )


class MaxAgeParams(FieldParams):
    field: str = Field(description="A date field, e.g. when the record was last updated.")
    days: int = Field(
        gt=0,
        le=MAX_AGE_DAYS,
        description="Maximum age in days before the audit date (--as-of), at most 1,000,000.",
    )
    format: DateFormat = Field(None, description="strftime format of the dates; ISO 8601 when omitted.")
    decay: DecaySettings | None = Field(
        None,
        description="Declared decay ({yearly_rate: 0.3}) the rule's projection uses instead of the "
        "audit's own ages; the rule file's top-level decay: when omitted.",
    )


def dated_message(ctx: CheckContext, field: str, fmt: str | None, not_a_date: str, otherwise: str) -> pl.Expr:
    """A failing record's message for a rule on a date field: ``not_a_date`` where the value does
    not parse as a date, ``otherwise`` where it does. An ISO value is told a date without reading
    its date (most failing records of a ``max_age`` rule are old dates, a million of them at times)."""
    if (fmt or ctx.date_formats.get(field)) is None:
        readable = is_iso_date(pl.col(field))
    else:
        readable = field_dates(ctx, field, fmt).is_not_null()
    return pl.when(readable).then(pl.lit(otherwise)).otherwise(pl.lit(not_a_date))


def verdict_dates(ctx: CheckContext, field: str, fmt: str | None) -> pl.Expr:
    """The field's dates for a rule's verdict or tally: a column the engine works out once
    (``CheckContext.staged``), so that every rule reading the field's dates (``max_age`` and
    ``not_in_future`` on one field, say) shares one parse. Not for messages, which are worked
    out on the failing records from the data's own fields (:func:`dated_message`)."""
    fmt = fmt or ctx.date_formats.get(field)
    if fmt is None:
        return ctx.staged(("dates", field, fmt), iso_date_from(pl.col(field), *_staged_iso_parts(ctx, field)))
    return ctx.staged(("dates", field, fmt), field_dates(ctx, field, fmt))


def verdict_is_date(ctx: CheckContext, field: str, fmt: str | None) -> pl.Expr:
    """Whether the field's value is a date, for a rule's verdict: for ISO dates the columns
    :func:`verdict_dates` reads its dates from, so a field only the ``date`` check reads is
    never read as dates, and one other rules read too is still judged once."""
    if (fmt or ctx.date_formats.get(field)) is None:
        return is_iso_date_from(*_staged_iso_parts(ctx, field))
    return verdict_dates(ctx, field, fmt).is_not_null()


def _staged_iso_parts(ctx: CheckContext, field: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The field's :func:`iso_parts` as columns the engine works out once."""
    dashed, compact, other = iso_parts(pl.col(field))
    return (
        ctx.staged(("iso dashed", field), dashed),
        ctx.staged(("iso compact", field), compact),
        ctx.staged(("iso other shapes", field), other),
    )


def within_days(ctx: CheckContext, field: str, fmt: str | None, days: int) -> pl.Expr:
    """True where the field is a date at most ``days`` days before the audit date; False where
    it is older or not a date."""
    parsed = verdict_dates(ctx, field, fmt)
    # The cut-off is worked out by polars, whose dates reach far before year 1: with an early
    # audit date (--as-of 0001-01-01) Python's date arithmetic would overflow.
    oldest = pl.lit(ctx.as_of) - pl.duration(days=days)
    # Not a date: the comparison is null, which fails.
    return (parsed >= oldest).fill_null(False)


def _age_message(params: MaxAgeParams, ctx: CheckContext) -> pl.Expr:
    return dated_message(ctx, params.field, params.format, "not a date", f"older than {params.days} days")


def _days_left(params: MaxAgeParams, ctx: CheckContext) -> pl.Expr:
    """Days until the record's date is older than the limit (negative: it is already; null: no
    date), for the verdict and the projection's tally: arithmetic on the shared dates column."""
    parsed = verdict_dates(ctx, params.field, params.format)
    # The cut-off is worked out by polars, whose dates reach far before year 1 (see within_days).
    return (parsed - (pl.lit(ctx.as_of) - pl.duration(days=params.days))).dt.total_days()


def _ages_out(params: MaxAgeParams, ctx: CheckContext) -> pl.Expr:
    """The first horizon (months) by which a record will be older than the limit if nobody
    updates it; null beyond the last. The engine counts them over the records that pass
    today."""
    days_left = _days_left(params, ctx)
    label: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for months in reversed(HORIZON_MONTHS):
        # A record with exactly 91 days left is still within the limit in 3 months.
        label = (
            pl.when(days_left < horizon_days(months)).then(pl.lit(months, dtype=pl.Int32)).otherwise(label)
        )
    return label


def aged_out(tallies: Mapping[str, int], months: int) -> int:
    """Of the records passing today, those too old ``months`` after the audit date (a horizon
    of :data:`HORIZON_MONTHS`), from a max_age rule's tallies."""
    return sum(tallies.get(str(horizon), 0) for horizon in HORIZON_MONTHS if horizon <= months)


@register(
    "max_age",
    Dimension.TIMELINESS,
    MaxAgeParams,
    message="older than {days} days",
    explain=_age_message,
    tally=_ages_out,
)
def max_age(params: MaxAgeParams, ctx: CheckContext) -> pl.Expr:
    """The date is no older than N days before the audit date.

    What it checks
    The field parses as a date (``format``, a ``fields:`` declaration, or ISO 8601) and lies
    at most ``days`` days before the audit date (``--as-of``, default today). A value that is
    not a date fails; a missing value is left to completeness.

    Every report projects the share of records expected to fail the rule in 3, 6 and 12
    months if nothing is updated: from the audit's own ages (basis "observed": today's
    failures plus the records that pass today and will be older than ``days`` by then), or,
    with ``decay: {yearly_rate: 0.3}`` on the rule or at the top of the rule file, from that
    yearly rate compounded monthly (basis "declared").

    Why it matters
    Customer data decays: people move, change e-mail and employer. A record nobody touched
    for two years is likely stale, and mailing it costs money and reputation.

    Example
        - {id: fresh, check: max_age, field: last_updated, days: 730, severity: warning}
    """
    # Not a date: null, which fails.
    return (_days_left(params, ctx) >= 0).fill_null(False)


class NotInFutureParams(FieldParams):
    field: str = Field(description="A date field that cannot lie ahead of the audit date.")
    format: DateFormat = Field(None, description="strftime format of the dates; ISO 8601 when omitted.")


def _future_message(params: NotInFutureParams, ctx: CheckContext) -> pl.Expr:
    return dated_message(ctx, params.field, params.format, "not a date", "date in the future")


@register(
    "not_in_future",
    Dimension.TIMELINESS,
    NotInFutureParams,
    message="date in the future",
    explain=_future_message,
)
def not_in_future(params: NotInFutureParams, ctx: CheckContext) -> pl.Expr:
    """The date is not after the audit date.

    What it checks
    The field parses as a date and is on or before the audit date (``--as-of``, default
    today). A value that is not a date fails; a missing value is left to completeness.

    Why it matters
    A last-updated or sign-up date in the future is a clock or entry error, and it makes
    staleness look better than it is.

    Example
        - {id: updated-not-future, check: not_in_future, field: last_updated}
    """
    parsed = verdict_dates(ctx, params.field, params.format)
    # Not a date: the comparison is null, which fails.
    return (parsed <= pl.lit(ctx.as_of)).fill_null(False)
