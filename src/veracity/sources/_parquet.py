"""Parquet: read with polars, then turn every column into text the way a person would write it."""

from __future__ import annotations

import io

import polars as pl

from veracity.errors import SourceError
from veracity.sources._parquet_guard import check_footer, check_text_size
from veracity.sources._table import ENGINE_ERRORS, Table, check_header, quote
from veracity.sources.base import ReadOptions

__all__ = ["MAX_COLUMNS", "as_text", "check_width", "read_parquet"]

_NESTED = (pl.List, pl.Array, pl.Struct)
#: As many columns as an Excel sheet (and a CSV header) may have.
MAX_COLUMNS = 16_384


def read_parquet(raw: bytes, options: ReadOptions, display: str) -> Table:
    del options  # nothing to choose: Parquet describes itself
    try:
        # The footer alone first: a file of a million columns would take minutes to read, and a
        # few kilobytes of repeated values can unpack to more memory than the machine has.
        check_footer(raw, display)
        check_width(len(pl.read_parquet_schema(io.BytesIO(raw))), display)
        frame = pl.read_parquet(io.BytesIO(raw))
    except SourceError:
        raise
    except ENGINE_ERRORS:
        raise SourceError(
            f"{display}: is not a valid Parquet file; export it again, or set read.format in the rule file "
            "(--input-format) if it is another format"
        ) from None
    check_header(frame.columns, [str(i) for i in range(1, frame.width + 1)], display)
    if not frame.width:
        raise SourceError(f"{display}: the file has no columns; export the data again or remove this source")
    if not frame.height:
        raise SourceError(
            f"{display}: the file has columns but no rows; export the data again or remove this source"
        )
    types = [str(dtype) for dtype in frame.dtypes]
    texts = pl.DataFrame([as_text(frame.get_column(name), display) for name in frame.columns])
    check_text_size(texts, display)
    return Table.numbered(texts, types)


def check_width(width: int, display: str) -> None:
    if width > MAX_COLUMNS:
        raise SourceError(
            f"{display}: the file has {width:,} columns, more than the {MAX_COLUMNS:,} veracity reads; "
            "export only the columns the rules need"
        )


def as_text(column: pl.Series, display: str) -> pl.Series:
    """The column as String: ISO dates, ``true``/``false``, JSON for nested values."""
    dtype = column.dtype
    try:
        if dtype == pl.String:
            return column
        if isinstance(dtype, pl.Datetime):
            # "2024-01-02 03:04:05.000000" -> ISO "2024-01-02T03:04:05"; a real fraction stays.
            text = column.cast(pl.String).str.replace(" ", "T", literal=True)
            return text.str.replace(r"\.0+($|[+-])", "$1")
        if isinstance(dtype, pl.Duration):
            return column.dt.to_string("iso")
        if isinstance(dtype, _NESTED):
            return _as_json(column)
        if dtype == pl.Binary:
            return _binary_as_text(column)
        return column.cast(pl.String)
    except ENGINE_ERRORS:
        raise SourceError(
            f"{display}: column {quote(column.name)} has type {dtype}, which cannot be read as text; "
            "convert it when exporting the data"
        ) from None


def _as_json(column: pl.Series) -> pl.Series:
    # json_encode works on structs only: wrap each value as {"v": value} and cut the wrapper off.
    frame = column.rename("v").to_frame()
    encoded = frame.select(
        pl.when(pl.col("v").is_not_null())
        .then(pl.struct(pl.col("v")).struct.json_encode().str.slice(5).str.strip_suffix("}"))
        .alias(column.name)
    )
    return encoded.to_series()


def _binary_as_text(column: pl.Series) -> pl.Series:
    try:
        return column.cast(pl.String)
    except ENGINE_ERRORS:
        # Not UTF-8: hexadecimal keeps every byte visible and comparable.
        return column.bin.encode("hex")
