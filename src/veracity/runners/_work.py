"""What a Spark task runs: the engine's plan on one partition of records, with polars.

Nothing here imports pyspark: these functions receive Arrow record batches and yield Arrow
record batches (``mapInArrow``), so the worker needs veracity, polars and pyarrow only. Two
passes: :func:`prepare_partition` normalises the records once (the driver persists them) and
adds the key texts the shuffles group by; :func:`audit_partition` runs the plan on them, with
the columns the shuffles computed (key groups, table verdicts) for the few records they
concern. Each partition carries the provenance the driver worked out (source index, line,
audit-wide row id); what it hands back merges exactly on the driver (:class:`PartitionState`).
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
    "Prepared",
    "audit_partition",
    "key_text",
    "normalise",
    "prepare_partition",
]

#: Provenance columns the driver adds to every record (names no export uses).
SOURCE = "__veracity_source"
LINE = "__veracity_line"
ROW = "__veracity_row"
#: The pickled :class:`PartitionState` of a partition (null on findings rows).
PAYLOAD = "__veracity_state"


#: How a table check's verdict travels to the workers (a record not sent passed).
VERDICT_STATES = {False: 0, True: 1, None: 2}


def key_prefix(slot: int) -> str:
    return f"__veracity_key{slot}_"


def key_text(slot: int) -> str:
    """The column holding a record's key of key check ``slot`` as text."""
    return f"__veracity_keytext{slot}"


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


def prepare_partition(
    batches: Iterable[pa.RecordBatch], job: AuditJob, counted: Sequence[str]
) -> Iterator[pa.RecordBatch]:
    """One scan serves every later pass: the records normalised (the driver persists them),
    with each key check's key as text (null where incomplete: only complete keys are grouped,
    as :class:`veracity.engine._keys.KeyIndex` indexes them); and one row holding what adds up
    over partitions (SQL field types' counts, values turned into null)."""
    raw = _frame(batches)
    if raw is None:
        return
    normal = normalise(raw, job.fields, job.null_markers)
    missing = _missing(raw, normal, job)
    del raw
    counts = TypeCounts(list(counted), job.plan.booleans)
    if counted:
        counts.add(normal)
    texts = []
    for slot, key in enumerate(job.key_exprs):
        names = list(dict.fromkeys(key.meta.root_names()))
        complete = pl.all_horizontal([pl.col(name).is_not_null() for name in names])
        value = normal.select(key.alias("k")).to_series()
        text = value.struct.json_encode() if isinstance(value.dtype, pl.Struct) else value.cast(pl.String)
        texts.append(normal.select(pl.when(complete).then(pl.lit(text))).to_series().alias(key_text(slot)))
    records = normal.select(*job.fields, ROW, SOURCE, LINE).with_columns(
        *texts, pl.lit(None, dtype=pl.Binary).alias(PAYLOAD)
    )
    yield from records.to_arrow().to_batches()
    blob = pickle.dumps(Prepared(types=counts.counts, missing=missing))
    yield from (
        records.clear(1).with_columns(pl.lit(blob, dtype=pl.Binary).alias(PAYLOAD)).to_arrow().to_batches()
    )


@dataclass
class Prepared:
    """What :func:`prepare_partition` adds up over partitions."""

    types: dict[str, dict[str, int]]
    #: Values turned into null per (source index, field).
    missing: dict[tuple[int, str], int]


def audit_partition(batches: Iterable[pa.RecordBatch], job: AuditJob) -> Iterator[pa.RecordBatch]:
    """Run the plan on one partition of normalised records (:func:`prepare_partition`); yield
    its findings rows (when the findings are written) and one row holding its
    :class:`PartitionState`."""
    raw = _frame(batches)
    if raw is None:
        return
    frame = raw.sort(ROW)
    del raw
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
    state = PartitionState(states=dict(output.states), rows=frame.height)
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
    """The table checks' outcomes; the driver sent only records whose verdict is not True or
    that have a message or cluster (:data:`VERDICT_STATES`): every other record passed."""
    tables = {}
    for slot, rule_id in enumerate(job.table_rules):
        prefix = table_prefix(slot)
        messages = frame.get_column(f"{prefix}message")
        clusters = frame.get_column(f"{prefix}cluster")
        state = pl.col(f"{prefix}state")
        verdicts = frame.select(
            pl.when(state.is_null()).then(True).when(state < 2).then(state == 1).alias("verdict")
        ).to_series()
        tables[rule_id] = TableOutcome(
            verdicts=verdicts,
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
