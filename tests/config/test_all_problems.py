"""A rule file's problems are all reported in one run, each at its place, sorted by position."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli import app
from veracity.config import check_fields, parse_rule_text, rule_set_from_objects
from veracity.errors import FieldError, RuleFileError

FOUR_TYPOS = """\
version: 1
gate: {min_scor: 90}
rules:
  - {id: a, check: emial, field: email}
  - {id: b, check: not_null, feild: email}
  - {id: c, check: max_age, field: d, days: soon}
"""

FOUR_TYPOS_LINES = [
    "rules.yaml:2:8: gate: unknown key 'min_scor'; did you mean 'min_score'?",
    "rules.yaml:4:20: rules[0].check: unknown check type 'emial'; did you mean 'email'? "
    "(run 'veracity rules list' for the catalogue)",
    "rules.yaml:5:30: rules[1]: unknown key 'feild'; did you mean 'field'?",
    "rules.yaml:6:45: rules[2].days: input should be a valid integer, unable to parse string as an integer",
]


def _problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_text(text, "rules.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_four_typos_are_four_problems_in_one_run() -> None:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_text(FOUR_TYPOS, "rules.yaml")
    error = caught.value
    assert [str(problem) for problem in error.problems] == FOUR_TYPOS_LINES
    assert error.summary == "rules.yaml: 4 problems in the rule file, one per line below"
    assert str(error) == "\n  ".join([error.summary, *FOUR_TYPOS_LINES])


def test_the_cli_prints_one_error_line_and_one_indented_line_per_problem(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(FOUR_TYPOS, encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "check", str(rules), "--no-data"])
    assert result.exit_code == 2
    shown = str(rules)
    assert result.stderr.splitlines() == [
        f"Error: {shown}: 4 problems in the rule file, one per line below",
        *(f"  {line.replace('rules.yaml', shown, 1)}" for line in FOUR_TYPOS_LINES),
    ]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e}\n  - {id: a, check: not_null, field: f}\n"
            "  - {id: a, check: not_null, field: g}\n",
            [
                "rules.yaml:4:10: rules[1].id: 'a' is already used by rules[0]; rule ids must be unique",
                "rules.yaml:5:10: rules[2].id: 'a' is already used by rules[0]; rule ids must be unique",
            ],
            id="every duplicate id",
        ),
        pytest.param(
            'version: 1\nrules:\n  - {id: a, check: pattern, field: e, pattern: "[a-z"}\n'
            "  - {id: b c, check: in_set, field: e, values: []}\n",
            [
                "rules.yaml:3:48: rules[0].pattern: invalid regular expression: unclosed character class",
                "rules.yaml:4:10: rules[1].id: string should match pattern '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'",
                "rules.yaml:4:48: rules[1].values: list should have at least 1 item after validation, not 0",
            ],
            id="bad regex, bad id and bad parameter",
        ),
        pytest.param(
            "version: 1\ndefaults: {threshold: 2}\nrules:\n  - {id: a, check: range, field: e, min: [1]}\n",
            [
                "rules.yaml:2:23: defaults.threshold: input should be less than or equal to 1",
                "rules.yaml:4:42: rules[0].min: must be a number, a date 'YYYY-MM-DD', 'today' or an offset "
                "such as 'today-30d' (d, w, m, y); got [1]",
            ],
            id="file settings and a rule, one message per value",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null}\n  - {id: b, check: length, field: e, min: 3, max: 1}\n",
            [
                "rules.yaml:3:5: rules[0]: missing required key 'field'",
                "rules.yaml:4:5: rules[1]: min (3) is greater than max (1)",
            ],
            id="missing key and a cross-parameter problem",
        ),
        pytest.param(
            "version: 1\nrulez:\n  - {id: a, check: not_null, field: e}\nkye: id\n",
            [
                "rules.yaml:2:1: unknown key 'rulez'; did you mean 'rules'?",
                "rules.yaml:4:1: unknown key 'kye'; did you mean 'key'?",
            ],
            id="a misspelt key is not also reported missing",
        ),
        pytest.param(
            "version: 1\nrules:\n  - just a string\n  - {id: b, check: not_null, field: e, severity: fatal}\n",
            [
                "rules.yaml:3:5: rules[0]: input should be a valid dictionary or instance of RuleConfig",
                "rules.yaml:4:50: rules[1].severity: input should be 'error' or 'warning'",
            ],
            id="a rule that is no mapping",
        ),
    ],
)
def test_every_problem_is_reported_in_file_order(text: str, lines: list[str]) -> None:
    assert _problems(text) == lines


def test_problems_are_sorted_by_line_then_column() -> None:
    text = (
        "version: 1\nrules:\n  - {id: a, check: nope, field: e}\n  - {id: b, check: not_null, field: e, threshold: 9}\n"
        "gate: {min_score: 101}\n"
    )
    problems = parse_error(text).problems
    places = [(p.location.line, p.location.column) for p in problems if p.location]
    assert len(places) == 3
    assert places == sorted(places)


def parse_error(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_text(text, "rules.yaml")
    return caught.value


def test_the_api_gets_every_problem_of_rule_objects() -> None:
    with pytest.raises(RuleFileError) as caught:
        rule_set_from_objects(
            [{"id": "a", "check": "emial", "field": "e"}, {"id": "b", "check": "not_null", "feild": "e"}]
        )
    details = [problem.detail for problem in caught.value.problems]
    assert details == [
        "rules[0].check: unknown check type 'emial'; did you mean 'email'? "
        "(run 'veracity rules list' for the catalogue)",
        "rules[1]: unknown key 'feild'; did you mean 'field'?",
    ]


def test_a_single_problem_stays_one_line() -> None:
    error = parse_error("version: 1\nrules:\n  - {id: a, check: not_null, feild: e}\n")
    assert error.problems == (error,)
    assert (
        str(error) == error.summary == "rules.yaml:3:30: rules[0]: unknown key 'feild'; did you mean 'field'?"
    )


FIELD_TYPOS = """\
version: 1
key: customer
rules:
  - {id: a, check: not_null, field: emial}
  - {id: b, check: not_null, field: email, when: "contry = 'DE'"}
"""


def test_every_unknown_field_is_reported_in_one_run() -> None:
    rule_set = parse_rule_text(FIELD_TYPOS, "rules.yaml")
    with pytest.raises(FieldError) as caught:
        check_fields(rule_set, ["customer_id", "email", "country"])
    assert (
        caught.value.summary
        == "rules.yaml: 3 references to fields that no source provides, one per line below"
    )
    assert [line.split(" is in no source")[0] for line in caught.value.problems] == [
        "rules.yaml:2:6: key: field 'customer'",
        "rules.yaml:4:37: rules[0].field: field 'emial'",
        "rules.yaml:5:50: rules[1].when: field 'contry'",
    ]


def test_the_cli_lists_every_unknown_field(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(FIELD_TYPOS, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("customer_id,email,country\n1,a@example.com,DE\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "check", str(rules), str(data)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {rules}: 3 references to fields that no source provides, one per line below"
    assert [line.split(": ")[1] for line in lines[1:]] == ["key", "rules[0].field", "rules[1].when"]
