"""OpenLineage run events for an audit, so that lineage and catalogue tools (Marquez, DataHub,
OpenMetadata, ...) show the audited files, their quality results, and where each audited field
came from.

An audit becomes one run of the job ``veracity`` / *rule file*: a START event at the audit's
start and a COMPLETE event at its end, with the same ``runId``:

* one **input dataset** per source: namespace ``file`` and the absolute path (the OpenLineage
  naming convention for local files, so the datasets join the ones other tools report), or for
  a database the name its source kind gives (``postgres://HOST:PORT`` and
  ``DATABASE.SCHEMA.TABLE``; ``sqlite://FILE`` and the table), with
  the ``schema`` and ``dataSource`` facets; the COMPLETE event adds the input facets
  ``dataQualityMetrics`` (rows, bytes, null counts known from ``not_null`` rules) and
  ``dataQualityAssertions`` (one assertion per rule);
* one **output dataset**, the audited view (namespace ``veracity``, name ``<rule file>#audit``):
  the fields the rules read, with the ``columnLineage`` facet mapping each to the source columns
  it was read from and what was done to the values on the way.

Events are built with the openlineage-python client's classes and serialised with its
:class:`~openlineage.client.serde.Serde`, so they follow the spec versions the client
implements. They go to a file (NDJSON, written atomically) or to the client's own configured
transport (``OPENLINEAGE_URL``, ``OPENLINEAGE__TRANSPORT__*``, ``openlineage.yml``). The client
is imported only when events are built: audits without OpenLineage do not pay for it.

Events carry no data values: only names, counts and paths.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from veracity.errors import UsageError, VeracityError
from veracity.masking import safe_name
from veracity.results import AuditResult, FieldLineage, RuleResult
from veracity.sources.base import ColumnOrigin, SourceInfo
from veracity.sources.registry import kind_named
from veracity.vocabulary import Severity, Status

if TYPE_CHECKING:
    from openlineage.client.event_v2 import InputDataset, OutputDataset, RunEvent

__all__ = [
    "JOB_NAMESPACE",
    "PRODUCER",
    "OpenLineageError",
    "build_events",
    "emit_openlineage",
    "openlineage_configured",
]

#: Namespace of the audit jobs and of the audited views (the output datasets).
JOB_NAMESPACE = "veracity"
#: Identifies veracity as the producer of the events and facets; the version is appended. The
#: reserved ``.invalid`` domain (RFC 2606) makes clear that it names, and does not locate.
PRODUCER = "https://veracity.invalid/producer"
#: OpenLineage's dataset namespace for local files.
_FILE_NAMESPACE = "file"
#: Job name when the rules were given in code rather than in a rule file.
_INLINE_JOB = "inline-rules"
_TEXT_FORMATS = {"csv", "tsv"}

StrPath = str | os.PathLike[str]


class OpenLineageError(VeracityError):
    """The events could not be delivered to the configured OpenLineage transport."""


def openlineage_configured() -> bool:
    """Whether the environment configures an OpenLineage transport the way the client reads
    it: ``OPENLINEAGE_URL``, ``OPENLINEAGE__TRANSPORT__*`` variables, or an ``openlineage.yml``
    (``$OPENLINEAGE_CONFIG``, the working directory, ``~/.openlineage``). ``OPENLINEAGE_DISABLED=true``
    turns it off, as it does for the client.

    Checked without importing the client. Without any of these the client would fall back to
    printing events on stdout, where they would corrupt the report.
    """
    if os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OPENLINEAGE_URL"):
        return True
    if any(key.startswith("OPENLINEAGE__TRANSPORT") for key in os.environ):
        return True
    config = os.environ.get("OPENLINEAGE_CONFIG")
    candidates = [Path(config)] if config else []
    candidates += [Path.cwd() / "openlineage.yml", Path.home() / ".openlineage" / "openlineage.yml"]
    return any(candidate.is_file() for candidate in candidates)


def emit_openlineage(result: AuditResult, path: StrPath | None = None) -> list[dict[str, Any]]:
    """Emit the audit's START and COMPLETE events and return them as dicts.

    With ``path``, the events are written there as NDJSON (one event per line), atomically:
    the file is either complete or left as it was. Without ``path`` they are sent with the
    client's configured transport when :func:`openlineage_configured`; otherwise they are only
    returned. Delivery failures raise :class:`OpenLineageError`.
    """
    try:
        from openlineage.client.serde import Serde
    except ImportError:
        raise UsageError(
            "OpenLineage events need the openlineage-python package; install it with "
            "'pip install openlineage-python'"
        ) from None

    events = build_events(result)
    if path is not None:
        from veracity._atomic import atomic_write

        atomic_write(path, "".join(Serde.to_json(event) + "\n" for event in events))
    elif openlineage_configured():
        _send(events)
    return [Serde.to_dict(event) for event in events]


def _send(events: Sequence[RunEvent]) -> None:
    from openlineage.client import OpenLineageClient

    try:
        client = OpenLineageClient()
        try:
            for event in events:
                client.emit(event)
        finally:
            client.close()
    except Exception as exc:
        # The exception's text can hold the endpoint URL with credentials in it; its type and
        # an HTTP status say enough to act on.
        status = getattr(getattr(exc, "response", None), "status_code", None)
        detail = f"HTTP status {status}" if status is not None else type(exc).__name__
        raise OpenLineageError(
            f"cannot send OpenLineage events to the configured transport ({detail}); "
            "check OPENLINEAGE_URL or the transport configuration"
        ) from exc


def build_events(result: AuditResult) -> list[RunEvent]:
    """The audit's START and COMPLETE events, as the client's objects."""
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import job_type_job
    from openlineage.client.uuid import generate_new_uuid

    producer = f"{PRODUCER}/{result.run.version}"
    started = _parse_time(result.run.started_at)
    completed = started + timedelta(seconds=result.run.duration_seconds)
    job_name = _job_name(result.run.rule_file)
    run = Run(runId=str(generate_new_uuid(started)))
    job = Job(
        namespace=JOB_NAMESPACE,
        name=job_name,
        facets={
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH", integration="VERACITY", jobType="AUDIT", producer=producer
            )
        },
    )
    base_dir = Path(result.run.rule_file).resolve().parent if result.run.rule_file else None
    dataset_ids = {source.index: _dataset_id(source, job_name, base_dir) for source in result.sources}
    outputs = [_output(result, job_name, dataset_ids, producer)]
    return [
        RunEvent(
            eventType=state,
            eventTime=_format_time(when),
            run=run,
            job=job,
            inputs=[
                _input(
                    result,
                    source,
                    dataset_ids[source.index],
                    producer,
                    with_quality=state is RunState.COMPLETE,
                )
                for source in result.sources
            ],
            outputs=outputs,
            producer=producer,
        )
        for state, when in ((RunState.START, started), (RunState.COMPLETE, completed))
    ]


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _job_name(rule_file: str | None) -> str:
    """The rule file as given, normalised (``./a//b.yaml`` is ``a/b.yaml``) and with forward
    slashes, so the same file audited from the same directory is always the same job."""
    if rule_file is None:
        return _INLINE_JOB
    return PurePath(os.path.normpath(rule_file)).as_posix()


def _dataset_id(source: SourceInfo, job_name: str, base_dir: Path | None) -> tuple[str, str]:
    """(namespace, name) of a source: ``file`` and the absolute path for files; stdin and
    DataFrames have no path and are named after the job."""
    if source.path == "-" or source.path.startswith("<"):
        label = "stdin" if source.path == "-" else f"dataframe-{source.index}"
        return JOB_NAMESPACE, f"{job_name}#{label}"
    kind = kind_named(source.format)
    named = None if kind is None else kind.openlineage_dataset(source.details)
    if named is not None:
        return named
    return _FILE_NAMESPACE, str(_absolute(Path(source.path), base_dir))


def _absolute(path: Path, base_dir: Path | None) -> Path:
    """The file a source path names. Paths on the command line are relative to the working
    directory, those in the rule file's ``sources:`` to its directory; the result does not say
    which, so the working directory wins when the file exists there."""
    if path.is_absolute():
        return path
    here = Path.cwd() / path
    if base_dir is not None and not here.exists() and (base_dir / path).exists():
        return Path(os.path.normpath(base_dir / path))
    return Path(os.path.normpath(here))


def _input(
    result: AuditResult, source: SourceInfo, dataset_id: tuple[str, str], producer: str, *, with_quality: bool
) -> InputDataset:
    from openlineage.client.event_v2 import InputDataset
    from openlineage.client.facet_v2 import (
        InputDatasetFacet,
        data_quality_assertions_dataset,
        data_quality_metrics_input_dataset,
        datasource_dataset,
        schema_dataset,
    )

    namespace, name = dataset_id
    facets: dict[str, Any] = {
        "schema": schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(
                    name=safe_name(column.original), type=column.original_type, ordinal_position=position
                )
                for position, column in enumerate(source.columns, start=1)
            ],
            producer=producer,
        )
    }
    if namespace == _FILE_NAMESPACE:
        facets["dataSource"] = datasource_dataset.DatasourceDatasetFacet(
            name=_FILE_NAMESPACE, uri=Path(name).as_uri(), producer=producer
        )
    elif namespace != JOB_NAMESPACE:
        # A database: the server (or file) the table is in; never a user or password.
        facets["dataSource"] = datasource_dataset.DatasourceDatasetFacet(
            name=namespace, uri=namespace, producer=producer
        )
    input_facets: dict[str, InputDatasetFacet] = {}
    if with_quality:
        failures = _failures_by_rule(result, source)
        columns = {column.field: column for column in source.columns}
        metrics = data_quality_metrics_input_dataset
        input_facets["dataQualityMetrics"] = metrics.DataQualityMetricsInputDatasetFacet(
            rowCount=source.rows,
            bytes=source.size,
            fileCount=1 if namespace == _FILE_NAMESPACE else None,
            columnMetrics={
                safe_name(columns[field].original): metrics.ColumnMetrics(nullCount=count)
                for field, count in _null_counts(result, failures, columns).items()
            },
            producer=producer,
        )
        assertions = data_quality_assertions_dataset
        input_facets["dataQualityAssertions"] = assertions.DataQualityAssertionsDatasetFacet(
            assertions=[
                assertions.Assertion(
                    assertion=rule.id,
                    # A rule judges all sources together; a source whose records did not fail a
                    # failing rule did not cause the failure.
                    success=rule.status is not Status.FAIL or failures.get(rule.id, 0) == 0,
                    column=safe_name(columns[rule.fields[0]].original) if rule.fields else None,
                    severity="error" if rule.severity is Severity.ERROR else "warn",
                    description=rule.description,
                    expected=f"pass rate >= {rule.threshold:g}",
                    actual=f"pass rate {rule.pass_rate:.6g} ({rule.failed} of {rule.evaluated} failed)"
                    if rule.evaluated
                    else "no record evaluated",
                    params={
                        "check": rule.check,
                        "dimension": rule.dimension.value,
                        "threshold": rule.threshold,
                    },
                )
                for rule in result.rules
                if _applies(rule, columns)
            ],
            producer=producer,
        )
    return InputDataset(namespace=namespace, name=name, facets=facets, inputFacets=input_facets)


def _applies(rule: RuleResult, columns: dict[str, ColumnOrigin]) -> bool:
    """Rules on a field apply to the sources that have it; rules without fields (dataset and
    table checks) to every source."""
    return not rule.fields or rule.fields[0] in columns


def _failures_by_rule(result: AuditResult, source: SourceInfo) -> dict[str, int]:
    """Failed records per rule in one source, from the findings."""
    findings = result.findings
    if not findings.height:
        return {}
    counts = findings.filter(findings.get_column("source") == source.path).get_column("rule").value_counts()
    return {str(rule): int(n) for rule, n in counts.iter_rows()}


def _null_counts(
    result: AuditResult, failures: dict[str, int], columns: dict[str, ColumnOrigin]
) -> dict[str, int]:
    """Missing values per field of one source, where an unconditional ``not_null`` rule counted
    them: its failures in the source are exactly the source's missing values of the field."""
    counts: dict[str, int] = {}
    for rule in result.rules:
        if rule.check == "not_null" and rule.when is None and rule.fields and rule.fields[0] in columns:
            counts.setdefault(rule.fields[0], failures.get(rule.id, 0))
    return counts


def _output(
    result: AuditResult, job_name: str, dataset_ids: dict[int, tuple[str, str]], producer: str
) -> OutputDataset:
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import schema_dataset

    sources = {source.index: source for source in result.sources}
    fields: dict[str, cl.Fields] = {}
    for entry in result.lineage:
        inputs = []
        for index, original, _ in entry.origins:
            source = sources[index]
            namespace, name = dataset_ids[index]
            # Lineage shows names masked when they look like contact data (a missing header).
            column = next(c for c in source.columns if safe_name(c.original) == original)
            subtype, description = _transformation(source, column)
            inputs.append(
                cl.InputField(
                    namespace=namespace,
                    name=name,
                    field=original,
                    transformations=[
                        cl.Transformation(
                            type="DIRECT", subtype=subtype, description=description, masking=False
                        )
                    ],
                )
            )
        fields[entry.field] = cl.Fields(inputFields=inputs)
    return OutputDataset(
        namespace=JOB_NAMESPACE,
        name=f"{job_name}#audit",
        facets={
            # Loaders keep every value as the text it was stored as: the audited view is all strings.
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(
                        name=entry.field,
                        type="string",
                        description=_field_description(entry),
                        ordinal_position=i,
                    )
                    for i, entry in enumerate(result.lineage, start=1)
                ],
                producer=producer,
            ),
            "columnLineage": cl.ColumnLineageDatasetFacet(fields=fields, producer=producer),
        },
    )


def _transformation(source: SourceInfo, column: ColumnOrigin) -> tuple[str, str]:
    """OpenLineage's subtype (IDENTITY: same values; TRANSFORMATION: values changed) and what
    was done, for one source column becoming one audited field."""
    notes = []
    changed = False
    if column.original != column.field:
        notes.append(f"renamed from '{safe_name(column.original)}' to '{safe_name(column.field)}'")
    if source.format not in _TEXT_FORMATS and column.original_type != "string":
        notes.append(f"read as text from {column.original_type}")
        changed = True
    if column.missing_replaced:
        notes.append(f"{column.missing_replaced} empty, whitespace-only or null-marker values set to missing")
        changed = True
    return ("TRANSFORMATION" if changed else "IDENTITY"), ("; ".join(notes) or "read unchanged")


def _field_description(entry: FieldLineage) -> str:
    """The field's declared purpose and whether it is personal data, for catalogue tools."""
    personal = "personal data" if entry.personal else "not personal data"
    return personal if entry.purpose is None else f"{personal}; purpose: {entry.purpose}"
