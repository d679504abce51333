"""``veracity rules``: validate rule files and browse the check catalogue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veracity._api import load_data
from veracity._sql_plan import check_sql
from veracity.catalogue import catalogue_markdown, check_markdown
from veracity.checks import REGISTRY
from veracity.checks.base import BooleanSpellings, CheckContext
from veracity.cli._common import StdoutConsole, error_boundary
from veracity.config import RuleSet, check_fields, load_rule_file
from veracity.errors import Location, RuleFileError, UsageError
from veracity.safetext import printable
from veracity.sources.base import LoadedData
from veracity.suggest import did_you_mean
from veracity.vocabulary import Dimension

app = typer.Typer(help="Validate rule files and browse the check catalogue.", no_args_is_help=True)


@app.command("check")
def check_command(
    rule_file: Annotated[Path, typer.Argument(help="The YAML rule file to validate.")],
    paths: Annotated[
        list[str] | None, typer.Argument(help="Data files whose field names the rules must match.")
    ] = None,
    data: Annotated[
        bool, typer.Option("--data/--no-data", help="Also read the sources to check field names.")
    ] = True,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Validate a rule file; with data files (or the file's own sources), its field names too."""
    with error_boundary(debug):
        rule_set = load_rule_file(rule_file)
        checked_fields = False
        if data and (paths or rule_set.model.sources):
            loaded = load_data(paths or None, rule_set)
            check_fields(rule_set, loaded.fields)
            _check_sql_types(rule_set, loaded, str(rule_file))
            checked_fields = True
    what = " and its field names" if checked_fields else ""
    typer.echo(f"{printable(str(rule_file))}: {len(rule_set.rules)} rules OK{what}")


def _check_sql_types(rule_set: RuleSet, loaded: LoadedData, file: str) -> None:
    """Compile every rule's SQL over the data's field types; every problem at its place."""
    model = rule_set.model
    ctx = CheckContext(
        data=loaded,
        as_of=date.today(),
        booleans=BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false)),
        date_formats={name: f.format for name, f in model.fields.items() if f.format},
        field_kinds={name: f.type for name, f in model.fields.items() if f.type},
    )
    problems = check_sql(rule_set.rules, ctx)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        # One line (error lines carry no line breaks): each problem at its own place.
        listed = "; ".join(str(problem) for problem in problems)
        raise RuleFileError(f"{len(problems)} rules have SQL problems: {listed}", Location(file))


@app.command("list")
def list_command() -> None:
    """List every check type by dimension."""
    table = Table(title="veracity checks", show_lines=False)
    table.add_column("check", style="bold")
    table.add_column("dimension")
    table.add_column("what it checks")
    for dimension in Dimension:
        for check in sorted((c for c in REGISTRY.values() if c.dimension is dimension), key=lambda c: c.name):
            table.add_row(check.name, dimension.value, check.summary)
    StdoutConsole(highlight=False).print(table)


@app.command("explain")
def explain_command(
    check: Annotated[str | None, typer.Argument(help="A check type, e.g. email.")] = None,
    all_checks: Annotated[bool, typer.Option("--all", help="The whole catalogue as Markdown.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print raw Markdown.")] = False,
) -> None:
    """Print a check type's documentation (from its declaration)."""
    with error_boundary(False):
        if all_checks:
            typer.echo(catalogue_markdown())
            return
        if check is None:
            raise UsageError("name a check type, e.g. 'veracity rules explain email', or use --all")
        found = REGISTRY.get(check)
        if found is None:
            raise UsageError(
                f"unknown check type '{check}'{did_you_mean(check, REGISTRY)} (see 'veracity rules list')"
            )
        text = check_markdown(found)
    if markdown:
        typer.echo(text)
    else:
        # rich's Markdown pulls in a parser and pygments: imported only when rendered.
        from rich.markdown import Markdown

        StdoutConsole().print(Markdown(text))
