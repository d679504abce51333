"""Settings from outside the rule file: --set and VERACITY_SET_*, validated like the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.config import load_rule_file, settings_from
from veracity.errors import RuleFileError

RULES = """\
version: 1
gate: {min_score: 90}
rules:
  - {id: email-present, check: not_null, field: email}
  - {id: email-valid, check: email, field: email}
  - {id: fresh, check: max_age, field: last_updated, days: 730}
"""


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return "rules.yaml"


def _load(path: str, options: list[str], environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return load_rule_file(path, settings_from(options, environ or {}))


def test_set_changes_gate_and_a_rule(rules: str) -> None:
    rule_set = _load(
        rules, ["gate.min_score=95", "rules.fresh.days=365", "rules.email-valid.severity=warning"]
    )
    assert rule_set.model.gate.min_score == 95
    assert rule_set.rules[2].params.days == 365  # type: ignore[attr-defined]
    assert rule_set.rules[1].severity.value == "warning"


def test_set_adds_keys_and_lists(rules: str) -> None:
    rule_set = _load(rules, ["segments=[country, source]", "fields.email.personal=true", "gate.min_score="])
    assert rule_set.model.segments == ["country", "source"]
    assert rule_set.model.fields["email"].personal is True
    assert rule_set.model.gate.min_score is None


def test_environment_spelling_and_the_command_line_wins(rules: str) -> None:
    environ = {
        "VERACITY_SET_GATE__MIN_SCORE": "70",
        "VERACITY_SET_RULES__EMAIL_PRESENT__THRESHOLD": "0.5",
        "VERACITY_SET_RULES__FRESH__DAYS": "100",
        "UNRELATED": "x",
    }
    rule_set = _load(rules, ["rules.fresh.days=200"], environ)
    assert rule_set.model.gate.min_score == 70
    assert rule_set.rules[0].threshold == 0.5
    assert rule_set.rules[2].params.days == 200  # type: ignore[attr-defined]


def test_a_setting_changes_the_rule_digest(rules: str) -> None:
    assert _load(rules, []).sha256 != _load(rules, ["gate.min_score=95"]).sha256


@pytest.mark.parametrize(
    ("options", "environ", "message"),
    [
        pytest.param(
            ["rules.fresh.dayz=3"],
            {},
            "--set rules.fresh.dayz=3: rules[2]: unknown key 'dayz'; did you mean 'days'?",
            id="unknown rule key",
        ),
        pytest.param(
            ["rules.fresh.days=soon"],
            {},
            "--set rules.fresh.days=soon: rules[2].days: input should be a valid integer, "
            "unable to parse string as an integer",
            id="bad rule value",
        ),
        pytest.param(
            ["rules.frsh.days=3"],
            {},
            "--set rules.frsh.days=3: rules: no rule has id 'frsh'; did you mean 'fresh'?",
            id="unknown rule id",
        ),
        pytest.param(
            ["gate.min_score=120"],
            {},
            "--set gate.min_score=120: gate.min_score: input should be less than or equal to 100",
            id="value out of range",
        ),
        pytest.param(
            ["gaet.min_score=1"],
            {},
            "--set gaet.min_score=1: unknown key 'gaet'; did you mean 'gate'?",
            id="bad path",
        ),
        pytest.param(
            ["gate.min_score.x=1"],
            {},
            "--set gate.min_score.x=1: gate.min_score is not a mapping, so it has no keys to set",
            id="path through a value",
        ),
        pytest.param(
            ["gate.min_score"],
            {},
            "--set gate.min_score: give a key and a value, e.g. --set gate.min_score=95 or --set rules.fresh.days=365",
            id="no value",
        ),
        pytest.param(
            ["rules.fresh=3"],
            {},
            "--set rules.fresh=3: name a rule and one of its keys: rules.<id>.<key>, e.g. --set rules.fresh.days=365",
            id="rule without key",
        ),
        pytest.param(
            ["include=x.yaml"],
            {},
            "--set include=x.yaml: 'include' is set in the rule file itself, not from outside it",
            id="include",
        ),
        pytest.param(
            ["gate.min_score=[1"],
            {},
            "--set gate.min_score=[1: the value is not valid YAML (YAML syntax error: expected ',' or ']', "
            "but got '<stream end>'; check indentation and quoting); quote it, e.g. 'a: b' as \"a: b\"",
            id="bad YAML value",
        ),
        pytest.param(
            ["gate.min_score=!!python/object x"],
            {},
            "--set gate.min_score=!!python/object x: the value cannot be used: unsupported YAML tag "
            "!!python/object: a rule file holds plain text, numbers, true/false, "
            "lists and mappings; remove the tag",
            id="unsafe tag",
        ),
        pytest.param(
            ["sources.0.path=x.csv"],
            {},
            "--set sources.0.path=x.csv: items of lists cannot be set one by one; set the whole list, "
            "e.g. segments=[country]",
            id="list item",
        ),
        pytest.param(
            [],
            {"VERACITY_SET_RULES__FRESH__DAYZ": "3"},
            "VERACITY_SET_RULES__FRESH__DAYZ=3: rules[2]: unknown key 'dayz'; did you mean 'days'?",
            id="environment: unknown key",
        ),
        pytest.param(
            [],
            {"VERACITY_SET_GATE__MIN_SCORE": "high"},
            "VERACITY_SET_GATE__MIN_SCORE=high: gate.min_score: input should be a valid number, "
            "unable to parse string as a number",
            id="environment: bad value",
        ),
        pytest.param(
            ["gate.min_score=9\n5"],
            {},
            "--set gate.min_score=9\\n5: gate.min_score: input should be a valid number, "
            "unable to parse string as a number",
            id="a line break stays one line",
        ),
        pytest.param(
            [],
            {"VERACITY_SET_": "1"},
            "VERACITY_SET_=1: name a key of the rule file, parts separated by __, e.g. VERACITY_SET_GATE__MIN_SCORE=95",
            id="environment: no path",
        ),
    ],
)
def test_bad_settings_are_named(
    rules: str, options: list[str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(RuleFileError) as caught:
        _load(rules, options, environ)
    assert str(caught.value) == message
