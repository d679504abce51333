"""Rule files: what loads, and the exact one-line error for each mistake a user can make."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.config import check_fields, load_rule_file, parse_rule_text
from veracity.errors import FieldError, RuleFileError
from veracity.results import Severity

VALID = """\
version: 1
key: customer_id
defaults: {severity: warning, threshold: 0.9}
gate: {min_score: 80}
rules:
  - {id: email-present, check: not_null, field: email, threshold: 0.97}
  - {id: email-valid, check: email, field: email, severity: error}
  - {id: fresh, check: max_age, field: last_updated, days: 730}
"""


def test_valid_rule_file_resolves_defaults() -> None:
    rule_set = parse_rule_text(VALID, "rules.yaml")
    present, valid, fresh = rule_set.rules
    assert (present.threshold, present.severity) == (0.97, Severity.WARNING)
    assert (valid.threshold, valid.severity) == (0.9, Severity.ERROR)
    assert fresh.params.days == 730  # type: ignore[attr-defined]
    assert str(present.location) == "rules.yaml:6:5"
    assert rule_set.model.gate.min_score == 80


def test_the_issue_example_rule_file_loads() -> None:
    text = """\
version: 1
key: customer_id
sources:
  - path: crm_export.csv
    columns: {"Customer ID": customer_id, "E-Mail": email, "Marketing Opt-In": marketing_opt_in}
    read: {delimiter: ";", encoding: utf-8, null_markers: ["n/a"]}
defaults: {severity: error, threshold: 1.0}
gate: {min_score: 90}
rules:
  - {id: email-present, check: not_null, field: email, threshold: 0.97}
  - {id: email-valid, check: email, field: email}
  - {id: phone-valid, check: phone, field: phone, region_field: country, default_region: null}
  - {id: fresh, check: max_age, field: last_updated, days: 730, severity: warning}
  - {id: consent-recorded, check: consent, field: consent_date, opt_in_field: marketing_opt_in}
  - {id: state-in-us, check: not_null, field: state, when: "country = 'US'"}
  - {id: signup-first, check: expression, expr: "signup_date <= last_updated"}
"""
    rule_set = parse_rule_text(text, "rules.yaml")
    assert [r.id for r in rule_set.rules][-1] == "signup-first"
    assert rule_set.rules[-1].fields == ["signup_date", "last_updated"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: emial, field: email}\n",
            "rules.yaml:3:20: rules[0].check: unknown check type 'emial'; did you mean 'email'? "
            "(run 'veracity rules list' for the catalogue)",
            id="unknown check type",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, feild: email}\n",
            "rules.yaml:3:30: rules[0]: unknown key 'feild'; did you mean 'field'?",
            id="unknown parameter",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: email, threshold: 2}\n",
            "rules.yaml:3:55: rules[0].threshold: input should be less than or equal to 1",
            id="threshold out of range",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: max_age, field: d, days: soon}\n",
            "rules.yaml:3:45: rules[0].days: input should be a valid integer, unable to parse string as an integer",
            id="wrong type",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: max_age, field: d}\n",
            "rules.yaml:3:5: rules[0]: missing required key 'days'",
            id="missing parameter",
        ),
        pytest.param(
            "version: 1\nrulez: []\n",
            "rules.yaml:2:1: unknown key 'rulez'; did you mean 'rules'?",
            id="unknown top-level key",
        ),
        pytest.param(
            "version: 1\ngate: {min_scor: 9}\nrules:\n  - {id: a, check: not_null, field: e}\n",
            "rules.yaml:2:8: gate: unknown key 'min_scor'; did you mean 'min_score'?",
            id="unknown nested key",
        ),
        pytest.param(
            "version: 2\nrules:\n  - {id: a, check: not_null, field: e}\n",
            "rules.yaml:1:10: version: input should be 1",
            id="unsupported version",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e\n",
            "rules.yaml:4:1: YAML syntax error: expected ',' or '}', but got '<stream end>'; "
            "check indentation and quoting",
            id="yaml syntax error",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e}\n  - {id: a, check: not_null, field: f}\n",
            "rules.yaml:4:10: rules[1].id: 'a' is already used by rules[0]; rule ids must be unique",
            id="duplicate rule id",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e, when: \"country = = 'US'\"}\n",
            # The SQL front end words the reason; the place and key are the loader's.
            "rules.yaml:3:46: rules[0].when: ",
            id="invalid when SQL",
        ),
        pytest.param(
            'version: 1\nrules:\n  - {id: a, check: expression, expr: "a <= "}\n',
            "rules.yaml:3:38: rules[0].expr: ",
            id="invalid expression SQL",
        ),
        pytest.param(
            'version: 1\nrules:\n  - {id: a, check: pattern, field: e, pattern: "[a-z"}\n',
            "rules.yaml:3:48: rules[0].pattern: invalid regular expression: unclosed character class",
            id="invalid regex",
        ),
        pytest.param(
            "version: 1\nrules: []\n",
            "rules.yaml:2:8: rules: list should have at least 1 item after validation, not 0",
            id="no rules",
        ),
        pytest.param(
            "", "rules.yaml: the rule file is empty; start with 'version: 1' and a 'rules:' list", id="empty"
        ),
        pytest.param(
            "version: 1\nversion: 1\nrules:\n  - {id: a, check: not_null, field: e}\n",
            "rules.yaml:2:1: duplicate key 'version'; remove one of them",
            id="duplicate key",
        ),
        pytest.param(
            "version: 1\nsources:\n  - {path: a.csv, read: {delimiter: ';;'}}\nrules:\n  - {id: a, check: not_null, field: e}\n",
            "rules.yaml:3:37: sources[0].read.delimiter: must be a single character such as ';' or '\\t'",
            id="bad delimiter",
        ),
    ],
)
def test_rule_file_errors(text: str, message: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_text(text, "rules.yaml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_norway_stays_a_country_code() -> None:
    text = "version: 1\nrules:\n  - {id: a, check: in_set, field: c, values: [DE, NO, yes]}\n"
    rule = parse_rule_text(text).rules[0]
    assert rule.params.values == ["DE", "NO", "yes"]  # type: ignore[attr-defined]


def test_unknown_field_names_the_rule_line_and_suggests() -> None:
    rule_set = parse_rule_text(
        "version: 1\nrules:\n  - {id: a, check: not_null, field: emial}\n", "rules.yaml"
    )
    with pytest.raises(FieldError) as caught:
        check_fields(rule_set, ["email", "phone"])
    assert str(caught.value) == (
        "rules.yaml:3:37: rules[0].field: field 'emial' is in no source; did you mean 'email'? (fields: email, phone)"
    )


def test_unknown_field_in_sql_is_refused() -> None:
    rule_set = parse_rule_text(
        'version: 1\nrules:\n  - {id: a, check: expression, expr: "signup <= updated"}\n', "rules.yaml"
    )
    with pytest.raises(FieldError, match=r"rules\[0\]\.expr: field 'signup' is in no source"):
        check_fields(rule_set, ["signup_date", "updated"])


def test_unknown_key_field_is_refused() -> None:
    rule_set = parse_rule_text(
        "version: 1\nkey: id\nrules:\n  - {id: a, check: not_null, field: e}\n", "r.yaml"
    )
    with pytest.raises(FieldError, match=r"^r\.yaml:2:6: key: field 'id' is in no source"):
        check_fields(rule_set, ["e"])


def test_missing_rule_file(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=r"rule file .*nope\.yaml not found; check the path"):
        load_rule_file(tmp_path / "nope.yaml")


def test_shipped_rule_files_load() -> None:
    root = Path(__file__).parents[2]
    for path in [*root.glob("rules/*.yaml"), root / "examples" / "rules.yaml"]:
        assert load_rule_file(path).rules


DUPLICATES = """\
version: 1
defaults: {threshold: 0.98}
rules:
  - id: same-person
    check: duplicates
    compare:
      - {field: first_name, method: jaro_winkler}
      - {field: frist_name, method: jaro_winkler}
    blocking:
      - [last_name]
    threshold: 0.95
"""


def test_a_check_owning_threshold_gets_it_and_the_rule_keeps_the_default() -> None:
    (rule,) = parse_rule_text(DUPLICATES, "dup.yaml").rules
    assert rule.params.threshold == 0.95  # type: ignore[attr-defined]
    assert rule.threshold == 0.98


def test_nested_field_errors_point_at_their_own_line() -> None:
    rule_set = parse_rule_text(DUPLICATES, "dup.yaml")
    with pytest.raises(FieldError, match=r"^dup\.yaml:8:17: rules\[0\]\.compare\[1\]\.field: .*'frist_name'"):
        check_fields(rule_set, ["first_name", "last_name"])
