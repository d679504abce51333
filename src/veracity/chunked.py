"""Audits in bounded memory: the sources are read, checked and scored a chunk of records at a
time, with the same results as :func:`veracity.audit`.

The normal audit holds every source in one frame. Here :mod:`veracity.sources._chunks` reads
one chunk of records at a time (exact provenance lines, the loaders' rules and messages), and
the engine runs on each chunk as it would on the whole; what the engine sees of the data
outside the chunk is supplied so that every count is the whole data's:

- ``unique`` compares each record with all earlier ones. A first pass hashes the key of every
  record (8 bytes each) and keeps the rows whose hash occurs more than once; the main pass
  compares those rows' real keys with the keys seen in earlier chunks, so the verdicts and the
  "duplicate of the record at source:line" messages are exact (a hash collision only makes a
  row a candidate, never a failure). The rule runs in the engine as usual, with its verdict and
  message read from two columns added to the chunk.
- SQL (``when:``, ``expression``) reads fields typed from all their values (``fieldtypes``).
  Inference reads counts (present values, values that parse as each type) that add up over
  chunks: the first pass counts them, and the engine runs every chunk with the whole data's
  types.
- Dataset-scoped rules (``required_columns``) judge the sources' columns: they run once.
- Table-scoped rules (``duplicates``) compare every record with every other through linkage
  models that need all records at once: they are refused, with a message pointing to the normal
  mode. (SQL cannot aggregate over records: the rule file's allow-list refuses it.)

Findings are masked (unless revealed) and written per rule and chunk to part files next to the
findings file, then joined in rule order into a temporary file that replaces the findings file
when the audit succeeds: the file is identical to the normal mode's. Only each rule's first
``max_samples`` findings stay in memory, for the reports' samples; exact counts per rule and per
source are in :class:`ChunkedAuditResult`. Record scores are kept as one Float64 per record
(80 MB for 10 million records) so their distribution is exact; segment breakdowns are summed
from per-chunk counts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from veracity import __version__
from veracity._api import SourceLike, load_rules, segment_labels, source_specs
from veracity._atomic import atomic_path, temporary_directory
from veracity._sql_plan import rule_sql_fields
from veracity.checks.base import BooleanSpellings, CheckContext, Dimension
from veracity.checks.uniqueness import UniqueParams, _key
from veracity.config import RuleSet, check_fields
from veracity.config.loader import Rule
from veracity.engine import FINDINGS_SCHEMA, run_rules
from veracity.errors import UsageError
from veracity.fieldtypes import TypeCounts, declared_field_types
from veracity.lineage import build_lineage
from veracity.masking import field_masks, mask_findings
from veracity.reports.findings import FINDINGS_SCHEMA as USER_FINDINGS_SCHEMA
from veracity.reports.findings import neutralise_formulas
from veracity.results import AuditResult, RuleState, RunInfo, SegmentBreakdown
from veracity.scoring import (
    breakdown_from_counts,
    decide_gate,
    overall_score,
    score_dimensions,
    score_records,
    score_rules,
    segment_counts,
)
from veracity.sources._chunks import Chunk, ChunkedSources, open_sources
from veracity.sources.base import (
    LINE_COL,
    ROW_ID,
    SOURCE_COL,
    LoadedData,
    ReadOptions,
    SourceInfo,
    SourceSpec,
)

__all__ = ["DEFAULT_CHUNK_ROWS", "DEFAULT_SAMPLES", "ChunkedAuditResult", "audit_chunked"]

Progress = Callable[[str], None]

#: Records per chunk: 1.2-1.5 GiB at the peak for a 15-column customer export
#: (benchmarks/STREAMING.md); memory grows with it, time per record shrinks a little.
DEFAULT_CHUNK_ROWS = 1_000_000
#: Findings per rule kept in memory for the reports (they show at most five).
DEFAULT_SAMPLES = 100

#: ``scoring.score_segments``' limit: segments beyond it are folded into "(other)".
_SEGMENT_LIMIT = 50
#: Seed of the key hashes: any fixed value; the same one for every chunk.
_HASH_SEED = 0x5EED
#: Columns added to each chunk for the unique rules; the NUL keeps them apart from any column
#: name a header can spell.
_VERDICT = "__veracity\x00unique:{}"
_MESSAGE = "__veracity\x00unique-message:{}"


@dataclass
class ChunkedAuditResult(AuditResult):
    """An :class:`AuditResult` whose ``findings`` hold each rule's first ``samples_per_rule``
    findings only (in the normal mode's order); the findings file has all of them."""

    #: Every finding, i.e. rows in the findings file (``AuditResult.findings.height`` in the
    #: normal mode).
    findings_total: int = 0
    #: Findings per rule id, every rule in rule order (0 when none).
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    #: Findings per source path and rule id (findings about no source are not counted here).
    findings_by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    samples_per_rule: int = DEFAULT_SAMPLES
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    chunks: int = 0


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
) -> ChunkedAuditResult:
    """:func:`veracity.audit` in chunks of ``chunk_rows`` records: the same scores, counts,
    lineage and segments, in memory bounded by the chunk size.

    Takes :func:`veracity.audit`'s arguments (paths, not DataFrames) and writes the findings
    file itself when ``findings_path`` (``.csv`` or ``.parquet``) is given: masked unless
    ``reveal_values``, atomically, identical to the normal mode's file. The result's
    ``findings`` keep each rule's first ``max_samples`` findings.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    step = progress or (lambda _: None)
    if chunk_rows < 1:
        raise UsageError(f"the chunk size must be at least 1 record, not {chunk_rows}")
    if max_samples < 0:
        raise UsageError(f"the number of samples per rule cannot be negative ({max_samples})")
    if findings_path is not None and Path(findings_path).suffix.lower() not in (".csv", ".parquet"):
        raise UsageError("--findings must end in .csv or .parquet")
    rule_set = load_rules(rules)
    if not rule_set.rules:
        raise UsageError("no rules to run; give a rule file with a 'rules:' list")
    _refuse_whole_data_rules(rule_set.rules)
    specs, base_dir = _source_specs(sources, rule_set, read)
    model = rule_set.model

    # Opened first: an unwritable findings path fails before the work, not after it.
    with _findings_sink(findings_path, reveal_values) as sink:
        step("reading sources")
        data = open_sources(
            specs, chunk_rows=chunk_rows, base_dir=base_dir, null_markers=model.null_markers, stdin=stdin
        )
        skeleton = data.skeleton()
        check_fields(rule_set, skeleton.fields)
        segment_fields = list(segments) if segments is not None else list(model.segments)
        for name in segment_fields:
            segment_labels(skeleton, name, rule_set)  # refuses unknown segment fields before the work
        booleans = BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false))
        date_formats = {name: f.format for name, f in model.fields.items() if f.format}
        audit_date = as_of or date.today()

        field_kinds: dict[str, str] = {name: f.type for name, f in model.fields.items() if f.type}

        def context(chunk: LoadedData) -> CheckContext:
            return CheckContext(
                data=chunk,
                as_of=audit_date,
                booleans=booleans,
                date_formats=date_formats,
                field_kinds=field_kinds,
            )

        dataset_rules = [r for r in rule_set.rules if r.check.scope == "dataset"]
        record_rules = [r for r in rule_set.rules if r.check.scope != "dataset"]
        unique_rules = [r for r in record_rules if r.check.name == "unique"]
        sql_fields = rule_sql_fields(record_rules)
        declared = declared_field_types(field_kinds, date_formats)
        type_counts = TypeCounts([f for f in sql_fields if f not in declared], booleans)

        indexes = [_UniqueIndex(rule, data.infos) for rule in unique_rules]
        if indexes or type_counts.fields:
            step("indexing keys")
            _first_pass(data, indexes, type_counts)
        field_types = {
            name: declared[name] if name in declared else type_counts.field_type(name) for name in sql_fields
        }
        masks = field_masks(rule_set, skeleton.fields)
        engine_rules = [
            _read_verdicts(rule) if rule.check.name == "unique" else rule for rule in record_rules
        ]
        totals = _Totals(record_rules, dataset_rules, segment_fields, max_samples)
        total = data.chunk_count
        for number, chunk in enumerate(data.chunks(), start=1):
            step(f"checking rules: chunk {number} of {total}")
            frame = chunk.data.frame
            if indexes:
                frame = frame.with_columns(column for index in indexes for column in index.judge(chunk))
            # The context reads the very frame the engine runs on: values parsed per distinct
            # value must cover every row.
            engine_data = LoadedData(frame, data.infos)
            output = run_rules(
                engine_data, engine_rules, context(engine_data), model.key, masks, field_types=field_types
            )
            findings = output.findings
            labels = {name: segment_labels(chunk.data, name, rule_set) for name in segment_fields}
            totals.add(
                output.outcomes.head(chunk.rows),
                output.record_scores.head(chunk.rows),
                findings,
                labels,
                sink,
            )
            data.add_missing(chunk)
            del frame, output, findings, labels

        step("checking rules on the sources")
        dataset = run_rules(skeleton, dataset_rules, context(skeleton), model.key)
        totals.add_dataset(dataset.states, dataset.findings, sink)
        step("writing findings")

    step("scoring")
    states = totals.states
    results = score_rules(rule_set.rules, states)
    dimensions = score_dimensions(results)
    weights = model.scoring.dimension_weights
    score = overall_score(dimensions, weights)
    breakdowns = [
        _breakdown(name, totals.segments[name], record_rules, weights, _SEGMENT_LIMIT)
        for name in segment_fields
    ]
    min_score = fail_under if fail_under is not None else model.gate.min_score
    by_rule = {rule.id: states[rule.id].failed for rule in rule_set.rules}
    return ChunkedAuditResult(
        run=RunInfo(
            tool="veracity",
            version=__version__,
            started_at=started_at.isoformat(timespec="seconds"),
            duration_seconds=round(time.perf_counter() - started, 3),
            as_of=audit_date.isoformat(),
            rule_file=rule_set.path,
            rule_file_sha256=rule_set.sha256,
            key=model.key,
        ),
        sources=data.infos,
        lineage=build_lineage(skeleton, field_types),
        rules=results,
        dimensions=dimensions,
        score=score,
        records=score_records(totals.record_scores()),
        gate=decide_gate(results, score, min_score),
        findings=totals.samples(),
        details={},
        segments=breakdowns,
        findings_total=sum(by_rule.values()),
        findings_by_rule=by_rule,
        findings_by_source=totals.by_source,
        samples_per_rule=max_samples,
        chunk_rows=chunk_rows,
        chunks=total,
    )


# ---------------------------------------------------------------------------------------------
# what cannot run in chunks


def _refuse_whole_data_rules(rules: Sequence[Rule]) -> None:
    for rule in rules:
        if rule.check.scope == "table":
            raise UsageError(
                f"rule {rule.id}: '{rule.check.name}' compares every record with every other and cannot "
                "run on chunks; audit without chunks, or leave the rule out"
            )


def _source_specs(
    sources: SourceLike | Sequence[SourceLike] | None, rule_set: RuleSet, read: ReadOptions | None
) -> tuple[list[SourceSpec], Path | None]:
    """The specs ``_api.load_data`` would load, without loading them."""
    items = [sources] if isinstance(sources, str | Path | pl.DataFrame) else list(sources or [])
    paths = [item for item in items if not isinstance(item, pl.DataFrame)]
    if len(paths) != len(items):
        raise UsageError("DataFrames are in memory already: audit them with veracity.audit, not in chunks")
    return source_specs(paths if sources is not None else None, rule_set, read)


# ---------------------------------------------------------------------------------------------
# the first pass: what the engine cannot see from one chunk


def _first_pass(data: ChunkedSources, indexes: Sequence[_UniqueIndex], type_counts: TypeCounts) -> None:
    """Read the key fields and SQL-typed fields only: hash the unique rules' keys, count the
    values of each type."""
    needed = {name for index in indexes for name in index.fields} | set(type_counts.fields)
    for chunk in data.chunks(sorted(needed)):
        for index in indexes:
            index.hash(chunk)
        type_counts.add(chunk.data.frame)
    for index in indexes:
        index.settle()


# ---------------------------------------------------------------------------------------------
# unique across chunks


class _UniqueIndex:
    """Exact ``unique`` verdicts across chunks for one rule.

    ``is_first_distinct`` over the whole data fails a record when an earlier record (in source,
    then file order, whether or not the rule applies to it) has the same key. Records with a
    missing key part are never evaluated, so only complete keys matter.
    """

    def __init__(self, rule: Rule, infos: Sequence[SourceInfo]) -> None:
        assert isinstance(rule.params, UniqueParams)
        self.rule = rule
        self.fields = list(rule.params.fields)
        self._key = _key(rule.params)
        self._complete = pl.all_horizontal([pl.col(name).is_not_null() for name in self.fields])
        self._paths = {info.index: info.path for info in infos}
        self._hashes: list[np.ndarray[Any, np.dtype[np.uint64]]] = []
        self._rows: list[np.ndarray[Any, np.dtype[np.int64]]] = []
        #: Audit row ids whose key hash occurs more than once, ascending.
        self._candidates = np.zeros(0, dtype=np.int64)
        #: The first record (source index, line) of each key seen among earlier candidates.
        self._seen: pl.DataFrame | None = None

    def hash(self, chunk: Chunk) -> None:
        """First pass: the key hash of every record with a complete key."""
        keyed = chunk.data.frame.filter(self._complete).select(
            _key_hash(self._key).alias("hash"),
            (pl.col(ROW_ID).cast(pl.Int64) + chunk.start).alias("row"),
        )
        self._hashes.append(keyed.get_column("hash").to_numpy())
        self._rows.append(keyed.get_column("row").to_numpy())

    def settle(self) -> None:
        """After the first pass: keep the rows that may have an equal key elsewhere."""
        hashes = pl.Series(np.concatenate(self._hashes) if self._hashes else np.zeros(0, dtype=np.uint64))
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64)
        self._hashes, self._rows = [], []
        self._candidates = rows[hashes.is_duplicated().to_numpy()]

    def judge(self, chunk: Chunk) -> list[pl.Series]:
        """Main pass: the verdict (True unless an earlier record has the key) and message of
        each record of the chunk, as ``checks.uniqueness`` computes them on the whole data."""
        rows = chunk.rows
        verdict = np.ones(rows, dtype=np.bool_)
        message: pl.Series = pl.repeat(None, rows, dtype=pl.String, eager=True)
        low, high = np.searchsorted(self._candidates, [chunk.start, chunk.start + rows])
        local = self._candidates[low:high] - chunk.start
        if local.size:
            key = self._key.alias("key")
            first = pl.struct(pl.col(SOURCE_COL).alias("source"), pl.col(LINE_COL).alias("line"))
            picked = (
                chunk.data.frame[local]
                .select(key, pl.col(SOURCE_COL), pl.col(LINE_COL))
                .with_columns(
                    pl.Series("position", local),
                    pl.col("key").is_first_distinct().alias("new"),
                    first.first().over("key").alias("first"),
                )
            )
            if self._seen is not None:
                picked = picked.join(self._seen, on="key", how="left", maintain_order="left")
            else:
                picked = picked.with_columns(pl.lit(None, dtype=picked.schema["first"]).alias("earlier"))
            seen_before = pl.col("earlier").is_not_null()
            original = pl.when(seen_before).then(pl.col("earlier")).otherwise(pl.col("first"))
            failing = picked.filter(seen_before | ~pl.col("new")).select(
                "position",
                pl.concat_str(
                    pl.lit("duplicate of the record at "),
                    original.struct.field("source").replace_strict(self._paths, return_dtype=pl.String),
                    pl.lit(":"),
                    original.struct.field("line").cast(pl.String),
                ).alias("message"),
            )
            positions = failing.get_column("position").to_numpy()
            verdict[positions] = False
            message = message.scatter(positions, failing.get_column("message"))
            novel = picked.filter(~seen_before & pl.col("new")).select(
                "key", pl.col("first").alias("earlier")
            )
            self._seen = novel if self._seen is None else pl.concat([self._seen, novel])
        return [
            pl.Series(_VERDICT.format(self.rule.id), verdict),
            message.alias(_MESSAGE.format(self.rule.id)),
        ]


def _key_hash(key: pl.Expr) -> pl.Expr:
    """64-bit hash of a key: equal keys, equal hashes (unequal keys rarely share one, and then
    only become candidates that the main pass compares in full)."""
    return key.hash(_HASH_SEED)


def _read_verdicts(rule: Rule) -> Rule:
    """The unique rule as the engine runs it per chunk: same id, messages, masking, ``when:``
    and missing-value handling, with the verdict and message read from the columns
    :meth:`_UniqueIndex.judge` adds instead of computed from the chunk alone."""
    verdict, message = _VERDICT.format(rule.id), _MESSAGE.format(rule.id)
    check = dataclasses.replace(
        rule.check,
        build=lambda params, ctx: pl.col(verdict),
        explain=lambda params, ctx: pl.col(message),
    )
    return dataclasses.replace(rule, check=check)


# ---------------------------------------------------------------------------------------------
# SQL field types across chunks


# ---------------------------------------------------------------------------------------------
# counts, samples, segments


def _states(outcomes: pl.DataFrame, rules: Sequence[Rule]) -> dict[str, RuleState]:
    """Each rule's counts in one chunk's verdicts (True passed, False failed, null skipped).

    Failing row ids are left out: the result does not carry them, and at 4 bytes a failure
    they would be the one thing that grows with the data besides the scores.
    """
    if not rules:
        return {}
    counts = outcomes.select(
        *(pl.col(rule.id).count().alias(f"e{i}") for i, rule in enumerate(rules)),
        *(pl.col(rule.id).not_().sum().alias(f"f{i}") for i, rule in enumerate(rules)),
    ).row(0, named=True)
    return {
        rule.id: RuleState(evaluated=int(counts[f"e{i}"]), failed=int(counts[f"f{i}"] or 0))
        for i, rule in enumerate(rules)
    }


class _Totals:
    """What the chunks add up to: rule counts, record scores, per-source finding counts,
    segment counts, and each rule's first findings (the reports' samples)."""

    def __init__(
        self,
        record_rules: Sequence[Rule],
        dataset_rules: Sequence[Rule],
        segment_fields: Sequence[str],
        max_samples: int,
    ) -> None:
        self._record_rules = list(record_rules)
        self._order = [rule.id for rule in (*record_rules, *dataset_rules)]  # the engine's
        self._limit = max_samples
        self.states = {rule.id: RuleState() for rule in record_rules}
        self._scores: list[pl.Series] = []
        self._samples: dict[str, list[pl.DataFrame]] = {rule_id: [] for rule_id in self._order}
        self._kept = dict.fromkeys(self._order, 0)
        self.by_source: dict[str, dict[str, int]] = {}
        self.segments: dict[str, pl.DataFrame | None] = dict.fromkeys(segment_fields)

    def add(
        self,
        outcomes: pl.DataFrame,
        scores: pl.Series,
        findings: pl.DataFrame,
        labels: Mapping[str, pl.Series],
        sink: _FindingsSink | None,
    ) -> None:
        """One chunk: its verdicts, record scores, findings and segment labels."""
        for rule_id, state in _states(outcomes, self._record_rules).items():
            self.states[rule_id] = self.states[rule_id].merge(state)
        self._scores.append(scores)
        for slot, rule in enumerate(self._record_rules):
            part = findings.filter(pl.col("rule") == rule.id)
            if part.height:
                self._sample(rule.id, part)
                if sink is not None:
                    sink.add(slot, part)
        self._count_by_source(findings)
        for name, values in labels.items():
            counts = segment_counts(values, outcomes, self._record_rules)
            merged = self.segments[name]
            self.segments[name] = counts if merged is None else _merge_counts(merged, counts)

    def add_dataset(
        self, states: Mapping[str, RuleState], findings: pl.DataFrame, sink: _FindingsSink | None
    ) -> None:
        """The dataset-scoped rules, run once on the sources."""
        self.states.update(states)
        for rule_id in states:
            part = findings.filter(pl.col("rule") == rule_id)
            if part.height:
                self._sample(rule_id, part)
        if sink is not None and findings.height:
            sink.add(len(self._record_rules), findings)
        self._count_by_source(findings)

    def record_scores(self) -> pl.Series:
        # One contiguous column, like the normal audit's, so that the summary reads it alike.
        return pl.concat(self._scores).rechunk() if self._scores else pl.Series("score", [], pl.Float64)

    def samples(self) -> pl.DataFrame:
        """Each rule's first findings, in the normal audit's order (rule by rule)."""
        parts = [part for rule_id in self._order for part in self._samples[rule_id]]
        return pl.concat(parts) if parts else pl.DataFrame(schema=FINDINGS_SCHEMA)

    def _sample(self, rule_id: str, findings: pl.DataFrame) -> None:
        room = self._limit - self._kept[rule_id]
        if room > 0:
            self._samples[rule_id].append(findings.head(room))
            self._kept[rule_id] += min(room, findings.height)

    def _count_by_source(self, findings: pl.DataFrame) -> None:
        if not findings.height:
            return
        grouped = findings.filter(pl.col("source").is_not_null()).group_by("source", "rule").len()
        for source, rule_id, n in grouped.iter_rows():
            per_rule = self.by_source.setdefault(str(source), {})
            per_rule[str(rule_id)] = per_rule.get(str(rule_id), 0) + int(n)


def _merge_counts(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([left, right]).group_by("segment").agg(pl.exclude("segment").sum())


def _breakdown(
    name: str,
    counts: pl.DataFrame | None,
    rules: Sequence[Rule],
    weights: Mapping[Dimension, float],
    limit: int,
) -> SegmentBreakdown:
    """``score_segments``' result from counts summed over the chunks."""
    if counts is None:
        return SegmentBreakdown(field=name, segments=[], folded=0)
    return breakdown_from_counts(name, counts, rules, weights, limit)


# ---------------------------------------------------------------------------------------------
# the findings file


class _FindingsSink:
    """Findings as users get them (``reports.findings``), written per rule slot and chunk to
    part files and joined in slot order at the end, so the file lists the findings in the
    normal mode's order (rule by rule, each in record order) without holding them."""

    def __init__(self, parts: Path, csv: bool, reveal_values: bool) -> None:
        self._dir = parts
        self._csv = csv
        self._reveal = reveal_values
        self._parts: dict[int, list[Path]] = {}

    def add(self, slot: int, findings: pl.DataFrame) -> None:
        # findings_frame's steps: mask (or not), the findings columns, the users' types; the
        # engine's findings carry the source's path already.
        frame = mask_findings(findings, reveal=self._reveal).select(
            pl.col(name).cast(dtype) for name, dtype in USER_FINDINGS_SCHEMA.items()
        )
        if self._csv:
            frame = neutralise_formulas(frame)
        parts = self._parts.setdefault(slot, [])
        part = self._dir / f"{slot}-{len(parts)}.arrow"
        frame.write_ipc(part)
        parts.append(part)

    def write(self, target: Path) -> None:
        parts = [part for slot in sorted(self._parts) for part in self._parts[slot]]
        if not parts:
            empty = pl.DataFrame(schema=USER_FINDINGS_SCHEMA)
            if self._csv:
                empty.write_csv(target)
            else:
                empty.write_parquet(target)
            return
        lazy = pl.scan_ipc(parts)
        if self._csv:
            lazy.sink_csv(target)
        else:
            lazy.sink_parquet(target)


@contextlib.contextmanager
def _findings_sink(path: str | Path | None, reveal_values: bool) -> Iterator[_FindingsSink | None]:
    """The sink for ``path``, which replaces ``path`` atomically if the block completes; on any
    error the temporary file and the part files are removed and ``path`` is left as it was."""
    if path is None:
        yield None
        return
    target = Path(path)
    with atomic_path(target) as temp, temporary_directory(target) as parts:
        sink = _FindingsSink(parts, target.suffix.lower() == ".csv", reveal_values)
        yield sink
        sink.write(temp)
