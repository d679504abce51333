"""Date rules reading one field share one parse of it in the engine's one-pass plan.

Every rule that judges a field's dates (``date``, a date ``range``, ``max_age``,
``not_in_future``) reads the column the engine stages once (``CheckContext.staged``), so the
plan holds the parse of each field once however many rules read it. The test reads the plan
polars is given, before its own optimiser could merge repeated expressions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

import veracity
from veracity.checks import CheckContext
from veracity.config import rule_set_from_objects
from veracity.engine import run_rules
from veracity.text.dates import parse_date

DATE_RULES = [
    {"id": "is-date", "check": "date", "field": "updated"},
    {"id": "recent-enough", "check": "range", "field": "updated", "min": "2020-01-01"},
    {"id": "fresh", "check": "max_age", "field": "updated", "days": 365},
    {"id": "not-future", "check": "not_in_future", "field": "updated"},
]
VALUES = ["2024-01-01", "2024-06-30 19:29:06", "2019-12-31", "2030-01-01", "soon", None]


def _parses(plan: str) -> int:
    return plan.count(".str.strptime(")


def _one_pass_plans(
    rules: list[dict[str, Any]], failed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """The unoptimised plans of the engine's collects that compute the rules' verdicts (which
    fail the records ``failed`` counts)."""
    plans: list[str] = []
    collect = pl.LazyFrame.collect

    def spy(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> Any:
        plans.append(self.explain(optimized=False))
        return collect(self, *args, **kwargs)

    rule_set = rule_set_from_objects(rules)
    data = veracity.load_data(pl.DataFrame({"updated": VALUES}, schema={"updated": pl.String}), rule_set)
    monkeypatch.setattr(pl.LazyFrame, "collect", spy)
    states = run_rules(
        data, rule_set.rules, CheckContext(data=data, as_of=date(2024, 6, 30)), key=None
    ).states
    monkeypatch.undo()
    # The rules still judge: the shared column is read by each of them.
    assert {rule_id: state.failed for rule_id, state in states.items()} == failed
    return [plan for plan in plans if all(f'alias("{rule["id"]}")' in plan for rule in rules)]


@pytest.mark.parametrize(
    ("fmt", "failed"),
    [
        # "soon" is no date; 2019 is too old for the range and max_age, 2030 in the future.
        (None, {"is-date": 1, "recent-enough": 2, "fresh": 2, "not-future": 2}),
        # With a declared date format the timestamp is no date either.
        ("%Y-%m-%d", {"is-date": 2, "recent-enough": 3, "fresh": 3, "not-future": 3}),
    ],
)
def test_date_rules_on_one_field_share_one_parse(
    fmt: str | None, failed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [{**rule, **({"format": fmt} if fmt else {})} for rule in DATE_RULES]
    one = _parses(
        pl.LazyFrame({"updated": ["x"]}).select(parse_date(pl.col("updated"))).explain(optimized=False)
    )
    plans = _one_pass_plans(rules, failed, monkeypatch)
    assert len(plans) == 1
    if fmt is None:
        # ISO: the vectorised parse of every record, once.
        assert _parses(plans[0]) == one
    else:
        # A declared format is parsed once per distinct value and looked up per record, once.
        assert _parses(plans[0]) == 0
        assert plans[0].count("replace_strict") == 1


def test_a_field_only_the_date_check_reads_is_told_dates_without_reading_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ``date`` check's verdict reads the regular expressions' columns of the ISO parse, not
    the dates: alone on a field, its plan holds no parse of the common shapes (``%Y-%m-%d``,
    ``%Y%m%d``), only the other shapes' formats; with a rule that reads the dates, one parse."""
    (alone,) = _one_pass_plans(DATE_RULES[:1], {"is-date": 1}, monkeypatch)
    assert "%Y-%m-%d" not in alone.replace("%Y-%m-%dT", "").replace("%Y-%m-%d %", "")
    assert "%Y%m%d" not in alone
    (both,) = _one_pass_plans(DATE_RULES[:3:2], {"is-date": 1, "fresh": 2}, monkeypatch)
    one = _parses(
        pl.LazyFrame({"updated": ["x"]}).select(parse_date(pl.col("updated"))).explain(optimized=False)
    )
    assert _parses(both) == one
    assert _parses(alone) < one
