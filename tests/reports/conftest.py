"""Fixtures for the report tests: the hand-built audit result and golden-file comparison."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reports.report_fixture import build_result
from veracity.results import AuditResult

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("VERACITY_UPDATE_GOLDEN") == "1"


@pytest.fixture
def audit_result() -> AuditResult:
    return build_result()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare ``text`` with ``golden/<name>``; ``VERACITY_UPDATE_GOLDEN=1`` rewrites the file."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if UPDATE_GOLDEN:
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"{path} is missing; run with VERACITY_UPDATE_GOLDEN=1 to create it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from the golden file; if the change is intended, "
            "regenerate with VERACITY_UPDATE_GOLDEN=1 and review the diff"
        )

    return check
