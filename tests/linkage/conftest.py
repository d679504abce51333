"""Helpers for the linkage tests: small tables as loaded data, features of value pairs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import veracity.checks.duplicates  # noqa: F401  (registers the check until checks/__init__ imports it)
from veracity import load_data
from veracity.config import rule_set_from_objects
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import prepare_feature
from veracity.sources.base import LoadedData
from veracity.text.dates import parse_date

FEBRL = Path(__file__).parents[2].parent / "shared" / "benchmarks" / "febrl"


def loaded(data: Mapping[str, Sequence[str | None]]) -> LoadedData:
    """A table of text columns as the engine sees it (one DataFrame source)."""
    frame = pl.DataFrame({name: pl.Series(values, dtype=pl.String) for name, values in data.items()})
    first = next(iter(data))
    return load_data(frame, rule_set_from_objects([{"id": "x", "check": "not_null", "field": first}]))


def dates(formats: Mapping[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A date parser like the engine's: the field's format, else ISO 8601."""
    known = dict(formats or {})
    return lambda expr, field: parse_date(expr, known.get(field))


def grade(
    spec: Comparison,
    pairs: Sequence[tuple[str | None, str | None]],
    extra: Mapping[str, Sequence[tuple[str | None, str | None]]] | None = None,
    formats: Mapping[str, str] | None = None,
) -> list[str]:
    """The level label of each pair of values (``"null"`` for level 0)."""
    columns = {spec.field: [value for pair in pairs for value in pair]}
    for name, values in (extra or {}).items():
        columns[name] = [value for pair in values for value in pair]
    frame = pl.DataFrame({name: pl.Series(values, dtype=pl.String) for name, values in columns.items()})
    feature = prepare_feature(spec, RecordValues(frame, dates(formats)))
    left = np.arange(0, 2 * len(pairs), 2, dtype=np.int64)
    levels = feature.levels(left, left + 1)
    labels = ["null", *spec.labels()]
    return [labels[level] for level in levels.tolist()]


def _names(rng: np.random.Generator, count: int, length: int) -> list[str]:
    consonants, vowels = np.array(list("bcdfghklmnprstvz")), np.array(list("aeiou"))
    shape = (count, length)
    letters = np.where(np.arange(length) % 2 == 0, rng.choice(consonants, shape), rng.choice(vowels, shape))
    return ["".join(row).title() for row in letters.tolist()]


def people(count: int, seed: int = 0) -> dict[str, list[str | None]]:
    """``count`` different people: random names, distinct birth dates, e-mails and phones."""
    rng = np.random.default_rng(seed)
    first, last = _names(rng, count, 6), _names(rng, count, 8)
    days = rng.permutation(20000)[:count]
    return {
        "first_name": list(first),
        "last_name": list(last),
        "birth_date": [str(np.datetime64("1940-01-01") + int(d)) for d in days.tolist()],
        "email": [f"{f.lower()}.{i}@mail{i % 5}.com" for i, f in enumerate(first)],
        "phone": [f"030 {1000000 + 7919 * i}" for i in range(count)],
    }


@pytest.fixture
def febrl() -> Path:
    if not (FEBRL / "febrl1.csv").exists():
        pytest.skip("the FEBRL benchmark data (../shared/benchmarks/febrl) is not here")
    return FEBRL
