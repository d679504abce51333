"""The duplicates check in the rule file and the engine: errors at their YAML line, fields,
limits, and verdicts through a real audit."""

from __future__ import annotations

import polars as pl
import pytest

import veracity.checks.duplicates  # noqa: F401  (registers the check until checks/__init__ imports it)
from tests.linkage.conftest import people
from veracity import audit
from veracity.config import parse_rule_text, rule_set_from_objects
from veracity.errors import FieldError, LimitError, RuleFileError

RULES = """\
version: 1
rules:
  - id: same-person
    check: duplicates
    compare:
      - {field: first_name, method: jaro_winkler}
      - {field: last_name, method: %s}
    blocking:
      - [last_name_soundex]
"""


@pytest.mark.parametrize(
    ("method", "line", "message"),
    [
        ("jarowinkler", 7, "unknown comparison method 'jarowinkler'; did you mean 'jaro_winkler'?"),
        ("exact, levels: [0.9]", 7, "method exact has fixed levels; remove 'levels'"),
        ("date, region_field: country", 7, "'region_field' applies to method phone only"),
        (
            "date, swapped_with: first_name",
            7,
            "'swapped_with' applies to methods exact, jaro_winkler, levenshtein, token_set only",
        ),
    ],
)
def test_bad_comparisons_are_errors_at_their_line(method: str, line: int, message: str) -> None:
    with pytest.raises(RuleFileError) as error:
        parse_rule_text(RULES % method, "rules.yaml")
    assert error.value.location is not None
    assert error.value.location.line == line
    assert message in str(error.value)


def test_an_unknown_key_in_a_comparison_names_the_right_one() -> None:
    with pytest.raises(
        RuleFileError, match=r"rules\.yaml:7:\d+: .*unknown key 'metod'; did you mean 'method'\?"
    ):
        parse_rule_text(RULES.replace("method: %s", "metod: exact"), "rules.yaml")


def test_blocking_rules_must_have_keys_and_differ() -> None:
    text = RULES % "exact"
    with pytest.raises(RuleFileError, match=r"blocking\[1\] has no keys"):
        parse_rule_text(
            text.replace("      - [last_name_soundex]\n", "      - [last_name_soundex]\n      - []\n")
        )
    with pytest.raises(RuleFileError, match=r"blocking\[1\] repeats blocking\[0\]"):
        parse_rule_text(
            text.replace(
                "      - [last_name_soundex]\n", "      - [last_name_soundex]\n      - last_name_soundex\n"
            )
        )


def test_a_field_compared_twice_is_refused() -> None:
    with pytest.raises(RuleFileError, match="field 'first_name' is already compared by compare\\[0\\]"):
        parse_rule_text((RULES % "exact").replace("field: last_name", "field: first_name"))


def test_fields_of_the_rule_compared_first_then_blocking() -> None:
    [rule] = parse_rule_text(
        (RULES % "phone, region_field: country").replace("[last_name_soundex]", "[postal_code, birth_year]")
    ).rules
    # birth_year's field cannot be told without the data: it is checked when the rule runs.
    assert rule.fields == ["first_name", "last_name", "country", "postal_code"]


def _frame(count: int = 40) -> pl.DataFrame:
    crowd = people(count)
    return pl.DataFrame({name: [*values, values[0]] for name, values in crowd.items()})


def test_unknown_compared_fields_are_refused_before_running() -> None:
    rule = {
        "id": "d",
        "check": "duplicates",
        "compare": [{"field": "frist_name", "method": "jaro_winkler"}],
        "blocking": [["email"]],
    }
    with pytest.raises(FieldError, match="field 'frist_name' is in no source; did you mean 'first_name'\\?"):
        audit(_frame(), [rule])


def test_unknown_derived_keys_are_refused() -> None:
    rule = {
        "id": "d",
        "check": "duplicates",
        "compare": [{"field": "first_name", "method": "jaro_winkler"}],
        "blocking": [["lastname_soundex"]],
    }
    with pytest.raises(FieldError, match="key 'lastname_soundex' is derived from field 'lastname'"):
        audit(_frame(), [rule])


def test_too_many_pairs_stop_the_audit_with_a_hint() -> None:
    frame = _frame(60).with_columns(pl.lit("DE").alias("country"))
    rule = {
        "id": "d",
        "check": "duplicates",
        "compare": [{"field": "first_name", "method": "jaro_winkler"}],
        "blocking": [["country"]],
        "max_pairs": 1000,
    }
    with pytest.raises(LimitError, match=r"blocking\[0\] \[country\] would compare 1,830 pairs"):
        audit(frame, [rule])


def test_verdicts_findings_and_details_through_the_engine() -> None:
    rule = {
        "id": "same-person",
        "check": "duplicates",
        "compare": [
            {"field": "first_name", "method": "jaro_winkler"},
            {"field": "last_name", "method": "jaro_winkler"},
            {"field": "birth_date", "method": "date"},
            {"field": "email", "method": "email"},
            {"field": "phone", "method": "phone", "default_region": "DE"},
        ],
        "blocking": [["email"], ["last_name_soundex", "birth_year"]],
    }
    result = audit(_frame(), rule_set_from_objects([rule], key="email"))
    [state] = result.rules
    assert (state.evaluated, state.failed) == (41, 1)
    [finding] = result.findings.to_dicts()
    assert finding["line"] == 41
    assert finding["cluster_id"] == 1
    assert finding["message"].startswith("likely duplicate of <dataframe 0>:1 (p=")
    assert "agreeing: first_name, last_name, birth_date, email, phone" in finding["message"]
    assert result.details["same-person"].to_dict()["clusters"] == 1


def test_field_problems_locate_each_unknown_field_in_the_rule_file() -> None:
    """What the loader needs to report unknown fields and derived keys at their own line."""
    text = (RULES % "jaro_winkler").replace("[last_name_soundex]", "[lastname_soundex, birth_year]")
    rule_set = parse_rule_text(text, "rules.yaml")
    [rule] = rule_set.rules
    problems = rule.params.field_problems(["first_name", "last_name", "birth_date"])  # type: ignore[attr-defined]
    assert [path for path, _ in problems] == [("blocking", 0, 0)]
    path, message = problems[0]
    assert message.startswith(
        "blocking[0][0]: key 'lastname_soundex' is derived from field 'lastname', which is in no source; "
        "did you mean 'last_name_soundex'?"
    )
    location = rule_set.locate(("rules", 0, *path))
    assert location is not None
    assert location.line == 9


def test_a_rule_without_blocking_blocks_on_typo_keys_of_its_fields() -> None:
    compare = "\n".join(
        f"      - {{field: {field}, method: {method}}}"
        for field, method in [
            ("first_name", "jaro_winkler"),
            ("last_name", "jaro_winkler"),
            ("email", "email"),
        ]
    )
    text = f"version: 1\nrules:\n  - id: d\n    check: duplicates\n    compare:\n{compare}\n"
    rule_set = parse_rule_text(text, "rules.yaml")
    assert rule_set.rules[0].fields == ["first_name", "last_name", "email"]
    # The last record repeats the first with a typo in its e-mail address.
    frame = _frame()
    emails = frame.get_column("email").to_list()
    frame = frame.with_columns(pl.Series("email", [*emails[:-1], "x" + emails[-1]]))
    result = audit(frame, rule_set)
    [state] = result.rules
    assert (state.evaluated, state.failed) == (41, 1)
    assert [rule["keys"] for rule in result.details["d"].to_dict()["blocking"]] == [
        ["email_typo"],
        ["first_name_typo", "last_name_typo"],
    ]


def test_an_unknown_swapped_with_field_is_located_in_the_rule_file() -> None:
    text = RULES % "jaro_winkler, swapped_with: frist_name"
    rule_set = parse_rule_text(text, "rules.yaml")
    [rule] = rule_set.rules
    problems = rule.params.field_problems(["first_name", "last_name"])  # type: ignore[attr-defined]
    assert problems == [
        (
            ("compare", 1, "swapped_with"),
            "compare[1].swapped_with: field 'frist_name' is in no source; did you mean 'first_name'? "
            "(fields: first_name, last_name)",
        )
    ]
    location = rule_set.locate(("rules", 0, *problems[0][0]))
    assert location is not None
    assert location.line == 7
