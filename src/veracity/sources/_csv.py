"""The rules of CSV and TSV that are not the scan: the read options' delimiter, delimiter
detection, comment lines, the header's names, the parse, and every refusal's message.

The one reader of delimited text, whole or in chunks, is ``_chunks_csv``: it finds the records
(``_lines`` on the raw bytes) and uses these.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import polars as pl

from veracity.errors import SourceError
from veracity.sources._lines import Bytes, Ints, QuoteProblem, Records, field_counts
from veracity.sources._table import ENGINE_ERRORS
from veracity.sources.base import Format

__all__ = [
    "DELIMITER_NAMES",
    "MAX_COLUMNS",
    "check_width",
    "comment_error",
    "comment_line",
    "delimiter_option",
    "detect_delimiter",
    "header_names",
    "parse_text",
    "quote_error",
    "ragged_error",
    "unclosed_error",
    "unparsable",
]

#: How delimiters are named in messages.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ":": "colon"}
#: Candidates for detection, in order of preference when the evidence is equal. Others (a
#: colon, a space) are used only when named: times and labels hold colons.
_CANDIDATES = (",", ";", "\t", "|")
_ALIASES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
#: Columns a CSV may have: far beyond any export, and the parser's cost per column is paid by
#: every row.
MAX_COLUMNS = 16_384


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


def delimiter_option(given: str | None, fmt: Format, display: str) -> str | None:
    """The delimiter the read options name (a TSV's tab by default), or None: detect it."""
    if given is None:
        return "\t" if fmt == "tsv" else None
    delimiter = _ALIASES.get(given, given)
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        raise SourceError(
            f"{display}: read.delimiter (--delimiter) must be a single character other than a quote or "
            "line break (e.g. ',', ';', '|' or '\\t')"
        )
    return delimiter


def detect_delimiter(buf: Bytes, records: Records, sample: Ints) -> str:
    """The candidate that splits the ``sample`` records (the header first) into one consistent
    number of fields > 1."""
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


def header_names(header: bytes, delimiter: str, width: int, where: str) -> list[str]:
    """The column names of the header record (its UTF-8 bytes, without the line break); a
    ``UnicodeDecodeError`` if they are not UTF-8."""
    # The csv module splits the header the way polars would, and unlike polars it leaves
    # repeated names alone so that they can be reported.
    line = header.decode("utf-8")
    reader = csv.reader(io.StringIO(line, newline=""), delimiter=delimiter, quotechar='"')
    try:
        names = next(reader, [])
    except csv.Error:
        names = []
    if len(names) != width:
        raise SourceError(
            f"{where}: the header cannot be split into columns; check the quotes in the header line"
        )
    return names


def parse_text(
    payload: bytes, delimiter: str, columns: list[int] | None = None, *, header: bool = True
) -> pl.DataFrame | None:
    """Every value (of ``columns``, default all) as the text it is; None if polars refuses.

    Without a ``header`` the payload is data records only (a chunk of a file), its columns
    named by position.
    """
    try:
        return pl.read_csv(
            payload,
            columns=columns,
            has_header=header,
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


def unparsable(display: str, delimiter: str) -> SourceError:
    named = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return SourceError(
        f"{display}: cannot be parsed as delimited text with the {named} delimiter; check the quoting, "
        "or set read.delimiter in the rule file or --delimiter"
    )
