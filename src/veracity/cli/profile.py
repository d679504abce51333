"""``veracity profile``: a first look at data nobody has written rules for."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from veracity._atomic import all_or_nothing, atomic_write
from veracity.cli._common import EXIT_OK, err_console, error_boundary
from veracity.cli._outputs import Input, Output, check_outputs, check_stdout, report_path
from veracity.cli._progress import StageProgress
from veracity.errors import UsageError
from veracity.profiling import PROFILE_FORMATS, profile_sources, render_profile
from veracity.sources import FORMATS as INPUT_FORMATS
from veracity.sources.base import ReadOptions

__all__ = [
    "ChunkRows",
    "Delimiter",
    "Encoding",
    "InputFormat",
    "NullMarkers",
    "Paths",
    "Sheet",
    "data_inputs",
    "profile_command",
    "read_options",
]

Paths = Annotated[
    list[str],
    typer.Argument(
        help="Files (CSV, TSV, Parquet, JSON, NDJSON, XLSX; '-' for CSV on stdin) or database tables "
        "('postgresql://HOST/DB?table=T', 'sqlite:///FILE?table=T'), read as one data set.",
        show_default=False,
    ),
]
InputFormat = Annotated[
    str | None, typer.Option("--input-format", help=f"Read inputs as {', '.join(INPUT_FORMATS)}.")
]
Delimiter = Annotated[str | None, typer.Option("--delimiter", help="CSV delimiter (detected by default).")]
Encoding = Annotated[str | None, typer.Option("--encoding", help="Text encoding (detected by default).")]
Sheet = Annotated[
    str | None,
    typer.Option("--sheet", help="Excel sheet name, or 0-based index when no sheet has that name."),
]
NullMarkers = Annotated[
    list[str] | None, typer.Option("--null-marker", help="A value meaning 'missing' (repeatable).")
]
ChunkRows = Annotated[
    int | None,
    typer.Option(
        "--chunk-rows",
        min=1000,
        help="Read in chunks of this many records, in bounded memory (very large data).",
    ),
]


def read_options(
    input_format: str | None,
    delimiter: str | None,
    encoding: str | None,
    sheet: str | None,
    null_marker: list[str] | None,
) -> ReadOptions:
    """The read options given on the command line, checked as ``veracity audit`` checks them."""
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise UsageError(
            f"--input-format: unknown format '{input_format}'; choose one of {', '.join(INPUT_FORMATS)}"
        )
    if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
        raise UsageError("--delimiter: give a single character such as ';' or '\\t'")
    return ReadOptions(
        format=input_format,
        delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
        encoding=encoding,
        null_markers=tuple(null_marker or ()),
        sheet=sheet,
    )


def data_inputs(paths: list[str]) -> list[Input]:
    """The data files among ``paths`` (outputs must not land on them)."""
    inputs = []
    for path in paths:
        if path == "-":
            if sys.stdin is None:
                raise UsageError(
                    "'-' reads standard input, which is closed; give the data file's path instead"
                )
            continue
        if "://" not in path:
            inputs.append(Input("data file", Path(path)))
    return inputs


def profile_command(
    paths: Paths,
    output_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"Profile format: {', '.join(PROFILE_FORMATS)}. Default: table."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the profile here (atomically); - is standard output."),
    ] = None,
    reveal_values: Annotated[
        bool, typer.Option("--reveal-values", help="Show data values unmasked (they are personal data).")
    ] = False,
    input_format: InputFormat = None,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    sheet: Sheet = None,
    null_marker: NullMarkers = None,
    chunk_rows: ChunkRows = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")] = True,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Profile data: per field its type, fill rate, distinct and most frequent values, shapes,
    ranges and the share of values valid as e-mail, phone, country, postal code, date, yes/no.

    Exit codes: 0 the profile was written, 2 usage or input error.
    """
    output = report_path(output)
    with error_boundary(debug):
        fmt = output_format or "table"
        if fmt not in PROFILE_FORMATS:
            raise UsageError(f"--format: unknown format '{fmt}'; choose one of {', '.join(PROFILE_FORMATS)}")
        read = read_options(input_format, delimiter, encoding, sheet, null_marker)
        inputs = data_inputs(paths)
        if output is not None:
            check_outputs([Output("-o/--output", output)], inputs)
        elif sys.stdout is None:
            raise UsageError("standard output is closed; give -o/--output a path for the profile")
        else:
            check_stdout(inputs)
        with (
            StageProgress(err_console, enabled=progress) as stage,
            all_or_nothing({output: "-o/--output"} if output is not None else {}),
        ):
            profile = profile_sources(
                paths, read=read, chunk_rows=chunk_rows, reveal_values=reveal_values, progress=stage
            )
            text = render_profile(profile, fmt)
            if output is not None:
                atomic_write(output, text)
        if output is None:
            typer.echo(text, nl=not text.endswith("\n"))
        else:
            err_console.print(f"Profile written to {output}", markup=False)
    raise typer.Exit(EXIT_OK)
