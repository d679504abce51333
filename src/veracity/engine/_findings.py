"""Findings: one row per failing record and rule, with the record's provenance (source, line),
key, message and value, in FINDINGS_SCHEMA's columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from veracity.checks.base import DatasetOutcome
from veracity.config.loader import Rule
from veracity.sources import LINE_COL, SOURCE_COL, LoadedData

__all__ = ["FINDINGS_SCHEMA", "Failed", "dataset_findings", "failing_rows", "row_findings"]

FINDINGS_SCHEMA = {
    "rule": pl.String,
    "check": pl.String,
    "dimension": pl.String,
    "severity": pl.String,
    "field": pl.String,
    "source": pl.String,
    "line": pl.UInt32,
    "record_key": pl.String,
    "message": pl.String,
    "value": pl.String,
    "cluster_id": pl.Int64,
    "value_kind": pl.String,
}


_COMMON = ("rule", "check", "dimension", "severity", "field")


def _common(rule: Rule) -> dict[str, Any]:
    return {
        "rule": rule.id,
        "check": rule.check.name,
        "dimension": rule.check.dimension.value,
        "severity": rule.severity.value,
        "field": ", ".join(rule.fields) or None,
    }


@dataclass(frozen=True)
class Failed:
    """One rule's failing records (ROW_IDs, and as a mask over the data's rows) and, where it has
    them, their messages and cluster ids."""

    rule: Rule
    rows: pl.Series
    mask: pl.Series
    messages: pl.Series | None
    clusters: pl.Series | None


def failing_rows(frame: pl.DataFrame, rows: pl.Series, mask: pl.Series) -> pl.DataFrame:
    """``frame``'s records at ``rows`` (positions, ascending), ``mask`` marking the same records.

    Filtered by the mask or gathered by position, whichever costs less: a filter reads the
    whole mask but keeps strings where they are (about 3 to 7 ns a record of the table), a
    gather costs per record taken, about 20 ns plus a third of a nanosecond per byte it copies.
    117,049 notes of 2 KB: filtered in 0.002 s, gathered in 0.08 s; 7,500 short values of a
    million: gathered in a fraction of a millisecond, filtered in several. The same records in
    the same order either way."""
    per_record = frame.estimated_size() / max(frame.height, 1)
    if rows.len() * (20 + per_record / 3) >= 5 * mask.len():
        return frame.filter(mask)
    return frame[rows]


def row_findings(
    data: LoadedData, failures: Sequence[Failed], key: str | None, kinds: Mapping[str, str]
) -> pl.DataFrame:
    """The findings of every failing record-level rule, in rule order then record order: the
    failing records' provenance, key, message and value.

    Every step is a gather, a filter or a concatenation of whole columns: a rule's constant
    columns are gathered from a table of one row per rule, its records' provenance and values
    taken by :func:`failing_rows`; nothing is worked out per finding in Python (a rule file's
    failures may be most of the records).
    """
    sizes = [failed.rows.len() for failed in failures]
    primaries = [failed.rule.fields[0] if failed.rule.fields else None for failed in failures]
    commons = [_common(failed.rule) for failed in failures]
    rule_table = pl.DataFrame(
        {
            **{name: [common[name] for common in commons] for name in _COMMON},
            "value_kind": [
                kinds.get(primary, failed.rule.check.value_kind) if primary else failed.rule.check.value_kind
                for failed, primary in zip(failures, primaries, strict=True)
            ],
        },
        schema={**dict.fromkeys(_COMMON, pl.String), "value_kind": pl.String},
    )
    rule_at = pl.Series(np.repeat(np.arange(len(failures), dtype=np.uint32), sizes))
    messages = pl.concat(
        [
            _messages(failed, failed.rule.check.message_for(failed.rule.params), size)
            for failed, size in zip(failures, sizes, strict=True)
        ]
    )
    clusters = pl.concat(
        [
            failed.clusters.cast(pl.Int64)
            if failed.clusters is not None
            else pl.repeat(None, size, dtype=pl.Int64, eager=True)
            for failed, size in zip(failures, sizes, strict=True)
        ]
    )
    # Each failing record's value of its rule's primary field.
    values = pl.concat(
        [
            failing_rows(
                data.frame.get_column(primary).cast(pl.String).to_frame(), failed.rows, failed.mask
            ).to_series()
            if primary
            else pl.repeat(None, size, dtype=pl.String, eager=True)
            for failed, primary, size in zip(failures, primaries, sizes, strict=True)
        ]
    )
    paths = {s.index: s.path for s in data.sources}
    # One source (the usual audit): its path is a constant, not gathered and looked up per finding.
    (path,) = paths.values() if len(paths) == 1 else (None,)
    provenance = data.frame.select(
        *([] if path is not None else [SOURCE_COL]),
        LINE_COL,
        (pl.col(key) if key else pl.lit(None, dtype=pl.String)).alias("record_key"),
    )
    picked = pl.concat([failing_rows(provenance, failed.rows, failed.mask) for failed in failures]).rechunk()
    source = (
        pl.lit(path, dtype=pl.String)
        if path is not None
        else pl.col(SOURCE_COL).replace_strict(paths, return_dtype=pl.String)
    )
    return (
        pl.concat([rule_table[rule_at], picked], how="horizontal")
        .with_columns(messages.alias("message"), values.alias("value"), clusters.alias("cluster_id"))
        .select(
            *_COMMON,
            source.alias("source"),
            pl.col(LINE_COL).alias("line"),
            "record_key",
            "message",
            "value",
            "cluster_id",
            "value_kind",
        )
        .cast(pl.Schema(FINDINGS_SCHEMA))
    )


def _messages(failed: Failed, fixed: str, size: int) -> pl.Series:
    """A rule's messages of its failing records: their own, else the rule's fixed one."""
    if failed.messages is None:
        return pl.repeat(fixed, size, dtype=pl.String, eager=True)
    return failed.messages.cast(pl.String).fill_null(fixed)


def dataset_findings(data: LoadedData, rule: Rule, outcome: DatasetOutcome) -> pl.DataFrame:
    rows = [
        {
            **_common(rule),
            "field": failure.field or _common(rule)["field"],
            "source": data.sources[failure.source_index].path if failure.source_index is not None else None,
            "line": None,
            "record_key": None,
            "message": failure.message,
            "value": None,
            "cluster_id": None,
            "value_kind": "text",
        }
        for failure in outcome.failures
    ]
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA)
