"""Values as integer codes, so that every per-value step runs once per *distinct* value.

A million customers have a few thousand distinct first names and birth dates: normalising,
Soundex-coding or parsing each distinct value once and gathering the result by code is many
times cheaper than doing it per record. Codes also make blocking a group-by on integers and
exact agreement an integer comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.linkage.normalise import normalise_text, normalise_text_values

__all__ = ["DateParser", "Encoded", "RecordValues", "dense", "encode", "expression"]

Index = npt.NDArray[np.int64]
DateParser = Callable[[pl.Expr, str], pl.Expr]


@dataclass(frozen=True)
class Encoded:
    """A column as codes: ``values[codes[i]]`` is record i's value; code -1 means null."""

    codes: Index
    values: pl.Series

    def map(self, function: Callable[[pl.Expr], pl.Expr]) -> Encoded:
        """``function`` applied to each distinct value, re-encoded (values that become null or
        equal merge)."""
        return self.map_values(expression(function))

    def map_values(self, function: Callable[[pl.Series], pl.Series]) -> Encoded:
        """Like :meth:`map` with a function of the Series of distinct values."""
        inner = encode(function(self.values))
        return Encoded(self.gather(inner.codes), inner.values)

    def gather(self, per_value: npt.NDArray[np.int64]) -> Index:
        """``per_value[code]`` per record, -1 where the record's code is -1."""
        if per_value.size == 0:
            return np.full(self.codes.shape, -1, dtype=np.int64)
        return np.where(self.codes >= 0, per_value[np.clip(self.codes, 0, None)], -1)

    def objects(self) -> npt.NDArray[np.object_]:
        """The distinct values as a numpy object array (what rapidfuzz reads)."""
        return np.asarray(self.values.to_numpy(), dtype=object)


def expression(function: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Series], pl.Series]:
    """A function of Series from a function of expressions."""
    return lambda values: values.to_frame("v").select(function(pl.col("v"))).to_series()


def dense(keys: npt.NDArray[np.integer[Any]]) -> tuple[Index, Index]:
    """Dense codes 0..k-1 of integer ``keys`` (in key order) and each code's first position."""
    # polars ranks multi-threaded; numpy's unique would sort single-threaded.
    codes = pl.Series(keys).rank("dense").cast(pl.Int64).to_numpy() - 1
    first = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    # Scattering in reverse leaves each code's first occurrence as its representative.
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return codes, first


def encode(series: pl.Series) -> Encoded:
    """Codes by 64-bit hash: hashing and ranking integers is several times faster than a hash
    table of the strings. A second, independent hash of every value must equal that of its
    code's representative; if two values ever shared the first hash (odds around 1e-8 for a
    million values) they would differ in the second, and the exact, slower way is taken."""
    present = series.is_not_null().to_numpy()
    kept = series.filter(pl.Series(present))
    inverse, first = dense(kept.hash(seed=0x5EED).to_numpy())
    check = kept.hash(seed=0xC0FFEE).to_numpy()
    if not np.array_equal(check[first][inverse], check):
        return _encode_exactly(series)
    codes = np.full(series.len(), -1, dtype=np.int64)
    codes[present] = inverse
    return Encoded(codes, kept.gather(first))


def _encode_exactly(series: pl.Series) -> Encoded:
    distinct = series.drop_nulls().unique(maintain_order=True)
    codes = series.replace_strict(
        distinct,
        pl.int_range(0, distinct.len(), eager=True, dtype=pl.Int64),
        default=-1,
        return_dtype=pl.Int64,
    )
    return Encoded(codes.to_numpy(), distinct)


@dataclass
class RecordValues:
    """Encoded columns of the records being linked, computed on first use."""

    records: pl.DataFrame
    parse_date: DateParser
    _raw: dict[str, Encoded] = field(default_factory=dict)
    _text: dict[str, Encoded] = field(default_factory=dict)
    _dates: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.records.height

    def raw(self, name: str) -> Encoded:
        """The field as stored."""
        if name not in self._raw:
            self._raw[name] = encode(self.records.get_column(name))
        return self._raw[name]

    def derive(self, name: str, function: Callable[[pl.Series], pl.Series]) -> Encoded:
        """``function`` of the field's values, encoded. Computed per distinct value when values
        repeat (names, dates, countries), per record when they hardly do (e-mail addresses,
        streets): encoding first would then cost more than it saves."""
        column = self.records.get_column(name)
        distinct = int(self.records.select(pl.col(name).approx_n_unique()).item())
        if name in self._raw or distinct * 2 < max(column.len(), 1):
            return self.raw(name).map_values(function)
        return encode(function(column))

    def text(self, name: str) -> Encoded:
        """The field's normalised text (see :func:`normalise_text`)."""
        if name not in self._text:
            self._text[name] = self.derive(name, normalise_text_values)
        return self._text[name]

    def dates(self, name: str) -> pl.DataFrame:
        """Per distinct stored value of a date field: ``date`` (parsed with the field's format,
        null where it does not parse) and ``key``, the date as YYYYMMDD, else the normalised
        text (so unparsed values still agree with the same text)."""
        if name not in self._dates:
            values = self.raw(name).values
            self._dates[name] = (
                pl.DataFrame({"raw": values})
                .with_columns(self.parse_date(pl.col("raw"), name).alias("date"))
                .select(
                    "date",
                    pl.coalesce(pl.col("date").dt.strftime("%Y%m%d"), normalise_text(pl.col("raw"))).alias(
                        "key"
                    ),
                )
            )
        return self._dates[name]
