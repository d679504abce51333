"""Output files are complete or untouched, never half-written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from veracity._atomic import all_or_nothing, atomic_path, atomic_write, remove_leftovers, temporary_directory
from veracity.errors import UsageError
from veracity.reports import render
from veracity.results import AuditResult


def test_writes_text_and_bytes(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.txt", "grüße\n")
    atomic_write(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_bytes() == "grüße\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin"]


def test_accepts_string_paths(tmp_path: Path) -> None:
    atomic_write(str(tmp_path / "report.json"), "{}\n")
    assert (tmp_path / "report.json").read_text() == "{}\n"


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["report.md"]


def test_temp_file_is_in_the_target_directory_and_hidden(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path
        assert temp.name.startswith(".report.json.")
        assert temp.exists()
        assert not target.exists()
        temp.write_text("{}")
    assert not temp.exists()
    assert target.read_text() == "{}"


def _write_half_then_fail(target: Path, text: str, error: BaseException) -> None:
    with atomic_path(target) as temp:
        temp.write_text(text[: len(text) // 2])
        raise error


def test_failure_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, audit_result: AuditResult
) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous report")
    text = render(audit_result, "markdown")
    with pytest.raises(RuntimeError, match="renderer crashed"):
        _write_half_then_fail(target, text, RuntimeError("renderer crashed"))
    assert target.read_text() == "previous report"
    assert os.listdir(tmp_path) == ["report.md"]


def test_interrupt_without_old_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _write_half_then_fail(tmp_path / "report.md", "half a report", KeyboardInterrupt())
    assert os.listdir(tmp_path) == []


def test_missing_directory_is_a_one_line_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "audit.json"
    with pytest.raises(UsageError) as caught:
        atomic_write(target, "{}")
    message = str(caught.value)
    assert message == f"cannot write {target}: directory {target.parent} does not exist; create it first"
    assert "\n" not in message
    assert not (tmp_path / "reports").exists()


def test_relative_path_in_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        UsageError, match=r"^cannot write out/r\.json: directory out does not exist; create it first$"
    ):
        atomic_write("out/r.json", "{}")


def test_target_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "report.json").mkdir()
    with pytest.raises(UsageError, match="it is a directory"):
        atomic_write(tmp_path / "report.json", "{}")


def test_parent_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is not a directory"):
        atomic_write(tmp_path / "file" / "report.json", "{}")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_keeps_the_permissions_of_the_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "report.json", "{}")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644


def test_a_device_or_pipe_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    """`-o /dev/null` must not turn the device into a regular file (as root it could)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "report")
    reader.join(timeout=10)
    assert received == [b"report"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert list(tmp_path.iterdir()) == [fifo]


def test_standard_output_through_its_link_is_written_in_place() -> None:
    """`-o /dev/stdout` in a pipeline: the link leads to /proc/self/fd/1, whose target
    ("pipe:[...]") is no path, so the report must go to the pipe, not to a temporary file."""
    script = (
        "from veracity._atomic import atomic_write; atomic_write('/dev/stdout', 'report through the pipe')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"report through the pipe"


def test_a_link_to_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "report.txt"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    atomic_write(link, "report")
    reader.join(timeout=10)
    assert received == [b"report"]
    assert link.is_symlink()
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_group_writes_every_output_or_none(tmp_path: Path) -> None:
    def two_outputs_then_a_failure() -> None:
        with all_or_nothing():
            atomic_write(tmp_path / "report.json", "{}")
            atomic_write(tmp_path / "findings.csv", "rule\n")
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        two_outputs_then_a_failure()
    assert os.listdir(tmp_path) == []
    with all_or_nothing():
        atomic_write(tmp_path / "report.json", "{}")
        assert os.listdir(tmp_path)[0].startswith(".report.json.")  # held back until the end
        atomic_write(tmp_path / "findings.csv", "rule\n")
    assert sorted(os.listdir(tmp_path)) == ["findings.csv", "report.json"]


def test_leftovers_of_a_cut_short_clean_up_are_removed(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "report.json") as temp, temporary_directory(tmp_path / "f.csv") as parts:
        (parts / "0-0.arrow").write_bytes(b"part")
        remove_leftovers()  # what the exit path runs when a signal cut the clean-up short
        assert not temp.exists()
        assert not parts.exists()
        temp.write_text("{}")  # the block still completes: the rename finds its file
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_full_device_is_a_located_error(tmp_path: Path) -> None:
    link = tmp_path / "full.json"
    link.symlink_to("/dev/full")
    with pytest.raises(UsageError, match=r"cannot write .*full.json: no space left on the device"):
        atomic_write(link, "{}" * 10_000)
