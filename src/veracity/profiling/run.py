"""Profiling over the engine's partitions: the same schedulers as the audit (the whole data as
one partition, or chunks of N records read in bounded memory), every source kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from veracity.engine import ChunkedData, Partitions, WholeData
from veracity.errors import UsageError
from veracity.profiling._measure import Plan, measure
from veracity.profiling._state import TableState
from veracity.profiling.model import Profile, build_profile
from veracity.profiling.roles import role_of
from veracity.sources import ReadOptions, SourceSpec, load_sources, open_sources

__all__ = ["open_partitions", "profile_partitions", "profile_sources", "source_specs"]

Progress = Callable[[str], None]


def source_specs(
    paths: Sequence[str | Path],
    read: ReadOptions | None = None,
    columns: Sequence[Mapping[str, str]] | None = None,
) -> list[SourceSpec]:
    """What to read: each path (or database URL) with the read options and its renames."""
    if not paths:
        raise UsageError("no data to profile: name one or more files or database tables")
    return [
        SourceSpec(path=str(path), read=read or ReadOptions(), columns=dict(columns[i]) if columns else {})
        for i, path in enumerate(paths)
    ]


def open_partitions(
    specs: Sequence[SourceSpec], *, chunk_rows: int | None = None, stdin: IO[bytes] | None = None
) -> Partitions:
    """The data of ``specs`` as partitions: loaded whole, or ``chunk_rows`` records at a time."""
    if chunk_rows is None:
        return WholeData(load_sources(specs, stdin=stdin))
    if chunk_rows < 1:
        raise UsageError(f"the chunk size must be at least 1 record, not {chunk_rows}")
    return ChunkedData(open_sources(specs, chunk_rows=chunk_rows, stdin=stdin))


def profile_partitions(
    parts: Partitions, *, reveal_values: bool = False, progress: Progress | None = None
) -> Profile:
    """Measure every partition, merge the states, read the profile off the merged state."""
    step = progress or (lambda _: None)
    fields = parts.skeleton().fields
    country = next((name for name in fields if role_of(name) == "country"), None)
    plan = Plan(fields=fields, country_field=country)
    state = TableState()
    total = parts.count
    for number, partition in enumerate(parts.partitions(), start=1):
        step(f"profiling records (part {number} of {total})" if total > 1 else "profiling records")
        state = state.merge(measure(partition.data, plan))
        parts.finish(partition)
    profile = build_profile(state, parts.infos, reveal_values)
    profile.generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    return profile


def profile_sources(
    paths: Sequence[str | Path],
    *,
    read: ReadOptions | None = None,
    chunk_rows: int | None = None,
    reveal_values: bool = False,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> Profile:
    """The profile of files or database tables, read whole or in chunks of ``chunk_rows``."""
    step = progress or (lambda _: None)
    step("reading sources")
    parts = open_partitions(source_specs(paths, read), chunk_rows=chunk_rows, stdin=stdin)
    return profile_partitions(parts, reveal_values=reveal_values, progress=step)
