"""From source specs to one frame: read each input, rename, null the missing spellings, stack."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import polars as pl

from veracity._cores import spread
from veracity.errors import SourceError
from veracity.sources._csv import read_delimited
from veracity.sources._detect import detect_format
from veracity.sources._excel import read_excel
from veracity.sources._input import (
    STDIN_DISPLAY,
    STDIN_PATH,
    read_file,
    read_stdin,
    readable_path,
    stdin_format,
)
from veracity.sources._json import read_json, read_ndjson
from veracity.sources._parquet import read_parquet
from veracity.sources._table import RESERVED, Table, quote
from veracity.sources.base import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    ColumnOrigin,
    Format,
    LoadedData,
    ReadOptions,
    SourceInfo,
    SourceSpec,
)

__all__ = ["STDIN_PATH", "load_sources", "readable_path"]

_MAX_SOURCES = 2**16  # SOURCE_COL is UInt16
# The names the chunked reader (_chunks.py) takes from here.
_STDIN_DISPLAY = STDIN_DISPLAY
_read_file = read_file
_read_stdin = read_stdin


def load_sources(
    specs: Sequence[SourceSpec],
    *,
    base_dir: Path | None = None,
    null_markers: Sequence[str] = (),
    stdin: IO[bytes] | None = None,
) -> LoadedData:
    """Read every source and stack them into one frame of String fields plus provenance.

    Relative paths are resolved against ``base_dir`` (the rule file's directory); ``-`` reads
    from ``stdin`` (default: the process's standard input), as CSV unless ``read.format`` says
    otherwise. Raises :class:`SourceError` with a one-line message for any unusable input.
    """
    if not specs:
        raise SourceError("no sources to load; list at least one file under 'sources:' in the rule file")
    if len(specs) > _MAX_SOURCES:
        raise SourceError(f"{len(specs)} sources given, at most {_MAX_SOURCES} can be audited together")
    if sum(spec.path == STDIN_PATH for spec in specs) > 1:
        raise SourceError(
            "standard input ('-') is given as a source more than once; it can be read only once"
        )
    frames: list[pl.DataFrame] = []
    infos: list[SourceInfo] = []
    for index, spec in enumerate(specs):
        frame, info = _load_one(index, spec, base_dir, tuple(null_markers), stdin)
        frames.append(frame)
        infos.append(info)
    fields = list(dict.fromkeys(column.field for info in infos for column in info.columns))
    stacked = pl.concat(frames, how="diagonal") if len(frames) > 1 else frames[0]
    stacked = stacked.with_columns(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias(ROW_ID))
    # Spread over the cores: the checks' eager steps then run on all of them.
    return LoadedData(frame=spread(stacked.select(*fields, ROW_ID, SOURCE_COL, LINE_COL)), sources=infos)


def _load_one(
    index: int, spec: SourceSpec, base_dir: Path | None, markers: tuple[str, ...], stdin: IO[bytes] | None
) -> tuple[pl.DataFrame, SourceInfo]:
    is_stdin = spec.path == STDIN_PATH
    display = _STDIN_DISPLAY if is_stdin else spec.path
    raw = _read_stdin(stdin) if is_stdin else _read_file(spec.path, base_dir)
    fmt: Format = (
        stdin_format(spec.read.format, raw)
        if is_stdin
        else detect_format(spec.read.format, spec.path, display)
    )
    # (isspace is strip() without the copy: the same ASCII whitespace, and it stops early.)
    if not raw or raw.isspace():
        raise SourceError(f"{display}: the file is empty; export the data again or remove this source")
    # The fingerprint is computed beside the parsing: hashlib releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as hasher:
        digest = hasher.submit(lambda: hashlib.sha256(raw).hexdigest())
        table = _read_table(fmt, raw, spec.read, display)
    used_markers = tuple(dict.fromkeys((*markers, *spec.read.null_markers)))
    fields = _fields(table.frame.columns, spec.columns, display)
    frame, replaced = _null_missing(table.frame, fields, used_markers)
    frame = frame.with_columns(
        pl.lit(index, dtype=pl.UInt16).alias(SOURCE_COL),
        pl.Series(LINE_COL, table.positions, dtype=pl.UInt32),
    )
    origins = [
        ColumnOrigin(original=name, field=field, original_type=kind, missing_replaced=count)
        for name, field, kind, count in zip(
            table.frame.columns, fields, table.original_types, replaced, strict=True
        )
    ]
    info = SourceInfo(
        index=index,
        path=spec.path,
        format=fmt,
        size=len(raw),
        sha256=digest.result(),
        rows=frame.height,
        position_kind=table.position_kind,
        columns=origins,
        encoding=table.encoding,
        encoding_confidence=table.encoding_confidence,
        delimiter=table.delimiter,
        sheet=table.sheet,
        null_markers=used_markers,
    )
    return frame, info


def _read_table(fmt: Format, raw: bytes, options: ReadOptions, display: str) -> Table:
    if fmt in ("csv", "tsv"):
        return read_delimited(raw, fmt, options, display)
    if fmt == "xlsx":
        return read_excel(raw, options, display)
    if fmt == "parquet":
        return read_parquet(raw, options, display)
    if fmt == "json":
        return read_json(raw, options, display)
    return read_ndjson(raw, options, display)


def _fields(columns: list[str], renames: Mapping[str, str], display: str) -> list[str]:
    """The field name of each column.

    Renames of columns this source lacks are ignored: the CLI applies the renames of every
    configured source to each file it is given.
    """
    fields = [renames.get(name, name) for name in columns]
    for name, field in zip(columns, fields, strict=True):
        if field == name:
            continue
        if not field.strip():
            raise SourceError(
                f"{display}: column {quote(name)} is renamed to an empty name; give it a field name"
            )
        if field in RESERVED:
            raise SourceError(
                f"{display}: column {quote(name)} is renamed to the reserved name {quote(field)}; "
                "choose another"
            )
    owners: dict[str, str] = {}
    for name, field in zip(columns, fields, strict=True):
        first = owners.setdefault(field, name)
        if first == name:
            continue
        if field in (first, name):
            # One of the two keeps its own name: the rename lands on an existing column.
            renamed = name if field == first else first
            raise SourceError(
                f"{display}: renaming column {quote(renamed)} to {quote(field)} collides with the existing "
                f"column {quote(field)}; choose another field name in the rule file"
            )
        raise SourceError(
            f"{display}: columns {quote(first)} and {quote(name)} are both renamed to {quote(field)}; "
            "choose different field names"
        )
    return fields


def _null_missing(
    frame: pl.DataFrame, fields: list[str], markers: tuple[str, ...]
) -> tuple[pl.DataFrame, list[int]]:
    """Whitespace-only values and null markers become null; also return how many per column."""

    def missing(name: str) -> pl.Expr:
        column = pl.col(name)
        blank = column.str.strip_chars() == ""
        if markers:
            blank = blank | column.is_in(markers)
        return blank.fill_null(False)

    names = frame.columns
    cleaned = frame.select(
        pl.when(missing(name)).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col(name)).alias(field)
        for name, field in zip(names, fields, strict=True)
    )
    # Null counts are kept with each column, so this counts without a second pass.
    counts = [cleaned.to_series(i).null_count() - frame.to_series(i).null_count() for i in range(len(names))]
    return cleaned, counts
