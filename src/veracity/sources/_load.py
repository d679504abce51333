"""From source specs to one frame: each source read whole as one chunk, the chunks stacked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

import polars as pl

from veracity._cores import spread
from veracity.sources._chunks import chunked_like, prepare
from veracity.sources._input import STDIN_PATH, readable_path
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData, SourceSpec

__all__ = ["STDIN_PATH", "load_sources", "readable_path"]


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
    sources = prepare(specs, chunk_rows=None, base_dir=base_dir, null_markers=null_markers, stdin=stdin)
    frames: list[pl.DataFrame] = []
    for chunk in sources.chunks():
        sources.add_missing(chunk)
        frames.append(chunk.data.frame)
    stacked = pl.concat(frames) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        row_ids = pl.int_range(0, stacked.height, dtype=pl.UInt32, eager=True).alias(ROW_ID)
        stacked = stacked.with_columns(chunked_like(row_ids, stacked.get_column(ROW_ID).chunk_lengths()))
    # Spread over the cores: the checks' eager steps then run on all of them.
    return LoadedData(
        frame=spread(stacked.select(*sources.fields, ROW_ID, SOURCE_COL, LINE_COL)), sources=sources.infos
    )
