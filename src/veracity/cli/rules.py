"""``veracity rules``: validate rule files and browse the check catalogue."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veracity._api import load_data
from veracity._sql_plan import check_sql
from veracity.catalogue import catalogue_markdown, check_markdown
from veracity.checks import REGISTRY
from veracity.checks.base import CheckContext
from veracity.cli._common import (
    EXIT_ERROR,
    err_console,
    error_boundary,
    print_debug_traceback,
    require_stdout,
)
from veracity.cli._consoles import StdoutConsole
from veracity.cli._rules_show import SHOW_FORMATS, render_show, show_table
from veracity.config import RuleSet, check_fields, compose_rule_file, load_rule_file, settings_from
from veracity.errors import Location, RuleFileError, UsageError, VeracityError
from veracity.packs import packs
from veracity.safetext import printable
from veracity.sources.base import LoadedData
from veracity.suggest import did_you_mean
from veracity.text.booleans import BooleanSpellings
from veracity.vocabulary import Dimension

app = typer.Typer(help="Validate rule files and browse the check catalogue.", no_args_is_help=True)


#: ``--set`` as every command that reads a rule file takes it.
SET_HELP = (
    "Set a rule-file key without editing the file, e.g. gate.min_score=95 or rules.fresh.days=365 "
    "(repeatable; VERACITY_SET_GATE__MIN_SCORE=95 in the environment does the same)."
)


@app.command("check")
def check_command(
    rule_file: Annotated[Path, typer.Argument(help="The YAML rule file to validate.")],
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Data files whose field names the rules must match (with --each: more rule files)."
        ),
    ] = None,
    data: Annotated[
        bool, typer.Option("--data/--no-data", help="Also read the sources to check field names.")
    ] = True,
    each: Annotated[
        bool,
        typer.Option(
            "--each",
            help="Every argument is a rule file: validate each one on its own, without data "
            "(for pre-commit hooks); exit 2 if any is invalid.",
        ),
    ] = False,
    set_values: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Validate a rule file; with data files (or the file's own sources), its field names too."""
    if each:
        _check_each([rule_file, *(Path(p) for p in paths or [])], set_values or [], debug)
        return
    with error_boundary(debug):
        rule_set = load_rule_file(rule_file, settings_from(set_values or [], os.environ))
        checked_fields = False
        if data and (paths or rule_set.model.sources):
            loaded = load_data(paths or None, rule_set)
            check_fields(rule_set, loaded.fields)
            _check_sql_types(rule_set, loaded, str(rule_file))
            checked_fields = True
    what = " and its field names" if checked_fields else ""
    typer.echo(f"{printable(str(rule_file))}: {len(rule_set.rules)} rules OK{what}")


def _check_each(files: list[Path], set_values: list[str], debug: bool) -> None:
    """Each rule file validated on its own: one line per file, ``Error:`` for those that fail."""
    failed = 0
    with error_boundary(debug):
        settings = settings_from(set_values, os.environ)
    for file in files:
        try:
            rule_set = load_rule_file(file, settings)
        except VeracityError as exc:
            failed += 1
            if debug:
                print_debug_traceback(exc)
            if isinstance(exc, RuleFileError) and len(exc.problems) > 1:
                err_console.print(f"Error: {exc.summary}")
                for problem in exc.problems:
                    err_console.print(f"  {problem}")
            else:
                err_console.print(f"Error: {exc}")
            continue
        typer.echo(f"{printable(str(file))}: {len(rule_set.rules)} rules OK")
    if failed:
        raise typer.Exit(EXIT_ERROR)


@app.command("show")
def show_command(
    rule_file: Annotated[Path, typer.Argument(help="The YAML rule file.")],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="table, yaml (a rule file itself) or json.")
    ] = "table",
    set_values: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Print the rule file merged with its includes and settings, each rule with its file:line."""
    require_stdout("rules show")
    with error_boundary(debug):
        if output_format not in SHOW_FORMATS:
            raise UsageError(
                f"--format: unknown format '{output_format}'; choose one of {', '.join(SHOW_FORMATS)}"
            )
        settings = settings_from(set_values or [], os.environ)
        composed = compose_rule_file(rule_file, settings)
    if output_format == "table":
        show_table(composed, settings, StdoutConsole(highlight=False))
    else:
        typer.echo(render_show(composed, settings, output_format), nl=False)


@app.command("packs")
def packs_command() -> None:
    """List the rule packs shipped with veracity (include: [veracity:<name>])."""
    require_stdout("rules packs")
    table = Table(title="veracity rule packs", show_lines=False)
    table.add_column("include as", style="bold")
    table.add_column("rules", justify="right")
    table.add_column("what it checks")
    for pack in packs():
        table.add_row(pack.reference, str(len(load_rule_file(pack.path).rules)), pack.summary)
    StdoutConsole(highlight=False).print(table)


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
    require_stdout("rules list")
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
    require_stdout("rules explain")
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
