"""Profiling states: what one partition of the data says about each field, merged exactly.

As Deequ's analyzers do, each partition yields a state
(:func:`veracity.profiling._measure.measure`), states add up
(:meth:`FieldState.merge`, :meth:`TableState.merge`), and the figures are read off the merged
state (:mod:`veracity.profiling.model`). Everything is counted over a partition's distinct
values, each weighted by how often it occurs, so a library is asked once per distinct value.

- counts, fill, lengths, numbers, dates, shapes and validity: sums, minima and maxima, exact;
- distinct values and the most frequent ones: every distinct value's count is kept while a
  field has at most :data:`VALUE_BOUND` of them (exact); beyond that the state keeps the 64-bit
  hashes of all distinct values (the distinct count stays exact but for hash collisions, about
  one in 10^8 at a million values) and the :data:`TOP_KEEP` most frequent values of each
  partition, whose counts are then lower bounds (flagged as approximate);
- exact duplicate records: the 64-bit hash of each record's values, per source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from veracity.sources import SOURCE_COL
from veracity.text.booleans import BooleanSpellings

__all__ = [
    "DATE_FORMATS",
    "MULTILINGUAL_BOOLEANS",
    "SHAPE_WIDTH",
    "TOP_KEEP",
    "VALIDITY",
    "VALUE_BOUND",
    "Counted",
    "Extremes",
    "FieldState",
    "TableState",
    "counted_shapes",
    "counted_values",
]

#: Distinct values per field whose counts are all kept.
VALUE_BOUND = 100_000
#: Values (and shapes) kept per field once a field has more distinct ones than the bound.
TOP_KEEP = 1_000
#: Shapes longer than this are cut (with ``…``): free text has as many shapes as values.
SHAPE_WIDTH = 40
#: Date formats tried besides ISO 8601 (None), in the order a tie is decided.
DATE_FORMATS: tuple[str | None, ...] = (None, "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y")
#: Yes/no spellings in English, German, French and Spanish (the audit's default spellings are
#: the English ones; the starter rules declare the others under ``booleans:`` when needed).
MULTILINGUAL_BOOLEANS = BooleanSpellings(
    true=("true", "yes", "y", "1", "ja", "j", "oui", "si", "sí", "wahr", "vrai", "verdadero"),
    false=("false", "no", "n", "0", "nein", "non", "falsch", "faux", "falso"),
)
#: The validity shares, as the audit's checks judge them: name -> check type.
VALIDITY = ("email", "phone", "country", "postal_code", "iso_date", "yes_no")

_N = "n"
_VALUE = "value"


#: Hashes (of values, of records) that partitions' states hold before the merge keeps only
#: the distinct ones: each merge would otherwise pay a unique() of all it holds.
COMPACT_FROM = 4_000_000


def _hashes(values: pl.Series) -> pl.Series:
    # Distinct values: their hashes are distinct but for a collision, which counting distinct
    # hashes settles as it does for the hashes of several partitions.
    return values.hash(seed=0)


def _compact(hashes: pl.Series) -> pl.Series:
    """``hashes`` (repeats allowed), the distinct ones only once they are many."""
    return hashes.unique() if hashes.len() > COMPACT_FROM else hashes


def _top(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """The :data:`TOP_KEEP` most frequent keys, ties in key order, most frequent first. The
    k-th largest count comes first (numbers only), then the fewest keys of that count in key
    order: a partial sort of a million keys by count and key costs ten times as much."""
    if frame.height <= TOP_KEEP:
        return frame.sort([_N, key], descending=[True, False])
    kth = frame.get_column(_N).top_k(TOP_KEEP).min()
    above = frame.filter(pl.col(_N) > kth)
    ties = frame.filter(pl.col(_N) == kth).bottom_k(TOP_KEEP - above.height, by=key)
    return pl.concat([above, ties]).sort([_N, key], descending=[True, False])


@dataclass
class Counted:
    """Counts per distinct key (a value or a shape), complete or the most frequent ones."""

    frame: pl.DataFrame
    complete: bool = True
    hashes: pl.Series | None = None

    def merge(self, other: Counted, key: str, bound: int) -> Counted:
        # The first partition merges into the empty state: nothing to add up.
        if not self.frame.height and self.complete:
            return other
        if not other.frame.height and other.complete:
            return self
        frame = pl.concat([self.frame, other.frame]).group_by(key).agg(pl.col(_N).sum())
        complete = self.complete and other.complete and frame.height <= bound
        hashes = None
        if not complete:
            parts = [
                part.hashes if part.hashes is not None else part.frame.get_column(key).hash(seed=0)
                for part in (self, other)
            ]
            hashes = _compact(pl.concat(parts, rechunk=False))
            frame = _top(frame, key)
        return Counted(frame, complete, hashes)

    @property
    def distinct(self) -> int:
        return self.frame.height if self.hashes is None else self.hashes.n_unique()


def _counted(frame: pl.DataFrame, key: str, bound: int) -> Counted:
    if frame.height <= bound:
        return Counted(frame)
    return Counted(_top(frame, key), complete=False, hashes=_hashes(frame.get_column(key)))


def counted_values(frame: pl.DataFrame) -> Counted:
    """A partition's state of a field's values, from its distinct values (``value``) and their
    counts (``n``)."""
    return _counted(frame, _VALUE, VALUE_BOUND)


def counted_shapes(frame: pl.DataFrame) -> Counted:
    """A partition's state of a field's shapes, from its distinct shapes (``shape``) and their
    counts (``n``)."""
    return _counted(frame, "shape", TOP_KEEP)


@dataclass
class Extremes:
    """How many values parse, and the smallest and largest of them."""

    count: int = 0
    low: Any = None
    high: Any = None

    def merge(self, other: Extremes) -> Extremes:
        lows = [v for v in (self.low, other.low) if v is not None]
        highs = [v for v in (self.high, other.high) if v is not None]
        return Extremes(self.count + other.count, min(lows, default=None), max(highs, default=None))


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


@dataclass
class FieldState:
    """One field's profiling state (see the module docstring)."""

    rows: int = 0
    filled: int = 0
    values: Counted = field(
        default_factory=lambda: Counted(pl.DataFrame(schema={_VALUE: pl.String, _N: pl.Int64}))
    )
    shapes: Counted = field(
        default_factory=lambda: Counted(pl.DataFrame(schema={"shape": pl.String, _N: pl.Int64}))
    )
    min_length: int | None = None
    max_length: int | None = None
    #: integer, decimal (values that parse as numbers) and leading_zero counts, as the SQL
    #: typing of :mod:`veracity.fieldtypes` counts them.
    types: dict[str, int] = field(default_factory=dict)
    numbers: Extremes = field(default_factory=Extremes)
    #: Per date format ("" for ISO 8601): the values that parse in it, earliest and latest.
    dates: dict[str, Extremes] = field(default_factory=dict)
    #: Per validity (:data:`VALIDITY`): [valid, evaluated].
    validity: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Values that are yes/no in any of :data:`MULTILINGUAL_BOOLEANS`' spellings.
    yes_no_any: int = 0

    def merge(self, other: FieldState) -> FieldState:
        def low(a: int | None, b: int | None) -> int | None:
            return min((v for v in (a, b) if v is not None), default=None)

        def high(a: int | None, b: int | None) -> int | None:
            return max((v for v in (a, b) if v is not None), default=None)

        return FieldState(
            rows=self.rows + other.rows,
            filled=self.filled + other.filled,
            values=self.values.merge(other.values, _VALUE, VALUE_BOUND),
            shapes=self.shapes.merge(other.shapes, "shape", TOP_KEEP),
            min_length=low(self.min_length, other.min_length),
            max_length=high(self.max_length, other.max_length),
            types=_add(self.types, other.types),
            numbers=self.numbers.merge(other.numbers),
            dates={
                k: self.dates.get(k, Extremes()).merge(other.dates.get(k, Extremes()))
                for k in dict.fromkeys([*self.dates, *other.dates])
            },
            validity={
                k: (
                    self.validity.get(k, (0, 0))[0] + other.validity.get(k, (0, 0))[0],
                    self.validity.get(k, (0, 0))[1] + other.validity.get(k, (0, 0))[1],
                )
                for k in dict.fromkeys([*self.validity, *other.validity])
            },
            yes_no_any=self.yes_no_any + other.yes_no_any,
        )


@dataclass
class TableState:
    """The whole data's state: each field's, records and exact duplicates per source."""

    fields: dict[str, FieldState] = field(default_factory=dict)
    rows_by_source: dict[int, int] = field(default_factory=dict)
    #: (record hash, source) pairs, each at least once (see :func:`_compact`).
    records: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"hash": pl.UInt64, SOURCE_COL: pl.UInt16})
    )
    partitions: int = 0

    def merge(self, other: TableState) -> TableState:
        names = list(dict.fromkeys([*self.fields, *other.fields]))
        return TableState(
            fields={
                n: self.fields.get(n, FieldState()).merge(other.fields.get(n, FieldState())) for n in names
            },
            rows_by_source={
                k: self.rows_by_source.get(k, 0) + other.rows_by_source.get(k, 0)
                for k in dict.fromkeys([*self.rows_by_source, *other.rows_by_source])
            },
            records=(
                _compact_records(pl.concat([self.records, other.records], rechunk=False))
                if self.records.height and other.records.height
                else self.records
                if self.records.height
                else other.records
            ),
            partitions=self.partitions + other.partitions,
        )


def _compact_records(records: pl.DataFrame) -> pl.DataFrame:
    return records.unique() if records.height > COMPACT_FROM else records
