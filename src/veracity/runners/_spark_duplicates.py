"""The ``duplicates`` check on Spark: the local pipeline's steps, each over figures the workers
count, so that the clusters and every number of the report are the local ones.

1. One ``mapInArrow`` pass tells the judged records (a value in some compared field, and in
   the rule's scope: ``when:``, values SQL can read, evaluated by the engine itself) and keeps
   them, with the fields the comparisons and keys read; the records with no compared value
   (not judged: a null verdict) come back as row ids.
2. Per blocking rule one shuffle by block (:func:`._spark_blocks.shuffle_rules`), persisted.
   Before any pair exists, the rule's size is counted from its blocks (or, for ``_typo`` keys,
   its groups of records with the same values) and refused with the local message.
3. The workers count the candidates' comparison patterns, the value counts give the u shares,
   and a sample of random pairs (drawn as locally, in the order of a hash of the compared
   values) is compared on the driver for the levels values cannot tell: the driver trains the
   local model.
4. The workers score the candidate pairs with it and hand back the matches; the driver
   fetches the matched records only and forms the clusters, with the term frequencies of all
   judged records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from veracity.checks.base import TableOutcome
from veracity.checks.duplicates import DuplicatesParams
from veracity.config.loader import Rule
from veracity.engine import run_rules
from veracity.errors import FieldError, LimitError
from veracity.linkage.blocking import (
    BlockingKey,
    BlockingStats,
    default_blocking,
    too_many_group_pairs,
    too_many_keys,
    too_many_pairs,
    too_many_together,
)
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import Feature, pair_levels, prepare_feature
from veracity.linkage.fit import Frequencies, counted_frequencies, fit_model, u_shares
from veracity.linkage.model import level_shares
from veracity.linkage.pipeline import (
    LinkageSettings,
    Matches,
    Summary,
    explained_limit,
    field_problems,
    fields_read,
    has_any_value,
    judge,
    resolve_blocking,
    sample_digest,
    sample_draws,
)
from veracity.linkage.result import DuplicatesResult
from veracity.runners._spark_blocks import (
    ROW,
    CountedPairs,
    RuleBlocks,
    shuffle_rules,
    spark_matches,
    spark_patterns,
    spark_value_counts,
)
from veracity.runners._spark_names import map_in_arrow, quoted
from veracity.runners._spark_sizes import RuleSize, rule_sizes
from veracity.runners._work import LINE, SOURCE, AuditJob, _frame, _loaded
from veracity.runners._work import ROW as RECORD_ROW
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["SparseOutcome", "is_duplicates", "spark_duplicates"]

_JUDGED = "__judged"
_DIGEST = "__digest"


def is_duplicates(rule: Rule) -> bool:
    return isinstance(rule.params, DuplicatesParams)


@dataclass(frozen=True)
class SparseOutcome:
    """A table check's outcome for the records it concerns: ``__veracity_row`` (Int64),
    ``verdict`` (Boolean, null: not judged), ``message``, ``cluster``; a record not listed
    passed."""

    frame: pl.DataFrame
    details: Any = None

    def full(self, height: int) -> TableOutcome:
        """The outcome aligned with all ``height`` records (row ids 0 .. height - 1)."""
        rows = self.frame.get_column(RECORD_ROW).to_numpy()
        verdicts = pl.repeat(True, height, dtype=pl.Boolean, eager=True).scatter(
            rows, self.frame.get_column("verdict")
        )
        messages = pl.repeat(None, height, dtype=pl.String, eager=True).scatter(
            rows, self.frame.get_column("message")
        )
        clusters = pl.repeat(None, height, dtype=pl.Int64, eager=True).scatter(
            rows, self.frame.get_column("cluster")
        )
        return TableOutcome(verdicts, messages, clusters, self.details)


@dataclass(frozen=True)
class DateParser:
    """How the check reads a date field (its declared format, else ISO 8601); picklable."""

    formats: dict[str, str]

    def __call__(self, expr: pl.Expr, name: str) -> pl.Expr:
        from veracity.text.dates import parse_date

        return parse_date(expr, self.formats.get(name))


def _judged_partition(
    batches: Iterator[pa.RecordBatch],
    *,
    job: AuditJob,
    rule: Rule,
    compare: Sequence[Comparison],
    needed: Sequence[str],
    compared: Sequence[str],
) -> Iterator[pa.RecordBatch]:
    """The partition's judged records (row id, the fields read, the sample's hash), and the
    row ids of those with no compared value (``__judged`` false)."""
    frame = _frame(batches)
    if frame is None:
        return
    data = _loaded(frame, job)
    plan = job.plan
    # The engine's own verdict with every record passing is the rule's scope: ``when:`` true
    # and every value SQL reads readable.
    passing = TableOutcome(pl.repeat(True, data.frame.height, dtype=pl.Boolean, eager=True))
    output = run_rules(
        data,
        [rule],
        plan.context(data),
        plan.key,
        plan.masks,
        field_types=job.field_types,
        tables={rule.id: passing},
    )
    scope = output.outcomes.get_column(rule.id).fill_null(False)
    has_value = data.frame.select(has_any_value(compare)).to_series()
    rows = frame.get_column(RECORD_ROW).sort()
    out = data.frame.select(
        rows.cast(pl.Int64).alias(ROW),
        (has_value & scope).alias(_JUDGED),
        *(pl.col(name).cast(pl.String) for name in needed),
        sample_digest(data.frame, compared).reinterpret(signed=True).alias(_DIGEST),
    ).filter(pl.col(_JUDGED) | ~has_value)
    yield from out.to_arrow().to_batches()


@dataclass(frozen=True)
class _Run:
    """A duplicates rule resolved against the data, and its judged records on Spark."""

    settings: LinkageSettings
    blocking: list[list[str]]
    rules: list[list[BlockingKey]]
    compare: list[Comparison]
    compared: list[str]
    needed: list[str]
    judged: DataFrame
    parse_date: DateParser


def spark_duplicates(records: DataFrame, rule: Rule, job: AuditJob) -> SparseOutcome:
    """What the ``duplicates`` rule ``rule`` finds among ``records`` (the runner's normalised,
    persisted records), as the local pipeline finds it."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    assert isinstance(rule.params, DuplicatesParams)
    settings = rule.params.settings()
    compare = list(settings.compare)
    blocking = [
        list(r) for r in (default_blocking(compare) if settings.blocking is None else settings.blocking)
    ]
    problems = field_problems(compare, blocking, job.fields)
    if problems:
        raise FieldError(f"duplicates: {problems[0][1]}")
    rules = resolve_blocking(blocking, compare, job.fields)
    compared, needed = fields_read(compare, rules)
    schema = ", ".join(
        [
            f"`{ROW}` long",
            f"`{_JUDGED}` boolean",
            *(f"{quoted(n)} string" for n in needed),
            f"`{_DIGEST}` long",
        ]
    )
    marked = map_in_arrow(
        records,
        functools.partial(
            _judged_partition, job=job, rule=rule, compare=compare, needed=needed, compared=compared
        ),
        schema,
    )
    marked = marked.persist(StorageLevel.MEMORY_AND_DISK_DESER)
    try:
        unjudged = [row[ROW] for row in marked.filter(~F.col(_JUDGED)).select(ROW).collect()]
        judged = marked.filter(F.col(_JUDGED)).drop(_JUDGED)
        run = _Run(
            settings,
            blocking,
            rules,
            compare,
            compared,
            needed,
            judged,
            DateParser(dict(job.plan.date_formats)),
        )
        found = _find(run, records, job)
    finally:
        marked.unpersist()
    nulls = pl.DataFrame(
        {RECORD_ROW: unjudged, "verdict": None, "message": None, "cluster": None},
        schema={RECORD_ROW: pl.Int64, "verdict": pl.Boolean, "message": pl.String, "cluster": pl.Int64},
    )
    return SparseOutcome(pl.concat([found.frame, nulls]).sort(RECORD_ROW), found.details)


def _find(run: _Run, records: DataFrame, job: AuditJob) -> SparseOutcome:
    settings = run.settings
    n = run.judged.count()
    shuffled = shuffle_rules(
        run.judged.select(ROW, *(quoted(f) for f in run.needed)),
        run.rules,
        run.compare,
        run.parse_date,
        count=n,
    )
    try:
        features, weights = spark_value_counts(run.judged, run.compare, run.parse_date)
        level_counts = [feature.level_count for feature in features]
        counted = _limited(run, shuffled, level_counts)
        candidates = int(counted.patterns.counts.sum())
        patterns = counted.patterns if candidates else None
        total_pairs = n * (n - 1) / 2
        if settings.u_estimation == "random_pairs":
            sample = functools.partial(_sample, run, n)
            shares, sources, sample_size = u_shares(
                features, settings.random_pairs, total_pairs, sample, weights
            )
            prior_base = max(total_pairs, 1.0)
        else:
            shares = [
                level_shares(
                    counted.patterns.levels[:, k].astype(np.int64), count, None, pairs=counted.patterns.counts
                )
                for k, count in enumerate(level_counts)
            ]
            sources, sample_size = ["candidate pairs"] * len(features), 0
            prior_base = max(float(candidates), 1.0)
        model = fit_model(
            patterns, level_counts, shares, prior_base=prior_base, u_estimation=settings.u_estimation
        )
        counts = {
            feature.spec.field: counted_frequencies(feature, weight)
            for feature, weight in zip(features, weights, strict=True)
            if feature.spec.term_frequency
        }
        matches = (
            spark_matches(shuffled, run.rules, run.compare, run.parse_date, model, counts, settings.threshold)
            if patterns is not None
            else None
        )
    finally:
        for rule_blocks in shuffled:
            rule_blocks.unpersist()
    stats = [
        BlockingStats(tuple(key.name for key in rule), pairs, new)
        for rule, pairs, new in zip(run.rules, counted.rule_pairs, counted.new_pairs, strict=True)
    ]
    summary = Summary(n, candidates, stats, sources, sample_size)
    return _clusters(run, records, job, model, matches, summary, counts)


def _refusal(index: int, names: Sequence[str], size: RuleSize, bound: int) -> LimitError | None:
    if size.keys is not None and size.keys > bound:
        return too_many_keys(index, names, size.keys, bound)
    if size.group_pairs is not None and size.group_pairs > bound:
        return too_many_group_pairs(index, names, size.group_pairs, bound)
    if size.pairs is not None and size.pairs > bound:
        return too_many_pairs(index, names, size.pairs, size.largest, bound)
    return None


def _limited(run: _Run, shuffled: Sequence[RuleBlocks], level_counts: Sequence[int]) -> CountedPairs:
    """The candidates' patterns, each rule refused as locally: on its own from its size before
    its pairs are made; with the rules before it from the pairs they add."""
    bound = run.settings.max_pairs
    refused: LimitError | None = None
    upto = len(run.rules)
    for index, (rule, size) in enumerate(zip(run.rules, rule_sizes(shuffled, bound), strict=True)):
        refused = _refusal(index, [key.name for key in rule], size, bound)
        if refused is not None:
            upto = index
            break
    counted = (
        spark_patterns(shuffled[:upto], run.rules, run.compare, run.parse_date, level_counts)
        if upto
        else CountedPairs(_no_patterns(level_counts), [], [])
    )
    total = 0
    for index, added in enumerate(counted.new_pairs):
        total += added
        if total > bound:
            names = [key.name for key in run.rules[index]]
            raise explained_limit(too_many_together(index, names, added, bound), run.settings, run.blocking)
    if refused is not None:
        raise explained_limit(refused, run.settings, run.blocking)
    return counted


def _no_patterns(level_counts: Sequence[int]) -> Any:
    from veracity.linkage.model import patterns_from_counts

    return patterns_from_counts(np.empty(0, np.int64), np.empty(0, np.int64), level_counts)


def _fetch(frame: DataFrame, rows: npt.NDArray[np.int64], row: str) -> pl.DataFrame:
    """The records of ``frame`` whose ``row`` is one of ``rows`` (broadcast to the tasks)."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.getActiveSession()
    assert spark is not None
    wanted = spark.createDataFrame(pa.table({row: pa.array(np.unique(rows), pa.int64())}))
    fetched = pl.from_arrow(frame.join(F.broadcast(wanted), on=row).toArrow())
    assert isinstance(fetched, pl.DataFrame)
    return fetched.sort(row)


def _sample(run: _Run, n: int) -> tuple[list[npt.NDArray[np.int8]], int]:
    """The levels of the random pairs u is estimated from, drawn as
    :func:`veracity.linkage.pipeline.sample_draws` says, among the judged records in the
    order of their hash then row id (their row order when all pairs are compared)."""
    draws = sample_draws(n, run.settings.random_pairs)
    ordered = run.judged.select(ROW, _DIGEST).toArrow()
    rows = ordered.column(ROW).to_numpy()
    if draws is None:
        by_row = np.sort(rows)
        first, second = np.triu_indices(n, 1)
        left, right = by_row[first], by_row[second]
    else:
        digest = ordered.column(_DIGEST).to_numpy().view(np.uint64)
        order = rows[np.lexsort((rows, digest))]
        left, right = order[draws[0]], order[draws[1]]
    fetched = _fetch(
        run.judged.select(ROW, *(quoted(f) for f in run.needed)), np.concatenate([left, right]), ROW
    )
    held = fetched.get_column(ROW).to_numpy()
    values = RecordValues(fetched.select(pl.col(ROW).alias(ROW_ID), *run.needed), run.parse_date)
    features = [prepare_feature(spec, values) for spec in run.compare]
    a, b = np.searchsorted(held, left), np.searchsorted(held, right)
    return pair_levels(features, a, b), int(left.size)


def _clusters(
    run: _Run,
    records: DataFrame,
    job: AuditJob,
    model: Any,
    matches: pl.DataFrame | None,
    summary: Summary,
    counts: dict[str, Frequencies],
) -> SparseOutcome:
    """The clusters of the matches, formed on the driver over the matched records only."""
    if matches is None:
        matches = pl.DataFrame(
            schema={"row_a": pl.Int64, "row_b": pl.Int64, "probability": pl.Float64}
            | {f"level_{k}": pl.Int64 for k in range(len(run.compare))}
        )
    wanted = np.concatenate([matches.get_column("row_a").to_numpy(), matches.get_column("row_b").to_numpy()])
    columns = [*(quoted(name) for name in job.fields), RECORD_ROW, SOURCE, LINE]
    fetched = _fetch(records.select(*columns), wanted.astype(np.int64), RECORD_ROW)
    frame = fetched.select(
        *(pl.col(name).cast(pl.String) for name in job.fields),
        pl.col(RECORD_ROW).cast(pl.UInt32).alias(ROW_ID),
        pl.col(SOURCE).cast(pl.UInt16).alias(SOURCE_COL),
        pl.col(LINE).cast(pl.UInt32).alias(LINE_COL),
    )
    data = LoadedData(frame, job.infos)
    held = fetched.get_column(RECORD_ROW).to_numpy()
    judged = frame.select(ROW_ID, *run.needed)
    features = [prepare_feature(spec, RecordValues(judged, run.parse_date)) for spec in run.compare]
    pairs = Matches(
        np.searchsorted(held, matches.get_column("row_a").to_numpy()).astype(np.int64),
        np.searchsorted(held, matches.get_column("row_b").to_numpy()).astype(np.int64),
        matches.get_column("probability").to_numpy(),
        [matches.get_column(f"level_{k}").cast(pl.Int8).to_numpy() for k in range(len(run.compare))],
    )
    frequencies = _frequencies(counts)
    found = judge(
        data,
        np.arange(frame.height, dtype=np.int64),
        judged,
        features,
        model,
        run.settings,
        pairs,
        summary,
        frequencies,
    )
    outcome = pl.DataFrame(
        {
            RECORD_ROW: held.astype(np.int64),
            "verdict": found.verdicts,
            "message": found.messages,
            "cluster": found.cluster_ids.cast(pl.Int64),
        }
    ).filter(~pl.col("verdict") | pl.col("message").is_not_null() | pl.col("cluster").is_not_null())
    result: DuplicatesResult = found.result
    return SparseOutcome(outcome, result)


def _frequencies(counts: dict[str, Frequencies]) -> Callable[[Feature], tuple[npt.NDArray[np.float64], int]]:
    def frequencies(feature: Feature) -> tuple[npt.NDArray[np.float64], int]:
        return counts[feature.spec.field](feature)

    return frequencies
