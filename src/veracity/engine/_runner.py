"""One audit over partitions of the data: plan once, pass over each partition, merge states.

The same runner does the in-memory audit (the whole data is one partition) and the audit in
bounded memory (``--chunk-rows N``: sequential partitions of N records). What a check reads
decides what the runner does beyond running the plan on each partition
(:mod:`veracity.checks.base`):

- ``record`` checks: nothing; their verdicts on a partition are their verdicts on the whole.
- ``key`` checks: with one partition the key is grouped on it; with several, a pre-pass hashes
  every record's key (:class:`veracity.engine._keys.KeyIndex`) and the main pass hands each
  partition its key columns, exact across partitions.
- ``table`` checks: with several partitions the pre-pass gathers the fields they read (and the
  fields of their ``when:``) from every partition into one frame, on which they run once; the
  main pass hands each partition its slice of their verdicts, messages and cluster ids.
- ``dataset`` checks: run once on the sources' skeleton; those with a ``scan=`` are handed its
  counts, worked out on each partition of the main pass and added up.
- SQL field types: inferred from counts that add up over partitions (the pre-pass counts them).

Per partition the engine yields states that merge exactly: rule counts, record scores,
segment counts, and findings. All findings are kept in memory when there is one partition and
no bound is asked for; otherwise each rule's first ``max_samples`` stay in memory (the reports'
samples) and every finding goes to the findings sink (:mod:`veracity.engine._sink`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import polars as pl

from veracity._sql_plan import rule_sql_fields
from veracity.checks.base import CheckContext, ScanCounts, TableOutcome, add_counts, key_columns
from veracity.config import RuleSet
from veracity.config.loader import Rule
from veracity.engine._findings import FINDINGS_SCHEMA
from veracity.engine._keys import KeyIndex
from veracity.engine._plan import run_rules
from veracity.engine._sink import FindingsSink
from veracity.fieldtypes import FieldType, TypeCounts, declared_field_types
from veracity.masking import field_masks
from veracity.results import RuleState
from veracity.scoring import segment_counts
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, ChunkedSources, LoadedData, SourceInfo
from veracity.text.booleans import BooleanSpellings

__all__ = ["AuditPlan", "ChunkedData", "Partition", "Partitions", "RunOutput", "WholeData", "run_partitions"]

Progress = Callable[[str], None]

#: Partition data (polars' estimate) read since the last forced collection from which the
#: runner collects before reading the next partition.
_COLLECT_BYTES = 32 * 1024 * 1024


class _Collector:
    """Frees partitions' reference cycles (closures over a check context hold its memos and
    frames) before the next partition is read, once those read since the last collection hold
    enough data to matter: a 1M-record chunk is freed at once, while one-record partitions do
    not pay a full collection each (0.1 s or more in a large process, far more than their audit).
    """

    def __init__(self) -> None:
        self._pending = 0.0

    def after(self, frame: pl.DataFrame) -> None:
        self._pending += frame.estimated_size()
        if self._pending >= _COLLECT_BYTES:
            self._pending = 0.0
            gc.collect()


@dataclass(frozen=True)
class Partition:
    """Consecutive records of the audit: ``data.frame``'s ``ROW_ID`` counts from 0 within the
    partition, ``start`` is the audit-wide row id of its first record."""

    data: LoadedData
    start: int
    #: What the partitions' source handed out (passed back to :meth:`Partitions.finish`).
    origin: Any = None

    @property
    def rows(self) -> int:
        return self.data.frame.height


class Partitions(Protocol):
    """The records of one audit, as sequential partitions (a scheduler's view of the data)."""

    @property
    def count(self) -> int: ...

    @property
    def infos(self) -> list[SourceInfo]: ...

    def skeleton(self) -> LoadedData:
        """The data without records: every field and provenance column, the source infos."""
        ...

    def partitions(self, fields: Sequence[str] | None = None) -> Iterator[Partition]:
        """Every record once, in audit order; only ``fields`` (default: all) are read."""
        ...

    def finish(self, partition: Partition) -> None:
        """Called once per partition of the main pass, after it was audited."""
        ...


class WholeData:
    """Data loaded in memory: one partition, or partitions of ``size`` records (as a chunked
    reader hands them out: what tests use to prove partitions merge exactly)."""

    def __init__(self, data: LoadedData, size: int | None = None) -> None:
        self.data = data
        self.size = size if size is not None and size < data.frame.height else None

    @property
    def count(self) -> int:
        return 1 if self.size is None else -(-self.data.frame.height // self.size)

    @property
    def infos(self) -> list[SourceInfo]:
        return self.data.sources

    def skeleton(self) -> LoadedData:
        return LoadedData(self.data.frame.clear(), self.data.sources)

    def partitions(self, fields: Sequence[str] | None = None) -> Iterator[Partition]:
        if self.size is None:
            yield Partition(self.data, 0)
            return
        wanted = self.data.fields if fields is None else [f for f in self.data.fields if f in fields]
        for start in range(0, self.data.frame.height, self.size):
            frame = self.data.frame.slice(start, self.size).select(
                *wanted, pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW_ID), SOURCE_COL, LINE_COL
            )
            yield Partition(LoadedData(frame, self.data.sources), start)

    def finish(self, partition: Partition) -> None:
        return None


class ChunkedData:
    """Sources read a chunk of records at a time: a partition per chunk."""

    def __init__(self, sources: ChunkedSources) -> None:
        self.sources = sources

    @property
    def count(self) -> int:
        return self.sources.chunk_count

    @property
    def infos(self) -> list[SourceInfo]:
        return self.sources.infos

    def skeleton(self) -> LoadedData:
        return self.sources.skeleton()

    def partitions(self, fields: Sequence[str] | None = None) -> Iterator[Partition]:
        for chunk in self.sources.chunks(fields):
            partition = Partition(chunk.data, chunk.start, chunk)
            # No reference to a partition is kept while the next one is read: two chunks in
            # memory at once would double the peak.
            del chunk
            yield partition
            del partition

    def finish(self, partition: Partition) -> None:
        self.sources.add_missing(partition.origin)


@dataclass
class AuditPlan:
    """What every partition is audited with: the rules and the rule file's settings."""

    rules: Sequence[Rule]
    as_of: date
    booleans: BooleanSpellings
    date_formats: dict[str, str]
    field_kinds: dict[str, str]
    key: str | None
    #: How each field's values are masked (:func:`veracity.masking.field_masks`).
    masks: Mapping[str, str]
    #: Segment labels of a partition's records, per segment field.
    segments: Callable[[LoadedData], Mapping[str, pl.Series]] = lambda data: {}
    #: Findings kept in memory per rule; None: all of them.
    max_samples: int | None = None

    @classmethod
    def for_rules(
        cls,
        rule_set: RuleSet,
        *,
        as_of: date,
        fields: Sequence[str],
        segments: Callable[[LoadedData], Mapping[str, pl.Series]] | None = None,
        max_samples: int | None = None,
    ) -> AuditPlan:
        """The plan of a rule set's rules and settings, for data with ``fields``."""
        model = rule_set.model
        return cls(
            rules=rule_set.rules,
            as_of=as_of,
            booleans=BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false)),
            date_formats={name: f.format for name, f in model.fields.items() if f.format},
            field_kinds={name: f.type for name, f in model.fields.items() if f.type},
            key=model.key,
            masks=field_masks(rule_set, list(fields)),
            segments=segments or (lambda data: {}),
            max_samples=max_samples,
        )

    def context(self, data: LoadedData) -> CheckContext:
        # The context reads the very frame the engine runs on: values parsed per distinct
        # value must cover every row.
        return CheckContext(
            data=data,
            as_of=self.as_of,
            booleans=self.booleans,
            date_formats=self.date_formats,
            field_kinds=self.field_kinds,
        )


@dataclass
class RunOutput:
    """The merged states of every partition."""

    states: dict[str, RuleState]
    field_types: dict[str, FieldType]
    record_scores: pl.Series
    #: Every finding, or each rule's first ``max_samples``, in rule order then record order.
    findings: pl.DataFrame
    #: Findings per rule id, every rule in rule order (0 when none).
    findings_by_rule: dict[str, int]
    #: Findings per source path and rule id (findings about no source are not counted here).
    findings_by_source: dict[str, dict[str, int]]
    #: Per segment field, :func:`veracity.scoring.segment_counts` summed over the partitions.
    segment_counts: dict[str, pl.DataFrame | None]
    details: dict[str, Any] = field(default_factory=dict)
    partitions: int = 1


def run_partitions(
    parts: Partitions, plan: AuditPlan, *, sink: FindingsSink | None = None, progress: Progress | None = None
) -> RunOutput:
    """Audit every partition of ``parts`` with ``plan``; findings also go to ``sink``."""
    step = progress or (lambda _: None)
    dataset_rules = [r for r in plan.rules if r.check.reads == "dataset"]
    record_rules = [r for r in plan.rules if r.check.reads != "dataset"]
    table_rules = [r for r in record_rules if r.check.reads == "table"]
    skeleton = parts.skeleton()
    total = parts.count
    single = total == 1

    field_types: dict[str, FieldType] | None = None
    indexes: list[KeyIndex] = []
    tables: dict[str, TableOutcome] = {}
    details: dict[str, Any] = {}
    if not single:
        distinct = {key_columns(expr)[0]: expr for expr in _keys(record_rules)}
        indexes = [KeyIndex(expr) for expr in distinct.values()]
        field_types, gathered = _pre_pass(parts, plan, record_rules, indexes, table_rules, skeleton, step)
        if gathered is not None:
            step("checking rules that compare records")
            output = run_rules(
                gathered,
                table_rules,
                plan.context(gathered),
                plan.key,
                plan.masks,
                field_types=field_types,
            )
            tables, details = output.tables, output.details
            del gathered, output  # the main pass reads the outcome, not the records

    scanning = [rule for rule in dataset_rules if rule.check.scan is not None]
    scans: dict[str, ScanCounts] = {rule.id: {} for rule in scanning}
    totals = _Totals(record_rules, dataset_rules, plan.segments, plan.max_samples, keep_all=single)
    collector = _Collector()
    for number, part in enumerate(parts.partitions(), start=1):
        step("checking rules" if single else f"checking rules: chunk {number} of {total}")
        frame = part.data.frame
        keys = (
            pl.DataFrame([column for index in indexes for column in index.judge(frame, part.start)])
            if indexes
            else None
        )
        data = LoadedData(frame, parts.infos)
        output = run_rules(
            data,
            record_rules,
            plan.context(data),
            plan.key,
            plan.masks,
            field_types=field_types,
            tables={rule_id: _slice(table, part.start, part.rows) for rule_id, table in tables.items()},
            keys=keys,
        )
        for rule in scanning:
            scan = rule.check.scan
            if scan is not None:
                add_counts(scans[rule.id], scan(rule.params, plan.context(data)))
        if single:
            field_types, details = output.field_types, output.details
        totals.add(output.states, output.outcomes, output.record_scores, output.findings, part.data, sink)
        parts.finish(part)
        if not single:
            collector.after(frame)
        del frame, keys, data, output, part

    if dataset_rules:
        step("checking rules on the sources")
        dataset = run_rules(skeleton, dataset_rules, plan.context(skeleton), plan.key, scans=scans)
        totals.add_dataset(dataset.states, dataset.findings, sink)
        details = {**details, **dataset.details}
    return RunOutput(
        states=totals.states,
        field_types=field_types or {},
        record_scores=totals.record_scores(),
        findings=totals.findings(),
        findings_by_rule={rule.id: totals.states[rule.id].failed for rule in plan.rules},
        findings_by_source=totals.by_source,
        segment_counts=totals.segments,
        details=details,
        partitions=total,
    )


def _keys(rules: Sequence[Rule]) -> list[pl.Expr]:
    return [rule.check.key(rule.params) for rule in rules if rule.check.key is not None]


def _pre_pass(
    parts: Partitions,
    plan: AuditPlan,
    record_rules: Sequence[Rule],
    indexes: Sequence[KeyIndex],
    table_rules: Sequence[Rule],
    skeleton: LoadedData,
    step: Progress,
) -> tuple[dict[str, FieldType], LoadedData | None]:
    """What no single partition can tell: the key indexes, the SQL field types, and the
    records table checks compare (with the fields they and their ``when:`` read, and the
    rule file's key, which their details name records by)."""
    sql_fields = rule_sql_fields(record_rules)
    declared = declared_field_types(plan.field_kinds, plan.date_formats)
    type_counts = TypeCounts([f for f in sql_fields if f not in declared], plan.booleans)
    available = skeleton.fields
    table_fields = [
        name
        for rule in table_rules
        for name in [*rule.params.read_fields(available), *rule_sql_fields([rule])]
        if name in available
    ]
    if plan.key is not None and plan.key in available and table_rules:
        table_fields.append(plan.key)
    needed = (
        {name for index in indexes for name in index.fields} | set(type_counts.fields) | set(table_fields)
    )
    table_columns = [name for name in available if name in set(table_fields)]
    pieces: list[pl.DataFrame] = []
    if needed or table_rules:
        step("indexing keys")
        collector = _Collector()
        for part in parts.partitions(sorted(needed)):
            frame = part.data.frame
            for index in indexes:
                index.hash(frame, part.start)
            type_counts.add(frame)
            if table_rules:
                pieces.append(_table_records(frame, table_columns, part.start))
            collector.after(frame)  # as in the main pass
            del frame, part
        for index in indexes:
            index.settle()
    field_types = {
        name: declared[name] if name in declared else type_counts.field_type(name) for name in sql_fields
    }
    if not table_rules:
        return field_types, None
    records = pl.concat(pieces) if pieces else _table_records(skeleton.frame, table_columns, 0)
    gathered = LoadedData(records, parts.infos)
    return field_types, gathered


def _table_records(frame: pl.DataFrame, columns: Sequence[str], start: int) -> pl.DataFrame:
    """A partition's records as table checks read them: their fields, audit-wide row ids
    (every record is gathered, so the row id is the position in the gathered frame) and
    provenance."""
    row = (pl.col(ROW_ID).cast(pl.Int64) + start).cast(pl.UInt32).alias(ROW_ID)
    return frame.select(*columns, row, SOURCE_COL, LINE_COL)


def _slice(table: TableOutcome, start: int, rows: int) -> TableOutcome:
    return TableOutcome(
        verdicts=table.verdicts.slice(start, rows),
        messages=table.messages.slice(start, rows) if table.messages is not None else None,
        cluster_ids=table.cluster_ids.slice(start, rows) if table.cluster_ids is not None else None,
    )


class _Totals:
    """What the partitions add up to: rule counts, record scores, findings (all, or each rule's
    first ones), per-source finding counts and segment counts."""

    def __init__(
        self,
        record_rules: Sequence[Rule],
        dataset_rules: Sequence[Rule],
        segments: Callable[[LoadedData], Mapping[str, pl.Series]],
        max_samples: int | None,
        *,
        keep_all: bool,
    ) -> None:
        self._record_rules = list(record_rules)
        self._order = [rule.id for rule in (*record_rules, *dataset_rules)]  # the engine's
        self._segments = segments
        self._limit = max_samples
        # One partition, no bound: its findings frame is kept as the engine made it.
        self._whole = keep_all and max_samples is None
        self._frames: list[pl.DataFrame] = []
        self.states: dict[str, RuleState] = {rule.id: RuleState() for rule in record_rules}
        self._scores: list[pl.Series] = []
        self._samples: dict[str, list[pl.DataFrame]] = {rule_id: [] for rule_id in self._order}
        self._kept = dict.fromkeys(self._order, 0)
        self.by_source: dict[str, dict[str, int]] = {}
        self.segments: dict[str, pl.DataFrame | None] = {}

    def add(
        self,
        states: Mapping[str, RuleState],
        outcomes: pl.DataFrame,
        scores: pl.Series,
        findings: pl.DataFrame,
        data: LoadedData,
        sink: FindingsSink | None,
    ) -> None:
        """One partition: its states, verdicts, record scores and findings."""
        if self._whole:
            self.states = dict(states)
            self._frames.append(findings)
        else:
            for rule_id, state in states.items():
                # Failing row ids are left out: at 4 bytes a failure they would be the one
                # thing besides the scores that grows with the data.
                merged = self.states[rule_id]
                self.states[rule_id] = RuleState(
                    merged.evaluated + state.evaluated,
                    merged.failed + state.failed,
                    tallies=merged.add_tallies(state),
                )
        self._scores.append(scores)
        if not self._whole or sink is not None:
            for slot, rule in enumerate(self._record_rules):
                if not states[rule.id].failed:
                    continue
                part = findings.filter(pl.col("rule") == rule.id)
                if not self._whole:
                    self._sample(rule.id, part)
                if sink is not None:
                    sink.add(slot, part)
            self._count_by_source(findings)
        for name, values in self._segments(data).items():
            counts = segment_counts(values, outcomes, self._record_rules)
            merged_counts = self.segments.get(name)
            self.segments[name] = counts if merged_counts is None else _merge_counts(merged_counts, counts)

    def add_dataset(
        self, states: Mapping[str, RuleState], findings: pl.DataFrame, sink: FindingsSink | None
    ) -> None:
        """The dataset rules, run once on the sources."""
        self.states.update(states)
        if self._whole:
            self._frames.append(findings)
        else:
            for rule_id in states:
                part = findings.filter(pl.col("rule") == rule_id)
                if part.height:
                    self._sample(rule_id, part)
        if sink is not None and findings.height:
            sink.add(len(self._record_rules), findings)
        self._count_by_source(findings)

    def record_scores(self) -> pl.Series:
        # One contiguous column, like the one-partition audit's, so that summaries read it alike.
        if len(self._scores) == 1:
            return self._scores[0]
        return pl.concat(self._scores).rechunk() if self._scores else pl.Series("score", [], pl.Float64)

    def findings(self) -> pl.DataFrame:
        """The findings kept, in the one-partition order (rule by rule)."""
        if self._whole:
            frames = [frame for frame in self._frames if frame.height]
            return pl.concat(frames) if frames else pl.DataFrame(schema=FINDINGS_SCHEMA)
        parts = [part for rule_id in self._order for part in self._samples[rule_id]]
        return pl.concat(parts) if parts else pl.DataFrame(schema=FINDINGS_SCHEMA)

    def _sample(self, rule_id: str, findings: pl.DataFrame) -> None:
        room = findings.height if self._limit is None else self._limit - self._kept[rule_id]
        if room > 0 and findings.height:
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
