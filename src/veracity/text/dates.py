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


def parse_iso_date(expr: pl.Expr) -> pl.Expr:
    """A Date from an ISO 8601 calendar date or date-time; null where the text is not one.

    Of the ISO shape, a value's length tells its format apart in the common cases: 8
    (``20240301``), 10 (``2024-03-01``), 16 and 19 (a time to the minute or second, ``T`` or a
    space between, no offset, no fraction). Each format's parser is given only the values of
    its length (the others are null to it, which costs nothing), so such a value costs one
    parse. Values of other lengths (fractions of a second, UTC offsets) are tried against the
    remaining formats in turn. The expression also stays cheap where it is evaluated without
    common-subexpression elimination (an eager ``select``): every condition is a length.
    """
    text = expr.cast(pl.String)
    length = text.str.len_bytes()
    # Of the ISO shape, the one space is the separator: one format reads both separators.
    separated = text.str.replace(" ", "T", literal=True)
    rest = pl.when(~length.is_in([8, 10, 16, 19])).then(text)
    candidates = [
        pl.when(length == 10).then(text).str.to_date("%Y-%m-%d", strict=False),
        pl.when(length == 8).then(text).str.to_date("%Y%m%d", strict=False),
        pl.when(length == 16).then(separated).str.to_datetime("%Y-%m-%dT%H:%M", strict=False).dt.date(),
        pl.when(length == 19).then(separated).str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).dt.date(),
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
    return pl.when(text.str.contains(_ISO_SHAPE)).then(pl.coalesce(candidates))


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
