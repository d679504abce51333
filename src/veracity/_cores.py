"""How many cores veracity uses, and data laid out so that polars uses them.

polars runs an eager element-wise expression over a column chunk by chunk, one core per chunk:
a column in a single memory chunk (what ``unique``, ``concat`` with rechunking and most
constructors return) is worked on by one core however many there are.
"""

from __future__ import annotations

import os

import polars as pl

__all__ = ["spread", "worker_count"]


def worker_count() -> int:
    """Worker processes to use: ``VERACITY_WORKERS`` when set to a positive integer (1 keeps
    every call in this process), else the cores this process may run on."""
    configured = os.environ.get("VERACITY_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform (macOS, Windows)
        return os.cpu_count() or 1


#: Rows below which splitting a frame into chunks is not worth it.
_SPREAD_FROM = 100_000


def spread(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in one memory chunk per core (zero-copy slices of it)."""
    parts = worker_count()
    if parts < 2 or frame.height < _SPREAD_FROM or frame.n_chunks() >= parts:
        return frame
    size = -(-frame.height // parts)
    return pl.concat([frame.slice(start, size) for start in range(0, frame.height, size)], rechunk=False)
