"""Plan every rule into one lazy polars query, run it once, and collect mergeable rule states.

The query has three stages, all in one plan:

1. on the text columns as stored: each column check's "good" expression and whether the
   record has every field the rule needs (missing values belong to completeness);
2. the fields SQL reads get typed columns beside them (see :mod:`veracity.fieldtypes` and
   :mod:`veracity._sql_plan`), and ``when:`` conditions and SQL checks, translated from their
   syntax trees (:mod:`veracity.sql`), are evaluated; a value SQL cannot read as its type
   fails the record;
3. per rule, one tri-state column: True passed, False failed, null not evaluated.

A per-record message that reads only its own record is worked out afterwards, for the failing
records alone; one that reads other records (``unique``: where the first copy is) is part of
the pass.

Table-scoped checks (records judged against each other, e.g. duplicates) run after the pass
on the records the pass found in scope, and add their own verdict column. The result is a
compact boolean matrix (one column per rule) from which counts, failing rows, per-record and
per-segment scores are read without touching the data again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from veracity._cores import worker_count
from veracity._sql_plan import RuleSql, SqlPlan, context_field_types, rule_sql_fields
from veracity.checks.base import CheckContext, DatasetOutcome, TableOutcome, required_fields
from veracity.config.loader import Rule
from veracity.fieldtypes import FieldType
from veracity.masking import rule_masks
from veracity.results import RuleState
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

__all__ = ["FINDINGS_SCHEMA", "EngineOutput", "run_rules"]

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


@dataclass
class EngineOutput:
    states: dict[str, RuleState]
    #: Per-record score 0-100 (share of applicable rules passed); null where no rule applied.
    record_scores: pl.Series
    #: Unmasked findings: FINDINGS_SCHEMA's columns.
    findings: pl.DataFrame
    field_types: dict[str, FieldType]
    #: One tri-state Boolean column per record-level rule (True passed, False failed, null not
    #: evaluated) plus ROW_ID: what segment breakdowns and per-record views are read from.
    outcomes: pl.DataFrame
    #: Check-specific report payloads of table-scoped rules, by rule id.
    details: dict[str, Any] = field(default_factory=dict)


def _is_sql(rule: Rule) -> bool:
    return bool(rule.params.sql_params)


def _message(rule: Rule) -> str:
    return f"__msg:{rule.id}"


def _scope(rule: Rule) -> str:
    return f"__scope:{rule.id}"


def _cluster(rule: Rule) -> str:
    return f"__cluster:{rule.id}"


def _bad(rule: Rule) -> str:
    return f"__bad:{rule.id}"


def run_rules(
    data: LoadedData,
    rules: Sequence[Rule],
    ctx: CheckContext,
    key: str | None,
    masks: Mapping[str, str] | None = None,
    field_types: Mapping[str, FieldType] | None = None,
) -> EngineOutput:
    """Evaluate ``rules`` over ``data`` in one pass (plus one step per table-scoped rule);
    ``masks`` (:func:`veracity.masking.field_masks`) says how each field's values are masked;
    ``field_types`` how SQL reads fields (declared or inferred from ``data`` when omitted)."""
    table_rules = [r for r in rules if r.check.scope == "table"]
    record_rules = [r for r in rules if r.check.scope != "dataset"]

    if field_types is None:
        field_types = context_field_types(ctx, rule_sql_fields(record_rules))
    sql_plan = SqlPlan(ctx, field_types)
    compiled: dict[str, RuleSql] = {rule.id: sql_plan.compile(rule) for rule in record_rules}

    raw_stage: list[pl.Expr] = []
    typed_stage: list[pl.Expr] = []
    final: list[pl.Expr] = []
    # Per-record messages: worked out later, for the failing records only.
    messages: dict[str, pl.Expr] = {}
    built = _built(record_rules, ctx)
    try:
        expressions = {rule_id: future.result() for rule_id, future in built.items()}
    except BaseException:
        for future in built.values():
            future.cancel()  # those not started: the audit stops here
        raise
    for index, rule in enumerate(record_rules):
        good, applicable, when = f"__good{index}", f"__app{index}", f"__when{index}"
        needed = required_fields(rule.params) if rule.check.skips_missing else []
        has_fields = pl.all_horizontal([pl.col(f).is_not_null() for f in needed]) if needed else pl.lit(True)
        raw_stage.append(has_fields.alias(applicable))
        condition = pl.col(applicable)
        sql = compiled[rule.id]
        if sql.when is not None:
            typed_stage.append(sql.when.value.fill_null(False).alias(when))
            condition = condition & pl.col(when)
        # A value SQL cannot read as its type fails the record, whether the rule applies or not.
        bad = pl.col(applicable) & sql_plan.bad(sql) if sql.checked else None
        if rule.check.scope == "table":
            final.append((condition & ~bad if bad is not None else condition).alias(_scope(rule)))
            if bad is not None:
                final.append(bad.alias(_bad(rule)))
            continue
        if sql.condition is not None:
            typed_stage.append(sql.condition.value.alias(good))
            explained = None
        else:
            expr, explained = expressions[rule.id]
            raw_stage.append(expr.alias(good))
        verdict: pl.Expr = pl.when(condition).then(pl.col(good))
        if bad is not None:
            verdict = pl.when(bad).then(pl.lit(False)).when(condition).then(pl.col(good))
            message = sql_plan.message(sql)
            explained = message if explained is None else pl.coalesce(message, explained)
        final.append(verdict.alias(rule.id))
        if explained is not None:
            messages[rule.id] = explained.alias(_message(rule))

    typing = sql_plan.typed_columns()
    plan = data.frame.lazy().with_columns(raw_stage)
    if typing:
        plan = plan.with_columns(typing)
    if typed_stage:
        plan = plan.with_columns(typed_stage)
    outcomes = plan.select(pl.col(ROW_ID), *final).collect() if record_rules else data.frame.select(ROW_ID)

    details: dict[str, Any] = {}
    for rule in table_rules:
        scope = outcomes.get_column(_scope(rule))
        table: TableOutcome = rule.check.build(rule.params, dataclasses.replace(ctx, scope=scope))
        verdicts: pl.Expr = pl.when(scope).then(table.verdicts)
        if _bad(rule) in outcomes.columns:
            verdicts = pl.when(pl.col(_bad(rule))).then(pl.lit(False)).otherwise(verdicts)
        columns: list[pl.Expr | pl.Series] = [verdicts.alias(rule.id)]
        if table.messages is not None:
            columns.append(table.messages.cast(pl.String).alias(_message(rule)))
        if table.cluster_ids is not None:
            columns.append(table.cluster_ids.cast(pl.Int64).alias(_cluster(rule)))
        outcomes = outcomes.with_columns(columns).drop(_scope(rule), _bad(rule), strict=False)
        if table.details is not None:
            details[rule.id] = table.details

    # One masking decision per field, whichever rule reports its value.
    kinds = masks if masks is not None else rule_masks(rules, key=key, names=data.fields)
    states: dict[str, RuleState] = {}
    pieces: list[pl.DataFrame] = []
    # Per rule, only its own columns are read: a filter of the whole matrix (a column per rule)
    # made thousands of rules quadratic.
    by_name = {series.name: series for series in outcomes.get_columns()}
    row_ids = by_name[ROW_ID]
    counts = (
        outcomes.select(
            *(pl.col(r.id).count().alias(f"e{i}") for i, r in enumerate(record_rules)),
            *(pl.col(r.id).not_().sum().alias(f"f{i}") for i, r in enumerate(record_rules)),
        ).row(0)
        if record_rules
        else ()
    )
    failures: list[_Failed] = []
    for index, rule in enumerate(record_rules):
        evaluated, failed = counts[index], counts[len(record_rules) + index] or 0
        if not failed:
            states[rule.id] = RuleState(
                evaluated=evaluated, failed=0, failing_rows=row_ids.clear().rename("row")
            )
            continue
        # Series operations, not a query per rule: thousands of rules stay fast.
        mask = by_name[rule.id].not_().fill_null(False)
        failing = row_ids.filter(mask)
        states[rule.id] = RuleState(
            evaluated=evaluated, failed=failing.len(), failing_rows=failing.rename("row")
        )
        texts = by_name[_message(rule)].filter(mask) if _message(rule) in by_name else None
        if rule.id in messages:
            explain = messages[rule.id]
            reads = list(dict.fromkeys([ROW_ID, *explain.meta.root_names()]))
            texts = data.frame.select(reads)[failing].select(explain).to_series()
        cluster = by_name[_cluster(rule)].filter(mask) if _cluster(rule) in by_name else None
        failures.append(_Failed(rule, failing, texts, cluster))
    if failures:
        pieces.append(_row_findings(data, failures, key, kinds))

    for rule in rules:
        if rule.check.scope == "dataset":
            outcome: DatasetOutcome = rule.check.build(rule.params, ctx)
            states[rule.id] = RuleState(evaluated=outcome.evaluated, failed=len(outcome.failures))
            if outcome.failures:
                pieces.append(_dataset_findings(data, rule, outcome))

    rule_ids = [r.id for r in record_rules]
    findings = pl.concat(pieces, how="vertical") if pieces else pl.DataFrame(schema=FINDINGS_SCHEMA)
    return EngineOutput(
        states=states,
        record_scores=_record_scores(outcomes, rule_ids),
        findings=findings,
        field_types=dict(field_types),
        outcomes=outcomes.select(ROW_ID, *rule_ids),
        details=details,
    )


def _built(rules: Sequence[Rule], ctx: CheckContext) -> dict[str, Future[tuple[pl.Expr, pl.Expr | None]]]:
    """Each row rule's expression and message expression, built on a thread per core.

    Building a check can take real work (distinct values, e-mail and phone verdicts, the
    ``unique`` grouping), mostly polars steps that release the GIL; one check at a time leaves
    cores idle. The results are taken in rule order, so the first failing rule's error is the
    one raised, as when building one after another.
    """

    def build(rule: Rule) -> tuple[pl.Expr, pl.Expr | None]:
        explain = rule.check.explain
        return rule.check.build(rule.params, ctx), None if explain is None else explain(rule.params, ctx)

    # SQL checks are compiled by the engine itself, over the typed columns of all rules.
    row_rules = [rule for rule in rules if rule.check.scope == "row" and not _is_sql(rule)]
    pool = ThreadPoolExecutor(max_workers=max(1, min(worker_count(), len(row_rules))))
    try:
        return {rule.id: pool.submit(build, rule) for rule in row_rules}
    finally:
        pool.shutdown(wait=False)


def _record_scores(outcomes: pl.DataFrame, rule_ids: list[str]) -> pl.Series:
    if not rule_ids:
        return pl.Series("score", [None] * outcomes.height, dtype=pl.Float64)
    # Summed in numpy: a horizontal sum over thousands of rule columns costs a polars step per
    # column, seconds for a large rule file.
    # One select turns the verdicts into a matrix: 1 passed, 0 failed, -1 not evaluated.
    matrix = outcomes.select(pl.col(rule_ids).cast(pl.Int8).fill_null(-1)).to_numpy()
    applicable = (matrix >= 0).sum(axis=1, dtype=np.uint32)
    passed = (matrix == 1).sum(axis=1, dtype=np.uint32)
    scores = np.full(outcomes.height, np.nan)
    np.divide(passed * 100.0, applicable, out=scores, where=applicable > 0)
    return pl.Series("score", scores, dtype=pl.Float64).fill_nan(None)


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
class _Failed:
    """One rule's failing records (ROW_IDs) and, where it has them, their messages and cluster ids."""

    rule: Rule
    rows: pl.Series
    messages: pl.Series | None
    clusters: pl.Series | None


def _row_findings(
    data: LoadedData, failures: Sequence[_Failed], key: str | None, kinds: Mapping[str, str]
) -> pl.DataFrame:
    """The findings of every failing record-level rule, in rule order then record order: the
    failing records' provenance, key, message and value, gathered once for all rules."""
    sizes = [failed.rows.len() for failed in failures]
    rows = pl.concat([failed.rows for failed in failures])
    messages = pl.concat(
        [
            failed.messages.cast(pl.String)
            if failed.messages is not None
            else pl.repeat(None, size, dtype=pl.String, eager=True)
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
    primaries = [failed.rule.fields[0] if failed.rule.fields else None for failed in failures]
    commons = [_common(failed.rule) for failed in failures]
    rule_table = pl.DataFrame(
        {
            **{name: [common[name] for common in commons] for name in _COMMON},
            "fixed": [failed.rule.check.message_for(failed.rule.params) for failed in failures],
            "value_kind": [
                kinds.get(primary, failed.rule.check.value_kind) if primary else failed.rule.check.value_kind
                for failed, primary in zip(failures, primaries, strict=True)
            ],
        },
        schema={**dict.fromkeys(_COMMON, pl.String), "fixed": pl.String, "value_kind": pl.String},
    )
    rule_at = np.repeat(np.arange(len(failures), dtype=np.uint32), sizes)
    # Each failing record's value of its rule's primary field: one gather per field.
    values = pl.repeat(None, rows.len(), dtype=pl.String, eager=True)
    primary_at = np.repeat(np.array([p or "" for p in primaries], dtype=object), sizes)
    for primary in dict.fromkeys(p for p in primaries if p):
        positions = np.flatnonzero(primary_at == primary)
        values = values.scatter(
            positions, data.frame.get_column(primary).cast(pl.String).gather(rows.gather(positions))
        )
    paths = {s.index: s.path for s in data.sources}
    picked = data.frame.select(
        SOURCE_COL,
        LINE_COL,
        (pl.col(key) if key else pl.lit(None, dtype=pl.String)).alias("record_key"),
    )[rows]
    return (
        pl.concat([rule_table[pl.Series(rule_at)], picked], how="horizontal")
        .with_columns(messages.alias("message"), values.alias("value"), clusters.alias("cluster_id"))
        .select(
            *_COMMON,
            pl.col(SOURCE_COL).replace_strict(paths, return_dtype=pl.String).alias("source"),
            pl.col(LINE_COL).alias("line"),
            "record_key",
            pl.col("message").fill_null(pl.col("fixed")),
            "value",
            "cluster_id",
            "value_kind",
        )
        .cast(pl.Schema(FINDINGS_SCHEMA))
    )


def _dataset_findings(data: LoadedData, rule: Rule, outcome: DatasetOutcome) -> pl.DataFrame:
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
