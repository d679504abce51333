"""Inputs that are not plain files, and bounds on every input.

Each refusal is checked through a real ``veracity audit`` process: exit code 2, one ``Error:``
line, no traceback, no report or findings file written, every input unchanged.
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import io
import json
import os
import pty
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from cli_run import Outcome, assert_refused, prepare, run_audit

from veracity.errors import SourceError
from veracity.sources import SourceSpec, load_sources
from veracity.sources._input import DEFAULT_STREAM_LIMIT, STREAM_LIMIT_ENV, stream_limit
from veracity.sources._json import MAX_KEYS
from veracity.sources._parquet import MAX_COLUMNS

CSV = b"a,b\n1,2\n3,4\n5,6\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _parquet(rows: int = 2) -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({"a": [str(i) for i in range(1, rows + 1)]}, schema={"a": pl.String}).write_parquet(buffer)
    return buffer.getvalue()


@functools.cache
def _wide_parquet() -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({f"c{i}": ["1"] for i in range(MAX_COLUMNS + 1)}).write_parquet(buffer)
    return buffer.getvalue()


def _header_only_xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet("Data").write_row(0, 0, ["a", "b"])
    workbook.close()
    return buffer.getvalue()


def _xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet("Data").write_column(0, 0, ["a", "1"])
    workbook.close()
    return buffer.getvalue()


@dataclass
class Case:
    id: str
    paths: list[str]
    expected: str  # the whole error line; {dir} is the temporary directory
    files: dict[str, bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    extra: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    input_bytes: bytes | None = None
    close_stdin: bool = False


def _link(name: str, target: str) -> Callable[[Path], None]:
    return lambda directory: (directory / name).symlink_to(target)


def _socket(directory: Path) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(directory / "s.csv"))
    server.close()  # the socket file stays


DEVICE = "is a character device, not a file; export the data to a file (or pipe it in) and audit that"
MISSING = (
    "no such file (looked for {dir}/%s); check the path (relative paths start from the current directory)"
)
STDIN_LIMIT = (
    "Error: <stdin>: standard input sent more than 1 MiB, the most veracity reads from a pipe or "
    f"standard input; save the data to a file and audit that, or raise {STREAM_LIMIT_ENV}"
)

CASES = [
    Case("device-link", ["zero.csv"], f"Error: zero.csv: {DEVICE}", setup=_link("zero.csv", "/dev/zero")),
    Case(
        "device-link-chunked",
        ["zero.csv"],
        f"Error: zero.csv: {DEVICE}",
        setup=_link("zero.csv", "/dev/zero"),
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "device-parquet",
        ["zero.parquet"],
        f"Error: zero.parquet: {DEVICE}",
        setup=_link("zero.parquet", "/dev/zero"),
        extra=("--chunk-rows", "1000"),
    ),
    Case("device-json", ["null.json"], f"Error: null.json: {DEVICE}", setup=_link("null.json", "/dev/null")),
    Case(
        "socket",
        ["s.csv"],
        "Error: s.csv: is a socket, not a file; export the data to a file (or pipe it in) and audit that",
        setup=_socket,
    ),
    Case(
        "directory",
        ["d.csv"],
        "Error: d.csv: is a directory, not a file; name a file inside it",
        setup=lambda directory: (directory / "d.csv").mkdir(),
    ),
    Case(
        "directory-chunked",
        ["d.csv"],
        "Error: d.csv: is a directory, not a file; name a file inside it",
        setup=lambda directory: (directory / "d.csv").mkdir(),
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "empty",
        ["empty.csv"],
        "Error: empty.csv: the file is empty; export the data again or remove this source",
        files={"empty.csv": b""},
    ),
    Case(
        "empty-xlsx",
        ["empty.xlsx"],
        "Error: empty.xlsx: the file is empty; export the data again or remove this source",
        files={"empty.xlsx": b""},
    ),
    Case(
        "header-only-json",
        ["h.json"],
        "Error: h.json: the array holds no records; export the data again or remove this source",
        files={"h.json": b"[]"},
    ),
    Case(
        "header-only-xlsx",
        ["h.xlsx"],
        "Error: h.xlsx (sheet 'Data'): the sheet has a header row but no data rows; choose another sheet with "
        "read.sheet (--sheet) or remove this source",
        files={"h.xlsx": _header_only_xlsx()},
    ),
    Case(
        "no-rows-parquet",
        ["h.parquet"],
        "Error: h.parquet: the file has columns but no rows; export the data again or remove this source",
        files={"h.parquet": _parquet(rows=0)},
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "too-many-keys-ndjson",
        ["wide.ndjson"],
        f"Error: wide.ndjson:2: the record brings the number of distinct keys above {MAX_KEYS:,}, the most "
        "columns veracity reads; keep the fields the rules need and move the rest out",
        files={"wide.ndjson": b'{"a": 1}\n' + json.dumps({f"k{i}": i for i in range(MAX_KEYS)}).encode()},
    ),
    *(
        Case(
            f"too-many-columns-parquet{suffix}",
            ["wide.parquet"],
            f"Error: wide.parquet: the file has {MAX_COLUMNS + 1:,} columns, more than the {MAX_COLUMNS:,} "
            "veracity reads; export only the columns the rules need",
            files={"wide.parquet": _wide_parquet()},
            extra=extra,
        )
        for suffix, extra in (("", ()), ("-chunked", ("--chunk-rows", "1000")))
    ),
    Case("missing", ["nope.csv"], "Error: nope.csv: " + MISSING % "nope.csv"),
    Case(
        "missing-chunked",
        ["nope.csv"],
        "Error: nope.csv: " + MISSING % "nope.csv",
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "file-as-directory",
        ["ok.csv/x.csv"],
        "Error: ok.csv/x.csv: a part of the path before the file name is not a directory; check the path",
        files={"ok.csv": CSV},
    ),
    Case("name-with-colons", [":smile:.csv"], "Error: :smile:.csv: " + MISSING % ":smile:.csv"),
    Case(
        "stdin-parquet",
        ["-"],
        "Error: <stdin>: looks like a Parquet file, not CSV (the default for '-'); pass --input-format "
        "parquet (read.format: parquet in the rule file)",
        input_bytes=_parquet(),
    ),
    Case(
        "stdin-parquet-chunked",
        ["-"],
        "Error: <stdin>: looks like a Parquet file, not CSV (the default for '-'); pass --input-format "
        "parquet (read.format: parquet in the rule file)",
        input_bytes=_parquet(),
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "stdin-parquet-said-ndjson",
        ["-"],
        "Error: <stdin>: looks like a Parquet file, not ndjson; pass --input-format parquet "
        "(read.format: parquet in the rule file)",
        input_bytes=_parquet(),
        extra=("--input-format", "ndjson"),
    ),
    Case(
        "stdin-xlsx",
        ["-"],
        "Error: <stdin>: looks like a zip archive (an .xlsx workbook is one), not CSV (the default for '-'); "
        "for a workbook pass --input-format xlsx (read.format: xlsx); unzip any other archive first",
        input_bytes=_xlsx(),
    ),
    Case(
        "stdin-gzip",
        ["-"],
        "Error: <stdin>: looks like gzip-compressed, not CSV (the default for '-'); decompress it first, "
        "e.g. gunzip -c FILE | veracity audit ... -",
        input_bytes=gzip.compress(CSV),
    ),
    Case(
        "stdin-bzip2",
        ["-"],
        "Error: <stdin>: looks like bzip2-compressed, not CSV (the default for '-'); decompress it first, "
        "e.g. bunzip2 -c FILE | veracity audit ... -",
        input_bytes=bz2.compress(CSV),
    ),
    Case("stdin-over-limit", ["-"], STDIN_LIMIT, input_bytes=CSV * 80_000, env={STREAM_LIMIT_ENV: "1M"}),
    Case(
        "stdin-over-limit-chunked",
        ["-"],
        STDIN_LIMIT,
        input_bytes=CSV * 80_000,
        env={STREAM_LIMIT_ENV: "1M"},
        extra=("--chunk-rows", "1000"),
    ),
    Case(
        "limit-not-a-size",
        ["-"],
        f"Error: {STREAM_LIMIT_ENV} is not a size; set it to a number of bytes such as 500M or 2G",
        input_bytes=CSV,
        env={STREAM_LIMIT_ENV: "lots"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_unusable_input_is_refused_in_one_line(case: Case, tmp_path: Path) -> None:
    for name, content in case.files.items():
        (tmp_path / name).write_bytes(content)
    if case.setup is not None:
        case.setup(tmp_path)
    before = prepare(tmp_path)
    outcome = run_audit(
        tmp_path,
        case.paths,
        *case.extra,
        env=case.env,
        input_bytes=case.input_bytes,
        close_stdin=case.close_stdin,
    )
    assert assert_refused(outcome, tmp_path, before) == case.expected.format(dir=tmp_path)


@pytest.mark.parametrize("name", ["a\x1b[31mred.csv", "bell\x07.csv", "tab\tname.csv"])
def test_a_missing_file_with_control_characters_in_its_name_is_one_line(name: str, tmp_path: Path) -> None:
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, [name]), tmp_path, before)
    assert line.endswith("; check the path (relative paths start from the current directory)")


@pytest.mark.skipif(IS_ROOT, reason="root can read any file, so permissions cannot be tested as root")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "locked.csv").write_bytes(CSV)
    (tmp_path / "locked.csv").chmod(0)
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, ["locked.csv"]), tmp_path, before)
    assert (
        line == "Error: locked.csv: permission denied; make the file readable for the user running veracity"
    )


@pytest.mark.parametrize("extra", [(), ("--chunk-rows", "1000")], ids=["in-memory", "chunked"])
def test_a_closed_standard_input_is_refused(extra: tuple[str, ...], tmp_path: Path) -> None:
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, ["-", *extra], close_stdin=True), tmp_path, before)
    # The command line may say it before the loader does; either way in one line.
    assert "standard input" in line
    assert "closed" in line


def test_the_loader_refuses_a_closed_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(SourceError) as error:
        load_sources([SourceSpec("-")])
    assert str(error.value) == (
        "<stdin>: standard input is closed; pipe the data in (cat data.csv | veracity audit ... -) "
        "or name the file instead of '-'"
    )


def test_standard_input_from_a_device_is_refused(tmp_path: Path) -> None:
    before = prepare(tmp_path)
    with open("/dev/zero", "rb") as zero:
        outcome = run_audit(tmp_path, ["-"], stdin=zero)
    assert assert_refused(outcome, tmp_path, before) == f"Error: <stdin>: {DEVICE}"


def test_standard_input_from_a_terminal_is_refused_rather_than_waited_on(tmp_path: Path) -> None:
    before = prepare(tmp_path)
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "rb", buffering=0) as terminal:
            outcome = run_audit(tmp_path, ["-"], stdin=terminal, timeout=30)
    finally:
        os.close(leader)
    assert assert_refused(outcome, tmp_path, before) == (
        "Error: <stdin>: standard input is a terminal, not data; pipe the data in "
        "(cat data.csv | veracity audit ... -) or name the file instead of '-'"
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    yield path
    # A writer still waiting for a reader (the audit never opened the pipe) is let go.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))


def _writer(path: Path, content: bytes | None) -> threading.Thread:
    """Write ``content`` into the pipe ``path`` (``None``: zeros until the reader goes away)."""

    def write() -> None:
        try:
            with open(path, "wb") as pipe:
                if content is not None:
                    pipe.write(content)
                    return
                block = bytes(1 << 16)
                while True:
                    pipe.write(block)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _records(outcome: Outcome, tmp_path: Path) -> int:
    assert outcome.code in (0, 1), outcome.stderr
    return int(json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["records"]["records"])


@pytest.mark.parametrize("extra", [(), ("--chunk-rows", "1000")], ids=["in-memory", "chunked"])
def test_a_named_pipe_is_read_once_and_whole(extra: tuple[str, ...], fifo: Path, tmp_path: Path) -> None:
    prepare(tmp_path)
    writer = _writer(fifo, CSV)
    outcome = run_audit(tmp_path, [fifo.name], "-f", "json", *extra, timeout=30)
    writer.join(timeout=10)
    assert _records(outcome, tmp_path) == 3


def test_an_endless_named_pipe_stops_at_the_limit(fifo: Path, tmp_path: Path) -> None:
    before = prepare(tmp_path)
    writer = _writer(fifo, None)
    outcome = run_audit(tmp_path, [fifo.name], env={STREAM_LIMIT_ENV: "1M"}, timeout=30)
    writer.join(timeout=10)
    assert assert_refused(outcome, tmp_path, before) == (
        "Error: pipe.csv: a named pipe sent more than 1 MiB, the most veracity reads from a pipe or "
        f"standard input; save the data to a file and audit that, or raise {STREAM_LIMIT_ENV}"
    )


@pytest.mark.parametrize(
    "content",
    [b"PAR1,a\n1,2\n", b"BZh9,a\n1,2\n", b"PK,a\n1,2\n"],
    ids=["PAR1", "BZh9", "PK"],
)
def test_text_that_starts_like_a_binary_format_is_read_as_csv(content: bytes, tmp_path: Path) -> None:
    prepare(tmp_path)
    assert _records(run_audit(tmp_path, ["-"], "-f", "json", input_bytes=content), tmp_path) == 1


@pytest.mark.parametrize("extra", [(), ("--chunk-rows", "1000")], ids=["in-memory", "chunked"])
def test_parquet_on_standard_input_reads_with_its_format_named(
    extra: tuple[str, ...], tmp_path: Path
) -> None:
    prepare(tmp_path)
    outcome = run_audit(
        tmp_path, ["-"], "-f", "json", "--input-format", "parquet", *extra, input_bytes=_parquet()
    )
    assert _records(outcome, tmp_path) == 2


def test_a_file_redirected_to_standard_input_is_not_held_to_the_pipe_limit(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"a,b\n" + b"1,2\n" * 3000)
    prepare(tmp_path)
    with open(tmp_path / "data.csv", "rb") as data:
        outcome = run_audit(tmp_path, ["-"], "-f", "json", stdin=data, env={STREAM_LIMIT_ENV: "1K"})
    assert _records(outcome, tmp_path) == 3000


@pytest.mark.parametrize(
    ("setting", "limit"),
    [
        ("", DEFAULT_STREAM_LIMIT),
        ("1024", 1024),
        ("500M", 500 << 20),
        ("2g", 2 << 30),
        ("1 KiB", 1024),
        ("3MB", 3 << 20),
    ],
)
def test_the_stream_limit_is_read_from_the_environment(
    setting: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STREAM_LIMIT_ENV, setting)
    assert stream_limit() == limit


@pytest.mark.parametrize("setting", ["0", "-1", "1.5G", "lots", "12X", "١٢"])
def test_a_stream_limit_that_is_not_a_size_is_refused(setting: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STREAM_LIMIT_ENV, setting)
    with pytest.raises(SourceError, match=f"^{STREAM_LIMIT_ENV} is not a size"):
        stream_limit()
