"""Each rule's first findings, as the reports' samples: the same whether the findings come rule
by rule (the engine's order) or interleaved."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.reports.findings import _first_per_rule, rule_runs

_RULES = st.lists(st.sampled_from(["a", "b", "c", None]), max_size=40)


@settings(deadline=None)
@given(rules=_RULES, per_rule=st.integers(min_value=0, max_value=5), grouped=st.booleans())
def test_first_findings_per_rule_in_order(rules: list[str | None], per_rule: int, grouped: bool) -> None:
    if grouped:  # the engine's order: rule by rule
        rules = sorted(rules, key=lambda rule: (rule is None, rule or ""))
    frame = pl.DataFrame(
        {"rule": rules, "row": range(len(rules))}, schema={"rule": pl.String, "row": pl.Int64}
    )
    kept = _first_per_rule(frame, per_rule).get_column("row").to_list()
    seen: dict[str | None, int] = {}
    expected = []
    for row, rule in enumerate(rules):
        seen[rule] = seen.get(rule, 0) + 1
        if seen[rule] <= per_rule:
            expected.append(row)
    assert kept == expected


@settings(deadline=None)
@given(rules=_RULES)
def test_rule_runs_are_the_runs_of_one_rule_id(rules: list[str | None]) -> None:
    frame = pl.DataFrame({"rule": rules}, schema={"rule": pl.String})
    expected = [(len(list(run)), str(rule)) for rule, run in itertools.groupby(rules)]
    assert rule_runs(frame) == expected
