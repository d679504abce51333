"""SIGINT and SIGTERM mid-run: exit 130 or 143 with one line, and no file left behind.

The chunked audit is signalled while it writes part files next to the findings file (the
moment that once left ``.f.csv.*.tmp`` and ``.parts/`` behind); each case runs a few times at
different moments, since the clean-up race showed in about one run in five.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.harness import RULES, Attack, Interrupt, attack, failing_records

#: Enough records for a hundred chunks of a thousand, each with findings to write.
MANY = failing_records(100_000)
CHUNKED = [
    "audit",
    "-r",
    "rules.yaml",
    "data.csv",
    "--chunk-rows",
    "1000",
    "--findings",
    "f.csv",
    "-o",
    "r.txt",
]


def parts_written(count: int) -> Callable[[Path], bool]:
    """True once the findings' part directory holds ``count`` part files."""

    def ready(workdir: Path) -> bool:
        return any(len(os.listdir(d)) >= count for d in workdir.glob(".f.csv.*.parts") if d.is_dir())

    return ready


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("parts", [1, 3, 8, 20, 40])
def test_a_signal_mid_chunked_run_leaves_nothing(signum: int, parts: int, tmp_path: Path) -> None:
    outcome = attack(
        Attack(
            "chunked",
            CHUNKED,
            {"rules.yaml": RULES, "data.csv": MANY},
            exit_code=128 + signum,
            error_lines=0,
            interrupt=Interrupt(signum, parts_written(parts)),
        ),
        tmp_path,
    )
    assert outcome.stderr.strip().splitlines() == [
        f"Interrupted by {signal.Signals(signum).name}; nothing was written."
    ]


def reading(fifo: str, held: list[int]) -> Callable[[Path], bool]:
    """True once a process has the named pipe ``fifo`` open for reading: the audit is running
    and waiting for its data. A writer's non-blocking open fails (ENXIO) until then; once it
    succeeds its descriptor is kept in ``held``, so the reader waits for data rather than
    meeting the end of the file."""

    def ready(workdir: Path) -> bool:
        try:
            held.append(os.open(workdir / fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            return False
        return True

    return ready


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: signal.Signals(s).name)
def test_a_signal_while_waiting_for_input_leaves_nothing(signum: int, tmp_path: Path) -> None:
    # A named pipe nobody writes to: the audit waits for its data until it is signalled. The
    # signal goes once the audit has opened the pipe, however long start-up takes on the machine.
    held: list[int] = []
    try:
        outcome = attack(
            Attack(
                "waiting",
                ["audit", "-r", "rules.yaml", "data.csv", "--findings", "f.csv", "-o", "r.txt", "--history"],
                {"rules.yaml": RULES},
                exit_code=128 + signum,
                error_lines=0,
                prepare=lambda workdir: os.mkfifo(workdir / "data.csv"),
                interrupt=Interrupt(signum, reading("data.csv", held)),
            ),
            tmp_path,
        )
    finally:
        for fd in held:
            os.close(fd)
    assert held, "the audit never opened its input"
    assert outcome.stderr.strip().endswith("nothing was written.")


# A signal's interrupt can land inside a call from polars' compiled code back into Python (a
# data type's hash): there it cannot propagate, Python reports it as unraisable ("Exception
# ignored in: 'DataTypeClass'" and a traceback) and the call fails with some other error, which
# the test above once met as "internal error (TypeError)" in about one run of hundreds.
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("then", ["a call fails", "a source error follows", "the run goes on"])
def test_an_interrupt_swallowed_by_compiled_code_still_ends_the_run_as_interrupted(
    signum: int, then: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from veracity.cli._common import error_boundary, note_signal
    from veracity.errors import SourceError

    def command() -> None:
        with error_boundary(debug=False):
            note_signal(signum)  # what the handler does before its interrupt is swallowed
            if then == "a call fails":
                raise TypeError("the call the interrupt landed in")
            if then == "a source error follows":
                raise SourceError("data.csv: cannot be read")

    with pytest.raises(typer.Exit) as ended:
        command()
    assert ended.value.exit_code == 128 + signum
    err = capsys.readouterr().err
    assert err.strip() == f"Interrupted by {signal.Signals(signum).name}; nothing was written."


def test_a_swallowed_interrupt_is_not_reported_and_its_signal_is_sent_again(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import threading
    from types import SimpleNamespace

    import veracity.cli
    from veracity.cli import _interrupted, _unraisable
    from veracity.cli._common import Interrupted

    def unraisable(exc: BaseException) -> SimpleNamespace:
        return SimpleNamespace(
            exc_type=type(exc), exc_value=exc, exc_traceback=None, err_msg=None, object="DataTypeClass"
        )

    sent = threading.Event()
    kills: list[tuple[int, int]] = []

    def kill(pid: int, signum: int) -> None:
        kills.append((pid, signum))
        sent.set()

    monkeypatch.setattr(veracity.cli.os, "kill", kill)
    before = signal.getsignal(signal.SIGTERM)
    try:
        _unraisable(unraisable(Interrupted(signal.SIGTERM)))
        # The run's handler is back for that signal, and the signal goes again.
        assert signal.getsignal(signal.SIGTERM) is _interrupted
        assert sent.wait(5)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert kills == [(os.getpid(), signal.SIGTERM)]
    assert capsys.readouterr().err == ""

    seen: list[object] = []
    monkeypatch.setattr(sys, "__unraisablehook__", seen.append)
    _unraisable(unraisable(ValueError("not ours")))
    assert [type(u.exc_value) for u in seen] == [ValueError]  # type: ignore[attr-defined]


SWALLOWING_RUN = """\
import os, signal, sys, time
import typer
from veracity.cli import _handle_termination
from veracity.cli._common import error_boundary

_handle_termination()


class Swallows:
    # An exception raised in __del__ cannot propagate either: Python reports it as unraisable,
    # as it does for one raised in a callback from compiled code.
    def __del__(self):
        os.kill(os.getpid(), signal.SIG{name})
        for _ in range(100_000):
            pass


try:
    with error_boundary(False):
        swallowed = Swallows()
        del swallowed
        time.sleep(600)  # a run that would wait on its input for ever
except typer.Exit as done:
    sys.exit(done.exit_code)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: signal.Signals(s).name)
def test_a_run_whose_interrupt_was_swallowed_does_not_wait_for_ever(signum: int, tmp_path: Path) -> None:
    import subprocess
    import sys

    name = signal.Signals(signum).name
    script = tmp_path / "run.py"
    script.write_text(SWALLOWING_RUN.replace("{name}", name.removeprefix("SIG")), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 128 + signum
    assert done.stderr.strip() == f"Interrupted by {name}; nothing was written."
