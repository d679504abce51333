"""What every copy writer is given: the accepted changes, cell by cell, and one error type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from veracity.errors import UsageError

__all__ = ["CellChange", "by_record", "missing_column", "moved"]


@dataclass(frozen=True)
class CellChange:
    """One accepted correction: a cell of the source as stored."""

    #: Where the record is, as the audit numbered it: its first line (CSV, TSV, NDJSON), its
    #: number (JSON), its sheet row (Excel) or its ordinal in the read (databases).
    record: int
    #: The column's name in the source (before any ``columns:`` rename).
    column: str
    #: The value as the audit read it (null for a missing one).
    old: str | None
    new: str
    #: The record's key value, where the rule file names a key (databases update by it).
    key: str | None = None


def by_record(changes: Iterable[CellChange]) -> dict[int, dict[str, CellChange]]:
    """The changes grouped by record, then by column."""
    grouped: dict[int, dict[str, CellChange]] = {}
    for change in changes:
        grouped.setdefault(change.record, {})[change.column] = change
    return grouped


def missing_column(display: str, column: str) -> UsageError:
    """The error for a change to a column the copy does not have."""
    return UsageError(
        f"{display} has no column {column!r}, which the worklist changes; fix the data the worklist was made from"
    )


def moved(display: str, record: int, column: str) -> UsageError:
    """The error for a cell that no longer holds the value the audit read."""
    return UsageError(
        f"{display}: record {record}, column {column!r} does not hold the value the audit read; "
        "the file changed since the audit: audit it again with --worklist"
    )
