"""A mistyped command line is one ``Error:`` line that points at the command's help, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.harness import DATA, RULES, Attack, attack

FILES = {"rules.yaml": RULES, "data.csv": DATA}
AUDIT = ["audit", "-r", "rules.yaml", "data.csv"]

CASES = [
    ("unknown-option", [*AUDIT, "--frobnicate"], "No such option: --frobnicate", "veracity audit"),
    (
        "missing-value",
        [*AUDIT, "--fail-under"],
        "Option '--fail-under' requires an argument",
        "veracity audit",
    ),
    ("missing-rules-value", ["audit", "-r"], "Option '-r' requires an argument", "veracity audit"),
    ("out-of-range", [*AUDIT, "--fail-under", "200"], "Invalid value for '--fail-under'", "veracity audit"),
    ("not-a-number", [*AUDIT, "--chunk-rows", "many"], "Invalid value for '--chunk-rows'", "veracity audit"),
    ("unknown-command", ["audti", *AUDIT[1:]], "No such command 'audti'", "veracity"),
    ("unknown-subcommand", ["rules", "chek", "rules.yaml"], "No such command 'chek'", "veracity rules"),
    ("subcommand-option", ["rules", "check", "--bogus"], "No such option: --bogus", "veracity rules check"),
    ("trend-option", ["trend", "--bogus"], "No such option: --bogus", "veracity trend"),
]


@pytest.mark.parametrize(("name", "args", "what", "command"), CASES, ids=[case[0] for case in CASES])
def test_a_usage_error_is_one_line(
    name: str, args: list[str], what: str, command: str, tmp_path: Path
) -> None:
    outcome = attack(Attack(name, args, FILES, error=what), tmp_path)
    assert outcome.stderr.splitlines() == [outcome.stderr.splitlines()[0]]
    assert outcome.stderr.rstrip().endswith(f"; see '{command} --help'")
