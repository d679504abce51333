"""One partition's pass: plan every rule into one lazy polars query, run it once, and collect
mergeable rule states.

The query has three stages, all in one plan:

1. on the text columns as stored: each column check's "good" expression and whether the
   record has every field the rule needs (missing values belong to completeness);
2. the fields SQL reads get typed columns beside them (see :mod:`veracity.fieldtypes` and
   :mod:`veracity._sql_plan`), and ``when:`` conditions and SQL checks, translated from their
   syntax trees (:mod:`veracity.sql`), are evaluated; a value SQL cannot read as its type
   fails the record;
3. per rule, one tri-state column: True passed, False failed, null not evaluated.

What a check reads beyond its record is supplied as columns of the partition: key checks read
their key groups (:mod:`veracity.engine._keys`), worked out on the partition itself when it is
the whole data, else handed in by the caller. A per-record message is worked out afterwards,
for the failing records alone.

Table checks (records judged against each other, e.g. duplicates) run after the pass on the
records the pass found in scope, and add their own verdict column; or their outcome is handed
in (``tables``), worked out once on the records of every partition. The result is a compact
boolean matrix (one column per rule) from which counts, failing rows, per-record and
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
from veracity.checks.base import (
    CheckContext,
    DatasetOutcome,
    ScanCounts,
    TableOutcome,
    key_columns,
    required_fields,
)
from veracity.config.loader import Rule
from veracity.engine._findings import FINDINGS_SCHEMA, Failed, dataset_findings, failing_rows, row_findings
from veracity.engine._keys import key_frame
from veracity.errors import RuleFileError
from veracity.fieldtypes import FieldType
from veracity.masking import rule_masks
from veracity.results import RuleState
from veracity.sources import ROW_ID, LoadedData

__all__ = ["EngineOutput", "run_rules"]


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
    #: Check-specific report payloads of table rules, by rule id.
    details: dict[str, Any] = field(default_factory=dict)
    #: Each table rule's final verdicts, messages and cluster ids, aligned with the rows.
    tables: dict[str, TableOutcome] = field(default_factory=dict)


def _is_sql(rule: Rule) -> bool:
    return bool(rule.params.sql_params)


def _tally(rule: Rule) -> str:
    return f"__tally\x00{rule.id}"


def _tallied(verdicts: pl.Series, labels: pl.Series) -> dict[str, int]:
    """How many of the records a rule passed carry each label of its ``tally=``."""
    counted = labels.filter(verdicts.fill_null(False)).drop_nulls().value_counts()
    return {str(label): int(n) for label, n in counted.iter_rows()}


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
    *,
    tables: Mapping[str, TableOutcome] | None = None,
    keys: pl.DataFrame | None = None,
    scans: Mapping[str, ScanCounts] | None = None,
) -> EngineOutput:
    """Evaluate ``rules`` over ``data`` in one pass (plus one step per table rule); ``masks``
    (:func:`veracity.masking.field_masks`) says how each field's values are masked;
    ``field_types`` how SQL reads fields (declared or inferred from ``data`` when omitted);
    ``tables`` the outcome of table rules worked out elsewhere, aligned with ``data``'s rows;
    ``keys`` the key columns key checks read (:func:`veracity.checks.base.key_columns`),
    aligned with them too: those missing are worked out here, ``data`` taken as the whole data;
    ``scans`` the counts of dataset rules with a ``scan=``, added up over every partition (those
    missing are counted here, ``data`` taken as the whole data).

    Key columns are kept beside the data's frame, not in it: a frame whose columns are split
    into memory chunks differently makes every later select of it copy the whole frame."""
    table_rules = [r for r in rules if r.check.reads == "table"]
    record_rules = [r for r in rules if r.check.reads != "dataset"]
    supplied = tables or {}
    # Columns several expressions of a check read are worked out once, first (CheckContext.staged).
    ctx = dataclasses.replace(ctx, staging=True, _staged={})

    if field_types is None:
        field_types = context_field_types(ctx, rule_sql_fields(record_rules))
    sql_plan = SqlPlan(ctx, field_types)
    compiled: dict[str, RuleSql] = {rule.id: sql_plan.compile(rule) for rule in record_rules}

    raw_stage: list[pl.Expr] = []
    typed_stage: list[pl.Expr] = []
    final: list[pl.Expr] = []
    # Per-record messages: worked out later, for the failing records only.
    messages: dict[str, pl.Expr] = {}
    built, grouped = _built(record_rules, ctx, data, [] if keys is None else keys.columns)
    try:
        expressions = {rule_id: future.result() for rule_id, future in built.items()}
        key_frames = [future.result() for future in grouped]
    except BaseException:
        pending: list[Future[Any]] = [*built.values(), *grouped]
        for future in pending:
            future.cancel()  # those not started: the audit stops here
        raise
    key_parts = [*([] if keys is None else [keys]), *key_frames]
    key_table = pl.concat(key_parts, how="horizontal") if key_parts else pl.DataFrame()
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
        if rule.check.reads == "table":
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
        if rule.check.tally is not None:
            # Counted below over the records the rule passes (the verdict is in ``outcomes``).
            raw_stage.append(rule.check.tally(rule.params, ctx).alias(_tally(rule)))
            final.append(pl.col(_tally(rule)))
        if explained is not None:
            messages[rule.id] = explained.alias(_message(rule))

    typing = sql_plan.typed_columns()
    plan = data.frame.lazy()
    if key_table.width:
        plan = plan.with_columns(key_table.get_columns())
    staged = ctx.staged_columns()
    for layer in _layers(staged):
        plan = plan.with_columns(layer)
    plan = plan.with_columns(raw_stage)
    if typing:
        plan = plan.with_columns(typing)
    if typed_stage:
        plan = plan.with_columns(typed_stage)
    outcomes = plan.select(pl.col(ROW_ID), *final).collect() if record_rules else data.frame.select(ROW_ID)
    # The verdicts are in: what the checks built for the pass (their distinct values and
    # verdicts, held by the expressions) is let go before the findings are made.
    del plan, raw_stage, typed_stage, final, expressions, built, staged

    details: dict[str, Any] = {}
    finals: dict[str, TableOutcome] = {}
    for rule in _cluster_order(table_rules):
        scope = outcomes.get_column(_scope(rule))
        table = supplied.get(rule.id)
        if table is None:
            clusters = {
                name: _clusters(rule, name, finals, supplied, data) for name in rule.params.cluster_rules()
            }
            table = rule.check.build(rule.params, dataclasses.replace(ctx, scope=scope, clusters=clusters))
        verdicts: pl.Expr = pl.when(scope).then(table.verdicts)
        if _bad(rule) in outcomes.columns:
            verdicts = pl.when(pl.col(_bad(rule))).then(pl.lit(False)).otherwise(verdicts)
        columns: list[pl.Expr | pl.Series] = [verdicts.alias(rule.id)]
        if table.messages is not None:
            columns.append(table.messages.cast(pl.String).alias(_message(rule)))
        if table.cluster_ids is not None:
            columns.append(table.cluster_ids.cast(pl.Int64).alias(_cluster(rule)))
        outcomes = outcomes.with_columns(columns).drop(_scope(rule), _bad(rule), strict=False)
        finals[rule.id] = TableOutcome(
            verdicts=outcomes.get_column(rule.id),
            messages=outcomes.get_column(_message(rule)) if table.messages is not None else None,
            cluster_ids=outcomes.get_column(_cluster(rule)) if table.cluster_ids is not None else None,
            details=table.details,
        )
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
    tallies = {
        rule.id: _tallied(by_name[rule.id], by_name[_tally(rule)])
        for rule in record_rules
        if _tally(rule) in by_name
    }
    failures: list[Failed] = []
    for index, rule in enumerate(record_rules):
        evaluated, failed = counts[index], counts[len(record_rules) + index] or 0
        if not failed:
            states[rule.id] = RuleState(
                evaluated=evaluated,
                failed=0,
                failing_rows=row_ids.clear().rename("row"),
                tallies=tallies.get(rule.id, {}),
            )
            continue
        # Series operations, not a query per rule: thousands of rules stay fast.
        mask = by_name[rule.id].not_().fill_null(False)
        failing = row_ids.filter(mask)
        states[rule.id] = RuleState(
            evaluated=evaluated,
            failed=failing.len(),
            failing_rows=failing.rename("row"),
            tallies=tallies.get(rule.id, {}),
        )
        texts = by_name[_message(rule)].filter(mask) if _message(rule) in by_name else None
        if rule.id in messages:
            explain = messages[rule.id]
            reads = list(dict.fromkeys([ROW_ID, *explain.meta.root_names()]))
            # A lazy select works out a sub-expression the message reads twice once.
            inputs = failing_rows(
                data.frame.select(c for c in reads if c not in key_table.columns), failing, mask
            )
            keyed = [c for c in reads if c in key_table.columns]
            if keyed:
                inputs = inputs.hstack(failing_rows(key_table.select(keyed), failing, mask).get_columns())
            texts = inputs.lazy().select(explain).collect().to_series()
        cluster = by_name[_cluster(rule)].filter(mask) if _cluster(rule) in by_name else None
        failures.append(Failed(rule, failing, mask, texts, cluster))
    if failures:
        pieces.append(row_findings(data, failures, key, kinds))

    for rule in rules:
        if rule.check.reads == "dataset":
            rule_ctx = ctx
            if rule.check.scan is not None:
                scanned = (scans or {}).get(rule.id)
                if scanned is None:
                    scanned = rule.check.scan(rule.params, ctx)
                rule_ctx = dataclasses.replace(ctx, scanned=scanned)
            outcome: DatasetOutcome = rule.check.build(rule.params, rule_ctx)
            states[rule.id] = RuleState(evaluated=outcome.evaluated, failed=len(outcome.failures))
            if outcome.details is not None:
                details[rule.id] = outcome.details
            if outcome.failures:
                pieces.append(dataset_findings(data, rule, outcome))

    rule_ids = [r.id for r in record_rules]
    findings = pl.concat(pieces, how="vertical") if pieces else pl.DataFrame(schema=FINDINGS_SCHEMA)
    return EngineOutput(
        states=states,
        record_scores=_record_scores(outcomes, rule_ids),
        findings=findings,
        field_types=dict(field_types),
        outcomes=outcomes.select(ROW_ID, *rule_ids),
        details=details,
        tables=finals,
    )


def _layers(staged: Sequence[pl.Expr]) -> list[list[pl.Expr]]:
    """The staged columns in layers, each after the layers of the staged columns it reads (a
    field's dates read its columns of ISO parts); one layer's columns are worked out side by
    side. A staged column is asked for after those it reads, so one pass in order suffices."""
    depth: dict[str, int] = {}
    layers: list[list[pl.Expr]] = []
    for column in staged:
        level = max((depth[name] + 1 for name in column.meta.root_names() if name in depth), default=0)
        depth[column.meta.output_name()] = level
        layers.extend([] for _ in range(level + 1 - len(layers)))
        layers[level].append(column)
    return layers


def _cluster_order(rules: Sequence[Rule]) -> list[Rule]:
    """The table rules, each after the rules whose clusters it reads (in file order otherwise);
    a cycle is a rule error (the loader refuses one first)."""
    by_id = {rule.id: rule for rule in rules}
    ordered: list[Rule] = []
    state: dict[str, bool] = {}  # False: being placed, True: placed

    def place(rule: Rule, path: tuple[str, ...]) -> None:
        if state.get(rule.id) is True:
            return
        if rule.id in state:
            cycle = " -> ".join([*path[path.index(rule.id) :], rule.id])
            raise RuleFileError(f"rules read each other's clusters in a cycle ({cycle}); break the cycle")
        state[rule.id] = False
        for name in rule.params.cluster_rules():
            if name in by_id:
                place(by_id[name], (*path, rule.id))
        state[rule.id] = True
        ordered.append(rule)

    for rule in rules:
        place(rule, ())
    return ordered


def _clusters(
    rule: Rule,
    name: str,
    finals: Mapping[str, TableOutcome],
    supplied: Mapping[str, TableOutcome],
    data: LoadedData,
) -> pl.Series:
    """The cluster ids of rule ``name`` that ``rule`` reads, aligned with ``data``'s rows."""
    outcome = finals.get(name) or supplied.get(name)
    if outcome is None:
        raise RuleFileError(
            f"rule '{rule.id}' reads the clusters of rule '{name}', which this audit does not run; "
            f"add a duplicates rule with id '{name}'"
        )
    if outcome.cluster_ids is None:
        return pl.repeat(None, data.frame.height, dtype=pl.Int64, eager=True)
    return outcome.cluster_ids


def _built(
    rules: Sequence[Rule], ctx: CheckContext, data: LoadedData, supplied: Sequence[str]
) -> tuple[dict[str, Future[tuple[pl.Expr, pl.Expr | None]]], list[Future[pl.DataFrame]]]:
    """Each record rule's expression and message expression, and the key groups key checks
    read that are not ``supplied``, worked out on a thread per core.

    Building a check can take real work (distinct values, e-mail and phone verdicts, the
    grouping of a key), mostly polars steps that release the GIL; one at a time leaves cores
    idle. The results are taken in rule order, so the first failing rule's error is the one
    raised, as when building one after another.
    """

    def build(rule: Rule) -> tuple[pl.Expr, pl.Expr | None]:
        explain = rule.check.explain
        return rule.check.build(rule.params, ctx), None if explain is None else explain(rule.params, ctx)

    keys: dict[str, pl.Expr] = {}
    for rule in rules:
        if rule.check.key is not None:
            expr = rule.check.key(rule.params)
            if key_columns(expr)[0] not in supplied:
                keys.setdefault(key_columns(expr)[0], expr)
    # SQL checks are compiled by the engine itself, over the typed columns of all rules.
    row_rules = [rule for rule in rules if rule.check.scope == "row" and not _is_sql(rule)]
    pool = ThreadPoolExecutor(max_workers=max(1, min(worker_count(), len(row_rules) + len(keys))))
    try:
        grouped = [pool.submit(key_frame, data, expr) for expr in keys.values()]
        return {rule.id: pool.submit(build, rule) for rule in row_rules}, grouped
    finally:
        pool.shutdown(wait=False)


def _record_scores(outcomes: pl.DataFrame, rule_ids: list[str]) -> pl.Series:
    if not rule_ids:
        return pl.repeat(None, outcomes.height, dtype=pl.Float64, eager=True).alias("score")
    # Summed in numpy: a horizontal sum over thousands of rule columns costs a polars step per
    # column, seconds for a large rule file.
    # One select turns the verdicts into a matrix: 1 passed, 0 failed, -1 not evaluated.
    matrix = outcomes.select(pl.col(rule_ids).cast(pl.Int8).fill_null(-1)).to_numpy()
    applicable = (matrix >= 0).sum(axis=1, dtype=np.uint32)
    passed = (matrix == 1).sum(axis=1, dtype=np.uint32)
    scores = np.full(outcomes.height, np.nan)
    np.divide(passed * 100.0, applicable, out=scores, where=applicable > 0)
    return pl.Series("score", scores, dtype=pl.Float64).fill_nan(None)
