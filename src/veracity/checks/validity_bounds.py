"""Validity checks on bounds: numbers and dates within a range, dates in a format, text
within a length. Declared beside :mod:`veracity.checks.validity` (which imports this module,
so importing either registers them); split off to keep each module readable.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from pydantic import Field, field_validator, model_validator

from veracity.checks.base import CheckContext, FieldParams, register
from veracity.checks.timeliness import verdict_dates, verdict_is_date
from veracity.checks.typed import field_dates
from veracity.text.dates import validate_format
from veracity.vocabulary import Dimension

__all__ = ["DateParams", "LengthParams", "RangeParams"]

_FIELD_DESCRIPTION = "The field whose values are checked."

# ---------------------------------------------------------------------------------------------
# date formats (date and range)


def _format_problem(fmt: str) -> str | None:
    return validate_format(fmt)


def _checked_format(value: str | None) -> str | None:
    if value is not None:
        problem = _format_problem(value)
        if problem is not None:
            raise ValueError(problem)
    return value


_FORMAT_DESCRIPTION = (
    "strftime format of the values, e.g. '%d.%m.%Y'; when omitted, the field's declared format, "
    "else ISO 8601 (2024-03-01, 20240301, or a date-time)."
)

# ---------------------------------------------------------------------------------------------
# range

_TODAY = re.compile(r"today(?:([+-])([0-9]+)([dwmy]))?")
#: Largest offset per unit: keeps any audit date between years 1000 and 9000 inside the
#: calendar, so a bound can always be resolved.
_MAX_OFFSET = {"d": 99_999, "w": 9_999, "m": 9_999, "y": 999}
_BOUND_HELP = "a number, a date 'YYYY-MM-DD', 'today' or an offset such as 'today-30d' (d, w, m, y)"


def _bound(value: Any) -> Any:
    """Normalise one range bound; ValueError for anything that is not a usable bound."""
    if value is None:
        return None
    if isinstance(value, bool):  # YAML reads yes/no/true as booleans; never a bound
        raise ValueError(f"must be {_BOUND_HELP}")
    if isinstance(value, int | float):
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float, which values are compared as
            finite = False
        if not finite:
            raise ValueError("must be a finite number")
        return value
    if isinstance(value, datetime):  # YAML reads '2024-01-01 10:00' as a datetime
        raise ValueError("must be a date without a time, e.g. 2024-01-01")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = re.sub(r"\s+", "", value).lower()
        match = _TODAY.fullmatch(text)
        if match:
            if match.group(3) and int(match.group(2)) > _MAX_OFFSET[match.group(3)]:
                raise ValueError(f"offset too large in {value!r}")
            return text
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a calendar date") from None
    raise ValueError(f"must be {_BOUND_HELP}; got {value!r}")


def _shift(day: date, sign: int, amount: int, unit: str) -> date:
    """``day`` moved by ``amount`` units; months and years keep the day of month, clamped to the
    month's length (2024-01-31 + 1 month = 2024-02-29)."""
    if unit in "dw":
        days = sign * amount * (7 if unit == "w" else 1)
        if not date.min.toordinal() <= day.toordinal() + days <= date.max.toordinal():
            return date.min if days < 0 else date.max
        return day + timedelta(days=days)
    months = day.year * 12 + day.month - 1 + sign * amount * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    month += 1
    # An audit date near either end of the calendar (--as-of 0001-01-01) moves a bound past
    # it: the bound stops at the calendar's first or last day instead of failing the audit.
    if not date.min.year <= year <= date.max.year:
        return date.min if year < date.min.year else date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _resolve_date(bound: date | str, as_of: date) -> date:
    """A date bound as a date: fixed dates as they are, 'today[+-]N<unit>' from ``as_of``."""
    if isinstance(bound, date):
        return bound
    match = _TODAY.fullmatch(bound)
    if match is None:  # cannot happen after validation; refuse rather than compare to nothing
        raise ValueError(f"not a date bound: {bound!r}")
    if not match.group(1):
        return as_of
    return _shift(as_of, 1 if match.group(1) == "+" else -1, int(match.group(2)), match.group(3))


def _bound_expr(bound: int | float | date | str, as_of: date) -> pl.Expr:
    """A bound as a literal to compare with: Float64 for numbers, Date otherwise."""
    if isinstance(bound, int | float):
        return pl.lit(float(bound), dtype=pl.Float64)
    return pl.lit(_resolve_date(bound, as_of), dtype=pl.Date)


def _bound_text(bound: int | float | date | str, as_of: date) -> str:
    """A bound as failure messages show it: '0.5', '2024-01-01', '2024-05-31 (today-30d)'."""
    if isinstance(bound, int | float | date):
        return str(bound)
    return f"{_resolve_date(bound, as_of).isoformat()} ({bound})"


class RangeParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    min: int | float | date | str | None = Field(
        None,
        description=(
            "Lowest allowed value: a number, a date 'YYYY-MM-DD', 'today' (the audit date) or an "
            "offset from it such as 'today-30d' or 'today+1y' (units d, w, m, y)."
        ),
    )
    max: int | float | date | str | None = Field(
        None, description="Highest allowed value, written like min. Give min, max or both."
    )
    inclusive: bool = Field(True, description="Whether values equal to min or max are allowed.")
    format: str | None = Field(None, description=f"For date bounds: {_FORMAT_DESCRIPTION}")

    @field_validator("min", "max", mode="before")
    @classmethod
    def _usable_bound(cls, value: Any) -> Any:
        return _bound(value)

    @field_validator("format")
    @classmethod
    def _usable_format(cls, value: str | None) -> str | None:
        return _checked_format(value)

    @model_validator(mode="after")
    def _consistent(self) -> RangeParams:
        given = [bound for bound in (self.min, self.max) if bound is not None]
        if not given:
            raise ValueError("give min, max or both")
        numeric = [isinstance(bound, int | float) for bound in given]
        if len(set(numeric)) > 1:
            raise ValueError("min and max must both be numbers or both be dates")
        if self.format is not None and numeric[0]:
            raise ValueError("format applies to date bounds only")
        low, high = self.min, self.max
        # Offsets from today are not compared: their order can depend on the audit date.
        if (isinstance(low, int | float) and isinstance(high, int | float) and low > high) or (
            isinstance(low, date) and isinstance(high, date) and low > high
        ):
            raise ValueError(f"min ({low}) is greater than max ({high})")
        return self

    @property
    def is_date_range(self) -> bool:
        bound = self.min if self.min is not None else self.max
        return not isinstance(bound, int | float)


def _range_parts(
    params: RangeParams, ctx: CheckContext, *, verdict: bool = False
) -> tuple[pl.Expr, str, list[tuple[pl.Expr, str]]]:
    """The value as a number or date (null when it is none), what to call a value that is not
    one, and per given bound: (the value respects it, why a value that does not fails). For the
    ``verdict``, dates are the column every verdict reading the field's dates shares."""
    if params.is_date_range:
        dates = verdict_dates if verdict else field_dates
        value = dates(ctx, params.field, params.format)
        fmt = params.format or ctx.date_formats.get(params.field)
        unreadable = f"not a date in format {fmt}" if fmt else "not an ISO 8601 date"
        words = ("before", "not after", "after", "not before")
    else:
        number = pl.col(params.field).cast(pl.Float64, strict=False)
        # "nan", "inf" and overflowing literals cast to non-finite floats: not usable numbers.
        value = pl.when(number.is_finite()).then(number)
        unreadable = "not a number"
        words = ("less than", "not greater than", "greater than", "not less than")
    limits: list[tuple[pl.Expr, str]] = []
    if params.min is not None:
        low, shown = _bound_expr(params.min, ctx.as_of), _bound_text(params.min, ctx.as_of)
        respected = (value >= low) if params.inclusive else (value > low)
        limits.append((respected, f"{words[0] if params.inclusive else words[1]} {shown}"))
    if params.max is not None:
        high, shown = _bound_expr(params.max, ctx.as_of), _bound_text(params.max, ctx.as_of)
        respected = (value <= high) if params.inclusive else (value < high)
        limits.append((respected, f"{words[2] if params.inclusive else words[3]} {shown}"))
    return value, unreadable, limits


def _range_message(params: RangeParams, ctx: CheckContext) -> pl.Expr:
    value, unreadable, limits = _range_parts(params, ctx)
    message: pl.Expr = pl.lit("not within the allowed range")
    for respected, why in reversed(limits):
        message = pl.when(respected.not_()).then(pl.lit(why)).otherwise(message)
    return pl.when(value.is_null()).then(pl.lit(unreadable)).otherwise(message)


@register(
    "range",
    Dimension.VALIDITY,
    RangeParams,
    message="not within the allowed range",
    explain=_range_message,
)
def range_(params: RangeParams, ctx: CheckContext) -> pl.Expr:
    """The value is a number or date between a lower and/or an upper bound.

    What it checks
    With number bounds, the value must be a finite decimal number (``12``, ``-3.5``, ``1e3``)
    within the bounds; with date bounds (``2024-01-01``, ``today``, ``today-18y``), it must be a
    date in ``format`` (or the field's declared format, else ISO 8601) within them. ``today`` is
    the audit date. A value that is not a number or date fails. Bounds are included unless
    ``inclusive`` is false.

    Why it matters
    Negative quantities, ages of 250 years and birth dates in the future are typing or
    conversion errors that distort every total, average and eligibility rule built on them.

    Example
        - {id: birth-date-plausible, check: range, field: birth_date, min: 1900-01-01, max: today}
    """
    value, _, _ = _range_parts(params, ctx, verdict=True)
    low = None if params.min is None else _bound_expr(params.min, ctx.as_of)
    high = None if params.max is None else _bound_expr(params.max, ctx.as_of)
    # One comparison, so the value (a per-record look-up for dates) is read once.
    if low is not None and high is not None:
        within = value.is_between(low, high, closed="both" if params.inclusive else "none")
    elif low is not None:
        within = value >= low if params.inclusive else value > low
    else:
        assert high is not None  # the params validator requires min or max
        within = value <= high if params.inclusive else value < high
    # A value that is no number/date leaves the comparison null; that is a failure, not a skip.
    return within.fill_null(False)


# ---------------------------------------------------------------------------------------------
# date


class DateParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    format: str | None = Field(None, description=_FORMAT_DESCRIPTION)

    @field_validator("format")
    @classmethod
    def _usable_format(cls, value: str | None) -> str | None:
        return _checked_format(value)


@register("date", Dimension.VALIDITY, DateParams, message="not a valid date")
def date_(params: DateParams, ctx: CheckContext) -> pl.Expr:
    """The value is a real calendar date in the expected format.

    What it checks
    The value parses as a date with ``format`` (strftime, e.g. ``%d.%m.%Y``), else with the
    field's declared format, else as ISO 8601 (``2024-03-01``, ``20240301`` or a date-time).
    Impossible dates (``2023-02-29``, ``31.04.2024``) and values with surrounding spaces fail.

    Why it matters
    Dates that do not parse become nulls in every downstream system, and mixed formats
    (``03/04/2024``) are silently read as the wrong day.

    Example
        - {id: signup-date-format, check: date, field: signup_date, format: '%d.%m.%Y'}
    """
    return verdict_is_date(ctx, params.field, params.format)


# ---------------------------------------------------------------------------------------------
# length


#: Most characters a length bound may name: polars compares lengths as 32-bit counts, and
#: larger literals do not fit its integer types.
_MAX_LENGTH = 2**32 - 1


class LengthParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    min: int | None = Field(None, ge=0, le=_MAX_LENGTH, strict=True, description="Fewest characters allowed.")
    max: int | None = Field(
        None, ge=0, le=_MAX_LENGTH, strict=True, description="Most characters allowed. Give min, max or both."
    )

    @model_validator(mode="after")
    def _bounds(self) -> LengthParams:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


def _length_message(params: LengthParams, ctx: CheckContext) -> pl.Expr:
    count = pl.col(params.field).str.len_chars()
    message: pl.Expr = pl.lit("length outside the allowed range")
    if params.max is not None:
        message = (
            pl.when(count > params.max)
            .then(pl.lit(f"longer than {params.max} characters"))
            .otherwise(message)
        )
    if params.min is not None:
        message = (
            pl.when(count < params.min)
            .then(pl.lit(f"shorter than {params.min} characters"))
            .otherwise(message)
        )
    return message


@register(
    "length",
    Dimension.VALIDITY,
    LengthParams,
    message="length outside the allowed range",
    explain=_length_message,
)
def length(params: LengthParams, ctx: CheckContext) -> pl.Expr:
    """The value has an allowed number of characters.

    What it checks
    The number of characters (Unicode code points, so ``ü`` counts once) is at least ``min``
    and at most ``max``; spaces count.

    Why it matters
    Values longer than a target column are truncated on load, and values too short for their
    kind (a one-letter surname, a three-digit account number) are usually placeholders.

    Example
        - {id: last-name-length, check: length, field: last_name, min: 2, max: 60}
    """
    count = pl.col(params.field).str.len_chars()
    good = pl.lit(True)
    if params.min is not None:
        good = good & (count >= params.min)
    if params.max is not None:
        good = good & (count <= params.max)
    return good
