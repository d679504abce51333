"""Standard error off a terminal: a message written without rich reads exactly as rich's
console writes it (data-safe, no markup or emoji codes read, no wrapping)."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.cli._common import ErrConsole
from veracity.cli._consoles import StderrConsole


def _by_rich(*objects: str) -> str:
    buffer = io.StringIO()
    console = StderrConsole(file=buffer, highlight=False, markup=False, emoji=False, soft_wrap=True)
    console.print(*objects, markup=False)
    return buffer.getvalue()


def _plain(*objects: str) -> str:
    buffer = io.StringIO()
    console = ErrConsole()
    with contextlib.redirect_stderr(buffer):
        console.print(*objects, markup=False)
    assert console._console is None  # rich was not asked
    return buffer.getvalue()


@pytest.mark.parametrize(
    "message",
    [
        "Report written to /tmp/report.json",
        "Warning: rule e: [bold]x[/bold] :smile: in a file name",
        "tab\there, trailing spaces   ",
        "wide 漢字 text " * 20,
        "control \x1b[31m red \x07 bell, line\nbreak",
        "Error: a@example.org in a header; '+49 170 1234567' quoted",
        "",
    ],
)
def test_a_message_reads_as_rich_writes_it(message: str) -> None:
    assert _plain(message) == _by_rich(message)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=3))
def test_any_text_reads_as_rich_writes_it(objects: list[str]) -> None:
    assert _plain(*objects) == _by_rich(*objects)


def test_on_a_terminal_rich_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a progress display may be live, rich's console prints the message above it."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    console = ErrConsole()
    assert console.is_terminal
    assert isinstance(console.console, StderrConsole)
