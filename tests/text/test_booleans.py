"""Yes/no spellings: read the same wherever they are imported from."""

from __future__ import annotations

import polars as pl
import pytest

from veracity.checks import base
from veracity.text.booleans import BooleanSpellings, parse_yes_no


def test_the_old_import_path_gives_the_same_objects() -> None:
    assert base.BooleanSpellings is BooleanSpellings
    assert base.parse_yes_no is parse_yes_no


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" Yes ", True), ("N", False), ("1", True), ("0", False), ("ja", None), ("", None), (None, None)],
)
def test_default_spellings(value: str | None, expected: bool | None) -> None:
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert frame.select(parse_yes_no(pl.col("v"), BooleanSpellings())).item() is expected
