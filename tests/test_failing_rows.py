"""The engine takes a failing rule's records by filter or by gather, whichever costs less: the
same records in the same order either way, whatever the strings' lengths and the share taken."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.engine._findings import failing_rows


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=3), st.text(min_size=200, max_size=400)), st.booleans()
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(1, 4),
)
def test_the_records_of_the_mask_in_order(records: list[tuple[str | None, bool]], chunks: int) -> None:
    values = pl.Series("v", [value for value, _ in records], dtype=pl.String)
    # Columns split into chunks, as a read in several blocks leaves them.
    size = -(-len(values) // chunks)
    column = pl.concat([values.slice(start, size) for start in range(0, len(values), size)], rechunk=False)
    frame = pl.DataFrame({"v": column, "n": pl.Series(range(len(values)), dtype=pl.UInt32)})
    mask = pl.Series([failed for _, failed in records])
    rows = frame.get_column("n").filter(mask)
    taken = failing_rows(frame, rows, mask)
    assert taken.equals(frame.filter(mask))
    assert taken.get_column("v").to_list() == [value for value, failed in records if failed]
