"""The attack-suite harness: run ``veracity`` as a user's shell would, then check the house rules.

Each attack is an :class:`Attack`: the command line (without ``veracity``), the files to create
in an empty working directory, the exit code it must end with, and what must hold afterwards.
:func:`attack` runs it as a subprocess (``python -m veracity``, so the real entry point, exit
path and interpreter shutdown are exercised) and asserts:

- the exit code (one value or several accepted ones);
- stderr has exactly one line starting ``Error:`` when the exit code is 2, none otherwise
  (``error_lines`` overrides the count), containing ``error`` when given; never ``Traceback``
  nor ``internal error`` on either stream;
- the files the run created are exactly ``outputs`` (relative paths; their parent directories
  are implied): none on failure, so no partial reports and no stray temporary files;
- every file present before the run (inputs, rule files, pre-existing outputs) is
  byte-identical afterwards, except those listed in ``replaced``, which a successful run may
  replace; a symbolic link must still name the same file;
- no ``planted`` string (values from the data, which are personal) appears in stdout, stderr
  or any file the run created or replaced.

Streams can be attacked too: ``stdin``/``stdout``/``stderr`` may be ``"closed"`` (the descriptor
is closed before ``exec``, as ``<&-``, ``>&-`` and ``2>&-`` do; with stderr closed no ``Error:``
line can be seen, so none is expected) and stdout may be ``"broken"`` (a pipe whose reader
has gone, as in ``| head -0``). ``prepare`` runs after the files are written (links, modes);
``interrupt`` sends a signal once its condition holds on the working directory (or after a
delay), for clean-up on signals.

A module of attacks builds a table of cases and parametrizes one test over it::

    CASES = [Attack("report-over-data", ["-r", "r.yaml", "d.csv", "-o", "d.csv"], files=..., exit_code=2)]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_outputs_never_replace_inputs(case: Attack, tmp_path: Path) -> None:
        attack(case, tmp_path)

:data:`RULES`, :data:`DATA` and :data:`PLANTED` are a small failing audit whose data values are
planted, for attacks that need nothing special.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "DATA",
    "PLANTED",
    "RULES",
    "Attack",
    "Interrupt",
    "Outcome",
    "attack",
    "failing_records",
    "run",
    "snapshot",
]

#: Values in :data:`DATA` that fail a rule, so every report and findings file is about them.
PLANTED = ("zelda.planted@@example.org", "+49 151 2345 6789x", "Quirinus-Planted")

RULES = (
    "version: 1\n"
    "key: id\n"
    "rules:\n"
    "  - {id: email-valid, check: email, field: email}\n"
    "  - {id: phone-valid, check: phone, field: phone, default_region: DE}\n"
    "  - {id: name-short, check: length, field: name, max: 8}\n"
)

DATA = (
    "id,email,phone,name\n"
    "1,ann@example.com,+49 30 1234567,Ann\n"
    f"2,{PLANTED[0]},{PLANTED[1]},{PLANTED[2]}\n"
    "3,bob@example.org,+49 40 7654321,Bob\n"
)


def failing_records(count: int) -> str:
    """:data:`DATA`'s header and ``count`` records whose every value fails a rule of :data:`RULES`
    (for attacks that need many findings: a filling disk, a chunked run to interrupt)."""
    return "id,email,phone,name\n" + "".join(f"{i},{','.join(PLANTED)}\n" for i in range(count))


Stream = Literal["pipe", "closed", "broken"]


@dataclass(frozen=True)
class Interrupt:
    """Send ``signum`` once ``ready(workdir)`` is true (polled), or after ``ready`` seconds."""

    signum: int
    ready: Callable[[Path], bool] | float
    deadline: float = 60.0


@dataclass(frozen=True)
class Attack:
    id: str
    args: Sequence[str]
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    exit_code: int | tuple[int, ...] = 2
    outputs: Sequence[str] = ()
    replaced: Sequence[str] = ()
    planted: Sequence[str] = PLANTED
    error: str | None = None
    error_lines: int | None = None
    stdin: bytes | Literal["closed"] | None = None
    stdout: Stream = "pipe"
    stderr: Literal["pipe", "closed"] = "pipe"
    #: Append standard output to this file of the working directory instead (``>> FILE``).
    stdout_to: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None
    interrupt: Interrupt | None = None
    timeout: float = 120.0


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    workdir: Path


def snapshot(directory: Path) -> dict[str, str]:
    """Every file, directory and link under ``directory`` (hidden ones included) -> a digest."""
    tree: dict[str, str] = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs:
            path = Path(root, name)
            tree[str(path.relative_to(directory))] = _digest(path) if path.is_symlink() else "<dir>"
        for name in files:
            path = Path(root, name)
            tree[str(path.relative_to(directory))] = _digest(path)
    return tree


def _digest(path: Path) -> str:
    if path.is_symlink():
        # The link itself; the file it names is compared under its own name.
        return f"->{os.readlink(path)}"
    try:
        if not path.is_file():
            return "<special>"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"<unreadable {exc.errno}>"


def run(case: Attack, workdir: Path) -> Outcome:
    """Run ``veracity`` for ``case`` in ``workdir`` (files already there); no assertions."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "OPENLINEAGE_", "VERACITY_HISTORY"))
    }
    env.update({"NO_COLOR": "1", "COLUMNS": "120", "PYTHONUNBUFFERED": "1", **case.env})
    command = [sys.executable, "-m", "veracity", *case.args]
    closed = [
        fd
        for fd, stream in enumerate((case.stdin, case.stdout, case.stderr))
        if isinstance(stream, str) and stream == "closed"
    ]

    def close_streams() -> None:
        for fd in closed:
            os.close(fd)

    read_end, write_end = os.pipe() if case.stdout == "broken" else (-1, -1)
    appended = open(workdir / case.stdout_to, "ab") if case.stdout_to else None  # noqa: SIM115
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdin=subprocess.PIPE if isinstance(case.stdin, bytes) else subprocess.DEVNULL,
        stdout=appended or (write_end if case.stdout == "broken" else subprocess.PIPE),
        stderr=subprocess.PIPE,
        preexec_fn=close_streams if closed else None,
    )
    if appended is not None:
        appended.close()
    if case.stdout == "broken":
        # The reader is gone before the first write: every write to stdout meets EPIPE.
        os.close(read_end)
        os.close(write_end)
    if case.interrupt is not None:
        _interrupt(process, case.interrupt, workdir)
    try:
        out, err = process.communicate(
            case.stdin if isinstance(case.stdin, bytes) else None, timeout=case.timeout
        )
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{case.id}: veracity {' '.join(case.args)} ran over {case.timeout} s") from None
    return Outcome(
        process.returncode,
        (out or b"").decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        workdir,
    )


def _interrupt(process: subprocess.Popen[bytes], interrupt: Interrupt, workdir: Path) -> None:
    if isinstance(interrupt.ready, float | int):
        time.sleep(interrupt.ready)
    else:
        deadline = time.monotonic() + interrupt.deadline
        while not interrupt.ready(workdir):
            if process.poll() is not None or time.monotonic() > deadline:
                return
            time.sleep(0.005)
    if process.poll() is None:
        process.send_signal(interrupt.signum)


def attack(case: Attack, tmp_path: Path) -> Outcome:
    """Run ``case`` in a fresh directory under ``tmp_path`` and assert the house rules."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    for name, content in case.files.items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    if case.prepare is not None:
        case.prepare(workdir)
    before = snapshot(workdir)
    outcome = run(case, workdir)
    after = snapshot(workdir)
    where = f"{case.id}: veracity {' '.join(case.args)}\n--- stdout:\n{outcome.stdout[-2000:]}\n--- stderr:\n{outcome.stderr[-4000:]}"

    accepted = case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)
    assert outcome.code in accepted, f"exit code {outcome.code}, expected {accepted}\n{where}"
    for stream in (outcome.stdout, outcome.stderr):
        assert "Traceback" not in stream, f"a traceback\n{where}"
        assert "internal error" not in stream, f"an internal error\n{where}"
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("Error:")]
    wanted = case.error_lines if case.error_lines is not None else int(outcome.code == 2)
    if case.stderr == "closed":
        wanted = 0
    assert len(errors) == wanted, f"{len(errors)} 'Error:' lines, expected {wanted}\n{where}"
    if case.error is not None:
        assert case.error in "".join(errors[:1]), f"the error line lacks {case.error!r}\n{where}"

    expected_new = set()
    for name in case.outputs:
        parts = Path(name).parts
        expected_new.update(str(Path(*parts[: i + 1])) for i in range(len(parts)))
    created = set(after) - set(before)
    assert created == expected_new - set(before), (
        f"created {sorted(created)}, expected {sorted(expected_new - set(before))}\n{where}"
    )
    for name, digest in before.items():
        if name in case.replaced and outcome.code in (0, 1):
            continue
        assert after.get(name) == digest, f"{name} was changed or removed\n{where}"

    written = [outcome.stdout.encode(), outcome.stderr.encode()]
    for name in created | {n for n in case.replaced if after.get(n) != before.get(n)}:
        path = workdir / name
        if path.is_file():
            written.append(path.read_bytes())
    for value in case.planted:
        for blob in written:
            assert value.encode() not in blob, f"the data value {value!r} leaked\n{where}"
    return outcome
