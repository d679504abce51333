"""``veracity audit``: run a rule file over exports, print the report, exit with the gate."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from veracity._api import audit as run_audit
from veracity.cli._common import EXIT_OK, err_console, error_boundary, parse_as_of, stdout_is_terminal
from veracity.cli._progress import StageProgress
from veracity.errors import UsageError
from veracity.reports import FORMATS, render
from veracity.results import AuditResult
from veracity.sources.base import ReadOptions


def audit_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files to audit (CSV, TSV, Parquet, JSON, NDJSON, XLSX; '-' for CSV on stdin). "
            "Replace the rule file's sources."
        ),
    ] = None,
    rules: Annotated[Path, typer.Option("--rules", "-r", help="The YAML rule file.")] = Path("veracity.yaml"),
    output_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"Report format: {', '.join(FORMATS)}. Default: table."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here (atomically).")
    ] = None,
    findings: Annotated[
        Path | None,
        typer.Option("--findings", help="Write one row per failed record and rule (.csv or .parquet)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Audit date YYYY-MM-DD for 'today', max_age and consent.")
    ] = None,
    fail_under: Annotated[
        float | None, typer.Option("--fail-under", min=0, max=100, help="Fail when the score is below this.")
    ] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when the gate fails.")] = False,
    reveal_values: Annotated[
        bool, typer.Option("--reveal-values", help="Show data values unmasked (they are personal data).")
    ] = False,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", help="Read inputs as csv, tsv, parquet, json, ndjson or xlsx."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter (detected by default).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding (detected by default).")
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel sheet name or 0-based index.")] = None,
    null_marker: Annotated[
        list[str] | None, typer.Option("--null-marker", help="A value meaning 'missing' (repeatable).")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Break every score down by this field, or 'source' (repeatable)."),
    ] = None,
    duplicates: Annotated[
        Path | None,
        typer.Option(
            "--duplicates",
            help="Write the duplicate clusters of 'duplicates' rules here (.csv or .parquet).",
        ),
    ] = None,
    openlineage: Annotated[
        Path | None,
        typer.Option(
            "--openlineage",
            help="Write OpenLineage START/COMPLETE events here (NDJSON). OPENLINEAGE_URL sends them instead.",
        ),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Record this audit in the history store (see 'veracity trend').")
    ] = False,
    history_db: Annotated[
        Path | None,
        typer.Option(
            "--history-db",
            envvar="VERACITY_HISTORY",
            help="The history store (default .veracity/history.db).",
        ),
    ] = None,
    chunk_rows: Annotated[
        int | None,
        typer.Option(
            "--chunk-rows",
            min=1000,
            help="Audit CSV in chunks of this many records, in bounded memory (for very large files).",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")] = True,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Audit data exports against a rule file.

    Exit codes: 0 the quality gate passed, 1 it failed, 2 usage, rule-file or input error.
    """
    with error_boundary(debug):
        fmt = output_format or "table"
        if fmt not in FORMATS:
            raise UsageError(f"--format: unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
        if input_format is not None and input_format not in (
            "csv",
            "tsv",
            "parquet",
            "json",
            "ndjson",
            "xlsx",
        ):
            raise UsageError(
                f"--input-format: unknown format '{input_format}'; choose csv, tsv, parquet, json, ndjson or xlsx"
            )
        if findings is not None and findings.suffix.lower() not in (".csv", ".parquet"):
            raise UsageError(f"--findings: {findings} must end in .csv or .parquet")
        if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
            raise UsageError("--delimiter: give a single character such as ';' or '\\t'")
        if duplicates is not None and duplicates.suffix.lower() not in (".csv", ".parquet"):
            raise UsageError(f"--duplicates: {duplicates} must end in .csv or .parquet")
        _refuse_unwritable(output, findings, duplicates, openlineage)
        read = ReadOptions(
            format=input_format,  # type: ignore[arg-type]
            delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
            encoding=encoding,
            null_markers=tuple(null_marker or ()),
            sheet=int(sheet) if sheet is not None and sheet.isdigit() else sheet,
        )
        audit_date = parse_as_of(as_of)
        with StageProgress(err_console, enabled=progress) as stage:
            if chunk_rows is None:
                result = run_audit(
                    paths or None,
                    rules,
                    as_of=audit_date,
                    fail_under=fail_under,
                    read=read,
                    progress=stage,
                    segments=by,
                )
            else:
                from veracity.chunked import audit_chunked

                # The findings file is streamed chunk by chunk inside the audit.
                result = audit_chunked(
                    paths or None,
                    rules,
                    as_of=audit_date,
                    fail_under=fail_under,
                    read=read,
                    progress=stage,
                    segments=by,
                    chunk_rows=chunk_rows,
                    findings_path=findings,
                    reveal_values=reveal_values,
                )
            stage("writing reports")
            color = output is None and fmt == "table" and stdout_is_terminal()
            width = shutil.get_terminal_size().columns if output is None and stdout_is_terminal() else None
            text = render(result, fmt, reveal_values=reveal_values, color=color, width=width)
            if findings is not None and chunk_rows is None:
                from veracity.reports.findings import write_findings

                write_findings(result, findings, reveal_values=reveal_values)
            if duplicates is not None:
                from veracity.reports.duplicates import write_duplicates

                write_duplicates(result, duplicates)
            if output is not None:
                from veracity._atomic import atomic_write

                atomic_write(output, text)
            _github_actions(result, fmt, reveal_values)
            if history:
                from veracity.history import record_audit

                record_audit(result, history_db)
            _emit_lineage(result, openlineage)
        if output is None:
            typer.echo(text, nl=not text.endswith("\n"))
        else:
            err_console.print(f"Report written to {output}", markup=False)
    code = EXIT_OK if exit_zero else result.exit_code
    raise typer.Exit(code)


def _refuse_unwritable(*paths: Path | None) -> None:
    """Check output directories before the audit runs, so a typo costs no audit and leaves no
    partial set of outputs behind."""
    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise UsageError(f"cannot write {path}: directory {path.parent} does not exist; create it first")


def _github_actions(result: AuditResult, fmt: str, reveal_values: bool) -> None:
    """Inside a GitHub Actions job: annotations for the worst rules and the job summary.

    The annotations go to stderr (the runner reads workflow commands from both streams), so a
    machine-readable report on stdout stays clean; ``--format github`` prints them on stdout.
    """
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from veracity.reports import github

    if fmt != "github":
        sys.stderr.write(github.render(result, reveal_values=reveal_values))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        github.append_step_summary(result, Path(summary), reveal_values=reveal_values)


def _emit_lineage(result: AuditResult, path: Path | None) -> None:
    from veracity.reports.openlineage import OpenLineageError, emit_openlineage, openlineage_configured

    if path is None and not openlineage_configured():
        return
    try:
        emit_openlineage(result, path)
    except OpenLineageError as exc:
        if path is not None:
            raise
        # The audit itself is done and its verdict stands; a lineage server that is down
        # must not turn a passing import into a failed one.
        err_console.print(f"Warning: {exc}", markup=False)
