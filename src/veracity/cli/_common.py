"""What every command shares: consoles, the error boundary, and option parsing helpers."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from veracity.errors import UsageError, VeracityError

T = TypeVar("T")

#: Progress, warnings and errors; stdout carries only the report.
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_ERROR = 2


def fail(message: str) -> NoReturn:
    err_console.print(f"Error: {message}", markup=False, highlight=False)
    raise typer.Exit(EXIT_ERROR)


@contextmanager
def error_boundary(debug: bool) -> Iterator[None]:
    """Turn errors into one ``Error:`` line and exit code 2; ``--debug`` shows the traceback.

    Unexpected exceptions say only their type: their text can carry values from the data.
    """
    try:
        yield
    except typer.Exit:
        raise
    except VeracityError as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print("Interrupted; nothing was written.")
        raise typer.Exit(130) from None
    except MemoryError:
        fail("out of memory; audit fewer or smaller files at once")
    except Exception as exc:
        _record_internal_error(exc)
        if debug:
            traceback.print_exc(file=sys.stderr)
        fail(
            f"internal error ({type(exc).__name__}); rerun with --debug for the details "
            "and report it with the rule file (the traceback can contain data values)"
        )


#: Set by the test suite: every internal error is appended to this file, so that a test that
#: reaches the internal-error path without expecting it fails, in-process or in a subprocess.
INTERNAL_ERROR_LOG = "VERACITY_INTERNAL_ERROR_LOG"


def _record_internal_error(exc: BaseException) -> None:
    log = os.environ.get(INTERNAL_ERROR_LOG)
    if not log:
        return
    try:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{type(exc).__name__}\n")
    except OSError:
        pass


def parse_as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--as-of: '{value}' is not a date; use YYYY-MM-DD, e.g. --as-of 2024-06-30"
        ) from None


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def run(debug: bool, action: Callable[[], T]) -> T:
    with error_boundary(debug):
        return action()
    raise AssertionError("unreachable")  # pragma: no cover
