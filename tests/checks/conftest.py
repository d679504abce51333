"""Run one rule through the real engine over a small table and read each record's verdict."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from veracity import load_data
from veracity.checks import CheckContext
from veracity.checks.base import BooleanSpellings
from veracity.config import rule_set_from_objects
from veracity.engine import run_rules

AS_OF = date(2024, 6, 30)


def verdicts(
    check: str,
    params: dict[str, Any],
    data: dict[str, list[Any]],
    *,
    when: str | None = None,
    settings: dict[str, Any] | None = None,
    as_of: date = AS_OF,
    others: list[dict[str, Any]] | None = None,
) -> list[str]:
    """'pass' / 'fail' / 'skip' (not evaluated) per record of rule ``r``; ``others``: rules it
    reads (e.g. the duplicates rule whose clusters it compares)."""
    rule = {"id": "r", "check": check, **params}
    if when is not None:
        rule["when"] = when
    rule_set = rule_set_from_objects([*(others or []), rule], **(settings or {}))
    frame = pl.DataFrame({name: pl.Series(values, dtype=pl.String) for name, values in data.items()})
    loaded = load_data(frame, rule_set)
    model = rule_set.model
    ctx = CheckContext(
        data=loaded,
        as_of=as_of,
        booleans=BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false)),
        date_formats={n: f.format for n, f in model.fields.items() if f.format},
        field_kinds={n: f.type for n, f in model.fields.items() if f.type},
    )
    output = run_rules(loaded, rule_set.rules, ctx, key=None)
    column = output.outcomes.get_column("r").to_list()
    return ["skip" if v is None else ("pass" if v else "fail") for v in column]


def dataset_verdicts(
    check: str,
    params: dict[str, Any],
    sources: list[dict[str, list[Any]]],
    settings: dict[str, Any] | None = None,
) -> list[str]:
    """'pass' / 'fail' per (source, field) for a dataset-scoped check, in source order: the
    rule's ``fields``, or every column of the sources. A finding about a field and no source
    fails that field in every source."""
    rule_set = rule_set_from_objects([{"id": "r", "check": check, **params}], **(settings or {}))
    frames = [pl.DataFrame({n: pl.Series(v, dtype=pl.String) for n, v in s.items()}) for s in sources]
    loaded = load_data(frames, rule_set)
    formats = {n: f.format for n, f in rule_set.model.fields.items() if f.format}
    ctx = CheckContext(data=loaded, as_of=AS_OF, date_formats=formats)
    output = run_rules(loaded, rule_set.rules, ctx, key=None)
    failed = set(
        zip(
            output.findings.get_column("source").to_list(),
            output.findings.get_column("field").to_list(),
            strict=True,
        )
    )
    fields: list[str] = params.get("fields") or list(dict.fromkeys(n for s in sources for n in s))
    return [
        "fail" if (source.path, name) in failed or (None, name) in failed else "pass"
        for source in loaded.sources
        for name in fields
    ]


@pytest.fixture
def run_check() -> Any:
    return verdicts
