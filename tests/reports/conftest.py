"""Fixtures for the report tests: the hand-built audit result."""

from __future__ import annotations

import pytest

from tests.reports.report_fixture import build_result
from veracity.results import AuditResult


@pytest.fixture
def audit_result() -> AuditResult:
    return build_result()
