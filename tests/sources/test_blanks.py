"""Blank values and null markers turned into null: only the values that can be blank are
stripped, with the same outcome as stripping every value."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.sources._chunks import blanks_to_null

# Every character Unicode calls White_Space, characters that are not but look alike (U+200B,
# U+180E, U+001C) or share a whitespace character's first UTF-8 byte (é, 、), and a marker.
_PIECES = [
    *"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000",
    "\u200b",
    "\u180e",
    "\x1c",
    "é",
    "、",
    "a",
    "NA",
]
_VALUES = st.none() | st.lists(st.sampled_from(_PIECES), max_size=4).map("".join)


def _reference(frame: pl.DataFrame, fields: list[str], markers: tuple[str, ...]) -> pl.DataFrame:
    def missing(name: str) -> pl.Expr:
        blank = pl.col(name).str.strip_chars() == ""
        return (blank | pl.col(name).is_in(markers) if markers else blank).fill_null(False)

    return frame.select(
        pl.when(missing(name)).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col(name)).alias(field)
        for name, field in zip(frame.columns, fields, strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(
    columns=st.lists(st.lists(_VALUES, min_size=0, max_size=20), min_size=1, max_size=3).filter(
        lambda cols: len({len(c) for c in cols}) == 1
    ),
    markers=st.sampled_from([(), ("NA",), ("NA", " ", "")]),
)
def test_blank_values_and_markers_become_null_as_stripping_every_value_would(
    columns: list[list[str | None]], markers: tuple[str, ...]
) -> None:
    frame = pl.DataFrame({f"c{i}": values for i, values in enumerate(columns)}, schema_overrides=None).cast(
        pl.String
    )
    fields = [f"field{i}" for i in range(frame.width)]
    expected = _reference(frame, fields, markers)
    # The reader says which text is ASCII: then only ASCII whitespace is looked for.
    plain = all(value is None or value.isascii() for column in columns for value in column)
    for ascii in {False, plain}:
        cleaned, counts = blanks_to_null(frame, fields, markers, ascii=ascii)
        assert cleaned.equals(expected)
        assert counts == [
            expected.to_series(i).null_count() - frame.to_series(i).null_count() for i in range(frame.width)
        ]


def test_values_that_only_start_like_whitespace_are_kept() -> None:
    frame = pl.DataFrame({"name": ["é", " x", "\u3000", "、", "\u200b", " \u00a0 ", None]})
    cleaned, counts = blanks_to_null(frame, ["name"], ())
    assert cleaned.get_column("name").to_list() == ["é", " x", None, "、", "\u200b", None, None]
    assert counts == [2]
