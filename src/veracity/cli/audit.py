"""``veracity audit``: run a rule file over exports, print the report, exit with the gate."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from veracity._api import audit as run_audit
from veracity._api import source_specs
from veracity._atomic import all_or_nothing, atomic_write
from veracity.cli._common import EXIT_OK, err_console, error_boundary, parse_as_of, stdout_is_terminal
from veracity.cli._outputs import (
    Input,
    Output,
    check_outputs,
    check_stdout,
    identity,
    report_path,
    same_file,
    stdout_identity,
)
from veracity.cli._progress import StageProgress
from veracity.config import RuleSet, load_rule_file, settings_from
from veracity.errors import UsageError
from veracity.reports import FORMATS, render
from veracity.results import AuditResult
from veracity.runners import get_runner, runner_names
from veracity.sources import FORMATS as INPUT_FORMATS
from veracity.sources.base import ReadOptions


def _either(names: tuple[str, ...]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


def audit_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files to audit (CSV, TSV, Parquet, JSON, NDJSON, XLSX; '-' for CSV on stdin) or database "
            "tables ('postgresql://HOST/DB?table=T', 'sqlite:///FILE?table=T'). Replace the rule file's sources."
        ),
    ] = None,
    rules: Annotated[Path, typer.Option("--rules", "-r", help="The YAML rule file.")] = Path("veracity.yaml"),
    output_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"Report format: {', '.join(FORMATS)}. Default: table."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here (atomically); - is standard output."),
    ] = None,
    findings: Annotated[
        Path | None,
        typer.Option("--findings", help="Write one row per failed record and rule (.csv or .parquet)."),
    ] = None,
    worklist: Annotated[
        Path | None,
        typer.Option(
            "--worklist",
            help="Write one row per failed record and rule with suggested corrections (.csv or .parquet), "
            "for 'veracity fix'.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Audit date YYYY-MM-DD for 'today', max_age and consent.")
    ] = None,
    fail_under: Annotated[
        float | None, typer.Option("--fail-under", min=0, max=100, help="Fail when the score is below this.")
    ] = None,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Set a rule-file key, e.g. gate.min_score=95 or rules.fresh.days=365 (repeatable; "
            "VERACITY_SET_GATE__MIN_SCORE=95 in the environment does the same).",
        ),
    ] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when the gate fails.")] = False,
    reveal_values: Annotated[
        bool, typer.Option("--reveal-values", help="Show data values unmasked (they are personal data).")
    ] = False,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", help=f"Read inputs as {_either(INPUT_FORMATS)}."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter (detected by default).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding (detected by default).")
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Excel sheet name, or 0-based index when no sheet has that name."),
    ] = None,
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
            help="Audit in chunks of this many records, in bounded memory (very large files and database tables).",
        ),
    ] = None,
    runner: Annotated[
        str | None,
        typer.Option(
            "--runner",
            help=f"Where the audit runs: {_either(runner_names())} (default: the rule file's runner:, else "
            "local). spark: see docs/spark.md.",
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="Spark master for --runner spark: local[N], spark://HOST:PORT or sc://HOST (Spark "
            "Connect). Default: the active session.",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")] = True,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Audit data exports against a rule file.

    Exit codes: 0 the quality gate passed, 1 it failed, 2 usage, rule-file or input error.
    """
    output = report_path(output)
    with error_boundary(debug):
        fmt = output_format or "table"
        if fmt not in FORMATS:
            raise UsageError(f"--format: unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
        if input_format is not None and input_format not in INPUT_FORMATS:
            raise UsageError(
                f"--input-format: unknown format '{input_format}'; choose {_either(INPUT_FORMATS)}"
            )
        if findings is not None and findings.suffix.lower() not in (".csv", ".parquet"):
            raise UsageError(f"--findings: {findings} must end in .csv or .parquet")
        if worklist is not None:
            from veracity.reports.worklist import check_worklist_path

            check_worklist_path(worklist)
        if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
            raise UsageError("--delimiter: give a single character such as ';' or '\\t'")
        if duplicates is not None and duplicates.suffix.lower() not in (".csv", ".parquet"):
            raise UsageError(f"--duplicates: {duplicates} must end in .csv or .parquet")
        read = ReadOptions(
            format=input_format,
            delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
            encoding=encoding,
            null_markers=tuple(null_marker or ()),
            sheet=sheet,
        )
        audit_date = parse_as_of(as_of)
        rule_set = load_rule_file(rules, settings_from(set_values or [], os.environ))
        chosen_runner = get_runner(runner or rule_set.model.runner or "local").name
        if spark_master is not None and chosen_runner != "spark":
            raise UsageError(
                f"--spark-master is for the spark runner, but this audit runs on '{chosen_runner}'; "
                "add --runner spark (or runner: spark in the rule file), or drop --spark-master"
            )
        outputs = [
            Output(option, path)
            for option, path in (
                ("-o/--output", output),
                # On Spark the findings are a dataset (a directory) the runner puts in place.
                ("--findings", findings if chosen_runner == "local" else None),
                ("--worklist", worklist),
                ("--duplicates", duplicates),
                ("--openlineage", openlineage),
            )
            if path is not None
        ]
        summary = _plan_run(
            rule_set, paths, read, rules, outputs, history, history_db, duplicates, openlineage
        )
        with (
            StageProgress(err_console, enabled=progress) as stage,
            all_or_nothing({o.path: o.option for o in outputs}),
        ):
            if chosen_runner != "local" and chunk_rows is not None:
                raise UsageError(
                    f"--chunk-rows is for the local runner; runner '{chosen_runner}' partitions by itself"
                )
            if chunk_rows is None:
                # Another runner writes the findings itself (on Spark: a Parquet dataset); the
                # local runner's are written below, with the reports.
                result = run_audit(
                    paths or None,
                    rule_set,
                    as_of=audit_date,
                    fail_under=fail_under,
                    read=read,
                    progress=stage,
                    segments=by,
                    reveal_values=reveal_values,
                    worklist=worklist is not None,
                    runner=chosen_runner,
                    spark_master=spark_master,
                    findings_path=findings if chosen_runner != "local" else None,
                )
            else:
                from veracity.chunked import audit_chunked

                # The findings file is streamed chunk by chunk inside the audit.
                result = audit_chunked(
                    paths or None,
                    rule_set,
                    as_of=audit_date,
                    fail_under=fail_under,
                    read=read,
                    progress=stage,
                    segments=by,
                    chunk_rows=chunk_rows,
                    findings_path=findings,
                    reveal_values=reveal_values,
                    worklist=worklist is not None,
                )
            stage("writing reports")
            color = output is None and fmt == "table" and stdout_is_terminal()
            width = shutil.get_terminal_size().columns if output is None and stdout_is_terminal() else None
            text = render(result, fmt, reveal_values=reveal_values, color=color, width=width)
            if findings is not None and chunk_rows is None and chosen_runner == "local":
                from veracity.reports.findings import write_findings

                write_findings(result, findings, reveal_values=reveal_values)
            if worklist is not None:
                from veracity.reports.worklist import worklist_of, write_worklist

                write_worklist(worklist_of(result), worklist)
            if duplicates is not None:
                from veracity.reports.duplicates import write_duplicates

                write_duplicates(result, duplicates)
            if output is not None:
                atomic_write(output, text)
            if openlineage is not None:
                _emit_lineage(result, openlineage)
            if history:
                from veracity.history import record_audit

                # Last: a history row stands for outputs that are all in place.
                record_audit(result, history_db)
        _github_actions(result, fmt, reveal_values, summary)
        if openlineage is None:
            _emit_lineage(result, None)
        if output is None:
            typer.echo(text, nl=not text.endswith("\n"))
        else:
            err_console.print(f"Report written to {output}", markup=False)
    code = EXIT_OK if exit_zero else result.exit_code
    raise typer.Exit(code)


def _plan_run(
    rule_set: RuleSet,
    paths: list[str] | None,
    read: ReadOptions,
    rules: Path,
    outputs: list[Output],
    history: bool,
    history_db: Path | None,
    duplicates: Path | None,
    openlineage: Path | None,
) -> Path | None:
    """Every check that can refuse the run, before the first byte is written: outputs apart
    from the inputs and from each other, writable, the history store ours, the streams open.
    Returns the job summary file to append to, if any."""
    specs, base_dir = source_specs(paths or None, rule_set, read)
    included = [Path(name) for name in rule_set.files[:-1] if not name.startswith("veracity:")]
    inputs = [Input("rule file", path) for path in (rules, *included)]
    for spec in specs:
        if spec.path == "-":
            if sys.stdin is None:
                raise UsageError(
                    "'-' reads standard input, which is closed; give the data file's path instead"
                )
            continue
        path = Path(spec.path)
        inputs.append(Input("data file", base_dir / path if base_dir and not path.is_absolute() else path))
    if history:
        from veracity.history import check_store, history_path

        # Compared with the inputs before it is opened at all, then proven to be a usable store.
        outputs = [*outputs, Output("--history-db", history_path(history_db), directory_checked=True)]
        check_outputs(outputs, inputs)
        check_store(history_db)
    check_outputs(outputs, inputs)
    if not any(output.option == "-o/--output" for output in outputs):
        if sys.stdout is None:
            raise UsageError("standard output is closed; give -o/--output a path for the report")
        check_stdout(inputs)
    if duplicates is not None and not any(rule.check.name == "duplicates" for rule in rule_set.rules):
        raise UsageError(
            "--duplicates needs a rule with 'check: duplicates' in the rule file; add one or drop --duplicates"
        )
    if openlineage is not None and importlib.util.find_spec("openlineage") is None:
        raise UsageError(
            "--openlineage needs the openlineage-python package; install it with 'pip install openlineage-python'"
        )
    return _step_summary(outputs, inputs)


def _step_summary(outputs: list[Output], inputs: list[Input]) -> Path | None:
    """``$GITHUB_STEP_SUMMARY`` inside a GitHub Actions job, unless the report already goes
    there (``-f markdown >> "$GITHUB_STEP_SUMMARY"``, or ``-o`` naming it): then it would appear
    twice."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return None
    value = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if not value:
        return None
    summary = Path(value)
    check_outputs([Output("GITHUB_STEP_SUMMARY", summary)], inputs)
    report = next((o.path for o in outputs if o.option == "-o/--output"), None)
    mine = identity(summary)
    if report is not None and same_file(report, summary):
        return None
    if report is None and mine is not None and mine == stdout_identity():
        return None
    return summary


def _github_actions(result: AuditResult, fmt: str, reveal_values: bool, summary: Path | None) -> None:
    """Inside a GitHub Actions job: annotations for the worst rules and the job summary.

    The annotations go to stderr (the runner reads workflow commands from both streams), so a
    machine-readable report on stdout stays clean; ``--format github`` prints them on stdout.
    """
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from veracity.reports import github

    if fmt != "github":
        sys.stderr.write(github.render(result, reveal_values=reveal_values))
    if summary is None:
        return
    try:
        github.append_step_summary(result, summary, reveal_values=reveal_values)
    except OSError as exc:
        # The outputs are in place and the verdict stands; the summary is a view of them.
        err_console.print(
            f"Warning: cannot append to GITHUB_STEP_SUMMARY {summary}: {exc.strerror}", markup=False
        )


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
