"""``veracity fix``: apply the corrections a steward accepted in a worklist to a copy of the data.

The copy is the input as stored, with only the accepted values changed: every other cell,
column and record is read and written as text, untouched. CSV/TSV copies are written as UTF-8
with the input's delimiter; Parquet copies keep the other columns' types (a changed column is
written as text). The input is never written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

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
from veracity.reports.worklist import CHANGE_COLUMNS, accepted_changes
from veracity.sources import LoadedData

#: Formats ``fix`` writes a corrected copy of, by the source's format.
FIXABLE = ("csv", "tsv", "parquet")


def fix_command(
    data: Annotated[
        Path, typer.Argument(help="The data file the worklist was made from (CSV, TSV or Parquet).")
    ],
    worklist: Annotated[
        Path,
        typer.Option(
            "--worklist",
            "-w",
            help="The worklist 'veracity audit --worklist' wrote, rows marked in 'accept'.",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the corrected copy here (never the input).")
    ],
    rules: Annotated[
        Path, typer.Option("--rules", "-r", help="The rule file of the audit (its column renames).")
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
        if accept is not None and accept not in CONFIDENCES:
            raise UsageError(f"--accept: unknown confidence '{accept}'; choose certain or likely")
        log = changes if changes is not None else output.with_name(f"{output.stem}.changes.csv")
        if log.suffix.lower() != ".csv":
            raise UsageError(f"--changes: {log} must end in .csv")
        inputs = [Input("data file", data), Input("worklist", worklist)]
        if rules.exists():
            inputs.append(Input("rule file", rules))
        check_outputs([Output("-o/--output", output), Output("--changes", log)], inputs)
        rule_set = load_rule_file(rules) if rules.exists() or rules != Path("veracity.yaml") else None
        loaded = load_data(data, rule_set) if rule_set is not None else _load_plain(data)
        info = loaded.sources[0]
        if info.format not in FIXABLE:
            raise UsageError(
                f"fix writes corrected copies of {', '.join(FIXABLE)} files, not {info.format} ({data}); "
                "export the data as CSV or Parquet first"
            )
        if output.suffix.lower() != data.suffix.lower():
            raise UsageError(
                f"-o/--output {output} must end in {data.suffix} like {data}: the copy keeps its format"
            )
        found = accepted_changes(_read_worklist(worklist), loaded, str(worklist), accept)
        originals = {column.field: column.original for column in info.columns}
        with all_or_nothing({output: "-o/--output", log: "--changes"}):
            _write_copy(data, info.format, info.delimiter, info.encoding, loaded, found, originals, output)
            _write_log(found, loaded, rule_set, reveal_values, log)
        records = found.get_column("record").n_unique()
        err_console.print(
            f"Changed {found.height} value(s) in {records} record(s); wrote {output} and the change log {log}",
            markup=False,
        )
    raise typer.Exit(EXIT_OK)


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


def _write_copy(
    data: Path,
    fmt: str,
    delimiter: str | None,
    encoding: str | None,
    loaded: LoadedData,
    found: pl.DataFrame,
    originals: dict[str, str],
    output: Path,
) -> None:
    """The input as stored, the changed cells replaced, written atomically to ``output``."""
    bom, crlf = False, False
    if fmt == "parquet":
        frame = pl.read_parquet(data)
    else:
        raw = data.read_bytes()
        text = raw.decode(encoding or "utf-8")
        bom = raw.startswith(b"\xef\xbb\xbf") or text.startswith("\ufeff")
        crlf = "\r\n" in text[:65536]
        # Empty cells read as nulls, which are written back as empty cells, unquoted as read.
        frame = pl.read_csv(
            io.BytesIO(text.removeprefix("\ufeff").encode("utf-8")),
            separator=delimiter or ",",
            infer_schema=False,
        )
    if frame.height != loaded.frame.height:
        raise UsageError(
            f"cannot line up the records of {data} ({frame.height} read as a table, {loaded.frame.height} "
            "audited); fix supports files whose records read the same both ways"
        )
    for (field,), group in found.group_by("field", maintain_order=True):
        column = originals.get(str(field), str(field))
        positions = group.get_column("row").cast(pl.Int64)
        current = frame.get_column(column).cast(pl.String)
        frame = frame.with_columns(current.scatter(positions, group.get_column("new")).alias(column))
    with atomic_path(output) as temp:
        if fmt == "parquet":
            frame.write_parquet(temp)
        else:
            frame.write_csv(
                temp, separator=delimiter or ",", include_bom=bom, line_terminator="\r\n" if crlf else "\n"
            )


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
