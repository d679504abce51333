"""Record boundaries of delimited text, found with array operations on the UTF-8 bytes.

Provenance must name the physical line on which a record starts, which a CSV parser does not
report once quoted fields span lines. A newline ends a record exactly when an even number of
quote characters precedes it (doubled quotes inside a quoted field count twice, so they never
change the parity); the same rule tells which delimiters separate fields. Everything here is
``np.flatnonzero``/``np.searchsorted`` over the whole buffer, so the cost is a few passes over
the bytes regardless of the number of rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from veracity._cores import worker_count

__all__ = [
    "BLOCK",
    "Bytes",
    "Ints",
    "Records",
    "each_block",
    "field_counts",
    "has_text",
    "positions_of",
    "scan",
    "stray_quote",
    "without_ranges",
]

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_QUOTE = ord('"')
_NEWLINE = ord("\n")
_CR = ord("\r")
# Bytes that do not make a line "non-blank": ASCII whitespace (the newline never occurs inside
# a record's content unless quoted, and then the quotes themselves are text).
_SPACE_BYTES = [ord(c) for c in " \t\r\x0b\x0c"]


@dataclass(frozen=True)
class Records:
    """Where each record of a delimited text lies in its byte buffer."""

    starts: Ints  # offset of the record's first byte
    ends: Ints  # offset just past its content, before the "\n" or "\r\n" that ends it
    stops: Ints  # offset just past its terminator: where the next record starts
    lines: Ints  # 1-based physical line on which it starts
    quotes: Ints  # offsets of every quote byte in the buffer, for parity look-ups
    newlines: Ints  # offsets of every "\n"
    unclosed: bool  # odd number of quotes: the last record runs on to the end of the buffer

    def line_of(self, offset: int) -> int:
        """1-based line of a byte offset."""
        return int(np.searchsorted(self.newlines, offset)) + 1


def _as_ints(values: npt.ArrayLike) -> Ints:
    return np.asarray(values, dtype=np.int64)


#: Bytes compared at a time. Whole-buffer comparisons would each allocate (and the system
#: then map in) a mask as large as the file; a block-sized one stays in cache and is reused.
BLOCK = 1 << 22

T = TypeVar("T")


def each_block(pieces: Sequence[tuple[int, int]], work: Callable[[int, int, Mask], T]) -> list[T]:
    """``work(start, stop, mask)`` for each piece ``[start, stop)`` of a buffer, in order.

    Pieces run on a thread per core (numpy releases the GIL while it compares and sums);
    ``mask`` is a scratch Boolean array of the thread's, at least as long as the piece.
    """
    local = threading.local()

    def run(piece: tuple[int, int]) -> T:
        start, stop = piece
        mask = getattr(local, "mask", None)
        if mask is None or mask.size < stop - start:
            mask = local.mask = np.empty(max(stop - start, BLOCK), dtype=np.bool_)
        return work(start, stop, mask[: stop - start])

    workers = min(worker_count(), len(pieces))
    if workers < 2:
        return [run(piece) for piece in pieces]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, pieces))


def _blocks(size: int) -> list[tuple[int, int]]:
    return [(start, min(start + BLOCK, size)) for start in range(0, size, BLOCK)]


def positions_of(buf: Bytes, byte: int) -> Ints:
    """Offsets of every ``byte`` in ``buf``, in order."""

    def find(start: int, stop: int, mask: Mask) -> Ints:
        np.equal(buf[start:stop], byte, out=mask)
        return _as_ints(np.flatnonzero(mask) + start)

    found = each_block(_blocks(buf.size), find)
    return _as_ints(np.concatenate(found)) if found else _as_ints(np.zeros(0))


def scan(buf: Bytes) -> Records:
    size = buf.size
    newlines = positions_of(buf, _NEWLINE)
    quotes = positions_of(buf, _QUOTE)
    terminators = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
    starts = _as_ints(np.concatenate(([0], terminators + 1)))
    ends = _as_ints(np.concatenate((terminators, [size])))
    if starts[-1] == size:
        # A terminator at the very end (or an empty buffer): nothing follows it.
        starts, ends = starts[:-1], ends[:-1]
    stops = _as_ints(np.minimum(ends + 1, size))
    if starts.size:
        before = np.maximum(ends - 1, 0)
        carriage = (ends > starts) & (buf[before] == _CR)
        ends = ends - carriage.astype(np.int64)
    lines = _as_ints(np.searchsorted(newlines, starts) + 1)
    return Records(starts, ends, stops, lines, quotes, newlines, bool(quotes.size % 2))


def field_counts(buf: Bytes, starts: Ints, quotes: Ints, delimiter: int) -> Ints:
    """Number of fields of each record starting at ``starts`` (which must cover ``buf``).

    Delimiters are summed per record, minus those inside each quoted span (from an opening
    quote to its closing one), with ``reduceat`` over a delimiter mask: listing the
    delimiters' offsets instead costs several times more, as a wide CSV has a delimiter every
    few bytes. The mask is built for a block of whole records at a time.
    """
    count = starts.size
    counts = np.zeros(count, dtype=np.int64)
    if not count:
        return counts
    # Groups of whole records, each starting within one block of its first record's start
    # (at least one record, however long it is).
    groups: list[tuple[int, int]] = []
    first = 0
    while first < count:
        last = max(first + 1, int(np.searchsorted(starts, starts[first] + BLOCK, side="left")))
        groups.append((first, last))
        first = last
    bounds = {(int(starts[a]), int(starts[b]) if b < count else buf.size): (a, b) for a, b in groups}

    def count_group(low: int, high: int, hits: Mask) -> None:
        first, last = bounds[(low, high)]
        np.equal(buf[low:high], delimiter, out=hits)
        # (numpy's reduceat is several times slower into 64-bit sums than into 32-bit ones.)
        total = np.int32 if high - low < 2**31 else np.int64
        if high > low:
            counts[first:last] = np.add.reduceat(hits.view(np.uint8), starts[first:last] - low, dtype=total)
        within = quotes[np.searchsorted(quotes, low) : np.searchsorted(quotes, high)]
        if within.size:
            # Segments between consecutive quotes: the even-numbered ones are quoted spans (a
            # quoted span never leaves its record; an unclosed last one runs to the end).
            inside = np.add.reduceat(hits.view(np.uint8), within - low, dtype=total)[0::2]
            owners = np.searchsorted(starts, within[0::2], side="right") - 1 - first
            counts[first:last] -= np.bincount(owners, weights=inside, minlength=last - first).astype(np.int64)

    # Each group writes its own slice of counts.
    each_block(list(bounds), count_group)
    return counts + 1


def has_text(buf: Bytes, records: Records, which: Ints | None = None) -> npt.NDArray[np.bool_]:
    """Whether each record (of ``which``, default all) has anything but spaces, tabs and CRs.

    Only the bytes of the records asked about are read, so judging the few records that
    could be blank lines costs little in a large file.
    """
    starts, ends = records.starts, records.ends
    if which is not None:
        starts, ends = starts[which], ends[which]
    count = starts.size
    if not count:
        return np.zeros(0, dtype=np.bool_)
    lookup = np.ones(256, dtype=np.bool_)
    lookup[_SPACE_BYTES] = False
    lengths = ends - starts
    if which is None:
        content = buf
        offsets = starts
    else:
        # The records' bytes side by side: record i's bytes start at offsets[i].
        offsets = _as_ints(np.cumsum(lengths) - lengths)
        content = buf[np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)]
        ends = offsets + lengths
    # One extra False so that a record ending at the end of the buffer is a valid reduceat bound.
    significant = np.zeros(content.size + 1, dtype=np.bool_)
    significant[: content.size] = lookup[content]
    bounds = np.empty(2 * count, dtype=np.int64)
    bounds[0::2] = offsets
    bounds[1::2] = ends
    # reduceat over [start, end) pairs; the odd-numbered segments (between records) are ignored.
    result: npt.NDArray[np.bool_] = np.logical_or.reduceat(significant, bounds)[0::2]
    # reduceat yields the element at the start for an empty segment, not the identity.
    result[lengths == 0] = False
    return result


def without_ranges(buf: Bytes, starts: Ints, stops: Ints) -> Bytes:
    """``buf`` with the disjoint, sorted byte ranges ``[starts[i], stops[i])`` removed."""
    lengths = stops - starts
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    drop = np.arange(int(lengths.sum()), dtype=np.int64) + shift
    return np.delete(buf, drop)


def stray_quote(buf: Bytes, quotes: Ints, delimiter: int) -> int | None:
    """Offset of the first quote that neither opens a field nor closes one, if any.

    Quotes alternate between opening and closing. An opening quote must follow a delimiter, a
    line break, the start of the text, or the closing half of a doubled quote; a closing quote
    must precede a delimiter, a line break, the end of the text, or the opening half of a
    doubled quote. Used only to say where a file the CSV parser rejected goes wrong.
    """
    if not quotes.size:
        return None
    size = buf.size
    opening = quotes[0::2]
    closing = quotes[1::2]
    before = buf[np.maximum(opening - 1, 0)]
    opens_field = (opening == 0) | np.isin(before, [delimiter, _NEWLINE, _QUOTE])
    after = buf[np.minimum(closing + 1, size - 1)]
    closes_field = (closing + 1 == size) | np.isin(after, [delimiter, _NEWLINE, _CR, _QUOTE])
    bad = np.concatenate((opening[~opens_field], closing[~closes_field]))
    return int(bad.min()) if bad.size else None


class LiteralQuotes:
    """Finds the first quote the byte scan misreads: one polars keeps as text.

    The scan above reads every quote as opening or closing a quoted span. polars (like RFC
    4180 readers) does so only in a field that starts with a quote: in a field that starts with
    anything else, a quote is just a character. The two readings give the same records and
    fields unless such a quote opens a span holding a delimiter or a line break (``a"b,c"d``:
    one field to the scan, two to polars); then the scan's line numbers would be pinned on
    polars' rows of other lines, so the file must be refused instead.

    Text is fed a block at a time, in order (the whole text is one block); what a block leaves
    open is carried to the next. :attr:`line` is then the 1-based line of the first such quote.
    """

    def __init__(self, delimiter: int) -> None:
        self._delimiter = delimiter
        self._parity = 0  # quotes seen so far, modulo 2
        self._last = -1  # the byte before the current block
        self._marked = True  # a delimiter or line break since the last quote (the text's start counts)
        self._literal = False  # whether polars keeps the last opening quote as text
        self._open_line: int | None = None  # line of a literal opening quote whose span is open
        self.line: int | None = None

    def feed(
        self, arr: Bytes, quotes: Ints, newlines: Ints, delimiters: Ints, offset: int, line: int
    ) -> None:
        """One block: its bytes, the offsets within it of every quote, line break and delimiter
        (quoted or not), the block's offset in the text and the line it starts on."""
        if self.line is not None:
            return
        count = quotes.size
        marks = (newlines.size, delimiters.size)
        if not count:
            if self._open_line is not None and any(marks):
                self.line = self._open_line
            self._marked = self._marked or any(marks)
            self._last = int(arr[-1]) if arr.size else self._last
            return
        # Delimiters and line breaks before each quote, so: any between consecutive quotes.
        before_each = np.searchsorted(newlines, quotes) + np.searchsorted(delimiters, quotes)
        marked = np.empty(count, dtype=np.bool_)
        marked[0] = self._marked or before_each[0] > 0
        marked[1:] = before_each[1:] > before_each[:-1]
        if self._open_line is not None and before_each[0] > 0:
            # The span a literal quote of an earlier block opened holds a mark before it closes.
            self.line = self._open_line
            return
        previous = arr[np.maximum(quotes - 1, 0)].astype(np.int64)
        if quotes[0] == 0:
            previous[0] = self._last
        starts_field = np.isin(previous, [self._delimiter, _NEWLINE]) | (offset + quotes == 0)
        opening = np.flatnonzero(((self._parity + np.arange(count)) & 1) == 0)
        # An opening quote after a mark (or at a field's start) begins what polars reads: quoted
        # if the quote starts the field, text otherwise. One with neither follows a closing quote
        # in the same field (a doubled quote, or text after a closing quote), and is read as the
        # field's first quote was.
        settles = starts_field[opening] | marked[opening]
        settled_at = np.maximum.accumulate(np.where(settles, np.arange(opening.size), -1))
        literal = np.where(settled_at >= 0, ~starts_field[opening[np.maximum(settled_at, 0)]], self._literal)
        marks_after = np.empty(opening.size, dtype=np.bool_)
        within = opening + 1 < count
        marks_after[within] = marked[opening[within] + 1]
        if not within.all():  # the last quote opens a span that goes on past this block
            marks_after[-1] = before_each[-1] < sum(marks)
        bad = np.flatnonzero(literal & marks_after)
        lines = line + np.searchsorted(newlines, quotes[opening])
        if bad.size:
            self.line = int(lines[bad[0]])
            return
        if opening.size:
            self._literal = bool(literal[-1])
        last_opens = ((self._parity + count - 1) & 1) == 0
        self._open_line = int(lines[-1]) if last_opens and self._literal else None
        self._parity = (self._parity + count) & 1
        self._marked = bool(before_each[-1] < sum(marks))
        self._last = int(arr[-1])
