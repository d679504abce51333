"""Every console command that README.md and docs/*.md show runs, as written, and ends as the text says.

The commands run through bash in a scratch directory that holds the files they name, made from the
shipped examples (``rules.yaml``, ``data.csv``, ``export.xlsx``, ...), with the installed
``veracity`` first on PATH. A command passes when it exits 0 or 1 (1 is a failed quality gate, which
the shipped examples are meant to show), prints no ``Error:`` line and no traceback, and writes
every file it names with ``-o``/``--findings``/``--openlineage``. The ``make demo`` transcript in
the README is compared with a real run, line by line (``...`` stands for lines left out).

Commands with placeholders are not commands: a synopsis (``[--flag PATH]``) belongs in a ``text``
block, not a ``console`` one.
"""

from __future__ import annotations

import http.server
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str
    #: The transcript shown under the command, up to the next command or the block's end.
    output: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: $ {self.text}"


def console_commands() -> list[Command]:
    return [command for doc in DOCS for command in _commands_in(doc)]


def _commands_in(doc: Path) -> list[Command]:
    """The ``$ `` lines of a document's ``console`` blocks, each with the lines shown under it."""
    commands: list[Command] = []
    in_console = False
    current: tuple[int, str] | None = None
    output: list[str] = []
    for number, line in enumerate([*doc.read_text(encoding="utf-8").splitlines(), "```"], start=1):
        ends_command = line.startswith("```") or (in_console and line.startswith("$ "))
        if ends_command and current is not None:
            commands.append(Command(doc.name, current[0], current[1], tuple(output)))
            current, output = None, []
        if line.startswith("```"):
            in_console = line.strip() == "```console"
        elif in_console and line.startswith("$ "):
            current = (number, line[2:])
        elif current is not None:
            output.append(line)
    return commands


COMMANDS = console_commands()
#: Set-up commands: `make test` is what runs this suite, and `make demo` is checked through its
#: transcript (the recipe's own command, which make echoes as the transcript's first line).
SET_UP = {"make demo", "make test"}


def _strip_comment(text: str) -> str:
    return re.sub(r"\s+#.*$", "", text)


class _LineageSink(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []  # noqa: RUF012 - one server per test session

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(self.rfile.read(length))
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def lineage_server() -> Iterator[str]:
    """A local stand-in for the OpenLineage endpoint the docs name (no network here)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LineageSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_WORKSPACES: dict[str, Path] = {}


@pytest.fixture
def workspace(command: Command, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scratch directory per document: its commands run in order, as a reader would run
    them (``veracity trend`` reads the history the audit before it recorded)."""
    if command.doc not in _WORKSPACES:
        _WORKSPACES[command.doc] = _make_workspace(tmp_path_factory.mktemp(command.doc.replace(".", "_")))
    return _WORKSPACES[command.doc]


def _make_workspace(tmp_path: Path) -> Path:
    """The files the documented commands name, made from the shipped examples."""
    for name in ("rules.yaml", "crm_export.csv", "shop_customers.ndjson"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "rules").mkdir()
    for name in ("crm_export.csv", "shop_customers.ndjson"):
        shutil.copy(EXAMPLES / name, tmp_path / "rules" / name)
    shutil.copy(EXAMPLES / "rules.yaml", tmp_path / "rules" / "customers.yaml")
    for name in ("crm_2024-01.csv", "crm_2024-02.csv", "data.csv", "export.csv"):
        shutil.copy(EXAMPLES / "crm_export.csv", tmp_path / name)
    crm = pl.read_csv(EXAMPLES / "crm_export.csv", separator=";", infer_schema=False, encoding="utf8-lossy")
    crm = crm.rename({crm.columns[0]: crm.columns[0].lstrip("\ufeff")})
    crm.write_parquet(tmp_path / "data.parquet")
    crm.write_excel(tmp_path / "export.xlsx", worksheet="Customers")
    # docs/databases.md audits a SQLite database: the two exports as its tables, text columns.
    with sqlite3.connect(tmp_path / "shop.db") as connection:
        for table, frame in (
            ("crm_export", crm),
            ("shop_customers", pl.read_ndjson(EXAMPLES / "shop_customers.ndjson")),
        ):
            frame = frame.select(pl.all().cast(pl.String))
            columns = ", ".join(f'"{name}" text' for name in frame.columns)
            connection.execute(f'CREATE TABLE "{table}" ({columns})')
            connection.executemany(
                f'INSERT INTO "{table}" VALUES ({", ".join("?" * frame.width)})', frame.rows()
            )
    connection.close()
    (tmp_path / "summary.md").touch()
    shutil.copytree(EXAMPLES, tmp_path / "examples")  # the rule packs' examples name their paths
    return tmp_path


def _environment(workspace: Path, lineage_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "OPENLINEAGE", "VERACITY_HISTORY"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        GITHUB_STEP_SUMMARY=str(workspace / "summary.md"),
        NO_COLOR="1",
        COLUMNS="100",
        TERM="dumb",
    )
    return env


def _named_outputs(text: str) -> list[str]:
    words = shlex.split(_strip_comment(text))
    named = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-o", "--output", "--findings")]
    named += [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--openlineage"]
    return named


RUNNABLE = [c for c in COMMANDS if c.text.split("#")[0].strip() not in SET_UP]


def test_the_docs_show_commands() -> None:
    """The extraction itself works: the README's usage block and each doc's commands are found."""
    docs = {c.doc for c in RUNNABLE}
    assert {"README.md", "history.md", "reports.md", "openlineage.md"} <= docs
    assert any(c.text.startswith("veracity rules explain") for c in RUNNABLE)


@pytest.mark.parametrize("command", RUNNABLE, ids=str)
def test_documented_command_runs_as_written(command: Command, workspace: Path, lineage_server: str) -> None:
    text = command.text.replace("http://marquez:5000", lineage_server)
    if text.startswith("sqlite3 "):
        # The sqlite3 shell is not part of the set-up; the same query through Python's sqlite3.
        subprocess.run(
            ["veracity", "audit", "--rules", "rules.yaml", "--history", "--exit-zero"],
            cwd=workspace,
            env=_environment(workspace, lineage_server),
            check=True,
            capture_output=True,
        )
        database, query = shlex.split(text)[1:3]
        with sqlite3.connect(workspace / database) as connection:
            assert connection.execute(query).fetchall()
        return
    run = subprocess.run(
        ["bash", "-c", text],
        cwd=workspace,
        env=_environment(workspace, lineage_server),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert "Error:" not in run.stderr, f"{command}\n{run.stderr}"
    assert run.returncode in (0, 1), f"{command}: exit {run.returncode}\n{run.stderr}"
    for name in _named_outputs(text):
        assert (workspace / name).stat().st_size > 0, f"{command}: {name} was not written"
    if "GITHUB_STEP_SUMMARY" in text:
        assert (workspace / "summary.md").read_text(encoding="utf-8").startswith("#")


def test_the_demo_transcript_is_what_the_demo_prints() -> None:
    """The README's `make demo` transcript, line for line, from the Makefile's own command."""
    (demo,) = [
        c
        for c in COMMANDS
        if c.doc == "README.md" and c.text.split("#")[0].strip() == "make demo" and c.output
    ]
    recipe, *shown = demo.output
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"\t{recipe.replace('.venv/bin/', '$(BIN)/').replace('2026-11-01', '$(DEMO_AS_OF)')}" in make
    words = shlex.split(recipe)
    run = subprocess.run(
        [str(BIN / "veracity"), *words[1:]],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    printed = [line.rstrip() for line in run.stdout.splitlines()]
    position, skipping = 0, False
    for expected in (line.rstrip() for line in shown):
        if expected == "...":
            skipping = True
            continue
        found = (
            printed.index(expected, position)
            if skipping and expected in printed[position:]
            else position
            if printed[position : position + 1] == [expected]
            else None
        )
        if found is None:
            pytest.fail(
                f"README.md's demo transcript differs from what the demo prints at:\n{expected}\n"
                f"the demo printed:\n{run.stdout}"
            )
        position, skipping = found + 1, False


def test_the_readme_lists_every_audit_option() -> None:
    """The README's option table names every option of `veracity audit` (read from the CLI)."""
    import typer.main

    from veracity.cli import app

    command = typer.main.get_command(app).commands["audit"]  # type: ignore[attr-defined]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("`veracity audit` options") :]
    table = table[: table.index("\n\n", table.index("| option |"))]
    missing = [
        option
        for param in command.params
        for option in param.opts
        if option.startswith("--")
        and option not in ("--help", "--progress")
        and not re.search(rf"[`/]{re.escape(option)}(?![\w-])", table)
    ]
    assert not missing, f"README.md's option table misses {missing}"


def test_the_readme_names_every_check() -> None:
    from veracity.checks.base import REGISTRY

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    checks = readme[readme.index("### Checks") :]
    assert [name for name in REGISTRY if f"`{name}`" not in checks] == []
