"""The harness itself: a clean run passes it, and each house rule it guards is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.harness import DATA, PLANTED, RULES, Attack, attack

FILES = {"rules.yaml": RULES, "data.csv": DATA}


def test_a_clean_failing_audit_passes_the_harness(tmp_path: Path) -> None:
    outcome = attack(
        Attack(
            "report",
            ["audit", "-r", "rules.yaml", "data.csv", "-o", "out/report.json", "-f", "json"],
            files={**FILES, "out/keep": ""},
            exit_code=1,
            outputs=["out/report.json"],
        ),
        tmp_path,
    )
    assert "Report written to out/report.json" in outcome.stderr


@pytest.mark.parametrize(
    ("case", "complaint"),
    [
        (
            Attack(
                "leak", ["audit", "-r", "rules.yaml", "data.csv", "--reveal-values"], files=FILES, exit_code=1
            ),
            "leaked",
        ),
        (Attack("code", ["audit", "-r", "rules.yaml", "data.csv"], files=FILES, exit_code=0), "exit code"),
        (
            Attack(
                "unlisted-output",
                ["audit", "-r", "rules.yaml", "data.csv", "-o", "r.txt"],
                files=FILES,
                exit_code=1,
            ),
            "created",
        ),
        (
            Attack(
                "changed-input",
                ["audit", "-r", "rules.yaml", "data.csv", "-o", "r.txt"],
                files={**FILES, "r.txt": "old"},
                exit_code=1,
            ),
            "was changed",
        ),
        (
            Attack("error-count", ["audit", "-r", "missing.yaml", "data.csv"], files=FILES, error_lines=0),
            "'Error:' lines",
        ),
        (
            Attack(
                "error-text", ["audit", "-r", "missing.yaml", "data.csv"], files=FILES, error="no such words"
            ),
            "lacks",
        ),
    ],
    ids=lambda value: value.id if isinstance(value, Attack) else "",
)
def test_each_broken_rule_is_caught(case: Attack, complaint: str, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=complaint):
        attack(case, tmp_path)


def test_planted_values_are_in_the_data() -> None:
    assert all(value in DATA for value in PLANTED)
