"""Closed and broken standard streams: one line, or the quiet Unix exit for a gone reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.harness import DATA, RULES, Attack, attack

FILES = {"rules.yaml": RULES, "data.csv": DATA}
AUDIT = ["audit", "-r", "rules.yaml", "data.csv"]

CASES = [
    # `| head -1` whose reader is gone: exit 141 (128 + SIGPIPE) and nothing on stderr.
    Attack("broken-pipe-table", AUDIT, FILES, exit_code=141, stdout="broken"),
    Attack("broken-pipe-json", [*AUDIT, "-f", "json"], FILES, exit_code=141, stdout="broken"),
    Attack(
        "broken-pipe-with-findings", [*AUDIT, "--findings", "f.csv"], FILES, 141, ["f.csv"], stdout="broken"
    ),
    Attack("broken-pipe-rules-list", ["rules", "list"], FILES, exit_code=141, stdout="broken"),
    Attack("broken-pipe-rules-explain", ["rules", "explain", "email"], FILES, exit_code=141, stdout="broken"),
    Attack(
        "closed-stdout", AUDIT, FILES, stdout="closed", error="standard output is closed; give -o/--output"
    ),
    Attack(
        "closed-stdout-trend", ["trend", "--history", "h.db"], FILES, stdout="closed", error="standard output"
    ),
    Attack("closed-stdout-with-output", [*AUDIT, "-o", "r.txt"], FILES, 1, ["r.txt"], stdout="closed"),
    Attack(
        "closed-stdin-read",
        ["audit", "-r", "rules.yaml", "-"],
        FILES,
        stdin="closed",
        error="which is closed",
    ),
    Attack("closed-stdin-unused", AUDIT, FILES, exit_code=1, stdin="closed"),
    Attack("stdin-data", ["audit", "-r", "rules.yaml", "-"], FILES, exit_code=1, stdin=DATA.encode()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_streams(case: Attack, tmp_path: Path) -> None:
    outcome = attack(case, tmp_path)
    if case.exit_code == 141:
        assert outcome.stderr == ""
