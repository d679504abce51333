"""The Spark session and the sources as Spark reads them, with veracity's provenance.

Provenance: every file of a source (a directory or glob is several files) is one source of
the audit, in path order. CSV, TSV, JSON and NDJSON files are read by veracity's own reader on
the workers (``_spark_files``): every record's line (CSV/TSV, quoted line breaks and blank
lines counted) or record number (JSON, NDJSON) is the one a local audit gives. Parquet files,
tables, and text files too large for one task are read by Spark's readers; a record's position
in its file then comes from the scan itself: Spark numbers the records of a partition in file
order (``monotonically_increasing_id``) and splits a file into partitions in offset order, so
one counting job (records per file and partition) gives each record its record number, which
is the record position veracity gives Parquet. A text file read so says in its source info that
its positions are record numbers, not lines (docs/spark.md). Tables have no lines: the row
ordinal, and the record key, name their records.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import polars as pl
import pyarrow as pa

from veracity.errors import SourceError, UsageError
from veracity.runners._spark_files import OWN_READER, WHOLE_FILE_LIMIT, OwnFile, local_file
from veracity.runners._spark_names import map_in_arrow, quoted
from veracity.runners._work import LINE, ROW, SOURCE
from veracity.sources import EXTENSIONS, ColumnOrigin, LoadedData, SourceInfo, SourceSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["INSTALL", "SPARK_TABLE", "SparkData", "read_sources", "start_session"]

INSTALL = "pip install 'veracity[spark]'"
#: How a Spark table source reaches the runner (``SourceConfig.location``).
SPARK_TABLE = "spark-table:"
_SPEC = "__veracity_spec"
_FILE = "__veracity_file"
_MONO = "__veracity_mono"
_PART = "__veracity_part"
#: Formats Spark reads, by veracity's format names.
_SPARK_FORMATS = ("csv", "tsv", "parquet", "json", "ndjson")


def start_session(master: str | None) -> SparkSession:
    """The session to run on: a new one for ``master`` (``local[N]``, ``spark://``, ``sc://``),
    else the active one (inside a Databricks or ``spark-submit`` job), else Spark's default."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(f"--runner spark needs pyspark; install it with {INSTALL}") from None
    # Local workers run this very interpreter, which has veracity (a cluster's workers get the
    # wheel shipped or installed: docs/spark.md).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        if master is None:
            active = SparkSession.getActiveSession()
            return active if active is not None else SparkSession.builder.appName("veracity").getOrCreate()
        if master.startswith("sc://"):
            return SparkSession.builder.remote(master).getOrCreate()
        # No progress bars on stderr: veracity's own progress says what runs.
        builder = SparkSession.builder.master(master).appName("veracity")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        # After a key shuffle, partitions of the advisory size (64 MB) rather than one per core:
        # each partition pays a Python worker round trip and a polars plan.
        builder = builder.config("spark.sql.adaptive.coalescePartitions.parallelismFirst", "false")
        return builder.getOrCreate()
    except Exception as exc:  # pyspark raises many kinds: no Java, bad URL, missing connect extras
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = master or "the default master"
        raise UsageError(
            f"cannot start a Spark session on {where}: {first}; check --spark-master and that Java 17+ "
            "is installed (java -version)"
        ) from None


@dataclass
class SparkData:
    """The audit's records as one Spark DataFrame: the fields (as read) plus SOURCE, LINE and
    ROW (the audit-wide row id, in source then file order, from 0)."""

    frame: DataFrame
    fields: list[str]
    infos: list[SourceInfo]
    rows: int

    def skeleton(self) -> LoadedData:
        from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL

        frame = pl.DataFrame(
            schema={
                **dict.fromkeys(self.fields, pl.String),
                ROW_ID: pl.UInt32,
                SOURCE_COL: pl.UInt16,
                LINE_COL: pl.UInt32,
            }
        )
        return LoadedData(frame, self.infos)


def read_sources(
    spark: SparkSession, specs: Sequence[SourceSpec], base_dir: Path | None, markers: Sequence[str] = ()
) -> SparkData:
    """The sources as one DataFrame with provenance; ``markers``: the rule file's missing-value
    markers (each source adds its own)."""
    from pyspark.sql import functions as F

    from veracity.runners._spark_files import describe_files, own_records

    kinds = [_format(spec) for spec in specs]
    own = describe_files(
        spark,
        {i: spec for i, spec in enumerate(specs) if kinds[i] in OWN_READER},
        {i: _location(spec, base_dir) for i, spec in enumerate(specs) if kinds[i] in OWN_READER},
        markers,
    )
    read: dict[int, DataFrame] = {}
    renamed: dict[int, DataFrame] = {}
    fields: list[str] = []
    types: dict[str, str] = {}
    for index, spec in enumerate(specs):
        if index in own:
            names = [name for file in own[index] for name in file.fields]
            kinds_of = dict.fromkeys(names, "string")
        else:
            frame = read[index] = _read(spark, spec, base_dir, kinds[index])
            renamed[index] = frame.select(
                *(F.col(quoted(name)).alias(spec.columns.get(name, name)) for name in frame.columns),
                F.lit(index).alias(_SPEC),
                (F.lit(spec.table) if kinds[index] == "table" else F.col("_metadata.file_path")).alias(_FILE),
                F.monotonically_increasing_id().alias(_MONO),
                F.spark_partition_id().alias(_PART),
            )
            names = [spec.columns.get(n, n) for n in frame.columns]
            kinds_of = {
                spec.columns.get(c.name, c.name): c.dataType.simpleString() for c in frame.schema.fields
            }
        fields += [name for name in dict.fromkeys(names) if name not in fields]
        for name, kind in kinds_of.items():
            # A field typed differently by two sources is read as Spark's text of it in both.
            types[name] = kind if types.get(name, kind) == kind else "mixed"
    counts = _counts([renamed[i] for i in sorted(renamed)])
    offsets, infos, numbering, total = _offsets(counts, specs, kinds, own, read, base_dir, markers)
    if total >= 2**32:
        raise UsageError(f"the sources hold {total:,} records, more than the 4,294,967,295 one audit takes")
    locations = {i: _location(specs[i], base_dir) for i in own}
    parts = [own_records(spark, dict(enumerate(specs)), locations, own, numbering, markers)] if own else []
    if renamed:
        table = spark.createDataFrame(
            offsets,
            schema=f"{_SPEC} int, {_FILE} string, {_PART} int, low long, base long, src int, first_line long",
        )
        stacked = _union(list(renamed.values()))
        parts.append(
            stacked.join(F.broadcast(table), on=[_SPEC, _FILE, _PART]).select(
                *(F.col(quoted(n)) for n in stacked.columns if n not in (_SPEC, _FILE, _MONO, _PART)),
                F.col("src").cast("int").alias(SOURCE),
                (F.col("first_line") + F.col(_MONO) - F.col("low")).cast("long").alias(LINE),
                (F.col("base") + F.col(_MONO) - F.col("low")).cast("long").alias(ROW),
            )
        )
    numbered = _union(
        [
            part.select(
                *(
                    (F.col(quoted(n)).cast("string") if types.get(n) == "mixed" else F.col(quoted(n))).alias(
                        n
                    )
                    if n in part.columns
                    else F.lit(None).cast("string").alias(n)
                    for n in fields
                ),
                SOURCE,
                LINE,
                ROW,
            )
            for part in parts
        ]
    )
    return SparkData(numbered, fields, infos, total)


def _union(frames: Sequence[DataFrame]) -> DataFrame:
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame, allowMissingColumns=True)
    return union


def _counts(frames: Sequence[DataFrame]) -> list[Any]:
    """Records per (source, file, partition) of the sources Spark reads, and the lowest
    position Spark gave one of them: counted inside each partition (one stage, no shuffle,
    since a partition's records share their partition id)."""
    if not frames:
        return []
    stacked = _union([frame.select(_SPEC, _FILE, _MONO, _PART) for frame in frames])
    schema = f"{_SPEC} int, {_FILE} string, {_PART} int, n long, low long"
    return map_in_arrow(stacked, _count_partition, schema).collect()


def _count_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """A partition's records counted per (source, file), with the lowest position of each."""
    tables = [pl.from_arrow(batch) for batch in batches if batch.num_rows]
    if not tables:
        return
    stacked = pl.concat([t for t in tables if isinstance(t, pl.DataFrame)])
    counted = stacked.group_by(_SPEC, _FILE, _PART).agg(
        pl.len().cast(pl.Int64).alias("n"), pl.col(_MONO).min().cast(pl.Int64).alias("low")
    )
    yield from (
        counted.select(
            pl.col(_SPEC).cast(pl.Int32),
            pl.col(_FILE).cast(pl.String),
            pl.col(_PART).cast(pl.Int32),
            "n",
            "low",
        )
        .to_arrow()
        .to_batches()
    )


def _format(spec: SourceSpec) -> str:
    if spec.path.startswith(SPARK_TABLE):
        return "table"
    if spec.table is not None or spec.query is not None:
        raise SourceError(
            f"{spec.path}: database sources are read by the local runner; for Spark, give the table "
            "as 'table:' without 'database:' (a table of the Spark catalog)"
        )
    if spec.read.format:
        return spec.read.format
    path = spec.path.rstrip("/")
    suffix = Path(urlparse(path).path).suffix.lower()
    fmt = EXTENSIONS.get(suffix, "parquet" if not suffix else None)
    if fmt is None or fmt not in _SPARK_FORMATS:
        raise SourceError(
            f"{spec.path}: Spark reads {', '.join(_SPARK_FORMATS)} files and tables, not '{suffix}'; "
            "convert the export or run without --runner spark"
        )
    return fmt


def _location(spec: SourceSpec, base_dir: Path | None) -> str:
    if "://" in spec.path or base_dir is None or Path(spec.path).is_absolute():
        return spec.path
    return str(base_dir / spec.path)


def _read(spark: SparkSession, spec: SourceSpec, base_dir: Path | None, fmt: str) -> DataFrame:
    """A source Spark's reader reads: Parquet, a table, or a text source with a file too large
    for one task of veracity's reader (its records are then numbered, not its lines)."""
    try:
        if fmt == "table":
            assert spec.table is not None
            return spark.read.table(spec.table)
        where = _location(spec, base_dir)
        if fmt in ("csv", "tsv"):
            # multiLine: a quoted line break stays inside its record (a file is then one task).
            reader = spark.read.option("header", True).option("inferSchema", False).option("escape", '"')
            reader = reader.option("multiLine", True)
            sep = spec.read.delimiter or ("\t" if fmt == "tsv" else ",")
            reader = reader.option("sep", sep).option("mode", "PERMISSIVE")
            reader = reader.option("encoding", _charset(spec.read.encoding)).option("nullValue", None)
            frame = reader.csv(where)
            # A byte-order mark is not part of the first column's name (veracity drops it too).
            return frame.toDF(*(name.lstrip("\ufeff") for name in frame.columns))
        if fmt == "json":
            # A .json file holds one array (or object) of records; .ndjson one record a line.
            return spark.read.option("multiLine", True).json(where)
        if fmt == "ndjson":
            frame = spark.read.json(where)
            return frame.select(*(quoted(n) for n in _record_order(where, frame.columns)))
        return spark.read.parquet(where)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        name = spec.table if spec.table is not None else spec.path
        raise SourceError(f"{name}: Spark cannot read it: {first}; check the path or table name") from None


def _charset(encoding: str | None) -> str:
    """Python's encoding name as Spark's CSV reader spells it (``utf-8-sig`` is UTF-8 with a
    byte-order mark, which Spark reads as UTF-8)."""
    name = (encoding or "utf-8").lower().replace("_", "-")
    return {"utf-8-sig": "UTF-8", "utf8": "UTF-8", "latin-1": "ISO-8859-1", "latin1": "ISO-8859-1"}.get(
        name, name.upper()
    )


def _offsets(
    counts: Sequence[Any],
    specs: Sequence[SourceSpec],
    kinds: Sequence[str],
    own: Mapping[int, Sequence[OwnFile]],
    frames: Mapping[int, DataFrame],
    base_dir: Path | None,
    markers: Sequence[str],
) -> tuple[list[tuple[Any, ...]], list[SourceInfo], dict[tuple[int, str], tuple[int, int]], int]:
    """Per (source, file, partition) Spark read: its first record's row id and line; per file
    veracity read: its source index and first row id; each file's SourceInfo, files in source
    then path order."""
    by_file: dict[tuple[int, str], list[tuple[int, int, int]]] = {}
    for row in counts:
        by_file.setdefault((int(row[_SPEC]), str(row[_FILE])), []).append(
            (int(row["low"]), int(row[_PART]), int(row["n"]))
        )
    offsets: list[tuple[Any, ...]] = []
    infos: list[SourceInfo] = []
    numbering: dict[tuple[int, str], tuple[int, int]] = {}
    base = 0
    for spec_index, spec in enumerate(specs):
        if spec_index in own:
            for described in own[spec_index]:
                described.info.index = len(infos)
                numbering[(spec_index, described.path)] = (described.info.index, base)
                infos.append(described.info)
                base += described.info.rows
            continue
        files = sorted(name for s, name in by_file if s == spec_index)
        if not files:
            raise SourceError(f"{spec.table or spec.path}: Spark found no records there; check the path")
        for file in files:
            src = len(infos)
            # A text file too large for one task: Spark's reader numbers its records.
            first_line = 1
            position = 0
            for low, part, n in sorted(by_file[(spec_index, file)]):
                offsets.append((spec_index, file, part, low, base + position, src, first_line + position))
                position += n
            info = _info(src, spec, kinds[spec_index], file, position, frames[spec_index], base_dir)
            info.null_markers = tuple(dict.fromkeys((*markers, *spec.read.null_markers)))
            infos.append(info)
            base += position
    return offsets, infos, numbering, base


def _info(
    index: int, spec: SourceSpec, kind: str, file: str, rows: int, frame: DataFrame, base_dir: Path | None
) -> SourceInfo:
    local = local_file(file) if kind != "table" else None
    size, digest, modified = 0, "", None
    if local is not None and local.is_file():
        size, digest = _digest(local)
        modified = datetime.fromtimestamp(local.stat().st_mtime, UTC)
    given = Path(_location(spec, base_dir)) if "://" not in spec.path else None
    if kind == "table":
        display = f"table {spec.table}"
    elif given is not None and local is not None and given.is_file():
        display = spec.path
    else:
        display = str(local) if local is not None else file
    types = _polars_types(frame)
    if kind in ("json", "ndjson"):
        types = {name: _json_type(dtype) for name, dtype in types.items()}
    return SourceInfo(
        index=index,
        path=display,
        format="parquet" if kind == "table" else kind,
        size=size,
        sha256=digest,
        rows=rows,
        position_kind="key" if kind == "table" else "record",
        columns=[
            ColumnOrigin(
                original=name,
                field=spec.columns.get(name, name),
                original_type="string" if kind in ("csv", "tsv") else types[name],
            )
            for name in frame.columns
        ],
        encoding=(spec.read.encoding or "utf-8") if kind in OWN_READER else None,
        delimiter=(spec.read.delimiter or ("\t" if kind == "tsv" else ","))
        if kind in ("csv", "tsv")
        else None,
        null_markers=tuple(spec.read.null_markers),
        details={"table": str(spec.table)} if kind == "table" else _too_large(kind),
        modified=modified,
    )


def _too_large(kind: str) -> dict[str, str]:
    """What a text source's positions are when Spark's reader read it (a file too large)."""
    if kind not in OWN_READER:
        return {}
    return {
        "position": f"record number, not line: a file over {WHOLE_FILE_LIMIT >> 20} MiB is read by "
        "Spark's reader (docs/spark.md)"
    }


def _json_type(dtype: str) -> str:
    """JSON's name of a type Spark inferred, as the local JSON loader names it."""
    if dtype.startswith(("Int", "UInt", "Float", "Decimal")):
        return "number"
    if dtype.startswith("Struct"):
        return "object"
    if dtype.startswith("List"):
        return "array"
    return dtype.lower()


def _record_order(where: str, columns: list[str]) -> list[str]:
    """Spark sorts inferred JSON fields by name; the local loader keeps the first record's
    order, which the driver reads when the file is local (remote files keep Spark's order)."""
    local = local_file(where)
    if local is None or not local.exists():
        return columns
    first = local if local.is_file() else next(iter(sorted(local.glob("*.*json*"))), None)
    if first is None:
        return columns
    with first.open(encoding="utf-8-sig", errors="replace") as handle:
        line = next((text for text in handle if text.strip()), "")
    try:
        keys = list(json.loads(line, object_pairs_hook=lambda pairs: dict(pairs)))
    except (ValueError, TypeError):
        return columns
    ordered = [key for key in dict.fromkeys(keys) if key in columns]
    return ordered + [name for name in columns if name not in ordered]


def _polars_types(frame: DataFrame) -> dict[str, str]:
    """The columns' types as the local loaders name them (polars' names for Arrow's types)."""
    empty = pl.from_arrow(frame.limit(0).toArrow())
    assert isinstance(empty, pl.DataFrame)
    return {name: str(dtype) for name, dtype in empty.schema.items()}


def _digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file the driver can read (remote files are hashed by no one)."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(32 << 20):
            hasher.update(block)
            size += len(block)
    return size, hasher.hexdigest()
