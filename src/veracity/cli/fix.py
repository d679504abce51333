"""``veracity fix``: apply the corrections a steward accepted in a worklist to a copy of the data.

The copy is the input as stored, with only the accepted cells changed
(:mod:`veracity.corrections.copies`): CSV and TSV keep every other byte (delimiter, quoting,
encoding, line endings); NDJSON and JSON rewrite only the changed records; an Excel workbook
keeps its other sheets and formatting; a SQLite database is copied and updated. A PostgreSQL
table is never written: ``-o fixes.sql`` gets a script of updates to review and run. The input
is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from veracity._api import load_data
from veracity._atomic import all_or_nothing, atomic_path
from veracity.cli._common import EXIT_OK, err_console, error_boundary
from veracity.cli._outputs import Input, Output, check_outputs
from veracity.config import RuleSet, load_rule_file, rule_set_from_objects
from veracity.corrections import CONFIDENCES
from veracity.errors import UsageError
from veracity.masking import field_masks, mask_expr
from veracity.reports.worklist import CHANGE_COLUMNS, accepted_changes, marked_rows
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData, SourceInfo

if TYPE_CHECKING:
    from veracity.corrections.copies import CellChange


def fix_command(
    data: Annotated[
        str | None,
        typer.Argument(
            help="The data the worklist was made from: a file or a database URL; default: the rule "
            "file's source the worklist's accepted rows belong to."
        ),
    ] = None,
    worklist: Annotated[
        Path | None,
        typer.Option(
            "--worklist",
            "-w",
            help="The worklist 'veracity audit --worklist' wrote, rows marked in 'accept'.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the corrected copy here (never the input); for a PostgreSQL source, an SQL script (.sql).",
        ),
    ] = None,
    rules: Annotated[
        Path, typer.Option("--rules", "-r", help="The rule file of the audit (its sources, renames and key).")
    ] = Path("veracity.yaml"),
    changes: Annotated[
        Path | None,
        typer.Option(
            "--changes", help="Write the change log here (.csv); default: next to the copy, NAME.changes.csv."
        ),
    ] = None,
    accept: Annotated[
        str | None,
        typer.Option(
            "--accept",
            help="Also apply every suggestion this sure, marked or not: certain, or likely (certain and likely).",
        ),
    ] = None,
    reveal_values: Annotated[
        bool, typer.Option("--reveal-values", help="Show old and new values unmasked in the change log.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Write a corrected copy of DATA with the worklist's accepted corrections, and a change log.

    Rows whose 'accept' cell says yes (yes, y, true, 1, x) are applied; the rest are ignored.
    Exit codes: 0 written, 2 usage or input error (nothing is written then).
    """
    with error_boundary(debug):
        if worklist is None or output is None:
            missing = "--worklist" if worklist is None else "-o/--output"
            raise UsageError(f"{missing} is required: veracity fix DATA --worklist worklist.csv -o fixed.csv")
        if accept is not None and accept not in CONFIDENCES:
            raise UsageError(f"--accept: unknown confidence '{accept}'; choose certain or likely")
        log = changes if changes is not None else output.with_name(f"{output.stem}.changes.csv")
        if log.suffix.lower() != ".csv":
            raise UsageError(f"--changes: {log} must end in .csv")
        if data == "-":
            raise UsageError(
                "DATA -: standard input cannot be fixed, since the copy is made from the file the worklist came "
                "from; save the data to a file, audit that file with --worklist and fix it"
            )
        if data is None and not rules.exists():
            raise UsageError(
                f"give the data the worklist was made from (DATA), or a rule file with its sources ({rules} does not exist)"
            )
        inputs = [Input("worklist", worklist)]
        if data is not None and "://" not in data:
            inputs.append(Input("data file", Path(data)))
        if rules.exists():
            inputs.append(Input("rule file", rules))
        check_outputs([Output("-o/--output", output), Output("--changes", log)], inputs)
        rule_set = load_rule_file(rules) if rules.exists() or rules != Path("veracity.yaml") else None
        loaded = load_data(data, rule_set or rule_set_from_objects([]))
        rows = _read_worklist(worklist)
        index, others = _chosen_source(rows, loaded, str(worklist), accept)
        info = loaded.sources[index]
        location = _location(info, data, rule_set)
        if location is not None:
            check_outputs([Output("-o/--output", output)], [Input("data file", location)])
        _check_output_kind(info, location, output)
        source = _one_source(loaded, index)
        found = accepted_changes(rows, source, str(worklist), accept)
        key = rule_set.model.key if rule_set is not None else None
        cells = _cells(found, source, info, key)
        from veracity.corrections.copies import write_copy

        with all_or_nothing({output: "-o/--output", log: "--changes"}):
            with atomic_path(output) as temp:
                write_copy(info, location, _original(info, key), cells, temp)
            _write_log(found, source, rule_set, reveal_values, log)
        records = found.get_column("record").n_unique()
        what = "the script of updates " if info.format == "postgresql" else ""
        err_console.print(
            f"Changed {found.height} value(s) in {records} record(s); wrote {what}{output} and the change log {log}",
            markup=False,
        )
        if others:
            err_console.print(
                f"{others} accepted row(s) of the worklist belong to other sources and were not applied; "
                "fix each source in turn",
                markup=False,
            )
    raise typer.Exit(EXIT_OK)


def _chosen_source(rows: pl.DataFrame, loaded: LoadedData, label: str, accept: str | None) -> tuple[int, int]:
    """The source the worklist's accepted rows belong to (the only one loaded, else the one of
    the rule file's sources they name), and how many accepted rows belong to others."""
    if "source_sha256" not in rows.columns or "accept" not in rows.columns:
        return 0, 0  # accepted_changes names the missing column
    marked = rows.filter(marked_rows(rows, accept)).get_column("source_sha256").cast(pl.String)
    digests = [info.sha256 for info in loaded.sources]
    if len(loaded.sources) == 1:
        return 0, int((marked != digests[0]).sum())
    named = [i for i, digest in enumerate(digests) if digest in set(marked.to_list())]
    if len(named) > 1:
        listing = ", ".join(loaded.sources[i].path for i in named)
        raise UsageError(
            f"{label} accepts rows of several sources ({listing}); give one of them as DATA to fix it"
        )
    index = named[0] if named else 0
    return index, int((marked != digests[index]).sum())


def _one_source(loaded: LoadedData, index: int) -> LoadedData:
    """The records and fields of one source, numbered from 0 as if it were loaded alone."""
    info = loaded.sources[index]
    fields = [column.field for column in info.columns]
    frame = (
        loaded.frame.filter(pl.col(SOURCE_COL) == index)
        .select(*fields, SOURCE_COL, LINE_COL)
        .with_row_index(ROW_ID)
        .with_columns(pl.col(ROW_ID).cast(loaded.frame.schema[ROW_ID]))
    )
    return LoadedData(frame, [info])


def _location(info: SourceInfo, data: str | None, rule_set: RuleSet | None) -> Path | None:
    """The file of a file source (a database's is in its details)."""
    if info.format in ("postgresql", "sqlite"):
        return Path(info.details["database"]) if info.format == "sqlite" else None
    if data is not None:
        return Path(data)
    path = Path(info.path)
    if not path.is_absolute() and rule_set is not None and rule_set.base_dir is not None:
        candidate = rule_set.base_dir / path
        if candidate.exists() or not path.exists():
            return candidate
    return path


def _check_output_kind(info: SourceInfo, location: Path | None, output: Path) -> None:
    if info.format == "postgresql":
        if output.suffix.lower() != ".sql":
            raise UsageError(
                f"-o/--output {output}: a PostgreSQL source is never written; give a .sql file for the script of updates"
            )
        return
    assert location is not None
    if output.suffix.lower() != location.suffix.lower():
        raise UsageError(
            f"-o/--output {output} must end in {location.suffix} like {location}: the copy keeps its format"
        )


def _original(info: SourceInfo, field: str | None) -> str | None:
    """The source's own name of ``field`` (before a ``columns:`` rename)."""
    return next((column.original for column in info.columns if column.field == field), None)


def _cells(found: pl.DataFrame, data: LoadedData, info: SourceInfo, key: str | None) -> list[CellChange]:
    from veracity.corrections.copies import CellChange

    originals = {column.field: column.original for column in info.columns}
    keys = (
        data.frame.get_column(key).gather(found.get_column("row")).to_list()
        if key is not None and key in data.frame.columns
        else [None] * found.height
    )
    return [
        CellChange(record, originals.get(field, field), old, new, key_value)
        for (record, field, old, new), key_value in zip(
            found.select("record", "field", "old", "new").iter_rows(), keys, strict=True
        )
    ]


def _load_plain(data: Path) -> LoadedData:
    return load_data(data, rule_set_from_objects([]))


def _read_worklist(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise UsageError(
            f"--worklist: {path} does not exist; write one with 'veracity audit --worklist {path}'"
        )
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        # A spreadsheet may save the sheet back with its locale's separator and a byte-order mark.
        frame = pl.DataFrame()
        for separator in (",", ";", "\t"):
            frame = pl.read_csv(path, infer_schema=False, separator=separator, encoding="utf8-lossy")
            frame = frame.rename({name: name.lstrip("\ufeff") for name in frame.columns})
            if "correction" in frame.columns:
                break
        return frame
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UsageError(
            f"--worklist: cannot read {path} ({type(exc).__name__}); give a .csv or .parquet worklist"
        ) from None


def _write_log(
    found: pl.DataFrame, loaded: LoadedData, rule_set: RuleSet | None, reveal: bool, log: Path
) -> None:
    from veracity.reports.findings import neutralise_formulas

    frame = found.select(*CHANGE_COLUMNS)
    if not reveal and frame.height:
        masks = field_masks(rule_set or rule_set_from_objects([]), loaded.fields)
        kind = pl.col("field").replace_strict(masks, default="text", return_dtype=pl.String)
        frame = frame.with_columns(
            mask_expr(pl.col("old"), kind).alias("old"), mask_expr(pl.col("new"), kind).alias("new")
        )
    with atomic_path(log) as temp:
        neutralise_formulas(frame, ("field", "old", "new", "rule")).write_csv(temp)
