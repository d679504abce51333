"""What a Spark task runs: the engine's plan on one partition of records, with polars.

Nothing here imports pyspark: these functions receive Arrow record batches and yield Arrow
record batches (``mapInArrow``), so the worker needs veracity, polars and pyarrow only. Each
partition arrives with the provenance the driver worked out (source index, line, audit-wide
row id) and, for checks that read other records, the columns the shuffles computed (key
groups, table verdicts); what it hands back merges exactly on the driver
(:class:`PartitionState`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa

from veracity.checks.base import ScanCounts, TableOutcome, add_counts, key_columns
from veracity.config.loader import Rule
from veracity.engine import FINDINGS_SCHEMA, AuditPlan, run_rules
from veracity.fieldtypes import TypeCounts
from veracity.masking import mask_findings
from veracity.results import RuleState
from veracity.scoring import segment_counts
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData, SourceInfo

__all__ = [
    "LINE",
    "PAYLOAD",
    "ROW",
    "SOURCE",
    "AuditJob",
    "PartitionState",
    "audit_partition",
    "key_texts",
    "normalise",
    "table_records",
    "type_counts",
]

#: Provenance columns the driver adds to every record (names no export uses).
SOURCE = "__veracity_source"
LINE = "__veracity_line"
ROW = "__veracity_row"
#: The pickled :class:`PartitionState` of a partition (null on findings rows).
PAYLOAD = "__veracity_state"


def key_prefix(slot: int) -> str:
    return f"__veracity_key{slot}_"


def table_prefix(slot: int) -> str:
    return f"__veracity_table{slot}_"


@dataclass
class AuditJob:
    """Everything a task needs, shipped once to the workers (pickled with the function)."""

    plan: AuditPlan
    fields: list[str]
    infos: list[SourceInfo]
    null_markers: tuple[str, ...]
    key_exprs: list[pl.Expr]
    table_rules: list[str]
    field_types: dict[str, Any]
    max_samples: int
    write_findings: bool
    reveal_values: bool
    findings_schema: dict[str, Any]


@dataclass
class PartitionState:
    """What one partition adds to the audit; :meth:`merge` is exact and order-free, except the
    samples, which the driver orders by row id."""

    states: dict[str, RuleState]
    scores: list[pl.Series] = field(default_factory=list)
    #: Each rule's first ``max_samples`` findings, with their row id in ``ROW``.
    samples: pl.DataFrame | None = None
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    segments: dict[str, pl.DataFrame] = field(default_factory=dict)
    scans: dict[str, ScanCounts] = field(default_factory=dict)
    #: Values turned into null per (source index, field).
    missing: dict[tuple[int, str], int] = field(default_factory=dict)
    rows: int = 0


def normalise(frame: pl.DataFrame, fields: Sequence[str], null_markers: Sequence[str]) -> pl.DataFrame:
    """The fields as the local loaders hand them out: text, with empty, whitespace-only and
    null-marker values null (as ``veracity.audit`` does with DataFrames)."""
    exprs = []
    for name in fields:
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        text = pl.col(name).cast(pl.String)
        missing = text.str.strip_chars().eq("") | text.is_in(list(null_markers))
        exprs.append(pl.when(missing).then(None).otherwise(text).alias(name))
    return frame.with_columns(exprs)


def _frame(batches: Iterable[pa.RecordBatch]) -> pl.DataFrame | None:
    batches = list(batches)
    if not batches:
        return None
    frame = pl.from_arrow(pa.Table.from_batches(batches))
    assert isinstance(frame, pl.DataFrame)
    return frame if frame.height else None


def _normalised(batches: Iterable[pa.RecordBatch], job: AuditJob) -> pl.DataFrame | None:
    """A partition's records with the rule file's field types and missing-value markers applied."""
    frame = _frame(batches)
    return None if frame is None else normalise(frame, job.fields, job.null_markers)


def _loaded(frame: pl.DataFrame, job: AuditJob) -> LoadedData:
    """A partition as the engine reads it: sorted by audit-wide row id, ROW_ID its position."""
    ordered = frame.sort(ROW)
    data = ordered.select(
        *job.fields,
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW_ID),
        pl.col(SOURCE).cast(pl.UInt16).alias(SOURCE_COL),
        pl.col(LINE).cast(pl.UInt32).alias(LINE_COL),
    )
    return LoadedData(data, job.infos)


def key_texts(batches: Iterable[pa.RecordBatch], job: AuditJob, slot: int) -> Iterator[pa.RecordBatch]:
    """Each record's key as text (a shuffle groups by it): only complete keys, as
    :class:`veracity.engine._keys.KeyIndex` indexes them."""
    frame = _normalised(batches, job)
    if frame is None:
        return
    key = job.key_exprs[slot]
    names = list(dict.fromkeys(key.meta.root_names()))
    complete = pl.all_horizontal([pl.col(name).is_not_null() for name in names])
    value = frame.select(key.alias("k")).to_series()
    text = value.struct.json_encode() if isinstance(value.dtype, pl.Struct) else value.cast(pl.String)
    out = frame.select(ROW, SOURCE, LINE, *names).with_columns(text.alias("key")).filter(complete)
    out = out.select(ROW, SOURCE, LINE, "key")
    yield from out.to_arrow().to_batches()


def table_records(
    batches: Iterable[pa.RecordBatch], job: AuditJob, columns: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    """The fields table checks read, normalised, with provenance (gathered on the driver)."""
    frame = _normalised(batches, job)
    if frame is None:
        return
    yield from frame.select(*columns, ROW, SOURCE, LINE).to_arrow().to_batches()


def type_counts(
    batches: Iterable[pa.RecordBatch], job: AuditJob, counted: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    """SQL field types' counts of a partition (they add up over partitions)."""
    frame = _normalised(batches, job)
    if frame is None:
        return
    counts = TypeCounts(list(counted), job.plan.booleans)
    counts.add(frame)
    yield pa.RecordBatch.from_pydict({PAYLOAD: [pickle.dumps(counts.counts)]})


def audit_partition(batches: Iterable[pa.RecordBatch], job: AuditJob) -> Iterator[pa.RecordBatch]:
    """Run the plan on one partition; yield its findings rows (when the findings are written)
    and one row holding its :class:`PartitionState`."""
    raw = _frame(batches)
    if raw is None:
        return
    normal = normalise(raw, job.fields, job.null_markers)
    missing = _missing(raw, normal, job)
    frame = normal.sort(ROW)
    del raw, normal
    data = _loaded(frame, job)
    plan = job.plan
    record_rules = [rule for rule in plan.rules if rule.check.reads != "dataset"]
    keys = _key_columns(frame, job)
    tables = _tables(frame, job)
    output = run_rules(
        data,
        record_rules,
        plan.context(data),
        plan.key,
        plan.masks,
        field_types=job.field_types,
        tables=tables,
        keys=keys,
    )
    rows = frame.get_column(ROW)
    state = PartitionState(states=dict(output.states), rows=frame.height, missing=missing)
    state.scores.append(output.record_scores)
    findings = _with_rows(output.findings, data, rows, record_rules, output.states)
    state.samples = _first(findings, job.max_samples)
    state.by_source = _by_source(findings)
    for name, values in plan.segments(data).items():
        state.segments[name] = segment_counts(values, output.outcomes, record_rules)
    for rule in plan.rules:
        scan = rule.check.scan
        if rule.check.reads == "dataset" and scan is not None:
            counts: ScanCounts = {}
            add_counts(counts, scan(rule.params, plan.context(data)))
            state.scans[rule.id] = counts
    if job.write_findings and findings.height:
        shown = mask_findings(findings.drop(ROW), reveal=job.reveal_values)
        out = shown.select(pl.col(n).cast(t) for n, t in job.findings_schema.items())
        yield from out.with_columns(pl.lit(None, dtype=pl.Binary).alias(PAYLOAD)).to_arrow().to_batches()
    empty = pl.DataFrame(schema=job.findings_schema)
    blob = pl.Series(PAYLOAD, [pickle.dumps(state)], dtype=pl.Binary)
    yield from empty.clear(1).with_columns(blob).to_arrow().to_batches()


def _missing(raw: pl.DataFrame, normal: pl.DataFrame, job: AuditJob) -> dict[tuple[int, str], int]:
    """Values the normalisation turned into null, per source and field (lineage counts them)."""
    present = [name for name in job.fields if name in raw.columns]
    if not present:
        return {}
    # A CSV has no nulls, only empty fields, which Spark's reader hands over as nulls already.
    csv = raw.get_column(SOURCE).is_in([info.index for info in job.infos if info.format == "csv"])
    turned = pl.DataFrame(
        [
            raw.get_column(SOURCE),
            *(
                ((raw.get_column(n).is_not_null() | csv) & normal.get_column(n).is_null()).alias(n)
                for n in present
            ),
        ]
    )
    summed = turned.group_by(SOURCE).agg(pl.col(present).sum())
    return {
        (int(row[SOURCE]), name): int(row[name])
        for row in summed.iter_rows(named=True)
        for name in present
        if row[name]
    }


def _key_columns(frame: pl.DataFrame, job: AuditJob) -> pl.DataFrame | None:
    if not job.key_exprs:
        return None
    columns = []
    for slot, expr in enumerate(job.key_exprs):
        prefix = key_prefix(slot)
        names = key_columns(expr)
        columns += [
            frame.get_column(f"{prefix}first").fill_null(True).alias(names[0]),
            frame.select(pl.coalesce(f"{prefix}source", SOURCE).cast(pl.UInt16)).to_series().alias(names[1]),
            frame.select(pl.coalesce(f"{prefix}line", LINE).cast(pl.UInt32)).to_series().alias(names[2]),
        ]
    return pl.DataFrame(columns)


def _tables(frame: pl.DataFrame, job: AuditJob) -> dict[str, TableOutcome]:
    tables = {}
    for slot, rule_id in enumerate(job.table_rules):
        prefix = table_prefix(slot)
        messages = frame.get_column(f"{prefix}message")
        clusters = frame.get_column(f"{prefix}cluster")
        tables[rule_id] = TableOutcome(
            verdicts=frame.get_column(f"{prefix}verdict"),
            messages=messages if messages.null_count() < messages.len() else None,
            cluster_ids=clusters if clusters.null_count() < clusters.len() else None,
        )
    return tables


def _with_rows(
    findings: pl.DataFrame,
    data: LoadedData,
    rows: pl.Series,
    rules: Sequence[Rule],
    states: Mapping[str, RuleState],
) -> pl.DataFrame:
    """The findings with each one's audit-wide row id, matched through (source, line), which
    is unique per record."""
    if not findings.height:
        return findings.with_columns(pl.lit(None, dtype=pl.Int64).alias(ROW))
    paths = {s.index: s.path for s in data.sources}
    lookup = data.frame.select(
        pl.col(SOURCE_COL).replace_strict(paths, return_dtype=pl.String).alias("source"),
        pl.col(LINE_COL).alias("line"),
        rows.cast(pl.Int64).alias(ROW),
    )
    return findings.join(lookup, on=["source", "line"], how="left", maintain_order="left")


def _first(findings: pl.DataFrame, limit: int) -> pl.DataFrame:
    return findings.group_by("rule", maintain_order=True).head(limit) if findings.height else findings


def _by_source(findings: pl.DataFrame) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if not findings.height:
        return out
    grouped = findings.filter(pl.col("source").is_not_null()).group_by("source", "rule").len()
    for source, rule_id, n in grouped.iter_rows():
        out.setdefault(str(source), {})[str(rule_id)] = int(n)
    return out


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema={**FINDINGS_SCHEMA, ROW: pl.Int64})
