"""CSV and TSV: one streaming scan of the text, then one chunk's byte range at a time.

This is the one reader of delimited text. The scan reads the text a block at a time, carrying
the quote parity from block to block (quoted fields may span lines and blocks); it checks the
structure (field counts, misplaced and unclosed quotes), gathers what the encoding decision
needs, notes the line of every data record, the byte range of every blank record and where
each chunk of ``chunk_rows`` data records starts. A chunk is then parsed by polars from its
byte range, blank records cut out, without the header (columns are named after the parse).

The whole-file read (``_whole_csv.read_delimited``) is the case of one chunk over text held in
memory: the text is decoded first (any encoding, UTF-16 and Shift-JIS included), and polars
parses it on a thread while the scan runs, so the parse is used as it is unless blank records
must be cut out first (rare). A file read in chunks is read from disk twice (the scan, then
each chunk's range) and never held whole. Its encodings: UTF-8 is read as is; single-byte
encodings (cp1252, iso-8859-7, ...) share ASCII's quote, delimiter and line-break bytes, so
the structure is found on the raw bytes and each chunk is transcoded on its own; multi-byte
encodings cannot be cut at byte offsets found that way and are refused.

The text must be what RFC 4180 writes: a quote that neither opens nor closes a field is refused
at its line (``_lines.QuoteCheck``), as are comment lines at the top and a first row that
looks like data instead of a header. Line breaks are LF, CRLF or a lone CR.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import SourceError
from veracity.sources._csv import (
    MAX_COLUMNS,
    check_width,
    comment_error,
    comment_line,
    delimiter_option,
    detect_delimiter,
    header_names,
    parse_text,
    quote_error,
    ragged_error,
    unclosed_error,
    unparsable,
)
from veracity.sources._detect import (
    StreamEncoding,
    choose_encoding,
    guess_encoding,
    nul_error,
    refused_in_chunks,
    sample_text,
    single_byte_codec,
    undecodable,
    undecodable_bytes,
    undetected,
)
from veracity.sources._lines import (
    Bytes,
    Ints,
    QuoteCheck,
    Unprepared,
    delimiters_outside_quotes,
    delimiters_per_segment,
    field_counts,
    has_text_in,
    is_mac,
    line_feeds,
    lone_crs,
    offsets_of,
    scan,
    universal_newlines,
    without_ranges,
)
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import check_header, empty_file, no_data_rows, refuse_data_header
from veracity.sources._text import File, Memory, Text
from veracity.sources.base import Format, ReadOptions

__all__ = ["Delimited"]

#: Bytes per block of the scan: small enough that a block and its masks stay in a core's L2
#: cache (2 MiB here) from one comparison to the next, so that only the first reads memory
#: (32 MiB blocks took 0.95 s of CPU to scan 1.2 GB of free text, 1 MiB blocks 0.56 s; half a
#: MiB no less), large enough that numpy's calls per block cost little.
_BLOCK = 1 << 20
#: The header and the delimiter sample are detected on a prefix of the text that grows from
#: this size until it holds them; for a file read in chunks it stops growing at the cap
#: (records of megabytes each).
_HEAD_START = 1 << 20
_HEAD_CAP = 64 << 20
#: Records read to detect the delimiter.
_SAMPLE_RECORDS = 50
#: What the checks look at: bytes for a comment block; the first non-ASCII bytes for the
#: encoding detector; the file's start for UTF-16 without a byte-order mark.
_COMMENT_BYTES = 1 << 16
_SAMPLE_OFFSETS = 4096
_NUL_HEAD = 1 << 16
#: A chunk read from a file is read and parsed this many bytes (whole records) at a time, and
#: the parts joined: the chunk's raw bytes are then never all in memory beside its values.
_PART_BYTES = 64 << 20
#: Bytes per value up to which a text held in memory is tested for ASCII (see
#: ``_chunks.blanks_to_null``): the test reads every byte, the blank values it speeds up are
#: one comparison a value fewer.
_ASCII_PAYS = 32

_NEWLINE = ord("\n")
_CR = ord("\r")
_QUOTE = ord('"')
#: No offsets: a block without quotes.
_NONE: Ints = np.zeros(0, dtype=np.int64)
_NONE.setflags(write=False)


@dataclass
class _Head:
    """What a prefix of the text settles: the header record, the delimiter, the field count."""

    header: int  # index of the header record
    header_line: int
    header_bytes: bytes  # the header's content, as in the file (not transcoded)
    delimiter: str
    width: int
    comment: int | None  # line of a comment block the text starts with
    mac: bool  # lone CRs end the lines ("CSV (Macintosh)")


@dataclass
class _Scan:
    """The structure scan's state between blocks: the open (unfinished) record, running
    totals, and what the checks and the chunks need."""

    quotes: QuoteCheck
    offset: int = 0  # text offset of the next block
    parity: int = 0  # quotes seen so far, modulo 2
    newlines: int = 0  # line breaks seen so far
    record: int = 0  # index of the open record
    start: int = 0  # its first byte
    start_line: int = 1  # the line it starts on
    delimiters: int = 0  # delimiters outside quotes seen in it
    text: bool = False  # a significant byte seen in it (known only while it has no delimiter)
    last: int = -1  # the previous block's last byte
    data: int = 0  # data records so far
    ragged: tuple[int, int] | None = None  # (line, fields) of the first ragged data record
    bounds: list[int] = field(default_factory=list)  # text offset of each chunk's first record
    cuts: list[int] = field(default_factory=list)  # and of the data records parts start at
    window: int = -1  # the _PART_BYTES window the last data record started in
    positions: list[npt.NDArray[np.uint32]] = field(default_factory=list)  # line of each data record
    blank_starts: list[Ints] = field(default_factory=list)  # byte ranges of blank records
    blank_stops: list[Ints] = field(default_factory=list)  # after the header
    lf_seen: bool = False  # a "\n" in a text taken for a Mac one
    nul: int | None = None  # line of the first NUL byte
    utf8_error: int | None = None  # text offset of the first byte that is not UTF-8
    utf8_line: int = 0  # and its line
    bad_byte: int | None = None  # line of the first byte the given single-byte codec lacks
    high: list[int] = field(default_factory=list)  # offsets of the first non-ASCII bytes
    lean: bool = False  # records' fields taken to be the header's, proven after (see _lean)
    total: int = 0  # delimiters outside quotes in the whole text, in a lean scan


class Delimited(Reader):
    """A CSV/TSV text: scanned once when opened, then read one chunk's byte range at a time
    (``chunk_rows=None``: the whole text, held in memory, as one chunk)."""

    def __init__(
        self,
        text: Text,
        fmt: Format,
        options: ReadOptions,
        display: str,
        chunk_rows: int | None,
        encoding: StreamEncoding,
        hasher: Callable[[bytes], object] | None = None,
        *,
        unprepared: bool = False,
    ) -> None:
        """``unprepared``: the text in memory is the file's bytes as read, not yet tested for NUL
        bytes and lone CRs; :class:`Unprepared` is raised if it holds either (or is a TSV, whose
        tabs the test would list)."""
        self._display = display
        self._chunk_rows = chunk_rows
        self._encoding = encoding
        self._path: Path | None = None
        self.position_kind = "line"
        self.size = text.size
        self._head = self._read_head(text, fmt, options)
        self._unprepared = unprepared
        if unprepared and (self._head.mac or self._head.delimiter == "\t"):
            raise Unprepared
        early: Future[pl.DataFrame | None] | None = None
        with ThreadPoolExecutor(max_workers=1) as parser:
            if isinstance(text, Memory) and self._head.width <= MAX_COLUMNS:
                # polars parses the text while its structure is checked: the parse is used as
                # it is unless blank records must be cut out first, and dropped if checks fail.
                early = parser.submit(parse_text, text.text, self._head.delimiter)
            lean = early is not None and self._head.header == 0 and self._head.width > 1
            state = self._scan(text, hasher, lean)
            if lean and not self._lean_holds(state, text, early):
                state = self._scan(text, hasher, lean=False)
            self._check(state, text)
            self.rows = state.data
            self._bounds = [*state.bounds, text.size]
            self._cuts = np.array(state.cuts, dtype=np.int64)
            self._positions = np.concatenate(state.positions)
            self._blank_starts = np.concatenate([np.zeros(0, dtype=np.int64), *state.blank_starts])
            self._blank_stops = np.concatenate([np.zeros(0, dtype=np.int64), *state.blank_stops])
            self._whole: Piece | None = None
            if isinstance(text, Memory):
                speculative = early.result() if early is not None else None
                everything = list(range(self._head.width))
                # Unless the text is the header and the data records, nothing else (then as
                # parsed), the data records are parsed again without what precedes them.
                if self._head.header != 0 or self._blank_starts.size:
                    speculative = self._part(text.text[self._bounds[0] :], self._bounds[0], everything)[0]
                # (A pass over the bytes: it pays for itself in blank values when they are short.)
                short = text.size <= _ASCII_PAYS * self.rows * self._head.width
                self._whole = self._chunk(0, everything, [(speculative, short and text.text.isascii())])
        self.delimiter = self._head.delimiter
        self.encoding = encoding.name
        self.encoding_confidence = encoding.confidence

    @classmethod
    def of_file(
        cls, path: Path, fmt: Format, options: ReadOptions, display: str, chunk_rows: int
    ) -> Delimited:
        """A file read in chunks of ``chunk_rows`` data records."""
        size = path.stat().st_size
        with path.open("rb") as handle:
            encoding = choose_encoding(handle.read(4), options.encoding, display)
            handle.seek(0)
            hasher = hashlib.sha256(handle.read(encoding.skip))
            text = File(handle, encoding.skip, size - encoding.skip)
            reader = cls(text, fmt, options, display, chunk_rows, encoding, hasher.update)
        reader._path = path
        reader.size = size
        reader.sha256 = hasher.hexdigest()
        return reader

    #: The SHA-256 of a file read in chunks (a whole read's bytes are hashed by their reader).
    sha256 = ""

    def _read_head(self, text: Text, fmt: Format, options: ReadOptions) -> _Head:
        """Header and delimiter, found on a prefix that holds the header and the delimiter
        sample (or the whole text)."""
        want = min(_HEAD_START, text.size)
        cap = _HEAD_CAP if self._chunk_rows is not None else text.size
        while True:
            prefix = text.read(0, want)
            # The rule for the whole text: no "\n" at all, but some "\r".
            mac = is_mac(prefix)
            prefix = universal_newlines(prefix, mac)
            whole = len(prefix) >= text.size
            buf: Bytes = np.frombuffer(prefix, dtype=np.uint8)
            records = scan(buf)
            texty = has_text_in(buf, records.starts, records.ends)
            # The prefix may cut the last record short: it counts once its terminator is in.
            complete = records.starts.size
            if not whole and not (prefix.endswith(b"\n") and records.quotes.size % 2 == 0):
                complete -= 1
            texty[complete:] = False
            header = int(np.argmax(texty)) if texty.any() else -1
            sampled = int(np.count_nonzero(texty[header:])) if header >= 0 else 0
            if whole or (header >= 0 and sampled >= _SAMPLE_RECORDS) or want >= cap:
                break
            want = min(want * 2, text.size)
        if header < 0:
            if whole:
                raise empty_file(self._display)
            raise SourceError(
                f"{self._display}: no complete record in the first {_HEAD_CAP >> 20} MiB (most likely a "
                "quoted field that is never closed); close the quote, or audit the file without chunks"
            )
        start = int(records.starts[header])
        comment = comment_line(prefix[start : start + _COMMENT_BYTES], int(records.lines[header]))
        delimiter = delimiter_option(options.delimiter, fmt, self._display)
        if delimiter is None:
            sample = np.flatnonzero(texty[header:])[:_SAMPLE_RECORDS] + header
            delimiter = detect_delimiter(buf, records, sample)
        width = int(field_counts(buf, records.starts, records.quotes, ord(delimiter))[header])
        header_bytes = buf[records.starts[header] : records.ends[header]].tobytes()
        return _Head(header, int(records.lines[header]), header_bytes, delimiter, width, comment, mac)

    def _scan(self, text: Text, hasher: Callable[[bytes], object] | None, lean: bool = False) -> _Scan:
        """One pass over the text: hash, encoding facts, records, structure, chunk bounds."""
        encoding = self._encoding
        state = _Scan(quotes=QuoteCheck(ord(self._head.delimiter)), lean=lean)
        decoder = codecs.getincrementaldecoder("utf-8")()
        check_utf8 = encoding.validate or encoding.detect
        rejected = undecodable_bytes(encoding.transcode) if encoding.transcode else None
        scratch = np.empty(min(_BLOCK, text.size) + 1, dtype=np.bool_)
        while state.offset < text.size:
            if isinstance(text, Memory):
                # A view, not a copy; the text has its universal line breaks already, and its
                # encoding is settled (see read_delimited).
                arr: Bytes = np.frombuffer(
                    text.text, np.uint8, min(_BLOCK, text.size - state.offset), state.offset
                )
                stop = state.offset + arr.size
                # (bytes.find is a memchr: a text without quotes costs no pass to list them.)
                quoted = text.text.find(b'"', state.offset, stop) >= 0
                quotes = offsets_of(arr, _QUOTE, scratch) if quoted else _NONE
                if self._unprepared:
                    newlines = line_feeds(arr, text.text[stop] if stop < text.size else -1, scratch)
                else:
                    newlines = offsets_of(arr, _NEWLINE, scratch)
                self._block(state, arr, quotes, newlines, scratch)
                state.offset += arr.size
                continue
            block = text.read(state.offset, state.offset + _BLOCK)
            if hasher is not None:
                hasher(block)
            following = text.read(state.offset + len(block), state.offset + len(block) + 1)
            arr = np.frombuffer(block, dtype=np.uint8)
            quotes = offsets_of(arr, _QUOTE, scratch) if b'"' in block else _NONE
            arr = self._line_ends(state, arr, b"\r" in block, following, quotes)
            newlines = offsets_of(arr, _NEWLINE, scratch)
            if check_utf8 and state.utf8_error is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block, state.offset + len(block) >= text.size)
                except UnicodeDecodeError as exc:
                    # (It may begin in the previous block: pending bytes, never a line break.)
                    state.utf8_error = state.offset - pending + exc.start
                    state.utf8_line = self._line(state, newlines, state.utf8_error)
            if encoding.detect:
                if state.nul is None and b"\x00" in block:
                    state.nul = self._line(state, newlines, state.offset + block.index(b"\x00"))
                if len(state.high) < _SAMPLE_OFFSETS and not block.isascii():
                    high = np.flatnonzero(arr >= 0x80)[: _SAMPLE_OFFSETS - len(state.high)]
                    state.high.extend((high + state.offset).tolist())
            if rejected is not None and state.bad_byte is None:
                # Below 0x80 these codecs are ASCII: only the (usually few) other bytes can be
                # undefined, and looking up just those avoids a table lookup per byte.
                high = np.flatnonzero(arr >= 0x80)
                bad = high[rejected[arr[high]]]
                if bad.size:
                    state.bad_byte = self._line(state, newlines, state.offset + int(bad[0]))
            self._block(state, arr, quotes, newlines, scratch)
            state.offset += arr.size
        self._finish(state, text.size)
        return state

    def _line_ends(self, state: _Scan, arr: Bytes, has_cr: bool, following: bytes, quotes: Ints) -> Bytes:
        """The block with universal line breaks (``_lines.universal_newlines``)."""
        if self._head.mac:
            state.lf_seen = state.lf_seen or bool((arr == _NEWLINE).any())
            return np.where(arr == _CR, np.uint8(_NEWLINE), arr)
        if not has_cr:
            return arr
        lone = lone_crs(arr, following[0] if following else -1, quotes, state.parity)
        if lone.size:
            arr = arr.copy()
            arr[lone] = _NEWLINE
        return arr

    @staticmethod
    def _line(state: _Scan, newlines: Ints, offset: int) -> int:
        """Line of a text offset in the current block (whose line breaks are ``newlines``)."""
        return 1 + state.newlines + int(np.searchsorted(newlines, offset - state.offset))

    def _block(
        self, state: _Scan, arr: Bytes, quotes: Ints, newlines: Ints, scratch: npt.NDArray[np.bool_]
    ) -> None:
        """Close every record that ends in this block; carry the one still open.

        Every step is an array operation over the block or over its line breaks and quotes:
        no step touches each delimiter's offset, as a wide CSV has one every few bytes.
        """
        offset, size = state.offset, arr.size
        quoted = bool(quotes.size) or bool(state.parity)
        # A newline ends a record when an even number of quotes precedes it (see _lines); the
        # quotes of earlier blocks count through the carried parity.
        ends: Ints = np.arange(newlines.size, dtype=np.int64)
        if quoted:
            ends = ends[((state.parity + np.searchsorted(quotes, newlines)) & 1) == 0]
        terminators = newlines[ends]
        state.quotes.feed(arr, quotes, newlines, 1 + state.newlines)
        closed = terminators.size
        # Segments: each record ending here, then the open one (which may be empty).
        segments = np.empty(closed + 1, dtype=np.int64)
        segments[0] = 0
        segments[1:] = terminators + 1
        hits = scratch[: size + 1]
        np.equal(arr, ord(self._head.delimiter), out=hits[:size])
        if state.lean:
            # Every record taken to have the header's fields (and so text): see _lean_holds.
            state.total += delimiters_outside_quotes(hits, quotes if quoted else None, state.parity)
            counts = np.full(closed + 1, self._head.width - 1, dtype=np.int64)
            texty = np.ones(closed + 1, dtype=np.bool_)
        else:
            counts = delimiters_per_segment(hits, segments, quotes if quoted else None, state.parity)
            counts[0] += state.delimiters
            texty = self._texty(arr, segments, terminators, counts)
            texty[0] |= state.text
        if closed:
            starts = offset + segments[:-1]
            starts[0] = state.start
            lines = np.empty(closed, dtype=np.int64)
            lines[0] = state.start_line
            lines[1:] = state.newlines + 2 + ends[:-1]
            # The byte before each terminator tells a "\r\n" ending; at the block's first
            # byte it is the previous block's last.
            before = arr[np.maximum(terminators - 1, 0)].astype(np.int64)
            if terminators[0] == 0:
                before[0] = state.last
            stops = offset + terminators + 1
            fields = counts[:closed] + 1
            self._classify(state, starts, stops, stops - 1 - starts, lines, fields, texty[:closed], before)
            state.start = int(offset + terminators[-1] + 1)
            state.start_line = state.newlines + 2 + int(ends[-1])
        state.delimiters = int(counts[closed])
        state.text = bool(texty[closed])
        state.record += closed
        state.parity = (state.parity + quotes.size) & 1
        state.newlines += newlines.size
        if size:
            state.last = int(arr[-1])

    def _lean_holds(self, state: _Scan, text: Text, parse: Future[pl.DataFrame | None] | None) -> bool:
        """Whether a lean scan's records are what the full scan would find: each with the
        header's number of fields but empty ones (else the text is scanned again in full).

        polars refuses a record with more fields than the header, but for a last record that
        ends in one delimiter and no line break (that one is counted here). No record has more,
        then, and if the delimiters outside quotes number the header's width less one times
        the records that are not empty (the lean scan's blank ones), the header's included, none
        has fewer: none is ragged, none blank but the empty ones (a blank record has no
        delimiter), unless the header is one field (then the full scan runs). polars reads an
        empty line as a row.
        """
        if not isinstance(text, Memory) or parse is None:  # (a lean scan is of text in memory)
            return False
        parsed = parse.result()
        empty = sum(starts.size for starts in state.blank_starts)
        if parsed is None or parsed.height != state.data + empty:
            return False
        width, size = self._head.width, text.size
        if state.total != (width - 1) * (state.data + 1):
            return False
        if state.start >= size:  # the text ends with a line break
            return True
        tail: Bytes = np.frombuffer(text.text, np.uint8, size - state.start, state.start)
        quotes = np.flatnonzero(tail == _QUOTE).astype(np.int64)
        return (
            int(field_counts(tail, np.zeros(1, dtype=np.int64), quotes, ord(self._head.delimiter))[0])
            == width
        )

    def _texty(self, arr: Bytes, segments: Ints, terminators: Ints, counts: Ints) -> npt.NDArray[np.bool_]:
        """Per segment: whether it has a byte besides ASCII whitespace. Only needed (and only
        computed) for segments without a delimiter where the header has several fields:
        whitespace alone cannot be a record of several fields, so such a record is a stray
        blank line."""
        texty = np.zeros(segments.size, dtype=np.bool_)
        suspects = np.flatnonzero(counts == 0) if self._head.width > 1 else counts[:0]
        if suspects.size:
            texty[suspects] = has_text_in(arr, segments[suspects], np.append(terminators, arr.size)[suspects])
        return texty

    def _finish(self, state: _Scan, size: int) -> None:
        """Close the record that runs to the end of the text (no final line break), if any."""
        if state.start >= size:
            return
        one = np.ones(1, dtype=np.int64)
        self._classify(
            state,
            one * state.start,
            one * size,
            one * (size - state.start),
            one * state.start_line,
            one * (state.delimiters + 1),
            np.array([state.text]),
            one * state.last,
        )
        state.record += 1

    def _classify(
        self,
        state: _Scan,
        starts: Ints,
        stops: Ints,
        lengths: Ints,
        lines: Ints,
        fields: Ints,
        texty: npt.NDArray[np.bool_],
        before: Ints,
    ) -> None:
        """Blank and data records, and chunk boundaries, of records ``[starts, stops)``."""
        head = self._head
        index = state.record + np.arange(starts.size)
        # Empty once the "\r" of a "\r\n" ending is removed.
        empty = (lengths == 0) | ((lengths == 1) & (before == _CR))
        blank = (index < head.header) | empty
        if head.width > 1:
            blank |= ~texty & (fields == 1)
        after = index > head.header
        data = np.flatnonzero(after & ~blank)
        if state.ragged is None:
            ragged = data[fields[data] != head.width]
            if ragged.size:
                state.ragged = (int(lines[ragged[0]]), int(fields[ragged[0]]))
        if self._chunk_rows is None:
            first = data[: 1 if state.data == 0 else 0]
        else:
            first = data[(state.data + np.arange(data.size)) % self._chunk_rows == 0]
        state.bounds.extend(starts[first].tolist())
        if self._chunk_rows is not None and data.size:
            # A part starts at the first data record starting in each window of _PART_BYTES.
            windows = starts[data] // _PART_BYTES
            state.cuts.extend(starts[data][windows != np.append(state.window, windows[:-1])].tolist())
            state.window = int(windows[-1])
        state.positions.append(lines[data].astype(np.uint32))
        dropped = np.flatnonzero(after & blank)
        if dropped.size:
            state.blank_starts.append(starts[dropped])
            state.blank_stops.append(stops[dropped])
        state.data += data.size

    def _detect(self, state: _Scan, text: Text) -> None:
        """``_detect.decode``'s decision for text without a byte-order mark or given encoding."""
        display, encoding = self._display, self._encoding
        if state.nul is not None:
            raise nul_error(display, text.read(0, _NUL_HEAD), state.nul)
        if state.utf8_error is None:
            encoding.name, encoding.confidence = "utf-8", 1.0
            return
        sample = sample_text(text.read, text.size, [*state.high, state.utf8_error])
        codec, encoding.confidence = guess_encoding(sample, display, lambda: state.utf8_line)
        if not single_byte_codec(codec):
            raise refused_in_chunks(display, codec)
        bad = undecodable_bytes(codec)
        line = self._first_line_with(text, bad) if bad.any() else None
        if line is not None:
            raise undetected(display, codec, line)
        encoding.name = encoding.transcode = codec

    def _first_line_with(self, text: Text, values: npt.NDArray[np.bool_]) -> int | None:
        """Line of the first byte whose value is marked in ``values``, if any (one more pass,
        only for text that is not UTF-8)."""
        state = _Scan(quotes=QuoteCheck(0))
        while state.offset < text.size:
            block = text.read(state.offset, state.offset + _BLOCK)
            following = text.read(state.offset + len(block), state.offset + len(block) + 1)
            arr: Bytes = np.frombuffer(block, dtype=np.uint8)
            quotes = np.flatnonzero(arr == _QUOTE)
            arr = self._line_ends(state, arr, b"\r" in block, following, quotes)
            newlines = np.flatnonzero(arr == _NEWLINE)
            hits = np.flatnonzero(values[arr])
            if hits.size:
                return self._line(state, newlines, state.offset + int(hits[0]))
            state.newlines += newlines.size
            state.offset += arr.size
            state.parity = (state.parity + quotes.size) & 1
        return None

    def _check(self, state: _Scan, text: Text) -> None:
        """Raise the first refusal the file deserves, in a fixed order; settle the names."""
        display, encoding, head = self._display, self._encoding, self._head
        if encoding.validate and state.utf8_error is not None:
            raise undecodable(display, encoding.name or "utf-8", state.utf8_line, encoding.bom)
        if encoding.transcode is not None and state.bad_byte is not None:
            raise undecodable(display, encoding.name or encoding.transcode, state.bad_byte)
        if encoding.detect:
            self._detect(state, text)
        if head.mac and state.lf_seen:
            raise SourceError(
                f"{display}: mixes line endings (lone CRs at the start, LF further on); convert the line "
                "endings, or audit the file without chunks"
            )
        if head.comment is not None:
            raise comment_error(display, head.comment)
        if state.quotes.problem is not None:
            raise quote_error(display, state.quotes.problem)
        if state.parity:
            raise unclosed_error(display, state.start_line)
        check_width(head.width, display, head.header_line)
        header = self._utf8(head.header_bytes)
        self.names = header_names(header, head.delimiter, head.width, f"{display}:{head.header_line}")
        refuse_data_header(self.names, f"{display}:{head.header_line}")
        check_header(self.names, [str(i) for i in range(1, head.width + 1)], display)
        self.original_types = ["string"] * head.width
        if not state.data:
            raise no_data_rows(display)
        if state.ragged is not None:
            line, count = state.ragged
            raise ragged_error(display, line, count, head.width, head.delimiter)

    def _utf8(self, raw: bytes) -> bytes:
        codec = self._encoding.transcode
        return raw.decode(codec).encode("utf-8") if codec else raw

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        if self._whole is not None:
            whole = self._whole
            yield Piece(whole.frame.select([self.names[i] for i in columns]), whole.positions, whole.ascii)
            return
        assert self._path is not None  # a reader of text in memory holds its one piece
        with self._path.open("rb") as handle:
            text = File(handle, self._encoding.skip, self._bounds[-1])
            for index in range(len(self._bounds) - 1):
                start, stop = self._bounds[index], self._bounds[index + 1]
                low, high = self._cuts.searchsorted(start, "right"), self._cuts.searchsorted(stop)
                edges = [start, *self._cuts[low:high].tolist(), stop]
                # One part's bytes at a time, each dropped once parsed; and no name here holds
                # the parts while the next chunk is read.
                yield self._chunk(
                    index,
                    columns,
                    [self._part(text.read(a, b), a, columns) for a, b in itertools.pairwise(edges)],
                )

    def _part(self, raw: bytes, start: int, columns: list[int]) -> tuple[pl.DataFrame | None, bool]:
        """The ``columns`` of the data records of text offsets ``[start, start + len(raw))``
        (``raw``), blank records cut out, as polars parses them (None if it refuses); and
        whether ``raw`` is ASCII."""
        # (Text held in memory has its universal line breaks already.)
        text = raw if self._path is None else universal_newlines(raw, self._head.mac)
        low, high = np.searchsorted(self._blank_starts, [start, start + len(text)])
        if high > low:
            buf: Bytes = np.frombuffer(text, dtype=np.uint8)
            text = without_ranges(
                buf, self._blank_starts[low:high] - start, self._blank_stops[low:high] - start
            ).tobytes()
        # Parsed without the header: putting it in front would copy the whole text.
        return parse_text(self._utf8(text), self._head.delimiter, columns, header=False), raw.isascii()

    def _chunk(self, index: int, columns: list[int], parts: list[tuple[pl.DataFrame | None, bool]]) -> Piece:
        """Chunk ``index`` from the parses of its parts (see ``_part``; for text in memory, the
        one part may be polars' parse of the whole text, header included, when that text is the
        header and the chunk and nothing else)."""
        first = index * (self._chunk_rows or 0)
        expected = min(self._chunk_rows or self.rows, self.rows - first)
        names = [self.names[i] for i in columns]
        frames = [part for part, _ in parts if part is not None and part.width == len(names)]
        parsed = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0] if frames else None
        if len(frames) != len(parts) or parsed is None or parsed.height != expected:
            raise unparsable(self._display, self._head.delimiter)
        parsed.columns = names
        plain = all(is_ascii for _, is_ascii in parts)
        return Piece(parsed, self._positions[first : first + expected].astype(np.int64), plain)
