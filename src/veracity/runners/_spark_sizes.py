"""What each blocking rule would compare on Spark, before any pair exists: the figures the local
blocking refuses a rule on (:mod:`veracity.linkage.blocking`), counted on the shuffled records
of :func:`._spark_blocks.shuffle_rules`.

The records are partitioned by block already, so nothing here shuffles them again:

- a rule of exact keys: the block sizes, counted by Spark per block;
- a ``_typo`` rule: one Python pass per partition of blocks. Every record of a group (the
  records with the same values of all keys) joins the same blocks, so a block's rows of a group
  are the whole group: its size. A group is counted once, at its smallest block (which the keys
  pass marks, knowing all of a record's blocks); a pair of groups sharing a block once, where
  its canonical block is held (:func:`veracity.linkage.blocks.canonical_blocks`, worked out for
  the paired groups alone), as the pairs themselves are made later.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from veracity.linkage.blocking import BlockingKey
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import DateParser, RecordValues
from veracity.runners._spark_blocks import (
    BLOCK_COLUMN,
    GROUP_COLUMN,
    LEAST_COLUMN,
    ROW,
    RuleBlocks,
    partition_frame,
    union_all,
)
from veracity.runners._spark_names import map_in_arrow, quoted

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["RuleSize", "rule_sizes"]

_SIZES = "rule long, pairs long, largest long, keys long, group_pairs long"
_ACROSS = "rule long, pairs long"


@dataclass(frozen=True)
class RuleSize:
    """What a blocking rule would compare, known before any pair exists (the figures the local
    blocking refuses a rule on, :mod:`veracity.linkage.blocking`). For a rule with ``_typo``
    keys, ``keys`` (rows of groups and their variants) and ``group_pairs`` (pairs of groups
    sharing a block) come first: ``pairs`` is None when either is over the bound (its pairs
    were not worked out)."""

    pairs: int | None
    largest: int
    keys: int | None = None
    group_pairs: int | None = None


def _pairs_of(column: str) -> Any:
    from pyspark.sql import functions as F

    # Whole numbers: a double's sum would lose pairs past 2**53.
    return F.expr(f"coalesce(sum({column} * ({column} - 1) div 2), 0)")


def _exact_sizes(index: int, blocks: RuleBlocks) -> DataFrame:
    """One row of a rule of exact keys: per block a count, on records partitioned by block."""
    from pyspark.sql import functions as F

    sizes = blocks.blocks.groupBy(BLOCK_COLUMN).agg(F.count("*").alias("n"))
    return sizes.agg(
        F.lit(index).cast("long").alias("rule"),
        _pairs_of("n").alias("pairs"),
        F.coalesce(F.max("n"), F.lit(0)).cast("long").alias("largest"),
        F.lit(None).cast("long").alias("keys"),
        F.lit(None).cast("long").alias("group_pairs"),
    )


def _entries(frame: pl.DataFrame) -> pl.DataFrame:
    """(block, group) entries: a block's rows of a group are the whole group (every record of
    a group joins the same blocks), so their count is the group's ``size``."""
    return frame.group_by(BLOCK_COLUMN, GROUP_COLUMN).agg(
        pl.len().cast(pl.Int64).alias("size"), pl.col(LEAST_COLUMN).first(), pl.col(ROW).min().alias("rep")
    )


def _typo_sizes_partition(batches: Iterator[Any], *, index: int, **_: Any) -> Iterator[Any]:
    """The partition's part of a ``_typo`` rule's figures, in one row: its (block, group)
    entries (``keys``), the pairs of groups in each held block (``group_pairs``), its largest
    group, and the record pairs within the groups whose smallest block it holds."""
    frame = partition_frame(batches)
    if frame is None:
        return
    entries = _entries(frame)
    per_block = entries.group_by(BLOCK_COLUMN).agg(pl.len().cast(pl.Int64).alias("n"))
    within = entries.filter(LEAST_COLUMN).select((pl.col("size") * (pl.col("size") - 1) // 2).sum())
    group_pairs = per_block.select((pl.col("n") * (pl.col("n") - 1) // 2).sum())
    figures = pl.DataFrame(
        {
            "rule": [index],
            "pairs": [int(within.item() or 0)],
            "largest": [int(entries.get_column("size").max() or 0)],  # type: ignore[arg-type]
            "keys": [entries.height],
            "group_pairs": [int(group_pairs.item() or 0)],
        }
    )
    yield from figures.select(pl.all().cast(pl.Int64)).to_arrow().to_batches()


def _typo_across_partition(
    batches: Iterator[Any],
    *,
    index: int,
    rule: Sequence[BlockingKey],
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
) -> Iterator[Any]:
    """The partition's part of a ``_typo`` rule's record pairs across its groups: the size
    products of the pairs of groups that share a held block and whose canonical block is held
    here (so each pair of groups is counted once, however many blocks it shares)."""
    from veracity.linkage.blocks import canonical_blocks
    from veracity.linkage.features import prepare_feature

    frame = partition_frame(batches)
    if frame is None:
        return
    entries = _entries(frame).select(BLOCK_COLUMN, GROUP_COLUMN, "size", "rep")
    paired = (
        entries.join(entries, on=BLOCK_COLUMN, suffix="_b")
        .filter(pl.col(GROUP_COLUMN) < pl.col(f"{GROUP_COLUMN}_b"))
        .unique([GROUP_COLUMN, f"{GROUP_COLUMN}_b"])
    )
    # One record stands for each group (its keys are the group's); only paired groups' are read.
    reps = pl.concat([paired.get_column("rep"), paired.get_column("rep_b")]).unique().sort()
    records = (
        frame.filter(pl.col(ROW).is_in(reps))
        .unique(ROW)
        .sort(ROW)
        .select(ROW, *(pl.col(name).cast(pl.String) for name in fields))
    )
    rows = records.get_column(ROW).to_numpy()
    values = RecordValues(records, parse_date)
    keyed = {key.field for key in rule}
    # The keys of a compared field are its comparable values (the comparison's own preparation).
    features = {spec.field: prepare_feature(spec, values) for spec in compare if spec.field in keyed}
    canonical = canonical_blocks(
        rule,
        np.searchsorted(rows, paired.get_column("rep").to_numpy()),
        np.searchsorted(rows, paired.get_column("rep_b").to_numpy()),
        values,
        features,
    )
    held = canonical.is_in(frame.get_column(BLOCK_COLUMN).unique()).fill_null(False)
    across = paired.filter(held).select((pl.col("size") * pl.col("size_b")).sum()).item()
    out = pl.DataFrame(
        {"rule": [index], "pairs": [int(across or 0)]}, schema={"rule": pl.Int64, "pairs": pl.Int64}
    )
    yield from out.to_arrow().to_batches()


def _fields_of_keys(rule: Sequence[BlockingKey], compare: Sequence[Comparison]) -> list[str]:
    """The fields a rule's keys are worked out from: theirs, and those their comparisons read."""
    from veracity.linkage.pipeline import fields_read

    keyed = {key.field for key in rule}
    return fields_read([spec for spec in compare if spec.field in keyed], [rule])[1]


def _typo_rows(index: int, blocks: RuleBlocks, partition: Any, schema: str) -> DataFrame:
    """A ``_typo`` rule's partitions' rows, run by ``partition`` on the columns it reads."""
    # The sizes read the blocks and groups alone; the pairs across groups the keys' fields too.
    fields = _fields_of_keys(blocks.rule, blocks.compare) if partition is _typo_across_partition else []
    columns = blocks.blocks.select(
        ROW, BLOCK_COLUMN, GROUP_COLUMN, LEAST_COLUMN, *(quoted(name) for name in fields)
    )
    run = functools.partial(
        partition,
        index=index,
        rule=blocks.rule,
        compare=blocks.compare,
        fields=fields,
        parse_date=blocks.parse_date,
    )
    return map_in_arrow(columns, run, schema)


def _typo_sizes(index: int, blocks: RuleBlocks) -> DataFrame:
    from pyspark.sql import functions as F

    rows = _typo_rows(index, blocks, _typo_sizes_partition, _SIZES)
    return rows.agg(
        F.lit(index).cast("long").alias("rule"),
        F.coalesce(F.sum("pairs"), F.lit(0)).cast("long").alias("pairs"),
        F.coalesce(F.max("largest"), F.lit(0)).cast("long").alias("largest"),
        F.coalesce(F.sum("keys"), F.lit(0)).cast("long").alias("keys"),
        F.coalesce(F.sum("group_pairs"), F.lit(0)).cast("long").alias("group_pairs"),
    )


def _typo_across(index: int, blocks: RuleBlocks) -> DataFrame:
    from pyspark.sql import functions as F

    rows = _typo_rows(index, blocks, _typo_across_partition, _ACROSS)
    return rows.agg(
        F.lit(index).cast("long").alias("rule"),
        F.coalesce(F.sum("pairs"), F.lit(0)).cast("long").alias("pairs"),
    )


def rule_sizes(shuffled: Sequence[RuleBlocks], bound: int) -> list[RuleSize]:
    """Every rule's record pairs and largest block (or, with ``_typo`` keys, group), in one
    job for all rules; a ``_typo`` rule's pairs across its groups in a second one, only for the
    rules whose keys and pairs of groups are at most ``bound`` (the partitions hold the pairs of
    groups of their blocks while they count them)."""
    if not shuffled:
        return []
    frames = [_typo_sizes(n, b) if b.typo else _exact_sizes(n, b) for n, b in enumerate(shuffled)]
    rows = {int(row["rule"]): row for row in union_all(frames).collect()}
    sizes = [
        RuleSize(int(rows[n]["pairs"]), int(rows[n]["largest"]))
        if not blocks.typo
        else RuleSize(None, int(rows[n]["largest"]), int(rows[n]["keys"]), int(rows[n]["group_pairs"]))
        for n, blocks in enumerate(shuffled)
    ]
    sized = [
        n
        for n, size in enumerate(sizes)
        if size.keys is not None and size.keys <= bound and (size.group_pairs or 0) <= bound
    ]
    if sized:
        across = {
            int(row["rule"]): int(row["pairs"])
            for row in union_all([_typo_across(n, shuffled[n]) for n in sized]).collect()
        }
        for n in sized:
            within = int(rows[n]["pairs"])
            sizes[n] = RuleSize(within + across[n], sizes[n].largest, sizes[n].keys, sizes[n].group_pairs)
    return sizes
