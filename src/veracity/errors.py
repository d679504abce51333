"""One exception hierarchy for everything a user can cause.

Every error a user can cause is a :class:`VeracityError`. The CLI prints it as a single
``Error: ...`` line and exits with code 2; the message says what is wrong, where, and how to
fix it. Messages never carry values from the data (they are personal data).

::

    VeracityError
    ├── UsageError            bad command-line arguments (a date that is not a date, ...)
    ├── RuleFileError         the rule file: YAML syntax, unknown keys, wrong types, bad regex/SQL
    │                         (carries file, line and column of the offending YAML node)
    ├── SourceError           an input file: missing, unreadable, unknown format, bad encoding,
    │   │                     empty, header only, ragged rows, duplicate column names
    │   └── FieldError        a rule names a field that no source provides
    └── LimitError            a safety cap would be exceeded (e.g. too many candidate pairs)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FieldError",
    "LimitError",
    "Location",
    "RuleFileError",
    "SourceError",
    "UsageError",
    "VeracityError",
]


class VeracityError(Exception):
    """Base class: an error the user can fix. ``str(error)`` is the one line to print."""


class UsageError(VeracityError):
    """Command-line arguments that cannot be used as given."""


@dataclass(frozen=True)
class Location:
    """A place in a text file, 1-based, as editors show it."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class RuleFileError(VeracityError):
    """A rule file that cannot be used; the message starts with ``file:line:col:``.

    ``problems`` lists every problem found in one run (one, itself, unless built with
    :meth:`collected`), each with its own location, sorted by position in the file.
    """

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location
        self.detail = message
        self.problems: tuple[RuleFileError, ...] = (self,)
        super().__init__(f"{location}: {message}" if location else message)
        #: The first line: the whole message for one problem, the count for several.
        self.summary = str(self)

    @classmethod
    def collected(cls, file: str, problems: list[RuleFileError]) -> RuleFileError:
        """One error for all ``problems``: the first line counts them, then one indented
        ``file:line:col: ...`` line each. A single problem stays its own one-line error."""
        if len(problems) == 1:
            return problems[0]
        error = cls(f"{len(problems)} problems in the rule file, one per line below", Location(file))
        error.problems = tuple(problems)
        error.args = (error.summary + "".join(f"\n  {problem}" for problem in problems),)
        return error


class SourceError(VeracityError):
    """An input that cannot be read as data."""


class FieldError(SourceError):
    """A rule refers to a field that none of the sources provides.

    ``problems`` lists every such reference found in one run (one line each); ``summary`` is
    the first line of the message, which counts them when there are several.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.summary = message
        self.problems: tuple[str, ...] = (message,)

    @classmethod
    def collected(cls, file: str | None, problems: list[str]) -> FieldError:
        """One error for all ``problems`` (a single one stays its own one-line error)."""
        if len(problems) == 1:
            return cls(problems[0])
        where = f"{file}: " if file else ""
        error = cls(
            f"{where}{len(problems)} references to fields that no source provides, one per line below"
        )
        error.problems = tuple(problems)
        error.args = (error.summary + "".join(f"\n  {problem}" for problem in problems),)
        return error


class LimitError(VeracityError):
    """A configured safety limit would be exceeded."""
