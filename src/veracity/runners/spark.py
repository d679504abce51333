"""The Spark runner: the engine's plan on every Spark partition, states merged on the driver.

Passes over the data (docs/spark.md has the cost model):

1. Spark reads the sources; one counting job numbers the records (:mod:`._spark_sources`).
2. One ``mapInArrow`` pass normalises the records, which are persisted for every later pass,
   adds each key check's key as text, and counts the SQL field types and the values turned
   into null (they add up over partitions).
3. Per key a check groups by (``unique``, ``primary_key``, ...): a window over the key (a
   shuffle of row id, provenance and key only) tells each record whether it is the first of
   its key and where that first record is, exactly as the engine's key index says. Only the
   records that are not first (the duplicates of the key) are joined back, broadcast.
4. Checks that compare records (``reads="table"``, e.g. ``duplicates``): the fields they read
   are gathered on the driver, they run once as in the chunked audit, and the records whose
   verdict is not a pass, or that are in a cluster, have their outcome joined back, broadcast.
5. The main pass: every partition runs :func:`veracity.engine.run_rules` on its records
   (``mapInArrow``) and hands back its rule counts, record scores, first findings per rule,
   segment counts and dataset-check counts; with ``--findings`` its findings too, which Spark
   writes as a Parquet dataset. The driver adds the states up and runs the dataset checks.

pyspark is imported here only inside functions: ``import veracity`` never needs it.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from veracity._sql_plan import rule_sql_fields
from veracity.checks.base import ScanCounts, add_counts, key_columns
from veracity.config.loader import Rule
from veracity.engine import AuditPlan, RunOutput, run_rules
from veracity.errors import UsageError
from veracity.fieldtypes import FieldType, TypeCounts, declared_field_types
from veracity.results import RuleState
from veracity.runners._spark_names import map_in_arrow, quoted
from veracity.runners.base import AuditRequest, Runner, RunnerOutput, register
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from veracity.runners._spark_duplicates import SparseOutcome
    from veracity.runners._spark_sources import SparkData
    from veracity.runners._work import AuditJob, PartitionState

__all__ = ["SparkRunner"]


@register
class SparkRunner(Runner):
    name = "spark"
    summary = "on Apache Spark: --spark-master, or the active session"

    def run(self, request: AuditRequest) -> RunnerOutput:
        from veracity.runners._spark_sources import start_session

        _need_arrow()
        step = request.progress
        step("starting Spark")
        spark = start_session(request.options.get("master"))
        try:
            return _audit(spark, request)
        except Exception as exc:
            from veracity.runners._spark_errors import is_spark_error, spark_failure

            # A failed Spark job (a task's error, the JVM out of memory, Spark Connect) is one
            # line; veracity's own errors and bugs pass as they are.
            if not is_spark_error(exc):
                raise
            raise spark_failure(exc) from exc


def _audit(spark: SparkSession, request: AuditRequest) -> RunnerOutput:
    from veracity.runners._spark_sources import read_sources

    step = request.progress
    step("reading sources with Spark")
    markers = tuple(request.rule_set.model.null_markers)
    data = read_sources(spark, request.specs, request.base_dir, markers)
    skeleton = data.skeleton()
    plan = request.plan(skeleton)
    job = _job(plan, data, request, markers)
    record_rules = [r for r in plan.rules if r.check.reads != "dataset"]
    step("preparing records")
    records, prepared = _prepare(data.frame, job, record_rules, plan)
    try:
        job.field_types = prepared.field_types
        step("grouping keys")
        frame = _with_keys(records, job, prepared.cached)
        details: dict[str, Any] = {}
        if job.table_rules:
            step("checking rules that compare records")
            tables = _run_tables(records, job, data, record_rules)
            details = {
                rule_id: found.details for rule_id, found in tables.items() if found.details is not None
            }
            frame = _with_tables(spark, frame, job, tables)
        step("checking rules")
        temp = _temporary(request.findings_path) if request.findings_path is not None else None
        try:
            states = _main_pass(frame, job, temp)
            step("merging partitions")
            output, dataset_findings = _merge(states, plan, job, skeleton, details)
            if temp is not None and request.findings_path is not None:
                step("writing findings")
                if dataset_findings.height:
                    _append_findings(spark, dataset_findings, job, temp)
                _put_in_place(temp, request.findings_path)
        except BaseException:
            if temp is not None:
                _remove(temp)
            raise
    finally:
        for cached in prepared.cached:
            cached.unpersist()
    for info in data.infos:
        for column in info.columns:
            column.missing_replaced = sum(
                n for (src, name), n in prepared.missing.items() if src == info.index and name == column.field
            )
    return RunnerOutput(output, data.infos, skeleton, findings_written=request.findings_path is not None)


def _need_arrow() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        from veracity.runners._spark_sources import INSTALL

        raise UsageError(f"--runner spark needs pyspark and pyarrow; install them with {INSTALL}") from None


def _job(plan: AuditPlan, data: SparkData, request: AuditRequest, markers: tuple[str, ...]) -> AuditJob:
    from veracity.reports.findings import FINDINGS_SCHEMA as USER_FINDINGS_SCHEMA
    from veracity.runners._work import AuditJob

    record_rules = [r for r in plan.rules if r.check.reads != "dataset"]
    distinct = {
        key_columns(rule.check.key(rule.params))[0]: rule.check.key(rule.params)
        for rule in record_rules
        if rule.check.key is not None
    }
    source_markers = [m for spec in request.specs for m in spec.read.null_markers]
    return AuditJob(
        plan=plan,
        fields=data.fields,
        infos=data.infos,
        null_markers=tuple(dict.fromkeys((*markers, *source_markers))),
        key_exprs=list(distinct.values()),
        table_rules=[r.id for r in record_rules if r.check.reads == "table"],
        field_types={},
        max_samples=request.max_samples,
        write_findings=request.findings_path is not None,
        reveal_values=request.reveal_values,
        findings_schema=dict(USER_FINDINGS_SCHEMA),
    )


def _arrow_schema(columns: dict[str, pl.DataType | type[pl.DataType]]) -> Any:
    """A Spark DDL schema for polars types (the few the worker hands back)."""
    names = {
        pl.String: "string",
        pl.UInt32: "long",
        pl.Int64: "long",
        pl.Binary: "binary",
        pl.Boolean: "boolean",
    }
    parts = []
    for name, dtype in columns.items():
        spark_type = next((v for k, v in names.items() if dtype == k), "string")
        parts.append(f"{quoted(name)} {spark_type}")
    return ", ".join(parts)


@dataclass
class _Prepared:
    """What the preparing pass found, and the DataFrames to unpersist at the end."""

    field_types: dict[str, FieldType]
    missing: dict[tuple[int, str], int]
    cached: list[DataFrame] = dataclass_field(default_factory=list)


def _prepare(
    frame: DataFrame, job: AuditJob, record_rules: Sequence[Rule], plan: AuditPlan
) -> tuple[DataFrame, _Prepared]:
    """One scan of the sources for every later pass: the records normalised and persisted, with
    their key texts; the SQL field types and the values turned into null, added up."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from veracity.runners._work import LINE, PAYLOAD, ROW, SOURCE, Prepared, key_text, prepare_partition

    sql_fields = rule_sql_fields(record_rules)
    declared = declared_field_types(plan.field_kinds, plan.date_formats)
    counted = [f for f in sql_fields if f not in declared]
    schema = ", ".join(
        [
            *(f"{quoted(n)} string" for n in job.fields),
            f"`{ROW}` long",
            f"`{SOURCE}` int",
            f"`{LINE}` long",
            *(f"`{key_text(slot)}` string" for slot in range(len(job.key_exprs))),
            f"`{PAYLOAD}` binary",
        ]
    )
    prepared = map_in_arrow(frame, functools.partial(prepare_partition, job=job, counted=counted), schema)
    prepared = prepared.persist(StorageLevel.MEMORY_AND_DISK_DESER)
    totals = TypeCounts(counted, plan.booleans)
    missing: dict[tuple[int, str], int] = {}
    try:
        # This job fills the cache: the later passes read the normalised records from it.
        for row in prepared.filter(F.col(PAYLOAD).isNotNull()).select(PAYLOAD).collect():
            part: Prepared = pickle.loads(row[PAYLOAD])
            for name, counts in part.types.items():
                merged = totals.counts.setdefault(name, {})
                for key, value in counts.items():
                    merged[key] = merged.get(key, 0) + value
            for where, n in part.missing.items():
                missing[where] = missing.get(where, 0) + n
    except BaseException:
        prepared.unpersist()
        raise
    types = {name: declared[name] if name in declared else totals.field_type(name) for name in sql_fields}
    records = prepared.filter(F.col(PAYLOAD).isNull()).drop(PAYLOAD)
    return records, _Prepared(types, missing, [prepared])


#: Outcomes up to this size are broadcast to every task (a join that leaves the records where
#: they are); larger ones are joined by a shuffle of the records by row id.
BROADCAST_BYTES = 64 * 2**20
#: What one record of a key check's outcome weighs (row id, first, source, line).
KEY_OUTCOME_BYTES = 24


def _joined(frame: DataFrame, outcome: DataFrame, size: int) -> DataFrame:
    """``outcome`` (``size`` bytes) joined to the records it concerns by row id."""
    from pyspark.sql import functions as F

    from veracity.runners._work import ROW

    return frame.join(F.broadcast(outcome) if size <= BROADCAST_BYTES else outcome, on=ROW, how="left")


def _with_keys(records: DataFrame, job: AuditJob, cached: list[DataFrame]) -> DataFrame:
    """Per key check, the records that are not the first of their key learn where that first
    record is; only they are joined back (row id and the first record's provenance), every
    other record is the first of its key or has no complete key."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from veracity.runners._work import LINE, ROW, SOURCE, key_prefix, key_text

    frame = records.drop(*(key_text(slot) for slot in range(len(job.key_exprs))))
    for slot in range(len(job.key_exprs)):
        prefix = key_prefix(slot)
        keyed = records.select(ROW, SOURCE, LINE, F.col(key_text(slot)).alias("key")).filter(
            F.col("key").isNotNull()
        )
        window = Window.partitionBy("key").orderBy(ROW)
        later = (
            keyed.select(
                F.col(ROW),
                F.row_number().over(window).alias("n"),
                F.first(SOURCE).over(window).alias(f"{prefix}source"),
                F.first(LINE).over(window).alias(f"{prefix}line"),
            )
            .filter(F.col("n") > 1)
            .select(ROW, F.lit(False).alias(f"{prefix}first"), f"{prefix}source", f"{prefix}line")
        )
        # Few as a rule (the key's duplicates): counted, then broadcast to the main pass.
        later = later.persist(StorageLevel.MEMORY_AND_DISK_DESER)
        cached.append(later)
        count = later.count()
        if count:
            frame = _joined(frame, later, count * KEY_OUTCOME_BYTES)
        else:
            frame = frame.select(
                "*",
                F.lit(None).cast("boolean").alias(f"{prefix}first"),
                F.lit(None).cast("int").alias(f"{prefix}source"),
                F.lit(None).cast("long").alias(f"{prefix}line"),
            )
    return frame


def _run_tables(
    records: DataFrame, job: AuditJob, data: SparkData, record_rules: Sequence[Rule]
) -> dict[str, SparseOutcome]:
    """Table checks' outcomes. ``duplicates`` runs on the workers (:mod:`._spark_duplicates`);
    any other table check once over its fields of every record, gathered on the driver (as the
    chunked audit gathers them), in one :func:`run_rules` call that is handed the duplicates
    outcomes: a check that reads another's (agree_across_sources by duplicates cluster) finds
    it there."""
    from veracity.runners._spark_duplicates import SparseOutcome, is_duplicates, spark_duplicates
    from veracity.runners._work import LINE, ROW, SOURCE

    plan = job.plan
    table_rules = [r for r in record_rules if r.id in job.table_rules]
    outcomes = {rule.id: spark_duplicates(records, rule, job) for rule in table_rules if is_duplicates(rule)}
    rest = [rule for rule in table_rules if rule.id not in outcomes]
    if not rest:
        return outcomes
    wanted = {
        name
        for rule in rest
        for name in [*rule.params.read_fields(data.fields), *rule_sql_fields([rule])]
        if name in data.fields
    }
    if plan.key is not None and plan.key in data.fields:
        wanted.add(plan.key)
    columns = [name for name in data.fields if name in wanted]
    # The persisted records are normalised already: Spark hands their columns over as they are.
    gathered = pl.from_arrow(records.select(*(quoted(n) for n in columns), ROW, SOURCE, LINE).toArrow())
    assert isinstance(gathered, pl.DataFrame)
    frame = gathered.sort(ROW).select(
        *(pl.col(n).cast(pl.String) for n in columns),
        pl.col(ROW).cast(pl.UInt32).alias(ROW_ID),
        pl.col(SOURCE).cast(pl.UInt16).alias(SOURCE_COL),
        pl.col(LINE).cast(pl.UInt32).alias(LINE_COL),
    )
    loaded = LoadedData(frame, data.infos)
    supplied = {rule_id: outcome.full(frame.height) for rule_id, outcome in outcomes.items()}
    output = run_rules(
        loaded,
        rest,
        plan.context(loaded),
        plan.key,
        plan.masks,
        field_types=job.field_types,
        tables=supplied,
    )
    for rule in rest:
        table = output.tables[rule.id]
        rows = pl.Series(ROW, range(frame.height), dtype=pl.Int64)
        columns_of = {
            ROW: rows,
            "verdict": table.verdicts.cast(pl.Boolean),
            "message": table.messages.cast(pl.String)
            if table.messages is not None
            else pl.repeat(None, frame.height, dtype=pl.String, eager=True),
            "cluster": table.cluster_ids.cast(pl.Int64)
            if table.cluster_ids is not None
            else pl.repeat(None, frame.height, dtype=pl.Int64, eager=True),
        }
        full = pl.DataFrame(columns_of)
        concerned = full.filter(
            pl.col("verdict").ne_missing(True)
            | pl.col("message").is_not_null()
            | pl.col("cluster").is_not_null()
        )
        outcomes[rule.id] = SparseOutcome(concerned, output.details.get(rule.id))
    return outcomes


def _with_tables(
    spark: SparkSession, frame: DataFrame, job: AuditJob, tables: dict[str, SparseOutcome]
) -> DataFrame:
    """The table checks' outcomes joined to the records they concern: those whose verdict is
    not True (failed, or not judged) or that carry a message or a cluster; a record not joined
    passed (:data:`veracity.runners._work.VERDICT_STATES`)."""
    from pyspark.sql import functions as F

    from veracity.runners._work import ROW, VERDICT_STATES, table_prefix

    outcome: pl.DataFrame | None = None
    for slot, rule_id in enumerate(job.table_rules):
        prefix = table_prefix(slot)
        mine = tables[rule_id].frame.select(
            pl.col(ROW).cast(pl.Int64),
            pl.col("verdict")
            .cast(pl.Boolean)
            .replace_strict({k: v for k, v in VERDICT_STATES.items() if k is not None}, return_dtype=pl.Int8)
            .fill_null(VERDICT_STATES[None])
            .alias(f"{prefix}state"),
            pl.col("message").cast(pl.String).alias(f"{prefix}message"),
            pl.col("cluster").cast(pl.Int64).alias(f"{prefix}cluster"),
        )
        outcome = mine if outcome is None else outcome.join(mine, on=ROW, how="full", coalesce=True)
    assert outcome is not None
    # A record another rule concerns passed this one unless listed.
    outcome = outcome.with_columns(
        pl.col(f"{table_prefix(slot)}state").fill_null(VERDICT_STATES[True])
        for slot in range(len(job.table_rules))
    ).sort(ROW)
    if outcome.height:
        return _joined(frame, spark.createDataFrame(outcome.to_arrow()), int(outcome.estimated_size()))
    return frame.select(
        "*",
        *(
            F.lit(None).cast(spark_type).alias(f"{table_prefix(slot)}{name}")
            for slot in range(len(job.table_rules))
            for name, spark_type in (("state", "tinyint"), ("message", "string"), ("cluster", "long"))
        ),
    )


def _main_pass(frame: DataFrame, job: AuditJob, findings_path: str | None) -> list[PartitionState]:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from veracity.runners._work import PAYLOAD, audit_partition

    schema = _arrow_schema({**job.findings_schema, PAYLOAD: pl.Binary})
    audited = map_in_arrow(frame, functools.partial(audit_partition, job=job), schema)
    if findings_path is not None:
        audited = audited.persist(StorageLevel.MEMORY_AND_DISK_DESER)
        _write_findings(audited.filter(F.col(PAYLOAD).isNull()).drop(PAYLOAD), findings_path)
    try:
        rows = audited.filter(F.col(PAYLOAD).isNotNull()).select(PAYLOAD).collect()
    finally:
        if findings_path is not None:
            audited.unpersist()
    return [pickle.loads(row[PAYLOAD]) for row in rows]


def _temporary(target: Path) -> str:
    """Where Spark writes the findings dataset before it is put in place (next to it)."""
    text = str(target)
    if _remote(text):
        return text.rstrip("/") + f".{uuid.uuid4().hex}.tmp"
    path = Path(text.removeprefix("file:")).resolve()
    return str(path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp"))


def _remote(text: str) -> bool:
    return "://" in text and not text.startswith("file:")


def _write_findings(findings: DataFrame, temp: str) -> None:
    findings.write.mode("error").parquet(temp)


def _append_findings(spark: SparkSession, findings: pl.DataFrame, job: AuditJob, temp: str) -> None:
    """The dataset checks' findings (worked out on the driver) join the workers' files."""
    from veracity.masking import mask_findings

    shown = mask_findings(findings, reveal=job.reveal_values)
    frame = shown.select(pl.col(n).cast(t) for n, t in job.findings_schema.items())
    spark.createDataFrame(frame.to_arrow()).coalesce(1).write.mode("append").parquet(temp)


def _put_in_place(temp: str, target: Path) -> None:
    """The complete dataset replaces ``target`` (a local rename; on object stores a copy)."""
    text = str(target)
    if _remote(text):
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
        assert spark is not None
        spark.read.parquet(temp).write.mode("overwrite").parquet(text)
        return
    path = Path(text.removeprefix("file:"))
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
        os.replace(path, old)
    os.replace(temp, path)
    if old is not None:
        _remove(str(old))


def _remove(where: str) -> None:
    if _remote(where):
        return
    path = Path(where)
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def _merge(
    parts: Sequence[PartitionState],
    plan: AuditPlan,
    job: AuditJob,
    skeleton: LoadedData,
    details: dict[str, Any],
) -> tuple[RunOutput, pl.DataFrame]:
    """The partitions' states added up, the dataset checks run; and those checks' findings."""
    from veracity.runners._work import ROW, empty_findings

    record_rules = [r for r in plan.rules if r.check.reads != "dataset"]
    dataset_rules = [r for r in plan.rules if r.check.reads == "dataset"]
    order = {rule.id: n for n, rule in enumerate([*record_rules, *dataset_rules])}
    states = {rule.id: RuleState() for rule in record_rules}
    by_source: dict[str, dict[str, int]] = {}
    segments: dict[str, pl.DataFrame | None] = {}
    scans: dict[str, ScanCounts] = {r.id: {} for r in dataset_rules if r.check.scan is not None}
    samples = [empty_findings()]
    scores = []
    for part in parts:
        for rule_id, state in part.states.items():
            merged = states[rule_id]
            states[rule_id] = RuleState(
                merged.evaluated + state.evaluated,
                merged.failed + state.failed,
                tallies=merged.add_tallies(state),
            )
        scores += part.scores
        if part.samples is not None and part.samples.height:
            samples.append(part.samples)
        for source, counts in part.by_source.items():
            mine = by_source.setdefault(source, {})
            for rule_id, n in counts.items():
                mine[rule_id] = mine.get(rule_id, 0) + n
        for name, counts_frame in part.segments.items():
            before = segments.get(name)
            segments[name] = (
                counts_frame
                if before is None
                else pl.concat([before, counts_frame]).group_by("segment").agg(pl.exclude("segment").sum())
            )
        for rule_id, scanned in part.scans.items():
            add_counts(scans[rule_id], scanned)
    found = (
        pl.concat(samples, how="vertical_relaxed")
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("__order"))
        .sort("__order", ROW)
        .group_by("rule", maintain_order=True)
        .head(job.max_samples)
        .select(empty_findings().drop(ROW).columns)
    )
    dataset_findings = empty_findings().drop(ROW)
    if dataset_rules:
        dataset = run_rules(skeleton, dataset_rules, plan.context(skeleton), plan.key, scans=scans)
        states.update(dataset.states)
        kept = dataset.findings.group_by("rule", maintain_order=True).head(job.max_samples)
        found = pl.concat([found, kept.select(found.columns)], how="vertical_relaxed")
        if dataset.findings.height:
            grouped = dataset.findings.filter(pl.col("source").is_not_null()).group_by("source", "rule").len()
            for source, rule_id, n in grouped.iter_rows():
                mine = by_source.setdefault(str(source), {})
                mine[str(rule_id)] = mine.get(str(rule_id), 0) + int(n)
        details = {**details, **dataset.details}
        dataset_findings = dataset.findings
    for name in segments:
        if segments[name] is not None:
            segments[name] = segments[name].sort("segment")  # type: ignore[union-attr]
    record_scores = pl.concat(scores).rechunk() if scores else pl.Series("score", [], pl.Float64)
    output = RunOutput(
        states={rule.id: states[rule.id] for rule in plan.rules},
        field_types=job.field_types,
        record_scores=record_scores,
        findings=found,
        findings_by_rule={rule.id: states[rule.id].failed for rule in plan.rules},
        findings_by_source=by_source,
        segment_counts=segments,
        details=details,
        partitions=max(len(parts), 1),
    )
    return output, dataset_findings
