"""Input loaders: CSV/TSV, Excel, Parquet, JSON, NDJSON files and PostgreSQL and SQLite tables
into one frame of String fields.

:func:`load_sources` reads every source of an audit, keeps each value exactly as stored (only
empty, whitespace-only and null-marker values become null), applies the rule file's renames,
stacks the sources and adds provenance: a global row id, the source index, and the line
(CSV/TSV), sheet row (Excel), record number (Parquet, JSON, NDJSON) or row ordinal (a database
table, whose records are named by their key) of every row.

:func:`read_bytes` reads a file from bytes fetched elsewhere (a Spark task's), as a file on disk.

:func:`open_sources` prepares the same sources to be read a :class:`Chunk` of records at a time
in bounded memory (:class:`ChunkedSources`), with the same rules and provenance.

Each kind of source is one module in ``veracity.sources.kinds``, registered in
:mod:`veracity.sources.registry`; every list of formats is read from there.
"""

from __future__ import annotations

from veracity.sources._chunks import Chunk, ChunkedSources, open_sources
from veracity.sources._fetched import FetchedFile, read_bytes
from veracity.sources._load import load_sources
from veracity.sources.base import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    ColumnOrigin,
    LoadedData,
    ReadOptions,
    SourceInfo,
    SourceSpec,
)
from veracity.sources.registry import (
    OpenContext,
    Opened,
    SourceKind,
    extensions,
    file_formats,
    register,
    source_kinds,
)

#: File formats (``read.format`` / ``--input-format`` values), from the registry.
FORMATS: tuple[str, ...] = file_formats()
#: File extension -> format, from the registry.
EXTENSIONS: dict[str, str] = extensions()

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "LINE_COL",
    "ROW_ID",
    "SOURCE_COL",
    "Chunk",
    "ChunkedSources",
    "ColumnOrigin",
    "FetchedFile",
    "LoadedData",
    "OpenContext",
    "Opened",
    "ReadOptions",
    "SourceInfo",
    "SourceKind",
    "SourceSpec",
    "load_sources",
    "open_sources",
    "read_bytes",
    "register",
    "source_kinds",
]
