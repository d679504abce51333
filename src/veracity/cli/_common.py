"""What every command shares: consoles, the error boundary, and option parsing helpers."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from veracity._atomic import remove_leftovers, written_any
from veracity.errors import FieldError, RuleFileError, UsageError, VeracityError
from veracity.safetext import error_text, scrub_message

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


class ErrConsole:
    """Standard error: progress, warnings and errors (stdout carries only the report).

    Messages are plain text, data-safe (:func:`veracity.safetext.error_text`: control
    characters as escapes, no e-mail address or phone number a file or header name smuggled
    in). Off a terminal a message is written as rich would write it (no markup, emoji codes or
    highlighting are read from it, no wrapping), without importing rich: a run that prints a
    JSON report and a line to standard error needs no layout engine. On a terminal, and for
    anything but plain strings, rich's console prints (:class:`veracity.cli._consoles.
    StderrConsole`), so that messages appear above a live progress display."""

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """rich's console for standard error, made on first use."""
        if self._console is None:
            from veracity.cli._consoles import StderrConsole

            self._console = StderrConsole(
                stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True
            )
        return self._console

    @property
    def is_terminal(self) -> bool:
        """Whether standard error is a terminal, as rich decides it (``FORCE_COLOR`` and
        ``TTY_COMPATIBLE`` make one of any stream); without those settings and a terminal
        rich is not asked."""
        if self._console is None and not _terminal_settings() and not _isatty(sys.stderr):
            return False
        return self.console.is_terminal

    def print(self, *objects: Any, **kwargs: Any) -> None:
        plain = all(isinstance(o, str) for o in objects) and set(kwargs) <= {"markup", "highlight", "emoji"}
        if not plain or self.is_terminal:
            self.console.print(*objects, **kwargs)
            return
        try:
            sys.stderr.write(" ".join(error_text(o) for o in objects) + "\n")
            sys.stderr.flush()
        except BrokenPipeError:
            self.console.on_broken_pipe()  # as rich ends a write to a reader that has gone


def _terminal_settings() -> bool:
    return "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


#: Progress, warnings and errors; stdout carries only the report.
err_console = ErrConsole()


EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_ERROR = 2


def fail(message: str, details: Sequence[str] = ()) -> NoReturn:
    """One ``Error:`` line, then any ``details`` indented below it (one problem each)."""
    err_console.print(f"Error: {message}")
    for detail in details:
        err_console.print(f"  {detail}")
    raise typer.Exit(EXIT_ERROR)


def require_stdout(command: str) -> None:
    """End a command whose output is all it does when standard output was closed (``>&-``):
    printing into nothing and exiting 0 would pass for success."""
    if sys.stdout is None:
        fail(f"standard output is closed; send it to a file, e.g. 'veracity {command} > out.txt'")


def print_debug_traceback(exc: BaseException) -> None:
    """The traceback for ``--debug``: code locations and exception types, not data.

    Exception messages (polars and other libraries quote the values they fail on) go through
    :func:`veracity.safetext.scrub_message`; local variables are never shown.
    """
    sys.stderr.write("".join(_scrubbed_traceback(exc, set())))
    sys.stderr.flush()


def _scrubbed_traceback(exc: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(exc))
    lines: list[str] = []
    if exc.__cause__ is not None and id(exc.__cause__) not in seen:
        lines += _scrubbed_traceback(exc.__cause__, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif exc.__context__ is not None and not exc.__suppress_context__ and id(exc.__context__) not in seen:
        lines += _scrubbed_traceback(exc.__context__, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_list(traceback.extract_tb(exc.__traceback__))
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ in ("builtins", "__main__")
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    message = scrub_message(str(exc))
    lines.append(f"{name}: {message}\n" if message else f"{name}\n")
    lines += [f"{scrub_message(str(note))}\n" for note in getattr(exc, "__notes__", ())]
    return lines


@contextmanager
def error_boundary(debug: bool) -> Iterator[None]:
    """Turn errors into one ``Error:`` line and exit code 2; ``--debug`` shows the traceback.

    Unexpected exceptions say only their type: their text can carry values from the data;
    ``--debug`` adds the traceback with exception messages scrubbed of values.
    """
    try:
        yield
    except typer.Exit:
        _end_if_signalled()
        raise
    except VeracityError as exc:
        _end_if_signalled()
        if debug:
            print_debug_traceback(exc)
        if isinstance(exc, RuleFileError | FieldError) and len(exc.problems) > 1:
            fail(exc.summary, [str(problem) for problem in exc.problems])
        fail(str(exc))
    except KeyboardInterrupt as exc:
        end_interrupted(exc)
    except MemoryError:
        fail("out of memory; audit fewer or smaller files at once")
    except BrokenPipeError:
        raise  # the reader of standard output has gone: the command group ends the run quietly
    except Exception as exc:
        _end_if_signalled()
        _record_internal_error(exc)
        if debug:
            print_debug_traceback(exc)
        fail(
            f"internal error ({type(exc).__name__}); rerun with --debug for the details "
            "and report it with the rule file (the traceback can contain data values)"
        )
    else:
        # A signal whose interrupt was swallowed and did not even fail the call ends the run too.
        _end_if_signalled()


class Interrupted(KeyboardInterrupt):
    """A termination signal (SIGINT, SIGTERM) ending the run the way Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: The termination signal the run received, once it has one. The :class:`Interrupted` a signal
#: handler raises can land inside a call from compiled code back into Python (polars asking a
#: data type's hash), where it cannot propagate: Python reports it as unraisable and the call
#: fails with some other error, or not at all. Whatever follows is then the interrupt's doing.
_signalled: list[int] = []


def note_signal(signum: int) -> None:
    """Record that ``signum`` arrived (the signal handler does, before raising)."""
    _signalled.append(signum)


#: Set once the run ends as interrupted: a signal sent again meanwhile must not cut it short.
_ending: list[bool] = []


def ending() -> bool:
    """Whether the run is already ending as interrupted (its clean-up running)."""
    return bool(_ending)


def swallowed_interrupt(unraisable: Any) -> bool:
    """Whether an unraisable exception is the interrupt, swallowed where it landed (nothing to
    report: the run ends as interrupted once control is back)."""
    return isinstance(unraisable.exc_value, Interrupted)


def _end_if_signalled() -> None:
    if _signalled:
        end_interrupted(Interrupted(_signalled[0]))


def end_interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """One line and exit 128 + the signal's number, once the temporary files are gone."""
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    # Ended once: an enclosing boundary sees the exit, not the signal again.
    _signalled.clear()
    _ending.append(True)
    remove_leftovers()
    done = "the outputs already in place are complete" if written_any() else "nothing was written"
    err_console.print(f"Interrupted by {signal.Signals(signum).name}; {done}.", markup=False)
    raise typer.Exit(128 + signum) from None


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
