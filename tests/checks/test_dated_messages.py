"""A failing date rule's message says whether the value is a date at all: ISO values are told
dates without reading them (``is_iso_date``), declared formats by reading them."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

import veracity

OLD_OR_NOT = [
    ("2020-01-01", "older"),
    ("20200101", "older"),
    ("2020-01-01 10:00", "older"),
    ("2020-01-01T10:00:00", "older"),
    ("2020-01-01 10:00:00.5", "older"),
    ("2020-01-01T10:00:00+02:00", "older"),
    ("2019-12-31 23:59:60", "older"),
    ("2020-02-30", "not a date"),
    ("2020-01-01 24:00:00", "not a date"),
    ("2020-1-1", "not a date"),
    ("yesterday", "not a date"),
    (" 2020-01-01", "not a date"),
]


@pytest.mark.parametrize(("value", "kind"), OLD_OR_NOT)
def test_max_age_says_older_or_not_a_date(value: str, kind: str) -> None:
    rule: dict[str, Any] = {"id": "fresh", "check": "max_age", "field": "updated", "days": 30}
    frame = pl.DataFrame({"updated": [value]})
    findings = veracity.audit(frame, [rule], as_of=date(2024, 6, 30)).findings
    expected = "older than 30 days" if kind == "older" else "not a date"
    assert findings.get_column("message").to_list() == [expected]


@pytest.mark.parametrize(
    ("value", "message"),
    [("2030-01-01 00:00:00", "date in the future"), ("2030-13-01", "not a date"), ("soon", "not a date")],
)
def test_not_in_future_says_in_the_future_or_not_a_date(value: str, message: str) -> None:
    rule = {"id": "past", "check": "not_in_future", "field": "updated"}
    frame = pl.DataFrame({"updated": [value]})
    findings = veracity.audit(frame, [rule], as_of=date(2024, 6, 30)).findings
    assert findings.get_column("message").to_list() == [message]


def test_a_declared_format_is_read_for_the_message() -> None:
    rule = {"id": "fresh", "check": "max_age", "field": "updated", "days": 30, "format": "%d.%m.%Y"}
    frame = pl.DataFrame({"updated": ["01.01.2020", "2020-01-01", "31.02.2020"]})
    findings = veracity.audit(frame, [rule], as_of=date(2024, 6, 30)).findings
    assert findings.get_column("message").to_list() == ["older than 30 days", "not a date", "not a date"]
