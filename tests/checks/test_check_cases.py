"""Table-driven cases for every check type, kept as data in tests/checks/cases/*.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.checks.conftest import AS_OF, dataset_verdicts, verdicts
from veracity.checks import validity

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
        assert dataset_verdicts(case["check"], case["rule"], case["sources"]) == case["expected"]
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
