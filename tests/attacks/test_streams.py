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
    # Help and the version are printed by click and rich, which would exit 1 (a failed gate).
    *(
        Attack(f"broken-pipe-{'-'.join(args).strip('-')}", args, FILES, exit_code=141, stdout="broken")
        for args in (["--help"], ["--version"], ["audit", "--help"], ["rules", "check", "--help"], ["rules"])
    ),
    Attack(
        "closed-stdout", AUDIT, FILES, stdout="closed", error="standard output is closed; give -o/--output"
    ),
    Attack(
        "closed-stdout-trend", ["trend", "--history", "h.db"], FILES, stdout="closed", error="standard output"
    ),
    Attack("closed-stdout-with-output", [*AUDIT, "-o", "r.txt"], FILES, 1, ["r.txt"], stdout="closed"),
    # Commands whose output is all they do: printing into nothing is no success.
    *(
        Attack(f"closed-stdout-rules-{words[0]}", ["rules", *words], FILES, stdout="closed", error=error)
        for words, error in [
            (["list"], "'veracity rules list > out.txt'"),
            (["explain", "email"], "'veracity rules explain > out.txt'"),
            (["show", "rules.yaml"], "'veracity rules show > out.txt'"),
            (["packs"], "'veracity rules packs > out.txt'"),
        ]
    ),
    # rules check answers with its exit code; its "OK" line is a courtesy.
    Attack("closed-stdout-rules-check", ["rules", "check", "rules.yaml"], FILES, 0, stdout="closed"),
    Attack(
        "closed-stdin-read",
        ["audit", "-r", "rules.yaml", "-"],
        FILES,
        stdin="closed",
        error="which is closed",
    ),
    Attack("closed-stdin-unused", AUDIT, FILES, exit_code=1, stdin="closed"),
    # `2>&-`: nobody reads the messages, but the run ends as it would with them read.
    Attack("closed-stderr", AUDIT, FILES, exit_code=1, stderr="closed"),
    Attack("closed-stderr-with-output", [*AUDIT, "-o", "r.txt"], FILES, 1, ["r.txt"], stderr="closed"),
    Attack(
        "closed-stderr-progress", [*AUDIT, "--progress", "-o", "r.txt"], FILES, 1, ["r.txt"], stderr="closed"
    ),
    Attack("closed-stderr-usage-error", [*AUDIT, "--no-such-flag"], FILES, stderr="closed"),
    Attack("closed-stderr-missing-data", ["audit", "-r", "rules.yaml", "gone.csv"], FILES, stderr="closed"),
    Attack(
        "closed-stderr-debug", ["audit", "-r", "rules.yaml", "gone.csv", "--debug"], FILES, stderr="closed"
    ),
    Attack(
        "closed-stderr-github-actions",
        AUDIT,
        FILES,
        1,
        ["summary.md"],
        stderr="closed",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "summary.md"},
    ),
    Attack("closed-stdout-and-stderr", AUDIT, FILES, stdout="closed", stderr="closed"),
    Attack("closed-stderr-rules-check", ["rules", "check", "rules.yaml"], FILES, 0, stderr="closed"),
    Attack("stdin-data", ["audit", "-r", "rules.yaml", "-"], FILES, exit_code=1, stdin=DATA.encode()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_streams(case: Attack, tmp_path: Path) -> None:
    outcome = attack(case, tmp_path)
    if case.exit_code == 141:
        assert outcome.stderr == ""
