"""Sources read in chunks of records, with the loaders' semantics and bounded memory.

:func:`open_sources` prepares every source of an audit without keeping its data: for CSV/TSV
one streaming pass over the bytes finds the record boundaries, checks the structure, detects
the encoding, computes the SHA-256 and notes where each chunk of ``chunk_rows`` data records
starts (``_chunks_csv``). :meth:`ChunkedSources.chunks` then yields the data a chunk
at a time, each parsed by polars from its own byte range with the header put back in front, so
only one chunk's columns are in memory.

Every rule of the normal loaders applies unchanged, mostly by calling their functions: header
and delimiter detection, blank lines, renames, null markers, reserved and repeated names, error
messages, provenance lines (exact across chunk boundaries: a record's line is one more than the
number of line breaks before it, quoted ones included).
Parquet is read a row slice at a time. JSON, NDJSON, Excel and standard input are read whole,
exactly as the normal loaders read them, and only sliced into chunks afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl

from veracity.errors import SourceError
from veracity.sources._chunks_csv import EMPTY_FILE, Delimited
from veracity.sources._detect import detect_format
from veracity.sources._input import is_stream, stdin_format
from veracity.sources._lines import Ints
from veracity.sources._load import (
    _MAX_SOURCES,
    _STDIN_DISPLAY,
    STDIN_PATH,
    _fields,
    _null_missing,
    _read_file,
    _read_stdin,
    _read_table,
    readable_path,
)
from veracity.sources._parquet import as_text, check_width
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import ENGINE_ERRORS, check_header
from veracity.sources.base import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    ColumnOrigin,
    Format,
    LoadedData,
    PositionKind,
    ReadOptions,
    SourceInfo,
    SourceSpec,
)

__all__ = ["Chunk", "ChunkedSources", "open_sources"]

#: Bytes per read when hashing a Parquet file.
_BLOCK = 32 << 20

_EMPTY_FILE = EMPTY_FILE


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
class _Source:
    index: int
    info: SourceInfo
    fields: list[str]  # field name of each column of the source
    markers: tuple[str, ...]
    reader: Reader


@dataclass
class ChunkedSources:
    """The sources of one audit, ready to be read in chunks of ``chunk_rows`` records.

    ``infos`` are complete except for the columns' ``missing_replaced``, which
    :meth:`add_missing` sums up chunk by chunk (the counts need the values).
    """

    sources: list[_Source]
    chunk_rows: int
    fields: list[str] = field(default_factory=list)

    @property
    def infos(self) -> list[SourceInfo]:
        return [source.info for source in self.sources]

    @property
    def rows(self) -> int:
        return sum(source.info.rows for source in self.sources)

    @property
    def chunk_count(self) -> int:
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
            chosen = [source.fields[i] for i in columns]
            for piece in source.reader.pieces(columns or [0]):
                height = piece.frame.height
                missing = [0] * len(source.fields)
                values: dict[str, pl.Series] = {}
                if columns:
                    cleaned, counts = _null_missing(piece.frame, chosen, source.markers)
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
                data = LoadedData(frame=frame, sources=self.infos)
                yield Chunk(data=data, start=offset, source=source.index, missing=missing)
                offset += height

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
    if not specs:
        raise SourceError("no sources to load; list at least one file under 'sources:' in the rule file")
    if len(specs) > _MAX_SOURCES:
        raise SourceError(f"{len(specs)} sources given, at most {_MAX_SOURCES} can be audited together")
    if sum(spec.path == STDIN_PATH for spec in specs) > 1:
        raise SourceError(
            "standard input ('-') is given as a source more than once; it can be read only once"
        )
    sources = [
        _open_one(index, spec, base_dir, tuple(null_markers), stdin, chunk_rows)
        for index, spec in enumerate(specs)
    ]
    fields = list(dict.fromkeys(column.field for source in sources for column in source.info.columns))
    return ChunkedSources(sources=sources, chunk_rows=chunk_rows, fields=fields)


def _open_one(
    index: int,
    spec: SourceSpec,
    base_dir: Path | None,
    markers: tuple[str, ...],
    stdin: IO[bytes] | None,
    chunk_rows: int,
) -> _Source:
    encoding: str | None = None
    confidence: float | None = None
    delimiter: str | None = None
    sheet: str | None = None
    reader: Reader
    if spec.path == STDIN_PATH:
        # Standard input can be read only once: it is held whole, as the normal loader does.
        raw = _read_stdin(stdin)
        display = _STDIN_DISPLAY
        fmt: Format = stdin_format(spec.read.format, raw)
        reader, (encoding, confidence, delimiter, sheet) = _whole(fmt, raw, spec.read, display, chunk_rows)
        sha256, size = hashlib.sha256(raw).hexdigest(), len(raw)
    else:
        display = spec.path
        path = readable_path(spec.path, base_dir)
        fmt = detect_format(spec.read.format, spec.path, display)
        # A named pipe can be read only once, so it is read whole like standard input.
        seekable = not is_stream(path)
        if fmt in ("csv", "tsv") and seekable:
            delimited = Delimited(path, fmt, spec.read, display, chunk_rows)
            reader, sha256, size = delimited, delimited.sha256, delimited.size
            encoding, delimiter = delimited.encoding, delimited.delimiter
            confidence = delimited.encoding_confidence
        elif fmt == "parquet" and seekable:
            sha256, size, blank = _digest(path)
            if blank:
                raise SourceError(_EMPTY_FILE.format(display))
            reader = _Parquet(path, display, chunk_rows)
        else:
            # JSON, NDJSON and Excel have no record boundaries to seek to: read whole.
            raw = _read_file(spec.path, base_dir)
            reader, (encoding, confidence, delimiter, sheet) = _whole(
                fmt, raw, spec.read, display, chunk_rows
            )
            sha256, size = hashlib.sha256(raw).hexdigest(), len(raw)
    used_markers = tuple(dict.fromkeys((*markers, *spec.read.null_markers)))
    fields = _fields(reader.names, spec.columns, display)
    origins = [
        ColumnOrigin(original=name, field=renamed, original_type=kind)
        for name, renamed, kind in zip(reader.names, fields, reader.original_types, strict=True)
    ]
    info = SourceInfo(
        index=index,
        path=spec.path,
        format=fmt,
        size=size,
        sha256=sha256,
        rows=reader.rows,
        position_kind=reader.position_kind,
        columns=origins,
        encoding=encoding,
        encoding_confidence=confidence,
        delimiter=delimiter,
        sheet=sheet,
        null_markers=used_markers,
    )
    return _Source(index=index, info=info, fields=fields, markers=used_markers, reader=reader)


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


# ---------------------------------------------------------------------------------------------
# read whole


class _Whole(Reader):
    """A source read by the normal loader, sliced afterwards."""

    def __init__(
        self,
        frame: pl.DataFrame,
        positions: Ints,
        original_types: list[str],
        kind: PositionKind,
        chunk_rows: int,
    ) -> None:
        self._frame = frame
        self._positions = positions
        self._chunk_rows = chunk_rows
        self.names = list(frame.columns)
        self.original_types = original_types
        self.rows = frame.height
        self.position_kind = kind

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        names = [self.names[i] for i in columns]
        for start in range(0, self.rows, self._chunk_rows):
            stop = min(start + self._chunk_rows, self.rows)
            yield Piece(self._frame.select(names).slice(start, stop - start), self._positions[start:stop])


def _whole(
    fmt: Format, raw: bytes, options: ReadOptions, display: str, chunk_rows: int
) -> tuple[Reader, tuple[str | None, float | None, str | None, str | None]]:
    """The source read by the normal loader, and its encoding, confidence, delimiter and sheet."""
    if not raw.strip():
        raise SourceError(_EMPTY_FILE.format(display))
    table = _read_table(fmt, raw, options, display)
    reader = _Whole(table.frame, table.positions, table.original_types, table.position_kind, chunk_rows)
    return reader, (table.encoding, table.encoding_confidence, table.delimiter, table.sheet)


# ---------------------------------------------------------------------------------------------
# Parquet


class _Parquet(Reader):
    """Row slices of a Parquet file, each turned into text as ``_parquet.read_parquet`` does."""

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
        names = [self.names[i] for i in columns]
        lazy = pl.scan_parquet(self._path).select(names)
        for start in range(0, self.rows, self._chunk_rows):
            frame = lazy.slice(start, self._chunk_rows).collect()
            texts = [as_text(frame.get_column(name), self._display) for name in names]
            positions = np.arange(start + 1, start + frame.height + 1, dtype=np.int64)
            yield Piece(pl.DataFrame(texts), positions)
