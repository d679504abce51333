"""Write output files so that they are either complete or untouched.

Reports and findings files are read by other tools (CI artefacts, BI loaders, scheduled
jobs). A crash or an exception half-way through a write must never leave a truncated file for
them to pick up, nor destroy the previous good one: everything is written to a temporary file in
the target's directory and moved onto the target with :func:`os.replace`, which is atomic on
POSIX and Windows as long as both names are on the same file system (hence the same directory).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from veracity.errors import UsageError

__all__ = ["atomic_path", "atomic_write"]

StrPath = str | os.PathLike[str]


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    Whatever the block writes to the yielded path becomes ``path`` only when the block
    completes; if it raises, the temporary file is removed and ``path`` keeps its old content.
    The parent directory must exist: creating it would hide typos in ``--output`` paths.
    """
    target = Path(path)
    if target.exists() and not target.is_file() and not target.is_dir():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO a job reads from): renaming a file
        # over it would replace the device itself, so write to it in place.
        yield target
        return
    temp = _create_temp(path, target)
    try:
        yield temp
        _fsync(temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_directory(target.parent)


def atomic_write(path: StrPath, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see :func:`atomic_path`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as temp:
        temp.write_bytes(payload)


def _create_temp(given: StrPath, target: Path) -> Path:
    directory = target.parent
    if target.is_dir():
        raise UsageError(f"cannot write {given}: it is a directory")
    if not directory.exists():
        raise UsageError(f"cannot write {given}: directory {directory} does not exist; create it first")
    if not directory.is_dir():
        raise UsageError(f"cannot write {given}: {directory} is not a directory")
    # A dot-prefixed name keeps the temporary file out of globs such as ``*.csv`` that a
    # downstream job might be polling for.
    temp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL so that a concurrent writer can never share the file; mode 0o666 so the
        # process umask decides the permissions, as for any ordinarily created file.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except PermissionError:
        raise UsageError(f"cannot write {given}: no permission to create files in {directory}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        # Overwriting must not silently widen or narrow access to an existing report.
        os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
    return temp


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
