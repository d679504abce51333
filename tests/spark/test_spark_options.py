"""Options of the Spark runner that the command line checks before any session starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("runner", "runs_on"),
    [([], "local"), (["--runner", "local"], "local")],
    ids=["no runner", "the local runner"],
)
def test_a_spark_master_without_the_spark_runner_is_one_line(runner: list[str], runs_on: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--rules",
            str(ROOT / "examples" / "rules.yaml"),
            *runner,
            "--spark-master",
            "local[2]",
            "--no-progress",
        ],
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: --spark-master is for the spark runner, but this audit runs on '{runs_on}'; "
        "add --runner spark (or runner: spark in the rule file), or drop --spark-master"
    )
