"""The consent check's messages: an unknown yes/no spelling is named by field, never by value."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import veracity

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
