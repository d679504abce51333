"""CSV and TSV: detect encoding and delimiter, validate the record structure, parse with polars.

The structure (records, field counts, blank lines, start lines) comes from ``_lines`` on the
raw bytes; polars only parses values. Blank lines are cut out of the bytes before polars sees
them, so its rows correspond one-to-one to the records found here and the line numbers line up.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import SourceError
from veracity.sources._detect import decode_text, is_utf8
from veracity.sources._lines import (
    Bytes,
    LiteralQuotes,
    Records,
    field_counts,
    has_text,
    positions_of,
    scan,
    stray_quote,
    without_ranges,
)
from veracity.sources._table import ENGINE_ERRORS, Table, check_header
from veracity.sources.base import Format, ReadOptions

__all__ = ["DELIMITER_NAMES", "read_delimited", "stray_quote_error"]

#: Candidates for detection, in order of preference when the evidence is equal.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ":": "colon"}
_ALIASES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_SAMPLE_RECORDS = 50
_LEADING_RECORDS = 4096


class _NotUtf8(Exception):
    """Text assumed to be UTF-8 turned out not to be: read it again with detection."""


def read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str) -> Table:
    # UTF-8 is assumed at first: polars validates every value it parses, and the header is
    # decoded strictly, which covers every byte but blank lines' ASCII whitespace. Checking
    # the text beforehand would be one more pass over it.
    try:
        return _read_delimited(raw, fmt, options, display, assume_utf8=True)
    except _NotUtf8:
        return _read_delimited(raw, fmt, options, display, assume_utf8=False)


def _read_delimited(raw: bytes, fmt: Format, options: ReadOptions, display: str, assume_utf8: bool) -> Table:
    text, encoding = decode_text(raw, options.encoding, display, assume_utf8=assume_utf8)
    unverified = assume_utf8 and text is raw and options.encoding is None

    def refused_as_utf8() -> bool:
        """Whether the text was taken for UTF-8 unchecked and is not: detect again."""
        return unverified and not is_utf8(raw)

    if b"\n" not in text and b"\r" in text:
        # Classic Mac line endings ("CSV (Macintosh)" from Excel): a lone CR ends each line.
        text = text.replace(b"\r", b"\n")
    buf: Bytes = np.frombuffer(text, dtype=np.uint8)
    records = scan(buf)
    texty = _leading_texty(buf, records)
    if not texty.any():
        raise SourceError(f"{display}: the file is empty; export the data again or remove this source")
    if records.unclosed:
        raise SourceError(
            f"{display}:{records.lines[-1]}: a quoted field in the record starting on this line is never "
            'closed; close the quote, and write quotes inside quoted fields as ""'
        )
    header = int(np.argmax(texty))
    delimiter = _delimiter(options.delimiter, fmt, display) or _detect_delimiter(buf, records, texty, header)
    _refuse_literal_quotes(buf, records, delimiter, display)
    # polars parses the text while the structure is checked here: the parse is used as it is
    # unless blank lines must be cut out first (rare), and dropped if the checks fail.
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
        check_header(names, [str(i) for i in range(1, width + 1)], display)
        if not data.size:
            raise SourceError(
                f"{display}: the file has a header but no data rows; export the data again or remove this source"
            )
        ragged = data[fields[data] != width]
        if ragged.size:
            first = int(ragged[0])
            count = int(fields[first])
            raise SourceError(
                f"{display}:{records.lines[first]}: record has {count} field{'s' if count != 1 else ''}, "
                f"the header has {width}; quote fields that contain the delimiter or fix the row"
            )
        if blank.any():
            payload = without_ranges(buf, records.starts[blank], records.stops[blank]).tobytes()
            frame = _parse(payload, delimiter)
        else:
            frame = speculative.result()
    if frame is None or frame.width != width or frame.height != data.size:
        if refused_as_utf8():
            raise _NotUtf8
        raise _unparsable(buf, records, delimiter, display)
    frame.columns = names
    return Table(
        frame=frame,
        positions=records.lines[data],
        position_kind="line",
        original_types=["string"] * width,
        encoding=encoding,
        delimiter=delimiter,
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
            f"{display}: read.delimiter must be a single character other than a quote or line break "
            "(e.g. ',', ';', '|' or '\\t')"
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
    for candidate in DELIMITER_NAMES:
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


def stray_quote_error(display: str, line: int) -> SourceError:
    return SourceError(
        f"{display}:{line}: a quote character is not at the start or end of a field; "
        'put the whole field in quotes and double the quotes inside it ("")'
    )


def _refuse_literal_quotes(buf: Bytes, records: Records, delimiter: str, display: str) -> None:
    """Refuse a file where polars would read a quote as text that the scan reads as quoting a
    delimiter or line break (see ``LiteralQuotes``): its records would not be the scan's."""
    # Only a stray quote can be one, and most files have none: the delimiters are listed
    # (a pass over the text) only when there is one.
    if stray_quote(buf, records.quotes, ord(delimiter)) is None:
        return
    literal = LiteralQuotes(ord(delimiter))
    literal.feed(buf, records.quotes, records.newlines, positions_of(buf, ord(delimiter)), 0, 1)
    if literal.line is not None:
        raise stray_quote_error(display, literal.line)


def _unparsable(buf: Bytes, records: Records, delimiter: str, display: str) -> SourceError:
    offset = stray_quote(buf, records.quotes, ord(delimiter))
    if offset is not None:
        return stray_quote_error(display, records.line_of(offset))
    named = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return SourceError(
        f"{display}: cannot be parsed as delimited text with the {named} delimiter; check the quoting, "
        "or set read.delimiter in the rule file"
    )
