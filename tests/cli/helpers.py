"""One way for CLI tests to run ``veracity audit`` in process."""

from __future__ import annotations

from typer.testing import CliRunner

from veracity.cli import app


def run_audit(runner: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """``veracity audit ARGS`` without the progress display: exit code, stdout, stderr."""
    result = runner.invoke(app, ["audit", "--no-progress", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr
