"""``veracity suggest``: a commented starter rule file for data nobody has written rules for."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veracity._atomic import all_or_nothing, atomic_write
from veracity.cli._common import EXIT_OK, err_console, error_boundary, parse_as_of
from veracity.cli._outputs import Output, check_outputs
from veracity.cli._progress import StageProgress
from veracity.cli.profile import (
    ChunkRows,
    Delimiter,
    Encoding,
    InputFormat,
    NullMarkers,
    Sheet,
    data_inputs,
    read_options,
)
from veracity.errors import UsageError
from veracity.rulegen import suggest_rules

Paths = Annotated[
    list[str],
    typer.Argument(
        help="Files (CSV, TSV, Parquet, JSON, NDJSON, XLSX) or database tables ('postgresql://HOST/DB?table=T', "
        "'sqlite:///FILE?table=T'), read as one data set; the rule file names them as its sources.",
        show_default=False,
    ),
]


def suggest_command(
    paths: Paths,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Write the rule file here (atomically).", show_default=False),
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing rule file at -o.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Audit date YYYY-MM-DD the thresholds are observed on (default today)."),
    ] = None,
    input_format: InputFormat = None,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    sheet: Sheet = None,
    null_marker: NullMarkers = None,
    chunk_rows: ChunkRows = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")] = True,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Write a starter rule file: the key, renames for human headers, rules chosen for each
    field's role, thresholds set from the observed pass rates (the same data audits with exit 0).

    Exit codes: 0 the rule file was written, 2 usage or input error.
    """
    with error_boundary(debug):
        if str(output) == "-":
            raise UsageError(
                "-o/--output: give a file path for the rule file; its sources are relative to it"
            )
        read = read_options(input_format, delimiter, encoding, sheet, null_marker)
        day = parse_as_of(as_of)
        check_outputs([Output("-o/--output", output)], data_inputs(paths))
        if output.exists() and not force:
            raise UsageError(
                f"-o/--output {output} already exists; give another path or --force to replace it"
            )
        with StageProgress(err_console, enabled=progress) as stage, all_or_nothing({output: "-o/--output"}):
            suggestion = suggest_rules(
                paths, output, read=read, chunk_rows=chunk_rows, as_of=day, progress=stage
            )
            atomic_write(output, suggestion.text)
        rules = suggestion.text.count("\n  - {id: ")
        err_console.print(
            f"Rule file written to {output}: {rules} rules; check it with 'veracity rules check {output}'",
            markup=False,
        )
    raise typer.Exit(EXIT_OK)
