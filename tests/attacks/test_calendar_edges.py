"""Audit dates and data dates at the ends of the calendar (year 1, year 9999) audit, through the CLI:
every date rule and date arithmetic in SQL gives a verdict, never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.attacks.harness import Attack, attack

RULES = """version: 1
rules:
  - {id: fresh, check: max_age, field: d, days: 30}
  - {id: fresh-longest, check: max_age, field: d, days: 1000000}
  - {id: past, check: not_in_future, field: d}
  - {id: adult, check: range, field: b, max: today-18y}
  - {id: recent, check: range, field: d, min: today-30d}
  - {id: sql-interval, check: expression, expr: "d + INTERVAL 99999 DAY > d"}
"""
DATA = "id,d,b\n1,2024-01-01,1990-05-05\n2,9999-12-31,0001-01-01\n3,0001-01-01,9999-12-31\n4,x,\n"


@pytest.mark.parametrize("as_of", ["0001-01-01", "0001-01-02", "2024-06-30", "9999-12-30", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_audited(as_of: str, tmp_path: Path) -> None:
    outcome = attack(
        Attack(
            f"as-of-{as_of}",
            ["audit", "-r", "rules.yaml", "data.csv", "--as-of", as_of, "-f", "json"],
            {"rules.yaml": RULES, "data.csv": DATA},
            exit_code=1,
            planted=(),
        ),
        tmp_path,
    )
    rules = json.loads(outcome.stdout)["rules"]
    assert [rule["id"] for rule in rules] == [
        "fresh",
        "fresh-longest",
        "past",
        "adult",
        "recent",
        "sql-interval",
    ]
    # 'x' is no date: every rule reading d fails it, whatever the audit date.
    assert all(rule["failed"] >= 1 for rule in rules if rule["id"] != "adult")
    assert all(rule["evaluated"] == rule["passed"] + rule["failed"] for rule in rules)
