"""Candidate pairs one block at a time: what a worker computes for the records of one block.

A distributed run cannot hold every record in one place; it can group the records by a
blocking rule's key (a shuffle) and hand each group to a worker. This module is what the
worker runs, and it gives the same pairs as :func:`~veracity.linkage.blocking.candidate_pairs`
over all records, each pair once:

- :func:`block_keys` names the blocks of a rule each record joins by the key's *values*, not
  by codes (codes depend on the records encoded together, values do not), so that records of
  different partitions meet in one group. A rule with ``_typo`` keys puts a record in one block
  per combination of its keys' variants (:func:`~veracity.linkage.typo.variant_hashes`).
- :func:`block_pairs` makes the pairs of one group's records with the local blocking itself:
  whether an earlier rule yields a pair depends on the two records alone, so the earlier rules
  run over the group's records decide it as they would over all records. A pair that shares
  several blocks of a ``_typo`` rule is kept only in its *canonical* block (for each ``_typo``
  key, the smallest variant hash the two records share).
- :func:`pattern_counts` reduces the pairs to counts of comparison patterns, which add up over
  blocks to what :func:`~veracity.linkage.model.patterns_of` counts over all pairs.

Levels do not depend on which records were encoded together: every feature compares values
(equal codes mean equal values; similarities are computed from the values), never codes across
two encodings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.linkage.blocking import BlockingKey, candidate_pairs, key_values
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import Feature, pair_levels
from veracity.linkage.model import pattern_codes
from veracity.linkage.typo import variant_hashes

__all__ = ["BLOCK", "GROUP", "POSITION", "BlockPairs", "block_keys", "block_pairs", "pattern_counts"]

Index = npt.NDArray[np.int64]

#: Columns of :func:`block_keys`: the record's position among the records given, its block.
POSITION = "position"
BLOCK = "block"
GROUP = "group"
_SEED = 0xB10C


def _key_rows(key: BlockingKey, values: RecordValues, features: Mapping[str, Feature]) -> pl.DataFrame:
    """(position, value, text) rows of the records that have the key: ``value`` the key's text,
    or for a ``_typo`` key one row per variant hash; ``text`` the key's text."""
    encoded = key_values(key, values, features)
    present = np.flatnonzero(encoded.codes >= 0)
    rows = pl.DataFrame(
        {POSITION: present, "code": encoded.codes[present]}, schema=[(POSITION, pl.Int64), ("code", pl.Int64)]
    )
    text = encoded.values.cast(pl.String)
    if key.transform == "typo":
        variants = variant_hashes(encoded.values).rename({"value": "code"})
        return rows.join(variants, on="code", how="inner").select(
            POSITION, pl.col("variant").alias("value"), pl.lit(text).gather(pl.col("code")).alias("text")
        )
    shown = text.gather(encoded.codes[present])
    return rows.select(POSITION, shown.alias("value"), shown.alias("text"))


def _block_of(width: int) -> pl.Expr:
    return pl.struct([f"k{k}" for k in range(width)]).hash(seed=_SEED).alias(BLOCK)


def block_keys(
    rule: Sequence[BlockingKey], values: RecordValues, features: Mapping[str, Feature]
) -> pl.DataFrame:
    """Every block of ``rule`` each record joins: ``position`` (Int64), ``block`` (UInt64, a
    hash of the key values; records with a key missing join none) and ``group`` (UInt64, a
    hash of the key texts: records with the same values of all keys, which a ``_typo`` rule
    pairs as one). Two keys' values sharing a hash would only put two blocks into one group,
    whose pairs :func:`block_pairs` tells apart."""
    frame: pl.DataFrame | None = None
    for k, key in enumerate(rule):
        rows = _key_rows(key, values, features).rename({"value": f"k{k}", "text": f"t{k}"})
        frame = rows if frame is None else frame.join(rows, on=POSITION, how="inner")
    assert frame is not None
    group = pl.struct([f"t{k}" for k in range(len(rule))]).hash(seed=_SEED).alias(GROUP)
    return frame.select(POSITION, _block_of(len(rule)), group).unique(maintain_order=True)


@dataclass(frozen=True)
class BlockPairs:
    """The pairs a rule adds in some of its blocks, and what they count towards its stats."""

    #: Positions of the pairs no earlier rule yields, ``left < right``.
    left: Index
    right: Index
    #: The rule's pairs in these blocks, earlier rules' pairs included: over all blocks they add
    #: up to :attr:`~veracity.linkage.blocking.BlockingStats.pairs`.
    rule_pairs: int


def block_pairs(
    rules: Sequence[Sequence[BlockingKey]],
    index: int,
    blocks: npt.NDArray[np.uint64],
    values: RecordValues,
    features: Mapping[str, Feature],
) -> BlockPairs:
    """The pairs that rule ``index`` adds to the earlier rules among ``values``' records: the
    records of ``blocks`` (groups of :func:`block_keys`; a record of several of them given
    once). A pair is kept where its canonical block is one of ``blocks``: over all groups of all
    rules every candidate pair comes once."""
    unlimited = int(np.iinfo(np.int64).max)
    found = candidate_pairs(rules[: index + 1], values, features, max_pairs=unlimited)
    added = found.stats[-1].new_pairs
    left, right = found.left[found.left.size - added :], found.right[found.right.size - added :]
    rule = rules[index]
    if not any(key.transform == "typo" for key in rule):
        # Blocks of exact keys do not overlap: the records given hold whole blocks only.
        return BlockPairs(left, right, found.stats[-1].pairs)
    keep = np.isin(_canonical(rule, left, right, values, features), blocks)
    own = candidate_pairs([rule], values, features, max_pairs=unlimited)
    rule_pairs = int(
        np.count_nonzero(np.isin(_canonical(rule, own.left, own.right, values, features), blocks))
    )
    return BlockPairs(left[keep], right[keep], rule_pairs)


def _canonical(
    rule: Sequence[BlockingKey],
    left: Index,
    right: Index,
    values: RecordValues,
    features: Mapping[str, Feature],
) -> npt.NDArray[np.uint64]:
    """The block of each pair of the rule: for a ``_typo`` key the smallest variant hash the
    two records share, for any other key the value they share."""
    pairs = pl.DataFrame({"pair": np.arange(left.size), "a": left, "b": right})
    columns = []
    for k, key in enumerate(rule):
        rows = _key_rows(key, values, features).drop("text")
        by_a = pairs.join(rows.rename({POSITION: "a"}), on="a")
        shared = (
            by_a.join(rows.rename({POSITION: "b"}), on=["b", "value"], how="semi")
            .group_by("pair")
            .agg(pl.col("value").min())
            if key.transform == "typo"
            else by_a.select("pair", "value")
        )
        value = pairs.select("pair").join(shared, on="pair", how="left").sort("pair").get_column("value")
        columns.append(value.alias(f"k{k}"))
    return pl.DataFrame(columns).select(_block_of(len(rule))).to_series().to_numpy()


def pattern_counts(features: Sequence[Feature], left: Index, right: Index) -> pl.DataFrame:
    """``pattern`` (the code :func:`~veracity.linkage.model.pattern_codes` gives the pairs'
    levels) and ``pairs`` (how many pairs have it): integers that add up over blocks."""
    levels = pair_levels(features, left, right)
    codes = pattern_codes(levels, [feature.level_count for feature in features])
    return (
        pl.DataFrame({"pattern": codes}, schema=[("pattern", pl.Int64)])
        .group_by("pattern")
        .agg(pl.len().cast(pl.Int64).alias("pairs"))
        .sort("pattern")
    )
