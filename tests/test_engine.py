"""The engine: one pass, mergeable states, findings with provenance."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import date
from typing import Any
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity
import veracity.engine._keys as keys_module
from veracity.checks import CheckContext
from veracity.config import rule_set_from_objects
from veracity.engine import run_rules
from veracity.errors import UsageError
from veracity.results import RuleState

RULES = [
    {"id": "email-present", "check": "not_null", "field": "email"},
    {"id": "email-valid", "check": "email", "field": "email"},
    {"id": "fresh", "check": "max_age", "field": "updated", "days": 365},
    {"id": "code", "check": "pattern", "field": "code", "pattern": "[A-Z]{2}"},
    {"id": "consistent", "check": "expression", "expr": "code <> 'XX'", "when": "email IS NOT NULL"},
]
EMAILS = st.sampled_from([None, "ann@example.com", "bad@@example", " lead@example.com", "x@example.org"])
DATES = st.sampled_from([None, "2024-01-01", "2020-01-01", "soon", "2024-06-30"])
CODES = st.sampled_from([None, "DE", "XX", "d3"])


def _run(frame: pl.DataFrame) -> dict[str, RuleState]:
    rule_set = rule_set_from_objects(RULES)
    data = veracity.load_data(frame, rule_set)
    return run_rules(data, rule_set.rules, CheckContext(data=data, as_of=date(2024, 6, 30)), key=None).states


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(EMAILS, DATES, CODES), min_size=2, max_size=40),
    st.integers(1, 39),
)
def test_states_of_partitions_merge_into_the_state_of_the_whole(
    rows: list[tuple[str | None, str | None, str | None]], cut: int
) -> None:
    cut = min(cut, len(rows) - 1)
    frame = pl.DataFrame(rows, schema=["email", "updated", "code"], orient="row")
    whole = _run(frame)
    first, second = _run(frame[:cut]), _run(frame[cut:])
    for rule_id, state in whole.items():
        shifted = RuleState(
            second[rule_id].evaluated,
            second[rule_id].failed,
            (second[rule_id].failing_rows + cut).cast(pl.UInt32),
        )
        merged = first[rule_id].merge(shifted)
        assert (merged.evaluated, merged.failed) == (state.evaluated, state.failed)
        assert merged.failing_rows.to_list() == state.failing_rows.to_list()


def test_findings_carry_source_line_key_and_message() -> None:
    frame = pl.DataFrame({"id": ["a", "b", "c"], "email": ["ann@example.com", None, "bad@@x"]})
    result = veracity.audit(
        frame,
        [
            {"id": "present", "check": "not_null", "field": "email"},
            {"id": "valid", "check": "email", "field": "email"},
        ],
    )
    rows = result.findings.select("rule", "source", "line", "message", "value").rows()
    assert rows == [
        ("present", "<dataframe 0>", 2, "missing value", None),
        ("valid", "<dataframe 0>", 3, "not a valid e-mail address", "bad@@x"),
    ]


def test_messages_are_worked_out_for_the_failing_records_of_one_or_several_sources() -> None:
    first = pl.DataFrame({"id": ["a", "b", "a"], "born": ["1990-01-01", "1850-05-05", "2024-01-01"]})
    second = pl.DataFrame({"id": ["b", "c"], "born": ["1991-02-02", "x"]})
    rules = [
        {"id": "one-per-id", "check": "unique", "field": "id"},
        {"id": "born", "check": "range", "field": "born", "min": "1900-01-01", "max": "today"},
    ]
    alone = veracity.audit(first, rules, as_of=date(2024, 6, 30)).findings
    assert alone.select("rule", "line", "message").rows() == [
        ("one-per-id", 3, "duplicate of the record at <dataframe 0>:1"),
        ("born", 2, "before 1900-01-01"),
    ]
    both = veracity.audit([first, second], rules, as_of=date(2024, 6, 30)).findings
    assert both.select("rule", "source", "line", "message").rows() == [
        ("one-per-id", "<dataframe 0>", 3, "duplicate of the record at <dataframe 0>:1"),
        ("one-per-id", "<dataframe 1>", 1, "duplicate of the record at <dataframe 0>:2"),
        ("born", "<dataframe 0>", 2, "before 1900-01-01"),
        ("born", "<dataframe 1>", 2, "not an ISO 8601 date"),
    ]


def test_record_scores_are_the_share_of_applicable_rules_passed() -> None:
    frame = pl.DataFrame({"email": ["ann@example.com", "bad@@x", None]})
    result = veracity.audit(
        frame,
        [
            {"id": "present", "check": "not_null", "field": "email"},
            {"id": "valid", "check": "email", "field": "email"},
        ],
    )
    # record 1 passes both; record 2 passes 1 of 2; record 3 fails the only rule that applies
    assert result.records.mean == (100 + 50 + 0) / 3
    assert result.records.perfect_share == 1 / 3


def test_when_excludes_records_from_evaluation() -> None:
    frame = pl.DataFrame({"country": ["US", "US", "DE", None], "state": ["NY", None, None, None]})
    result = veracity.audit(
        frame, [{"id": "state", "check": "not_null", "field": "state", "when": "country = 'US'"}]
    )
    (rule,) = result.rules
    assert (rule.evaluated, rule.failed) == (2, 1)


def test_unique_stays_exact_when_keys_share_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"id": ["a", "b", "c", "b", "a", "d", "c"]})
    rules = [{"id": "one-per-id", "check": "unique", "field": "id"}]
    expected = [
        (4, "duplicate of the record at <dataframe 0>:2"),
        (5, "duplicate of the record at <dataframe 0>:1"),
        (7, "duplicate of the record at <dataframe 0>:3"),
    ]
    assert veracity.audit(frame, rules).findings.select("line", "message").rows() == expected
    # Two groups for seven keys: different keys now share a hash.
    monkeypatch.setattr(keys_module, "key_hash", lambda key: key.hash() % 2)
    assert veracity.audit(frame, rules).findings.select("line", "message").rows() == expected


def test_checks_built_on_several_threads_share_each_value_once() -> None:
    """Three rules read the same field's dates in a declared format (parsed once per distinct
    value; ISO dates are parsed per record); built at the same time on several threads, the
    parse is still worked out once."""
    frame = pl.DataFrame({"updated": ["01.01.2024", "x", None, "01.01.2031"]})
    fmt = "%d.%m.%Y"
    rule_set = rule_set_from_objects(
        [
            {"id": "fresh", "check": "max_age", "field": "updated", "days": 365, "format": fmt},
            {"id": "dated", "check": "date", "field": "updated", "format": fmt},
            {"id": "past", "check": "not_in_future", "field": "updated", "format": fmt},
        ]
    )
    data = veracity.load_data(frame, rule_set)
    computed: list[object] = []
    memo = CheckContext.memo

    def counting(self: CheckContext, key: object, compute: Callable[[], object]) -> object:
        def counted() -> object:
            computed.append(key)
            time.sleep(0.1)  # the other threads ask for the same key meanwhile
            return compute()

        return memo(self, key, counted)

    with patch.object(CheckContext, "memo", counting), patch.dict("os.environ", {"VERACITY_WORKERS": "3"}):
        states = run_rules(
            data, rule_set.rules, CheckContext(data=data, as_of=date(2024, 6, 30)), key=None
        ).states
    assert computed == [("date", "updated", fmt)]
    # "x" is no date, so shown neither recent nor past; 2031 is in the future.
    assert {rule: state.failed for rule, state in states.items()} == {"fresh": 1, "dated": 1, "past": 2}


def test_the_first_rule_that_cannot_be_built_is_the_one_reported() -> None:
    rule_set = rule_set_from_objects(
        [
            {"id": "slow", "check": "not_null", "field": "a"},
            {"id": "first", "check": "pattern", "field": "a", "pattern": "x"},
            {"id": "second", "check": "pattern", "field": "a", "pattern": "y"},
        ]
    )
    data = veracity.load_data(pl.DataFrame({"a": ["x"]}), rule_set)

    def build(params: Any, ctx: CheckContext) -> pl.Expr:
        if params.pattern == "x":
            time.sleep(0.05)  # the later rule fails first
        raise UsageError(f"cannot build {params.pattern}")

    rules = [rule_set.rules[0]]
    rules += [
        dataclasses.replace(rule, check=dataclasses.replace(rule.check, build=build))
        for rule in rule_set.rules[1:]
    ]
    with pytest.raises(UsageError, match="cannot build x"):
        run_rules(data, rules, CheckContext(data=data, as_of=date(2024, 6, 30)), key=None)
