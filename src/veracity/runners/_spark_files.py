"""Text files on Spark read by veracity's own reader: CSV/TSV lines and JSON records exactly
as the local audit counts them.

Spark lists a source's files (any file system the session is configured for: local,
``s3a://``, ``hdfs://``, ``abfss://``) and hands each one's bytes to a task
(``binaryFile``); the task reads them with :func:`veracity.sources.read_bytes`, the reader a
local audit uses: the same records, the same line of every record (quoted line breaks, blank
and CRLF lines included), the same encoding and delimiter detection, the same one-line errors,
and the SHA-256 of the very bytes read. A file is one task, so it must fit a task's memory:
files up to :data:`WHOLE_FILE_LIMIT` are read so; a source with a larger file is read by
Spark's own reader instead, its records numbered (``_spark_sources``).

Two Spark jobs: one describes every file (:class:`SourceInfo`, its fields and record count:
the driver numbers the records from these), and the records' frame reads the files again in
each pass over the data, as any Spark source is read again.

Nothing here imports pyspark at module level: the workers run these functions on Arrow batches.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import polars as pl
import pyarrow as pa

from veracity.errors import SourceError
from veracity.runners._spark_names import quoted
from veracity.runners._work import LINE, ROW, SOURCE
from veracity.sources import LINE_COL, SourceInfo, SourceSpec, read_bytes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["OWN_READER", "WHOLE_FILE_LIMIT", "OwnFile", "describe_files", "display_name", "own_records"]

#: Files up to this size are read whole by one task with veracity's reader (exact lines).
WHOLE_FILE_LIMIT = 512 << 20
#: Formats veracity's reader reads on the workers.
OWN_READER = ("csv", "tsv", "json", "ndjson")
#: Records per Arrow batch a task hands back.
_BATCH_ROWS = 20_000
_SPEC = "__veracity_spec"
_PAYLOAD = "__veracity_described"


@dataclass
class OwnFile:
    """One file read by veracity's reader: where Spark found it, and what the reader learned."""

    spec: int
    path: str  # as Spark names it (the key the records' tasks find their numbering by)
    info: SourceInfo
    fields: list[str]


def local_file(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return Path(unquote(parsed.path))
    return None


def display_name(spec: SourceSpec, location: str, path: str) -> str:
    """How reports name a file: the path as given when the source is that one file; a file of
    a directory or glob by its local path, or its URI on a remote file system."""
    local = local_file(path)
    given = local_file(location)
    if local is not None and given is not None and _same_file(given, local):
        return spec.path
    return str(local) if local is not None else path


def _same_file(one: Path, other: Path) -> bool:
    return os.path.normpath(one.absolute()) == os.path.normpath(other.absolute())


def file_key(uri: str) -> str:
    """One spelling of a file's URI: Spark lists ``file:///a%20b`` and scans ``file:/a b``."""
    parsed = urlparse(uri)
    return f"{parsed.scheme or 'file'}://{parsed.netloc}{unquote(parsed.path)}"


def _owners(spark: SparkSession, locations: Mapping[int, str]) -> dict[str, list[int]]:
    """Which sources each file belongs to (a file two globs match belongs to both): a local
    file named as such is known without asking Spark; other locations are listed by Spark."""
    owners: dict[str, list[int]] = {}
    for index, location in locations.items():
        local = local_file(location)
        if local is not None and not any(c in location for c in "*?[{") and local.is_file():
            keys = [file_key("file://" + os.path.normpath(local.absolute()))]
        else:
            keys = [file_key(uri) for uri in _files(spark, [location]).inputFiles()]
        for key in keys:
            owners.setdefault(key, []).append(index)
    return owners


def describe_files(
    spark: SparkSession,
    specs: Mapping[int, SourceSpec],
    locations: Mapping[int, str],
    markers: Sequence[str],
) -> dict[int, list[OwnFile]]:
    """Each source's files, read once by veracity's reader on the workers (one scan of every
    source's files), in path order; a source with a file above :data:`WHOLE_FILE_LIMIT` is left
    out (Spark's reader reads it). Raises the reader's one-line :class:`SourceError` for the
    first unusable file."""
    from pyspark.sql import functions as F

    if not locations:
        return {}
    owners = _owners(spark, locations)
    small = _files(spark, list(locations.values())).filter(F.col("length") <= WHOLE_FILE_LIMIT)
    task = _Describe(dict(specs), dict(locations), owners, tuple(markers))
    rows = small.select("path", "modificationTime", "content").mapInArrow(
        task, f"`{_SPEC}` int, path string, `{_PAYLOAD}` binary"
    )
    found: dict[int, list[OwnFile]] = {}
    errors: list[tuple[int, str, str]] = []
    for row in rows.collect():
        described = pickle.loads(row[_PAYLOAD])
        if isinstance(described, str):
            errors.append((int(row[_SPEC]), str(row["path"]), described))
            continue
        info, fields = described
        info.modified = _modified(str(row["path"])) or info.modified
        found.setdefault(int(row[_SPEC]), []).append(OwnFile(int(row[_SPEC]), str(row["path"]), info, fields))
    if errors:
        raise SourceError(min(errors)[2])
    listed = {index: sum(index in specs for specs in owners.values()) for index in locations}
    return {
        index: sorted(files, key=lambda own: file_key(own.path))
        for index, files in found.items()
        if len(files) == listed[index]
    }


def _files(spark: SparkSession, locations: list[str]) -> DataFrame:
    try:
        return spark.read.format("binaryFile").load(locations)
    except Exception as exc:  # pyspark raises many kinds (a missing path, a file system's error)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SourceError(f"{', '.join(locations)}: Spark cannot read it: {first}; check the path") from None


class _Describe:
    """The describing task: per file and source it belongs to, its pickled (SourceInfo,
    fields), or its error's line."""

    def __init__(
        self,
        specs: dict[int, SourceSpec],
        locations: dict[int, str],
        owners: dict[str, list[int]],
        markers: tuple[str, ...],
    ):
        self.specs, self.locations, self.owners, self.markers = specs, locations, owners, markers

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        schema = pa.schema([(_SPEC, pa.int32()), ("path", pa.string()), (_PAYLOAD, pa.binary())])
        for batch in batches:
            for row in batch.to_pylist():
                path = str(row["path"])
                for index in self.owners.get(file_key(path), []):
                    payload = self._describe(index, path, row["content"], row["modificationTime"])
                    yield pa.RecordBatch.from_pydict(
                        {_SPEC: [index], "path": [path], _PAYLOAD: [payload]}, schema=schema
                    )

    def _describe(self, index: int, path: str, content: bytes, modified: datetime | None) -> bytes:
        spec = self.specs[index]
        display = display_name(spec, self.locations[index], path)
        try:
            fetched = read_bytes(content, spec, display, batch_rows=_BATCH_ROWS, null_markers=self.markers)
        except SourceError as exc:
            return pickle.dumps(str(exc))
        fetched.info.modified = _utc(modified)
        return pickle.dumps((fetched.info, fetched.fields))


def _modified(path: str) -> datetime | None:
    """A local file's modification time as the local audit reads it (Spark's listing keeps
    milliseconds only)."""
    local = local_file(path)
    try:
        return None if local is None else datetime.fromtimestamp(local.stat().st_mtime, UTC)
    except OSError:  # a worker's file the driver cannot see
        return None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def own_records(
    spark: SparkSession,
    specs: Mapping[int, SourceSpec],
    locations: Mapping[int, str],
    files: Mapping[int, Sequence[OwnFile]],
    numbering: Mapping[tuple[int, str], tuple[int, int]],
    markers: Sequence[str],
) -> DataFrame:
    """The records of the sources' files (one scan of them all) with SOURCE, LINE (the
    reader's) and ROW (from each file's first row id in ``numbering``, by source and file)."""
    fields = list(dict.fromkeys(name for index in files for own in files[index] for name in own.fields))
    schema = ", ".join(
        [*(f"{quoted(n)} string" for n in fields), f"`{SOURCE}` int", f"`{LINE}` long", f"`{ROW}` long"]
    )
    where = {index: locations[index] for index in files}
    owned = {index: specs[index] for index in files}
    task = _Records(
        owned, where, fields, {(i, file_key(p)): n for (i, p), n in numbering.items()}, tuple(markers)
    )
    return _files(spark, list(where.values())).select("path", "content").mapInArrow(task, schema)


class _Records:
    """The records' task: each file read again by veracity's reader, numbered by the driver."""

    def __init__(
        self,
        specs: dict[int, SourceSpec],
        locations: dict[int, str],
        fields: list[str],
        numbering: dict[tuple[int, str], tuple[int, int]],
        markers: tuple[str, ...],
    ):
        self.specs, self.locations, self.fields = specs, locations, fields
        self.numbering, self.markers = numbering, markers

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for row in batch.to_pylist():
                path = str(row["path"])
                for index in self.specs:
                    if (index, file_key(path)) in self.numbering:
                        yield from self._file(index, path, row["content"])

    def _file(self, index: int, path: str, content: bytes) -> Iterator[pa.RecordBatch]:
        source, base = self.numbering[(index, file_key(path))]
        spec = self.specs[index]
        display = display_name(spec, self.locations[index], path)
        fetched = read_bytes(content, spec, display, batch_rows=_BATCH_ROWS, null_markers=self.markers)
        position = base
        for frame in fetched.batches():
            height = frame.height
            out = frame.select(
                *(
                    pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String).alias(name)
                    for name in self.fields
                ),
                pl.lit(source, dtype=pl.Int32).alias(SOURCE),
                pl.col(LINE_COL).cast(pl.Int64).alias(LINE),
                pl.int_range(position, position + height, dtype=pl.Int64).alias(ROW),
            )
            position += height
            yield from out.to_arrow().to_batches()
