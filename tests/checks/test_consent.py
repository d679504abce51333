"""The consent check's messages: an unknown yes/no spelling is named by field, never by value."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity
from tests.checks.conftest import AS_OF, verdicts
from veracity.checks import CheckContext
from veracity.checks.typed import field_dates
from veracity.config import rule_set_from_objects

RULE = {"id": "consent", "check": "consent", "field": "consent_date", "opt_in_field": "marketing_opt_in"}
UNKNOWN = (
    "marketing_opt_in: a value that is no known yes/no spelling; add it under booleans: in the rule file"
)


@pytest.mark.parametrize(
    ("opt_in", "consent_date", "message"),
    [
        ("ja", "2024-01-01", UNKNOWN),
        ("Geheim-Wert", None, UNKNOWN),
        ("yes", None, "opted in without a recorded consent date"),
        ("yes", "gestern", "consent date is not a date"),
        ("yes", "2025-01-01", "consent date is in the future"),
    ],
)
def test_failing_records_say_why(opt_in: str, consent_date: str | None, message: str) -> None:
    frame = pl.DataFrame(
        {"marketing_opt_in": [opt_in], "consent_date": [consent_date]},
        schema={"marketing_opt_in": pl.String, "consent_date": pl.String},
    )
    result = veracity.audit(frame, [RULE], as_of=date(2024, 6, 30))
    assert result.findings.get_column("message").to_list() == [message]
    assert opt_in not in message


def test_unknown_spellings_make_the_rule_evaluate_and_fail() -> None:
    frame = pl.DataFrame(
        {"marketing_opt_in": ["ja", "nein", "ja"], "consent_date": ["2024-01-01", None, None]}
    )
    (rule,) = veracity.audit(frame, [RULE], as_of=date(2024, 6, 30)).rules
    assert (rule.evaluated, rule.failed, rule.status.value) == (3, 3, "fail")


def _reference(params: dict[str, Any], frame: pl.DataFrame) -> list[str]:
    """The verdicts as consent judged before the opt-in was read once and the dates only of
    those who opted in were parsed: every record's date parsed, the opt-in looked up twice."""
    opt_in = pl.col("opt_in")
    fmt = params.get("format")
    loaded = veracity.load_data(frame, rule_set_from_objects([{"id": "r", "check": "consent", **params}]))
    ctx = CheckContext(data=loaded, as_of=AS_OF)
    parsed = field_dates(ctx, "consent_date", fmt)
    opted_in = ctx.parse_bool(opt_in)
    unknown = opt_in.is_not_null() & opted_in.is_null()
    days = params.get("max_age_days")
    if days is not None:
        good = parsed.is_between(pl.lit(AS_OF) - pl.duration(days=days), pl.lit(AS_OF))
    else:
        good = parsed <= pl.lit(AS_OF)
    verdict = pl.when(unknown).then(pl.lit(False)).when(opted_in.fill_null(False)).then(good.fill_null(False))
    return [
        "skip" if v is None else ("pass" if v else "fail") for v in loaded.frame.select(verdict).to_series()
    ]


_OPT_INS = ["yes", "no", "Y", "n", "TRUE", "0", "1", "ja", "maybe", None]
_DATES = [
    "2024-06-30", "2024-07-01", "2023-06-30", "2023-07-01", "2024-02-29", "2023-02-29", "20240101",
    "2024-06-30 23:59:60", "2024-06-29T23:59:60", "2024-06-30T10:00:00+02:00", "2024-06-30 10:00:00.5",
    "30.06.2024", "01.07.2024", "31.02.2024", "gestern", None,
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_OPT_INS), st.sampled_from(_DATES)), min_size=1, max_size=30),
    st.sampled_from([None, 1, 365]),
    st.sampled_from([None, "%d.%m.%Y"]),
)
def test_verdicts_match_every_record_parsed_and_looked_up(
    records: list[tuple[str | None, str | None]], max_age_days: int | None, fmt: str | None
) -> None:
    params: dict[str, Any] = {"field": "consent_date", "opt_in_field": "opt_in"}
    if max_age_days is not None:
        params["max_age_days"] = max_age_days
    if fmt is not None:
        params["format"] = fmt
    data = {"opt_in": [o for o, _ in records], "consent_date": [d for _, d in records]}
    frame = pl.DataFrame(data, schema={"opt_in": pl.String, "consent_date": pl.String})
    assert verdicts("consent", params, data) == _reference(params, frame)
