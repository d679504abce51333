"""A stranger's files through every command: ``veracity audit``, ``profile``, ``suggest`` (and an
audit with the rule file it writes) and ``audit --worklist`` followed by ``fix``.

Each file either works, with the right results (the values read as written, whatever the
encoding; a corrected copy in the file's own encoding), or is refused by every command with the
same one ``Error:`` line naming the file and what is wrong, exit 2. Never a traceback, an
internal error (the suite's conftest fails any test reaching it) or a hang.
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veracity.cli import app

RULES = """\
version: 1
rules:
  - {id: id-present, check: not_null, field: id}
  - {id: email-valid, check: email, field: email}
  - {id: name-caps, check: pattern, field: name, pattern: "^[A-Z][a-z]+$"}
"""
#: Three customers: a name beyond ASCII letters, an address with a space before it.
TEXT = "id,name,email\n1,Müller,m@x.de\n2,Gérard, g@x.fr\n3,Ana,a@x.es\n"
FIXED = TEXT.replace(" g@x.fr", "g@x.fr")

#: File -> its bytes, and the phrase of the one line every command refuses it with.
REFUSED: dict[str, tuple[bytes | None, str]] = {
    "nul.csv": (b"id,name,email\n1,A\x00na,a@x.de\n", ":2: holds a NUL byte"),
    "nul-in-header.csv": (b"id,na\x00me,email\n1,Ana,a@x.de\n", ":1: holds a NUL byte"),
    "empty.csv": (b"", ": the file is empty"),
    "blank-lines.csv": (b"\n\n\n", ": the file is empty"),
    "header-only.csv": (b"id,name,email\n", ": the file has a header but no data rows"),
    "repeated-name.csv": (
        b"id,email,email\n1,a@x.de,b@x.de\n",
        ": column 'email' appears twice in the header",
    ),
    "unnamed-column.csv": (b",name,email\n1,Ana,a@x.de\n", ": column 1 has an empty name in the header"),
    "quote-never-closed.csv": (b'id,name,email\n1,"Ana,a@x.de\n', ":2: a quoted field"),
    "ragged.csv": (b"id,name,email\n1,Ana,a@x.de,more\n", ":2: record has 4 fields, the header has 3"),
    "a-directory": (None, ": is a directory, not a file"),
}

#: File -> its bytes: the same three customers in the encodings and line ends exports use.
ENCODED: dict[str, bytes] = {
    "utf-8.csv": TEXT.encode(),
    "utf-8-bom.csv": ("\ufeff" + TEXT).encode(),
    "cp1252.csv": TEXT.encode("cp1252"),
    "utf-16-le-bom.csv": ("\ufeff" + TEXT).encode("utf-16-le"),
    "utf-16-be-bom.csv": ("\ufeff" + TEXT).encode("utf-16-be"),
    "crlf.csv": TEXT.replace("\n", "\r\n").encode(),
}
CODECS = {
    "utf-8-bom.csv": "utf-8-sig",
    "cp1252.csv": "cp1252",
    "utf-16-le-bom.csv": "utf-16",
    "utf-16-be-bom.csv": "utf-16",
}


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def _commands(data: Path, folder: Path) -> dict[str, Callable[[], tuple[int, str, str]]]:
    """Each command a user runs on ``data``; the fix after the audit that writes its worklist."""
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    worklist, copy = folder / "worklist.csv", folder / "fixed.csv"

    def fix() -> tuple[int, str, str]:
        done = _cli("audit", "--no-progress", "-r", str(rules), str(data), "--worklist", str(worklist))
        if done[0] == 2:
            return done
        return _cli(
            "fix", str(data), "-r", str(rules), "-w", str(worklist), "--accept", "certain", "-o", str(copy)
        )

    return {
        "audit": lambda: _cli("audit", "--no-progress", "-r", str(rules), str(data)),
        "profile": lambda: _cli("profile", str(data)),
        "suggest": lambda: _cli("suggest", str(data), "-o", str(folder / "starter.yaml")),
        "fix": fix,
    }


def _write(folder: Path, name: str, content: bytes | None) -> Path:
    path = folder / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("command", ["audit", "profile", "suggest", "fix"])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unusable_file_is_refused_in_one_line_by_every_command(
    name: str, command: str, tmp_path: Path
) -> None:
    content, phrase = REFUSED[name]
    data = _write(tmp_path, name, content)
    run = _commands(data, tmp_path)[command]
    before = sorted(tmp_path.iterdir())
    code, stdout, stderr = run()
    assert (code, stdout) == (2, ""), stderr
    (line,) = stderr.splitlines()
    assert line.startswith(f"Error: {data}{phrase}"), line
    # Nothing is written for a refused command (the rule file is the test's own).
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_an_export_in_any_encoding_reads_as_written_through_every_command(name: str, tmp_path: Path) -> None:
    data = _write(tmp_path, name, ENCODED[name])
    commands = _commands(data, tmp_path)
    report = tmp_path / "report.json"
    code, _, stderr = _cli(
        *("audit", "--no-progress", "-r", str(tmp_path / "rules.yaml"), str(data), "--reveal-values"),
        *("-f", "json", "-o", str(report)),
    )
    assert code == 1, stderr
    rules = json.loads(report.read_text(encoding="utf-8"))["rules"]
    assert {rule["id"]: rule["failed"] for rule in rules} == {
        "id-present": 0,
        "email-valid": 1,
        "name-caps": 2,
    }
    shown = sorted(sample["value"] for rule in rules for sample in rule.get("samples", []))
    assert shown == [" g@x.fr", "Gérard", "Müller"]

    code, stdout, stderr = commands["profile"]()
    assert code == 0, stderr
    assert "Müller" not in stdout  # masked

    code, _, stderr = commands["suggest"]()
    assert code == 0, stderr
    # The starter rule file states today's quality: the same data audits with exit 0.
    code, _, stderr = _cli("audit", "--no-progress", "-r", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr

    code, _, stderr = commands["fix"]()
    assert code == 0, stderr
    # The copy keeps the file's encoding, byte-order mark and line ends; one address changed.
    codec = CODECS.get(name, "utf-8")
    expected = FIXED.replace("\n", "\r\n") if name == "crlf.csv" else FIXED
    copy = (tmp_path / "fixed.csv").read_bytes()
    assert copy.decode(codec) == expected
    assert copy[:3] == ENCODED[name][:3]


def test_odd_column_names_are_fields_like_any_other(tmp_path: Path) -> None:
    """Names that are keywords elsewhere (``__proto__``), SQL, an emoji: read, audited,
    profiled, suggested (a rule file that loads and passes) and corrected as any name."""
    header = '__proto__,"""; DROP TABLE customers; --",😀,email'
    data = _write(tmp_path, "odd.csv", f"{header}\n1,x,y, a@x.de\n2,,z,b@x.de\n".encode())
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {id: proto, check: not_null, field: __proto__}\n"
        "  - {id: sql, check: not_null, field: '\"; DROP TABLE customers; --'}\n"
        "  - {id: emoji, check: not_null, field: '😀'}\n"
        "  - {id: email-valid, check: email, field: email}\n",
        encoding="utf-8",
    )
    report, worklist = tmp_path / "report.json", tmp_path / "worklist.csv"
    code, _, stderr = _cli(
        *("audit", "--no-progress", "-r", str(rules), str(data), "-f", "json", "-o", str(report)),
        *("--worklist", str(worklist)),
    )
    assert code == 1, stderr
    rules_run = json.loads(report.read_text(encoding="utf-8"))["rules"]
    assert {rule["id"]: rule["failed"] for rule in rules_run} == {
        "proto": 0,
        "sql": 1,
        "emoji": 0,
        "email-valid": 1,
    }
    profile = tmp_path / "profile.json"
    code, _, stderr = _cli("profile", str(data), "-f", "json", "-o", str(profile))
    assert code == 0, stderr
    names = [f["name"] for f in json.loads(profile.read_text(encoding="utf-8"))["fields"]]
    assert names == ["__proto__", '"; DROP TABLE customers; --', "😀", "email"]
    code, _, stderr = _cli("suggest", str(data), "-o", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr
    code, _, stderr = _cli("audit", "--no-progress", "-r", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr
    code, _, stderr = _cli(
        "fix",
        str(data),
        "-r",
        str(rules),
        "-w",
        str(worklist),
        "--accept",
        "certain",
        "-o",
        str(tmp_path / "f.csv"),
    )
    assert code == 0, stderr
    assert (tmp_path / "f.csv").read_text(encoding="utf-8") == f"{header}\n1,x,y,a@x.de\n2,,z,b@x.de\n"


def test_headers_yaml_or_rule_ids_cannot_hold_make_a_starter_rule_file_that_passes(tmp_path: Path) -> None:
    """Each column gets a field name a rule id can be made of, none twice; the names YAML reads
    as syntax are quoted."""
    headers = [
        '"line\nbreak"', "a: b", "- x", "#c", "'q'", '"""dq"""', "{x}", "*ref", "&anc", "!tag", "%p",
        "@at", "`bt`", "yes", "null", "~", "1e3", "名前", "E-Mail-Adresse", "email", "Straße",
    ]  # fmt: skip
    data = tmp_path / "odd.csv"
    row = ",".join(str(n) for n in range(len(headers)))
    data.write_text(f"{','.join(headers)}\n{row}\n{row}\n", encoding="utf-8")
    code, _, stderr = _cli("suggest", str(data), "-o", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr
    code, _, stderr = _cli("rules", "check", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr
    code, _, stderr = _cli("audit", "--no-progress", "-r", str(tmp_path / "starter.yaml"))
    assert code == 0, stderr


def test_fix_with_the_empty_worklist_of_clean_data_writes_an_unchanged_copy(tmp_path: Path) -> None:
    data = _write(tmp_path, "clean.csv", b"id,name,email\n1,Ana,a@x.de\n")
    commands = _commands(data, tmp_path)
    code, _, stderr = commands["fix"]()
    assert code == 0, stderr
    assert stderr.startswith("Changed 0 value(s) in 0 record(s); wrote ")
    assert (tmp_path / "fixed.csv").read_bytes() == data.read_bytes()


@contextmanager
def _fed_once(fifo: Path, content: bytes) -> Iterator[None]:
    """A writer that hands ``content`` to the first reader of ``fifo`` (and to no other), and
    gives up when the block ends without one."""
    stop = threading.Event()

    def feed() -> None:
        while not stop.is_set():
            try:
                handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                time.sleep(0.01)
                continue
            os.set_blocking(handle, True)
            os.write(handle, content)
            os.close(handle)
            break
        # A command that opens the pipe again would wait for a writer for ever: an empty one
        # after a while ends its read, and the test fails instead of hanging.
        if not stop.wait(20):
            with suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join(timeout=10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("command", ["audit", "profile", "suggest", "fix"])
def test_a_named_pipe_is_read_once_or_refused_before_a_second_read(command: str, tmp_path: Path) -> None:
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    commands: dict[str, Any] = _commands(fifo, tmp_path)
    content = TEXT.encode()
    if command == "fix":
        rules, worklist = tmp_path / "rules.yaml", tmp_path / "worklist.csv"
        with _fed_once(fifo, content):
            code, _, stderr = _cli(
                "audit", "--no-progress", "-r", str(rules), str(fifo), "--worklist", str(worklist)
            )
        assert code == 1, stderr
        with _fed_once(fifo, content):
            code, _, stderr = _cli(
                "fix",
                str(fifo),
                "-r",
                str(rules),
                "-w",
                str(worklist),
                "--accept",
                "certain",
                "-o",
                str(tmp_path / "f.csv"),
            )
        # The copy would read the pipe a second time, where no one writes.
        assert code == 2
        assert stderr == (
            f"Error: {fifo}: is standard input, a named pipe or a device, which can be read only "
            "once; fix reads the data twice (to find the accepted records, then to copy it with "
            "only their cells changed): save the data to a file, audit that file with --worklist "
            "and fix it\n"
        )
        assert not (tmp_path / "f.csv").exists()
        return
    with _fed_once(fifo, content):
        code, _, stderr = commands[command]()
    if command == "suggest":
        # Read twice and named in the rule file: a pipe cannot be either.
        assert code == 2
        assert stderr == (
            f"Error: {fifo}: is a named pipe or a device, which can be read only once; suggest reads "
            "the data twice (to profile it, then to measure the rules) and names it in the rule "
            "file: save the data to a file and give its path\n"
        )
        return
    assert code == (1 if command == "audit" else 0), stderr
