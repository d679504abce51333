"""Inside GitHub Actions the Markdown report reaches the job summary exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.harness import DATA, RULES, Attack, attack

FILES = {"rules.yaml": RULES, "data.csv": DATA}
ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "summary.md"}
AUDIT = ["audit", "-r", "rules.yaml", "data.csv", "-f", "markdown"]
TITLE = "Data quality: "


@pytest.mark.parametrize(
    ("case", "in_summary"),
    [
        (
            Attack(
                "readme-redirect",
                AUDIT,
                FILES,
                1,
                outputs=["summary.md"],
                env=ACTIONS,
                stdout_to="summary.md",
            ),
            1,
        ),
        (
            Attack(
                "output-is-summary",
                [*AUDIT, "-o", "summary.md"],
                FILES,
                1,
                outputs=["summary.md"],
                env=ACTIONS,
            ),
            1,
        ),
        (
            Attack(
                "linked-summary",
                [*AUDIT, "-o", "link.md"],
                {**FILES, "summary.md": ""},
                1,
                replaced=["summary.md"],
                env=ACTIONS,
                prepare=lambda w: (w / "link.md").symlink_to("summary.md"),
            ),
            1,
        ),
        (
            Attack(
                "report-elsewhere",
                [*AUDIT, "-o", "r.md"],
                FILES,
                1,
                outputs=["r.md", "summary.md"],
                env=ACTIONS,
            ),
            1,
        ),
        (Attack("report-on-a-pipe", AUDIT, FILES, 1, outputs=["summary.md"], env=ACTIONS), 1),
    ],
    ids=lambda value: value.id if isinstance(value, Attack) else "",
)
def test_the_summary_holds_the_report_once(case: Attack, in_summary: int, tmp_path: Path) -> None:
    outcome = attack(case, tmp_path)
    summary = (outcome.workdir / "summary.md").read_text(encoding="utf-8")
    assert sum(line.startswith("# ") and TITLE in line for line in summary.splitlines()) == in_summary, (
        summary
    )
