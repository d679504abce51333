"""rich's consoles for the command line, imported when something is printed with rich: the
standard error console once standard error is a terminal (or a message is not plain text), the
standard output console by the commands that print rich tables and Markdown."""

from __future__ import annotations

import errno
import os
from typing import Any

from rich.console import Console

from veracity.safetext import error_text


class StderrConsole(Console):
    """A console whose printed strings are data-safe: file, header and field names reach
    warnings and errors, so no markup, emoji codes (``:smile:`` in a file name) or highlighting
    is read from them, and control characters are shown as escapes, never sent raw."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.update(markup=False, emoji=False, highlight=False)
        super().print(*(error_text(o) if isinstance(o, str) else o for o in objects), **kwargs)


class StdoutConsole(Console):
    """Standard output for commands that print with rich. A reader that has gone (``| head -1``)
    raises BrokenPipeError, which the command group turns into the quiet exit 141; rich's own
    handling would exit 1, the code of a failed quality gate."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
