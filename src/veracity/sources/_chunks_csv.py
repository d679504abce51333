"""CSV/TSV read in chunks: one streaming scan of the bytes, then one chunk's byte range at a time.

The scan carries the quote parity from block to block (quoted fields may span lines and
blocks), checks the structure (field counts, misplaced and unclosed quotes), gathers what the
encoding decision needs, computes the SHA-256 and notes where each chunk of ``chunk_rows``
data records starts. Every rule of ``_csv.read_delimited`` applies, mostly by calling its
functions, and the same input fails with the same message. Encodings: UTF-8 is read as is;
single-byte encodings (cp1252, iso-8859-7, ...) share ASCII's quote, delimiter and
line-break bytes, so the structure is found on the raw bytes and each chunk is transcoded on
its own; multi-byte encodings (UTF-16, Shift-JIS, ...) cannot be cut at byte offsets found
that way and are refused.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from veracity.errors import SourceError
from veracity.sources._csv import (
    _delimiter,
    _detect_delimiter,
    _header_names,
    _parse,
    _unparsable,
    check_width,
    comment_error,
    comment_line,
    quote_error,
    ragged_error,
    unclosed_error,
)
from veracity.sources._detect import (
    _BOMS,
    _UTF8_CODECS,
    guess_encoding,
    lookup_codec,
    nul_error,
    sample_text,
    undecodable,
    undetected,
)
from veracity.sources._lines import (
    Bytes,
    Ints,
    QuoteCheck,
    Records,
    field_counts,
    has_text,
    is_mac,
    lone_crs,
    scan,
    universal_newlines,
    without_ranges,
)
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import check_header, empty_file, no_data_rows, refuse_data_header
from veracity.sources.base import Format, ReadOptions

__all__ = ["Delimited"]

#: Bytes per read in the structure scan: large enough for numpy to run at memory speed, small
#: enough that the scan's temporary arrays (a few bytes per input byte) stay far below a chunk.
_BLOCK = 32 << 20
#: The header and the delimiter sample are detected on a prefix of the text that grows from
#: this size until it holds them; it stops growing at the cap (records of megabytes each).
_HEAD_START = 1 << 20
_HEAD_CAP = 64 << 20
#: Records the normal loader samples to detect the delimiter (``_csv._detect_delimiter``).
_SAMPLE_RECORDS = 50
#: What ``_csv`` looks at: bytes for a comment block; the first non-ASCII bytes for the
#: encoding detector; the file's start for UTF-16 without a byte-order mark.
_COMMENT_BYTES = 1 << 16
_SAMPLE_OFFSETS = 4096
_NUL_HEAD = 1 << 16

_NEWLINE = ord("\n")
_CR = ord("\r")
_QUOTE = ord('"')
_SPACE = ord(" ")


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
# encoding


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
    #: Decide after the scan, as ``_detect.decode`` does when no encoding is given.
    detect: bool = False
    #: Given or BOM-marked UTF-8: bytes that are not UTF-8 are an error.
    validate: bool = False
    #: The encoding comes from a byte-order mark.
    bom: bool = False
    confidence: float | None = None


def _choose_encoding(first: bytes, given: str | None, display: str) -> _Encoding:
    """The part of ``_detect.decode``'s decision that the first bytes settle."""
    if given is not None:
        codec = lookup_codec(given, display)
        # A UTF-8 byte-order mark is skipped whatever the encoding.
        skip = len(codecs.BOM_UTF8) if first.startswith(codecs.BOM_UTF8) else 0
        if codec.name in _UTF8_CODECS:
            return _Encoding(skip=skip, name=given, validate=True)
        if _single_byte_codec(codec.name):
            return _Encoding(skip=skip, name=given, transcode=codec.name)
        raise _refused(display, given)
    for bom, name in _BOMS:
        if first.startswith(bom):
            if name != "utf-8-sig":
                raise _refused(display, name)
            return _Encoding(skip=len(bom), name=name, validate=True, bom=True, confidence=1.0)
    return _Encoding(detect=True)


# ---------------------------------------------------------------------------------------------
# structure


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
    totals, and what the checks after the scan need."""

    quotes: QuoteCheck
    offset: int = 0  # text offset of the next block
    parity: int = 0  # quotes seen so far, modulo 2
    newlines: int = 0  # line breaks seen so far
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
    nul: int | None = None  # line of the first NUL byte
    utf8_error: int | None = None  # text offset of the first byte that is not UTF-8
    utf8_line: int = 0  # and its line
    bad_byte: int | None = None  # line of the first byte the given single-byte codec lacks
    high: list[int] = field(default_factory=list)  # offsets of the first non-ASCII bytes
    sha256: str = ""


class Delimited(Reader):
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
            self._check(state, handle)
        self.sha256 = state.sha256
        self.delimiter = self._head.delimiter
        self.encoding = self._encoding.name
        self.encoding_confidence = self._encoding.confidence
        self.rows = state.data
        self._bounds = [*state.bounds, self._text_size]
        self._lines = state.lines

    def _read_head(self, handle: IO[bytes], fmt: Format, options: ReadOptions) -> _Head:
        """Header and delimiter, found by read_delimited's own functions on a prefix that holds
        the header and the delimiter sample (or the whole text)."""
        want = min(_HEAD_START, self._text_size)
        while True:
            handle.seek(self._encoding.skip)
            text = handle.read(want)
            # read_delimited's rule for the whole text: no "\n" at all, but some "\r".
            mac = is_mac(text)
            text = universal_newlines(text, mac)
            whole = len(text) >= self._text_size
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
                raise empty_file(self._display)
            raise SourceError(
                f"{self._display}: no complete record in the first {_HEAD_CAP >> 20} MiB (most likely a "
                "quoted field that is never closed); close the quote, or audit the file without chunks"
            )
        start = int(records.starts[header])
        comment = comment_line(text[start : start + _COMMENT_BYTES], int(records.lines[header]))
        delimiter = _delimiter(options.delimiter, fmt, self._display) or _detect_delimiter(
            buf, records, texty, header
        )
        width = int(field_counts(buf, records.starts, records.quotes, ord(delimiter))[header])
        header_bytes = buf[records.starts[header] : records.ends[header]].tobytes()
        return _Head(header, int(records.lines[header]), header_bytes, delimiter, width, comment, mac)

    def _scan(self, handle: IO[bytes]) -> _Scan:
        """One pass over the file: hash, encoding facts, records, structure, chunk bounds."""
        encoding = self._encoding
        state = _Scan(quotes=QuoteCheck(ord(self._head.delimiter)))
        hasher = hashlib.sha256()
        handle.seek(0)
        hasher.update(handle.read(encoding.skip))
        decoder = codecs.getincrementaldecoder("utf-8")()
        check_utf8 = encoding.validate or encoding.detect
        rejected = _undecodable_bytes(encoding.transcode) if encoding.transcode else None
        delimiter = ord(self._head.delimiter)
        while block := handle.read(_BLOCK):
            hasher.update(block)
            following = handle.read(1)
            handle.seek(-len(following), 1)
            arr: Bytes = np.frombuffer(block, dtype=np.uint8)
            quotes = np.flatnonzero(arr == _QUOTE)
            arr = self._line_ends(state, arr, b"\r" in block, following, quotes)
            newlines = np.flatnonzero(arr == _NEWLINE)
            if check_utf8 and state.utf8_error is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block, state.offset + len(block) >= self._text_size)
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
            self._block(state, arr, quotes, newlines, delimiter)
            state.offset += arr.size
        self._finish(state)
        state.sha256 = hasher.hexdigest()
        return state

    def _line_ends(self, state: _Scan, arr: Bytes, has_cr: bool, following: bytes, quotes: Ints) -> Bytes:
        """The block with read_delimited's line ends (``_lines.universal_newlines``)."""
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

    def _block(self, state: _Scan, arr: Bytes, quotes: Ints, newlines: Ints, delimiter: int) -> None:
        """Close every record that ends in this block; carry the one still open."""
        offset = state.offset
        # A newline ends a record when an even number of quotes precedes it (see _lines); the
        # quotes of earlier blocks count through the carried parity.
        terminators = newlines[((state.parity + np.searchsorted(quotes, newlines)) & 1) == 0]
        delimiters = np.flatnonzero(arr == delimiter)
        state.quotes.feed(arr, quotes, newlines, 1 + state.newlines)
        if quotes.size or state.parity:
            # Inside quotes (opened here or in an earlier block) a delimiter is text.
            delimiters = delimiters[((state.parity + np.searchsorted(quotes, delimiters)) & 1) == 0]
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

    def _detect(self, state: _Scan, handle: IO[bytes]) -> None:
        """``_detect.decode``'s decision for text without a byte-order mark or given encoding."""
        display, encoding = self._display, self._encoding
        if state.nul is not None:
            handle.seek(0)
            raise nul_error(display, handle.read(_NUL_HEAD), state.nul)
        if state.utf8_error is None:
            encoding.name, encoding.confidence = "utf-8", 1.0
            return

        def read(start: int, stop: int) -> bytes:
            handle.seek(start)
            return handle.read(stop - start)

        sample = sample_text(read, self._text_size, [*state.high, state.utf8_error])
        codec, encoding.confidence = guess_encoding(sample, display, lambda: state.utf8_line)
        if not _single_byte_codec(codec):
            raise _refused(display, codec)
        bad = _undecodable_bytes(codec)
        line = self._first_line_with(handle, bad) if bad.any() else None
        if line is not None:
            raise undetected(display, codec, line)
        encoding.name = encoding.transcode = codec

    def _first_line_with(self, handle: IO[bytes], values: npt.NDArray[np.bool_]) -> int | None:
        """Line of the first byte whose value is marked in ``values``, if any (one more pass,
        only for text that is not UTF-8)."""
        state = _Scan(quotes=QuoteCheck(0))
        handle.seek(self._encoding.skip)
        while block := handle.read(_BLOCK):
            following = handle.read(1)
            handle.seek(-len(following), 1)
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

    def _check(self, state: _Scan, handle: IO[bytes]) -> None:
        """Raise what the normal loader raises for the file, in its order; settle the names."""
        display, encoding, head = self._display, self._encoding, self._head
        if not state.nonblank:
            raise empty_file(display)
        if encoding.validate and state.utf8_error is not None:
            raise undecodable(display, encoding.name or "utf-8", state.utf8_line, encoding.bom)
        if encoding.transcode is not None and state.bad_byte is not None:
            raise undecodable(display, encoding.name or encoding.transcode, state.bad_byte)
        if encoding.detect:
            self._detect(state, handle)
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
        refuse_data_header(self.names, f"{display}:{head.header_line}")
        check_header(self.names, [str(i) for i in range(1, head.width + 1)], display)
        self.original_types = ["string"] * head.width
        self._header_line = header + b"\n"
        if not state.data:
            raise no_data_rows(display)
        if state.ragged is not None:
            line, count = state.ragged
            raise ragged_error(display, line, count, head.width, head.delimiter)

    def _utf8(self, raw: bytes) -> bytes:
        codec = self._encoding.transcode
        return raw.decode(codec).encode("utf-8") if codec else raw

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        with self._path.open("rb") as handle:
            for index, line in enumerate(self._lines):
                start, stop = self._bounds[index], self._bounds[index + 1]
                handle.seek(self._encoding.skip + start)
                expected = min(self._chunk_rows, self.rows - index * self._chunk_rows)
                yield self._parse(handle.read(stop - start), line, expected, columns)

    def _parse(self, raw: bytes, line: int, expected: int, columns: list[int]) -> Piece:
        """One chunk's records, as read_delimited parses the whole file: blank records cut out
        of the bytes, the header in front, polars for the values."""
        head = self._head
        text = universal_newlines(self._utf8(raw), head.mac)
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
            raise _unparsable(self._display, head.delimiter)
        frame.columns = [self.names[i] for i in columns]
        return Piece(frame, records.lines[data] + (line - 1))
