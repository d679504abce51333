"""Parquet: whole files through ``_parquet.read_parquet``, chunks as row slices of the file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from veracity.errors import SourceError
from veracity.sources._files import FileKind
from veracity.sources._input import is_stream, readable_path
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import ENGINE_ERRORS, Table, check_header, empty_file
from veracity.sources.base import ReadOptions, SourceSpec
from veracity.sources.registry import OpenContext, Opened, register

__all__ = ["Parquet"]

#: Bytes per read when hashing a Parquet file.
_BLOCK = 32 << 20


@register
class Parquet(FileKind):
    name = "parquet"
    order = 30
    extensions = (".parquet", ".pq")

    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        # The Parquet reader and its guard are imported by the runs that read Parquet only.
        from veracity.sources._parquet import read_parquet

        return read_parquet(raw, options, display)

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        path = readable_path(spec.path, context.base_dir)
        if context.chunk_rows is None or is_stream(path):
            return super().open(spec, context)
        sha256, size, blank = _digest(path)
        if blank:
            raise empty_file(spec.path)
        reader = _Slices(path, spec.path, context.chunk_rows)
        return Opened(reader=reader, format=self.name, display=spec.path, size=size, sha256=sha256)


def _digest(path: Path) -> tuple[str, int, bool]:
    """SHA-256, size, and whether the file holds only ASCII whitespace (``bytes.strip``)."""
    hasher = hashlib.sha256()
    size = 0
    blank = True
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            hasher.update(block)
            size += len(block)
            blank = blank and not block.strip()
    return hasher.hexdigest(), size, blank


class _Slices(Reader):
    """Row slices of a Parquet file, each turned into text as ``read_parquet`` does."""

    def __init__(self, path: Path, display: str, chunk_rows: int) -> None:
        self._path = path
        self._display = display
        self._chunk_rows = chunk_rows
        try:
            lazy = pl.scan_parquet(path)
            schema = lazy.collect_schema()
            rows = int(lazy.select(pl.len()).collect().item())
        except ENGINE_ERRORS:
            raise SourceError(
                f"{display}: is not a valid Parquet file; export it again, or set read.format in the rule "
                "file (--input-format) if it is another format"
            ) from None
        from veracity.sources._parquet import check_width

        self.names = list(schema.names())
        check_width(len(self.names), display)
        check_header(self.names, [str(i) for i in range(1, len(self.names) + 1)], display)
        if not self.names:
            raise SourceError(
                f"{display}: the file has no columns; export the data again or remove this source"
            )
        if not rows:
            raise SourceError(
                f"{display}: the file has columns but no rows; export the data again or remove this source"
            )
        self.original_types = [str(dtype) for dtype in schema.dtypes()]
        self.rows = rows
        self.position_kind = "record"

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        from veracity.sources._parquet import as_text

        names = [self.names[i] for i in columns]
        lazy = pl.scan_parquet(self._path).select(names)
        for start in range(0, self.rows, self._chunk_rows):
            frame = lazy.slice(start, self._chunk_rows).collect()
            texts = [as_text(frame.get_column(name), self._display) for name in names]
            positions = np.arange(start + 1, start + frame.height + 1, dtype=np.int64)
            yield Piece(pl.DataFrame(texts), positions)
