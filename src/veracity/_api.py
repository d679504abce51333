"""``veracity.audit`` and ``veracity.audit_chunked``: the whole audit path as one call, over
the data in memory (one partition) or read in chunks (a partition each). The CLI is a thin
layer over them."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

from veracity import __version__
from veracity.config import RuleSet, check_fields, load_rule_file, rule_set_from_objects
from veracity.engine import (
    AuditPlan,
    ChunkedData,
    FindingsSink,
    RunOutput,
    WholeData,
    findings_sink,
    run_partitions,
)
from veracity.errors import FieldError, SourceError, UsageError
from veracity.lineage import build_lineage
from veracity.masking import field_masks, mask_expr
from veracity.reports.worklist import Settings, build_worklist, failing_records
from veracity.results import AuditResult, RunInfo, SegmentBreakdown
from veracity.scoring import (
    breakdown_from_counts,
    decide_gate,
    overall_score,
    score_dimensions,
    score_records,
    score_rules,
)
from veracity.sources import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    ColumnOrigin,
    LoadedData,
    ReadOptions,
    SourceInfo,
    SourceSpec,
    load_sources,
    open_sources,
)
from veracity.suggest import did_you_mean

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_SAMPLES",
    "ChunkedAuditResult",
    "WorklistAuditResult",
    "audit",
    "audit_chunked",
    "load_data",
    "load_rules",
]

Progress = Callable[[str], None]
SourceLike = str | Path | pl.DataFrame

#: Records per partition of :func:`audit_chunked`: 1.2-1.5 GiB at the peak for a 15-column
#: customer export (benchmarks/STREAMING.md); memory grows with it, time per record shrinks a
#: little.
DEFAULT_CHUNK_ROWS = 1_000_000
#: Findings per rule kept in memory for the reports (they show at most five).
DEFAULT_SAMPLES = 100
#: ``scoring.score_segments``' limit: segments beyond it are folded into "(other)".
_SEGMENT_LIMIT = 50


def load_rules(rules: str | Path | RuleSet | Sequence[Mapping[str, Any]]) -> RuleSet:
    """A rule set from a rule file path, a RuleSet, or a list of rule mappings."""
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, str | Path):
        return load_rule_file(rules)
    return rule_set_from_objects(rules)


def audit(
    sources: SourceLike | Sequence[SourceLike] | None = None,
    rules: str | Path | RuleSet | Sequence[Mapping[str, Any]] = (),
    *,
    as_of: date | None = None,
    fail_under: float | None = None,
    read: ReadOptions | None = None,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
    segments: Sequence[str] | None = None,
    reveal_values: bool = False,
    worklist: bool = False,
    runner: str | None = None,
    spark_master: str | None = None,
    findings_path: str | Path | None = None,
    max_samples: int = DEFAULT_SAMPLES,
) -> AuditResult:
    """Audit ``sources`` against ``rules`` and return the scored result.

    ``sources`` are paths (``"-"`` for CSV on stdin) or polars DataFrames; when omitted, the
    rule file's ``sources:`` are read. ``as_of`` is the audit date (default: today);
    ``fail_under`` overrides the rule file's ``gate.min_score``; ``segments`` (fields, or
    ``source`` for the source file) replaces the rule file's ``segments:``; their values are
    masked as the fields' values are, unless ``reveal_values``. ``worklist`` returns a
    :class:`WorklistAuditResult` with the worklist (:mod:`veracity.reports.worklist`).

    ``runner`` (default: the rule file's ``runner:``, else ``local``) names where the audit runs
    (:mod:`veracity.runners`); ``spark`` runs on ``spark_master`` (``local[N]``, ``spark://``,
    ``sc://``) or the active Spark session, writes ``findings_path`` as a Parquet dataset, and
    returns a :class:`ChunkedAuditResult` holding each rule's first ``max_samples`` findings.
    """
    started = _Started()
    step = progress or (lambda _: None)
    rule_set = _rules_to_run(rules)
    name = runner or rule_set.model.runner or "local"
    if name != "local":
        if worklist:
            raise UsageError(f"the worklist is made by the local runner, not by runner '{name}'")
        options = {"master": spark_master} if spark_master is not None else {}
        return _audit_on(
            name, sources, rule_set, as_of, fail_under, read, segments, reveal_values,
            findings_path, max_samples, options, started, step,
        )  # fmt: skip
    if any(spec.path.startswith("spark-table:") for spec in _rule_file_specs(sources, rule_set)):
        raise UsageError("a 'table:' source without 'database:' is a Spark table; run with --runner spark")
    step("reading sources")
    data = load_data(sources, rule_set, read=read, stdin=stdin)
    check_fields(rule_set, data.fields)
    segment_fields = _segment_fields(data, rule_set, segments)
    plan = _plan(rule_set, as_of, data.fields, segment_fields, None, reveal_values)
    output = run_partitions(WholeData(data), plan, progress=step)
    result = _result(rule_set, plan, output, data.sources, data, fail_under, segment_fields, started, step)
    if not worklist:
        return result
    step("suggesting corrections")
    frame = build_worklist(
        output.findings,
        data,
        output.record_scores,
        rule_set.rules,
        Settings.of(rule_set, plan.as_of),
        reveal_values=reveal_values,
    )
    return WorklistAuditResult(**_fields(result), worklist=frame)


def audit_chunked(
    sources: SourceLike | Sequence[SourceLike] | None = None,
    rules: str | Path | RuleSet | Sequence[Mapping[str, Any]] = (),
    *,
    as_of: date | None = None,
    fail_under: float | None = None,
    read: ReadOptions | None = None,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
    segments: Sequence[str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    findings_path: str | Path | None = None,
    reveal_values: bool = False,
    max_samples: int = DEFAULT_SAMPLES,
    worklist: bool = False,
) -> ChunkedAuditResult:
    """:func:`audit` in partitions of ``chunk_rows`` records: the same scores, counts, lineage,
    segments and findings, in memory bounded by the partition size.

    Takes :func:`audit`'s arguments (paths, not DataFrames) and writes the findings file
    itself when ``findings_path`` (``.csv`` or ``.parquet``) is given: masked unless
    ``reveal_values``, atomically, identical to the one-partition audit's file. The result's
    ``findings`` keep each rule's first ``max_samples`` findings.

    polars' allocator keeps the pages a chunk freed for a while, so the next chunk's peak can
    stack on them. ``veracity audit --chunk-rows`` sets
    ``_RJEM_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0`` before polars loads; from Python,
    set it in the environment before the first ``import polars`` for the same peak (polars
    reads it once, when it loads).
    """
    started = _Started()
    step = progress or (lambda _: None)
    if chunk_rows < 1:
        raise UsageError(f"the chunk size must be at least 1 record, not {chunk_rows}")
    if max_samples < 0:
        raise UsageError(f"the number of samples per rule cannot be negative ({max_samples})")
    if findings_path is not None and Path(findings_path).suffix.lower() not in (".csv", ".parquet"):
        raise UsageError("--findings must end in .csv or .parquet")
    rule_set = _rules_to_run(rules)
    items = [sources] if isinstance(sources, str | Path | pl.DataFrame) else list(sources or [])
    paths = [item for item in items if not isinstance(item, pl.DataFrame)]
    if len(paths) != len(items):
        raise UsageError("DataFrames are in memory already: audit them with veracity.audit, not in chunks")
    specs, base_dir = source_specs(paths if sources is not None else None, rule_set, read)
    # Opened first: an unwritable findings path fails before the work, not after it.
    with findings_sink(findings_path, reveal_values) as sink:
        step("reading sources")
        opened = open_sources(
            specs,
            chunk_rows=chunk_rows,
            base_dir=base_dir,
            null_markers=rule_set.model.null_markers,
            stdin=stdin,
        )
        skeleton = opened.skeleton()
        check_fields(rule_set, skeleton.fields)
        segment_fields = _segment_fields(skeleton, rule_set, segments)
        plan = _plan(rule_set, as_of, skeleton.fields, segment_fields, max_samples, reveal_values)
        collector = _Collecting(sink) if worklist else None
        output = run_partitions(ChunkedData(opened), plan, sink=collector or sink, progress=step)
        step("writing findings")
    result = _result(
        rule_set, plan, output, opened.infos, opened.skeleton(), fail_under, segment_fields, started, step
    )
    frame = None
    if collector is not None:
        step("suggesting corrections")
        findings = pl.concat(collector.frames) if collector.frames else output.findings.clear()
        parts = ((part.data, part.start) for part in ChunkedData(opened).partitions())
        failing = failing_records(findings, parts, rule_set.rules)
        frame = build_worklist(
            findings,
            failing or opened.skeleton(),
            output.record_scores,
            rule_set.rules,
            Settings.of(rule_set, plan.as_of),
            reveal_values=reveal_values,
        )
    return ChunkedAuditResult(
        **_fields(result),
        worklist=frame,
        findings_total=sum(output.findings_by_rule.values()),
        findings_by_rule=output.findings_by_rule,
        findings_by_source=output.findings_by_source,
        samples_per_rule=max_samples,
        chunk_rows=chunk_rows,
        chunks=output.partitions,
    )


def _rule_file_specs(sources: object, rule_set: RuleSet) -> list[SourceSpec]:
    if sources is not None or not rule_set.model.sources:
        return []
    return source_specs(None, rule_set, None)[0]


def _audit_on(
    name: str,
    sources: SourceLike | Sequence[SourceLike] | None,
    rule_set: RuleSet,
    as_of: date | None,
    fail_under: float | None,
    read: ReadOptions | None,
    segments: Sequence[str] | None,
    reveal_values: bool,
    findings_path: str | Path | None,
    max_samples: int,
    options: dict[str, str],
    started: _Started,
    step: Progress,
) -> ChunkedAuditResult:
    """The audit on a runner of :mod:`veracity.runners` other than the in-memory one."""
    from veracity.runners import AuditRequest, get_runner

    chosen = get_runner(name)
    if max_samples < 0:
        raise UsageError(f"the number of samples per rule cannot be negative ({max_samples})")
    items = [sources] if isinstance(sources, str | Path | pl.DataFrame) else list(sources or [])
    paths = [item for item in items if not isinstance(item, pl.DataFrame)]
    if len(paths) != len(items):
        raise UsageError(f"DataFrames are in memory already: audit them without runner '{name}'")
    specs, base_dir = source_specs(paths if sources is not None else None, rule_set, read)
    chosen_segments: list[str] = []

    def plan(skeleton: LoadedData) -> AuditPlan:
        check_fields(rule_set, skeleton.fields)
        chosen_segments.extend(_segment_fields(skeleton, rule_set, segments))
        return _plan(rule_set, as_of, skeleton.fields, chosen_segments, max_samples, reveal_values)

    request = AuditRequest(
        rule_set=rule_set,
        specs=specs,
        base_dir=base_dir,
        plan=plan,
        findings_path=Path(findings_path) if findings_path is not None else None,
        reveal_values=reveal_values,
        max_samples=max_samples,
        progress=step,
        options=options,
    )
    ran = chosen.run(request)
    output = ran.output
    the_plan = _plan(rule_set, as_of, ran.skeleton.fields, chosen_segments, max_samples, reveal_values)
    result = _result(
        rule_set, the_plan, output, ran.infos, ran.skeleton, fail_under, chosen_segments, started, step
    )
    return ChunkedAuditResult(
        **{f.name: getattr(result, f.name) for f in dataclasses.fields(AuditResult)},
        findings_total=sum(output.findings_by_rule.values()),
        findings_by_rule=output.findings_by_rule,
        findings_by_source=output.findings_by_source,
        samples_per_rule=max_samples,
        chunk_rows=0,
        chunks=output.partitions,
    )


@dataclass
class ChunkedAuditResult(AuditResult):
    """An :class:`AuditResult` whose ``findings`` hold each rule's first ``samples_per_rule``
    findings only (in the one-partition audit's order); the findings file has all of them."""

    #: Every finding, i.e. rows in the findings file (``AuditResult.findings.height`` in the
    #: one-partition audit).
    findings_total: int = 0
    #: Findings per rule id, every rule in rule order (0 when none).
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    #: Findings per source path and rule id (findings about no source are not counted here).
    findings_by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    samples_per_rule: int = DEFAULT_SAMPLES
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    chunks: int = 0
    #: The worklist when asked for (``worklist=True``), else None.
    worklist: pl.DataFrame | None = None


@dataclass
class WorklistAuditResult(AuditResult):
    """An :class:`AuditResult` with its worklist (:mod:`veracity.reports.worklist`)."""

    worklist: pl.DataFrame | None = None


class _Collecting(FindingsSink):
    """The findings about records, kept for the worklist, and handed on to the findings file's
    sink, if any."""

    def __init__(self, inner: FindingsSink | None) -> None:
        self._inner = inner
        self.frames: list[pl.DataFrame] = []

    def add(self, slot: int, findings: pl.DataFrame) -> None:
        self.frames.append(findings.filter(pl.col("line").is_not_null()))
        if self._inner is not None:
            self._inner.add(slot, findings)


def _fields(result: AuditResult) -> dict[str, Any]:
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(AuditResult)}


class _Started:
    """When the audit started, for the run's timestamp and duration."""

    def __init__(self) -> None:
        self.clock = time.perf_counter()
        self.at = datetime.now(UTC)


def _rules_to_run(rules: str | Path | RuleSet | Sequence[Mapping[str, Any]]) -> RuleSet:
    rule_set = load_rules(rules)
    if not rule_set.rules:
        raise UsageError("no rules to run; give a rule file with a 'rules:' list")
    return rule_set


def _segment_fields(data: LoadedData, rule_set: RuleSet, segments: Sequence[str] | None) -> list[str]:
    names = list(segments) if segments is not None else list(rule_set.model.segments)
    for name in names:
        if name not in data.fields and name != "source":
            segment_labels(data, name, rule_set)  # refuses the unknown field before the work
    return names


def _plan(
    rule_set: RuleSet,
    as_of: date | None,
    fields: Sequence[str],
    segment_fields: Sequence[str],
    max_samples: int | None,
    reveal_values: bool,
) -> AuditPlan:
    return AuditPlan.for_rules(
        rule_set,
        as_of=as_of or date.today(),
        fields=fields,
        segments=lambda data: {
            name: segment_labels(data, name, rule_set, reveal_values=reveal_values) for name in segment_fields
        },
        max_samples=max_samples,
    )


def _result(
    rule_set: RuleSet,
    plan: AuditPlan,
    output: RunOutput,
    infos: list[SourceInfo],
    data: LoadedData,
    fail_under: float | None,
    segment_fields: Sequence[str],
    started: _Started,
    step: Progress,
) -> AuditResult:
    """The scored result of a run (``data``: the loaded data or its skeleton, for lineage)."""
    step("scoring")
    model = rule_set.model
    weights = model.scoring.dimension_weights
    results = score_rules(rule_set.rules, output.states, decay=model.decay)
    dimensions = score_dimensions(results)
    score = overall_score(dimensions, weights)
    record_rules = [rule for rule in rule_set.rules if rule.check.reads != "dataset"]
    breakdowns = []
    for name in segment_fields:
        counts = output.segment_counts.get(name)
        breakdowns.append(
            SegmentBreakdown(field=name, segments=[], folded=0)
            if counts is None
            else breakdown_from_counts(name, counts, record_rules, weights, _SEGMENT_LIMIT)
        )
    min_score = fail_under if fail_under is not None else model.gate.min_score
    return AuditResult(
        run=RunInfo(
            tool="veracity",
            version=__version__,
            started_at=started.at.isoformat(timespec="seconds"),
            duration_seconds=round(time.perf_counter() - started.clock, 3),
            as_of=plan.as_of.isoformat(),
            rule_file=rule_set.path,
            rule_file_sha256=rule_set.sha256,
            key=model.key,
        ),
        sources=infos,
        lineage=build_lineage(
            data,
            output.field_types,
            purposes={name: f.purpose for name, f in model.fields.items() if f.purpose is not None},
            masks=field_masks(rule_set, data.fields),
        ),
        rules=results,
        dimensions=dimensions,
        score=score,
        records=score_records(output.record_scores),
        gate=decide_gate(results, score, min_score),
        findings=output.findings,
        details=output.details,
        segments=breakdowns,
    )


def segment_labels(
    data: LoadedData, name: str, rule_set: RuleSet, *, reveal_values: bool = False
) -> pl.Series:
    """The segment of each record: the field's value, or the source path for ``source``.

    Segment values are shown in reports, masked as the field's values are everywhere else
    (:func:`veracity.masking.field_masks`): ``--by email`` shows masked addresses, ``--by
    tier`` the tiers; ``reveal_values`` shows every field's values as they are.
    """
    if name in data.fields:
        kind = field_masks(rule_set, [name])[name]
        if kind == "shown" or reveal_values:
            return data.frame.get_column(name)
        return data.frame.select(mask_expr(pl.col(name), kind)).to_series()
    if name == "source":
        paths = {s.index: s.path for s in data.sources}
        return data.frame.get_column(SOURCE_COL).replace_strict(paths, return_dtype=pl.String)
    hint = did_you_mean(name, [*data.fields, "source"])
    raise FieldError(
        f"segment field '{name}' (--by, segments:) is in no source{hint}; segment by a field or by 'source'"
    )


def load_data(
    sources: SourceLike | Sequence[SourceLike] | None,
    rule_set: RuleSet,
    *,
    read: ReadOptions | None = None,
    stdin: IO[bytes] | None = None,
) -> LoadedData:
    """Load what to audit: the given sources, else the rule file's ``sources:``."""
    model = rule_set.model
    if isinstance(sources, pl.DataFrame) or (
        isinstance(sources, Sequence)
        and not isinstance(sources, str)
        and sources
        and any(isinstance(item, pl.DataFrame) for item in sources)
    ):
        items = [sources] if isinstance(sources, pl.DataFrame) else list(sources)
        frames = [item for item in items if isinstance(item, pl.DataFrame)]
        if len(frames) != len(items):
            raise UsageError("give either file paths or DataFrames to audit, not both")
        return _from_frames(frames, model.null_markers)
    paths = (
        None
        if sources is None
        else [sources]
        if isinstance(sources, str | Path)
        else [s for s in sources if not isinstance(s, pl.DataFrame)]
    )
    specs, base_dir = source_specs(paths, rule_set, read)
    return load_sources(specs, base_dir=base_dir, null_markers=model.null_markers, stdin=stdin)


def source_specs(
    sources: str | Path | Sequence[str | Path] | None, rule_set: RuleSet, read: ReadOptions | None
) -> tuple[list[SourceSpec], Path | None]:
    """What to read for ``sources`` (paths, or None for the rule file's ``sources:``), and the
    directory relative paths start from (the rule file's for its own sources)."""
    model = rule_set.model
    if sources is None or (isinstance(sources, Sequence) and not isinstance(sources, str) and not sources):
        if not model.sources:
            raise UsageError(
                "no data to audit: name files on the command line or list 'sources:' in the rule file"
            )
        specs = [
            SourceSpec(
                path=s.location,
                table=s.table,
                query=s.query,
                columns=dict(s.columns),
                read=_merge_read(
                    ReadOptions(
                        format=s.read.format,
                        delimiter=s.read.delimiter,
                        encoding=s.read.encoding,
                        null_markers=tuple(s.read.null_markers),
                        sheet=s.read.sheet,
                    ),
                    read,
                ),
            )
            for s in model.sources
        ]
        return specs, rule_set.base_dir
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    # Paths on the command line replace the rule file's sources. One that is a configured
    # source's file reads as that source does; any other gets every configured rename and
    # every source's missing-value markers, since it is most likely another export of the same
    # kind and its format is detected.
    configured = {
        _identity(rule_set.base_dir / s.path if rule_set.base_dir else Path(s.path)): s
        for s in model.sources
        if s.path is not None
    }
    columns: dict[str, str] = {}
    markers: list[str] = []
    for source in model.sources:
        columns.update(source.columns)
        markers.extend(m for m in source.read.null_markers if m not in markers)
    others = ReadOptions(null_markers=tuple(markers))
    specs = []
    for item in items:
        match = configured.get(_identity(Path(item))) if str(item) != "-" else None
        if match is None:
            specs.append(SourceSpec(path=str(item), columns=columns, read=_merge_read(others, read)))
            continue
        r = match.read
        own = ReadOptions(r.format, r.delimiter, r.encoding, tuple(r.null_markers), r.sheet)
        specs.append(SourceSpec(path=str(item), columns=dict(match.columns), read=_merge_read(own, read)))
    return specs, None


def _identity(path: Path) -> tuple[int, int] | Path:
    """The same file whatever name reaches it: (device, inode) when it exists, else the
    resolved path."""
    try:
        info = path.stat()
    except (OSError, ValueError):
        return path.resolve()
    return (info.st_dev, info.st_ino)


def _merge_read(base: ReadOptions, override: ReadOptions | None) -> ReadOptions:
    if override is None:
        return base
    return ReadOptions(
        format=override.format or base.format,
        delimiter=override.delimiter or base.delimiter,
        encoding=override.encoding or base.encoding,
        null_markers=base.null_markers + override.null_markers,
        sheet=override.sheet if override.sheet is not None else base.sheet,
    )


def _from_frames(frames: list[pl.DataFrame], null_markers: Sequence[str]) -> LoadedData:
    """DataFrames handed to the API, provenance = 1-based record number."""
    parts = []
    infos = []
    offset = 0
    for index, frame in enumerate(frames):
        if len(set(frame.columns)) != len(frame.columns):
            raise SourceError(f"DataFrame {index}: duplicate column names; rename them")
        columns = []
        exprs = []
        for name, dtype in frame.schema.items():
            text = pl.col(name).cast(pl.String)
            missing = text.str.strip_chars().eq("") | text.is_in(list(null_markers))
            exprs.append(pl.when(missing).then(None).otherwise(text).alias(name))
            columns.append(ColumnOrigin(original=name, field=name, original_type=str(dtype).lower()))
        converted = frame.select(exprs)
        for column in columns:
            before = frame.get_column(column.original).null_count()
            column.missing_replaced = converted.get_column(column.field).null_count() - before
        converted = converted.with_columns(
            pl.int_range(offset, offset + frame.height, dtype=pl.UInt32).alias(ROW_ID),
            pl.lit(index, dtype=pl.UInt16).alias(SOURCE_COL),
            pl.int_range(1, frame.height + 1, dtype=pl.UInt32).alias(LINE_COL),
        )
        digest = hashlib.sha256(frame.write_ipc(None).getvalue()).hexdigest()
        infos.append(
            SourceInfo(
                index=index,
                path=f"<dataframe {index}>",
                format="parquet",
                size=int(frame.estimated_size()),
                sha256=digest,
                rows=frame.height,
                position_kind="record",
                columns=columns,
                null_markers=tuple(null_markers),
            )
        )
        parts.append(converted)
        offset += frame.height
    combined = pl.concat(parts, how="diagonal")
    fields = [c for c in combined.columns if c not in (ROW_ID, SOURCE_COL, LINE_COL)]
    return LoadedData(frame=combined.select(*fields, ROW_ID, SOURCE_COL, LINE_COL), sources=infos)
