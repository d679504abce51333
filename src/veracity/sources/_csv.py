"""CSV and TSV: detect encoding and delimiter, validate the record structure, parse with polars.

The structure (records, field counts, blank lines, start lines) comes from ``_lines`` on the
raw bytes; polars only parses values. Blank lines are cut out of the bytes before polars sees
them, so its rows correspond one-to-one to the records found here and the line numbers line up.
For that the text must be what RFC 4180 writes: a quote that neither opens nor closes a field
is refused at its line (``_lines.QuoteCheck``), as are comment lines at the top and a first row
that looks like data instead of a header. Line breaks are LF, CRLF or a lone CR.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import SourceError
from veracity.sources._detect import decode, is_utf8
from veracity.sources._lines import (
    Bytes,
    QuoteCheck,
    QuoteProblem,
    Records,
    field_counts,
    has_text,
    is_mac,
    scan,
    universal_newlines,
    without_ranges,
)
from veracity.sources._table import (
    ENGINE_ERRORS,
    Table,
    check_header,
    empty_file,
    no_data_rows,
    refuse_data_header,
)
from veracity.sources.base import Format, ReadOptions

__all__ = [
    "DELIMITER_NAMES",
    "MAX_COLUMNS",
    "check_width",
    "comment_error",
    "comment_line",
    "quote_error",
    "ragged_error",
    "read_delimited",
    "unclosed_error",
]

#: How delimiters are named in messages.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ":": "colon"}
#: Candidates for detection, in order of preference when the evidence is equal. Others (a
#: colon, a space) are used only when named: times and labels hold colons.
_CANDIDATES = (",", ";", "\t", "|")
_ALIASES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_SAMPLE_RECORDS = 50
#: Bytes from the first non-blank line looked at for a comment block.
_COMMENT_BYTES = 1 << 16
_LEADING_RECORDS = 4096
#: Columns a CSV may have: far beyond any export, and the parser's cost per column is paid by
#: every row.
MAX_COLUMNS = 16_384


class _NotUtf8(Exception):
    """Text assumed to be UTF-8 turned out not to be: read it again with detection."""


def read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str) -> Table:
    # UTF-8 is assumed at first: polars validates every value it parses, and the header is
    # decoded strictly, which covers every byte but blank lines' ASCII whitespace. Checking
    # the text beforehand would be one more pass over it.
    try:
        return _read_delimited(raw, fmt, options, display, assume_utf8=True)
    except _NotUtf8:
        pass
    except SourceError:
        # A refusal of text taken for UTF-8 unchecked: the encoding comes first, as when read
        # in chunks.
        if _assumed(raw, options) and not is_utf8(raw):
            return _read_delimited(raw, fmt, options, display, assume_utf8=False)
        raise
    return _read_delimited(raw, fmt, options, display, assume_utf8=False)


def _assumed(raw: bytes, options: ReadOptions) -> bool:
    return options.encoding is None and not raw.startswith(_BOM_PREFIXES)


_BOM_PREFIXES = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def _read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str, assume_utf8: bool) -> Table:
    decoded = decode(raw, options.encoding, display, assume_utf8=assume_utf8)
    unverified = assume_utf8 and decoded.text is raw and options.encoding is None

    def refused_as_utf8() -> bool:
        """Whether the text was taken for UTF-8 unchecked and is not: detect again."""
        return unverified and not is_utf8(raw)

    text = universal_newlines(decoded.text, is_mac(decoded.text))
    buf: Bytes = np.frombuffer(text, dtype=np.uint8)
    records = scan(buf)
    texty = _leading_texty(buf, records)
    if not texty.any():
        raise empty_file(display)
    header = int(np.argmax(texty))
    start = int(records.starts[header])
    comment = comment_line(text[start : start + _COMMENT_BYTES], int(records.lines[header]))
    if comment is not None:
        raise comment_error(display, comment)
    delimiter = _delimiter(options.delimiter, fmt, display) or _detect_delimiter(buf, records, texty, header)
    quotes = QuoteCheck(ord(delimiter))
    quotes.feed(buf, records.quotes, records.newlines, 1)
    if quotes.problem is not None:
        raise quote_error(display, quotes.problem)
    if records.unclosed:
        raise unclosed_error(display, int(records.lines[-1]))
    # polars parses the text while the structure is checked here: the parse is used as it is
    # unless blank lines must be cut out first (rare), and dropped if the checks fail.
    # The header's width alone first: a file too wide to read is refused before polars starts.
    check_width(_header_width(buf, records, header, ord(delimiter)), display, int(records.lines[header]))
    with ThreadPoolExecutor(max_workers=1) as parser:
        speculative = parser.submit(_parse, text, delimiter)
        fields = field_counts(buf, records.starts, records.quotes, ord(delimiter))
        width = int(fields[header])

        index = np.arange(records.starts.size)
        blank = (index < header) | (records.ends == records.starts)
        if width > 1:
            # Whitespace alone cannot be a record of several fields: a stray blank line. Only
            # records of one field can be one, so only their bytes are read.
            single = np.flatnonzero((fields == 1) & ~blank)
            blank[single[~has_text(buf, records, single)]] = True
        data = np.flatnonzero((index > header) & ~blank)

        try:
            names = _header_names(buf, records, header, delimiter, width, display)
        except UnicodeDecodeError:  # only unchecked text can fail to decode
            raise _NotUtf8 from None
        refuse_data_header(names, f"{display}:{records.lines[header]}")
        check_header(names, [str(i) for i in range(1, width + 1)], display)
        if not data.size:
            raise no_data_rows(display)
        ragged = data[fields[data] != width]
        if ragged.size:
            first = int(ragged[0])
            raise ragged_error(display, int(records.lines[first]), int(fields[first]), width, delimiter)
        if blank.any():
            payload = without_ranges(buf, records.starts[blank], records.stops[blank]).tobytes()
            frame = _parse(payload, delimiter)
        else:
            frame = speculative.result()
    if frame is None or frame.width != width or frame.height != data.size:
        if refused_as_utf8():
            raise _NotUtf8
        raise _unparsable(display, delimiter)
    frame.columns = names
    return Table(
        frame=frame,
        positions=records.lines[data],
        position_kind="line",
        original_types=["string"] * width,
        encoding=decoded.encoding,
        delimiter=delimiter,
        encoding_confidence=decoded.confidence,
    )


def _header_width(buf: Bytes, records: Records, header: int, delimiter: int) -> int:
    stop = int(records.stops[header])
    quotes = records.quotes[: int(np.searchsorted(records.quotes, stop))]
    return int(field_counts(buf[:stop], records.starts[: header + 1], quotes, delimiter)[header])


def comment_line(text: bytes, line: int) -> int | None:
    """The line of the comment block a text (from its first non-blank record) starts with.

    Exports from some tools open with lines such as ``# exported 2024-05-01``. Read as records
    they would become the header and data; they are refused instead (the header must come
    first). A first line that starts with ``#`` is a comment when it is ``#`` alone or ``#``
    and a space, or when the next line starts with ``#`` too; ``#id,name`` alone is a header.
    """
    if not text.startswith(b"#"):
        return None
    first, _, rest = text.partition(b"\n")
    first = first.rstrip(b"\r")
    if first == b"#" or first.startswith((b"# ", b"#\t", b"#!")) or rest.lstrip(b" \t\r\n").startswith(b"#"):
        return line
    return None


def comment_error(display: str, line: int) -> SourceError:
    return SourceError(
        f"{display}:{line}: the file starts with comment lines ('#'), which are not records; delete them "
        "so that the header row comes first"
    )


def check_width(width: int, display: str, line: int) -> None:
    if width > MAX_COLUMNS:
        raise SourceError(
            f"{display}:{line}: the header has {width} columns, more than the {MAX_COLUMNS:,} veracity reads; "
            "split the file by columns, or check read.delimiter / --delimiter if it splits the wrong way"
        )


def ragged_error(display: str, line: int, count: int, width: int, delimiter: str) -> SourceError:
    named = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return SourceError(
        f"{display}:{line}: record has {count} field{'s' if count != 1 else ''}, the header has {width} "
        f"(split at each {named}); quote fields that contain the delimiter or fix the row, or set "
        "read.delimiter in the rule file or --delimiter if that is not the delimiter"
    )


def unclosed_error(display: str, line: int) -> SourceError:
    return SourceError(
        f"{display}:{line}: a quoted field in the record starting on this line is never "
        'closed; close the quote, and write quotes inside quoted fields as ""'
    )


def _leading_texty(buf: Bytes, records: Records) -> npt.NDArray[np.bool_]:
    """Whether each of the first records has text: enough to find the header and the sample
    of records after it that delimiter detection reads (all records only when they are not)."""
    total = records.starts.size
    head = min(total, _LEADING_RECORDS)
    texty = has_text(buf, records, np.arange(head))
    if head < total and np.count_nonzero(texty) <= _SAMPLE_RECORDS:
        texty = has_text(buf, records)
    return texty


def _delimiter(given: str | None, fmt: Format, display: str) -> str | None:
    if given is None:
        return "\t" if fmt == "tsv" else None
    delimiter = _ALIASES.get(given, given)
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        raise SourceError(
            f"{display}: read.delimiter (--delimiter) must be a single character other than a quote or "
            "line break (e.g. ',', ';', '|' or '\\t')"
        )
    return delimiter


def _detect_delimiter(buf: Bytes, records: Records, texty: npt.NDArray[np.bool_], header: int) -> str:
    """The candidate that splits the first records into one consistent number of fields > 1."""
    sample = np.flatnonzero(texty[header:])[:_SAMPLE_RECORDS] + header
    last = int(sample[-1])
    limit = int(records.stops[last])
    head = buf[:limit]
    starts = records.starts[: last + 1]
    quotes = records.quotes[: int(np.searchsorted(records.quotes, limit))]
    best, best_key = ",", (False, False, 0.0, 1)
    for candidate in _CANDIDATES:
        counts = field_counts(head, starts, quotes, ord(candidate))[sample]
        in_header = int(counts[0])
        agreement = float(np.mean(counts == in_header))
        # Consistency first; the header's field count breaks ties; then the order of the table.
        key = (in_header > 1, agreement == 1.0, agreement, in_header)
        if key > best_key:
            best, best_key = candidate, key
    return best


def _header_names(
    buf: Bytes, records: Records, header: int, delimiter: str, width: int, display: str
) -> list[str]:
    # The header is a single record: the csv module splits it the way polars would, and unlike
    # polars it leaves repeated names alone so that they can be reported.
    line = buf[records.starts[header] : records.ends[header]].tobytes().decode("utf-8")
    reader = csv.reader(io.StringIO(line, newline=""), delimiter=delimiter, quotechar='"')
    try:
        names = next(reader, [])
    except csv.Error:
        names = []
    if len(names) != width:
        raise SourceError(
            f"{display}:{records.lines[header]}: the header cannot be split into columns; "
            "check the quotes in the header line"
        )
    return names


def _parse(payload: bytes, delimiter: str, columns: list[int] | None = None) -> pl.DataFrame | None:
    """Every value (of ``columns``, default all) as the text it is; None if polars refuses."""
    try:
        return pl.read_csv(
            payload,
            columns=columns,
            has_header=True,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except ENGINE_ERRORS:
        return None


def quote_error(display: str, problem: QuoteProblem) -> SourceError:
    double = 'write each quote inside a quoted field as two quotes ("")'
    where = f"{display}:{problem.line}"
    if problem.kind == "escaped":
        return SourceError(f"{where}: a quote is escaped with a backslash, which CSV does not do; {double}")
    if problem.kind == "inside":
        return SourceError(
            f"{where}: a quote character in the middle of a field that does not start with one; put the whole "
            f"field in quotes and {double}"
        )
    if problem.kind == "runs_on":
        return SourceError(
            f"{where}: the quoted field that starts on this line runs on to line {problem.until}, where a quote "
            f"ends it in the middle of a field; close the quote where the field ends, and {double}"
        )
    return SourceError(f"{where}: a quote inside a quoted field ends it in the middle of the field; {double}")


def _unparsable(display: str, delimiter: str) -> SourceError:
    named = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return SourceError(
        f"{display}: cannot be parsed as delimited text with the {named} delimiter; check the quoting, "
        "or set read.delimiter in the rule file or --delimiter"
    )
