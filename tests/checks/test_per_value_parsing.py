"""Dates and yes/no values of a whole field are parsed once per distinct value; the verdicts
must be those of parsing every record."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.checks.base import CheckContext, parse_yes_no
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData
from veracity.text.dates import parse_date

SHAPES = [
    "2024-03-01",
    "20240301",
    "2024-02-30",
    "2024-3-1",
    " 2024-03-01",
    "2024-03-01T10:15",
    "2024-03-01 23:59:59.123456",
    "2024-03-01T23:30:00+02:00",
    "2024-03-01T23:30:00Z",
    "2024-03-01T25:00",
    "01.03.2024",
    "",
    "n/a",
]


def _context(values: list[str | None]) -> tuple[pl.DataFrame, CheckContext]:
    frame = pl.DataFrame({"d": pl.Series(values, dtype=pl.String)}).with_columns(
        pl.int_range(len(values), dtype=pl.UInt32).alias(ROW_ID),
        pl.lit(0, dtype=pl.UInt16).alias(SOURCE_COL),
        pl.int_range(len(values), dtype=pl.UInt32).alias(LINE_COL),
    )
    return frame, CheckContext(LoadedData(frame, []), as_of=date(2024, 6, 30))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(SHAPES), st.text(max_size=12)), max_size=40))
def test_a_field_parsed_per_distinct_value_equals_parsing_every_record(values: list[str | None]) -> None:
    frame, ctx = _context(values)
    per_value = frame.select(ctx.parse_date(pl.col("d"), field="d")).to_series()
    per_record = frame.select(parse_date(pl.col("d"))).to_series()
    assert per_value.to_list() == per_record.to_list()


@pytest.mark.parametrize("fmt", ["%d.%m.%Y", "%Y-%m-%d %H:%M"])
def test_a_declared_format_is_honoured_per_distinct_value(fmt: str) -> None:
    frame, ctx = _context(SHAPES * 3 + ["01.03.2024", "2024-03-01 10:15", None])
    ctx.date_formats["d"] = fmt
    per_value = frame.select(ctx.parse_date(pl.col("d"), field="d")).to_series()
    assert per_value.to_list() == frame.select(parse_date(pl.col("d"), fmt)).to_series().to_list()
    assert date(2024, 3, 1) in per_value.to_list()


def test_an_expression_over_a_field_is_parsed_as_it_stands() -> None:
    frame, ctx = _context(["2024-03-01 ", "2024-03-02"])
    trimmed = frame.select(ctx.parse_date(pl.col("d").str.strip_chars(), field="d")).to_series()
    assert trimmed.to_list() == [date(2024, 3, 1), date(2024, 3, 2)]


BOOLEANS = ["yes", "No", " TRUE ", "y", "1", "0", "false", "maybe", "", "Ja", "n\t"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(BOOLEANS), st.text(max_size=5)), max_size=40))
def test_yes_no_per_distinct_value_equals_parsing_every_record(values: list[str | None]) -> None:
    frame, ctx = _context(values)
    per_value = frame.select(ctx.parse_bool(pl.col("d"))).to_series()
    per_record = frame.select(parse_yes_no(pl.col("d"), ctx.booleans)).to_series()
    assert per_value.to_list() == per_record.to_list()
