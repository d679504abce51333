"""Run ``veracity audit`` as a separate process on files in a directory, and judge a refusal.

A process of its own, not CliRunner: some inputs end the process itself (a Rust panic aborts
the interpreter), others need real descriptors (a closed standard input, a terminal, a pipe).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

RULES = "version: 1\nrules:\n  - {id: a-present, check: not_null, field: a}\n"
OUTPUTS = ("out.json", "findings.csv")


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error:")]


def run_audit(
    directory: Path,
    paths: list[str],
    *extra: str,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    input_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
    close_stdin: bool = False,
    timeout: float = 60,
) -> Outcome:
    """``veracity audit -r r.yaml PATHS -o out.json --findings findings.csv EXTRA`` in ``directory``
    (prepared with :func:`prepare`)."""
    command = [sys.executable, "-m", "veracity", "audit", "--no-progress", "-r", "r.yaml", *paths]
    command += ["-o", OUTPUTS[0], "--findings", OUTPUTS[1], *extra]
    if close_stdin:
        command = ["sh", "-c", 'exec "$@" <&-', "sh", *command]
    done = subprocess.run(
        command,
        cwd=directory,
        stdin=None if input_bytes is not None else stdin,
        input=input_bytes,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
    return Outcome(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def prepare(directory: Path) -> dict[str, str]:
    """Write the rule file into ``directory``; return the fingerprints of its inputs."""
    (directory / "r.yaml").write_text(RULES, encoding="utf-8")
    return fingerprints(directory)


def fingerprints(directory: Path) -> dict[str, str]:
    """SHA-256 of every regular file under ``directory`` (links and special files are skipped)."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.is_symlink() and path.name not in OUTPUTS
    }


def assert_refused(outcome: Outcome, directory: Path, before: dict[str, str]) -> str:
    """Exit code 2, one ``Error:`` line, no traceback, no output written, inputs unchanged;
    returns the error line."""
    assert outcome.code == 2, (outcome.code, outcome.stderr[-2000:])
    assert len(outcome.error_lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert "internal error" not in outcome.stderr
    assert [name for name in OUTPUTS if (directory / name).exists()] == []
    assert fingerprints(directory) == before
    return outcome.error_lines[0]
