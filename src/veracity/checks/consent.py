"""Consent: customers who opted in need a recorded, valid consent."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field

from veracity.checks.base import CheckContext, CheckParams, register
from veracity.checks.typed import field_dates
from veracity.text.dates import DateFormat, parse_iso_date
from veracity.vocabulary import Dimension


class ConsentParams(CheckParams):
    field_params: ClassVar[tuple[str, ...]] = ("field", "opt_in_field")
    field: str = Field(description="The date on which consent was recorded.")
    opt_in_field: str = Field(description="The yes/no field saying the customer opted in.")
    max_age_days: int | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="Consent older than this many days before the audit date fails (at most 1,000,000).",
    )
    format: DateFormat = Field(
        None, description="strftime format of the consent dates; ISO 8601 when omitted."
    )


def _oldest(ctx: CheckContext, days: int) -> pl.Expr:
    # Worked out by polars, whose dates reach before year 1: --as-of 0001-01-01 would
    # overflow Python's date arithmetic.
    return pl.lit(ctx.as_of) - pl.duration(days=days)


def _consent_parts(params: ConsentParams, ctx: CheckContext) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    value = pl.col(params.field)
    parsed = field_dates(ctx, params.field, params.format)
    opted_in = ctx.parse_bool(pl.col(params.opt_in_field))
    too_old = parsed < _oldest(ctx, params.max_age_days) if params.max_age_days is not None else pl.lit(False)
    return value, parsed, opted_in, too_old


def _opted_in_dates(params: ConsentParams, ctx: CheckContext, opted_in: pl.Expr) -> pl.Expr:
    """The consent dates of the records that opted in (null elsewhere): only those are judged.

    ISO dates are parsed record by record, so the others are masked out before the parse and
    cost nothing; a declared format is parsed once per distinct value of the whole field."""
    if (params.format or ctx.date_formats.get(params.field)) is not None:
        return field_dates(ctx, params.field, params.format)
    return parse_iso_date(pl.when(opted_in).then(pl.col(params.field)))


def _unknown_opt_in(params: ConsentParams, opted_in: pl.Expr) -> pl.Expr:
    """An opt-in that is present but no known yes/no spelling: nobody can tell whether the
    customer opted in, so the record cannot be shown to be compliant."""
    return pl.col(params.opt_in_field).is_not_null() & opted_in.is_null()


def _consent_message(params: ConsentParams, ctx: CheckContext) -> pl.Expr:
    value, parsed, opted_in, too_old = _consent_parts(params, ctx)
    # The value itself stays out of the message: messages are not masked, values are.
    unknown = (
        f"{params.opt_in_field}: a value that is no known yes/no spelling; "
        "add it under booleans: in the rule file"
    )
    return (
        pl.when(_unknown_opt_in(params, opted_in))
        .then(pl.lit(unknown))
        .when(value.is_null())
        .then(pl.lit("opted in without a recorded consent date"))
        .when(parsed.is_null())
        .then(pl.lit("consent date is not a date"))
        .when(parsed > pl.lit(ctx.as_of))
        .then(pl.lit("consent date is in the future"))
        .when(too_old)
        .then(pl.lit(f"consent older than {params.max_age_days} days"))
        .otherwise(pl.lit("consent not valid"))
    )


@register(
    "consent",
    Dimension.CONSENT,
    ConsentParams,
    message="opted in without a valid consent date",
    skips_missing=False,
    explain=_consent_message,
)
def consent(params: ConsentParams, ctx: CheckContext) -> pl.Expr:
    """A customer who opted in has a recorded consent date that is valid.

    What it checks
    Records whose ``opt_in_field`` is true are evaluated (true/yes/y/1 in any case, or the
    spellings under ``booleans:``). Those need a consent date that parses, is not after the
    audit date, and, when ``max_age_days`` is set, is not older than that. An opt-in that is
    no known yes/no spelling fails: whether the customer opted in cannot be told (add the
    spelling under ``booleans:``). Records that did not opt in, or whose opt-in is missing,
    are not evaluated.

    Why it matters
    Marketing to a customer without provable consent breaks GDPR, CAN-SPAM and similar law;
    the consent date is the proof an auditor asks for.

    Example
        - {id: consent-recorded, check: consent, field: consent_date, opt_in_field: marketing_opt_in}
    """
    # The opt-in is read once, as a column of the pass, wherever the verdict reads it.
    opted_in = ctx.staged(("yes/no", params.opt_in_field), ctx.parse_bool(pl.col(params.opt_in_field)))
    parsed = _opted_in_dates(params, ctx, opted_in)
    unknown = _unknown_opt_in(params, opted_in)
    # One comparison reads the parsed date once; a missing or unreadable date makes it null,
    # which fails.
    if params.max_age_days is not None:
        good = parsed.is_between(_oldest(ctx, params.max_age_days), pl.lit(ctx.as_of))
    else:
        good = parsed <= pl.lit(ctx.as_of)
    return pl.when(unknown).then(pl.lit(False)).when(opted_in.fill_null(False)).then(good.fill_null(False))
