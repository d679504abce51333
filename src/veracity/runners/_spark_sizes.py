"""What each blocking rule would compare on Spark, before any pair exists: the figures the local
blocking refuses a rule on (:mod:`veracity.linkage.blocking`), counted on the shuffled records
of :func:`._spark_blocks.shuffle_rules`.

The records are partitioned by block already, so nothing here shuffles them again:

- a rule of exact keys: the block sizes, counted by Spark per block;
- a ``_typo`` rule: one Python pass per partition of blocks. Every record of a group (the
  records with the same values of all keys) joins the same blocks, so a block's rows of a group
  are the whole group: its size. A group is counted once, where its smallest block is held; a
  pair of groups sharing a block once, where its canonical block is held
  (:func:`veracity.linkage.blocks.canonical_blocks`), as the pairs themselves are made later.
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
from veracity.runners._spark_blocks import BLOCK_COLUMN, GROUP_COLUMN, ROW, RuleBlocks, union_all

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


@dataclass(frozen=True)
class _Entries:
    """A partition of a ``_typo`` rule's blocks as (block, group) entries with the group's
    ``size`` (its records) and ``rep`` (the position among ``records`` of one record that
    stands for the group: its keys name all the group's blocks)."""

    entries: pl.DataFrame
    records: pl.DataFrame
    #: The blocks the partition holds (UInt64).
    held: pl.Series


def _entries(batches: Iterator[Any], fields: Sequence[str]) -> _Entries | None:
    import pyarrow as pa

    given = list(batches)
    table = pa.Table.from_batches(given) if given else None
    if table is None or not table.num_rows:
        return None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.with_columns(
        # Spark has no unsigned 64-bit integers: the block hash came as a signed one, bit for bit.
        pl.col(BLOCK_COLUMN).cast(pl.Int64).reinterpret(signed=False),
        pl.col(GROUP_COLUMN).cast(pl.Int64),
        pl.col(ROW).cast(pl.Int64),
    )
    entries = frame.group_by(BLOCK_COLUMN, GROUP_COLUMN).agg(pl.len().cast(pl.Int64).alias("size"))
    reps = frame.group_by(GROUP_COLUMN).agg(pl.col(ROW).min().alias("rep"))
    records = (
        frame.join(reps.select(pl.col("rep").alias(ROW)), on=ROW, how="semi")
        .unique(ROW)
        .sort(ROW)
        .select(ROW, *(pl.col(name).cast(pl.String) for name in fields))
    )
    entries = entries.join(reps, on=GROUP_COLUMN)
    position = np.searchsorted(records.get_column(ROW).to_numpy(), entries.get_column("rep").to_numpy())
    return _Entries(
        entries.with_columns(pl.Series("rep", position, dtype=pl.Int64)),
        records,
        entries.get_column(BLOCK_COLUMN).unique(),
    )


def _prepared(
    records: pl.DataFrame, rule: Sequence[BlockingKey], compare: Sequence[Comparison], parse_date: DateParser
) -> tuple[RecordValues, dict[str, Any]]:
    from veracity.linkage.features import prepare_feature

    values = RecordValues(records, parse_date)
    keyed = {key.field for key in rule}
    # The keys of a compared field are its comparable values (the comparison's own preparation).
    return values, {spec.field: prepare_feature(spec, values) for spec in compare if spec.field in keyed}


def _typo_sizes_partition(
    batches: Iterator[Any],
    *,
    index: int,
    rule: Sequence[BlockingKey],
    compare: Sequence[Comparison],
    fields: Sequence[str],
    parse_date: DateParser,
) -> Iterator[Any]:
    """The partition's part of a ``_typo`` rule's figures, in one row: its (block, group)
    entries (``keys``), the pairs of groups in each held block (``group_pairs``), its largest
    group, and the record pairs within the groups whose smallest block it holds."""
    from veracity.linkage.blocks import BLOCK, POSITION, block_keys

    found = _entries(batches, fields)
    if found is None:
        return
    entries = found.entries
    per_block = entries.group_by(BLOCK_COLUMN).agg(pl.len().cast(pl.Int64).alias("n"))
    group_pairs = int(per_block.select((pl.col("n") * (pl.col("n") - 1) // 2).sum()).item())
    values, features = _prepared(found.records, rule, compare, parse_date)
    least = block_keys(rule, values, features).group_by(POSITION).agg(pl.col(BLOCK).min().alias("least"))
    groups = entries.group_by(GROUP_COLUMN).agg(
        pl.col("size").first(), pl.col("rep").first(), pl.col(BLOCK_COLUMN).min().alias("least_held")
    )
    # A group is counted where its smallest block is: held here when it is the least held here.
    counted = groups.join(least, left_on="rep", right_on=POSITION).filter(
        pl.col("least") == pl.col("least_held")
    )
    within = int(counted.select((pl.col("size") * (pl.col("size") - 1) // 2).sum()).item())
    out = pl.DataFrame(
        {
            "rule": [index],
            "pairs": [within],
            "largest": [int(entries.get_column("size").max() or 0)],  # type: ignore[arg-type]
            "keys": [entries.height],
            "group_pairs": [group_pairs],
        },
        schema=dict.fromkeys(("rule", "pairs", "largest", "keys", "group_pairs"), pl.Int64),
    )
    yield from out.to_arrow().to_batches()


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

    found = _entries(batches, fields)
    if found is None:
        return
    entries = found.entries.select(BLOCK_COLUMN, GROUP_COLUMN, "size", "rep")
    paired = (
        entries.join(entries, on=BLOCK_COLUMN, suffix="_b")
        .filter(pl.col(GROUP_COLUMN) < pl.col(f"{GROUP_COLUMN}_b"))
        .unique([GROUP_COLUMN, f"{GROUP_COLUMN}_b"])
    )
    values, features = _prepared(found.records, rule, compare, parse_date)
    canonical = canonical_blocks(
        rule, paired.get_column("rep").to_numpy(), paired.get_column("rep_b").to_numpy(), values, features
    )
    held = canonical.is_in(found.held).fill_null(False)
    across = int(paired.filter(held).select((pl.col("size") * pl.col("size_b")).sum()).item())
    out = pl.DataFrame({"rule": [index], "pairs": [across]}, schema={"rule": pl.Int64, "pairs": pl.Int64})
    yield from out.to_arrow().to_batches()


def _fields_of_keys(rule: Sequence[BlockingKey], compare: Sequence[Comparison]) -> list[str]:
    """The fields a rule's keys are worked out from: theirs, and those their comparisons read."""
    from veracity.linkage.pipeline import fields_read

    keyed = {key.field for key in rule}
    return fields_read([spec for spec in compare if spec.field in keyed], [rule])[1]


def _typo_rows(index: int, blocks: RuleBlocks, partition: Any, schema: str) -> DataFrame:
    """A ``_typo`` rule's partitions' rows, run by ``partition`` on the columns it reads."""
    fields = _fields_of_keys(blocks.rule, blocks.compare)
    columns = blocks.blocks.select(ROW, BLOCK_COLUMN, GROUP_COLUMN, *(f"`{name}`" for name in fields))
    run = functools.partial(
        partition,
        index=index,
        rule=blocks.rule,
        compare=blocks.compare,
        fields=fields,
        parse_date=blocks.parse_date,
    )
    return columns.mapInArrow(run, schema)


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
