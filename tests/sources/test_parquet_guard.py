"""The Parquet footer is read right, and each of its bounds refuses the file it is meant to."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest

from veracity.errors import SourceError
from veracity.sources import _parquet_guard as guard


def _parquet(frame: pl.DataFrame, **options: object) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


FRAMES = {
    "one-cell": pl.DataFrame({"a": ["x"]}),
    "types": pl.DataFrame(
        {"a": [1, 2, None], "b": ["x", None, "z"], "c": [1.5, 2.5, 3.5], "d": [True, False, None]}
    ),
    "nested": pl.DataFrame({"s": [{"x": 1, "y": "a"}, None], "l": [[1, 2], []]}),
    "wide": pl.DataFrame({f"c{i}": [i] for i in range(300)}),
    "row-groups": pl.DataFrame({"a": list(range(10_000)), "b": [str(i) for i in range(10_000)]}),
}


@pytest.mark.parametrize("name", FRAMES)
@pytest.mark.parametrize("compression", ["zstd", "uncompressed"])
def test_the_footer_agrees_with_polars(name: str, compression: str) -> None:
    frame = FRAMES[name]
    raw = _parquet(frame, compression=compression, row_group_size=1_000)
    size = guard.footer_size(raw)
    assert size is not None
    assert size.rows == frame.height
    # Nested columns are stored as one leaf per field.
    assert size.columns >= frame.width
    assert size.columns == frame.width or name == "nested"
    assert size.unpacked > 0


@pytest.mark.parametrize(
    "raw", [b"", b"PAR1", b"not parquet at all", b"PAR1" + b"\xff" * 40 + b"\x10\x00\x00\x00PAR1"]
)
def test_a_footer_that_does_not_parse_is_left_to_polars(raw: bytes) -> None:
    assert guard.footer_size(raw) is None
    guard.check_footer(raw, "d.parquet")


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_UNPACKED", 1_000, "d.parquet: the file's columns unpack to"),
        ("MAX_CELLS", 1_999, "d.parquet: the file has 1,000 rows of 2 columns, more than the 1,999 cells"),
    ],
)
def test_each_footer_bound_refuses(
    limit: str, value: int, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _parquet(pl.DataFrame({"a": list(range(1_000)), "b": [f"value {i}" for i in range(1_000)]}))
    guard.check_footer(raw, "d.parquet")
    monkeypatch.setattr(guard, limit, value)
    with pytest.raises(SourceError, match=f"^{re.escape(message)}"):
        guard.check_footer(raw, "d.parquet")


def test_the_text_bound_counts_every_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"a": ["ab", "cd", None], "b": ["é", "", "x"]})
    # "é" is two bytes in UTF-8: 2 + 2 + 2 + 0 + 1.
    monkeypatch.setattr(guard, "MAX_TEXT", 7)
    guard.check_text_size(frame, "d.parquet")
    monkeypatch.setattr(guard, "MAX_TEXT", 6)
    with pytest.raises(SourceError, match=r"^d\.parquet: the file's values add up to 7 bytes of text"):
        guard.check_text_size(frame, "d.parquet")
