"""Record boundaries of delimited text, found with array operations on the UTF-8 bytes.

Provenance must name the physical line on which a record starts, which a CSV parser does not
report once quoted fields span lines. A newline ends a record exactly when an even number of
quote characters precedes it (doubled quotes inside a quoted field count twice, so they never
change the parity); the same rule tells which delimiters separate fields. Everything here is
``np.flatnonzero``/``np.searchsorted``/``reduceat`` over a buffer (a block of the text, or a
prefix of it), so the cost is a few passes over the bytes regardless of the number of rows.
``_chunks_csv`` scans the text with these a block at a time.
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
    "QuoteCheck",
    "QuoteProblem",
    "Records",
    "Unprepared",
    "delimiters_outside_quotes",
    "delimiters_per_segment",
    "each_block",
    "field_counts",
    "has_text_in",
    "is_mac",
    "line_feeds",
    "lone_crs",
    "offsets_of",
    "positions_of",
    "scan",
    "segment_sums",
    "universal_newlines",
    "without_ranges",
]

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_QUOTE = ord('"')
_NEWLINE = ord("\n")
_CR = ord("\r")
_BACKSLASH = ord("\\")


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


def delimiters_per_segment(hits: Mask, segments: Ints, quotes: Ints | None, parity: int) -> Ints:
    """Delimiters outside quotes in each segment ``[segments[i], segments[i + 1])`` of a block,
    the last to its end, given ``hits`` (the block's delimiter mask and one spare element),
    the offsets of its ``quotes`` (None: it has none) and the ``parity`` of the quotes before it.

    Delimiters are summed per segment with ``segment_sums``, and the quoted spans' sums taken
    off (listing the delimiters' offsets instead costs several times more where they are dense,
    and no less where they are sparse). Quoted spans never leave their segment.
    """
    size = hits.size - 1
    hits[size] = False  # so that a segment may start right at the end
    flags = hits.view(np.uint8)
    counts = segment_sums(flags, segments)
    if quotes is not None:
        spans, inside = _quoted_sums(flags, quotes, parity)
        if inside.any():
            owners = np.searchsorted(segments, spans[0::2], side="right") - 1
            counts -= np.bincount(owners, weights=inside, minlength=segments.size).astype(np.int64)
    return counts


def delimiters_outside_quotes(hits: Mask, quotes: Ints | None, parity: int) -> int:
    """All the delimiters outside quotes of a block: ``delimiters_per_segment`` of one segment,
    the whole block, counted without summing the text between quotes piece by piece."""
    size = hits.size - 1
    hits[size] = False
    total = int(np.count_nonzero(hits[:size]))
    if quotes is None:
        return total
    return total - int(_quoted_sums(hits.view(np.uint8), quotes, parity)[1].sum())


def _quoted_sums(flags: Bytes, quotes: Ints, parity: int) -> tuple[Ints, Ints]:
    """The quoted spans' starts and ends, one after the other (from an opening quote to its
    closing one, or from the block's start when it opens inside quotes), and the sum of
    ``flags`` over each span: delimiters there are text."""
    spans = quotes
    if parity:
        spans = quotes[1:] if quotes.size and quotes[0] == 0 else _as_ints(np.concatenate(([0], quotes)))
    # (Only the quoted spans' sums are used: the text between them may be long.)
    inside = segment_sums(flags, spans, every=2)[0::2] if spans.size else spans
    return spans, _as_ints(inside)


#: Longest piece summed in 8 bits: a sum of 0/1 flags over at most 255 bytes cannot wrap.
_PIECE = 255


def segment_sums(flags: Bytes, bounds: Ints, every: int = 1) -> Ints:
    """Sums of 0/1 ``flags`` over ``[bounds[i], bounds[i + 1])``, the last to the end; exact
    for every ``every``-th segment from the first (the others may have wrapped at 256).

    ``bounds`` rise strictly and lie below ``flags.size``. ``reduceat`` into 8-bit sums runs
    several times faster than into wider ones (no conversion of every byte), and no sum over 255
    bytes or fewer can wrap: longer segments are summed in pieces of 255, then added up.
    """
    lengths = np.diff(bounds, append=flags.size)
    long = np.flatnonzero(lengths[::every] > _PIECE) * every
    if not long.size:
        return _as_ints(np.add.reduceat(flags, bounds, dtype=np.uint8))
    cuts = np.zeros(bounds.size, dtype=np.int64)
    cuts[long] = (lengths[long] - 1) // _PIECE
    # Each bound's place among bounds and cuts: the cuts of a segment lie inside it.
    places = np.arange(bounds.size) + np.cumsum(cuts) - cuts
    merged = np.empty(bounds.size + int(cuts.sum()), dtype=np.int64)
    is_bound = np.zeros(merged.size, dtype=np.bool_)
    is_bound[places] = True
    merged[places] = bounds
    owners = np.repeat(bounds, cuts)
    steps = np.arange(owners.size) - np.repeat(np.cumsum(cuts) - cuts, cuts) + 1
    merged[~is_bound] = owners + _PIECE * steps
    pieces = np.add.reduceat(flags, merged, dtype=np.uint8).astype(np.int64)
    return _as_ints(np.add.reduceat(pieces, places))


def offsets_of(arr: Bytes, byte: int, scratch: Mask) -> Ints:
    """Offsets of ``byte`` in ``arr``, compared into a reused mask ``scratch`` (at least as long):
    a new mask per block would be mapped into memory page by page, every time."""
    mask = scratch[: arr.size]
    np.equal(arr, byte, out=mask)
    return _as_ints(np.flatnonzero(mask))


class Unprepared(Exception):
    """Text taken as it was read holds a NUL byte or a lone CR: it must be tested for NULs and
    given universal line breaks before it is scanned (see ``line_feeds``)."""


#: Bytes below this are control characters: LF, CR and NUL among them, and in text they are rare.
_CONTROLS = 14


def line_feeds(arr: Bytes, following: int, scratch: Mask) -> Ints:
    """Offsets of the LFs in ``arr``, for text that has not been tested for NUL bytes and lone
    CRs (``following`` is the byte after ``arr``, -1 at the end of the text): raises
    :class:`Unprepared` if it holds either.

    One comparison finds every byte below 14, LF, CR and NUL among them, at the cost of
    finding the LFs alone; the few others are looked at one by one. A CR followed by LF (a
    CRLF line break) is text as it is; any other CR, inside quotes or not, asks for the text's
    preparation (``universal_newlines``), as does a NUL byte (the encoding decision refuses it).
    """
    mask = scratch[: arr.size]
    np.less(arr, _CONTROLS, out=mask)
    found = _as_ints(np.flatnonzero(mask))
    values = arr[found]
    feeds = values == _NEWLINE
    if feeds.all():
        return found
    if (values == 0).any():
        raise Unprepared
    crs = found[values == _CR]
    if crs.size:
        after = np.full(crs.size, following, dtype=np.int64)
        inner = crs + 1 < arr.size
        after[inner] = arr[crs[inner] + 1]
        if (after != _NEWLINE).any():
            raise Unprepared
    return _as_ints(found[feeds])


def has_text_in(arr: Bytes, starts: Ints, stops: Ints) -> Mask:
    """Whether each range ``[starts[i], stops[i])`` (disjoint, ascending) of ``arr`` has a byte
    besides space, tab, CR, VT and FF: for records, whether they are blank lines. Comparisons
    rather than a 256-entry table: indexing a table with bytes widens every index to 8 bytes.

    Only the ranges' bytes are compared: the callers ask about a few short ranges of a block
    (records without a delimiter), and comparing the whole block each time cost more than the
    rest of the scan. Ranges covering much of ``arr`` are compared in place instead.
    """
    lengths = stops - starts
    total = int(lengths.sum())
    if total * 4 > arr.size:
        return _has_text_in_place(arr, starts, stops)
    # The ranges' bytes one after the other (as in without_ranges), and where each begins.
    begins = np.cumsum(lengths) - lengths
    picked = arr[np.repeat(starts - begins, lengths) + np.arange(total, dtype=np.int64)]
    found = np.zeros(starts.size, dtype=np.bool_)
    filled = np.flatnonzero(lengths)
    if filled.size:
        found[filled] = np.logical_or.reduceat(_significant(picked), begins[filled])
    return found


def _significant(arr: Bytes) -> Mask:
    significant: Mask = (arr < 9) | (arr > 13) | (arr == _NEWLINE)
    significant &= arr != ord(" ")
    return significant


def _has_text_in_place(arr: Bytes, starts: Ints, stops: Ints) -> Mask:
    significant = np.zeros(arr.size + 1, dtype=np.bool_)
    significant[:-1] = _significant(arr)
    bounds = np.empty(2 * starts.size, dtype=np.int64)
    bounds[0::2] = starts
    bounds[1::2] = stops
    found: Mask = np.logical_or.reduceat(significant, bounds)[0::2]
    # reduceat yields the element at the start for an empty range, not the identity.
    found[stops == starts] = False
    return found


def without_ranges(buf: Bytes, starts: Ints, stops: Ints) -> Bytes:
    """``buf`` with the disjoint, sorted byte ranges ``[starts[i], stops[i])`` removed."""
    lengths = stops - starts
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    drop = np.arange(int(lengths.sum()), dtype=np.int64) + shift
    return np.delete(buf, drop)


def lone_crs(arr: Bytes, following: int, quotes: Ints, parity: int = 0) -> Ints:
    """Offsets of the CRs in ``arr`` that end a record on their own: outside quotes and not
    followed by LF, given the byte after ``arr`` (-1 at the end of the text), the offsets of its
    quotes and the number of quotes before it, modulo 2.

    Like Python's universal newlines, a line break is LF, CRLF or a lone CR ("\\r\\r\\n" is a
    lone CR and a CRLF). Inside quotes a CR is part of the value, kept as stored, and (as in a
    text editor of the file's LF lines) not a line of its own.
    """
    crs = np.flatnonzero(arr == _CR)
    if not crs.size:
        return _as_ints(crs)
    after = np.empty(crs.size, dtype=np.int64)
    inner = crs + 1 < arr.size
    after[inner] = arr[crs[inner] + 1]
    after[~inner] = following
    lone = crs[after != _NEWLINE]
    return _as_ints(lone[((parity + np.searchsorted(quotes, lone)) & 1) == 0])


def is_mac(text: bytes) -> bool:
    """Classic Mac line ends ("CSV (Macintosh)" from Excel): CRs and not one LF. The CR is then
    the file's newline character, inside quoted values too."""
    return b"\n" not in text and b"\r" in text


def universal_newlines(text: bytes, mac: bool) -> bytes:
    """``text`` (starting outside quotes) with every line break an LF or CRLF: all CRs turned
    into LF in a ``mac`` text; else each lone CR that ends a record (see ``lone_crs``). The
    length and offsets stay those of ``text``."""
    if mac:
        return text.replace(b"\r", b"\n")
    if b"\r" not in text:
        return text
    buf = np.frombuffer(text, dtype=np.uint8)
    lone = lone_crs(buf, -1, positions_of(buf, _QUOTE))
    if not lone.size:
        return text
    changed = buf.copy()
    changed[lone] = _NEWLINE
    return changed.tobytes()


@dataclass(frozen=True)
class QuoteProblem:
    """The first quote that neither opens a field nor closes one, as the user should hear it."""

    kind: str  # "inside", "escaped", "undoubled" or "runs_on" (see QuoteCheck)
    line: int  # the line to name
    until: int  # for "runs_on": the line of the quote that ends the field mid-way


class QuoteCheck:
    """Finds the first misplaced quote, fed the text a block at a time (or all at once).

    CSV (RFC 4180) quotes a whole field: an opening quote starts a field (after a delimiter, a
    line break or the start of the text) and its closing quote ends one (before a delimiter, a
    line break or the end of the text); a quote inside a quoted field is written twice. The
    record scan reads every quote as opening or closing a span, so a misplaced quote would put
    values and line numbers out of step with the parser: the file is refused at that quote
    instead, with its kind:

    - ``inside``: a quote in the middle of a field that does not start with one (``ab"c``);
    - ``escaped``: a quote escaped with a backslash (``"a \\"b\\" c"``);
    - ``undoubled``: a quote inside a quoted field, not doubled (``"Lahr "Bus" more"``);
    - ``runs_on``: the same, where the quoted field began on an earlier line: it swallowed
      the line break (``line`` is where it began).
    """

    def __init__(self, delimiter: int) -> None:
        self._allowed_before = [delimiter, _NEWLINE, _QUOTE]
        self._allowed_after = [delimiter, _NEWLINE, _CR, _QUOTE]
        self._parity = 0  # quotes seen so far, modulo 2
        self._last = -1  # the byte before the current block (-1: the start of the text)
        self._open_line = 1  # line of the last opening quote
        self._pending: QuoteProblem | None = None  # a closing quote ended the last block
        self.problem: QuoteProblem | None = None

    def feed(self, arr: Bytes, quotes: Ints, newlines: Ints, line: int) -> None:
        """One block: its bytes (lone CRs already turned into LF), the offsets within it of
        every quote and line break, and the line it starts on."""
        if self.problem is not None or not arr.size:
            return
        if self._pending is not None:
            if int(arr[0]) not in self._allowed_after:
                self.problem = self._pending
                return
            self._pending = None
        count = quotes.size
        if count:
            closing = ((self._parity + np.arange(count)) & 1).astype(np.bool_)
            before = arr[np.maximum(quotes - 1, 0)].astype(np.int64)
            if quotes[0] == 0:
                before[0] = self._last
            opens = np.isin(before, self._allowed_before) | (before == -1)
            at_end = quotes == arr.size - 1
            after = arr[np.minimum(quotes + 1, arr.size - 1)]
            closes = np.isin(after, self._allowed_after) | at_end
            bad = np.flatnonzero(np.where(closing, ~closes, ~opens))

            def line_of(index: int) -> int:  # (only a few quotes' lines are ever needed)
                return line + int(np.searchsorted(newlines, quotes[index]))

            first = int(bad[0]) if bad.size else count - 1
            # The line of the quote that opened the span the first bad (or last) quote closes.
            opened = line_of(first - 1) if first > 0 else self._open_line
            if bad.size:
                self.problem = self._problem(bool(closing[first]), int(before[first]), opened, line_of(first))
                return
            if closing[-1] and at_end[-1]:
                self._pending = self._problem(True, int(before[-1]), opened, line_of(count - 1))
            self._open_line = line_of(count - 1) if not closing[-1] else opened
            self._parity = (self._parity + count) & 1
        self._last = int(arr[-1])

    @staticmethod
    def _problem(closing: bool, before: int, opened: int, line: int) -> QuoteProblem:
        if before == _BACKSLASH:
            return QuoteProblem("escaped", line, line)
        if not closing:
            return QuoteProblem("inside", line, line)
        if opened < line:
            return QuoteProblem("runs_on", opened, line)
        return QuoteProblem("undoubled", line, line)
