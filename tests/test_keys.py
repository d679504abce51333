"""Key groups of one partition (``engine._keys.key_frame``): each record's first record of its
key, as grouping every record by its key gives, whether keys repeat, are all distinct or share a
hash."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity.engine._keys as keys_module
from veracity.engine._keys import key_frame
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

_KEYS = st.lists(st.sampled_from(["a", "b", "c", "d", "é", None]) | st.text(max_size=3), max_size=30)


def _data(keys: list[str | None]) -> LoadedData:
    count = len(keys)
    frame = pl.DataFrame(
        {
            "id": pl.Series(keys, dtype=pl.String),
            ROW_ID: pl.Series(range(count), dtype=pl.UInt32),
            SOURCE_COL: pl.Series([i % 3 for i in range(count)], dtype=pl.UInt16),
            LINE_COL: pl.Series([2 * i + 5 for i in range(count)], dtype=pl.UInt32),
        }
    )
    return LoadedData(frame, [])


def _expected(keys: list[str | None]) -> list[tuple[bool, int, int]]:
    firsts: dict[str | None, int] = {}
    rows = []
    for row, key in enumerate(keys):
        first = firsts.setdefault(key, row)
        rows.append((first == row, first % 3, 2 * first + 5))
    return rows


@settings(deadline=None)
@given(keys=_KEYS, collide=st.booleans())
def test_each_record_points_at_the_first_record_of_its_key(keys: list[str | None], collide: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if collide:  # two hash values for every key: different keys share one
            patch.setattr(keys_module, "key_hash", lambda key: key.hash(1) % 2)
        frame = key_frame(_data(keys), pl.col("id"))
    assert frame.rows() == _expected(keys)


@settings(deadline=None)
@given(
    st.lists(
        st.integers(min_value=0, max_value=2**64 - 1) | st.integers(min_value=0, max_value=5), max_size=60
    )
)
def test_repeated_hashes_are_those_polars_calls_duplicated(hashes: list[int]) -> None:
    series = pl.Series(hashes, dtype=pl.UInt64)
    repeated = keys_module._repeated(series.to_numpy())
    duplicated = series.is_duplicated()
    if duplicated.any():
        assert repeated is not None
        assert repeated.to_list() == duplicated.to_list()
    else:
        assert repeated is None
