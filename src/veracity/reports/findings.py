"""The findings file: one row per failed (record, rule), for stewards to fix and pipelines to load.

The columns are :data:`veracity.results.FINDINGS_COLUMNS`, in that order, whatever the format:
pipelines downstream select them by name and position. Values are masked unless the user asks
for them with ``--reveal-values``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from veracity._atomic import StrPath, atomic_path
from veracity.errors import UsageError
from veracity.masking import mask_findings
from veracity.results import FINDINGS_COLUMNS, AuditResult
from veracity.sources.base import SourceInfo

__all__ = ["FINDINGS_SCHEMA", "findings_frame", "neutralise_formulas", "write_findings"]

#: Column types of the findings as users get them. ``line`` is null for findings about a whole
#: source (dataset-scoped checks) rather than one record.
FINDINGS_SCHEMA: dict[str, type[pl.DataType]] = {
    name: (pl.Int64 if name in ("line", "cluster_id") else pl.String) for name in FINDINGS_COLUMNS
}

#: Spreadsheet applications execute a cell starting with one of these as a formula
#: (CSV injection); tab and carriage return are included because Excel strips them first.
_FORMULA_START = r"^[=+\-@\t\r]"
_SPREADSHEET_TEXT_COLUMNS = ("value", "record_key", "message")


def findings_frame(
    result: AuditResult, *, reveal_values: bool = False, per_rule: int | None = None
) -> pl.DataFrame:
    """The findings as users see them: exactly ``FINDINGS_COLUMNS`` typed as
    :data:`FINDINGS_SCHEMA`, ``source`` as the path the user gave, ``value`` masked unless
    ``reveal_values``. ``per_rule`` keeps only each rule's first findings, in order."""
    frame = result.findings
    if per_rule is not None:
        # Cut before masking: reports need a handful of samples out of possibly millions of rows.
        frame = frame.filter(pl.int_range(pl.len()).over("rule") < per_rule)
    frame = mask_findings(frame, reveal=reveal_values)
    return frame.select(
        _source_paths(frame.schema["source"], result.sources).alias("source")
        if name == "source"
        else pl.col(name).cast(dtype)
        for name, dtype in FINDINGS_SCHEMA.items()
    )


def write_findings(result: AuditResult, path: StrPath, *, reveal_values: bool = False) -> None:
    """Write the findings to ``path`` (``.csv`` or ``.parquet``), atomically.

    In CSV, text that a spreadsheet would run as a formula is prefixed with an apostrophe: the
    file is meant to be opened by data stewards, and the values come from untrusted exports.
    """
    write_table(
        findings_frame(result, reveal_values=reveal_values), path, "--findings", _SPREADSHEET_TEXT_COLUMNS
    )


def write_table(frame: pl.DataFrame, path: StrPath, option: str, text_columns: Sequence[str]) -> None:
    """Write ``frame`` to ``path`` atomically as CSV (formulas neutralised) or Parquet."""
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
    """Prefix ``'`` to text cells that a spreadsheet would evaluate as a formula."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in columns
    )


def _source_paths(dtype: pl.DataType, sources: list[SourceInfo]) -> pl.Expr:
    # The engine may identify sources by index (cheap to carry through a large frame) or by
    # path; users always get the path they typed.
    if dtype.is_integer():
        return pl.col("source").replace_strict(
            {s.index: s.path for s in sources}, default=None, return_dtype=pl.String
        )
    return pl.col("source").cast(pl.String)
