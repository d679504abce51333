"""What every file kind shares: reading the bytes (or standard input's), the fingerprint, and
the whole-file read as one piece (or sliced, for a file that cannot be streamed)."""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from veracity.sources._input import read_file
from veracity.sources._lines import Ints
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import Table, empty_file
from veracity.sources.base import PositionKind, ReadOptions, SourceSpec
from veracity.sources.registry import OpenContext, Opened, SourceKind

__all__ = ["FileKind", "WholeReader"]


class WholeReader(Reader):
    """A source read whole: one piece, or slices of ``chunk_rows`` records of it."""

    def __init__(
        self,
        frame: pl.DataFrame,
        positions: Ints,
        original_types: list[str],
        kind: PositionKind,
        chunk_rows: int | None,
        ascii: bool = False,
    ) -> None:
        self._frame = frame
        self._ascii = ascii
        self._positions = positions
        self._chunk_rows = chunk_rows
        self.names = list(frame.columns)
        self.original_types = original_types
        self.rows = frame.height
        self.position_kind = kind

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        names = [self.names[i] for i in columns]
        if self._chunk_rows is None:
            # The whole-frame read: one piece, even of no rows.
            yield Piece(self._frame.select(names), self._positions, self._ascii)
            return
        for start in range(0, self.rows, self._chunk_rows):
            stop = min(start + self._chunk_rows, self.rows)
            yield Piece(
                self._frame.select(names).slice(start, stop - start), self._positions[start:stop], self._ascii
            )


class FileKind(SourceKind):
    """A kind read from bytes: a file, a named pipe or standard input."""

    @abstractmethod
    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        """The whole content as String columns; one-line ``SourceError`` when unusable."""

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        raw = read_file(spec.path, context.base_dir)
        return self.open_bytes(raw, spec.read, spec.path, context.chunk_rows)

    def open_bytes(self, raw: bytes, options: ReadOptions, display: str, chunk_rows: int | None) -> Opened:
        # (isspace is strip() without the copy: the same ASCII whitespace, and it stops early.)
        if not raw or raw.isspace():
            raise empty_file(display)
        # The fingerprint is computed beside the parsing: hashlib releases the GIL.
        with ThreadPoolExecutor(max_workers=1) as hasher:
            digest = hasher.submit(lambda: hashlib.sha256(raw).hexdigest())
            table = self.read(raw, options, display)
        reader = WholeReader(
            table.frame, table.positions, table.original_types, table.position_kind, chunk_rows, table.ascii
        )
        return Opened(
            reader=reader,
            format=self.name,
            display=display,
            size=len(raw),
            sha256=digest.result(),
            encoding=table.encoding,
            encoding_confidence=table.encoding_confidence,
            delimiter=table.delimiter,
            sheet=table.sheet,
        )
