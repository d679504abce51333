"""CSV and TSV read whole: text held in memory (a file read without chunks, a named pipe,
standard input), decoded and read by ``_chunks_csv.Delimited`` as one chunk."""

from __future__ import annotations

from veracity.errors import SourceError
from veracity.sources._chunks_csv import Delimited
from veracity.sources._detect import StreamEncoding, decode, is_utf8
from veracity.sources._lines import Unprepared, is_mac, universal_newlines
from veracity.sources._table import Table
from veracity.sources._text import Memory
from veracity.sources.base import Format, ReadOptions

__all__ = ["read_delimited"]

_BOM_PREFIXES = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str) -> Table:
    """The whole text as one chunk: String columns named as in the header, each row's line."""
    # UTF-8 is assumed at first: polars validates every value it parses, and the header is
    # decoded strictly, which covers every byte but blank lines' ASCII whitespace. Checking
    # the text beforehand would be one more pass over it.
    try:
        return _read_delimited(raw, fmt, options, display, assume_utf8=True)
    except UnicodeDecodeError:  # the header of text taken for UTF-8 unchecked
        pass
    except SourceError:
        # A refusal of text taken for UTF-8 unchecked: the encoding comes first, as when read
        # in chunks.
        if options.encoding is None and not raw.startswith(_BOM_PREFIXES) and not is_utf8(raw):
            return _read_delimited(raw, fmt, options, display, assume_utf8=False)
        raise
    return _read_delimited(raw, fmt, options, display, assume_utf8=False)


def _read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str, assume_utf8: bool) -> Table:
    reader = _read_as_read(raw, fmt, options, display) if assume_utf8 else None
    if reader is None:
        decoded = decode(raw, options.encoding, display, assume_utf8=assume_utf8)
        text = universal_newlines(decoded.text, is_mac(decoded.text))
        encoding = StreamEncoding(name=decoded.encoding, confidence=decoded.confidence)
        reader = Delimited(Memory(text), fmt, options, display, None, encoding)
    piece = next(reader.pieces(list(range(len(reader.names)))))
    return Table(
        frame=piece.frame,
        positions=piece.positions,
        position_kind="line",
        original_types=reader.original_types,
        encoding=reader.encoding,
        delimiter=reader.delimiter,
        encoding_confidence=reader.encoding_confidence,
        ascii=piece.ascii,
    )


def _read_as_read(raw: bytes, fmt: Format, options: ReadOptions, display: str) -> Delimited | None:
    """The bytes as read, taken for UTF-8 and scanned while testing them for NUL bytes and lone
    CRs, which ``decode`` and ``universal_newlines`` would each test in a pass of their own
    (0.2 s of CPU on 1.2 GB); None when they hold either: then the text is prepared first and
    read again, which gives a refusal its place and its line. A refusal of text that holds
    neither is raised as it is: prepared, the text would be these bytes, read the same way."""
    if options.encoding is not None or raw.startswith(_BOM_PREFIXES) or is_mac(raw):
        return None
    try:
        utf8 = StreamEncoding(name="utf-8", confidence=1.0)
        return Delimited(Memory(raw), fmt, options, display, None, utf8, unprepared=True)
    except Unprepared:
        return None
    except (SourceError, UnicodeDecodeError):
        # (Refused before the scan reached every byte, the text may hold either: two passes.)
        if b"\x00" in raw or universal_newlines(raw, mac=False) is not raw:
            return None
        raise
