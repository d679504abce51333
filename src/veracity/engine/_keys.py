"""Grouping records by a key check's key (``reads="key"``): for each record, whether it is the
first of its key in the whole data, and where that first record is (:class:`KeyMatch`).

Within one partition the grouping is one polars step over the partition (:func:`key_frame`).
Across partitions, :class:`KeyIndex` hashes every record's key in a pre-pass (8 bytes a
record), keeps the records whose hash occurs more than once, and in the main pass compares
those records' real keys with the keys seen in earlier partitions: exact, whatever the hash
collides on (a collision only makes a record a candidate, never a failure).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from veracity.checks.base import key_columns
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData

__all__ = ["KeyIndex", "key_frame", "key_hash"]

#: Fixed, so that the grouping, and any collision, is the same on every run and partition.
_HASH_SEED = 0x5EED


def key_hash(key: pl.Expr) -> pl.Expr:
    """64-bit hash of a key: equal keys, equal hashes; unequal keys rarely share one, and are
    then told apart by comparing the keys themselves."""
    return key.hash(_HASH_SEED)


def _repeated(hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> pl.Series | None:
    """Which of ``hashes`` occur more than once (a boolean mask), None when none does. Sorting
    the 8-byte hashes and comparing neighbours finds the repeated ones for a tenth of the CPU of
    ``is_duplicated``'s hash table (a million: about 0.01 s against 0.1 s); the mask is then a
    look-up in the few repeated values."""
    ordered = np.sort(hashes)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not twice.size:
        return None
    return pl.Series(hashes).is_in(pl.Series(np.unique(twice)).implode())


def key_frame(data: LoadedData, key: pl.Expr) -> pl.DataFrame:
    """The key columns (:func:`veracity.checks.base.key_columns`) of one whole partition,
    whose ``ROW_ID`` is each record's position.

    A record whose key hash occurs once has a key no other record has: it is the first of its
    key, and its own source and line are its first's. Only the records whose hash repeats are
    grouped, by their keys themselves (so a hash shared by two different keys only makes
    them candidates): most data has few repeated keys, and then no column of every record is
    gathered or grouped.
    """
    frame = data.frame
    names = key_columns(key)
    repeated = _repeated(frame.select(key_hash(key)).to_series().to_numpy())
    if repeated is None:
        return pl.DataFrame(
            [
                pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True).alias(names[0]),
                frame.get_column(SOURCE_COL).alias(names[1]),
                frame.get_column(LINE_COL).alias(names[2]),
            ]
        )
    candidates = frame.filter(repeated).select(
        pl.col(ROW_ID).alias("position"), pl.col(ROW_ID).min().over(key).alias("first")
    )
    later = candidates.filter(pl.col("first") != pl.col("position"))
    positions = later.get_column("position")
    firsts = later.get_column("first")
    # Copies: scatter writes in place, and the partition's own columns must stay as read.
    first = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True).scatter(positions, False)
    sources = frame.get_column(SOURCE_COL).clone()
    lines = frame.get_column(LINE_COL).clone()
    if positions.len():
        sources = sources.scatter(positions, sources.gather(firsts))
        lines = lines.scatter(positions, lines.gather(firsts))
    return pl.DataFrame([first.alias(names[0]), sources.alias(names[1]), lines.alias(names[2])])


class KeyIndex:
    """Exact key groups across partitions for one key expression.

    A record fails to be first when an earlier record (in source, then file order, whether or
    not a rule applies to it) has the same key. Records with a missing key part are never
    evaluated by a key check, so only complete keys are indexed.
    """

    def __init__(self, key: pl.Expr) -> None:
        self.key = key
        self.fields = list(dict.fromkeys(key.meta.root_names()))
        self._complete = pl.all_horizontal([pl.col(name).is_not_null() for name in self.fields])
        self._hashes: list[np.ndarray[Any, np.dtype[np.uint64]]] = []
        #: Global row ids fit in 32 bits, as ``ROW_ID`` does: 12 bytes a record with the hash.
        self._rows: list[np.ndarray[Any, np.dtype[np.uint32]]] = []
        #: Global row ids whose key hash occurs more than once, ascending.
        self._candidates = np.zeros(0, dtype=np.int64)
        #: The first record (source index, line) of each key seen among earlier candidates.
        self._seen: pl.DataFrame | None = None

    def hash(self, frame: pl.DataFrame, start: int) -> None:
        """Pre-pass: the key hash of every record of a partition with a complete key."""
        keyed = frame.filter(self._complete).select(
            key_hash(self.key).alias("hash"),
            (pl.col(ROW_ID).cast(pl.Int64) + start).cast(pl.UInt32).alias("row"),
        )
        self._hashes.append(keyed.get_column("hash").to_numpy())
        self._rows.append(keyed.get_column("row").to_numpy())

    def settle(self) -> None:
        """After the pre-pass: keep the rows that may have an equal key elsewhere."""
        hashes = np.concatenate(self._hashes) if self._hashes else np.zeros(0, dtype=np.uint64)
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.uint32)
        self._hashes, self._rows = [], []
        repeated = _repeated(hashes)
        candidates = np.zeros(0, dtype=np.uint32) if repeated is None else rows[repeated.to_numpy()]
        self._candidates = np.sort(candidates).astype(np.int64)

    def judge(self, frame: pl.DataFrame, start: int) -> list[pl.Series]:
        """Main pass, partitions in order: the key columns of a partition's records."""
        rows = frame.height
        first = np.ones(rows, dtype=np.bool_)
        # Copies: scatter writes in place, and the partition's own columns must stay as read.
        sources = frame.get_column(SOURCE_COL).clone()
        lines = frame.get_column(LINE_COL).clone()
        low, high = np.searchsorted(self._candidates, [start, start + rows])
        local = self._candidates[low:high] - start
        if local.size:
            origin = pl.struct(pl.col(SOURCE_COL).alias("source"), pl.col(LINE_COL).alias("line"))
            picked = (
                frame[local]
                .select(self.key.alias("key"), pl.col(SOURCE_COL), pl.col(LINE_COL))
                .with_columns(
                    pl.Series("position", local),
                    pl.col("key").is_first_distinct().alias("new"),
                    origin.first().over("key").alias("first"),
                )
            )
            if self._seen is not None:
                picked = picked.join(self._seen, on="key", how="left", maintain_order="left")
            else:
                picked = picked.with_columns(pl.lit(None, dtype=picked.schema["first"]).alias("earlier"))
            seen_before = pl.col("earlier").is_not_null()
            original = pl.when(seen_before).then(pl.col("earlier")).otherwise(pl.col("first"))
            failing = picked.filter(seen_before | ~pl.col("new")).select(
                "position",
                original.struct.field("source").alias("source"),
                original.struct.field("line").alias("line"),
            )
            positions = failing.get_column("position").to_numpy()
            first[positions] = False
            sources = sources.scatter(positions, failing.get_column("source"))
            lines = lines.scatter(positions, failing.get_column("line"))
            novel = picked.filter(~seen_before & pl.col("new")).select(
                "key", pl.col("first").alias("earlier")
            )
            self._seen = novel if self._seen is None else pl.concat([self._seen, novel])
        names = key_columns(self.key)
        return [pl.Series(names[0], first), sources.alias(names[1]), lines.alias(names[2])]
