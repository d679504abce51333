"""ISO date parsing: each value parsed with the one format its shape calls for must read exactly
what trying every ISO format on every value reads (the reference below)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.text.dates import is_iso_date, parse_date, parse_iso_date

_SHAPE = (
    r"^(?:[0-9]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$"
)
_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
_AWARE = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z")


def reference(text: pl.Expr) -> pl.Expr:
    """Every ISO format tried on every value of the ISO shape, the first that reads it wins."""
    candidates = [
        text.str.to_date("%Y-%m-%d", strict=False),
        pl.when(text.str.contains(r"^\d{8}$")).then(text.str.to_date("%Y%m%d", strict=False)),
        *(text.str.to_datetime(f, strict=False, time_unit="us").dt.date() for f in _NAIVE),
        *(
            text.str.replace(r"Z$", "+00:00")
            .str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC")
            .dt.date()
            for f in _AWARE
        ),
    ]
    return pl.when(text.str.contains(_SHAPE)).then(pl.coalesce(candidates))


def _both(values: list[str | None]) -> tuple[list[object], list[object]]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    # Days since 1970 (Python's date cannot hold year 0, which chrono reads).
    out = frame.select(
        new=parse_iso_date(pl.col("v")).cast(pl.Int32),
        old=reference(pl.col("v")).cast(pl.Int32),
        is_date=is_iso_date(pl.col("v")),
    )
    # Whether a value is a date, told without reading it, agrees with reading it.
    assert out.get_column("is_date").to_list() == out.get_column("new").is_not_null().to_list()
    return out.get_column("new").to_list(), out.get_column("old").to_list()


CASES = [
    "2024-03-01", "20240301", "2024-02-30", "20240230", "2024-3-1", "24-03-01",
    "2026-10-27 19:29:06", "2026-10-27T19:29:06", "2026-10-27T19:29", "2026-10-27 19:29",
    "2026-10-27 19:29:06.123456", "2026-10-27T19:29:06.123456789", "2026-10-27 24:00:00",
    "2026-10-27 23:59:60", "2026-10-27 19:61", "2026-10-27T23:30:00-02:00", "2026-10-27T23:30:00+0200",
    "2026-10-27T00:30Z", "2026-10-27 00:30:00Z", "2026-10-27 00:30+01:00", "2026-10-27T00:30:00+25:00",
    "2026-10-27T19:29:06 ", " 2026-10-27", "2026-10-27\n", "", "n/a", None, "2026-10-27T", "2026-10-27 1:2",
    "2026-13-01 10:00:00", "0000-01-01", "9999-12-31T23:59:59Z", "12345678", "2026-10-27X19:29",
]  # fmt: skip


@pytest.mark.parametrize("value", CASES)
def test_reads_what_every_format_tried_in_turn_reads(value: str | None) -> None:
    new, old = _both([value])
    assert new == old


def test_reads_timestamps_with_a_time_of_day_as_their_date() -> None:
    values = ["2026-10-27 19:29:06", "2026-10-27T23:30:00-02:00", "2026-10-27 24:00:00"]
    frame = pl.DataFrame({"v": values})
    parsed = frame.select(parse_iso_date(pl.col("v"))).to_series().to_list()
    assert [str(day) if day else None for day in parsed] == ["2026-10-27", "2026-10-28", None]


_digits = st.text("0123456789", min_size=1, max_size=3)
_piece = st.one_of(
    _digits,
    st.sampled_from(["-", ":", "T", " ", "Z", "+", ".", "2026", "-10-", "27", "19", "59", "60", "00"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_piece, max_size=12).map("".join), min_size=1, max_size=20))
def test_agrees_with_the_reference_on_iso_like_text(values: list[str]) -> None:
    new, old = _both(values)
    assert new == old


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(),
    st.sampled_from(["T", " "]),
    st.sampled_from(["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]),
    st.sampled_from(["", "Z", "+01:00", "-0530", "+14:00"]),
)
def test_agrees_with_the_reference_on_written_timestamps(moment, separator, time_format, offset) -> None:  # type: ignore[no-untyped-def]
    value = moment.strftime(f"%Y-%m-%d{separator}{time_format}") + offset
    new, old = _both([value])
    assert new == old


def test_a_declared_format_still_refuses_surrounding_whitespace() -> None:
    frame = pl.DataFrame({"v": ["01.03.2024", " 01.03.2024"]})
    assert frame.select(parse_date(pl.col("v"), "%d.%m.%Y")).to_series().to_list()[1] is None


def _days(values: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = frame.select(
        pl.col("v"),
        new=parse_iso_date(pl.col("v")).cast(pl.Int32),
        old=reference(pl.col("v")).cast(pl.Int32),
        is_date=is_iso_date(pl.col("v")),
    )
    assert out.filter(pl.col("is_date") != pl.col("new").is_not_null()).height == 0
    return out.drop("is_date")


# Leap-year rules at their edges: years 0 and 400 are leap years, 100 and 1900 not.
_YEARS = ("0000", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "2100", "9999")


@pytest.mark.parametrize("separator", ["-", ""])
def test_every_month_and_day_number_reads_as_trying_every_format_reads(separator: str) -> None:
    """The calendar in the regular expression against chrono's: every two-digit month and day."""
    values = [
        f"{y}{separator}{m:02d}{separator}{d:02d}" for y in _YEARS for m in range(100) for d in range(100)
    ]
    out = _days(values)
    assert out.filter(pl.col("new").ne_missing(pl.col("old"))).height == 0
    assert out.get_column("new").null_count() < len(values)  # the sweep holds real dates


@pytest.mark.parametrize("separator", ["T", " "])
def test_every_hour_minute_and_second_number_reads_as_trying_every_format_reads(separator: str) -> None:
    """Hours, minutes and seconds at and past their limits (second 60 is a leap second: 23:59:60
    is the next day), on the last day of a year."""
    times = [f"{h:02d}:{m:02d}" for h in range(100) for m in range(100)]
    values = [f"2024-12-31{separator}{t}{s}" for t in times for s in ("", ":00", ":59", ":60", ":61", ":99")]
    out = _days(values)
    assert out.filter(pl.col("new").ne_missing(pl.col("old"))).height == 0
    next_day = out.filter(pl.col("v") == f"2024-12-31{separator}23:59:60").get_column("new").to_list()
    assert next_day == [(date(2025, 1, 1) - date(1970, 1, 1)).days]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 9999),
            st.integers(0, 99),
            st.integers(0, 99),
            st.sampled_from(["", "T", " "]),
            st.integers(0, 99),
            st.integers(0, 99),
            st.sampled_from(["", ":00", ":59", ":60", ":61"]),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_agrees_with_the_reference_on_any_digits_in_the_common_shapes(
    parts: list[tuple[int, int, int, str, int, int, str]],
) -> None:
    values = [
        f"{y:04d}-{m:02d}-{d:02d}" + (f"{sep}{h:02d}:{mi:02d}{sec}" if sep else "")
        for y, m, d, sep, h, mi, sec in parts
    ]
    values += [f"{y:04d}{m:02d}{d:02d}" for y, m, d, *_ in parts]
    out = _days(values)
    assert out.filter(pl.col("new").ne_missing(pl.col("old"))).to_dicts() == []
