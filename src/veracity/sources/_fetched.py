"""A file whose bytes someone else fetched, read as a file on disk is read.

A Spark task gets a file's bytes from the cluster's file system (``s3a://``, ``hdfs://``, ...),
which veracity cannot open itself; :func:`read_bytes` gives those bytes the reader, the checks,
the provenance (CSV lines as veracity counts them, JSON record numbers) and the description
(:class:`SourceInfo`: rows, encoding, delimiter, SHA-256 of the bytes) a local file gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import polars as pl

from veracity.errors import SourceError
from veracity.sources._detect import detect_format
from veracity.sources._files import FileKind
from veracity.sources._open import open_source
from veracity.sources._pieces import Reader
from veracity.sources.base import LINE_COL, SourceInfo, SourceSpec
from veracity.sources.registry import OpenContext, kind_named

__all__ = ["FetchedFile", "read_bytes"]


@dataclass
class FetchedFile:
    """One file read from its bytes: its description, its fields, its records."""

    info: SourceInfo
    #: The field name of each column, in file order (the spec's renames applied).
    fields: list[str]
    reader: Reader

    def batches(self) -> Iterator[pl.DataFrame]:
        """The records in file order, a batch at a time: one String column per field with the
        values as stored (missing spellings are not yet null), and ``LINE_COL``."""
        if not self.fields:
            return
        for piece in self.reader.pieces(list(range(len(self.fields)))):
            frame = piece.frame.rename(dict(zip(piece.frame.columns, self.fields, strict=True)))
            yield frame.with_columns(pl.Series(LINE_COL, piece.positions, dtype=pl.UInt32))


def read_bytes(
    raw: bytes, spec: SourceSpec, display: str, *, batch_rows: int, null_markers: Sequence[str] = ()
) -> FetchedFile:
    """The file ``display`` names, from its bytes ``raw``, read by the kind its ``read.format``
    or extension names; the same one-line ``SourceError`` as for a local file when unusable.
    ``info.index`` is 0 and ``info.modified`` unknown: the caller knows both."""
    kind = kind_named(detect_format(spec.read.format, display, display))
    if not isinstance(kind, FileKind):
        raise SourceError(f"{display}: a {spec.read.format} source is not a file; name a file")
    opened = kind.open_bytes(raw, spec.read, display, batch_rows)
    source = open_source(
        0,
        replace(spec, path=display),
        OpenContext(chunk_rows=batch_rows),
        tuple(null_markers),
        opened=opened,
    )
    source.info.modified = None
    return FetchedFile(info=source.info, fields=source.fields, reader=source.reader)
