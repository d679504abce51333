"""Shared helpers of the loader tests (a uniquely named module: tests have no packages)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData, ReadOptions, SourceSpec, load_sources

#: The ``write`` fixture: write bytes (or UTF-8 text) to a file in tmp_path, return its path.
Writer = Callable[[str, bytes | str], Path]


def load_one(
    path: Path | str,
    *,
    columns: Mapping[str, str] | None = None,
    null_markers: tuple[str, ...] = (),
    **read: Any,
) -> LoadedData:
    spec = SourceSpec(str(path), columns=dict(columns or {}), read=ReadOptions(**read))
    return load_sources([spec], null_markers=null_markers)


def load_bytes(content: bytes | str, **read: Any) -> LoadedData:
    """Load CSV (or ``format=...``) content through standard input."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return load_sources([SourceSpec("-", read=ReadOptions(**read))], stdin=io.BytesIO(data))


def values(data: LoadedData) -> list[tuple[Any, ...]]:
    """The field values of every row, without the provenance columns."""
    return data.frame.select(data.fields).rows()


def lines(data: LoadedData) -> list[int]:
    return data.frame.get_column(LINE_COL).to_list()


def provenance(data: LoadedData) -> pl.DataFrame:
    return data.frame.select(ROW_ID, SOURCE_COL, LINE_COL)
