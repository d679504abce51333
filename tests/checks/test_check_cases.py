"""Table-driven cases for every check type, kept as data in tests/checks/cases/*.yaml.

Every case also runs in one-record partitions, with the same results as on the whole data:
whatever a check reads (its record, records sharing a key, the whole table, the sources), the
engine makes it exact across partitions. The cases cover every registered check, so a new
check is held to this without being named here.

A case with ``refused:`` instead of ``expected:`` is an audit that must be refused: the API
raises the error with that line (the rule file's location aside), the command line prints it
as one ``Error:`` line naming the rule file's place and exits 2, and so do audits in chunks.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import veracity
from tests.checks.conftest import AS_OF, dataset_verdicts, verdicts
from veracity import load_data
from veracity.checks import validity
from veracity.checks.base import REGISTRY
from veracity.chunked import audit_chunked
from veracity.cli import app
from veracity.config import rule_set_from_objects
from veracity.engine import AuditPlan, RunOutput, WholeData, run_partitions
from veracity.errors import VeracityError

CASES_DIR = Path(__file__).parent / "cases"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            cases.append((f"{case['check']}: {case['name']}", case))
    return cases


CASES = load_cases()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])


def _as_of(case: dict[str, Any]) -> date:
    return date.fromisoformat(str(case["as_of"])) if "as_of" in case else AS_OF


def case_rules(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's rule (id ``r``), after the rules it reads."""
    rule = {"id": "r", "check": case["check"], **case["rule"]}
    if "when" in case:
        rule["when"] = case["when"]
    return [*case.get("other_rules", []), rule]


def case_files(case: dict[str, Any], directory: Path) -> list[str]:
    """The case's data as CSV files, one per source."""
    tables = case["sources"] if "sources" in case else [case["data"]]
    paths = []
    for n, table in enumerate(tables):
        path = directory / f"source{n}.csv"
        frame = pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in table.items()})
        # A record whose only value is missing would be a blank line, which readers skip.
        frame.write_csv(path, null_value='""' if frame.width == 1 else "")
        paths.append(str(path))
    return paths


def refusal(error: VeracityError) -> str:
    """An error's line without the location of a rule file made of objects (``<rules>:1:1:``)."""
    return re.sub(r"^<rules>:\d+:\d+: ", "", str(error))


def refused_on_the_command_line(case: dict[str, Any], directory: Path, *options: str) -> str:
    """The one line ``veracity audit`` prints for a refused case (exit 2, nothing on stdout)."""
    rules = directory / "rules.yaml"
    document = {"version": 1, **case.get("settings", {}), "rules": case_rules(case)}
    rules.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    args = ["audit", "--no-progress", "-r", str(rules), "--as-of", _as_of(case).isoformat(), *options]
    result = CliRunner().invoke(app, [*args, *case_files(case, directory)])
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.rstrip("\n")


def _assert_refused(case: dict[str, Any], directory: Path) -> None:
    with pytest.raises(VeracityError) as raised:
        veracity.audit(case_files(case, directory), case_rules(case), as_of=_as_of(case))
    assert refusal(raised.value) == case["refused"]
    line = refused_on_the_command_line(case, directory)
    assert _names_the_rule_file(line, directory, case["refused"])


def _names_the_rule_file(line: str, directory: Path, refused: str) -> bool:
    place = re.escape(str(directory / "rules.yaml"))
    return re.fullmatch(rf"Error: {place}:\d+:\d+: {re.escape(refused)}", line) is not None


def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    if "refused" in case:
        _assert_refused(case, tmp_path)
        return
    if "sources" in case:
        got = dataset_verdicts(case["check"], case["rule"], case["sources"], case.get("settings"))
        assert got == case["expected"]
        return
    for name, values in case["data"].items():
        # Unquoted YAML turns 01067 or 2024-01-01 into numbers and dates: data must be text.
        assert all(v is None or isinstance(v, str) for v in values), f"quote the values of {name}"
        assert len(values) == len(case["expected"]), f"{name}: one expectation per record"
    as_of = _as_of(case)
    got = verdicts(
        case["check"],
        case["rule"],
        case["data"],
        when=case.get("when"),
        settings=case.get("settings"),
        as_of=as_of,
        others=case.get("other_rules"),
    )
    assert got == case["expected"]


PHONE_CASES = [(name, case) for name, case in CASES if case["check"] == "phone"]


@pytest.mark.parametrize("phone_case", [c for _, c in PHONE_CASES], ids=[i for i, _ in PHONE_CASES])
def test_phone_case_through_the_fast_path(
    phone_case: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The phone cases are a handful of numbers each, which the library judges alone; the same
    cases through the vectorised fast path."""
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)
    test_case(phone_case, tmp_path)


def test_every_registered_check_has_cases() -> None:
    covered = {case["check"] for _, case in CASES}
    assert sorted(set(REGISTRY) - covered) == []


def test_cases_expect_refusals_at_load_and_at_run_time() -> None:
    """Refused cases exist (the runners' comparisons of refusals are exercised): one the rule
    file's loader refuses, one only the audit of its data can."""
    refused = [case for _, case in CASES if "refused" in case]
    kinds = set()
    for case in refused:
        try:
            rule_set_from_objects(case_rules(case), **case.get("settings", {}))
            kinds.add("run")
        except VeracityError:
            kinds.add("load")
    assert kinds == {"load", "run"}


def _audit_case(case: dict[str, Any], size: int | None) -> RunOutput:
    """The case's rule over its data: whole, or in partitions of ``size`` records."""
    rule = {"id": "r", "check": case["check"], **case["rule"]}
    if "when" in case:
        rule["when"] = case["when"]
    rule_set = rule_set_from_objects([*case.get("other_rules", []), rule], **case.get("settings", {}))
    tables = case["sources"] if "sources" in case else [case["data"]]
    frames = [pl.DataFrame({n: pl.Series(v, dtype=pl.String) for n, v in t.items()}) for t in tables]
    data = load_data(frames, rule_set)
    as_of = date.fromisoformat(str(case["as_of"])) if "as_of" in case else AS_OF
    plan = AuditPlan.for_rules(rule_set, as_of=as_of, fields=data.fields)
    return run_partitions(WholeData(data, size), plan)


def test_case_in_one_record_partitions(case: dict[str, Any], tmp_path: Path) -> None:
    if "refused" in case:  # refused alike in chunks of one record
        with pytest.raises(VeracityError) as raised:
            audit_chunked(case_files(case, tmp_path), case_rules(case), as_of=_as_of(case), chunk_rows=1)
        assert refusal(raised.value) == case["refused"]
        line = refused_on_the_command_line(case, tmp_path, "--chunk-rows", "1000")  # its least
        assert _names_the_rule_file(line, tmp_path, case["refused"])
        return
    whole, parts = _audit_case(case, None), _audit_case(case, 1)
    assert parts.partitions == parts.record_scores.len()  # one per record
    assert {r: (s.evaluated, s.failed) for r, s in parts.states.items()} == {
        r: (s.evaluated, s.failed) for r, s in whole.states.items()
    }
    assert_frame_equal(parts.findings, whole.findings)  # record for record: line, message, value, cluster
    assert parts.record_scores.to_list() == whole.record_scores.to_list()
    assert parts.field_types == whole.field_types
