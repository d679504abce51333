"""Checks on a Parquet file before polars reads it: a few kilobytes must not become gigabytes.

Parquet compresses runs of one value to almost nothing: 120 KB of zstd can hold twenty million
copies of a 1,000-character text, and reading it (or running a check over it) asks for 20 GB,
which ends in an allocation failure that aborts the process. Two things are bounded, both read
from the file's footer (Thrift compact protocol, parsed here: the footer is all that is needed,
and no Parquet library exposes it without reading the data too):

- the bytes the column data unpacks to (the sum of each row group's uncompressed size), at most
  :data:`MAX_UNPACKED`, as for Excel workbooks;
- the cells (rows x columns), at most :data:`MAX_CELLS`, as for an Excel sheet: dictionary
  encoding stores a repeated text once, so the unpacked size alone does not bound the table.

After the read, :func:`check_text_size` bounds the text itself, which checks copy and transform.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import polars as pl

from veracity.errors import SourceError

__all__ = [
    "MAX_CELLS",
    "MAX_TEXT",
    "MAX_UNPACKED",
    "FooterSize",
    "check_footer",
    "check_text_size",
    "footer_size",
]

#: The most bytes the column data may unpack to (the limit for Excel workbooks too).
MAX_UNPACKED = 2 << 30
#: The most cells (rows x columns) read from one file (the limit for an Excel sheet too).
MAX_CELLS = 50_000_000
#: The most bytes of text the columns may hold once read.
MAX_TEXT = 2 << 30
_MAGIC = b"PAR1"
_MAX_DEPTH = 64  # Parquet's own structures nest a few levels; more is a malformed footer

# Thrift compact protocol type codes.
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)


class _Malformed(Exception):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise _Malformed
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise _Malformed

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def skip(self, count: int) -> None:
        if count < 0 or self.pos + count > len(self.data):
            raise _Malformed
        self.pos += count

    def struct_fields(self, depth: int) -> dict[int, object]:
        """One struct: field id -> value for integer fields, a list of structs for lists of
        structs, a dict for a nested struct; other values are skipped."""
        if depth > _MAX_DEPTH:
            raise _Malformed
        found: dict[int, object] = {}
        field_id = 0
        while True:
            header = self.byte()
            if header == 0:
                return found
            kind, delta = header & 0x0F, header >> 4
            field_id = field_id + delta if delta else self.zigzag()
            found[field_id] = self.value(kind, depth)

    def value(self, kind: int, depth: int) -> object:
        if kind in (_TRUE, _FALSE):
            return kind == _TRUE
        if kind == _BYTE:
            return self.byte()
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.skip(8)
            return None
        if kind == _BINARY:
            self.skip(self.varint())
            return None
        if kind in (_LIST, _SET):
            header = self.byte()
            size = header >> 4 if header >> 4 != 15 else self.varint()
            element = header & 0x0F
            if element in (_TRUE, _FALSE):
                self.skip(size)
                return None
            return [self.value(element, depth + 1) for _ in range(size)]
        if kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.value(types >> 4, depth + 1)
                    self.value(types & 0x0F, depth + 1)
            return None
        if kind == _STRUCT:
            return self.struct_fields(depth + 1)
        raise _Malformed


@dataclass(frozen=True)
class FooterSize:
    rows: int
    columns: int
    unpacked: int


def footer_size(raw: bytes) -> FooterSize | None:
    """Rows, leaf columns and unpacked bytes as the footer declares them; None when ``raw`` has
    no footer that parses (polars then says it is not Parquet)."""
    if len(raw) < 12 or raw[-4:] != _MAGIC:
        return None
    (length,) = struct.unpack("<i", raw[-8:-4])
    if length <= 0 or length > len(raw) - 12:
        return None
    try:
        footer = _Reader(raw[-8 - length : -8]).struct_fields(0)
    except (_Malformed, RecursionError):
        return None
    # FileMetaData: 2 schema (a leaf has no 5 num_children), 3 num_rows, 4 row_groups; RowGroup:
    # 1 columns, 2 total_byte_size (uncompressed); ColumnChunk 3 meta_data: 6 total_uncompressed_size.
    columns = sum(1 for element in _structs(footer.get(2)) if 5 not in element)
    unpacked = 0
    for group in _structs(footer.get(4)):
        chunks = sum(_int(_dict(chunk.get(3)).get(6)) for chunk in _structs(group.get(1)))
        unpacked += max(_int(group.get(2)), chunks)
    return FooterSize(_int(footer.get(3)), columns, unpacked)


def check_footer(raw: bytes, display: str) -> None:
    """Refuse ``raw`` when its footer says it unpacks to too much or holds too many cells."""
    size = footer_size(raw)
    if size is None:
        return
    if size.unpacked > MAX_UNPACKED:
        raise SourceError(
            f"{display}: the file's columns unpack to {size.unpacked:,} bytes, more than the "
            f"{MAX_UNPACKED:,} veracity reads; export fewer rows or columns per file"
        )
    if size.rows * size.columns > MAX_CELLS:
        raise SourceError(
            f"{display}: the file has {size.rows:,} rows of {size.columns:,} columns, more than the "
            f"{MAX_CELLS:,} cells veracity reads from one file; split the export into smaller files"
        )


def check_text_size(frame: pl.DataFrame, display: str) -> None:
    """Refuse a table (all columns text) holding more than :data:`MAX_TEXT` bytes of text."""
    if not frame.width:
        return
    sizes = frame.select(pl.col(pl.String).str.len_bytes().cast(pl.Int64).sum())
    total = sum(value or 0 for value in sizes.row(0))
    if total > MAX_TEXT:
        raise SourceError(
            f"{display}: the file's values add up to {total:,} bytes of text, more than the {MAX_TEXT:,} "
            "veracity reads (a small file of repeated values can unpack to that); export fewer rows per file"
        )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _dict(value: object) -> dict[int, object]:
    return value if isinstance(value, dict) else {}


def _structs(value: object) -> list[dict[int, object]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
