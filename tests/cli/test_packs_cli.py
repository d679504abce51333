"""Shared rule packs on the command line: --set, rules show, rules packs, rules check --each."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from veracity.cli import app
from veracity.config import load_rule_file

PACK = """\
version: 1
key: customer_id
gate: {min_score: 90}
rules:
  - {id: email-valid, check: email, field: email}
  - {id: fresh, check: max_age, field: last_updated, days: 730}
"""
PROJECT = """\
version: 1
include: [../shared/pack.yaml]
sources: [{path: data.csv}]
rules:
  - {id: fresh, check: max_age, field: last_updated, days: 3650, override: true}
"""
DATA = "customer_id,email,last_updated\nC-1,a@example.com,2026-10-01\nC-2,b@example.com,2020-01-01\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in {
        "shared/pack.yaml": PACK,
        "proj/rules.yaml": PROJECT,
        "proj/data.csv": DATA,
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("VERACITY_SET_")]:
        monkeypatch.delenv(name)
    return tmp_path


def _audit(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["audit", "-r", "proj/rules.yaml", "--as-of", "2026-11-01", "-f", "json", *args], env=env
    )


def test_audit_with_a_pack_and_set(project: Path) -> None:
    plain = _audit()
    assert plain.exit_code == 0, plain.stderr
    report = json.loads(plain.stdout)
    assert [rule["id"] for rule in report["rules"]] == ["email-valid", "fresh"]
    # The override's 3650 days keep the 2020 record fresh; --set makes it stale.
    stricter = _audit("--set", "rules.fresh.days=365", "--set", "gate.min_score=99")
    assert stricter.exit_code == 1
    assert json.loads(stricter.stdout)["score"] < 99


def test_audit_reads_settings_from_the_environment(project: Path) -> None:
    result = _audit(env={"VERACITY_SET_RULES__FRESH__DAYS": "365", "VERACITY_SET_GATE__MIN_SCORE": "99"})
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            ["--set", "rules.fresh.dayz=3"],
            {},
            "Error: --set rules.fresh.dayz=3: rules[0]: unknown key 'dayz'; did you mean 'days'?",
        ),
        (
            ["--set", "gate.min_score=lots"],
            {},
            "Error: --set gate.min_score=lots: gate.min_score: input should be a valid number, "
            "unable to parse string as a number",
        ),
        (
            [],
            {"VERACITY_SET_RULES__NOPE__DAYS": "3"},
            "Error: VERACITY_SET_RULES__NOPE__DAYS=3: rules: no rule has id 'nope'",
        ),
    ],
    ids=["unknown key", "bad value", "environment: unknown rule"],
)
def test_a_bad_setting_is_one_error_line(
    project: Path, args: list[str], env: dict[str, str], line: str
) -> None:
    for command in (
        ["audit", "-r", "proj/rules.yaml", *args],
        ["rules", "check", "proj/rules.yaml", *args],
        ["rules", "show", "proj/rules.yaml", *args],
    ):
        result = CliRunner().invoke(app, command, env=env)
        assert result.exit_code == 2, command
        assert result.stderr.splitlines() == [line], command


def test_an_output_may_not_overwrite_an_included_file(project: Path) -> None:
    result = _audit("-o", "shared/pack.yaml")
    assert result.exit_code == 2
    assert "is the rule file shared/pack.yaml" in result.stderr
    assert (project / "shared/pack.yaml").read_text(encoding="utf-8") == PACK


def test_rules_show_table_names_where_each_rule_came_from(project: Path) -> None:
    result = CliRunner().invoke(app, ["rules", "show", "proj/rules.yaml"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("email-valid" in line and "shared/pack.yaml:5:5" in line for line in lines)
    assert any("fresh" in line and "proj/rules.yaml:5:5" in line for line in lines)
    assert "files, in merge order: shared/pack.yaml, proj/rules.yaml" in lines


def test_rules_show_yaml_is_a_rule_file_with_the_same_rules(project: Path) -> None:
    result = CliRunner().invoke(
        app, ["rules", "show", "proj/rules.yaml", "-f", "yaml", "--set", "gate.min_score=50"]
    )
    assert result.exit_code == 0, result.stderr
    assert "  - {id: email-valid, check: email, field: email}  # shared/pack.yaml:5:5" in result.stdout
    merged = project / "proj" / "merged.yaml"
    merged.write_text(result.stdout, encoding="utf-8")
    again, original = load_rule_file(merged), load_rule_file("proj/rules.yaml")
    assert [(r.id, r.params) for r in again.rules] == [(r.id, r.params) for r in original.rules]
    assert again.model.gate.min_score == 50
    assert again.model.sources == original.model.sources


def test_rules_show_json(project: Path) -> None:
    result = CliRunner().invoke(app, ["rules", "show", "proj/rules.yaml", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["files"] == ["shared/pack.yaml", "proj/rules.yaml"]
    assert shown["rules"] == [
        {"id": "email-valid", "check": "email", "from": "shared/pack.yaml:5:5"},
        {"id": "fresh", "check": "max_age", "from": "proj/rules.yaml:5:5"},
    ]
    assert shown["document"]["rules"][1]["days"] == 3650


def test_rules_show_refuses_an_unknown_format(project: Path) -> None:
    result = CliRunner().invoke(app, ["rules", "show", "proj/rules.yaml", "-f", "xml"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: --format: unknown format 'xml'; choose one of table, yaml, json"
    ]


def test_rules_packs_lists_the_shipped_packs() -> None:
    result = CliRunner().invoke(app, ["rules", "packs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "veracity:customer-master" in result.stdout
    assert "veracity:consent" in result.stdout


def test_every_shipped_pack_loads_on_its_own() -> None:
    from veracity.packs import packs

    assert packs()
    for pack in packs():
        assert load_rule_file(pack.path).rules, pack.name
        assert pack.summary, pack.name
        assert yaml.safe_load(pack.path.read_text(encoding="utf-8"))["version"] == 1


def test_rules_check_each_reports_every_file(project: Path) -> None:
    (project / "bad.yaml").write_text(
        "version: 1\nrules:\n  - {id: a, check: emial, field: e}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app, ["rules", "check", "--each", "proj/rules.yaml", "bad.yaml", "shared/pack.yaml"]
    )
    assert result.exit_code == 2
    assert result.stdout.splitlines() == ["proj/rules.yaml: 2 rules OK", "shared/pack.yaml: 2 rules OK"]
    assert result.stderr.splitlines() == [
        "Error: bad.yaml:3:20: rules[0].check: unknown check type 'emial'; did you mean 'email'? "
        "(run 'veracity rules list' for the catalogue)"
    ]
    good = CliRunner().invoke(app, ["rules", "check", "--each", "proj/rules.yaml", "shared/pack.yaml"])
    assert good.exit_code == 0


def test_the_shipped_packs_are_package_data() -> None:
    """An installed veracity (pip install, the GitHub Action, the pre-commit hook) has its packs."""
    import fnmatch
    import tomllib

    from veracity.packs import packs

    root = Path(__file__).parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["veracity"]
    package = root / "src" / "veracity"
    for pack in packs():
        relative = pack.path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
