"""The duplicates file (``--duplicates PATH``): one row per record in a duplicate cluster.

Columns, in order: ``rule`` (the duplicates rule, as several may run), ``cluster_id`` (per
rule, 1, 2, ... in the order of the clusters' first records, as in the findings' cluster_id),
``source`` and ``line`` (where the record is), ``record_key`` (the value of the rule file's
``key:`` field, an identifier shown as is; empty without a key), ``match_probability`` and
``agreeing_fields`` (of the record's strongest match in its cluster: why it is there). Every
record of a cluster is listed, its first one too (which passes the rule), so a steward sees
whole clusters. No other values from the data are written.
"""

from __future__ import annotations

import polars as pl

from veracity._atomic import StrPath
from veracity.errors import UsageError
from veracity.linkage.result import CLUSTER_COLUMNS, DuplicatesResult
from veracity.reports.findings import write_table
from veracity.results import AuditResult

__all__ = ["DUPLICATES_SCHEMA", "duplicates_frame", "write_duplicates"]

#: Column types of the duplicates file.
# The columns first, in their order (a contract); `rule` last tells apart the clusters
# of several duplicates rules, whose ids are numbered per rule.
DUPLICATES_SCHEMA: dict[str, type[pl.DataType]] = {**CLUSTER_COLUMNS, "rule": pl.String}

#: Text columns a spreadsheet could run as a formula: record keys come from the data, field
#: names and paths from files users do not always control.
_TEXT_COLUMNS = ("rule", "source", "record_key", "agreeing_fields")


def duplicates_frame(result: AuditResult) -> pl.DataFrame:
    """Every duplicates rule's clustered records (:data:`DUPLICATES_SCHEMA`), rule by rule in
    rule-file order, then by cluster and row."""
    frames = [
        details.clusters_frame(result.run.key).select(
            *CLUSTER_COLUMNS, pl.lit(rule_id, dtype=pl.String).alias("rule")
        )
        for rule_id, details in result.details.items()
        if isinstance(details, DuplicatesResult)
    ]
    if not frames:
        raise UsageError("--duplicates needs a rule with 'check: duplicates' in the rule file; none ran")
    return pl.concat(frames, how="vertical").cast(DUPLICATES_SCHEMA)  # type: ignore[arg-type]


def write_duplicates(result: AuditResult, path: StrPath) -> None:
    """Write the duplicate clusters to ``path`` (``.csv`` or ``.parquet``), atomically.

    In CSV, text a spreadsheet would run as a formula is prefixed with an apostrophe, as in
    the findings file.
    """
    write_table(duplicates_frame(result), path, "--duplicates", _TEXT_COLUMNS)
