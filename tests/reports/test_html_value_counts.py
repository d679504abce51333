"""What reports read per rule off the findings, worked out from the runs of one rule id the
engine lists them in, agrees with one grouping of every finding by rule, whatever the order
of the findings (a rule's findings in several runs, rules a report does not show), and also
when there are too many runs to read them one by one: the HTML report's top failing values
and distinct counts, each rule's first findings (the samples) and its number of findings."""

from __future__ import annotations

from unittest import mock

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.masking import mask_expr
from veracity.reports import findings as findings_module
from veracity.reports._common import findings_by_rule
from veracity.reports.html import _value_counts

RULES = ("a", "b", "c")
#: How each rule's values are masked: one way per rule, as the engine writes its findings.
KINDS = {"a": "email", "b": "text", "c": "shown"}


def _reference(
    findings: pl.DataFrame, rule_ids: list[str], limit: int, reveal: bool
) -> tuple[dict[str, list[tuple[str | None, int]]], dict[str, int]]:
    """Every finding grouped by rule and value at once, ties to the value found first."""
    kept = findings.filter(pl.col("rule").is_in(rule_ids)).with_row_index("order")
    groups = (
        kept.group_by("rule", "value", "value_kind")
        .agg(pl.len().alias("count"), pl.col("order").min())
        .sort(["rule", "count", "order"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("rule") < limit)
    )
    if not reveal:
        groups = groups.with_columns(value=mask_expr(pl.col("value"), pl.col("value_kind")))
    top: dict[str, list[tuple[str | None, int]]] = {}
    for rule_id, value, count in groups.select("rule", "value", "count").iter_rows():
        top.setdefault(rule_id, []).append((value, count))
    distinct = dict(kept.group_by("rule").agg(pl.col("value").n_unique()).iter_rows())
    return top, distinct


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(RULES),
            st.one_of(st.none(), st.sampled_from(["x@example.org", "y@example.org", "zz", "", "7"])),
        ),
        max_size=60,
    ),
    shown=st.lists(st.sampled_from(RULES), unique=True),
    limit=st.integers(1, 4),
    reveal=st.booleans(),
    few_runs=st.booleans(),
)
def test_per_rule_summaries_agree_with_one_grouping(
    rows: list[tuple[str, str | None]], shown: list[str], limit: int, reveal: bool, few_runs: bool
) -> None:
    findings = pl.DataFrame(
        {
            "rule": [rule for rule, _ in rows],
            "value": [value for _, value in rows],
            "value_kind": [KINDS[rule] for rule, _ in rows],
        },
        schema={"rule": pl.String, "value": pl.String, "value_kind": pl.String},
    )
    first = findings.filter(pl.int_range(pl.len()).over("rule") < limit)
    counts = dict.fromkeys(shown, 0) | dict(sorted(findings.group_by("rule").len().iter_rows()))
    result = mock.Mock(
        findings=findings, rules=[mock.Mock(id=rule) for rule in shown], spec=["findings", "rules"]
    )
    # Without runs to read (more than _MAX_RUNS of them), every summary groups by rule id.
    with mock.patch.object(findings_module, "_MAX_RUNS", 10_000 if few_runs else 0):
        assert _value_counts(findings, shown, limit, reveal) == _reference(findings, shown, limit, reveal)
        assert findings_module._first_per_rule(findings, limit).equals(first)
        assert list(findings_by_rule(result).items()) == list(counts.items())


def test_values_of_a_rule_in_one_run_keep_the_first_found_on_a_tie() -> None:
    findings = pl.DataFrame(
        {
            "rule": ["a"] * 5 + ["b"] * 2,
            "value": ["q", "p", "p", "q", "r", "s", "s"],
            "value_kind": ["shown"] * 7,
        }
    )
    top, distinct = _value_counts(findings, ["a", "b"], 2, reveal_values=True)
    assert top == {"a": [("q", 2), ("p", 2)], "b": [("s", 2)]}
    assert distinct == {"a": 3, "b": 1}
