"""Blocking keys that survive a typo: ``<field>_typo``, the one-edit neighbourhood of a value.

Every two values one edit apart (one letter inserted, deleted or replaced, or two neighbouring
letters swapped) share a *variant*: the value itself or the value with one letter deleted
("schmidt" and "schmitt" share "schmit"; "jacob" and "jakob" share "jaob"). So do a few values
two edits apart ("abc" and "bca" share "bc"): two values share a variant exactly when deleting
at most one letter from each makes them equal. A ``_typo`` key gives every record all the
variants of its value, and two records share the key when any of their variants agree. A rule
of several keys, some of them ``_typo`` keys, pairs records that agree on every key, each
``_typo`` key to within one edit: a duplicate with one typo in every one of the rule's fields
is still compared.

The work is done on *groups*, the records with the same values of all the rule's keys:
variants are made once per distinct value, blocks pair groups (never records), and only
then is each pair of groups expanded to its records. The pair count is exact before any
record pair exists, so a rule that would flood memory is refused up front, as any other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.linkage.encoding import dense

__all__ = [
    "GroupPairs",
    "TooManyVariants",
    "deletion_variants",
    "group_pairs",
    "record_pairs",
    "variant_hashes",
]

Index = npt.NDArray[np.int64]

#: Block codes above this are re-numbered before the next key multiplies them (by the number of
#: distinct values or variants, below 2**30 even for a billion variants, so the product stays
#: below 2**63).
_RENUMBER_ABOVE = 2**32


def deletion_variants(values: pl.Series) -> tuple[Index, Index]:
    """For each distinct value (by position in ``values``), its variants: the value and the
    value with one character deleted. Returns (value position, variant code) rows, one per
    distinct variant of a value. Variant codes are dense codes of a 64-bit hash of the
    variant's text: a collision would only add a candidate pair, which the model then judges."""
    frame = variant_hashes(values)
    codes, _ = dense(frame.get_column("variant").to_numpy())
    return frame.get_column("value").to_numpy(), codes


def variant_hashes(values: pl.Series) -> pl.DataFrame:
    """``value`` (position in ``values``) and ``variant`` (64-bit hash of the value or of the
    value with one character deleted), one row per distinct variant of a value: the same
    text has the same hash wherever it is computed."""
    return (
        values.cast(pl.String)
        .to_frame("v")
        .with_row_index("value")
        .filter(pl.col("v").is_not_null())
        .with_columns(pl.int_ranges(0, pl.col("v").str.len_chars() + 1).alias("cut"))
        .explode("cut")
        .select(
            pl.col("value").cast(pl.Int64),
            pl.concat_str([pl.col("v").str.slice(0, pl.col("cut")), pl.col("v").str.slice(pl.col("cut") + 1)])
            .hash(seed=0x7E57)
            .alias("variant"),
        )
        .unique(maintain_order=True)
    )


class GroupPairs:
    """Records grouped by their values of all of a rule's keys, and the pairs of different
    groups that share a block (every key equal, each ``_typo`` key to within one edit)."""

    def __init__(self, group: Index, first: Index, low: Index, high: Index) -> None:
        #: Group of each record (-1 where a key is missing), and each group's first record.
        self.group = group
        self.first = first
        #: Pairs of distinct groups, ``low < high``, each once.
        self.low = low
        self.high = high
        self.sizes = np.bincount(group[group >= 0], minlength=first.size).astype(np.int64)

    def pair_count(self) -> int:
        """Record pairs: within each group, and across each pair of groups."""
        within = int(np.sum(self.sizes * (self.sizes - 1) // 2))
        return within + int(np.sum(self.sizes[self.low] * self.sizes[self.high]))

    def largest_group(self) -> int:
        return int(self.sizes.max(initial=0))


class TooManyVariants(Exception):
    """A rule's groups times their keys' variants would be more rows than allowed."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def group_pairs(
    codes: Sequence[Index], variants: Sequence[tuple[Index, Index] | None], bound: int
) -> GroupPairs:
    """Groups of the records by ``codes`` (one array of value codes per key, -1 missing) and
    the pairs of groups sharing a block, where ``variants[k]`` (value code -> variant code
    rows) replaces key k's value by its variants. Raises :class:`TooManyVariants` when the
    rows of groups and variants would be more than ``bound`` (before they are built: a row
    takes the memory of a pair, and two ``_typo`` keys of common names multiply), and
    :class:`OverflowError` with the count when the blocks would pair more than ``bound``
    pairs of groups (before they exist)."""
    missing = np.logical_or.reduce([code < 0 for code in codes])
    present = np.flatnonzero(~missing)
    group = np.full(missing.size, -1, dtype=np.int64)
    empty = np.empty(0, dtype=np.int64)
    if present.size == 0:
        return GroupPairs(group, empty, empty, empty)
    packed = pl.DataFrame({f"k{k}": code[present] for k, code in enumerate(codes)})
    inverse, first = dense(packed.select(pl.struct(pl.all()).hash(seed=11)).to_series().to_numpy())
    group[present] = inverse
    first = present[first]
    rows = np.ones(first.size, dtype=np.float64)
    for code, table in zip(codes, variants, strict=True):
        if table is not None:
            per_value = np.bincount(table[0], minlength=int(code.max(initial=0)) + 1)
            rows *= per_value[code[first]]
    if float(rows.sum()) > bound:
        raise TooManyVariants(int(rows.sum()))
    # One row per group and combination of its keys' variants, the block as one integer code.
    # Exact keys go first; a row alone in its block after any key stays alone (blocks only
    # split as keys are added), so such rows are dropped before the next key multiplies them.
    order = sorted(range(len(codes)), key=lambda k: variants[k] is not None)
    members = np.arange(first.size, dtype=np.int64)
    block = np.zeros(first.size, dtype=np.int64)
    for k in order:
        values = codes[k][first]
        table = variants[k]
        if table is None:
            block = block * (int(values.max(initial=0)) + 1) + values[members]
        else:
            joined = (
                pl.DataFrame({"member": members, "block": block, "key": values[members]})
                .join(pl.DataFrame({"key": table[0], "variant": table[1]}), on="key", how="inner")
                .select("member", "block", "variant")
            )
            members = joined.get_column("member").to_numpy()
            width = int(table[1].max(initial=0)) + 1
            block = joined.get_column("block").to_numpy() * width + joined.get_column("variant").to_numpy()
        members, block = _shared(members, block)
        if block.size and int(block.max()) > _RENUMBER_ABOVE:
            # Re-numbered densely so that the next key's multiplication cannot overflow.
            block = dense(block)[0]
    starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1]))) if block.size else empty
    sizes = np.diff(np.append(starts, block.size))
    count = int(np.sum(sizes * (sizes - 1) // 2))
    if count > bound:
        raise OverflowError(count)
    low, high = _within_blocks(members, sizes)
    key = np.unique(np.minimum(low, high) * first.size + np.maximum(low, high))
    return GroupPairs(group, first, key // first.size, key % first.size)


def _shared(members: Index, block: Index) -> tuple[Index, Index]:
    """The entries whose block has other entries too, ordered by block (polars sorts
    multi-threaded)."""
    order = pl.Series(block).arg_sort().to_numpy()
    block, members = block[order], members[order]
    shared = np.zeros(block.size, dtype=bool)
    same = block[1:] == block[:-1]
    shared[1:] |= same
    shared[:-1] |= same
    return members[shared], block[shared]


def _within_blocks(members: Index, sizes: Index) -> tuple[Index, Index]:
    """Every pair of entries i < j within each block (blocks are consecutive runs)."""
    if members.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    ends = np.repeat(np.cumsum(sizes), sizes)
    positions = np.arange(members.size, dtype=np.int64)
    after = ends - positions - 1
    first = np.repeat(positions, after)
    partner = np.arange(first.size, dtype=np.int64) - np.repeat(np.cumsum(after) - after, after) + first + 1
    return members[first], members[partner]


def record_pairs(groups: GroupPairs) -> tuple[Index, Index]:
    """The record pairs of ``groups`` as positions, ``left < right``: every two records of a
    group, and every record of one group with every record of a paired group."""
    by_group = np.argsort(groups.group, kind="stable")[np.count_nonzero(groups.group < 0) :]
    starts = np.concatenate(([0], np.cumsum(groups.sizes)[:-1])).astype(np.int64)
    within = _within_blocks(by_group, groups.sizes)
    size_low, size_high = groups.sizes[groups.low], groups.sizes[groups.high]
    count = size_low * size_high
    pair = np.repeat(np.arange(count.size, dtype=np.int64), count)
    offset = np.arange(pair.size, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    left = by_group[starts[groups.low[pair]] + offset // size_high[pair]]
    right = by_group[starts[groups.high[pair]] + offset % size_high[pair]]
    left, right = np.concatenate([within[0], left]), np.concatenate([within[1], right])
    return np.minimum(left, right), np.maximum(left, right)
