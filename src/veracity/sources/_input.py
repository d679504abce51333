"""Getting a source's bytes: regular files, named pipes and standard input, each read once.

A regular file is read whole. A named pipe (FIFO) or standard input is a stream: it is read
exactly once, never probed and reopened (what a probe reads is lost to the read after it), and
at most :func:`stream_limit` bytes are taken from it, so that an endless writer (``yes``, a
pipe fed from ``/dev/zero``) ends in a message instead of exhausting the memory. Device files,
sockets and directories are refused before anything is read from them: ``/dev/zero`` never
ends and a terminal waits for a person.

Standard input is read as CSV unless a format is given; bytes that start like a binary format
(Parquet, a zip archive such as .xlsx, gzip, ...) are refused with the ``--input-format`` hint
rather than decoded as garbled text.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from veracity.errors import SourceError
from veracity.sources._detect import detect_format
from veracity.sources.base import Format

__all__ = [
    "STDIN_DISPLAY",
    "STDIN_PATH",
    "STREAM_LIMIT_ENV",
    "read_file",
    "read_stdin",
    "readable_path",
    "stdin_format",
    "stream_limit",
]

STDIN_PATH = "-"
STDIN_DISPLAY = "<stdin>"

#: Environment variable that sets the most bytes read from a pipe or standard input.
STREAM_LIMIT_ENV = "VERACITY_MAX_STREAM_BYTES"
#: 1 GiB: an in-memory audit needs several times its input in memory, so a stream larger than
#: this belongs in a file (and then in a chunked audit, ``--chunk-rows``).
DEFAULT_STREAM_LIMIT = 1 << 30
_SIZE = re.compile(r"([0-9]+) *([KMGT]?)(?:i?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_BLOCK = 1 << 20

#: How binary formats someone may pipe in by mistake begin (and, for Parquet, also end), with
#: what they are and what to do instead. Each pattern is long enough that no text starts so:
#: a CSV header may well start with "BZh", but not with "BZh9" followed by bzip2's block magic.
_MAGIC: tuple[tuple[re.Pattern[bytes], str, str], ...] = (
    (
        re.compile(rb"PAR1.*PAR1\Z", re.DOTALL),
        "a Parquet file",
        "pass --input-format parquet (read.format: parquet in the rule file)",
    ),
    (
        re.compile(rb"PK\x03\x04"),
        "a zip archive (an .xlsx workbook is one)",
        "for a workbook pass --input-format xlsx (read.format: xlsx); unzip any other archive first",
    ),
    (
        re.compile(rb"\x1f\x8b\x08"),
        "gzip-compressed",
        "decompress it first, e.g. gunzip -c FILE | veracity audit ... -",
    ),
    (
        re.compile(rb"BZh[1-9]1AY&SY"),
        "bzip2-compressed",
        "decompress it first, e.g. bunzip2 -c FILE | veracity audit ... -",
    ),
    (
        re.compile(rb"\xfd7zXZ\x00"),
        "xz-compressed",
        "decompress it first, e.g. xz -dc FILE | veracity audit ... -",
    ),
    (
        re.compile(rb"\x28\xb5\x2f\xfd"),
        "zstd-compressed",
        "decompress it first, e.g. zstd -dc FILE | veracity audit ... -",
    ),
    (
        re.compile(rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        "an old Excel .xls (or other OLE2) file",
        "save it as .xlsx and pass --input-format xlsx",
    ),
)
_TEXT_FORMATS = ("csv", "tsv", "json", "ndjson")


def stream_limit() -> int:
    """The most bytes read from a pipe or standard input: ``VERACITY_MAX_STREAM_BYTES`` (a
    number of bytes, optionally with K, M, G or T for KiB ... TiB), else 1 GiB."""
    setting = os.environ.get(STREAM_LIMIT_ENV, "").strip()
    if not setting:
        return DEFAULT_STREAM_LIMIT
    match = _SIZE.fullmatch(setting)
    if match is None or int(match[1]) < 1:
        raise SourceError(f"{STREAM_LIMIT_ENV} is not a size; set it to a number of bytes such as 500M or 2G")
    return int(match[1]) * _UNITS[(match[2] or "").upper()]


def _size(count: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def readable_path(given: str, base_dir: Path | None) -> Path:
    """The file ``given`` names (relative to ``base_dir``), refused with one line when it is
    missing, unreadable, a directory, a device or a socket.

    A regular file is opened once to prove it readable. A named pipe is not: opening it would
    wait for a writer, and closing it again would drop what the writer sent.
    """
    path = resolve(given, base_dir)
    with refused_reads(given, base_dir, path):
        mode = path.stat().st_mode
        _refuse_kind(given, mode)
        if stat.S_ISFIFO(mode):
            if not os.access(path, os.R_OK):
                raise PermissionError
        else:
            with path.open("rb"):
                pass
    return path


def is_stream(path: Path) -> bool:
    """Whether ``path`` (already accepted by :func:`readable_path`) is a named pipe."""
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


def read_file(given: str, base_dir: Path | None) -> bytes:
    """The bytes of the file ``given`` names: a regular file whole, a named pipe once and at
    most :func:`stream_limit` bytes of it."""
    path = resolve(given, base_dir)
    with refused_reads(given, base_dir, path):
        # Refused before opening: opening a device may have effects (a tape rewinds), and a
        # socket cannot be opened at all.
        _refuse_kind(given, path.stat().st_mode)
        with path.open("rb") as handle:
            # Judged again on what was opened: the name may have been replaced meanwhile.
            mode = os.fstat(handle.fileno()).st_mode
            _refuse_kind(given, mode)
            if stat.S_ISREG(mode):
                return handle.read()
            return _read_capped(handle, given, "a named pipe")


def read_stdin(stdin: IO[bytes] | None) -> bytes:
    """Standard input (``stdin``, else the process's), read once and at most
    :func:`stream_limit` bytes of it."""
    if stdin is None:
        if sys.stdin is None:  # Python sets it to None when descriptor 0 is closed
            raise SourceError(f"{STDIN_DISPLAY}: standard input is closed; {_STDIN_FIX}")
        stdin = sys.stdin.buffer
    try:
        mode: int | None = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        mode = None  # an in-memory stream (tests, the Python API): no descriptor to judge
    try:
        if mode is not None:
            if stat.S_ISCHR(mode) and stdin.isatty():
                raise SourceError(f"{STDIN_DISPLAY}: standard input is a terminal, not data; {_STDIN_FIX}")
            _refuse_kind(STDIN_DISPLAY, mode)
            if stat.S_ISREG(mode):
                return stdin.read()
        return _read_capped(stdin, STDIN_DISPLAY, "standard input")
    except OSError as exc:
        raise SourceError(f"{STDIN_DISPLAY}: cannot be read ({exc.strerror or 'I/O error'})") from None


def stdin_format(given: str | None, raw: bytes) -> Format:
    """The format to read standard input as: the one given, else CSV; refused when the bytes
    are plainly a binary format that the chosen text format cannot be."""
    fmt: Format = "csv" if given is None else detect_format(given, STDIN_PATH, STDIN_DISPLAY)
    if fmt in _TEXT_FORMATS:
        for magic, what, fix in _MAGIC:
            if magic.match(raw):
                chosen = "CSV (the default for '-')" if given is None else fmt
                raise SourceError(f"{STDIN_DISPLAY}: looks like {what}, not {chosen}; {fix}")
    return fmt


def _read_capped(stream: IO[bytes], display: str, what: str) -> bytes:
    limit = stream_limit()
    blocks: list[bytes] = []
    total = 0
    while True:
        block = stream.read(min(_BLOCK, limit + 1 - total))
        if not block:
            return b"".join(blocks)
        total += len(block)
        if total > limit:
            raise SourceError(
                f"{display}: {what} sent more than {_size(limit)}, the most veracity reads from a "
                f"pipe or standard input; save the data to a file and audit that, or raise "
                f"{STREAM_LIMIT_ENV}"
            )
        blocks.append(block)


_STDIN_FIX = "pipe the data in (cat data.csv | veracity audit ... -) or name the file instead of '-'"
_NOT_FILES: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _directory(given: str) -> SourceError:
    return SourceError(f"{given}: is a directory, not a file; name a file inside it")


def _refuse_kind(given: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise _directory(given)
    kind = next((what for is_kind, what in _NOT_FILES if is_kind(mode)), None)
    if kind is not None:
        raise SourceError(
            f"{given}: is {kind}, not a file; export the data to a file (or pipe it in) and audit that"
        )


def resolve(given: str, base_dir: Path | None) -> Path:
    path = Path(given)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


@contextmanager
def refused_reads(given: str, base_dir: Path | None, path: Path) -> Iterator[None]:
    """Operating-system errors on ``path`` as one-line messages."""
    try:
        yield
    except FileNotFoundError:
        looked = "" if Path(given).is_absolute() else f" (looked for {path.absolute()})"
        where = "the rule file's directory" if base_dir is not None else "the current directory"
        raise SourceError(
            f"{given}: no such file{looked}; check the path (relative paths start from {where})"
        ) from None
    except IsADirectoryError:
        raise _directory(given) from None
    except NotADirectoryError:
        raise SourceError(
            f"{given}: a part of the path before the file name is not a directory; check the path"
        ) from None
    except PermissionError:
        raise SourceError(
            f"{given}: permission denied; make the file readable for the user running veracity"
        ) from None
    except OSError as exc:
        raise SourceError(
            f"{given}: cannot be read ({exc.strerror or 'I/O error'}); check the file"
        ) from None
    except ValueError:
        # pathlib refuses a NUL byte in a name, which no file can have.
        raise SourceError(
            f"{given}: is not a valid file name (it holds a NUL byte); check the path"
        ) from None
