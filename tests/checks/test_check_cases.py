"""Table-driven cases for every check type, kept as data in tests/checks/cases/*.yaml.

Every case also runs in one-record partitions, with the same results as on the whole data:
whatever a check reads (its record, records sharing a key, the whole table, the sources), the
engine makes it exact across partitions. The cases cover every registered check, so a new
check is held to this without being named here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from tests.checks.conftest import AS_OF, dataset_verdicts, verdicts
from veracity import load_data
from veracity.checks import validity
from veracity.checks.base import REGISTRY
from veracity.config import rule_set_from_objects
from veracity.engine import AuditPlan, RunOutput, WholeData, run_partitions

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


def test_case(case: dict[str, Any]) -> None:
    if "sources" in case:
        got = dataset_verdicts(case["check"], case["rule"], case["sources"], case.get("settings"))
        assert got == case["expected"]
        return
    for name, values in case["data"].items():
        # Unquoted YAML turns 01067 or 2024-01-01 into numbers and dates: data must be text.
        assert all(v is None or isinstance(v, str) for v in values), f"quote the values of {name}"
        assert len(values) == len(case["expected"]), f"{name}: one expectation per record"
    as_of = date.fromisoformat(str(case["as_of"])) if "as_of" in case else AS_OF
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
    phone_case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone cases are a handful of numbers each, which the library judges alone; the same
    cases through the vectorised fast path."""
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)
    test_case(phone_case)


def test_every_registered_check_has_cases() -> None:
    covered = {case["check"] for _, case in CASES}
    assert sorted(set(REGISTRY) - covered) == []


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


def test_case_in_one_record_partitions(case: dict[str, Any]) -> None:
    whole, parts = _audit_case(case, None), _audit_case(case, 1)
    assert parts.partitions == parts.record_scores.len()  # one per record
    assert {r: (s.evaluated, s.failed) for r, s in parts.states.items()} == {
        r: (s.evaluated, s.failed) for r, s in whole.states.items()
    }
    assert_frame_equal(parts.findings, whole.findings)  # record for record: line, message, value, cluster
    assert parts.record_scores.to_list() == whole.record_scores.to_list()
    assert parts.field_types == whole.field_types
