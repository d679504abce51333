"""Corrected copies: a source as stored, with only the accepted cells changed.

``veracity fix`` hands :func:`write_copy` the accepted changes (:class:`CellChange`, one per
cell) and where to write; one module per kind of source does the rest:

- :mod:`.delimited`: CSV and TSV, only the changed records' lines written again;
- :mod:`.json`: NDJSON and JSON, only the changed records written again;
- :mod:`.excel`: a workbook's changed cells set with openpyxl, the rest of the workbook kept;
- :mod:`.databases`: a SQLite database file copied and updated; for PostgreSQL, which is
  never written, an SQL script of updates to review and run.

Parquet files are columnar and compressed: the copy is the table read and written again with
the changed cells set (every column keeps its type; a changed column becomes text).
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

from veracity.corrections.copies.base import CellChange
from veracity.errors import UsageError
from veracity.sources import SourceInfo

__all__ = ["COPY_FORMATS", "SCRIPT_FORMATS", "CellChange", "write_copy"]

#: Formats of which ``fix`` writes a copy (the copy keeps the input's format).
COPY_FORMATS = ("csv", "tsv", "parquet", "json", "ndjson", "xlsx", "sqlite")
#: Sources ``fix`` never writes a copy of: it writes an SQL script of updates instead.
SCRIPT_FORMATS = ("postgresql",)


def write_copy(
    info: SourceInfo, location: Path | None, key: str | None, changes: Sequence[CellChange], output: Path
) -> None:
    """Write the copy of the source ``info`` (its file at ``location``; None for a server) with
    ``changes`` applied to ``output`` (or the SQL script, for a server). ``key`` is the column
    that names records in a database (the rule file's key, as the source calls it)."""
    display = info.path
    fmt = info.format
    if location is not None and fmt not in ("sqlite", "postgresql"):
        _refuse_streams(location, display)
    if fmt in ("csv", "tsv"):
        from veracity.corrections.copies.delimited import rewrite_delimited

        assert location is not None
        raw = location.read_bytes()
        output.write_bytes(
            rewrite_delimited(raw, info.encoding or "utf-8", info.delimiter or ",", changes, display)
        )
    elif fmt in ("json", "ndjson"):
        from veracity.corrections.copies.json import rewrite_json

        assert location is not None
        output.write_bytes(rewrite_json(location.read_bytes(), fmt == "ndjson", changes, display))
    elif fmt == "xlsx":
        from veracity.corrections.copies.excel import rewrite_workbook

        assert location is not None
        rewrite_workbook(location, info.sheet, changes, output, display)
    elif fmt == "parquet":
        assert location is not None
        _rewrite_parquet(location, changes, output)
    elif fmt == "sqlite":
        from veracity.corrections.copies.databases import update_sqlite_copy

        columns = [column.original for column in info.columns]
        database = Path(info.details["database"])
        update_sqlite_copy(database, info.details.get("table"), key, columns, changes, output, display)
    elif fmt == "postgresql":
        from veracity.corrections.copies.databases import sql_script

        output.write_text(sql_script(info.details.get("table"), key, changes, display), encoding="utf-8")
    else:
        raise UsageError(f"fix cannot write a copy of {fmt} sources ({display})")


def _refuse_streams(location: Path, display: str) -> None:
    """A named pipe, a device or standard input was read once for the worklist's records; the
    copy would need the data again (and cannot be "the same file, corrected")."""
    if str(location) != "-":
        try:
            mode = location.stat().st_mode
        except OSError:
            return  # reading the copy's data says what is wrong
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)):
            return
    raise UsageError(
        f"{display}: is standard input, a named pipe or a device, which can be read only once; fix "
        "reads the data twice (to find the accepted records, then to copy it with only their cells "
        "changed): save the data to a file, audit that file with --worklist and fix it"
    )


def _rewrite_parquet(location: Path, changes: Sequence[CellChange], output: Path) -> None:
    import polars as pl

    frame = pl.read_parquet(location)
    by_column: dict[str, list[CellChange]] = {}
    for change in changes:
        by_column.setdefault(change.column, []).append(change)
    for column, cells in by_column.items():
        if column not in frame.columns:
            raise UsageError(f"{location} has no column {column!r}, which the worklist changes")
        positions = pl.Series([cell.record - 1 for cell in cells], dtype=pl.Int64)
        values = pl.Series([cell.new for cell in cells], dtype=pl.String)
        frame = frame.with_columns(frame.get_column(column).cast(pl.String).scatter(positions, values))
    frame.write_parquet(output)
