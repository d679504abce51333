"""The findings file: one row per failed (record, rule), for stewards to fix and pipelines to load.

The columns are :data:`veracity.results.FINDINGS_COLUMNS`, in that order, whatever the format:
pipelines downstream select them by name and position. Values are masked unless the user asks
for them with ``--reveal-values``.

A CSV file is opened by people, in spreadsheets and terminals, so every text cell takes its safe
form there (:mod:`veracity.safetext`): control characters shown as escapes (line feeds and tabs
stay: in a quoted cell they are data, such as a multi-line address), and a cell that a
spreadsheet would run as a formula prefixed with ``'``. That holds for every text column, not
only the values: a field name comes from the export's header and a source from a file name, both
as untrusted as the data. Parquet is read by programs and keeps every value exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from veracity._atomic import StrPath, atomic_path
from veracity.errors import UsageError
from veracity.masking import mask_findings
from veracity.results import FINDINGS_COLUMNS, AuditResult
from veracity.safetext import neutralise_formula_expr, printable_expr
from veracity.sources.base import SourceInfo

__all__ = ["FINDINGS_SCHEMA", "findings_frame", "neutralise_formulas", "rule_runs", "write_findings"]

#: Column types of the findings as users get them. ``line`` is null for findings about a whole
#: source (dataset-scoped checks) rather than one record.
FINDINGS_SCHEMA: dict[str, type[pl.DataType]] = {
    name: (pl.Int64 if name in ("line", "cluster_id") else pl.String) for name in FINDINGS_COLUMNS
}

_SPREADSHEET_TEXT_COLUMNS = tuple(name for name, dtype in FINDINGS_SCHEMA.items() if dtype is pl.String)


def findings_frame(
    result: AuditResult, *, reveal_values: bool = False, per_rule: int | None = None
) -> pl.DataFrame:
    """The findings as users see them: exactly ``FINDINGS_COLUMNS`` typed as
    :data:`FINDINGS_SCHEMA`, ``source`` as the path the user gave, ``value`` masked unless
    ``reveal_values``. ``per_rule`` keeps only each rule's first findings, in order."""
    frame = result.findings
    if per_rule is not None:
        # Cut before masking: reports need a handful of samples out of possibly millions of rows.
        frame = _first_per_rule(frame, per_rule)
    frame = mask_findings(frame, reveal=reveal_values)
    return frame.select(
        _source_paths(frame.schema["source"], result.sources).alias("source")
        if name == "source"
        else pl.col(name).cast(dtype)
        for name, dtype in FINDINGS_SCHEMA.items()
    )


def write_findings(result: AuditResult, path: StrPath, *, reveal_values: bool = False) -> None:
    """Write the findings to ``path`` (``.csv`` or ``.parquet``), atomically.

    In CSV, every text cell takes its safe form (see the module docstring): the file is meant
    to be opened by data stewards, and its text comes from untrusted exports.
    """
    write_table(
        findings_frame(result, reveal_values=reveal_values), path, "--findings", _SPREADSHEET_TEXT_COLUMNS
    )


def write_table(frame: pl.DataFrame, path: StrPath, option: str, text_columns: Sequence[str]) -> None:
    """Write ``frame`` to ``path`` atomically as CSV (``text_columns`` in their safe form) or
    Parquet (exact)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UsageError(f"{option} must end in .csv or .parquet")
    with atomic_path(path) as temp:
        if suffix == ".csv":
            neutralise_formulas(frame, text_columns).write_csv(temp)
        else:
            frame.write_parquet(temp)


def neutralise_formulas(
    frame: pl.DataFrame, columns: Sequence[str] = _SPREADSHEET_TEXT_COLUMNS
) -> pl.DataFrame:
    """``columns`` as a spreadsheet may show them: control characters other than line feeds and
    tabs as visible escapes, and ``'`` before text that a spreadsheet would run as a formula."""
    return frame.with_columns(
        neutralise_formula_expr(printable_expr(pl.col(name), keep_layout=True)).alias(name)
        for name in columns
    )


#: More runs of one rule id than this (findings not listed rule by rule) are counted by rule id.
_MAX_RUNS = 10_000


def rule_runs(findings: pl.DataFrame) -> list[tuple[int, str]] | None:
    """The findings as runs of one rule id: (length, rule id) in order, or None when there
    are more than a few thousand (findings in no order a run can use)."""
    rule = findings.get_column("rule")
    # Where a run starts: one comparison with the record before (views compare by their
    # inline prefix), half the cost of run-length encoding the strings.
    changed = rule.ne_missing(rule.shift(1))
    if changed.len():
        changed.scatter(0, True)  # the first record starts a run, a missing rule id too
    starts = changed.arg_true()
    if starts.len() > _MAX_RUNS:
        return None
    bounds = [*starts.to_list(), rule.len()]
    return [
        (bounds[i + 1] - bounds[i], str(rule_id)) for i, rule_id in enumerate(rule.gather(starts).to_list())
    ]


def _first_per_rule(frame: pl.DataFrame, per_rule: int) -> pl.DataFrame:
    """Each rule's first ``per_rule`` findings, in order.

    The engine lists findings rule by rule, so the findings are read as runs of one rule id
    (any number of runs per rule, in any order): the first findings are slices of the runs,
    worked out per run, not per finding.
    """
    runs = rule_runs(frame)
    if runs is None:
        return frame.filter(pl.int_range(pl.len()).over("rule") < per_rule)
    kept: dict[str, int] = {}
    slices: list[pl.DataFrame] = []
    start = 0
    for length, rule_id in runs:
        taken = min(per_rule - kept.get(rule_id, 0), length)
        if taken > 0:
            slices.append(frame.slice(start, taken))
            kept[rule_id] = kept.get(rule_id, 0) + taken
        start += length
    return pl.concat(slices) if slices else frame.clear()


def _source_paths(dtype: pl.DataType, sources: list[SourceInfo]) -> pl.Expr:
    # The engine may identify sources by index (cheap to carry through a large frame) or by
    # path; users always get the path they typed.
    if dtype.is_integer():
        return pl.col("source").replace_strict(
            {s.index: s.path for s in sources}, default=None, return_dtype=pl.String
        )
    return pl.col("source").cast(pl.String)
