"""A run that ends in exit 2 leaves no output behind, complete or partial, and no temporary file."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.attacks.harness import DATA, RULES, Attack, attack, failing_records

FILES = {"rules.yaml": RULES, "data.csv": DATA}
AUDIT = ["audit", "-r", "rules.yaml", "data.csv", "-o", "r.txt", "--findings", "f.csv"]
#: Enough failing records that their findings overflow a small file system.
MANY = failing_records(3000)


def full_device(workdir: Path) -> None:
    (workdir / "full.csv").symlink_to("/dev/full")


def directory(workdir: Path) -> None:
    (workdir / "sub").mkdir()


FAILING = [
    Attack(
        "damaged-history-store",
        [*AUDIT, "--history", "--history-db", "broken.db"],
        {**FILES, "broken.db": b"\x00garbage" * 500},
        error="history store broken.db cannot be used",
    ),
    Attack(
        "duplicates-without-its-rule", [*AUDIT, "--duplicates", "d.csv"], FILES, error="check: duplicates"
    ),
    Attack(
        "lineage-into-a-directory",
        [*AUDIT, "--openlineage", "sub"],
        FILES,
        prepare=directory,
        error="directory",
    ),
    Attack(
        "lineage-in-missing-directory",
        [*AUDIT, "--openlineage", "no/l.ndjson"],
        FILES,
        error="does not exist",
    ),
    Attack(
        "report-on-a-full-device",
        [*AUDIT[:-4], "--findings", "f.csv", "-o", "/dev/full"],
        FILES,
        error="space",
    ),
    Attack(
        "findings-on-a-full-device",
        [*AUDIT[:-2], "--findings", "full.csv"],
        FILES,
        prepare=full_device,
        error="cannot write full.csv: no space left",
    ),
    Attack(
        "chunked-report-on-a-full-device",
        [
            "audit",
            "-r",
            "rules.yaml",
            "data.csv",
            "--chunk-rows",
            "1000",
            "--findings",
            "f.csv",
            "-o",
            "/dev/full",
        ],
        {**FILES, "data.csv": MANY},
        error="-o/--output another file system",
    ),
    Attack(
        "summary-in-missing-directory",
        AUDIT,
        FILES,
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "gone/summary.md"},
        error="GITHUB_STEP_SUMMARY",
    ),
    Attack("unknown-segment-field", [*AUDIT, "--by", "nope"], FILES, error="segment field 'nope'"),
    Attack(
        "chunked-unknown-segment", [*AUDIT, "--by", "nope", "--chunk-rows", "1000"], FILES, error="segment"
    ),
    Attack(
        "rule-on-a-missing-field",
        AUDIT,
        {**FILES, "rules.yaml": RULES.replace("field: name", "field: nickname")},
        error="nickname",
    ),
]


@pytest.mark.parametrize("case", FAILING, ids=lambda case: case.id)
def test_a_refused_run_writes_nothing(case: Attack, tmp_path: Path) -> None:
    attack(case, tmp_path)


@pytest.fixture
def mount_tmpfs() -> Iterator[Callable[[Path, str], None]]:
    """Mount a small tmpfs (root only; skipped where mounting is not allowed)."""
    mounted: list[Path] = []

    def mount(point: Path, options: str) -> None:
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip("needs permission to mount a tmpfs")
        mounted.append(point)

    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], check=False)


@pytest.mark.parametrize(
    ("outputs", "chunked", "error"),
    [
        (["--findings", "full/f.csv", "-o", "r.txt"], False, "cannot write full/f.csv: no space left"),
        (
            ["--findings", "full/f.parquet", "-o", "r.txt"],
            False,
            "cannot write full/f.parquet: no space left",
        ),
        (["--findings", "full/f.csv", "-o", "r.txt"], True, "--findings another file system"),
        (["-o", "ro/r.txt", "--findings", "f.csv"], False, "directory ro is read-only"),
        (["--history", "--history-db", "ro/h.db", "-o", "r.txt"], False, "directory ro is read-only"),
    ],
    ids=["findings-csv", "findings-parquet", "chunked-findings", "read-only-report", "read-only-history"],
)
def test_full_and_read_only_file_systems_are_one_error_line(
    outputs: list[str], chunked: bool, error: str, tmp_path: Path, mount_tmpfs: Callable[[Path, str], None]
) -> None:
    def prepare(workdir: Path) -> None:
        mount_tmpfs(workdir / "full", "size=4k")
        mount_tmpfs(workdir / "ro", "ro,size=64k")

    args = ["audit", "-r", "rules.yaml", "data.csv", *outputs, *(["--chunk-rows", "1000"] if chunked else [])]
    attack(Attack("file-system", args, {**FILES, "data.csv": MANY}, prepare=prepare, error=error), tmp_path)
