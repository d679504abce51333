"""OpenLineage events: valid against the spec's JSON schemas, paired START/COMPLETE, written as
atomic NDJSON or sent with the client's configured HTTP transport."""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from tests.reports.report_fixture import (
    CSV_PATH,
    ESCAPE_VALUE,
    PIPE_VALUE,
    RAW_EMAILS,
    RAW_PHONE,
    XLSX_PATH,
    build_result,
)
from veracity import audit
from veracity.errors import UsageError
from veracity.reports.openlineage import (
    JOB_NAMESPACE,
    PRODUCER,
    OpenLineageError,
    emit_openlineage,
    openlineage_configured,
)
from veracity.results import AuditResult

SCHEMAS = Path(__file__).parent / "schemas" / "openlineage"
SPEC = "https://openlineage.io/spec"
#: Core spec versions the vendored facet schemas $ref; served by the vendored 2-0-7 core
#: (see schemas/openlineage/README.md for why that is sound).
CORE_ALIASES = (f"{SPEC}/2-0-2/OpenLineage.json", f"{SPEC}/1-0-2/OpenLineage.json")
#: Facet key -> the vendored schema that validates it (file under SCHEMAS/facets, definition).
FACETS = {
    "jobType": ("2-0-4/JobTypeJobFacet.json", "JobTypeJobFacet"),
    "schema": ("1-0-0/SchemaDatasetFacet.json", "SchemaDatasetFacet"),
    "dataSource": ("1-0-0/DatasourceDatasetFacet.json", "DatasourceDatasetFacet"),
    "columnLineage": ("1-1-0/ColumnLineageDatasetFacet.json", "ColumnLineageDatasetFacet"),
    "dataQualityMetrics": (
        "1-0-3/DataQualityMetricsInputDatasetFacet.json",
        "DataQualityMetricsInputDatasetFacet",
    ),
    "dataQualityAssertions": (
        "1-1-0/DataQualityAssertionsDatasetFacet.json",
        "DataQualityAssertionsDatasetFacet",
    ),
}


@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    """Every vendored schema under its $id; nothing is fetched (unknown URIs fail)."""
    resources = []
    core = None
    for file in sorted(SCHEMAS.rglob("*.json")):
        resource = Resource.from_contents(json.loads(file.read_text(encoding="utf-8")))
        resources.append((resource.id(), resource))
        if file.name == "OpenLineage.json":
            core = resource
    assert core is not None
    resources.extend((alias, core) for alias in CORE_ALIASES)
    return Registry().with_resources(resources)


def validator(registry: Registry[Any], ref: str) -> Draft202012Validator:
    # FormatChecker checks "uuid" here; "date-time" and "uri" need optional packages, so the
    # tests below parse event times and URIs themselves.
    return Draft202012Validator({"$ref": ref}, registry=registry, format_checker=FormatChecker())


def assert_valid(event: dict[str, Any], registry: Registry[Any]) -> None:
    """The event against the core RunEvent, and each facet against its own facet schema."""
    errors = list(validator(registry, f"{SPEC}/2-0-7/OpenLineage.json#/$defs/RunEvent").iter_errors(event))
    assert not errors, [e.message for e in errors]
    for name, facet in facets_of(event):
        assert name in FACETS, f"facet {name} has no vendored schema; vendor it to test it"
        file, definition = FACETS[name]
        # The client's stamped version may be newer than the vendored one; the facet must match.
        assert facet["_schemaURL"].split("#")[0].endswith(f"/{Path(file).name}")
        errors = list(validator(registry, f"{SPEC}/facets/{file}#/$defs/{definition}").iter_errors(facet))
        assert not errors, (name, [e.message for e in errors])


def facets_of(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from event["run"].get("facets", {}).items()
    yield from event["job"].get("facets", {}).items()
    for dataset in [*event.get("inputs", []), *event.get("outputs", [])]:
        for key in ("facets", "inputFacets", "outputFacets"):
            yield from dataset.get(key, {}).items()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def clean_openlineage_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OpenLineage configuration from the machine; and the client's own additions to
    os.environ (it aliases OPENLINEAGE_URL into OPENLINEAGE__TRANSPORT__* variables) are
    removed afterwards."""
    for key in list(os.environ):
        if key.startswith("OPENLINEAGE"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    before = set(os.environ)
    yield
    for key in set(os.environ) - before:
        if key.startswith("OPENLINEAGE"):
            del os.environ[key]


def events_for(result: AuditResult, path: Path) -> list[dict[str, Any]]:
    return emit_openlineage(result, path)


def test_events_are_valid_against_the_spec_schemas(
    workdir: Path, registry: Registry[Any], clean_openlineage_env: None
) -> None:
    events = events_for(build_result(), workdir / "events.ndjson")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    for event in events:
        assert_valid(event, registry)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("run", "runId"), "not-a-uuid"),
        (("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 0, "success"), "no"),
        (("inputs", 0, "inputFacets", "dataQualityMetrics", "rowCount"), 1.5),
        (("outputs", 0, "facets", "columnLineage", "fields", "email", "inputFields", 0, "field"), None),
        (("job", "facets", "jobType", "_producer"), None),
    ],
)
def test_the_validation_rejects_broken_events(
    workdir: Path, registry: Registry[Any], path: tuple[str | int, ...], value: object
) -> None:
    """Guards the test above against validating nothing (an unresolved facet, a lax schema)."""
    event = events_for(build_result(), workdir / "events.ndjson")[1]
    *parents, last = path
    holder: Any = event
    for key in parents:
        holder = holder[key]
    if value is None:
        del holder[last]
    else:
        holder[last] = value
    with pytest.raises(AssertionError):
        assert_valid(event, registry)


def test_start_and_complete_share_the_run_and_bracket_the_audit(workdir: Path) -> None:
    result = build_result(started_at="2024-06-30T08:15:00Z")
    start, complete = events_for(result, workdir / "events.ndjson")
    assert start["run"]["runId"] == complete["run"]["runId"]
    assert uuid.UUID(start["run"]["runId"]).version == 7
    assert start["job"] == complete["job"]
    assert start["job"]["namespace"] == JOB_NAMESPACE
    assert start["job"]["name"] == "rules/customers.yaml"
    began = datetime.fromisoformat(start["eventTime"])
    ended = datetime.fromisoformat(complete["eventTime"])
    assert began == datetime.fromisoformat("2024-06-30T08:15:00+00:00")
    assert ended - began == timedelta(seconds=result.run.duration_seconds)
    assert start["producer"] == f"{PRODUCER}/0.1.0"
    # Quality results exist only once the audit is complete.
    assert all("inputFacets" not in d or not d["inputFacets"] for d in start["inputs"])
    assert all(
        set(d["inputFacets"]) == {"dataQualityMetrics", "dataQualityAssertions"} for d in complete["inputs"]
    )


def test_runs_get_distinct_ids(workdir: Path) -> None:
    first = events_for(build_result(), workdir / "a.ndjson")
    second = events_for(build_result(), workdir / "b.ndjson")
    assert first[0]["run"]["runId"] != second[0]["run"]["runId"]


def test_file_output_is_ndjson_of_exactly_the_returned_events(workdir: Path) -> None:
    path = workdir / "events.ndjson"
    events = events_for(build_result(), path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == 2
    assert [json.loads(line) for line in lines] == events


def test_a_failed_write_keeps_the_previous_file(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workdir / "events.ndjson"
    path.write_text("previous run\n", encoding="utf-8")

    def crash(_: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("veracity._atomic._fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        emit_openlineage(build_result(), path)
    assert path.read_text(encoding="utf-8") == "previous run\n"
    assert [p.name for p in workdir.iterdir()] == ["events.ndjson"]


def test_a_missing_client_package_is_one_clear_error(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openlineage.client.serde", None)  # makes the import fail
    with pytest.raises(UsageError, match="need the openlineage-python package"):
        emit_openlineage(build_result(), workdir / "events.ndjson")
    assert not list(workdir.iterdir())


def test_a_missing_directory_is_a_usage_error(workdir: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        emit_openlineage(build_result(), workdir / "missing" / "events.ndjson")


def test_inputs_are_the_sources_as_absolute_file_paths(workdir: Path) -> None:
    complete = events_for(build_result(), workdir / "e.ndjson")[1]
    csv, xlsx = complete["inputs"]
    assert (csv["namespace"], csv["name"]) == ("file", str(workdir / CSV_PATH))
    assert xlsx["name"] == str(workdir / XLSX_PATH)
    assert csv["facets"]["dataSource"]["uri"] == (workdir / CSV_PATH).as_uri()
    assert [f["name"] for f in xlsx["facets"]["schema"]["fields"]] == ["id", "mail", "tel", "address"]
    assert xlsx["facets"]["schema"]["fields"][0]["type"] == "int64"
    metrics = csv["inputFacets"]["dataQualityMetrics"]
    assert (metrics["rowCount"], metrics["bytes"], metrics["fileCount"]) == (1200, 482_113, 1)
    # customer-id-required (not_null, unconditional) counted the missing ids of each source.
    assert metrics["columnMetrics"] == {"Customer ID": {"nullCount": 0, "quantiles": {}}}


def test_one_assertion_per_rule_that_applies_to_the_source(workdir: Path) -> None:
    complete = events_for(build_result(), workdir / "e.ndjson")[1]
    csv, xlsx = (d["inputFacets"]["dataQualityAssertions"]["assertions"] for d in complete["inputs"])
    by_rule = {a["assertion"]: a for a in csv}
    assert list(by_rule) == [
        "email-valid",
        "phone-valid",
        "customer-id-required",
        "customer-id-unique",
        "street-format",
        "signup-not-future",
        "consent-before-contact",
    ]
    assert by_rule["email-valid"] == by_rule["email-valid"] | {
        "success": False,
        "column": "E-Mail",
        "severity": "error",
        "expected": "pass rate >= 0.99",
    }
    assert by_rule["phone-valid"]["severity"] == "warn"
    assert by_rule["phone-valid"]["success"] is True  # warnings do not fail the audit
    assert by_rule["consent-before-contact"]["success"] is False
    # A rule that evaluated no record has no pass rate to report.
    assert by_rule["signup-not-future"]["actual"] == "no record evaluated"
    # The Excel source has no consent fields: rules on them do not apply to it.
    assert [a["assertion"] for a in xlsx] == [
        "email-valid",
        "phone-valid",
        "customer-id-required",
        "customer-id-unique",
        "street-format",
    ]
    assert {a["column"] for a in xlsx} == {"id", "mail", "tel", "address"}


def test_a_source_without_failures_of_a_failing_rule_passes_it(workdir: Path) -> None:
    result = build_result()
    findings = result.findings
    only_csv = findings.filter((pl.col("rule") != "email-valid") | (pl.col("source") == CSV_PATH))
    complete = events_for(replace(result, findings=only_csv), workdir / "e.ndjson")[1]
    csv, xlsx = (
        {a["assertion"]: a["success"] for a in d["inputFacets"]["dataQualityAssertions"]["assertions"]}
        for d in complete["inputs"]
    )
    assert csv["email-valid"] is False
    assert xlsx["email-valid"] is True


def test_column_lineage_maps_fields_to_source_columns(workdir: Path) -> None:
    complete = events_for(build_result(), workdir / "e.ndjson")[1]
    (output,) = complete["outputs"]
    assert (output["namespace"], output["name"]) == (JOB_NAMESPACE, "rules/customers.yaml#audit")
    assert [f["name"] for f in output["facets"]["schema"]["fields"]][:2] == ["customer_id", "email"]
    lineage = output["facets"]["columnLineage"]["fields"]
    csv_id, xlsx_id = lineage["customer_id"]["inputFields"]
    assert (csv_id["name"], csv_id["field"]) == (str(workdir / CSV_PATH), "Customer ID")
    assert csv_id["transformations"] == [
        {
            "type": "DIRECT",
            "subtype": "IDENTITY",
            "description": "renamed from 'Customer ID' to 'customer_id'",
            "masking": False,
        }
    ]
    assert (xlsx_id["field"], xlsx_id["transformations"][0]["subtype"]) == ("id", "TRANSFORMATION")
    assert "read as text from int64" in xlsx_id["transformations"][0]["description"]
    email_csv = lineage["email"]["inputFields"][0]["transformations"][0]
    assert email_csv["subtype"] == "TRANSFORMATION"
    assert "4 empty, whitespace-only or null-marker values set to missing" in email_csv["description"]
    assert [i["field"] for i in lineage["consent"]["inputFields"]] == ["Consent"]


def test_events_carry_no_data_values(workdir: Path) -> None:
    path = workdir / "e.ndjson"
    events_for(build_result(), path)
    text = path.read_text(encoding="utf-8")
    for value in (*RAW_EMAILS, RAW_PHONE, PIPE_VALUE, ESCAPE_VALUE, "C-000012"):
        assert json.dumps(value)[1:-1] not in text


def test_a_real_audit_of_dataframes_is_valid(
    workdir: Path, registry: Registry[Any], clean_openlineage_env: None
) -> None:
    frame = pl.DataFrame({"id": [1, 2, None], "email": ["a@example.com", "bad", None]})
    rules = [
        {"id": "id-required", "check": "not_null", "field": "id"},
        {"id": "email-valid", "check": "email", "field": "email"},
    ]
    events = emit_openlineage(audit(frame, rules), workdir / "e.ndjson")
    for event in events:
        assert_valid(event, registry)
    complete = events[1]
    assert complete["job"]["name"] == "inline-rules"
    (source,) = complete["inputs"]
    assert (source["namespace"], source["name"]) == (JOB_NAMESPACE, "inline-rules#dataframe-0")
    assert "dataSource" not in source["facets"]
    assert source["inputFacets"]["dataQualityMetrics"]["columnMetrics"] == {
        "id": {"nullCount": 1, "quantiles": {}}
    }


def test_rule_file_sources_resolve_against_the_rule_files_directory(workdir: Path) -> None:
    (workdir / "rules").mkdir()
    (workdir / "rules" / "data.csv").write_text("id\n1\n2\n", encoding="utf-8")
    (workdir / "rules" / "audit.yaml").write_text(
        "version: 1\nsources:\n  - path: data.csv\nrules:\n  - {id: id-required, check: not_null, field: id}\n",
        encoding="utf-8",
    )
    start = emit_openlineage(audit(rules="./rules//audit.yaml"), workdir / "e.ndjson")[0]
    assert start["job"]["name"] == "rules/audit.yaml"
    assert start["inputs"][0]["name"] == str(workdir / "rules" / "data.csv")


# --- the client's own configuration -------------------------------------------------------------


class _Collector(BaseHTTPRequestHandler):
    """Records every POST; answers with the status the test asked for."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        server: Any = self.server
        server.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@pytest.fixture
def lineage_server() -> Iterator[Any]:
    """An OpenLineage endpoint on 127.0.0.1, stopped after the test (and a daemon thread, so it
    cannot outlive the test run)."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    server.status = 201
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_openlineage_url_sends_both_events_over_http(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, clean_openlineage_env: None, lineage_server: Any
) -> None:
    monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{lineage_server.server_port}")
    assert openlineage_configured()
    events = emit_openlineage(build_result(), None)
    assert [path for path, _ in lineage_server.received] == ["/api/v1/lineage", "/api/v1/lineage"]
    assert [body for _, body in lineage_server.received] == events
    assert not list(workdir.iterdir())  # nothing written locally


def test_a_rejected_event_is_one_clear_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, clean_openlineage_env: None, lineage_server: Any
) -> None:
    lineage_server.status = 400  # not retried by the client, unlike 5xx
    monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{lineage_server.server_port}")
    with pytest.raises(OpenLineageError, match=r"HTTP status 400"):
        emit_openlineage(build_result(), None)


def test_without_configuration_events_are_only_returned(
    workdir: Path, clean_openlineage_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not openlineage_configured()
    events = emit_openlineage(build_result(), None)
    assert len(events) == 2
    # The client's fallback would print events on stdout, into the report.
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OPENLINEAGE__TRANSPORT__TYPE": "console"}, True),
        ({"OPENLINEAGE_URL": "http://127.0.0.1:1", "OPENLINEAGE_DISABLED": "true"}, False),
        ({"OPENLINEAGE_CONFIG": "missing.yml"}, False),
    ],
)
def test_configuration_is_detected_like_the_client_does(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    clean_openlineage_env: None,
    env: dict[str, str],
    expected: bool,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert openlineage_configured() is expected


def test_an_openlineage_yml_in_the_working_directory_counts(
    workdir: Path, clean_openlineage_env: None
) -> None:
    (workdir / "openlineage.yml").write_text("transport:\n  type: console\n", encoding="utf-8")
    assert openlineage_configured()
