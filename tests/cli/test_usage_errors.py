"""Command-line mistakes: the exact one-line message and exit code 2, in process."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from veracity.cli import app


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["audit", "--frobnicate"],
            "Error: No such option: --frobnicate (Possible options: --format); see 'veracity audit --help'",
        ),
        (
            ["audit", "x.csv", "--fail-under"],
            "Error: Option '--fail-under' requires an argument; see 'veracity audit --help'",
        ),
        (["nope"], "Error: No such command 'nope'; see 'veracity --help'"),
        (["rules", "check", "--bogus"], "Error: No such option: --bogus; see 'veracity rules check --help'"),
    ],
    ids=["unknown-option", "missing-value", "unknown-command", "nested-command"],
)
def test_a_usage_error_is_one_line_with_exit_2(args: list[str], line: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_help_still_prints_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["audit", "--help"])
    assert result.exit_code == 0
    assert "--rules" in result.stdout
