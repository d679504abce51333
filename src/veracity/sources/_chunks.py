"""Sources read in chunks of records, with the loaders' semantics and bounded memory.

:func:`open_sources` prepares every source of an audit without keeping its data: for CSV/TSV
one streaming pass over the bytes finds the record boundaries, checks the structure, detects
the encoding, computes the SHA-256 and notes where each chunk of ``chunk_rows`` data records
starts (``_chunks_csv``, the one CSV reader: the whole read is its case of one chunk over the
text in memory). :meth:`ChunkedSources.chunks` then yields the data a chunk at a time, each
parsed by polars from its own byte range (the header is not copied in front), so only one
chunk's columns are in memory.

Every rule of the normal loaders applies unchanged, mostly by calling their functions: header
and delimiter detection, blank lines, renames, null markers, reserved and repeated names, error
messages, provenance lines (exact across chunk boundaries: a record's line is one more than the
number of line breaks before it, quoted ones included).
Parquet is read a row slice at a time, a database in batches from a server-side stream. JSON,
NDJSON, Excel and standard input are read whole, exactly as the normal loaders read them, and
only sliced into chunks afterwards. Each source kind opens itself (``veracity.sources.registry``);
the whole-frame read, :func:`load_sources`, is the case of one chunk per source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

from veracity.sources._open import OpenSource, check_specs, open_source
from veracity.sources._pieces import Piece
from veracity.sources.base import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    LoadedData,
    SourceInfo,
    SourceSpec,
)
from veracity.sources.registry import OpenContext

__all__ = ["Chunk", "ChunkedSources", "blanks_to_null", "open_sources", "prepare"]


@dataclass
class Chunk:
    """Consecutive records of one source, as :func:`load_sources` would hold them.

    ``data.frame`` has the requested fields (default: all), String, null where the source lacks
    the field, plus ``ROW_ID`` counted from 0 within the chunk (the engine indexes rows by it),
    ``SOURCE_COL`` and ``LINE_COL``. ``start`` is the audit-wide row id of the first record.
    """

    data: LoadedData
    start: int
    source: int
    #: Per column of the source (file order): values turned into null in this chunk; zero for
    #: columns not read.
    missing: list[int]

    @property
    def rows(self) -> int:
        return self.data.frame.height


@dataclass
class ChunkedSources:
    """The sources of one audit, ready to be read in chunks of ``chunk_rows`` records.

    ``infos`` are complete except for the columns' ``missing_replaced``, which
    :meth:`add_missing` sums up chunk by chunk (the counts need the values).
    """

    sources: list[OpenSource]
    #: Records per chunk; None: each source in one chunk (the whole-frame read).
    chunk_rows: int | None
    fields: list[str] = field(default_factory=list)

    @property
    def infos(self) -> list[SourceInfo]:
        return [source.info for source in self.sources]

    @property
    def rows(self) -> int:
        return sum(source.info.rows for source in self.sources)

    @property
    def chunk_count(self) -> int:
        if self.chunk_rows is None:
            return len(self.sources)
        return sum(-(-source.info.rows // self.chunk_rows) for source in self.sources)

    def skeleton(self) -> LoadedData:
        """The audit's data without rows: every field and provenance column, the source infos."""
        schema: dict[str, pl.DataType | type[pl.DataType]] = dict.fromkeys(self.fields, pl.String)
        schema |= {ROW_ID: pl.UInt32, SOURCE_COL: pl.UInt16, LINE_COL: pl.UInt32}
        return LoadedData(frame=pl.DataFrame(schema=schema), sources=self.infos)

    def chunks(self, fields: Sequence[str] | None = None) -> Iterator[Chunk]:
        """Every record once, in source order then file order, a chunk at a time; only
        ``fields`` (default: all, in the audit's field order) are parsed."""
        wanted = self.fields if fields is None else [name for name in self.fields if name in set(fields)]
        offset = 0
        for source in self.sources:
            columns = [i for i, name in enumerate(source.fields) if name in wanted]
            for piece in source.reader.pieces(columns or [0]):
                missing, frame = _assemble(source, piece, columns, wanted)
                data = LoadedData(frame=frame, sources=self.infos)
                yield Chunk(data=data, start=offset, source=source.index, missing=missing)
                offset += frame.height
                # Dropped before the next chunk is read: the consumer has dropped its chunk by
                # then, and with these held two chunks would be in memory at once.
                del piece, frame, data

    def add_missing(self, chunk: Chunk) -> None:
        """Add a chunk's null-marker counts to its source's lineage (once per chunk)."""
        for column, count in zip(self.sources[chunk.source].info.columns, chunk.missing, strict=True):
            column.missing_replaced += count


def open_sources(
    specs: Sequence[SourceSpec],
    *,
    chunk_rows: int,
    base_dir: Path | None = None,
    null_markers: Sequence[str] = (),
    stdin: IO[bytes] | None = None,
) -> ChunkedSources:
    """Check every source and learn its shape as :func:`load_sources` would, keeping no data
    (except for standard input, JSON, NDJSON and Excel, which are read whole). Raises the same
    one-line :class:`SourceError` for the same unusable input."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    return prepare(specs, chunk_rows=chunk_rows, base_dir=base_dir, null_markers=null_markers, stdin=stdin)


def prepare(
    specs: Sequence[SourceSpec],
    *,
    chunk_rows: int | None,
    base_dir: Path | None,
    null_markers: Sequence[str],
    stdin: IO[bytes] | None,
) -> ChunkedSources:
    """:func:`open_sources`, also for ``chunk_rows=None``: every source in one chunk."""
    check_specs(specs)
    context = OpenContext(base_dir=base_dir, stdin=stdin, chunk_rows=chunk_rows)
    sources = [open_source(index, spec, context, tuple(null_markers)) for index, spec in enumerate(specs)]
    fields = list(dict.fromkeys(column.field for source in sources for column in source.info.columns))
    return ChunkedSources(sources=sources, chunk_rows=chunk_rows, fields=fields)


def _assemble(
    source: OpenSource, piece: Piece, columns: list[int], wanted: list[str]
) -> tuple[list[int], pl.DataFrame]:
    """A piece as the audit holds it: renamed, missing spellings null, absent fields null,
    provenance columns added (``ROW_ID`` from 0); and the per-column counts of nulled values."""
    height = piece.frame.height
    chosen = [source.fields[i] for i in columns]
    missing = [0] * len(source.fields)
    values: dict[str, pl.Series] = {}
    if columns:
        cleaned, counts = blanks_to_null(piece.frame, chosen, source.markers, ascii=piece.ascii)
        for position, count in zip(columns, counts, strict=True):
            missing[position] = count
        values = {name: cleaned.get_column(name) for name in chosen}
    frame = pl.DataFrame(
        [
            *(
                values[name]
                if name in values
                else pl.repeat(None, height, dtype=pl.String, eager=True).alias(name)
                for name in wanted
            ),
            pl.int_range(0, height, dtype=pl.UInt32, eager=True).alias(ROW_ID),
            pl.repeat(source.index, height, dtype=pl.UInt16, eager=True).alias(SOURCE_COL),
            pl.Series(LINE_COL, piece.positions, dtype=pl.UInt32),
        ]
    )
    frame.columns = [*wanted, ROW_ID, SOURCE_COL, LINE_COL]
    return missing, frame


#: A blank value is empty or starts with a whitespace character (Unicode's White_Space, what
#: ``str.strip_chars`` strips), whose first UTF-8 byte is below "!" (ASCII) or from 0xC2 to
#: 0xE3 (U+0085, U+00A0, U+1680, U+2000 to U+205F, U+3000). Compared as bytes, a value's first
#: bytes are read from its string view, without touching the rest of it.
_BELOW = pl.lit(b"!", dtype=pl.Binary)
_FROM, _UNTIL = pl.lit(b"\xc2", dtype=pl.Binary), pl.lit(b"\xe4", dtype=pl.Binary)


def blanks_to_null(
    frame: pl.DataFrame, fields: list[str], markers: tuple[str, ...], *, ascii: bool = False
) -> tuple[pl.DataFrame, list[int]]:
    """Whitespace-only values and null markers become null (columns renamed to ``fields``);
    also return how many per column.

    Only the values that could be blank (see ``_BELOW``) are stripped: most data has few or
    none, and stripping every value cost as much as parsing the file. When every value is
    ``ascii`` (the reader knows), only ASCII whitespace can start a blank one: one comparison
    a value instead of three.
    """
    names = frame.columns

    def candidate(name: str) -> pl.Expr:
        raw = pl.col(name).cast(pl.Binary)
        if ascii:
            return (raw < _BELOW).fill_null(False)
        return ((raw < _BELOW) | ((raw >= _FROM) & (raw < _UNTIL))).fill_null(False)

    def marked(name: str) -> pl.Expr:
        return pl.col(name).is_in(markers).fill_null(False) if markers else pl.lit(False)

    flags = frame.select(
        *(candidate(name).alias(f"c{index}") for index, name in enumerate(names)),
        *(marked(name).alias(f"m{index}") for index, name in enumerate(names)),
    )
    masks: list[pl.Series] = []
    for index, name in enumerate(names):
        missing = flags.get_column(f"m{index}")
        candidates = flags.get_column(f"c{index}")
        if candidates.any():
            at = candidates.arg_true()
            blank = at.filter(frame.get_column(name).gather(at).str.strip_chars() == "")
            if blank.len():
                missing = missing.clone().scatter(blank, True)
        masks.append(missing.alias(f"m{index}"))
    counts = [int(mask.sum()) for mask in masks]
    cleaned = frame.select(
        pl.col(name).alias(field)
        if not count
        else pl.when(mask).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col(name)).alias(field)
        for name, field, mask, count in zip(names, fields, masks, counts, strict=True)
    )
    return cleaned, counts
