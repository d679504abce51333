"""Arbitrary text in any column of the shipped examples never stops the audit, and every number adds up.

The shipped examples are loaded once; hypothesis then writes text of its choosing (unparseable
dates, numbers with leading zeros, control characters, markup, lone spellings of yes/no, ...) into
any field of any records and audits the result with the shipped rules plus a rule for every
registered check type they do not use. Whatever the values, the audit must end in a result (a
:class:`~veracity.errors.VeracityError` for the user is acceptable, nothing else is), and for every
rule the numbers must be those a steward can check by hand: evaluated = passed + failed, and as
many findings as failed records, all of them within the data.

One fixed audit puts every tricky text in every field; hypothesis then draws 30 audits of its
own (``VERACITY_MESSY_EXAMPLES=N`` draws N: a deep run is one variable away).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veracity
from veracity.checks.base import REGISTRY
from veracity.config import load_rule_file, rule_set_from_objects
from veracity.errors import VeracityError
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL

ROOT = Path(__file__).parents[1]
RULES = ROOT / "examples" / "rules.yaml"

#: A rule for each registered check the shipped examples do not use. The meta-test below fails
#: when a new check type is registered without one, so every check meets the messy values.
EXTRA_RULES: dict[str, dict[str, Any]] = {
    "duplicates": {
        "id": "same-person",
        "check": "duplicates",
        "compare": [
            {"field": "first_name", "method": "jaro_winkler"},
            {"field": "last_name", "method": "jaro_winkler"},
            {"field": "email", "method": "email"},
            {"field": "birth_date", "method": "date"},
        ],
        "blocking": [["last_name"], ["email"]],
    },
    "retention": {"id": "kept", "check": "retention", "field": "last_updated", "days": 1095},
    "minimisation": {"id": "minimal", "check": "minimisation"},
    "freshness": {"id": "recent", "check": "freshness", "field": "last_updated", "days": 30},
    "agree_across_sources": {
        "id": "agreeing",
        "check": "agree_across_sources",
        "key": "customer_id",
        "fields": ["email", "phone", "country"],
        "normalise": {"email": "email", "phone": "phone"},
        "default_region": "DE",
    },
}


def _settings() -> dict[str, Any]:
    """The shipped rule file's settings, as keyword arguments for a rule set built in Python."""
    rule_set = load_rule_file(RULES)
    model = rule_set.model
    return {
        "key": model.key,
        "null_markers": list(model.null_markers),
        "booleans": model.booleans.model_dump(),
        "fields": {name: f.model_dump(exclude_none=True) for name, f in model.fields.items()},
    }


def _rules() -> list[dict[str, Any]]:
    import yaml

    shipped = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]
    return [*shipped, *EXTRA_RULES.values()]


@pytest.fixture(scope="module")
def examples() -> pl.DataFrame:
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        data = veracity.load_data(None, veracity.load_rules("examples/rules.yaml"))
    finally:
        os.chdir(previous)
    return data.frame.drop(ROW_ID, SOURCE_COL, LINE_COL)


def test_every_check_type_meets_the_messy_values() -> None:
    used = {rule["check"] for rule in _rules()}
    assert used == set(REGISTRY), f"add a rule to EXTRA_RULES for: {sorted(set(REGISTRY) - used)}"


#: Text a person or a broken export puts in a field, beside anything hypothesis makes up.
TRICKY = [
    "",
    " ",
    "n/a",
    "2021-02-30",
    "unknown",
    "0049",
    "007",
    "1e400",
    "-0",
    "NaN",
    "ja",
    "JA ",
    "nein",
    "maybe",
    "2026-10-27 19:29:06",
    "27.10.2026",
    "9999-12-31",
    "0001-01-01",
    "+49 151 23456789",
    "=cmd|' /C calc'!A0",
    "\x1b[31mred",
    "[bold]x[/bold]",
    ":smile:",
    "a@b",
    "é" * 300,
    "\u202e",
    "true",
    "1",
    "0",
]

values = st.one_of(st.sampled_from(TRICKY), st.text(max_size=40))


def _assert_audited_and_adding_up(frame: pl.DataFrame, *, refusal_allowed: bool = True) -> None:
    try:
        result = veracity.audit(
            frame, rule_set_from_objects(_rules(), **_settings()), as_of=date(2026, 11, 1)
        )
    except VeracityError:
        if refusal_allowed:
            return
        raise
    failed_by_rule = dict(result.findings.group_by("rule").len().iter_rows())
    for rule in result.rules:
        assert 0 <= rule.failed <= rule.evaluated <= frame.height, rule.id
        if rule.evaluated:
            assert rule.pass_rate == pytest.approx((rule.evaluated - rule.failed) / rule.evaluated), rule.id
        if rule.check not in ("required_columns", "duplicates"):
            assert failed_by_rule.get(rule.id, 0) == rule.failed, rule.id
    assert result.score is None or 0 <= result.score <= 100


def test_every_tricky_text_in_every_field_is_audited_and_adds_up(examples: pl.DataFrame) -> None:
    """Each of the tricky texts in each field at once (a different record per field), so that
    every one meets every check whatever hypothesis draws below."""
    assert examples.height >= len(TRICKY)
    frame = examples.with_columns(
        pl.Series(
            name,
            [
                TRICKY[(row + number) % len(TRICKY)] if row < len(TRICKY) else value
                for row, value in enumerate(examples.get_column(name).cast(pl.String).to_list())
            ],
            dtype=pl.String,
        )
        for number, name in enumerate(examples.columns)
    )
    # These texts are ordinary bad data: the audit must end in a result, not a refusal.
    _assert_audited_and_adding_up(frame, refusal_allowed=False)


#: Examples of the property below; the case above puts every tricky text in every field, so the
#: default stays small. ``VERACITY_MESSY_EXAMPLES=500`` runs a deep search.
MESSY_EXAMPLES = int(os.environ.get("VERACITY_MESSY_EXAMPLES", "30"))


@settings(
    max_examples=MESSY_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_text_in_any_field_is_audited_and_adds_up(examples: pl.DataFrame, data: st.DataObject) -> None:
    frame = examples
    for _ in range(data.draw(st.integers(1, 3), label="fields changed")):
        field = data.draw(st.sampled_from(frame.columns), label="field")
        rows = data.draw(st.sets(st.integers(0, frame.height - 1), min_size=1, max_size=frame.height))
        texts = data.draw(st.lists(values, min_size=len(rows), max_size=len(rows)), label=field)
        column = frame.get_column(field).to_list()
        for row, text in zip(sorted(rows), texts, strict=True):
            column[row] = text
        frame = frame.with_columns(pl.Series(field, column, dtype=pl.String))
    _assert_audited_and_adding_up(frame)
