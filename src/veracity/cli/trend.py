"""``veracity trend``: how the recorded audits of one rule file moved over time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from veracity.cli._common import EXIT_OK, err_console, error_boundary, stdout_is_terminal
from veracity.cli._outputs import Input, Output, check_outputs, report_path
from veracity.errors import UsageError
from veracity.history import ENV_VAR, HistoryError, distinct_rule_files, history_path, list_runs
from veracity.reports.trend import FORMATS, build_trend, render


def trend_command(
    history: Annotated[
        Path | None,
        typer.Option(
            "--history-db",
            "--history",
            help=f"The history store. Default: ${ENV_VAR}, else .veracity/history.db.",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help=f"Report format: {', '.join(FORMATS)}.")
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the trend here (atomically); - is standard output."),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(
            "--rules",
            "-r",
            help="Only runs of this rule file: its path, or its SHA-256 (7 or more leading hex digits).",
        ),
    ] = None,
    last: Annotated[int | None, typer.Option("--last", min=1, help="Only the newest N runs.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Show scores per dimension over recorded audits, the latest change, and record decay.

    Record audits with 'veracity audit --history'. Exit codes: 0 shown; 2 missing or damaged store, no matching runs, or a usage error.
    """
    output = report_path(output)
    with error_boundary(debug):
        if output_format not in FORMATS:
            raise UsageError(
                f"--format: unknown format '{output_format}'; choose one of {', '.join(FORMATS)}"
            )
        store = history_path(history)
        if output is not None:
            check_outputs([Output("-o/--output", output)], [Input("history store", store)])
        elif sys.stdout is None:
            raise UsageError("standard output is closed; give -o/--output a path for the trend")
        runs = list_runs(store, rules=rules)
        if not runs:
            which = f" for --rules {rules}" if rules is not None else ""
            raise HistoryError(f"history store {store} has no recorded audit{which}")
        files = distinct_rule_files(runs)
        if rules is None and len(files) > 1:
            # Scores of different rule sets are not comparable: a trend across them would show
            # rule changes as quality changes.
            listed = ", ".join(files[:5]) + (", …" if len(files) > 5 else "")
            raise UsageError(
                f"history store {store} holds audits of {len(files)} rule files ({listed}); "
                "choose one with --rules"
            )
        if last is not None:
            runs = runs[-last:]
        trend = build_trend(runs)
        color = output is None and output_format == "table" and stdout_is_terminal()
        width = shutil.get_terminal_size().columns if output is None and stdout_is_terminal() else None
        text = render(trend, output_format, color=color, width=width)
        if output is not None:
            from veracity._atomic import atomic_write

            atomic_write(output, text)
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        err_console.print(f"Trend written to {output}", markup=False)
    raise typer.Exit(EXIT_OK)
