"""Validity checks beyond the table-driven cases (run by test_check_cases.py): case coverage,
parameter validation, library-call counts, explanations and the lookup tables."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from pydantic import ValidationError

from tests.checks.conftest import verdicts
from veracity.checks.base import REGISTRY, CheckContext, Dimension
from veracity.sources.base import LoadedData
from veracity.text.countries import ALPHA2, ALPHA3, COUNTRIES, to_alpha2
from veracity.text.postal import POSTAL_PATTERNS, postal_regex

CASES_FILE = Path(__file__).parent / "cases" / "validity.yaml"
AS_OF = date(2024, 6, 30)
VALIDITY_CHECKS = ("email", "phone", "pattern", "in_set", "range", "date", "length", "country", "postal_code")


def evaluate(
    check: str,
    rule: dict[str, Any],
    data: dict[str, list[str | None]],
    *,
    as_of: date = AS_OF,
    date_formats: dict[str, str] | None = None,
) -> list[str]:
    """'pass' / 'fail' / 'skip' per record, through the real engine."""
    settings = {"fields": {name: {"format": fmt} for name, fmt in (date_formats or {}).items()}}
    return verdicts(check, rule, data, as_of=as_of, settings=settings)


def load_cases() -> list[dict[str, Any]]:
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


CASES = load_cases()


def test_every_check_has_cases() -> None:
    covered = {case["check"] for case in CASES}
    assert covered == set(VALIDITY_CHECKS)


@pytest.mark.parametrize("country", sorted(POSTAL_PATTERNS))
def test_every_postal_country_has_a_passing_and_a_failing_case(country: str) -> None:
    verdicts = [
        verdict
        for case in CASES
        if case["check"] == "postal_code" and case["rule"].get("country") == country
        for verdict in case["expected"]
    ]
    assert "pass" in verdicts
    assert "fail" in verdicts


# ---------------------------------------------------------------------------------------------
# registration and documentation


@pytest.mark.parametrize("name", VALIDITY_CHECKS)
def test_registered_as_validity(name: str) -> None:
    check = REGISTRY[name]
    assert check.dimension is Dimension.VALIDITY
    assert check.scope == "row"
    assert check.value_kind == {"email": "email", "phone": "phone"}.get(name, "text")


def test_postal_docstring_lists_the_table() -> None:
    listed = re.search(r"Countries with a known format: ([A-Z, \n]+)\.", REGISTRY["postal_code"].doc)
    assert listed is not None
    assert sorted(re.findall(r"[A-Z]{2}", listed.group(1))) == sorted(POSTAL_PATTERNS)


# ---------------------------------------------------------------------------------------------
# parameters refused at configuration time


@pytest.mark.parametrize(
    ("check", "rule", "reason"),
    [
        ("pattern", {"field": "f", "pattern": "("}, "invalid regular expression: unclosed group"),
        ("pattern", {"field": "f", "pattern": "[a-"}, "invalid regular expression: unclosed character class"),
        ("pattern", {"field": "f", "pattern": "(?=a)"}, "invalid regular expression: look-around"),
        ("pattern", {"field": "f", "pattern": "a)|(b"}, "invalid regular expression"),
        ("pattern", {"field": "f", "pattern": ""}, "at least 1 character"),
        ("phone", {"field": "f", "default_region": "QQ"}, "unknown default_region 'QQ'"),
        ("phone", {"field": "f", "default_region": "Germany"}, "unknown default_region"),
        ("phone", {"field": "f", "region_field": "f"}, "region_field must name another field"),
        ("range", {"field": "f"}, "give min, max or both"),
        ("range", {"field": "f", "min": 10, "max": 1}, "min (10) is greater than max (1)"),
        ("range", {"field": "f", "min": "2024-02-01", "max": "2024-01-01"}, "greater than max"),
        ("range", {"field": "f", "min": 1, "max": "today"}, "both be numbers or both be dates"),
        ("range", {"field": "f", "min": "2024-13-01"}, "is not a calendar date"),
        ("range", {"field": "f", "min": "yesterday"}, "must be a number, a date"),
        ("range", {"field": "f", "min": "10"}, "must be a number, a date"),
        ("range", {"field": "f", "min": True}, "must be a number, a date"),
        ("range", {"field": "f", "min": float("nan")}, "finite number"),
        ("range", {"field": "f", "max": 10**400}, "finite number"),
        ("range", {"field": "f", "max": "today+1000y"}, "offset too large"),
        ("range", {"field": "f", "min": 0, "format": "%d.%m.%Y"}, "format applies to date bounds only"),
        ("range", {"field": "f", "max": "today", "format": "%Q"}, "not a usable date format"),
        ("date", {"field": "f", "format": "%Q"}, "not a usable date format"),
        ("date", {"field": "f", "format": "%"}, "not a usable date format"),
        ("date", {"field": "f", "format": "dd.mm.yyyy"}, "at least one %-directive"),
        ("length", {"field": "f"}, "give min, max or both"),
        ("length", {"field": "f", "min": 5, "max": 2}, "min (5) is greater than max (2)"),
        ("length", {"field": "f", "min": -1}, "greater than or equal to 0"),
        ("length", {"field": "f", "max": "3"}, "valid integer"),
        ("length", {"field": "f", "max": 10**40}, "less than or equal to 4294967295"),
        ("pattern", {"field": "f", "pattern": "a", "negate": "maybe"}, "valid boolean"),
        ("in_set", {"field": "f", "values": ["a"], "negate": [True]}, "valid boolean"),
        ("in_set", {"field": "f", "values": []}, "at least 1 item"),
        ("in_set", {"field": "f", "values": [True, False]}, "values must be strings"),
        ("country", {"field": "f", "alpha": "numeric"}, "alpha2"),
        ("postal_code", {"field": "f"}, "give country_field, country or both"),
        ("postal_code", {"field": "f", "country": "Germany"}, "not an ISO 3166-1 country code"),
        ("postal_code", {"field": "f", "country": "AR"}, "no postal code format is known for AR"),
        ("postal_code", {"field": "f", "country_field": "f"}, "country_field must name another field"),
        ("email", {"field": "f", "strict": True}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_params_are_refused(check: str, rule: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        REGISTRY[check].params.model_validate(rule)
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("check", "rule", "param", "normalised"),
    [
        ("phone", {"field": "f", "default_region": "deu"}, "default_region", "DE"),
        ("phone", {"field": "f", "default_region": "xk"}, "default_region", "XK"),
        ("postal_code", {"field": "f", "country": "usa"}, "country", "US"),
        ("range", {"field": "f", "max": "Today - 30d"}, "max", "today-30d"),
        ("range", {"field": "f", "max": "2024-01-31"}, "max", date(2024, 1, 31)),
        ("range", {"field": "f", "max": date(2024, 1, 31)}, "max", date(2024, 1, 31)),
        ("range", {"field": "f", "min": 1, "max": 2.5}, "max", 2.5),
        ("date", {"field": "f", "format": "%Y-%m-%dT%H:%M:%S%z"}, "format", "%Y-%m-%dT%H:%M:%S%z"),
    ],
)
def test_params_are_normalised(check: str, rule: dict[str, Any], param: str, normalised: Any) -> None:
    assert getattr(REGISTRY[check].params.model_validate(rule), param) == normalised


def test_regex_error_reason_is_short() -> None:
    with pytest.raises(ValidationError) as info:
        REGISTRY["pattern"].params.model_validate({"field": "f", "pattern": "(abc"})
    message = info.value.errors()[0]["msg"]
    assert message == "Value error, invalid regular expression: unclosed group"


# ---------------------------------------------------------------------------------------------
# behaviour beyond single cases


@pytest.mark.parametrize(
    ("bound", "as_of", "values", "expected"),
    [
        ({"min": "today-18y"}, date(1, 1, 1), ["0001-01-01", "2024-01-01"], ["pass", "pass"]),
        ({"min": "today-30d"}, date(1, 1, 1), ["0001-01-01"], ["pass"]),
        ({"max": "today+1y"}, date(9999, 12, 31), ["9999-12-31"], ["pass"]),
        ({"max": "today+30d"}, date(9999, 12, 31), ["9999-12-31"], ["pass"]),
    ],
)
def test_range_offsets_stop_at_the_ends_of_the_calendar(
    bound: dict[str, Any], as_of: date, values: list[str], expected: list[str]
) -> None:
    # An offset past year 1 or 9999 once ended the audit with an internal error.
    assert evaluate("range", {"field": "d", **bound}, {"d": values}, as_of=as_of) == expected


def test_range_month_and_year_offsets_clamp_to_month_end() -> None:
    data = {"d": ["2024-02-29", "2024-02-28", "2023-02-28"]}
    assert evaluate("range", {"field": "d", "min": "today-1m"}, data, as_of=date(2024, 3, 31)) == [
        "pass",
        "fail",
        "fail",
    ]
    # A year before 2024-02-29 is 2023-02-28 (there is no 2023-02-29).
    assert evaluate("range", {"field": "d", "min": "today-1y"}, data, as_of=date(2024, 2, 29)) == [
        "pass",
        "pass",
        "pass",
    ]
    assert evaluate(
        "range", {"field": "d", "min": "today-1y"}, {"d": ["2023-02-27"]}, as_of=date(2024, 2, 29)
    ) == ["fail"]


def test_postal_patterns_compile_and_are_anchored() -> None:
    for country in POSTAL_PATTERNS:
        regex = postal_regex(country)
        frame = pl.DataFrame({"v": ["", "x"]})
        frame.select(pl.col("v").str.contains(regex))  # compiles in polars
        assert regex.startswith("^(?:")
        assert regex.endswith(")$")


# ---------------------------------------------------------------------------------------------
# the country table


def test_country_table_is_complete_and_consistent() -> None:
    assert len(COUNTRIES) == 249
    assert len(ALPHA2) == 249
    assert len(ALPHA3) == 249
    for alpha2, alpha3, name in COUNTRIES:
        assert re.fullmatch(r"[A-Z]{2}", alpha2)
        assert re.fullmatch(r"[A-Z]{3}", alpha3)
        assert name
    assert [c[0] for c in COUNTRIES] == sorted(ALPHA2)
    assert "XK" not in ALPHA2  # user-assigned, see veracity/text/countries.py


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("deu", "DE"),
        (" gBr ", "GB"),
        ("NLD", "NL"),
        ("SSD", "SS"),
        ("XK", None),
        ("UK", None),
        ("Germany", None),
        ("ſe", None),
        ("", None),
    ],
)
def test_to_alpha2(code: str, alpha2: str | None) -> None:
    assert to_alpha2(code) == alpha2


def test_every_country_code_passes_the_country_check() -> None:
    codes = sorted(ALPHA2 | ALPHA3)
    assert set(evaluate("country", {"field": "c"}, {"c": codes})) == {"pass"}
    lower = [code.lower() for code in codes]
    assert set(evaluate("country", {"field": "c"}, {"c": lower})) == {"fail"}
    assert set(evaluate("country", {"field": "c", "ignore_case": True}, {"c": lower})) == {"pass"}


# ---------------------------------------------------------------------------------------------
# per-record failure messages


def explain(
    check: str, rule: dict[str, Any], values: list[str], date_formats: dict[str, str] | None = None
) -> list[str]:
    frame = pl.DataFrame({"f": pl.Series(values, dtype=pl.String)})
    ctx = CheckContext(LoadedData(frame, []), as_of=AS_OF, date_formats=date_formats or {})
    check_type = REGISTRY[check]
    assert check_type.explain is not None
    params = check_type.params.model_validate({"field": "f", **rule})
    return frame.select(check_type.explain(params, ctx).alias("m")).get_column("m").to_list()


@pytest.mark.parametrize(
    ("rule", "values", "messages"),
    [
        (
            {"min": 0, "max": 100},
            ["-1", "101", "abc"],
            ["less than 0", "greater than 100", "not a number"],
        ),
        (
            {"min": 0.5, "max": 1.5, "inclusive": False},
            ["0.5", "1.5"],
            ["not greater than 0.5", "not less than 1.5"],
        ),
        (
            {"min": "today-30d", "max": "today"},
            ["2024-05-01", "2024-07-01", "01.07.2024"],
            ["before 2024-05-31 (today-30d)", "after 2024-06-30 (today)", "not an ISO 8601 date"],
        ),
        (
            {"max": date(2024, 1, 1), "inclusive": False, "format": "%d.%m.%Y"},
            ["01.01.2024", "2023-12-31"],
            ["not before 2024-01-01", "not a date in format %d.%m.%Y"],
        ),
    ],
)
def test_range_explains_each_failure(rule: dict[str, Any], values: list[str], messages: list[str]) -> None:
    assert explain("range", rule, values) == messages


def test_range_explain_names_the_declared_format() -> None:
    assert explain("range", {"max": "today"}, ["x"], {"f": "%m/%d/%Y"}) == ["not a date in format %m/%d/%Y"]


@pytest.mark.parametrize(
    ("check", "rule", "message"),
    [
        ("in_set", {"values": ["x"]}, "not one of the allowed values"),
        ("in_set", {"values": ["x"], "negate": True}, "one of the banned values"),
        ("pattern", {"pattern": "x"}, "does not match x"),
        ("pattern", {"pattern": "x", "negate": True}, "matches the banned pattern x"),
    ],
)
def test_negated_rules_say_the_value_is_banned(check: str, rule: dict[str, Any], message: str) -> None:
    assert explain(check, rule, ["x", "y"]) == [message, message]


def test_length_explains_each_failure() -> None:
    assert explain("length", {"min": 2, "max": 3}, ["a", "abcd"]) == [
        "shorter than 2 characters",
        "longer than 3 characters",
    ]
