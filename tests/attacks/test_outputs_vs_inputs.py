"""No output lands on an input or on another output, however the path is spelled."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.attacks.harness import DATA, RULES, Attack, attack

FILES = {"rules.yaml": RULES, "data.csv": DATA}
AUDIT = ["audit", "-r", "rules.yaml", "data.csv"]
SOURCED_RULES = RULES.replace("key: id\n", "key: id\nsources: [{path: data.csv}]\n")


def hard_link(workdir: Path) -> None:
    os.link(workdir / "data.csv", workdir / "link.csv")


def symlinks(workdir: Path) -> None:
    (workdir / "alias.csv").symlink_to("data.csv")
    (workdir / "rules-alias.yaml").symlink_to(workdir / "rules.yaml")
    (workdir / "sub").mkdir()


def foreign_database(workdir: Path) -> None:
    with sqlite3.connect(workdir / "other-app.db") as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO customers (email) VALUES ('ann@example.com')")
    conn.close()


REFUSED = [
    Attack(
        "report-over-data", [*AUDIT, "-o", "data.csv"], FILES, error="-o/--output data.csv is the data file"
    ),
    Attack(
        "findings-over-data",
        [*AUDIT, "--findings", "data.csv"],
        FILES,
        error="--findings data.csv is the data",
    ),
    Attack(
        "lineage-over-data",
        [*AUDIT, "--openlineage", "data.csv"],
        FILES,
        error="--openlineage data.csv is the",
    ),
    Attack(
        "duplicates-over-data",
        [*AUDIT, "--duplicates", "data.csv"],
        FILES,
        error="--duplicates data.csv is the",
    ),
    Attack(
        "history-over-data",
        [*AUDIT, "--history", "--history-db", "data.csv"],
        FILES,
        error="is the data file",
    ),
    Attack("report-over-rules", [*AUDIT, "-o", "rules.yaml"], FILES, error="is the rule file rules.yaml"),
    Attack(
        "report-over-hard-link",
        [*AUDIT, "-o", "link.csv"],
        FILES,
        prepare=hard_link,
        error="is the data file",
    ),
    Attack(
        "report-over-symlink", [*AUDIT, "-o", "alias.csv"], FILES, prepare=symlinks, error="is the data file"
    ),
    Attack(
        "report-over-linked-rules",
        [*AUDIT, "-o", "rules-alias.yaml"],
        FILES,
        prepare=symlinks,
        error="rule file",
    ),
    Attack(
        "report-over-dotted-path",
        [*AUDIT, "-o", "sub/../data.csv"],
        FILES,
        prepare=symlinks,
        error="data file",
    ),
    Attack(
        "report-over-absolute-path",
        [*AUDIT, "-o", "/dev/null", "--findings", "data.csv"],
        FILES,
        error="data",
    ),
    Attack(
        "report-over-configured-source",
        ["audit", "-r", "rules.yaml", "-o", "data.csv"],
        {"rules.yaml": SOURCED_RULES, "data.csv": DATA},
        error="is the data file",
    ),
    Attack(
        "report-and-findings", [*AUDIT, "-o", "out.csv", "--findings", "out.csv"], FILES, error="same file"
    ),
    Attack(
        "findings-and-duplicates",
        [*AUDIT, "--findings", "f.csv", "--duplicates", "./f.csv"],
        FILES,
        error="same file",
    ),
    Attack(
        "report-and-history", [*AUDIT, "-o", "h.db", "--history", "--history-db", "h.db"], FILES, error="same"
    ),
    Attack(
        "foreign-history-database",
        [*AUDIT, "-o", "report.txt", "--history", "--history-db", "other-app.db"],
        FILES,
        prepare=foreign_database,
        error="not a veracity history store",
    ),
    Attack(
        "report-appended-to-data", AUDIT, FILES, stdout_to="data.csv", error="standard output is redirected"
    ),
    Attack(
        "trend-over-its-store",
        ["trend", "--history", "h.db", "-o", "./h.db"],
        {"h.db": b"not yet a store"},
        error="-o/--output h.db is the history store h.db",
    ),
    Attack("report-into-a-directory", [*AUDIT, "-o", "sub"], FILES, prepare=symlinks, error="is a directory"),
    Attack(
        "report-in-missing-directory",
        [*AUDIT, "-o", "nope/r.txt"],
        FILES,
        error="directory nope does not exist",
    ),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.id)
def test_an_output_on_an_input_or_another_output_is_refused_before_work(case: Attack, tmp_path: Path) -> None:
    attack(case, tmp_path)


WRITTEN = [
    Attack(
        "every-output",
        [
            *AUDIT,
            "-o",
            "r.json",
            "-f",
            "json",
            "--findings",
            "f.csv",
            "--openlineage",
            "l.ndjson",
            "--history",
            "--history-db",
            "h.db",
        ],
        FILES,
        exit_code=1,
        outputs=["r.json", "f.csv", "l.ndjson", "h.db"],
    ),
    Attack(
        "replaces-an-old-report",
        [*AUDIT, "-o", "r.txt"],
        {**FILES, "r.txt": "old"},
        exit_code=1,
        replaced=["r.txt"],
    ),
    Attack(
        "a-device-is-no-input",
        [*AUDIT, "-o", "/dev/null", "--findings", "null.csv"],
        FILES,
        exit_code=1,
        prepare=lambda workdir: (workdir / "null.csv").symlink_to(os.devnull),
    ),
]


@pytest.mark.parametrize("case", WRITTEN, ids=lambda case: case.id)
def test_distinct_outputs_are_written(case: Attack, tmp_path: Path) -> None:
    attack(case, tmp_path)
