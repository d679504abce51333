"""``duplicates`` on Spark's workers: candidate pairs made block by block after one shuffle per
blocking rule; the driver gets figures that add up, never every record's fields.

Per blocking rule, one ``mapInArrow`` pass names the blocks each record joins
(:func:`veracity.linkage.blocks.block_keys`, by value, so that records of different partitions
meet), the records are shuffled by block, and every partition makes the pairs of the blocks it
holds (:func:`veracity.linkage.blocks.block_pairs`: each candidate pair once over all blocks
and rules). :func:`spark_patterns` counts their comparison patterns and each rule's pairs
(whole numbers that add up in any order: the driver trains the same model as the local
pipeline), :func:`spark_value_counts` the values of each compared field (u shares, term
frequencies), and :func:`spark_matches` scores the pairs with the trained model and hands back
the matches only. A partition's work follows the blocks it holds: the pairs come from their
members, and the comparisons are prepared once, for the paired records alone.

Each rule's shuffle is made once (:func:`shuffle_rules`) and persisted: the limits
(:func:`._spark_sizes.rule_sizes`), the patterns and the matches read it. :mod:`._spark_duplicates` puts
these steps together as the ``duplicates`` check.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.linkage.blocking import BlockingKey
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import DateParser, RecordValues
from veracity.linkage.features import Feature
from veracity.linkage.fit import Frequencies
from veracity.linkage.model import FellegiSunter, Patterns
from veracity.runners._spark_names import map_in_arrow, quoted

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


__all__ = [
    "CountedPairs",
    "RuleBlocks",
    "shuffle_rules",
    "spark_matches",
    "spark_patterns",
    "spark_value_counts",
    "union_all",
]

#: Column of the records: the row id (their fields are text columns named as the fields).
ROW = "__row"
BLOCK_COLUMN = "__block"
GROUP_COLUMN = "__group"
#: Whether the row's block is the record's smallest (``_typo`` rules).
LEAST_COLUMN = "__least"
#: Kinds of the rows the pairs pass hands back.
PATTERN, RULE_PAIRS, NEW_PAIRS = "pattern", "rule_pairs", "new_pairs"
_OUT = {"kind": pl.String, "pattern": pl.Int64, "pairs": pl.Int64}


def _records(batches: Iterator[Any], fields: Sequence[str]) -> pl.DataFrame:
    import pyarrow as pa

    # An empty partition hands over no batch at all (and Arrow needs one for a table).
    given = list(batches)
    table = pa.Table.from_batches(given) if given else None
    frame = (
        pl.from_arrow(table) if table is not None and table.num_rows else pl.DataFrame(schema=[ROW, *fields])
    )
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.col(ROW).cast(pl.Int64), *(pl.col(f).cast(pl.String) for f in fields))


def _keys_partition(
    batches: Iterator[Any],
    *,
    rule: Sequence[BlockingKey],
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
) -> Iterator[Any]:
    from veracity.linkage.blocks import BLOCK, GROUP, POSITION, block_keys
    from veracity.linkage.features import prepare_feature

    records = _records(batches, fields)
    if not records.height:
        return
    values = RecordValues(records, parse_date)
    keyed = {key.field for key in rule}
    features = {spec.field: prepare_feature(spec, values) for spec in compare if spec.field in keyed}
    keys = block_keys(rule, values, features)
    # Each record with its fields once per block it joins: the shuffle by block carries them,
    # no join by row id is needed.
    joined = records[keys.get_column(POSITION).to_numpy()]
    # Spark has no unsigned 64-bit integers: the hash travels as a signed one, bit for bit.
    # A record's smallest block is where a _typo rule's sizes count its group (whose records
    # all join the same blocks), once over all partitions.
    least = keys.select(pl.col(BLOCK) == pl.col(BLOCK).min().over(POSITION)).to_series()
    out = joined.select(
        ROW,
        keys.get_column(BLOCK).reinterpret(signed=True).alias(BLOCK_COLUMN),
        keys.get_column(GROUP).reinterpret(signed=True).alias(GROUP_COLUMN),
        least.alias(LEAST_COLUMN),
        *fields,
    )
    yield from out.to_arrow().to_batches()


def partition_frame(batches: Iterator[Any]) -> pl.DataFrame | None:
    """A partition of a rule's blocks as one frame, its block hashes unsigned again (Spark has
    no unsigned 64-bit integers: they came as signed ones, bit for bit). None when empty."""
    import pyarrow as pa

    given = list(batches)
    table = pa.Table.from_batches(given) if given else None
    if table is None or not table.num_rows:
        return None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.col(BLOCK_COLUMN).cast(pl.Int64).reinterpret(signed=False))


@dataclass(frozen=True)
class _PartitionPairs:
    """The pairs a partition of blocks adds (:func:`veracity.linkage.blocks.block_pairs`), as
    positions among the records they join (``rows``: their row ids), with those records'
    comparisons prepared."""

    rows: npt.NDArray[np.int64]
    features: list[Feature]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    rule_pairs: int


def _partition_pairs(
    batches: Iterator[Any],
    rules: Sequence[Sequence[BlockingKey]],
    index: int,
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
) -> _PartitionPairs | None:
    """Rule ``index``'s pairs among a partition of its blocks. The shuffle brought each block's
    members (row, block): the pairs sharing a held block come from them alone, and only those
    pairs' records (a few percent of the partition's) are read and have their comparisons
    prepared, once; levels compare values, whichever records were prepared together."""
    from veracity.linkage.blocks import BLOCK, POSITION, block_pairs, member_pairs
    from veracity.linkage.features import prepare_feature

    frame = partition_frame(batches)
    if frame is None:
        return None
    block = frame.get_column(BLOCK_COLUMN)
    members = pl.DataFrame([frame.get_column(ROW).cast(pl.Int64).alias(POSITION), block.alias(BLOCK)])
    # Row ids stand for positions until the records are known: row order is position order.
    left, right = member_pairs(members)
    paired = np.unique(np.concatenate([left, right]))
    if not paired.size:
        return _PartitionPairs(paired, [], left, right, 0)
    records = (
        frame.filter(pl.col(ROW).cast(pl.Int64).is_in(pl.Series(paired)))
        .unique(ROW)
        .select(pl.col(ROW).cast(pl.Int64), *(pl.col(f).cast(pl.String) for f in fields))
        .sort(ROW)
    )
    values = RecordValues(records, parse_date)
    features = [prepare_feature(spec, values) for spec in compare]
    found = block_pairs(
        rules,
        index,
        block.unique().to_numpy(),
        values,
        {feature.spec.field: feature for feature in features},
        candidates=(np.searchsorted(paired, left), np.searchsorted(paired, right)),
    )
    return _PartitionPairs(paired, features, found.left, found.right, found.rule_pairs)


def _pairs_partition(
    batches: Iterator[Any],
    *,
    rules: Sequence[Sequence[BlockingKey]],
    index: int,
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
) -> Iterator[Any]:
    from veracity.linkage.blocks import pattern_counts

    found = _partition_pairs(batches, rules, index, compare, fields, parse_date)
    if found is None:
        return
    counts = (
        pattern_counts(found.features, found.left, found.right)
        if found.left.size
        else pl.DataFrame(schema={"pattern": pl.Int64, "pairs": pl.Int64})
    )
    # Besides the patterns, what the held blocks add to the rule's stats.
    stats = pl.DataFrame(
        {"kind": [RULE_PAIRS, NEW_PAIRS], "pattern": [0, 0], "pairs": [found.rule_pairs, found.left.size]},
        schema=_OUT,
    )
    out = pl.concat([counts.select(pl.lit(PATTERN).alias("kind"), "pattern", "pairs"), stats])
    yield from out.with_columns(pl.lit(index, pl.Int64).alias("rule")).to_arrow().to_batches()


@dataclass(frozen=True)
class CountedPairs:
    """What the workers counted: the candidates' patterns and each rule's pair counts."""

    patterns: Patterns
    #: Per rule: its pairs, and those no earlier rule had (``BlockingStats.pairs``/``new_pairs``).
    rule_pairs: list[int]
    new_pairs: list[int]


@dataclass(frozen=True)
class RuleBlocks:
    """One blocking rule's blocks: every record once per block it joins (row, block, the
    fields; for a ``_typo`` rule also its group), partitioned by block (the rule's one
    shuffle) and persisted: :meth:`unpersist` when done."""

    blocks: DataFrame
    fields: list[str]
    typo: bool
    #: The rule, and what its keys are worked out with (the sizes of a ``_typo`` rule redo them).
    rule: list[BlockingKey]
    compare: list[Comparison]
    parse_date: DateParser

    def unpersist(self) -> None:
        self.blocks.unpersist()


def shuffle_rules(
    records: DataFrame,
    rules: Sequence[Sequence[BlockingKey]],
    compare: Sequence[Comparison],
    parse_date: DateParser,
    count: int | None = None,
) -> list[RuleBlocks]:
    """Per rule, the blocks each record of ``records`` (``__row`` and the text of the fields
    the comparisons and keys read) joins, and the records shuffled by block. Lazy: Spark works
    them out on first use and keeps them. Only the shuffled records are kept: the sizes, the
    patterns and the matches all read them, partitioned by block as they are. ``count``, the
    number of records, sizes the partitions (:func:`block_partitions`); without it, Spark's
    ``spark.sql.shuffle.partitions``."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    fields = [name for name in records.columns if name != ROW]
    typed = records.select(F.col(ROW).cast("long"), *(F.col(quoted(n)).cast("string") for n in fields))
    shuffled = []
    for rule in rules:
        typo = any(key.transform == "typo" for key in rule)
        keyed = map_in_arrow(
            typed,
            functools.partial(
                _keys_partition, rule=rule, compare=compare, fields=fields, parse_date=parse_date
            ),
            ", ".join(
                [
                    f"`{ROW}` long, `{BLOCK_COLUMN}` long, `{GROUP_COLUMN}` long, `{LEAST_COLUMN}` boolean",
                    *(f"{quoted(n)} string" for n in fields),
                ]
            ),
        )
        # Only a _typo rule's sizes read the groups (records with the same key values).
        kept = keyed if typo else keyed.drop(GROUP_COLUMN, LEAST_COLUMN)
        by_block = (
            kept.repartition(BLOCK_COLUMN)
            if count is None
            else kept.repartition(block_partitions(records, count, rule), BLOCK_COLUMN)
        )
        blocks = by_block.persist(StorageLevel.MEMORY_AND_DISK_DESER)
        shuffled.append(RuleBlocks(blocks, fields, typo, list(rule), list(compare), parse_date))
    return shuffled


#: Records a partition of blocks holds, about: every partition is a Python task per pass (its
#: comparisons prepared once), so a few large ones cost less than Spark's 200 small ones.
ROWS_PER_PARTITION = 500_000
#: The blocks a record joins per ``_typo`` key, about (a 7-letter value and its deletions).
TYPO_VARIANTS = 8


def block_partitions(records: DataFrame, count: int, rule: Sequence[BlockingKey]) -> int:
    """How many partitions a rule's blocks are spread over: about :data:`ROWS_PER_PARTITION`
    rows each (a record is a row per block it joins), and at least one per core."""
    copies = int(TYPO_VARIANTS ** sum(key.transform == "typo" for key in rule))
    cores = int(records.sparkSession.sparkContext.defaultParallelism)
    return max(cores, -(-count * copies // ROWS_PER_PARTITION))


def union_all(frames: Sequence[DataFrame]) -> DataFrame:
    """The rows of ``frames`` (of the same columns) as one frame, so that one job runs them."""
    union = frames[0]
    for more in frames[1:]:
        union = union.unionByName(more)
    return union


def spark_patterns(
    shuffled: Sequence[RuleBlocks],
    rules: Sequence[Sequence[BlockingKey]],
    compare: Sequence[Comparison],
    parse_date: DateParser,
    level_counts: Sequence[int],
) -> CountedPairs:
    """The patterns of every candidate pair of the first ``len(shuffled)`` rules
    (:func:`shuffle_rules`), counted on the workers."""
    from pyspark.sql import functions as F

    from veracity.linkage.model import patterns_from_counts

    counted = []
    for index, rule_blocks in enumerate(shuffled):
        fields = rule_blocks.fields
        pairs = map_in_arrow(
            rule_blocks.blocks,
            functools.partial(
                _pairs_partition,
                rules=rules,
                index=index,
                compare=compare,
                fields=fields,
                parse_date=parse_date,
            ),
            "kind string, pattern long, pairs long, rule long",
        )
        counted.append(pairs)
    rows = union_all(counted).groupBy("kind", "rule", "pattern").agg(F.sum("pairs").alias("pairs")).collect()
    found = [row for row in rows if row["kind"] == PATTERN]
    codes = np.asarray([row["pattern"] for row in found], dtype=np.int64)
    counts = np.asarray([row["pairs"] for row in found], dtype=np.int64)
    per_rule = {(row["kind"], row["rule"]): int(row["pairs"]) for row in rows if row["kind"] != PATTERN}
    return CountedPairs(
        patterns_from_counts(codes, counts, level_counts),
        [per_rule.get((RULE_PAIRS, index), 0) for index in range(len(shuffled))],
        [per_rule.get((NEW_PAIRS, index), 0) for index in range(len(shuffled))],
    )


def _matches_partition(
    batches: Iterator[Any],
    *,
    rules: Sequence[Sequence[BlockingKey]],
    index: int,
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
    model: FellegiSunter,
    frequencies: Mapping[str, Frequencies],
    threshold: float,
) -> Iterator[Any]:
    from veracity.linkage.features import pair_levels
    from veracity.linkage.fit import match_probability
    from veracity.linkage.model import patterns_of

    found = _partition_pairs(batches, rules, index, compare, fields, parse_date)
    if found is None or not found.left.size:
        return
    features = found.features
    levels = pair_levels(features, found.left, found.right)
    patterns = patterns_of(levels, [feature.level_count for feature in features])
    probability = match_probability(
        model,
        patterns,
        features,
        levels,
        found.left,
        lambda feature: frequencies[feature.spec.field](feature),
    )
    matched = np.flatnonzero(probability >= threshold)
    rows = found.rows
    out = pl.DataFrame(
        {
            "row_a": rows[found.left[matched]],
            "row_b": rows[found.right[matched]],
            "probability": probability[matched],
            **{f"level_{k}": level[matched].astype(np.int64) for k, level in enumerate(levels)},
        }
    )
    yield from out.to_arrow().to_batches()


def spark_matches(
    shuffled: Sequence[RuleBlocks],
    rules: Sequence[Sequence[BlockingKey]],
    compare: Sequence[Comparison],
    parse_date: DateParser,
    model: FellegiSunter,
    frequencies: Mapping[str, Frequencies],
    threshold: float,
) -> pl.DataFrame:
    """The candidate pairs whose match probability is at least ``threshold``, scored on the
    workers with the model and the term frequencies sent along: ``row_a < row_b``,
    ``probability`` and ``level_<k>`` per comparison."""
    matches = [
        map_in_arrow(
            rule_blocks.blocks,
            functools.partial(
                _matches_partition,
                rules=rules,
                index=index,
                compare=compare,
                fields=rule_blocks.fields,
                parse_date=parse_date,
                model=model,
                frequencies=frequencies,
                threshold=threshold,
            ),
            ", ".join(
                [
                    "row_a long",
                    "row_b long",
                    "probability double",
                    *(f"level_{k} long" for k in range(len(compare))),
                ]
            ),
        )
        for index, rule_blocks in enumerate(shuffled)
    ]
    found = pl.from_arrow(union_all(matches).toArrow())
    assert isinstance(found, pl.DataFrame)
    return found.sort("row_a", "row_b")


def spark_value_counts(
    records: DataFrame, compare: Sequence[Comparison], parse_date: DateParser
) -> tuple[list[Feature], list[npt.NDArray[np.float64]]]:
    """Per comparison, its feature over the distinct values of its field and how many records
    hold each (``groupBy(field).count()``, every comparison's in one job): what
    :func:`veracity.linkage.fit.u_shares` reads as ``weights``. A comparison that also reads
    another field (``swapped_with``, ``region_field``) gets it empty: its value frequencies are
    its own field's; its other shares come from pairs."""
    from pyspark.sql import functions as F

    from veracity.linkage.features import prepare_feature

    if not compare:
        return [], []
    values = union_all(
        [
            records.select(
                F.lit(k).cast("int").alias("comparison"),
                F.col(quoted(spec.field)).cast("string").alias("value"),
            )
            for k, spec in enumerate(compare)
        ]
    )
    counted_all = pl.from_arrow(values.groupBy("comparison", "value").count().toArrow())
    assert isinstance(counted_all, pl.DataFrame)
    features, weights = [], []
    for k, spec in enumerate(compare):
        counted = counted_all.filter(pl.col("comparison") == k)
        extra = [name for name in (spec.swapped_with, spec.region_field) if name is not None]
        frame = counted.select(
            pl.col("value").cast(pl.String).alias(spec.field),
            *(pl.lit(None, pl.String).alias(name) for name in extra),
        )
        features.append(prepare_feature(spec, RecordValues(frame, parse_date)))
        weights.append(counted.get_column("count").cast(pl.Float64).to_numpy())
    return features, weights
