"""The words every layer shares: data-quality dimensions, rule severities and rule statuses.

Config models, checks, results, scoring and reports all speak them, so they live below all of
them and import nothing of the project. The values are contracts: they appear in rule files,
findings files, JSON reports and history rows.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Dimension", "Severity", "Status"]


class Dimension(StrEnum):
    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    UNIQUENESS = "uniqueness"
    TIMELINESS = "timeliness"
    CONSISTENCY = "consistency"
    CONSENT = "consent"
    #: Data kept beyond its purpose: past its retention period, or never declared at all
    #: (``retention`` and ``minimisation``). Apart from consent, which proves a permission.
    PRIVACY = "privacy"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    #: The rule evaluated no record: it has no pass rate, so it neither passes nor counts in
    #: any score.
    NOT_EVALUATED = "not_evaluated"
