"""The progress display: only on a terminal, and only for work that takes a while."""

from __future__ import annotations

import io
import time

from rich.console import Console

from veracity.cli._progress import StageProgress


def test_silent_off_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False)
    with StageProgress(console, enabled=True, delay=0.0) as stage:
        stage("checking rules")
        time.sleep(0.2)
    assert buffer.getvalue() == ""


def test_quick_work_on_a_terminal_shows_nothing() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True)
    with StageProgress(console, enabled=True, delay=5.0) as stage:
        stage("checking rules")
    assert buffer.getvalue() == ""


def test_slow_work_on_a_terminal_shows_the_stage() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80)
    with StageProgress(console, enabled=True, delay=0.0) as stage:
        stage("checking rules")
        time.sleep(0.5)
    assert "checking rules" in buffer.getvalue()
