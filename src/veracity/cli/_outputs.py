"""Where a command will write, checked before any work: outputs never land on inputs nor on
each other, and their directories take new files.

A report written over the data file or the rule file destroys what the user audits, and two
outputs on one path leave only the last; both look like success. Paths are compared by what
they are, not how they are spelled: the resolved path, and (device, inode) for files that exist,
which catches hard links and symbolic links. Devices and pipes (``/dev/null``, ``/dev/stdout``
into a pipe) are never "the same file" as anything: they are written in place.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from veracity.errors import UsageError

__all__ = [
    "Input",
    "Output",
    "check_outputs",
    "check_stdout",
    "identity",
    "report_path",
    "same_file",
    "stdout_identity",
]

Identity = tuple[int, int] | Path


@dataclass(frozen=True)
class Input:
    what: str  # "data file", "rule file"
    path: Path


@dataclass(frozen=True)
class Output:
    option: str  # the flag, or the environment variable, that names it
    path: Path
    #: Whether its writer has checked the directory already (the history store creates its own).
    directory_checked: bool = False


def report_path(output: Path | None) -> Path | None:
    """``-o``'s path, None for standard output: ``-o -`` names it, as ``-`` names standard input
    among the data files (a file called ``-`` would surprise everybody who typed it)."""
    return None if output is not None and str(output) == "-" else output


def identity(path: Path) -> Identity | None:
    """(device, inode) of an existing regular file, the resolved path of one yet to be created,
    None for devices, pipes and sockets."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return path.resolve()
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return (info.st_dev, info.st_ino)
    return None


def stdout_identity() -> Identity | None:
    """(device, inode) of the file standard output is redirected to, if it is a regular file."""
    try:
        info = os.fstat(sys.__stdout__.fileno()) if sys.__stdout__ is not None else None
    except (OSError, ValueError):
        return None
    if info is None or not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino)


def same_file(a: Path, b: Path) -> bool:
    first = identity(a)
    return first is not None and first == identity(b)


def check_outputs(outputs: Sequence[Output], inputs: Sequence[Input]) -> None:
    """Refuse, with a :class:`UsageError`, any output that is an input or another output, or
    whose directory does not exist or is read-only. Changes nothing on disk."""
    known = [(identity(item.path), item) for item in inputs]
    seen: list[tuple[Identity, Output]] = []
    for output in outputs:
        mine = identity(output.path)
        if mine is None:
            _check_device(output)
            continue
        for theirs, item in known:
            if theirs == mine:
                raise UsageError(
                    f"{output.option} {output.path} is the {item.what} {item.path}: writing there would "
                    f"destroy it; give {output.option} another path"
                )
        for theirs, other in seen:
            if theirs == mine:
                raise UsageError(
                    f"{output.option} {output.path} is the same file as {other.option} {other.path}: "
                    "one would overwrite the other; give each output its own path"
                )
        if not output.directory_checked:
            _check_directory(output)
        seen.append((mine, output))


def check_stdout(inputs: Sequence[Input]) -> None:
    """Refuse a report on standard output when that is redirected into an input (``>> data.csv``)."""
    mine = stdout_identity()
    for item in inputs:
        if mine is not None and identity(item.path) == mine:
            raise UsageError(
                f"standard output is redirected to the {item.what} {item.path}: the report would "
                "destroy it; redirect it elsewhere or give -o/--output a path"
            )


def _check_directory(output: Output) -> None:
    path, option = output.path, output.option
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory; give a file path")
    directory = path.parent
    if not directory.exists():
        raise UsageError(
            f"{option}: cannot write {path}: directory {directory} does not exist; create it first"
        )
    if not directory.is_dir():
        raise UsageError(f"{option}: cannot write {path}: {directory} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option}: cannot write {path}: directory {directory} is read-only; give {option} a writable directory"
        )


def _check_device(output: Output) -> None:
    if not os.access(output.path, os.W_OK):
        raise UsageError(
            f"{output.option}: cannot write {output.path}: permission denied; give {output.option} another path"
        )
