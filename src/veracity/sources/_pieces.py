"""What a chunked reader of one source yields, and the interface every such reader has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from veracity.sources._lines import Ints
from veracity.sources.base import PositionKind

__all__ = ["Piece", "Reader"]


@dataclass
class Piece:
    frame: pl.DataFrame  # the requested columns, String, named as in the source
    positions: Ints  # LINE_COL of each row
    #: Every value is ASCII: none can start with a non-ASCII whitespace character (see
    #: ``_chunks.blanks_to_null``).
    ascii: bool = False


class Reader:
    """One source's records, read ``chunk_rows`` at a time; shape known before any read."""

    names: list[str]
    original_types: list[str]
    rows: int
    position_kind: PositionKind

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        """The chunks in order, with the columns at ``columns`` (at least one)."""
        raise NotImplementedError
