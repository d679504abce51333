"""Date parsing shared by every check that reads dates.

ISO 8601 is accepted in its common calendar-date shapes: ``2024-03-01``, ``20240301``, and a
date with a time (``T`` or space separator, optional seconds, fractions and UTC offset). A
value with an offset is converted to UTC before its date is taken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import polars as pl
from pydantic import AfterValidator

_NAIVE_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
_AWARE_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
)


# chrono's %Y/%m/%d accept unpadded and short numbers ("24-3-1"); ISO 8601 does not.
_ISO_SHAPE = (
    r"^(?:[0-9]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$"
)

# A year of the Gregorian calendar with a 29 February: divisible by 4, not by 100 unless by 400.
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"


def _calendar_day(sep: str) -> str:
    """Four-digit year, month and day (separated by ``sep``) of a day that exists."""
    return (
        rf"(?:[0-9]{{4}}{sep}(?:(?:0[1-9]|1[0-2]){sep}(?:0[1-9]|1[0-9]|2[0-8])"
        rf"|(?:0[13-9]|1[0-2]){sep}(?:29|30)|(?:0[13578]|1[02]){sep}31)"
        rf"|{_LEAP_YEAR}{sep}02{sep}29)"
    )


# The common shapes, read without a parser's failure: a calendar day that exists, dashed and
# with a time to the minute or second (``T`` or space; chrono reads second 60 as a leap second,
# which ends the minute), or as eight digits. A value of length 8, 10, 16 or 19 that these do
# not match is not a date in any ISO format.
_DASHED = rf"^{_calendar_day('-')}(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::(?:[0-5][0-9]|60))?)?$"
_COMPACT = rf"^{_calendar_day('')}$"
_COMMON_LENGTHS = [8, 10, 16, 19]


def parse_iso_date(expr: pl.Expr) -> pl.Expr:
    """A Date from an ISO 8601 calendar date or date-time; null where the text is not one.

    The common shapes, told apart by length, are 8 (``20240301``), 10 (``2024-03-01``), 16 and
    19 (a time to the minute or second, ``T`` or a space between, no offset, no fraction). One
    regular expression proves such a value a real day and time; its date is then its first ten
    characters (or its eight digits) read by a parser that cannot fail on them, so a value that
    is not a date costs the expression alone, no more than one that is (a failing parse takes
    chrono's slow path, four times a good one). No cache of distinct values: for a column of
    distinct timestamps building it costs more than the parse. Second 60 is a leap second, read
    as the first second of the next minute: ``23:59:60`` is the next day, as chrono reads it.

    Values of other lengths (fractions of a second, UTC offsets) are tried against the
    remaining formats in turn. Every regular expression is read once, so the parse stays cheap
    where polars does not merge repeated sub-expressions (conditions, an eager ``select``).
    """
    return iso_date_from(expr, *iso_parts(expr))


def iso_parts(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """What reading ISO dates (:func:`iso_date_from`) and telling them apart
    (:func:`is_iso_date_from`) share: whether a dashed value of a common length (10, 16, 19) is
    a real day and time, the same for eight digits (True or False; null at other lengths and
    where the value is missing), and the date of a value of another length (null elsewhere).
    The engine works each out once per field. Each is read once by either function: polars
    does not work out a condition read twice once."""
    text = expr.cast(pl.String)
    length = text.str.len_bytes()
    dashed = pl.when(length.is_in([10, 16, 19])).then(text).str.contains(_DASHED)
    compact = pl.when(length == 8).then(text).str.contains(_COMPACT)
    return dashed, compact, _other_shapes(text, length)


def iso_date_from(expr: pl.Expr, dashed: pl.Expr, compact: pl.Expr, other: pl.Expr) -> pl.Expr:
    """The dates of :func:`parse_iso_date`, from the text and its :func:`iso_parts`."""
    text = expr.cast(pl.String)
    length = text.str.len_bytes()
    # Masked before the slice: a date alone is read as it is.
    head = pl.when(length == 10).then(text).otherwise(pl.when(length > 10).then(text).str.head(10))
    day = pl.coalesce(
        pl.when(dashed).then(head).str.to_date("%Y-%m-%d", strict=False, cache=False),
        pl.when(compact).then(text).str.to_date("%Y%m%d", strict=False, cache=False),
    )
    leap = pl.when(length == 19).then(text).str.ends_with("23:59:60").fill_null(False)
    # Days since 1970 as integers: the leap second's next day without a second date column.
    day = (day.cast(pl.Int32) + leap.cast(pl.Int32)).cast(pl.Date)
    return pl.coalesce(day, other)


def is_iso_date_from(dashed: pl.Expr, compact: pl.Expr, other: pl.Expr) -> pl.Expr:
    """Whether :func:`parse_iso_date` reads a date, from the text's :func:`iso_parts`."""
    return pl.coalesce(dashed, compact, other.is_not_null()).fill_null(False)


def _other_shapes(text: pl.Expr, length: pl.Expr) -> pl.Expr:
    """The date of a value of the ISO shape whose length is none of the common ones (fractions
    of a second, UTC offsets), trying each remaining format in turn; null for the others."""
    rest = pl.when(~length.is_in(_COMMON_LENGTHS)).then(text)
    candidates = [
        *(
            rest.str.to_datetime(fmt, strict=False, time_unit="us").dt.date()
            for fmt in _NAIVE_DATETIME_FORMATS
        ),
        *(
            rest.str.replace(r"Z$", "+00:00")
            .str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
            .dt.date()
            for fmt in _AWARE_DATETIME_FORMATS
        ),
    ]
    return pl.when(rest.str.contains(_ISO_SHAPE)).then(pl.coalesce(candidates))


def is_iso_date(expr: pl.Expr) -> pl.Expr:
    """Whether :func:`parse_iso_date` reads a date from the text (False for a missing value),
    without reading the date where the regular expressions alone decide it: the common shapes,
    for a failing record's message or the ``date`` check's verdict, say."""
    return is_iso_date_from(*iso_parts(expr))


def parse_date(expr: pl.Expr, fmt: str | None = None) -> pl.Expr:
    """A Date from text in strftime ``fmt`` (date or date-time), or ISO 8601 when ``fmt`` is None.

    Values are judged as stored: surrounding whitespace makes a value not a date.
    """
    text = expr.cast(pl.String)
    if fmt is None:
        return parse_iso_date(text)  # the ISO shapes hold no surrounding whitespace
    if any(directive in fmt for directive in ("%H", "%M", "%S", "%T", "%z")):
        parsed = text.str.to_datetime(fmt, strict=False, time_unit="us").dt.date()
    else:
        parsed = text.str.to_date(fmt, strict=False)
    return pl.when(text.str.strip_chars() == text).then(parsed)


_SAMPLE_MOMENT = datetime(2024, 12, 25, 13, 14, 15)  # two-digit fields: no padding ambiguity


def validate_format(fmt: str) -> str | None:
    """Why ``fmt`` is not a usable strftime date format, or None when it is.

    The format must write a sample date and read it back: polars accepts unknown directives
    such as ``%Q`` when parsing and then reads no value at all, which would fail every record
    instead of the rule file.
    """
    if "%" not in fmt:
        return "a date format needs at least one %-directive, e.g. '%d.%m.%Y'"
    text: str | None = None
    for moment in (pl.lit(_SAMPLE_MOMENT), pl.lit(_SAMPLE_MOMENT).dt.replace_time_zone("UTC")):
        try:
            text = pl.select(moment.dt.strftime(fmt)).item()
            break
        except pl.exceptions.PolarsError:
            continue
    try:
        parsed = pl.select(parse_date(pl.lit(text), fmt)).item() if text is not None else None
    except pl.exceptions.PolarsError:
        parsed = None
    if parsed is None:
        return f"{fmt!r} is not a usable date format: a date written with it cannot be read back"
    return None


def checked_format(value: str | None) -> str | None:
    """A pydantic validator body: ``value`` when it is a usable date format (or None)."""
    if value is not None:
        problem = validate_format(value)
        if problem is not None:
            raise ValueError(problem)
    return value


#: A rule-file parameter holding a date format, refused at load time when unusable.
DateFormat = Annotated[str | None, AfterValidator(checked_format)]
