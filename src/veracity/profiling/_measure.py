"""Measuring one partition: its :class:`~veracity.profiling._state.TableState`.

The work is laid out for a profile that costs about one audit of the data:

- every field is grouped by value once, all fields in one parallel collect, and each figure is
  counted over the distinct values weighted by their counts;
- the figures of all fields (lengths, numbers, dates, yes/no, shapes, and which values can be
  e-mail addresses, phone numbers or postal codes at all) are lazy queries collected together,
  so polars keeps every core busy however small each query is;
- each costly step runs only on the values that can need it: dates on the values of a date's
  shape, yes/no spellings on the values as short as a spelling, the e-mail check on the values
  with an ``@``, the phone check on the values made of a phone number's characters;
- shapes replace one character class first, group the result (a million phone numbers have a
  few hundred shapes once their digits are ``9``), then the other classes on the few left; the
  class that leaves the fewest distinct values in a sample goes first. The result does not
  depend on the order (each class's runs become a character of that class, see
  :func:`shape_expr`), only the cost does.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import polars as pl

from veracity._cores import spread, worker_count
from veracity.checks import REGISTRY
from veracity.checks.base import CheckContext
from veracity.profiling._state import (
    _N,
    _VALUE,
    DATE_FORMATS,
    MULTILINGUAL_BOOLEANS,
    SHAPE_WIDTH,
    Extremes,
    FieldState,
    TableState,
    counted_shapes,
    counted_values,
)
from veracity.sources import SOURCE_COL, LoadedData
from veracity.text.booleans import BooleanSpellings, parse_yes_no
from veracity.text.dates import parse_date
from veracity.text.postal import POSTAL_PATTERNS

__all__ = ["SHAPE_CLASSES", "Plan", "measure", "shape_expr", "shapes_of"]

_IS_PHONE = "__is_phone"
_IS_POSTAL = "__is_postal"
_SHAPE = "shape"
_NUMBER = "__number"
_DATE = "__date"
_LEADING_ZERO = r"^[+-]?0[0-9]"
#: The values the phone check is asked about: digits and the separators people write numbers
#: with, at least six digits (the shape :func:`veracity.masking.looks_like_contact` reads as a
#: phone number), in one pattern (counting the digits apart costs seven times as much).
#: Anything else (names, e-mail addresses, codes with letters, short numbers) counts as no
#: phone number without asking the library: numbers written with letters (``0800 FLOWERS``,
#: ``030 1234 ext. 5``) are the price of not judging every value of every field.
_PHONE_CANDIDATE = r"^\s*\+?[\s().\-/]*(?:[0-9][\s().\-/]*){6,}$"
#: Every value any of :data:`DATE_FORMATS` reads starts like this; eight digits are a date
#: only on their own (``20240301``: a longer run of digits is no day, month or year there is).
_DATE_SHAPE = r"^(?:[0-9]{8}$|[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4})"
#: Every value that is a yes/no spelling in some language once trimmed and lower-cased (and a
#: few more, which :func:`parse_yes_no` then turns down): one pass that rejects a value at its
#: first characters, where parsing trims and lower-cases every value.
_MAYBE_YES_NO = (
    r"(?i)^\s*(?:"
    + "|".join(
        sorted(
            {
                re.escape(spelling.lower())
                for spellings in (BooleanSpellings(), MULTILINGUAL_BOOLEANS)
                for spelling in (*spellings.true, *spellings.false)
            }
        )
    )
    + r")\s*$"
)
#: A value some country's postal code format accepts: only those can pass the postal code check.
_POSTAL_ANY = "^(?:" + "|".join(POSTAL_PATTERNS.values()) + ")$"
#: A shape's character for each class, and the class's runs it replaces.
SHAPE_CLASSES = {"A": r"\p{Lu}+", "a": r"[\p{Ll}\p{Lo}\p{Lm}\p{Lt}]+", "9": r"\p{Nd}+"}
#: Distinct values of the sample that decides which shape class goes first.
_ORDER_SAMPLE = 1_000


@dataclass(frozen=True)
class Plan:
    """What every partition is measured with: the fields, and the field that gives each
    record's country (phone regions, postal code formats), if any."""

    fields: list[str]
    country_field: str | None = None


def _cut(shape: pl.Expr) -> pl.Expr:
    return (
        pl.when(shape.str.len_chars() > SHAPE_WIDTH)
        .then(shape.str.slice(0, SHAPE_WIDTH - 1) + pl.lit("…"))
        .otherwise(shape)
    )


def _classes(value: pl.Expr, order: str) -> pl.Expr:
    for char in order:
        value = value.str.replace_all(SHAPE_CLASSES[char], char)
    return value


def shape_expr(value: pl.Expr) -> pl.Expr:
    """A value's shape: runs of upper-case letters become ``A``, of other letters ``a``, of
    digits ``9``; everything else stays (``Invalidenstraße 117`` -> ``Aa 9``)."""
    return _cut(_classes(value, "Aa9"))


def _shape_order(values: pl.Series) -> str:
    """The shape classes in the order that leaves the fewest distinct values early."""
    sample = values.head(_ORDER_SAMPLE).to_frame(_VALUE)
    left = sample.select(_classes(pl.col(_VALUE), char).n_unique().alias(char) for char in SHAPE_CLASSES).row(
        0, named=True
    )
    return "".join(sorted(SHAPE_CLASSES, key=lambda char: left[char]))


def shapes_of(counts: pl.LazyFrame, name: str, order: str) -> pl.LazyFrame:
    """Shape counts of the weighted distinct values of ``name``: the first class of ``order``
    replaced and the result grouped, then the others on what is left."""
    first, rest = order[0], order[1:]
    grouped = (
        counts.select(_classes(pl.col(name), first).alias(_SHAPE), pl.col(_N))
        .group_by(_SHAPE)
        .agg(pl.col(_N).sum())
    )
    return (
        grouped.select(_cut(_classes(pl.col(_SHAPE), rest)).alias(_SHAPE), pl.col(_N))
        .group_by(_SHAPE)
        .agg(pl.col(_N).sum())
    )


class _Candidates(NamedTuple):
    """The values of one field that can be dates, e-mail addresses, phone numbers or postal
    codes, collected: see :func:`_candidate_queries`."""

    #: Per date format (of :data:`DATE_FORMATS`): the values it reads, their counts and dates.
    dated: list[pl.DataFrame]
    emails: pl.DataFrame
    phones: pl.DataFrame
    postal: pl.DataFrame
    #: Whether values of the phone candidates' pattern were left out as dates.
    phones_dated: bool = False


def _dated(shaped: pl.DataFrame, name: str) -> list[pl.DataFrame]:
    """Per date format (of :data:`DATE_FORMATS`), the values of a date's shape it reads, with
    their counts and dates. A format reads only values that hold its separators (``.`` of
    ``%d.%m.%Y``): a million timestamps need no try with it."""
    value = pl.col(name)
    dated = []
    for fmt in DATE_FORMATS:
        tried = shaped.lazy()
        for separator in sorted(set(re.sub("%.", "", fmt or ""))):
            tried = tried.filter(value.str.contains(separator, literal=True))
        dated.append(
            tried.select(name, _N, parse_date(value, fmt).alias(_DATE)).filter(pl.col(_DATE).is_not_null())
        )
    return pl.collect_all(dated)


def _candidate_queries(counts: pl.DataFrame, name: str) -> list[pl.LazyFrame]:
    """The lazy queries of :class:`_Candidates` (the values of a date's shape in place of
    ``dated``), over a field's weighted distinct values."""
    value = pl.col(name)
    lazy = counts.lazy()
    return [
        lazy.filter(value.str.contains(_DATE_SHAPE)),
        lazy.filter(value.str.contains("@", literal=True)),
        lazy.filter(value.str.contains(_PHONE_CANDIDATE)),
        lazy.filter(value.str.contains(_POSTAL_ANY)).select(name),
    ]


def _candidates(name: str, frames: list[pl.DataFrame]) -> _Candidates:
    """The collected candidates, the phone numbers without the dates (``2024-03-01`` is a
    valid phone number in some regions, but a date)."""
    shaped, emails, phones, postal = frames
    dated = _dated(shaped, name) if shaped.height else [shaped.clear()] * len(DATE_FORMATS)
    candidates = _Candidates(dated, emails, phones, postal)
    dates = pl.concat([frame.get_column(name) for frame in dated])
    if dates.len() and phones.height:
        kept = phones.filter(~pl.col(name).is_in(dates.implode()))
        candidates = candidates._replace(phones=kept, phones_dated=kept.height < phones.height)
    return candidates


def _figure_queries(counts: pl.DataFrame, name: str) -> list[pl.LazyFrame]:
    """The lazy queries of a field's other figures, over its weighted distinct values: a row
    of lengths and numbers, a row of yes/no counts, the shapes."""
    value = pl.col(name)
    weight = pl.col(_N)
    numbers = pl.col(_NUMBER)
    finite = numbers.is_finite()
    lazy = counts.lazy()
    base = lazy.with_columns(value.cast(pl.Float64, strict=False).alias(_NUMBER)).select(
        value.str.len_chars().min().alias("min_length"),
        value.str.len_chars().max().alias("max_length"),
        weight.filter(value.cast(pl.Int64, strict=False).is_not_null()).sum().alias("integer"),
        weight.filter(numbers.is_not_null()).sum().alias("decimal"),
        weight.filter(value.str.contains(_LEADING_ZERO)).sum().alias("leading_zero"),
        weight.filter(finite).sum().alias("numbers"),
        numbers.filter(finite).min().alias("number_min"),
        numbers.filter(finite).max().alias("number_max"),
    )
    yes_no = lazy.filter(value.str.contains(_MAYBE_YES_NO)).select(
        weight.filter(parse_yes_no(value, BooleanSpellings()).is_not_null()).sum().alias("yes_no"),
        weight.filter(parse_yes_no(value, MULTILINGUAL_BOOLEANS).is_not_null()).sum().alias("yes_no_any"),
    )
    return [base, yes_no, shapes_of(lazy, name, _shape_order(counts.get_column(name)))]


def _collected(queries: dict[str, list[pl.LazyFrame]]) -> dict[str, list[pl.DataFrame]]:
    """Every field's queries in one parallel collect."""
    frames = iter(pl.collect_all([query for field in queries.values() for query in field]))
    return {name: [next(frames) for _ in field] for name, field in queries.items()}


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
        # Counted distinct when the profile is read (or when the merged states hold many).
        state.records = pl.DataFrame({"hash": record_hash, SOURCE_COL: frame.get_column(SOURCE_COL)})
    country = plan.country_field if plan.country_field in frame.columns else None
    grouped = pl.collect_all(
        frame.lazy()
        .select(name)
        .filter(pl.col(name).is_not_null())
        .group_by(name)
        .agg(pl.len().cast(pl.Int64).alias(_N))
        for name in plan.fields
    )
    # One memory chunk per core: polars runs string expressions chunk by chunk.
    counts = {name: spread(frame) for name, frame in zip(plan.fields, grouped, strict=True)}
    filled = {name: int(c.get_column(_N).sum() or 0) for name, c in counts.items()}
    present = {name: c for name, c in counts.items() if c.height}
    candidates = {
        name: _candidates(name, frames)
        for name, frames in _collected({n: _candidate_queries(c, n) for n, c in present.items()}).items()
    }

    def judged() -> dict[str, dict[str, tuple[int, int]]]:
        # Values present per field and country, in one pass: whether the postal code check
        # evaluates a record depends on its country only.
        by_country = (
            frame.group_by(country).agg(pl.col(n).count().cast(pl.Int64) for n in plan.fields if n != country)
            if country is not None
            else None
        )
        pairs = _pairs(frame, country, counts, candidates)
        return {
            name: _validity(
                counts[name],
                filled[name],
                found,
                country if country != name else None,
                pairs.get(name),
                by_country,
            )
            for name, found in candidates.items()
        }

    figure_queries = {name: _figure_queries(c, name) for name, c in present.items()}
    # The checks' verdicts (mostly the phone library's) and the other figures at the same time.
    if worker_count() > 1 and present:
        with ThreadPoolExecutor(max_workers=1) as pool:
            verdicts = pool.submit(judged)
            figures = _collected(figure_queries)
            validity = verdicts.result()
    else:
        figures, validity = _collected(figure_queries), judged()
    for name in plan.fields:
        field = FieldState(rows=frame.height, filled=filled[name])
        if name in present:
            _field_state(field, counts[name], candidates[name].dated, figures[name])
            field.validity |= validity[name]
        state.fields[name] = field
    return state


def _pairs(
    frame: pl.DataFrame,
    country: str | None,
    counts: dict[str, pl.DataFrame],
    candidates: dict[str, _Candidates],
) -> dict[str, pl.DataFrame]:
    """Per field with values the phone or postal code check can pass: the distinct (value,
    country) pairs of those values, counted and flagged, all fields in one parallel collect.
    The flags are the patterns of :func:`_queries` again, on the pairs: no join of the records
    with a million candidates."""
    if country is None:
        return {}
    queries = {}
    for name, field in candidates.items():
        if name == country or not (field.phones.height or field.postal.height):
            continue
        value = pl.col(name)
        phone = value.str.contains(_PHONE_CANDIDATE)
        if field.phones_dated:
            phone = phone & value.is_in(field.phones.get_column(name).implode())
        postal = value.str.contains(_POSTAL_ANY)
        records = frame.lazy().select(name, country).filter(value.is_not_null())
        # Where most values are candidates, filtering the records first costs more than it saves.
        if 2 * (field.phones.height + field.postal.height) < counts[name].height:
            records = records.filter(value.str.contains(_PHONE_CANDIDATE) | postal)
        queries[name] = (
            records.group_by(name, country)
            .agg(pl.len().cast(pl.Int64).alias(_N))
            .with_columns(phone.alias(_IS_PHONE), postal.alias(_IS_POSTAL))
        )
    return dict(zip(queries, pl.collect_all(queries.values()), strict=True))


def _field_state(
    state: FieldState, counts: pl.DataFrame, dated: list[pl.DataFrame], figures: list[pl.DataFrame]
) -> None:
    name = counts.columns[0]
    base, yes_no, shapes = figures
    state.values = counted_values(counts.rename({name: _VALUE}))
    row = base.row(0, named=True) | yes_no.row(0, named=True)
    state.min_length, state.max_length = row["min_length"], row["max_length"]
    state.types = {k: int(row[k] or 0) for k in ("integer", "decimal", "leading_zero")}
    state.numbers = Extremes(int(row["numbers"] or 0), row["number_min"], row["number_max"])
    for fmt, parsed in zip(DATE_FORMATS, dated, strict=True):
        if parsed.height:
            date = pl.col(_DATE)
            low, high, got = parsed.select(
                date.min().alias("low"), date.max().alias("high"), pl.col(_N).sum()
            ).row(0)
            state.dates[fmt or ""] = Extremes(int(got), low, high)
    state.yes_no_any = int(row["yes_no_any"] or 0)
    state.shapes = counted_shapes(shapes)
    state.validity = {
        "iso_date": (state.dates.get("", Extremes()).count, state.filled),
        "yes_no": (int(row["yes_no"] or 0), state.filled),
    }


def _validity(
    counts: pl.DataFrame,
    filled: int,
    candidates: _Candidates,
    country: str | None,
    flagged: pl.DataFrame | None,
    present_by_country: pl.DataFrame | None,
) -> dict[str, tuple[int, int]]:
    """The e-mail, country, phone and postal code shares: the audit's own checks on the
    weighted distinct values (or (value, country) pairs) that can pass them."""
    name = counts.columns[0]
    validity: dict[str, tuple[int, int]] = {}
    validity["email"] = _judged("email", {"field": name}, candidates.emails, filled)
    # An ISO code is two or three letters: a million longer values need no look-up.
    codes = counts.filter(pl.col(name).str.len_bytes().is_between(2, 3))
    validity["country"] = _judged("country", {"field": name}, codes, filled)
    if country is None:
        validity["phone"] = _judged("phone", {"field": name}, candidates.phones, filled)
        return validity
    if flagged is None:
        flagged = pl.DataFrame(
            schema={
                name: pl.String,
                country: pl.String,
                _N: pl.Int64,
                _IS_PHONE: pl.Boolean,
                _IS_POSTAL: pl.Boolean,
            }
        )
    validity["phone"] = _judged(
        "phone",
        {"field": name, "region_field": country},
        flagged.filter(pl.col(_IS_PHONE)).select(name, country, _N),
        filled,
    )
    params = {"field": name, "country_field": country}
    # Whether the check evaluates a record depends on its country only: judged once per country.
    assert present_by_country is not None  # there is a country field
    by_country = present_by_country.select(
        pl.col(country), pl.col(name).alias(_N), pl.lit("0").alias(name)
    ).filter(pl.col(_N) > 0)
    validity["postal_code"] = (
        _judged("postal_code", params, flagged.filter(pl.col(_IS_POSTAL)).select(name, country, _N), None)[0],
        _judged("postal_code", params, by_country, None)[1],
    )
    return validity


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
