"""What each format reader returns, and the header checks every format shares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from veracity.errors import SourceError
from veracity.sources._lines import Ints
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, PositionKind

__all__ = [
    "EMPTY_FILE",
    "ENGINE_ERRORS",
    "RESERVED",
    "Table",
    "check_header",
    "check_reserved",
    "column_letter",
    "empty_file",
    "no_data_rows",
    "quote",
    "refuse_data_header",
]

RESERVED = (ROW_ID, SOURCE_COL, LINE_COL)

#: What the readers' engines (polars, fastexcel) raise on bad input. Their messages may quote
#: cell values, so they are replaced, never shown. A Rust panic surfaces as a BaseException.
ENGINE_ERRORS: tuple[type[BaseException], ...] = (Exception, pl.exceptions.PanicException)


#: The one message for a file with nothing in it (``str.format`` with the display name).
EMPTY_FILE = "{}: the file is empty; export the data again or remove this source"


def empty_file(display: str) -> SourceError:
    return SourceError(EMPTY_FILE.format(display))


def no_data_rows(display: str) -> SourceError:
    return SourceError(
        f"{display}: the file has a header but no data rows; export the data again or remove this source"
    )


# Control characters as escapes, so that a name with a line break still gives a one-line message.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 127)} | {9: "\\t", 10: "\\n", 13: "\\r"}


def quote(name: str) -> str:
    """A column, key or sheet name for a message: in quotes, control characters escaped."""
    return "'" + name.translate(_ESCAPES) + "'"


@dataclass
class Table:
    """One source read into String columns named as in the file, before renames and nulls."""

    frame: pl.DataFrame
    positions: Ints  # LINE_COL value of each row
    position_kind: PositionKind
    original_types: list[str]  # one per column of ``frame``
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    encoding_confidence: float | None = None  # 0-1 when detected; None when given or binary
    ascii: bool = False  # every value is ASCII (see ``_pieces.Piece``)

    @classmethod
    def numbered(cls, frame: pl.DataFrame, original_types: list[str], encoding: str | None = None) -> Table:
        """A table whose position is the 1-based record number."""
        positions = np.arange(1, frame.height + 1, dtype=np.int64)
        return cls(frame, positions, "record", original_types, encoding=encoding)


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_header(names: Sequence[str | None], labels: Sequence[str], display: str) -> None:
    """Reject empty, repeated and reserved column names.

    ``labels`` says how the user finds each column in the file (a number, a spreadsheet letter).
    """
    for name, label in zip(names, labels, strict=True):
        if name is None or not name.strip():
            raise SourceError(
                f"{display}: column {label} has an empty name in the header; name it or remove the column"
            )
    seen: dict[str, list[str]] = {}
    for name, label in zip(names, labels, strict=True):
        seen.setdefault(str(name), []).append(label)
    for name, where in seen.items():
        if len(where) > 1:
            times, fix = (
                ("twice", "rename one") if len(where) == 2 else (f"{len(where)} times", "rename all but one")
            )
            spots = ", ".join(where[:-1]) + f" and {where[-1]}"
            raise SourceError(
                f"{display}: column {quote(name)} appears {times} in the header (columns {spots}); {fix}"
            )
    check_reserved([str(name) for name in names], display)


def check_reserved(names: Sequence[str], display: str) -> None:
    for name in names:
        if name in RESERVED:
            raise SourceError(
                f"{display}: the column name {quote(name)} is reserved by veracity; rename the column"
            )


# What a header cell never is, but a first record's values often are. Names such as
# "HH:mm:ss", "Phone (mobile)" or "2024" pass; "2024-01-31", "+49 30 1234567" do not.
_DATA_CELLS = (
    ("an e-mail address", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    # (Dates before phone numbers: a date is digits and dashes too.)
    ("a date", re.compile(r"\d{4}-\d{1,2}-\d{1,2}([T ][\d:.]+)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")),
    ("a phone number", re.compile(r"(?=(?:\D*\d){7})\+?[\d\s\-./()]+")),
)
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def refuse_data_header(names: Sequence[str], display: str) -> None:
    """Refuse a header row that looks like a record: an export without its header row.

    Its values would become column names in every error and report, so the message names the
    column and the kind of value, never the value.
    """
    for index, name in enumerate(names, start=1):
        cell = name.strip()
        for kind, pattern in _DATA_CELLS:
            if pattern.fullmatch(cell):
                raise _data_header(display, f"column {index} holds {kind}")
    if all(_NUMBER.fullmatch(name.strip()) for name in names):
        raise _data_header(display, "every column holds a number")


def _data_header(display: str, why: str) -> SourceError:
    return SourceError(
        f"{display}: the first row looks like data, not a header ({why}); add a header row naming the columns"
    )
