"""What every loader hands to the engine: one frame of string fields plus provenance.

Values are kept exactly as stored (strings), so a leading space in an e-mail address stays a
defect to report. The only change a loader makes to a value is to turn "missing" spellings
(whitespace-only strings and configured null markers) into null, and it records how many it
changed for the lineage notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import polars as pl

__all__ = [
    "LINE_COL",
    "ROW_ID",
    "SOURCE_COL",
    "ColumnOrigin",
    "LoadedData",
    "ReadOptions",
    "SourceInfo",
    "SourceSpec",
]

#: Global 0-based row number across all sources of one audit (UInt32).
ROW_ID = "__veracity_row"
#: Index into :attr:`LoadedData.sources` (UInt16).
SOURCE_COL = "__veracity_source"
#: 1-based position inside the source (UInt32): the CSV line on which the record starts, the
#: Excel sheet row, or the record number for Parquet/JSON/NDJSON.
LINE_COL = "__veracity_line"

#: A source kind's name (``veracity.sources.registry``): csv, tsv, parquet, json, ndjson, xlsx,
#: postgresql, sqlite, ...
Format = str
#: What ``LINE_COL`` counts: the CSV line, the Excel sheet row, the record number, or (for a
#: database table) the row's ordinal in the read, the record being named by its key value.
PositionKind = Literal["line", "row", "record", "key"]


@dataclass(frozen=True)
class ReadOptions:
    """How to read one source; ``None`` means detect."""

    format: Format | None = None
    delimiter: str | None = None
    encoding: str | None = None
    null_markers: tuple[str, ...] = ()
    sheet: str | int | None = None


@dataclass(frozen=True)
class SourceSpec:
    """One input: a path as the user gave it (``-`` for stdin) or a database URL, a rename map,
    read options.

    For a database (``postgresql://...``, ``sqlite:///...``) ``table`` or ``query`` says what to
    read (the URL's ``?table=`` does too).
    """

    path: str
    columns: Mapping[str, str] = field(default_factory=dict)
    read: ReadOptions = field(default_factory=ReadOptions)
    table: str | None = None
    query: str | None = None


@dataclass
class ColumnOrigin:
    """Where one field of the audit came from in one source."""

    original: str  # column name in the source file
    field: str  # field name the rules use
    original_type: str  # the source's own type ("string" for text formats)
    missing_replaced: int = 0  # whitespace-only values and null markers turned into null


@dataclass
class SourceInfo:
    """A loaded source, as the lineage notes describe it."""

    index: int
    path: str  # as given by the user
    format: Format
    size: int  # bytes read
    sha256: str
    rows: int
    position_kind: PositionKind
    columns: list[ColumnOrigin]
    encoding: str | None = None  # detected or given (text formats)
    #: How sure the encoding detection is, 0-1 (1: a byte-order mark or valid UTF-8); None when
    #: read.encoding / --encoding named it, or for a format that is not text.
    encoding_confidence: float | None = None
    delimiter: str | None = None  # detected or given (CSV/TSV)
    sheet: str | None = None  # Excel sheet name
    null_markers: tuple[str, ...] = ()
    #: Kind-specific facts for lineage (database sources: server, database, table or query and
    #: its sha256, read_at); never a password.
    details: dict[str, str] = field(default_factory=dict)
    #: When the file was last modified (UTC), read as it was opened; None for standard input and
    #: databases, which have no modification time (the ``freshness`` check's ``source: modified``).
    modified: datetime | None = None


@dataclass
class LoadedData:
    """All sources of one audit stacked into one frame.

    ``frame`` has one String column per field (a field missing from a source is null for its
    rows) plus ``ROW_ID``, ``SOURCE_COL`` and ``LINE_COL``.
    """

    frame: pl.DataFrame
    sources: list[SourceInfo]

    @property
    def fields(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (ROW_ID, SOURCE_COL, LINE_COL)]

    def fields_of(self, source_index: int) -> list[str]:
        return [c.field for c in self.sources[source_index].columns]
