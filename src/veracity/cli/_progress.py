"""A progress display on stderr that only appears for work that takes longer than a second."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING

from veracity.cli._common import ErrConsole

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


class StageProgress:
    """Shows the current stage of an audit; silent off a terminal and for quick runs.

    rich's progress display is imported only where it can appear (enabled, on a terminal):
    ``--no-progress`` and a run whose standard error is a file or a pipe do without it."""

    def __init__(self, console: Console | ErrConsole, *, enabled: bool, delay: float = 1.0) -> None:
        self._progress: Progress | None = None
        if enabled and console.is_terminal:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console.console if isinstance(console, ErrConsole) else console,
                transient=True,
            )
            self._task = self._progress.add_task("starting", total=None)
        self._started = threading.Event()
        self._timer = threading.Timer(delay, self._start)
        self._timer.daemon = True

    def _start(self) -> None:
        assert self._progress is not None  # the timer runs only for a display
        self._started.set()
        self._progress.start()

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        # Stopping a display that never started would still print a newline.
        if self._progress is not None and self._started.is_set():
            self._progress.stop()

    def __call__(self, stage: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=stage)
