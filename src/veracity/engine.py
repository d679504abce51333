"""Plan every rule into one lazy polars query, run it once, and collect mergeable rule states.

The query has three stages, all in one plan:

1. on the text columns as stored: each column check's "good" expression and whether the
   record has every field the rule reads (missing values belong to completeness);
2. the fields SQL reads are replaced by typed versions (see :mod:`veracity.fieldtypes`), and
   ``when:`` conditions and SQL checks are evaluated;
3. per rule, one tri-state column: True passed, False failed, null not evaluated.

The result is a compact boolean matrix (one column per rule) from which counts, failing rows
and per-record scores are read without touching the data again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from veracity.checks.base import CheckContext, DatasetOutcome, required_fields
from veracity.config.loader import Rule, sql_columns
from veracity.fieldtypes import FieldType, infer_field_types
from veracity.results import RuleState
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

__all__ = ["EngineOutput", "run_rules"]

_FINDINGS_SCHEMA = {
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
    "value_kind": pl.String,
}


@dataclass
class EngineOutput:
    states: dict[str, RuleState]
    #: Per-record score 0-100 (share of applicable rules passed); null where no rule applied.
    record_scores: pl.Series
    #: Unmasked findings: FINDINGS_COLUMNS + value_kind.
    findings: pl.DataFrame
    field_types: dict[str, FieldType]
    #: One tri-state Boolean column per row rule (True passed, False failed, null not
    #: evaluated) plus ROW_ID: what segment breakdowns and per-record views are read from.
    outcomes: pl.DataFrame


def _is_sql(rule: Rule) -> bool:
    return bool(rule.params.sql_params)


def run_rules(data: LoadedData, rules: Sequence[Rule], ctx: CheckContext, key: str | None) -> EngineOutput:
    """Evaluate ``rules`` over ``data`` in one pass."""
    row_rules = [r for r in rules if r.check.scope == "row"]
    sql_fields: list[str] = []
    for rule in row_rules:
        reads = sql_columns(rule.when) if rule.when else []
        if _is_sql(rule):
            reads += rule.fields
        sql_fields += [f for f in reads if f not in sql_fields]
    field_types = infer_field_types(data.frame, sql_fields, ctx.date_formats, ctx.booleans)

    raw_stage: list[pl.Expr] = []
    typed_stage: list[pl.Expr] = []
    final: list[pl.Expr] = []
    for index, rule in enumerate(row_rules):
        good, applicable, when, message = (
            f"__good{index}",
            f"__app{index}",
            f"__when{index}",
            f"__msg{index}",
        )
        expr = rule.check.build(rule.params, ctx)
        (typed_stage if _is_sql(rule) else raw_stage).append(expr.alias(good))
        has_fields = (
            pl.all_horizontal([pl.col(f).is_not_null() for f in required_fields(rule.params)])
            if rule.check.skips_missing and required_fields(rule.params)
            else pl.lit(True)
        )
        raw_stage.append(has_fields.alias(applicable))
        if rule.check.explain is not None:
            raw_stage.append(rule.check.explain(rule.params, ctx).alias(message))
        condition = pl.lit(True)
        if rule.when:
            typed_stage.append(pl.sql_expr(rule.when).cast(pl.Boolean).fill_null(False).alias(when))
            condition = pl.col(when)
        final.append(pl.when(condition & pl.col(applicable)).then(pl.col(good)).alias(rule.id))
        if rule.check.explain is not None:
            final.append(pl.col(message))

    typing = [t.expr(name, ctx.booleans).alias(name) for name, t in field_types.items()]
    plan = data.frame.lazy().with_columns(raw_stage)
    if typing:
        plan = plan.with_columns(typing)
    if typed_stage:
        plan = plan.with_columns(typed_stage)
    outcomes = plan.select(pl.col(ROW_ID), *final).collect() if row_rules else data.frame.select(ROW_ID)

    # A field checked as an e-mail or phone anywhere is masked in that shape in every rule.
    kinds = {r.fields[0]: r.check.value_kind for r in rules if r.fields and r.check.value_kind != "text"}
    states: dict[str, RuleState] = {}
    pieces: list[pl.DataFrame] = []
    for index, rule in enumerate(row_rules):
        column = outcomes.get_column(rule.id)
        failing = outcomes.filter(column.not_()).get_column(ROW_ID)
        states[rule.id] = RuleState(
            evaluated=column.count(), failed=failing.len(), failing_rows=failing.rename("row")
        )
        if failing.len():
            messages = (
                outcomes.filter(column.not_()).get_column(f"__msg{index}")
                if rule.check.explain is not None
                else None
            )
            pieces.append(_row_findings(data, rule, failing, messages, key, kinds))

    for rule in rules:
        if rule.check.scope == "dataset":
            outcome: DatasetOutcome = rule.check.build(rule.params, ctx)
            states[rule.id] = RuleState(evaluated=outcome.evaluated, failed=len(outcome.failures))
            if outcome.failures:
                pieces.append(_dataset_findings(data, rule, outcome))

    record_scores = _record_scores(outcomes, [r.id for r in row_rules])
    findings = pl.concat(pieces, how="vertical") if pieces else pl.DataFrame(schema=_FINDINGS_SCHEMA)
    return EngineOutput(
        states=states,
        record_scores=record_scores,
        findings=findings,
        field_types=field_types,
        outcomes=outcomes.select(ROW_ID, *(r.id for r in row_rules)),
    )


def _record_scores(outcomes: pl.DataFrame, rule_ids: list[str]) -> pl.Series:
    if not rule_ids:
        return pl.Series("score", [None] * outcomes.height, dtype=pl.Float64)
    applicable = pl.sum_horizontal([pl.col(r).is_not_null().cast(pl.UInt32) for r in rule_ids])
    passed = pl.sum_horizontal([pl.col(r).fill_null(False).cast(pl.UInt32) for r in rule_ids])
    return outcomes.select(
        pl.when(applicable > 0).then(passed.cast(pl.Float64) * 100.0 / applicable).alias("score")
    ).to_series()


def _common(rule: Rule) -> dict[str, Any]:
    return {
        "rule": rule.id,
        "check": rule.check.name,
        "dimension": rule.check.dimension.value,
        "severity": rule.severity.value,
        "field": ", ".join(rule.fields) or None,
    }


def _row_findings(
    data: LoadedData,
    rule: Rule,
    rows: pl.Series,
    messages: pl.Series | None,
    key: str | None,
    kinds: Mapping[str, str],
) -> pl.DataFrame:
    primary = rule.fields[0] if rule.fields else None
    value_kind = kinds.get(primary, rule.check.value_kind) if primary else rule.check.value_kind
    paths = {s.index: s.path for s in data.sources}
    picked = data.frame.select(
        pl.col(SOURCE_COL).replace_strict(paths, return_dtype=pl.String).alias("source"),
        pl.col(LINE_COL).alias("line"),
        (pl.col(key) if key else pl.lit(None, dtype=pl.String)).alias("record_key"),
        (pl.col(primary) if primary else pl.lit(None, dtype=pl.String)).alias("value"),
    )[rows]
    message = (
        messages
        if messages is not None
        else pl.repeat(rule.check.message_for(rule.params), rows.len(), eager=True)
    )
    return pl.DataFrame(
        {
            **{
                name: pl.repeat(value, rows.len(), eager=True, dtype=pl.String)
                for name, value in _common(rule).items()
            },
            "source": picked.get_column("source"),
            "line": picked.get_column("line"),
            "record_key": picked.get_column("record_key"),
            "message": message.cast(pl.String),
            "value": picked.get_column("value"),
            "value_kind": pl.repeat(value_kind, rows.len(), eager=True, dtype=pl.String),
        },
        schema=_FINDINGS_SCHEMA,
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
            "value_kind": "text",
        }
        for failure in outcome.failures
    ]
    return pl.DataFrame(rows, schema=_FINDINGS_SCHEMA)
