"""Write output files so that they are either complete or untouched.

Reports and findings files are read by other tools (CI artefacts, BI loaders, scheduled
jobs). A crash or an exception half-way through a write must never leave a truncated file for
them to pick up, nor destroy the previous good one: everything is written to a temporary file in
the target's directory and moved onto the target with :func:`os.replace`, which is atomic on
POSIX and Windows as long as both names are on the same file system (hence the same directory).

A command that writes several files (a report, a findings file, lineage events) runs its writes
inside :func:`all_or_nothing`: every :func:`atomic_path` in it keeps its temporary file until the
whole block has completed, then all of them are renamed together, so a failure half-way through
leaves none of the outputs behind. Every temporary file and directory is also registered until it
is renamed or removed, and :func:`remove_leftovers` (run at exit, and by the CLI on a signal)
removes what an interrupted clean-up left.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path

from veracity.errors import UsageError

__all__ = [
    "all_or_nothing",
    "atomic_path",
    "atomic_write",
    "remove_leftovers",
    "temporary_directory",
    "written_any",
]

StrPath = str | os.PathLike[str]

#: Temporary files and directories that are neither renamed into place nor removed yet.
_LEFTOVERS: set[Path] = set()
_LEFTOVERS_LOCK = threading.Lock()
#: Whether any output has been renamed into place in this process (for the interrupt message).
_WRITTEN = threading.Event()


class _Group:
    """The outputs of one :func:`all_or_nothing` block: temporary files waiting to be renamed."""

    def __init__(self, options: Mapping[Path, str]) -> None:
        self.options = options
        self.pending: list[tuple[Path, Path]] = []


_GROUP: ContextVar[_Group | None] = ContextVar("veracity_atomic_group", default=None)


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    Whatever the block writes to the yielded path becomes ``path`` only when the block
    completes (inside :func:`all_or_nothing`, when that block completes); if it raises, the
    temporary file is removed and ``path`` keeps its old content. The parent directory must
    exist: creating it would hide typos in ``--output`` paths. A failed write (disk full, a
    read-only file system) becomes a :class:`UsageError` naming the path.
    """
    given = Path(path)
    group = _GROUP.get()
    if given.exists() and not given.is_file() and not given.is_dir():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO a job reads from): renaming a file
        # over it would replace the device itself, so write to it in place. Checked on the path
        # as given: /dev/stdout links to /proc/self/fd/1, whose target ("pipe:[...]") is no path.
        with _write_errors(path, _option_for(given, group)):
            yield given
        return
    # Through a symbolic link to the file it names: replacing the link itself would leave the
    # file the user pointed at unchanged.
    target = Path(os.path.realpath(path)) if given.is_symlink() else given
    option = _option_for(target, group)
    temp = _create_temp(path, target, option)
    try:
        with _write_errors(path, option):
            yield temp
            _fsync(temp)
            if group is not None:
                group.pending.append((temp, target))
                return
            os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    _forget(temp)
    _WRITTEN.set()
    _fsync_directory(target.parent)


@contextlib.contextmanager
def all_or_nothing(options: Mapping[Path, str] | None = None) -> Iterator[None]:
    """Hold back every :func:`atomic_path` in the block until the block completes, then rename
    all of them into place; if it raises, remove every temporary file and write nothing.

    ``options`` names the command-line flag of each output path, for error messages.
    """
    group = _Group({Path(path): flag for path, flag in (options or {}).items()})
    token = _GROUP.set(group)
    try:
        yield
    except BaseException:
        for temp, _ in group.pending:
            _remove(temp)
        raise
    finally:
        _GROUP.reset(token)
    with _signals_held():
        for temp, target in group.pending:
            os.replace(temp, target)
            _forget(temp)
            _WRITTEN.set()
    for directory in {target.parent for _, target in group.pending}:
        _fsync_directory(directory)


@contextlib.contextmanager
def temporary_directory(next_to: StrPath) -> Iterator[Path]:
    """A hidden scratch directory beside ``next_to`` (same file system), removed afterwards."""
    target = Path(next_to)
    directory = target.parent / f".{target.name}.{secrets.token_hex(6)}.parts"
    _register(directory)
    try:
        directory.mkdir()
        yield directory
    finally:
        _remove(directory)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the outputs are renamed: an interrupt then comes
    after the last rename, never between two of them."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def written_any() -> bool:
    """Whether this process has put any output in place."""
    return _WRITTEN.is_set()


def remove_leftovers() -> None:
    """Remove every temporary file and directory still registered; run at exit and by the
    CLI's signal handling, where a clean-up may have been cut short."""
    with _LEFTOVERS_LOCK:
        leftovers = list(_LEFTOVERS)
    for path in leftovers:
        _remove(path)


atexit.register(remove_leftovers)


def atomic_write(path: StrPath, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see :func:`atomic_path`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as temp:
        temp.write_bytes(payload)


def _create_temp(given: StrPath, target: Path, option: str) -> Path:
    directory = target.parent
    if target.is_dir():
        raise UsageError(f"cannot write {given}: it is a directory; give a file path to {option}")
    if not directory.exists():
        raise UsageError(f"cannot write {given}: directory {directory} does not exist; create it first")
    if not directory.is_dir():
        raise UsageError(f"cannot write {given}: {directory} is not a directory")
    # A dot-prefixed name keeps the temporary file out of globs such as ``*.csv`` that a
    # downstream job might be polling for.
    temp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # Registered before it exists: a signal between creating and registering cannot leak it.
    _register(temp)
    try:
        # O_EXCL so that a concurrent writer can never share the file; mode 0o666 so the
        # process umask decides the permissions, as for any ordinarily created file.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        _forget(temp)
        raise UsageError(_cannot_write(given, option, exc, directory)) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        # Overwriting must not silently widen or narrow access to an existing report.
        os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
    return temp


#: Errors of writing, as opposed to those of reading the inputs that a streamed output's block
#: (``--chunk-rows``) also does.
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO})


@contextlib.contextmanager
def _write_errors(given: StrPath, option: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        code = _errno_of(exc)
        if code not in _WRITE_ERRORS:
            raise
        raise UsageError(
            _cannot_write(given, option, OSError(code, os.strerror(code)), Path(given).parent)
        ) from None


def _errno_of(exc: Exception) -> int | None:
    """The operating system's error number behind ``exc``: polars reports a failed write as an
    OSError without ``errno``, or a ComputeError, with "(os error 28)" in the text."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    found = _OS_ERROR.search(str(exc))
    return int(found.group(1)) if found else None


_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def _cannot_write(given: StrPath, option: str, exc: OSError, directory: Path) -> str:
    """One line for an operating-system refusal; the errno's own text, never the data."""
    fixes = {
        errno.ENOSPC: f"no space left on the device; free space or give {option} another file system",
        errno.EDQUOT: f"the disk quota is exhausted; free space or give {option} another file system",
        errno.EROFS: f"the file system is read-only; give {option} a writable directory",
        errno.EFBIG: f"the file is too large for its file system; give {option} another file system",
        errno.EACCES: f"no permission to create files in {directory}; give {option} a writable directory",
        errno.EPERM: f"no permission to create files in {directory}; give {option} a writable directory",
    }
    reason = fixes.get(exc.errno or 0)
    if reason is None:
        reason = f"{os.strerror(exc.errno) if exc.errno else type(exc).__name__}; give {option} another path"
    return f"cannot write {given}: {reason}"


def _option_for(target: Path, group: _Group | None) -> str:
    if group is not None:
        for path, flag in group.options.items():
            if path == target or _same_file(path, target):
                return flag
    return "the output option"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _register(path: Path) -> None:
    with _LEFTOVERS_LOCK:
        _LEFTOVERS.add(path)


def _forget(path: Path) -> None:
    with _LEFTOVERS_LOCK:
        _LEFTOVERS.discard(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
    if not path.exists():
        _forget(path)


def _fsync(path: Path) -> None:
    # Without this, a power loss shortly after os.replace() can leave an empty file under the
    # final name on some file systems (ext4 delayed allocation).
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    # Persists the rename itself. Directories cannot be opened on Windows; there the rename is
    # durable once MoveFileEx returns, so skipping is correct.
    # Some file systems (network mounts) refuse to fsync a directory; the file is already in
    # place by then, so failing the whole write would be wrong.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
