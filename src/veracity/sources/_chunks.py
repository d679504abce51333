"""Sources read in chunks of records, with the loaders' semantics and bounded memory.

:func:`open_sources` prepares every source of an audit without keeping its data: for CSV/TSV
one streaming pass over the bytes finds the record boundaries (carrying the quote parity from
block to block, so quoted fields may span lines and blocks), checks the structure (field counts,
unclosed quotes), detects the encoding, computes the SHA-256 and notes where each chunk of
``chunk_rows`` data records starts. :meth:`ChunkedSources.chunks` then yields the data a chunk
at a time, each parsed by polars from its own byte range with the header put back in front, so
only one chunk's columns are in memory.

Every rule of the normal loaders applies unchanged, mostly by calling their functions: header
and delimiter detection, blank lines, renames, null markers, reserved and repeated names, error
messages, provenance lines (exact across chunk boundaries: a record's line is one more than the
number of line breaks before it, quoted ones included). Encodings: UTF-8 is read as is;
single-byte encodings (cp1252, latin-1, ...) share ASCII's quote, delimiter and line-break
bytes, so the structure is found on the raw bytes and each chunk is transcoded on its own;
multi-byte encodings (UTF-16, ...) cannot be cut at byte offsets found that way and are refused.
Parquet is read a row slice at a time. JSON, NDJSON, Excel and standard input are read whole,
exactly as the normal loaders read them, and only sliced into chunks afterwards.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import SourceError
from veracity.sources._csv import (
    DELIMITER_NAMES,
    _delimiter,
    _detect_delimiter,
    _header_names,
    _parse,
    stray_quote_error,
)
from veracity.sources._detect import _BOMS, _UTF8_CODECS, _undecodable, detect_format
from veracity.sources._input import is_stream, stdin_format
from veracity.sources._lines import (
    Bytes,
    Ints,
    LiteralQuotes,
    Records,
    field_counts,
    has_text,
    scan,
    without_ranges,
)
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

#: Bytes per read in the structure scan: large enough for numpy to run at memory speed, small
#: enough that the scan's temporary arrays (a few bytes per input byte) stay far below a chunk.
_BLOCK = 32 << 20
#: The header and the delimiter sample are detected on a prefix of the text that grows from
#: this size until it holds them; it stops growing at the cap (records of megabytes each).
_HEAD_START = 1 << 20
_HEAD_CAP = 64 << 20
#: Records the normal loader samples to detect the delimiter (``_csv._detect_delimiter``).
_SAMPLE_RECORDS = 50

_NEWLINE = ord("\n")
_CR = ord("\r")
_QUOTE = ord('"')
_SPACE = ord(" ")

_EMPTY_FILE = "{}: the file is empty; export the data again or remove this source"


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
class _Piece:
    frame: pl.DataFrame  # the requested columns, String, named as in the source
    positions: Ints  # LINE_COL of each row


class _Reader:
    """One source's records, read ``chunk_rows`` at a time; shape known before any read."""

    names: list[str]
    original_types: list[str]
    rows: int
    position_kind: PositionKind

    def pieces(self, columns: list[int]) -> Iterator[_Piece]:
        """The chunks in order, with the columns at ``columns`` (at least one)."""
        raise NotImplementedError


@dataclass
class _Source:
    index: int
    info: SourceInfo
    fields: list[str]  # field name of each column of the source
    markers: tuple[str, ...]
    reader: _Reader


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
    delimiter: str | None = None
    sheet: str | None = None
    reader: _Reader
    if spec.path == STDIN_PATH:
        # Standard input can be read only once: it is held whole, as the normal loader does.
        raw = _read_stdin(stdin)
        display = _STDIN_DISPLAY
        fmt: Format = stdin_format(spec.read.format, raw)
        reader, encoding, delimiter, sheet = _whole(fmt, raw, spec.read, display, chunk_rows)
        sha256, size = hashlib.sha256(raw).hexdigest(), len(raw)
    else:
        display = spec.path
        path = readable_path(spec.path, base_dir)
        fmt = detect_format(spec.read.format, spec.path, display)
        # A named pipe can be read only once, so it is read whole like standard input.
        seekable = not is_stream(path)
        if fmt in ("csv", "tsv") and seekable:
            delimited = _Delimited(path, fmt, spec.read, display, chunk_rows)
            reader, sha256, size = delimited, delimited.sha256, delimited.size
            encoding, delimiter = delimited.encoding, delimited.delimiter
        elif fmt == "parquet" and seekable:
            sha256, size, blank = _digest(path)
            if blank:
                raise SourceError(_EMPTY_FILE.format(display))
            reader = _Parquet(path, display, chunk_rows)
        else:
            # JSON, NDJSON and Excel have no record boundaries to seek to: read whole.
            raw = _read_file(spec.path, base_dir)
            reader, encoding, delimiter, sheet = _whole(fmt, raw, spec.read, display, chunk_rows)
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


def _significant(buf: Bytes) -> npt.NDArray[np.bool_]:
    """has_text's significant bytes: all but space, tab, CR, VT and FF (9, 11, 12, 13, 32).

    Comparisons rather than a 256-entry table: indexing a table with a uint8 array widens every
    index to 8 bytes first, several times slower on a 32 MiB block.
    """
    result: npt.NDArray[np.bool_] = (buf < 9) | (buf > 13) | (buf == _NEWLINE)
    result &= buf != _SPACE
    return result


def _per_record(positions: Ints, terminators: Ints) -> Ints:
    """How many ``positions`` (ascending) fall in each record: before the first terminator,
    between consecutive ones, and after the last (the open record). Searching the terminators
    in the positions, not the reverse: records are ten times fewer than delimiters."""
    cuts = np.searchsorted(positions, terminators)
    return np.diff(cuts, prepend=0, append=positions.size).astype(np.int64)


def _blank(buf: Bytes, records: Records, delimiter: int, width: int) -> npt.NDArray[np.bool_]:
    """read_delimited's blank records (empty; or whitespace-only where the header has several
    fields) in a text cut at record boundaries; text is only tested for one-field records."""
    blank: npt.NDArray[np.bool_] = records.ends == records.starts
    if width > 1:
        delimiters = np.flatnonzero(buf == delimiter)
        if records.quotes.size:
            delimiters = delimiters[(np.searchsorted(records.quotes, delimiters) & 1) == 0]
        fields = np.diff(np.searchsorted(delimiters, records.starts), append=delimiters.size) + 1
        suspects = np.flatnonzero((fields == 1) & ~blank)
        if suspects.size:
            significant = np.zeros(buf.size + 1, dtype=np.bool_)
            significant[: buf.size] = _significant(buf)
            bounds = np.empty(2 * suspects.size, dtype=np.int64)
            bounds[0::2] = records.starts[suspects]
            bounds[1::2] = records.ends[suspects]
            texty = np.logical_or.reduceat(significant, bounds)[0::2]
            blank[suspects] = ~texty
    return blank


# ---------------------------------------------------------------------------------------------
# read whole


class _Whole(_Reader):
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

    def pieces(self, columns: list[int]) -> Iterator[_Piece]:
        names = [self.names[i] for i in columns]
        for start in range(0, self.rows, self._chunk_rows):
            stop = min(start + self._chunk_rows, self.rows)
            yield _Piece(self._frame.select(names).slice(start, stop - start), self._positions[start:stop])


def _whole(
    fmt: Format, raw: bytes, options: ReadOptions, display: str, chunk_rows: int
) -> tuple[_Reader, str | None, str | None, str | None]:
    if not raw.strip():
        raise SourceError(_EMPTY_FILE.format(display))
    table = _read_table(fmt, raw, options, display)
    reader = _Whole(table.frame, table.positions, table.original_types, table.position_kind, chunk_rows)
    return reader, table.encoding, table.delimiter, table.sheet


# ---------------------------------------------------------------------------------------------
# Parquet


class _Parquet(_Reader):
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

    def pieces(self, columns: list[int]) -> Iterator[_Piece]:
        names = [self.names[i] for i in columns]
        lazy = pl.scan_parquet(self._path).select(names)
        for start in range(0, self.rows, self._chunk_rows):
            frame = lazy.slice(start, self._chunk_rows).collect()
            texts = [as_text(frame.get_column(name), self._display) for name in names]
            positions = np.arange(start + 1, start + frame.height + 1, dtype=np.int64)
            yield _Piece(pl.DataFrame(texts), positions)


# ---------------------------------------------------------------------------------------------
# CSV / TSV: encoding


def _single_byte_codec(name: str) -> bool:
    """Whether a codec maps each byte to one character and agrees with ASCII below 0x80, so
    quotes, delimiters and line breaks are the bytes they are in the UTF-8 text (the charmap
    codecs; EBCDIC fails the ASCII test; multi-byte and stateful codecs have no table)."""
    if name == "ascii":
        return True
    try:
        module = importlib.import_module("encodings." + name.replace("-", "_"))
    except ImportError:
        return False
    table = getattr(module, "decoding_table", None)
    return isinstance(table, str) and len(table) == 256 and table[:128] == "".join(map(chr, range(128)))


def _undecodable_bytes(codec: str) -> npt.NDArray[np.bool_]:
    """Per byte value: the single-byte codec has no character for it."""
    bad = np.zeros(256, dtype=np.bool_)
    for value in range(256):
        try:
            bytes([value]).decode(codec)
        except UnicodeDecodeError:
            bad[value] = True
    return bad


def _refused(display: str, name: str) -> SourceError:
    return SourceError(
        f"{display}: is encoded as {name}, which is not read in chunks (only UTF-8 and single-byte "
        "encodings such as cp1252 or latin-1 are); convert the file to UTF-8, or audit it without chunks"
    )


@dataclass
class _Encoding:
    """How the bytes after ``skip`` (a byte-order mark) become the UTF-8 text polars parses."""

    skip: int = 0
    #: The encoding reported in the lineage; None until detected after the scan.
    name: str | None = None
    #: Codec to transcode each chunk with; None: the bytes are UTF-8 already.
    transcode: str | None = None
    #: Decide after the scan, as ``decode_text`` does when no encoding is given.
    detect: bool = False
    #: Given or BOM-marked UTF-8: bytes that are not UTF-8 are an error.
    validate: bool = False


def _choose_encoding(first: bytes, given: str | None, display: str) -> _Encoding:
    """The part of ``_detect.decode_text``'s decision that the first bytes settle."""
    if given is not None:
        try:
            codec = codecs.lookup(given)
        except LookupError:
            raise SourceError(
                f"{display}: unknown encoding {given!r} in read.encoding; "
                "use e.g. utf-8, cp1252, latin-1 or utf-16"
            ) from None
        if codec.name in _UTF8_CODECS:
            skip = len(codecs.BOM_UTF8) if first.startswith(codecs.BOM_UTF8) else 0
            return _Encoding(skip=skip, name=given, validate=True)
        if _single_byte_codec(codec.name):
            return _Encoding(name=given, transcode=codec.name)
        raise _refused(display, given)
    for bom, name in _BOMS:
        if first.startswith(bom):
            if name != "utf-8-sig":
                raise _refused(display, name)
            return _Encoding(skip=len(bom), name=name, validate=True)
    return _Encoding(detect=True)


# ---------------------------------------------------------------------------------------------
# CSV / TSV: structure


@dataclass
class _Head:
    """What a prefix of the text settles: the header record, the delimiter, the field count."""

    header: int  # index of the header record
    header_line: int
    header_bytes: bytes  # the header's content, as in the file (not transcoded)
    delimiter: str
    width: int
    mac: bool  # lone CRs end the lines ("CSV (Macintosh)")


@dataclass
class _Scan:
    """The structure scan's state between blocks: the open (unfinished) record, running
    totals, and what the checks after the scan need."""

    offset: int = 0  # text offset of the next block
    parity: int = 0  # quotes seen so far, modulo 2
    newlines: int = 0  # "\n" bytes seen so far
    record: int = 0  # index of the open record
    start: int = 0  # its first byte
    start_line: int = 1  # the line it starts on
    delimiters: int = 0  # delimiters outside quotes seen in it
    text: bool = False  # a significant byte seen in it
    last: int = -1  # the previous block's last byte
    data: int = 0  # data records so far
    ragged: tuple[int, int] | None = None  # (line, fields) of the first ragged data record
    bounds: list[int] = field(default_factory=list)  # text offset of each chunk's first record
    lines: list[int] = field(default_factory=list)  # and its line
    nonblank: bool = False  # any byte besides ASCII whitespace
    lf_seen: bool = False  # a "\n" in a text taken for a Mac one
    nul: bool = False
    utf8_error: int | None = None  # text offset of the first byte that is not UTF-8
    bad_byte: int | None = None  # text offset of the first byte the single-byte codec lacks
    stray: int | None = None  # line of the first quote that neither opens nor closes a field
    pending: int | None = None  # line of a closing quote that ends a block, judged by the next
    literal: LiteralQuotes | None = None  # finds a quote the scan reads as quoting but polars as text
    sha256: str = ""


class _Delimited(_Reader):
    """A CSV/TSV file: scanned once when opened, then read one chunk's byte range at a time."""

    def __init__(self, path: Path, fmt: Format, options: ReadOptions, display: str, chunk_rows: int) -> None:
        self._path = path
        self._display = display
        self._chunk_rows = chunk_rows
        self.position_kind = "line"
        self.size = path.stat().st_size
        with path.open("rb") as handle:
            self._encoding = _choose_encoding(handle.read(4), options.encoding, display)
            self._text_size = self.size - self._encoding.skip
            self._head = self._read_head(handle, fmt, options)
            state = self._scan(handle)
        self._check(state)
        self.sha256 = state.sha256
        self.delimiter = self._head.delimiter
        self.encoding = self._encoding.name
        self.rows = state.data
        self._bounds = [*state.bounds, self._text_size]
        self._lines = state.lines
        self._stray = state.stray

    def _read_head(self, handle: IO[bytes], fmt: Format, options: ReadOptions) -> _Head:
        """Header and delimiter, found by read_delimited's own functions on a prefix that holds
        the header and the delimiter sample (or the whole text)."""
        want = min(_HEAD_START, self._text_size)
        while True:
            handle.seek(self._encoding.skip)
            text = handle.read(want)
            whole = len(text) >= self._text_size
            # read_delimited's rule for the whole text: no "\n" at all, but some "\r".
            mac = b"\n" not in text and b"\r" in text
            if mac:
                text = text.replace(b"\r", b"\n")
            buf: Bytes = np.frombuffer(text, dtype=np.uint8)
            records = scan(buf)
            texty = has_text(buf, records)
            # The prefix may cut the last record short: it counts once its terminator is in.
            complete = records.starts.size
            if not whole and not (text.endswith(b"\n") and records.quotes.size % 2 == 0):
                complete -= 1
            texty[complete:] = False
            header = int(np.argmax(texty)) if texty.any() else -1
            sampled = int(np.count_nonzero(texty[header:])) if header >= 0 else 0
            if whole or (header >= 0 and sampled >= _SAMPLE_RECORDS) or want >= _HEAD_CAP:
                break
            want = min(want * 2, self._text_size)
        if header < 0:
            if whole:
                raise SourceError(_EMPTY_FILE.format(self._display))
            raise SourceError(
                f"{self._display}: no complete record in the first {_HEAD_CAP >> 20} MiB (most likely a "
                "quoted field that is never closed); close the quote, or audit the file without chunks"
            )
        delimiter = _delimiter(options.delimiter, fmt, self._display) or _detect_delimiter(
            buf, records, texty, header
        )
        width = int(field_counts(buf, records.starts, records.quotes, ord(delimiter))[header])
        header_bytes = buf[records.starts[header] : records.ends[header]].tobytes()
        return _Head(header, int(records.lines[header]), header_bytes, delimiter, width, mac)

    def _scan(self, handle: IO[bytes]) -> _Scan:
        """One pass over the file: hash, encoding facts, records, structure, chunk bounds."""
        encoding = self._encoding
        state = _Scan(literal=LiteralQuotes(ord(self._head.delimiter)))
        hasher = hashlib.sha256()
        handle.seek(0)
        hasher.update(handle.read(encoding.skip))
        decoder = codecs.getincrementaldecoder("utf-8")()
        check_utf8 = encoding.validate or encoding.detect
        check_bytes = encoding.transcode is not None or encoding.detect
        # Detection falls back to cp1252 unless one of its five undefined bytes occurs.
        rejected = _undecodable_bytes(encoding.transcode or "cp1252")
        delimiter = ord(self._head.delimiter)
        while block := handle.read(_BLOCK):
            hasher.update(block)
            if check_utf8 and state.utf8_error is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block, state.offset + len(block) >= self._text_size)
                except UnicodeDecodeError as exc:
                    state.utf8_error = state.offset - pending + exc.start
            arr: Bytes = np.frombuffer(block, dtype=np.uint8)
            if encoding.detect and not state.nul:
                state.nul = bool((arr == 0).any())
            if check_bytes and state.bad_byte is None:
                # Below 0x80 these codecs are ASCII: only the (usually few) other bytes can be
                # undefined, and looking up just those avoids a table lookup per byte.
                high = np.flatnonzero(arr >= 0x80)
                bad = high[rejected[arr[high]]]
                if bad.size:
                    state.bad_byte = state.offset + int(bad[0])
            if self._head.mac:
                state.lf_seen = state.lf_seen or bool((arr == _NEWLINE).any())
                arr = np.where(arr == _CR, np.uint8(_NEWLINE), arr)
            self._block(state, arr, delimiter)
            state.offset += arr.size
        self._finish(state)
        state.sha256 = hasher.hexdigest()
        return state

    def _block(self, state: _Scan, arr: Bytes, delimiter: int) -> None:
        """Close every record that ends in this block; carry the one still open."""
        offset = state.offset
        newlines = np.flatnonzero(arr == _NEWLINE)
        quotes = np.flatnonzero(arr == _QUOTE)
        # A newline ends a record when an even number of quotes precedes it (see _lines); the
        # quotes of earlier blocks count through the carried parity.
        terminators = newlines[((state.parity + np.searchsorted(quotes, newlines)) & 1) == 0]
        delimiters = np.flatnonzero(arr == delimiter)
        if state.literal is not None:
            state.literal.feed(arr, quotes, newlines, delimiters, offset, 1 + state.newlines)
        if quotes.size or state.parity:
            # Inside quotes (opened here or in an earlier block) a delimiter is text.
            delimiters = delimiters[((state.parity + np.searchsorted(quotes, delimiters)) & 1) == 0]
        if state.stray is None:
            self._stray_quote(state, arr, quotes, newlines, delimiter)
        closed = terminators.size
        # Per record ending here, then the open one: delimiters outside quotes, significance.
        counts = _per_record(delimiters, terminators)
        significant = np.empty(arr.size + 1, dtype=np.bool_)
        significant[:-1] = _significant(arr)
        significant[-1] = False  # so that a segment may start right at the end
        significant[terminators] = False
        texty = np.logical_or.reduceat(significant, np.concatenate(([0], terminators + 1)))
        # A significant byte is one bytes.strip() keeps: the file is not empty.
        state.nonblank = state.nonblank or bool(texty.any())
        if closed:
            counts[0] += state.delimiters
            texty[0] |= state.text
            starts = np.concatenate(([state.start], offset + terminators[:-1] + 1))
            lines = np.concatenate(
                ([state.start_line], 1 + state.newlines + np.searchsorted(newlines, terminators[:-1] + 1))
            )
            # The byte before each terminator tells a "\r\n" ending; at the block's first
            # byte it is the previous block's last.
            before = arr[np.maximum(terminators - 1, 0)].astype(np.int64)
            if terminators[0] == 0:
                before[0] = state.last
            lengths = offset + terminators - starts
            self._classify(state, starts, lines, counts[:closed] + 1, texty[:closed], lengths, before)
            state.start = int(offset + terminators[-1] + 1)
            state.start_line = (
                1 + state.newlines + int(np.searchsorted(newlines, terminators[-1], side="right"))
            )
            state.delimiters = int(counts[closed])
            state.text = bool(texty[closed])
        else:
            state.delimiters += int(counts[0])
            state.text = state.text or bool(texty[0])
        state.record += closed
        state.parity = (state.parity + quotes.size) & 1
        state.newlines += newlines.size
        if arr.size:
            state.last = int(arr[-1])

    def _stray_quote(self, state: _Scan, arr: Bytes, quotes: Ints, newlines: Ints, delimiter: int) -> None:
        """``_lines.stray_quote`` over the whole text, a block at a time: the first quote that
        opens a field anywhere but at its start, or closes one anywhere but at its end. When
        polars rejects any chunk, the normal loader names this quote, wherever it is."""
        if state.pending is not None:
            if arr[0] not in (delimiter, _NEWLINE, _CR, _QUOTE):
                state.stray = state.pending
                return
            state.pending = None
        if not quotes.size:
            return
        closing = ((state.parity + np.arange(quotes.size)) & 1).astype(np.bool_)
        before = arr[np.maximum(quotes - 1, 0)].astype(np.int64)
        if quotes[0] == 0:
            before[0] = state.last
        opens = np.isin(before, [delimiter, _NEWLINE, _QUOTE]) | (state.offset + quotes == 0)
        last = quotes == arr.size - 1  # what follows is in the next block, or the end
        after = arr[np.minimum(quotes + 1, arr.size - 1)]
        closes = np.isin(after, [delimiter, _NEWLINE, _CR, _QUOTE]) | last
        bad = np.flatnonzero(np.where(closing, ~closes, ~opens))
        lines = 1 + state.newlines + np.searchsorted(newlines, quotes[bad[:1]])
        if bad.size:
            state.stray = int(lines[0])
        elif closing[-1] and last[-1]:
            state.pending = 1 + state.newlines + int(np.searchsorted(newlines, quotes[-1]))

    def _finish(self, state: _Scan) -> None:
        """Close the record that runs to the end of the text (no final line break), if any."""
        if state.start >= self._text_size:
            return
        one = np.ones(1, dtype=np.int64)
        self._classify(
            state,
            one * state.start,
            one * state.start_line,
            one * (state.delimiters + 1),
            np.array([state.text]),
            one * (self._text_size - state.start),
            one * state.last,
        )
        state.record += 1

    def _classify(
        self,
        state: _Scan,
        starts: Ints,
        lines: Ints,
        fields: Ints,
        texty: npt.NDArray[np.bool_],
        lengths: Ints,
        before: Ints,
    ) -> None:
        """Blank and data records as read_delimited tells them apart; chunk boundaries."""
        head = self._head
        index = state.record + np.arange(starts.size)
        # Empty once the "\r" of a "\r\n" ending is removed.
        empty = (lengths == 0) | ((lengths == 1) & (before == _CR))
        blank = (index < head.header) | empty
        if head.width > 1:
            # Whitespace alone cannot be a record of several fields: a stray blank line.
            blank |= ~texty & (fields == 1)
        data = np.flatnonzero((index > head.header) & ~blank)
        if state.ragged is None:
            ragged = data[fields[data] != head.width]
            if ragged.size:
                state.ragged = (int(lines[ragged[0]]), int(fields[ragged[0]]))
        first = data[(state.data + np.arange(data.size)) % self._chunk_rows == 0]
        state.bounds.extend(starts[first].tolist())
        state.lines.extend(lines[first].tolist())
        state.data += data.size

    def _check(self, state: _Scan) -> None:
        """Raise what the normal loader raises for the file, in its order; settle the names."""
        display, encoding, head = self._display, self._encoding, self._head
        if not state.nonblank:
            raise SourceError(_EMPTY_FILE.format(display))
        if encoding.validate and state.utf8_error is not None:
            raise _undecodable(display, encoding.name or "utf-8", state.utf8_error)
        if encoding.transcode is not None and state.bad_byte is not None:
            raise _undecodable(display, encoding.name or encoding.transcode, state.bad_byte)
        if encoding.detect:
            if state.nul:
                raise SourceError(
                    f"{display}: cannot detect the encoding (the file contains NUL bytes but no UTF-16 "
                    "byte-order mark); set read.encoding in the rule file (e.g. utf-16-le)"
                )
            if state.utf8_error is None:
                encoding.name = "utf-8"
            else:
                # decode_text's fallback: cp1252, or latin-1 where cp1252 lacks a byte.
                encoding.name = encoding.transcode = "cp1252" if state.bad_byte is None else "latin-1"
        if head.mac and state.lf_seen:
            raise SourceError(
                f"{display}: mixes line endings (lone CRs at the start, LF further on); convert the line "
                "endings, or audit the file without chunks"
            )
        if state.parity:
            raise SourceError(
                f"{display}:{state.start_line}: a quoted field in the record starting on this line is never "
                'closed; close the quote, and write quotes inside quoted fields as ""'
            )
        if state.literal is not None and state.literal.line is not None:
            raise stray_quote_error(display, state.literal.line)
        header = self._utf8(head.header_bytes)
        buf: Bytes = np.frombuffer(header, dtype=np.uint8)
        zero = np.zeros(1, dtype=np.int64)
        # The header alone, on its real line, for read_delimited's header splitter.
        records = Records(
            starts=zero,
            ends=zero + buf.size,
            stops=zero + buf.size,
            lines=zero + head.header_line,
            quotes=np.flatnonzero(buf == _QUOTE).astype(np.int64),
            newlines=np.flatnonzero(buf == _NEWLINE).astype(np.int64),
            unclosed=False,
        )
        self.names = _header_names(buf, records, 0, head.delimiter, head.width, display)
        check_header(self.names, [str(i) for i in range(1, head.width + 1)], display)
        self.original_types = ["string"] * head.width
        self._header_line = header + b"\n"
        if not state.data:
            raise SourceError(
                f"{display}: the file has a header but no data rows; export the data again or remove this source"
            )
        if state.ragged is not None:
            line, count = state.ragged
            raise SourceError(
                f"{display}:{line}: record has {count} field{'s' if count != 1 else ''}, "
                f"the header has {head.width}; quote fields that contain the delimiter or fix the row"
            )

    def _utf8(self, raw: bytes) -> bytes:
        codec = self._encoding.transcode
        return raw.decode(codec).encode("utf-8") if codec else raw

    def pieces(self, columns: list[int]) -> Iterator[_Piece]:
        with self._path.open("rb") as handle:
            for index, line in enumerate(self._lines):
                start, stop = self._bounds[index], self._bounds[index + 1]
                handle.seek(self._encoding.skip + start)
                expected = min(self._chunk_rows, self.rows - index * self._chunk_rows)
                yield self._parse(handle.read(stop - start), line, expected, columns)

    def _parse(self, raw: bytes, line: int, expected: int, columns: list[int]) -> _Piece:
        """One chunk's records, as read_delimited parses the whole file: blank records cut out
        of the bytes, the header in front, polars for the values."""
        head = self._head
        if head.mac:
            raw = raw.replace(b"\r", b"\n")
        text = self._utf8(raw)
        buf: Bytes = np.frombuffer(text, dtype=np.uint8)
        records = scan(buf)
        blank = _blank(buf, records, ord(head.delimiter), head.width)
        data = np.flatnonzero(~blank)
        if data.size != expected:
            # The chunk was cut at record boundaries the scan found; reading it again must
            # find the same records.
            raise RuntimeError(
                f"{self._display}: chunk at line {line} has {data.size} records, not {expected}"
            )
        body = (
            without_ranges(buf, records.starts[blank], records.stops[blank]).tobytes()
            if blank.any()
            else text
        )
        frame = _parse(self._header_line + body, head.delimiter, columns)
        if frame is None or frame.width != len(columns) or frame.height != expected:
            raise self._unparsable()
        frame.columns = [self.names[i] for i in columns]
        return _Piece(frame, records.lines[data] + (line - 1))

    def _unparsable(self) -> SourceError:
        """_csv._unparsable's message: the file's first stray quote, found by the scan."""
        if self._stray is not None:
            return stray_quote_error(self._display, self._stray)
        named = DELIMITER_NAMES.get(self._head.delimiter, repr(self._head.delimiter))
        return SourceError(
            f"{self._display}: cannot be parsed as delimited text with the {named} delimiter; check the "
            "quoting, or set read.delimiter in the rule file"
        )
