"""The ``veracity`` command: a thin layer over the Python API. One module per command."""

from __future__ import annotations

import typer

from veracity import __version__
from veracity.cli import rules
from veracity.cli.audit import audit_command
from veracity.cli.trend import trend_command

app = typer.Typer(
    name="veracity",
    help="Audit the quality of customer data exports against YAML rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.command("audit")(audit_command)
app.add_typer(rules.app, name="rules")
app.command("trend")(trend_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"veracity {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Audit the quality of customer data exports against YAML rules."""


def main() -> None:
    app()
