"""Candidate pairs one block at a time: what a worker computes for the records of one block.

A distributed run cannot hold every record in one place; it can group the records by a
blocking rule's key (a shuffle) and hand each group to a worker. This module is what the
worker runs, and it gives the same pairs as :func:`~veracity.linkage.blocking.candidate_pairs`
over all records, each pair once:

- :func:`block_keys` names the blocks of a rule each record joins by the key's *values*, not
  by codes (codes depend on the records encoded together, values do not), so that records of
  different partitions meet in one group. A rule with ``_typo`` keys puts a record in one block
  per combination of its keys' variants (:func:`~veracity.linkage.typo.variant_hashes`).
- :func:`block_pairs` makes the pairs of the blocks a worker holds from their members
  (:func:`member_pairs`: the records sharing a held block), each checked to share every key
  (a hash shared by two keys' values pairs nothing). Whether an earlier rule yields a pair
  depends on the two records alone, so each earlier rule is asked of each pair (do the two
  share all its keys?), as the local blocking decides it over all records. A pair that shares
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

from veracity.linkage.blocking import BlockingKey, key_values
from veracity.linkage.encoding import Encoded, RecordValues
from veracity.linkage.features import Feature, pair_levels
from veracity.linkage.model import pattern_codes
from veracity.linkage.typo import variant_hashes

__all__ = [
    "BLOCK",
    "GROUP",
    "POSITION",
    "BlockPairs",
    "block_keys",
    "block_pairs",
    "canonical_blocks",
    "member_pairs",
    "pattern_counts",
]

Index = npt.NDArray[np.int64]

#: Columns of :func:`block_keys`: the record's position among the records given, its block.
POSITION = "position"
BLOCK = "block"
GROUP = "group"
_SEED = 0xB10C


class _Keys:
    """The keys of the records given, each worked out once: codes, texts and variant rows."""

    def __init__(self, values: RecordValues, features: Mapping[str, Feature]) -> None:
        self.values, self.features = values, features
        self._encoded: dict[str, Encoded] = {}
        self._rows: dict[str, pl.DataFrame] = {}

    def encoded(self, key: BlockingKey) -> Encoded:
        if key.name not in self._encoded:
            self._encoded[key.name] = key_values(key, self.values, self.features)
        return self._encoded[key.name]

    def rows(self, key: BlockingKey) -> pl.DataFrame:
        """(position, value, text) rows of the records that have the key: ``value`` the key's
        text, or for a ``_typo`` key one row per variant hash; ``text`` the key's text."""
        if key.name not in self._rows:
            encoded = self.encoded(key)
            present = np.flatnonzero(encoded.codes >= 0)
            rows = pl.DataFrame(
                {POSITION: present, "code": encoded.codes[present]},
                schema=[(POSITION, pl.Int64), ("code", pl.Int64)],
            )
            text = encoded.values.cast(pl.String)
            if key.transform == "typo":
                variants = variant_hashes(encoded.values).rename({"value": "code"})
                found = rows.join(variants, on="code", how="inner").select(
                    POSITION,
                    pl.col("variant").alias("value"),
                    pl.lit(text).gather(pl.col("code")).alias("text"),
                )
            else:
                shown = text.gather(encoded.codes[present])
                found = rows.select(POSITION, shown.alias("value"), shown.alias("text"))
            self._rows[key.name] = found
        return self._rows[key.name]

    def shared(self, rule: Sequence[BlockingKey], left: Index, right: Index) -> pl.DataFrame:
        """Per pair (``k0``, ``k1``, ...: one column per key of ``rule``) what its two records
        share: for a ``_typo`` key the smallest variant hash both have, for any other key the
        value; null where they share none. A pair shares a block of the rule where no column is
        null, and that block (:func:`_block_of` of the columns) is its canonical one."""
        columns = []
        for k, key in enumerate(rule):
            if key.transform == "typo":
                rows = self.rows(key).select(POSITION, "value")
                pairs = pl.DataFrame({"pair": np.arange(left.size), "a": left, "b": right})
                by_a = pairs.join(rows.rename({POSITION: "a"}), on="a")
                smallest = (
                    by_a.join(rows.rename({POSITION: "b"}), on=["b", "value"], how="semi")
                    .group_by("pair")
                    .agg(pl.col("value").min())
                )
                value = (
                    pairs.select("pair")
                    .join(smallest, on="pair", how="left")
                    .sort("pair")
                    .get_column("value")
                )
            else:
                encoded = self.encoded(key)
                a, b = encoded.codes[left], encoded.codes[right]
                same = (a >= 0) & (a == b)
                text = encoded.values.cast(pl.String)
                value = (
                    pl.select(pl.when(pl.Series(same)).then(text.gather(np.where(same, a, 0)))).to_series()
                    if same.any()
                    else pl.Series(values=[None] * left.size, dtype=pl.String)
                )
            columns.append(value.alias(f"k{k}"))
        return pl.DataFrame(columns)

    def canonical(self, rule: Sequence[BlockingKey], left: Index, right: Index) -> pl.Series:
        """The canonical block of each pair (UInt64; null where the two share no block)."""
        together = pl.all_horizontal(pl.all().is_not_null())
        return self.shared(rule, left, right).select(pl.when(together).then(_block_of(len(rule)))).to_series()

    def share(self, rule: Sequence[BlockingKey], left: Index, right: Index) -> npt.NDArray[np.bool_]:
        """Whether each pair shares a block of ``rule`` (every key equal, each ``_typo`` key
        sharing a variant): whether the rule pairs the two records."""
        if all(key.transform != "typo" for key in rule):
            together = np.ones(left.size, dtype=bool)
            for key in rule:
                codes = self.encoded(key).codes
                together &= (codes[left] >= 0) & (codes[left] == codes[right])
            return together
        return self.canonical(rule, left, right).is_not_null().to_numpy()


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
    return _block_keys(rule, _Keys(values, features))


def _block_keys(rule: Sequence[BlockingKey], keys: _Keys) -> pl.DataFrame:
    frame: pl.DataFrame | None = None
    for k, key in enumerate(rule):
        rows = keys.rows(key).rename({"value": f"k{k}", "text": f"t{k}"})
        frame = rows if frame is None else frame.join(rows, on=POSITION, how="inner")
    assert frame is not None
    group = pl.struct([f"t{k}" for k in range(len(rule))]).hash(seed=_SEED).alias(GROUP)
    return frame.select(POSITION, _block_of(len(rule)), group).unique(maintain_order=True)


def canonical_blocks(
    rule: Sequence[BlockingKey],
    left: Index,
    right: Index,
    values: RecordValues,
    features: Mapping[str, Feature],
) -> pl.Series:
    """The canonical block of each pair of ``values``' records under ``rule`` (UInt64, the
    block :func:`block_keys` names; null where the two share no block): the one block, of all
    those the two share, where a worker counts the pair."""
    return _Keys(values, features).canonical(rule, left, right)


@dataclass(frozen=True)
class BlockPairs:
    """The pairs a rule adds in some of its blocks, and what they count towards its stats."""

    #: Positions of the pairs no earlier rule yields, ``left < right``.
    left: Index
    right: Index
    #: The rule's pairs in these blocks, earlier rules' pairs included: over all blocks they add
    #: up to :attr:`~veracity.linkage.blocking.BlockingStats.pairs`.
    rule_pairs: int


def member_pairs(members: pl.DataFrame) -> tuple[Index, Index]:
    """Every pair of ``members`` (``position``, ``block`` rows) that share a block, once however
    many they share, ``left < right``, in order: the pairs a worker's blocks can make."""
    pairs = (
        members.select(POSITION, BLOCK)
        .join(members.select(pl.col(POSITION).alias("right"), BLOCK), on=BLOCK)
        .filter(pl.col(POSITION) < pl.col("right"))
        .select(pl.col(POSITION).alias("left"), "right")
        .unique()
        .sort("left", "right")
    )
    return pairs.get_column("left").to_numpy(), pairs.get_column("right").to_numpy()


def block_pairs(
    rules: Sequence[Sequence[BlockingKey]],
    index: int,
    blocks: npt.NDArray[np.uint64],
    values: RecordValues,
    features: Mapping[str, Feature],
    *,
    candidates: tuple[Index, Index] | None = None,
) -> BlockPairs:
    """The pairs that rule ``index`` adds to the earlier rules among ``values``' records: the
    records of ``blocks`` (groups of :func:`block_keys`; a record of several of them given
    once). A pair is kept where its canonical block is one of ``blocks``: over all groups of all
    rules every candidate pair comes once.

    ``candidates`` are the pairs of records sharing a held block (:func:`member_pairs` of the
    members a shuffle by block brings); ``values`` then need hold only those pairs' records.
    Without them, the held blocks are worked out from ``values``. The work follows the pairs,
    not the records: a ``_typo`` rule's records join blocks held elsewhere too, and an earlier
    rule is asked of each pair (does it pair these two records?) instead of making all of its
    own pairs among the records.
    """
    rule = rules[index]
    keys = _Keys(values, features)
    held = pl.Series(blocks, dtype=pl.UInt64)
    if candidates is None:
        candidates = member_pairs(_block_keys(rule, keys).filter(pl.col(BLOCK).is_in(held)))
    left, right = candidates
    # Two blocks' key values sharing a hash would pair records that share no key: their
    # canonical block is null, and they are dropped here.
    keep = keys.canonical(rule, left, right).is_in(held).fill_null(False).to_numpy()
    left, right = left[keep], right[keep]
    new = np.ones(left.size, dtype=bool)
    for earlier in rules[:index]:
        if new.any():
            new[new] = ~keys.share(earlier, left[new], right[new])
    return BlockPairs(left[new], right[new], int(left.size))


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
