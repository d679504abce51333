"""CSV and TSV copies: the input's bytes, with only the changed records' lines written again.

A record is found by the line it starts on (the audit's line numbers): it starts right after
that many line breaks, quoted or not, and ends at the first line break after which the number
of quote characters since its start is even (a doubled quote inside a quoted field counts twice,
so it never changes the parity). Only those records are decoded, split into cells and encoded
again: the delimiter, the quoting of every other cell, the encoding, a byte-order mark, the line
endings and every other record stay byte for byte as stored. A changed cell keeps its quotes
when it had them, and gets them when its new value needs them (a delimiter, quote or line
break). The work is linear in the size of the file (one search for the line breaks) plus the
changed records.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from veracity.corrections.copies.base import CellChange, by_record, missing_column, moved
from veracity.errors import UsageError

__all__ = ["rewrite_delimited"]

_QUOTE = '"'


def rewrite_delimited(
    raw: bytes, encoding: str, delimiter: str, changes: Iterable[CellChange], display: str
) -> bytes:
    """``raw`` (a CSV or TSV file in ``encoding``) with ``changes`` applied to its cells."""
    grouped = by_record(changes)
    if not grouped:
        return raw
    name = codecs.lookup(encoding).name
    if name.startswith(("utf-16", "utf-32")):
        return _rewrite_wide(raw, name, delimiter, grouped, display)
    # An ASCII-compatible encoding: quotes, delimiters and line breaks are single bytes, so the
    # bytes are searched and spliced as they are and only changed records are decoded.
    codec = "utf-8" if name == "utf-8-sig" else name
    body_start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    text = _Text(raw, body_start, codec, delimiter.encode(codec), b'"', b"\n" if b"\n" in raw else b"\r")
    return bytes(text.rewrite(grouped, display))


def _rewrite_wide(
    raw: bytes, name: str, delimiter: str, grouped: dict[int, dict[str, CellChange]], display: str
) -> bytes:
    """UTF-16 and UTF-32: decoded whole, spliced as text, encoded again with the same byte
    order and byte-order mark (a lossless round trip for these encodings)."""
    boms = {
        codecs.BOM_UTF32_LE: "utf-32-le",
        codecs.BOM_UTF32_BE: "utf-32-be",
        codecs.BOM_UTF16_LE: "utf-16-le",
        codecs.BOM_UTF16_BE: "utf-16-be",
    }
    bom, codec = b"", name if name.endswith(("-le", "-be")) else f"{name}-le"
    for mark, marked in boms.items():  # UTF-32's marks first: UTF-16 LE's is a prefix of one
        if raw.startswith(mark) and marked.startswith(name[:6]):
            bom, codec = mark, marked
            break
    decoded = raw[len(bom) :].decode(codec, "surrogatepass")
    text = _Text(decoded, 0, None, delimiter, _QUOTE, "\n" if "\n" in decoded else "\r")
    return bom + str(text.rewrite(grouped, display)).encode(codec, "surrogatepass")


class _Text:
    """A delimited text as bytes (``codec`` names how records decode) or as str (``codec``
    None), with the search and splice both share."""

    # bytes and str share find, count and slicing; Any spares a cast at each of them.
    def __init__(self, buf: Any, start: int, codec: str | None, delim: Any, quote: Any, newline: Any) -> None:
        self.buf, self.start, self.codec = buf, start, codec
        self.quote, self.newline = quote, newline
        self.delimiter: str = delim.decode(codec) if isinstance(delim, bytes) and codec else str(delim)
        self._breaks: npt.NDArray[np.int64] | None = None
        self.every_quoted = False

    def _decode(self, part: Any) -> str:
        if isinstance(part, str):
            return part
        assert self.codec is not None
        # Bytes that are not valid in the encoding come back as they were when encoded again.
        return str(part.decode(self.codec, "surrogateescape"))

    def _encode(self, text: str, display: str, record: int) -> Any:
        if self.codec is None:
            return text
        try:
            return text.encode(self.codec, "surrogateescape")
        except UnicodeEncodeError:
            raise UsageError(
                f"{display}: record {record}: a corrected value cannot be written in {self.codec}, the "
                "file's encoding; do not accept that row, or convert the file to UTF-8 first"
            ) from None

    def breaks(self) -> npt.NDArray[np.int64]:
        """Offsets of every line break (quoted or not)."""
        if self._breaks is None:
            if isinstance(self.buf, bytes):
                arr = np.frombuffer(self.buf, dtype=np.uint8)
                self._breaks = np.flatnonzero(arr == ord(self.newline))
            else:
                points = np.frombuffer(self.buf.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
                self._breaks = np.flatnonzero(points == ord(str(self.newline)))
        return self._breaks

    def record_span(self, line: int) -> tuple[int, int]:
        """Start and end (before its line break) of the record starting on ``line``."""
        breaks = self.breaks()
        if line < 1 or line - 2 >= len(breaks):
            raise IndexError(line)
        start = self.start if line == 1 else int(breaks[line - 2]) + 1
        buf, pos = self.buf, start
        while True:
            end = buf.find(self.newline, pos)
            if end == -1:
                end = len(buf)
            if buf.count(self.quote, start, end) % 2 == 0 or end == len(buf):
                break
            pos = end + 1
        if self.newline in ("\n", b"\n") and end > start and buf[end - 1 : end] in ("\r", b"\r"):
            end -= 1
        return start, end

    def header(self) -> dict[str, int]:
        """Column name -> position, from the first record that is not blank. Whether the
        file's writer quotes every cell is read off it too (``every_quoted``)."""
        line = 1
        while True:
            start, end = self.record_span(line)
            text = self._decode(self.buf[start:end])
            if text.strip():
                spans = _cells(text, self.delimiter)
                self.every_quoted = all(text[a:b].startswith(_QUOTE) for a, b in spans)
                return {
                    _value(text[a:b]): i
                    for i, (a, b) in reversed(list(enumerate(_cells(text, self.delimiter))))
                }
            line += 1 + self.buf.count(self.newline, start, end)

    def rewrite(self, grouped: dict[int, dict[str, CellChange]], display: str) -> Any:
        try:
            positions = self.header()
        except IndexError:
            raise UsageError(
                f"{display} has no header record; fix the data the worklist was made from"
            ) from None
        pieces: list[Any] = []
        done = 0
        for line in sorted(grouped):
            try:
                start, end = self.record_span(line)
            except IndexError:
                raise UsageError(
                    f"{display} has no record on line {line}; audit it again with --worklist"
                ) from None
            text = self._decode(self.buf[start:end])
            pieces += [
                self.buf[done:start],
                self._encode(
                    _changed(text, self.delimiter, positions, grouped[line], display, self.every_quoted),
                    display,
                    line,
                ),
            ]
            done = end
        pieces.append(self.buf[done:])
        empty: Any = b"" if isinstance(self.buf, bytes) else ""
        return empty.join(pieces)


def _changed(
    record: str,
    delimiter: str,
    positions: dict[str, int],
    changes: dict[str, CellChange],
    display: str,
    every: bool,
) -> str:
    spans = _cells(record, delimiter)
    replaced: dict[int, str] = {}
    for column, change in changes.items():
        index = positions.get(column)
        if index is None:
            raise missing_column(display, column)
        if index >= len(spans):
            raise moved(display, change.record, column)
        a, b = spans[index]
        raw = record[a:b]
        if change.old is not None and _value(raw).strip() != change.old.strip():
            raise moved(display, change.record, column)
        replaced[index] = _written(change.new, raw, delimiter, alone=len(spans) == 1, every=every)
    out, done = [], 0
    for index in sorted(replaced):
        a, b = spans[index]
        out += [record[done:a], replaced[index]]
        done = b
    out.append(record[done:])
    return "".join(out)


def _cells(record: str, delimiter: str) -> Sequence[tuple[int, int]]:
    """Start and end of each cell of one record (quotes toggle; doubled quotes toggle twice)."""
    if _QUOTE not in record:  # most records: the delimiters are all separators
        plain, begin = [], 0
        for cell in record.split(delimiter):
            plain.append((begin, begin + len(cell)))
            begin += len(cell) + 1
        return plain
    spans, start, quoted = [], 0, False
    for i, char in enumerate(record):
        if char == _QUOTE:
            quoted = not quoted
        elif char == delimiter and not quoted:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(record)))
    return spans


def _value(raw: str) -> str:
    """A cell's value: without its quotes, doubled quotes as one."""
    if len(raw) >= 2 and raw[0] == _QUOTE and raw[-1] == _QUOTE:
        return raw[1:-1].replace('""', _QUOTE)
    return raw


def _written(value: str, raw: str, delimiter: str, *, alone: bool, every: bool) -> str:
    """``value`` as a cell, quoted as the file's writer would: when it needs quotes (a
    delimiter, quote or line break; an empty record's only cell, else a blank line), when the
    writer quotes every cell, or when it quoted this cell without need (it quotes text)."""
    chosen = raw.startswith(_QUOTE) and not _needs(_value(raw), delimiter)
    if _needs(value, delimiter) or (alone and not value) or every or chosen:
        return _QUOTE + value.replace(_QUOTE, '""') + _QUOTE
    return value


def _needs(value: str, delimiter: str) -> bool:
    return any(char in value for char in (delimiter, _QUOTE, "\n", "\r"))
