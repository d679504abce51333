"""Profiling states: what one partition of the data says about each field, merged exactly.

As Deequ's analyzers do, each partition yields a state (:func:`measure`), states add up
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
from datetime import date
from typing import Any

import polars as pl

from veracity._cores import spread
from veracity.checks import REGISTRY
from veracity.checks.base import CheckContext
from veracity.sources import SOURCE_COL, LoadedData
from veracity.text.booleans import BooleanSpellings, parse_yes_no
from veracity.text.dates import parse_date
from veracity.text.postal import POSTAL_PATTERNS

__all__ = [
    "DATE_FORMATS",
    "MULTILINGUAL_BOOLEANS",
    "TOP_KEEP",
    "VALIDITY",
    "VALUE_BOUND",
    "FieldState",
    "TableState",
    "measure",
    "shape_expr",
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
_IS_PHONE = "__is_phone"
_IS_POSTAL = "__is_postal"
_VALUE = "value"
_LEADING_ZERO = r"^[+-]?0[0-9]"
#: The values the phone check is asked about: digits and the separators people write numbers
#: with, at least six digits (the shape :func:`veracity.masking.looks_like_contact` reads as a
#: phone number). Anything else (names, e-mail addresses, codes with letters, short numbers)
#: counts as no phone number without asking the library: numbers written with letters
#: (``0800 FLOWERS``, ``030 1234 ext. 5``) are the price of not judging every value of every
#: field.
_PHONE_CANDIDATE = r"^\s*\+?[0-9\s().\-/]*$"
_PHONE_DIGITS = 6
#: Every value any of :data:`DATE_FORMATS` reads starts like this.
_DATE_SHAPE = r"^(?:[0-9]{8}|[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4})"
#: Longer values, once trimmed, are no yes/no spelling in any language (``verdadero``, nine
#: letters). Lower-casing never shortens a value, so the trimmed length decides exactly.
_YES_NO_WIDTH = max(
    len(spelling)
    for spellings in (BooleanSpellings(), MULTILINGUAL_BOOLEANS)
    for spelling in (*spellings.true, *spellings.false)
)
#: A value some country's postal code format accepts: only those can pass the postal code check.
_POSTAL_ANY = "^(?:" + "|".join(POSTAL_PATTERNS.values()) + ")$"


def _shapes(counts: pl.DataFrame, name: str) -> pl.LazyFrame:
    """Shape counts of the weighted distinct values. ASCII values (nearly all, in most
    exports: as many bytes as characters) take ASCII character classes, which are twice as
    fast as Unicode's."""
    value = pl.col(name)
    ascii_only = value.str.len_bytes() == value.str.len_chars()
    parts = [
        counts.lazy().filter(ascii_only).select(_ascii_shape(value).alias("shape"), pl.col(_N)),
        counts.lazy().filter(~ascii_only).select(shape_expr(value).alias("shape"), pl.col(_N)),
    ]
    return pl.concat(parts).group_by("shape").agg(pl.col(_N).sum())


def _cut(shape: pl.Expr) -> pl.Expr:
    return (
        pl.when(shape.str.len_chars() > SHAPE_WIDTH)
        .then(shape.str.slice(0, SHAPE_WIDTH - 1) + pl.lit("…"))
        .otherwise(shape)
    )


def _ascii_shape(value: pl.Expr) -> pl.Expr:
    """:func:`shape_expr` of an ASCII value."""
    return _cut(
        value.str.replace_all("[A-Z]+", "A").str.replace_all("[a-z]+", "a").str.replace_all("[0-9]+", "9")
    )


def shape_expr(value: pl.Expr) -> pl.Expr:
    """A value's shape: runs of upper-case letters become ``A``, of other letters ``a``, of
    digits ``9``; everything else stays (``Invalidenstraße 117`` -> ``Aa 9``)."""
    shape = (
        value.str.replace_all(r"\p{Lu}+", "A")
        .str.replace_all(r"[\p{Ll}\p{Lo}\p{Lm}\p{Lt}]+", "a")
        .str.replace_all(r"\p{Nd}+", "9")
    )
    return _cut(shape)


def _hashes(values: pl.Series) -> pl.Series:
    return values.hash(seed=0).unique()


def _top(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """The most frequent keys, ties in key order (a partial sort: no full sort of a million)."""
    return frame.top_k(TOP_KEEP, by=[_N, key], reverse=[False, True]).sort(
        [_N, key], descending=[True, False]
    )


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
            hashes = pl.concat(parts).unique()
            frame = _top(frame, key)
        return Counted(frame, complete, hashes)

    @property
    def distinct(self) -> int:
        return self.frame.height if self.hashes is None else self.hashes.len()


def _counted(frame: pl.DataFrame, key: str, bound: int) -> Counted:
    if frame.height <= bound:
        return Counted(frame)
    return Counted(_top(frame, key), complete=False, hashes=_hashes(frame.get_column(key)))


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
    #: Distinct (record hash, source) pairs.
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
                pl.concat([self.records, other.records]).unique()
                if self.records.height and other.records.height
                else self.records
                if self.records.height
                else other.records
            ),
            partitions=self.partitions + other.partitions,
        )


@dataclass(frozen=True)
class Plan:
    """What every partition is measured with: the fields, and the field that gives each
    record's country (phone regions, postal code formats), if any."""

    fields: list[str]
    country_field: str | None = None


def measure(data: LoadedData, plan: Plan) -> TableState:
    """One partition's state."""
    frame = data.frame
    state = TableState(partitions=1)
    if frame.width:
        sources = frame.group_by(SOURCE_COL).len()
        state.rows_by_source = {int(s): int(n) for s, n in sources.iter_rows()}
        fields = [name for name in plan.fields if name in frame.columns]
        # The row hash of the fields is a third of the cost of hashing them as a struct.
        record_hash = (
            frame.select(fields).hash_rows(seed=0)
            if fields
            else pl.Series("hash", [0] * frame.height, dtype=pl.UInt64)
        )
        state.records = pl.DataFrame({"hash": record_hash, SOURCE_COL: frame.get_column(SOURCE_COL)}).unique()
    country = plan.country_field if plan.country_field in frame.columns else None
    # Values present per field and country, in one pass: whether the postal code check
    # evaluates a record depends on its country only.
    by_country = (
        frame.group_by(country).agg(
            pl.col(n).count().cast(pl.Int64) for n in plan.fields if n in frame.columns and n != country
        )
        if country is not None
        else None
    )
    for name in plan.fields:
        state.fields[name] = _measure_field(frame, name, plan, by_country)
    return state


def _measure_field(
    frame: pl.DataFrame, name: str, plan: Plan, present_by_country: pl.DataFrame | None
) -> FieldState:
    country = (
        plan.country_field if plan.country_field in frame.columns and plan.country_field != name else None
    )
    counts = (
        frame.lazy()
        .select(name)
        .filter(pl.col(name).is_not_null())
        .group_by(name)
        .agg(pl.len().cast(pl.Int64).alias(_N))
        .collect()
    )
    # One memory chunk per core: polars runs string expressions chunk by chunk.
    counts = spread(counts)
    rows = frame.height
    filled = int(counts.get_column(_N).sum() or 0)
    state = FieldState(rows=rows, filled=filled)
    if not counts.height:
        return state
    state.values = _counted(counts.rename({name: _VALUE}), _VALUE, VALUE_BOUND)
    value = pl.col(name)
    weight = pl.col(_N)
    numbers = value.cast(pl.Float64, strict=False)
    finite = numbers.is_finite()
    exprs = [
        value.str.len_chars().min().alias("min_length"),
        value.str.len_chars().max().alias("max_length"),
        weight.filter(value.cast(pl.Int64, strict=False).is_not_null()).sum().alias("integer"),
        weight.filter(numbers.is_not_null()).sum().alias("decimal"),
        weight.filter(value.str.contains(_LEADING_ZERO)).sum().alias("leading_zero"),
        weight.filter(finite).sum().alias("numbers"),
        numbers.filter(finite).min().alias("number_min"),
        numbers.filter(finite).max().alias("number_max"),
    ]
    # Dates and yes/no spellings are parsed only where they can be: a field of a million
    # distinct names or identifiers holds none, and six date formats cost as much as the rest.
    short = counts.lazy().filter(value.str.strip_chars().str.len_chars() <= _YES_NO_WIDTH)
    yes_no = short.select(
        weight.filter(parse_yes_no(value, BooleanSpellings()).is_not_null()).sum().alias("yes_no"),
        weight.filter(parse_yes_no(value, MULTILINGUAL_BOOLEANS).is_not_null()).sum().alias("yes_no_any"),
    )
    date_exprs = []
    for index, fmt in enumerate(DATE_FORMATS):
        parsed = parse_date(value, fmt)
        date_exprs += [
            weight.filter(parsed.is_not_null()).sum().alias(f"date{index}"),
            parsed.min().alias(f"date{index}_min"),
            parsed.max().alias(f"date{index}_max"),
        ]
    dated = counts.lazy().filter(value.str.contains(_DATE_SHAPE)).select(date_exprs)
    base, answers, dates, shapes = pl.collect_all(
        [counts.lazy().select(exprs), yes_no, dated, _shapes(counts, name)]
    )
    row = base.row(0, named=True) | answers.row(0, named=True) | dates.row(0, named=True)
    state.min_length, state.max_length = row["min_length"], row["max_length"]
    state.types = {k: int(row[k] or 0) for k in ("integer", "decimal", "leading_zero")}
    state.numbers = Extremes(int(row["numbers"] or 0), row["number_min"], row["number_max"])
    for index, fmt in enumerate(DATE_FORMATS):
        got = int(row[f"date{index}"] or 0)
        if got:
            state.dates[fmt or ""] = Extremes(got, row[f"date{index}_min"], row[f"date{index}_max"])
    state.yes_no_any = int(row["yes_no_any"] or 0)
    state.shapes = _counted(shapes, "shape", TOP_KEEP)
    state.validity = {
        "iso_date": (state.dates.get("", Extremes()).count, filled),
        "yes_no": (int(row["yes_no"] or 0), filled),
        "email": _judged(
            "email", {"field": name}, counts.filter(value.str.contains("@", literal=True)), filled
        ),
        "country": _judged("country", {"field": name}, counts, filled),
    }
    # A date is not taken for a phone number (``2024-03-01`` is a valid one in some regions);
    # only values of a date's shape are parsed.
    is_date = pl.any_horizontal([parse_date(value, fmt).is_not_null() for fmt in DATE_FORMATS])
    # Two filters: digits are counted only in the values of a phone number's characters.
    phones = counts.filter(value.str.contains(_PHONE_CANDIDATE)).filter(
        value.str.count_matches(r"[0-9]") >= _PHONE_DIGITS
    )
    look_like_dates = phones.filter(value.str.contains(_DATE_SHAPE)).filter(is_date).get_column(name)
    if look_like_dates.len():
        phones = phones.filter(~value.is_in(look_like_dates.implode()))
    if country is None:
        state.validity["phone"] = _judged("phone", {"field": name}, phones, filled)
        return state
    # Only values some country's format accepts are judged, with each record's country.
    postal = counts.filter(value.str.contains(_POSTAL_ANY))
    # The distinct values to judge, flagged (phone, postal code), joined to the records once:
    # phones and postal codes are each distinct already, so no further unique nor is_in.
    flagged = (
        pl.concat(
            [
                phones.select(name, pl.lit(True).alias(_IS_PHONE), pl.lit(False).alias(_IS_POSTAL)),
                postal.select(name, pl.lit(False).alias(_IS_PHONE), pl.lit(True).alias(_IS_POSTAL)),
            ]
        )
        .group_by(name)
        .agg(pl.col(_IS_PHONE).any(), pl.col(_IS_POSTAL).any())
        if phones.height and postal.height
        else phones.select(name, pl.lit(True).alias(_IS_PHONE), pl.lit(False).alias(_IS_POSTAL))
        if phones.height
        else postal.select(name, pl.lit(False).alias(_IS_PHONE), pl.lit(True).alias(_IS_POSTAL))
    )
    pairs = (
        frame.lazy()
        .select(name, country)
        .join(flagged.lazy(), on=name, how="inner")
        .group_by(name, country)
        .agg(pl.len().cast(pl.Int64).alias(_N), pl.col(_IS_PHONE).first(), pl.col(_IS_POSTAL).first())
        .collect()
    )
    state.validity["phone"] = _judged(
        "phone",
        {"field": name, "region_field": country},
        pairs.filter(pl.col(_IS_PHONE)).select(name, country, _N),
        filled,
    )
    params = {"field": name, "country_field": country}
    # Whether the check evaluates a record depends on its country only: judged once per country.
    assert present_by_country is not None  # there is a country field
    by_country = present_by_country.select(
        pl.col(country), pl.col(name).alias(_N), pl.lit("0").alias(name)
    ).filter(pl.col(_N) > 0)
    state.validity["postal_code"] = (
        _judged("postal_code", params, pairs.filter(pl.col(_IS_POSTAL)).select(name, country, _N), None)[0],
        _judged("postal_code", params, by_country, None)[1],
    )
    return state


def _judged(
    check: str, params: dict[str, Any], frame: pl.DataFrame, evaluated: int | None
) -> tuple[int, int]:
    """(valid, evaluated) of the audit's ``check`` over weighted distinct values: the check's
    own expression, built on exactly these values. ``evaluated`` None: as many as the check
    evaluates (those it does not judge are left out, as in the audit)."""
    if not frame.height:
        return 0, evaluated or 0
    kind = REGISTRY[check]
    built = kind.build(kind.params(**params), CheckContext(data=LoadedData(frame, []), as_of=date.today()))
    verdict = frame.select(
        pl.col(_N).filter(built.fill_null(False)).sum().alias("valid"),
        pl.col(_N).filter(built.is_not_null()).sum().alias("evaluated"),
    ).row(0)
    return int(verdict[0] or 0), int(verdict[1] or 0) if evaluated is None else evaluated
