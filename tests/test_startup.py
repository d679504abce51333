"""Start-up: a run imports what it needs when it needs it (issue 16).

Each case runs in a fresh interpreter and reads ``sys.modules`` afterwards, so a module-level
import of a heavy library that the run does not use (a report format's template engine, the
corrections' libraries, a connector) shows up here instead of as a slower start of every run.
Speed itself is measured by ``benchmarks/startup.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: Libraries and modules none of the runs below uses; each costs tens of milliseconds or more.
NOT_NEEDED = (
    "jinja2",
    "openlineage.client",
    "pycountry",
    "email_validator",
    "sqlglot",
    "pyarrow",
    "psycopg",
    "pyspark",
    "veracity.linkage.pipeline",
    "veracity.reports.html",
    "veracity.reports.junit",
    "veracity.reports.markdown",
    # Check families and source kinds a CSV audit of a not_null rule does not use.
    "veracity.checks.agree",
    "veracity.checks.consent",
    "veracity.checks.duplicates",
    "veracity.checks.minimisation",
    "veracity.checks.retention",
    "veracity.checks.uniqueness",
    "veracity.linkage",
    "fastexcel",
    "phonenumbers",
    "veracity.sources._excel",
    "veracity.sources._json",
    "veracity.sources._parquet",
    # Fuzzy matching (for "did you mean"), charset detection (for text that is not UTF-8) and
    # rich's progress display (for a terminal).
    "rapidfuzz",
    "charset_normalizer",
    "rich.progress",
)

#: What the other commands need: an audit (or --version) imports none of it; --help does.
OTHER_COMMANDS = (
    "veracity.cli.fix",
    "veracity.cli.profile",
    "veracity.cli.suggest",
    "veracity.cli.trend",
    "veracity.corrections",  # and an audit with --worklist
    "veracity.history",
    "veracity.profiling",
    "veracity.rulegen",
)

#: The engine, for a command line that only asks for the version.
ENGINE = ("numpy", "polars", "pydantic", "veracity._api", "veracity.config", "veracity.engine")

_RUN = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["veracity", *json.loads(sys.argv[1])]
    {setup}
    print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)
    """
)


def _modules_after(setup: str, args: list[str], cwd: Path) -> set[str]:
    """The modules loaded after ``setup`` ran with ``sys.argv`` = veracity ``args``."""
    # Standard error is a pipe here; these settings would make rich treat it as a terminal.
    env = {name: value for name, value in os.environ.items() if name not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(setup=setup), json.dumps(args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    assert last.startswith("["), f"the run failed:\n{done.stderr}"
    return set(json.loads(last))


_CALL_APP = "from veracity.cli import app\ntry:\n    app()\nexcept SystemExit:\n    pass"


_AUDIT = ["audit", "-r", "rules.yaml", "tiny.csv"]


@pytest.mark.parametrize(
    ("setup", "args", "also_not_needed"),
    [
        ("import veracity", [], ENGINE + OTHER_COMMANDS),
        ("import veracity.cli", [], ENGINE + OTHER_COMMANDS),
        (_CALL_APP, ["--version"], ENGINE + OTHER_COMMANDS),
        (_CALL_APP, ["--help"], ()),
        (_CALL_APP, [*_AUDIT, "-o", "report.txt", "--exit-zero"], OTHER_COMMANDS),
        # A JSON report and a line on standard error (not a terminal) need no rich at all.
        (_CALL_APP, [*_AUDIT, "--format", "json", "-o", "r.json"], (*OTHER_COMMANDS, "rich")),
    ],
    ids=["import veracity", "import veracity.cli", "--version", "--help", "audit", "audit json"],
)
def test_a_run_does_not_import_what_it_does_not_use(
    setup: str, args: list[str], also_not_needed: tuple[str, ...], tmp_path: Path
) -> None:
    (tmp_path / "tiny.csv").write_text("id,email\n1,a@example.org\n2,\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(
        "version: 1\nrules:\n  - {id: filled, check: not_null, field: email}\n", encoding="utf-8"
    )
    loaded = _modules_after(setup, args, tmp_path)
    assert sorted(loaded & {*NOT_NEEDED, *also_not_needed}) == []
    if args[:1] == ["audit"]:
        assert (tmp_path / args[args.index("-o") + 1]).is_file()  # the run did happen


def test_the_public_api_is_the_same_when_imported_on_first_use() -> None:
    import veracity

    assert veracity.__all__ == ["AuditResult", "__version__", "audit", "load_data", "load_rules"]
    assert set(veracity.__all__) <= set(dir(veracity))
    from veracity._api import audit, load_data, load_rules
    from veracity.results import AuditResult

    assert (veracity.audit, veracity.load_data, veracity.load_rules, veracity.AuditResult) == (
        audit,
        load_data,
        load_rules,
        AuditResult,
    )
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        veracity.nope  # noqa: B018


def test_the_registry_finds_every_check_without_importing_every_module() -> None:
    """The module scan (``CheckRegistry.declared``) names the module of every check that
    importing all the modules registers, and looking one name up imports that module only."""
    code = textwrap.dedent(
        """
        import json, sys
        from veracity.checks import REGISTRY
        before = {m for m in sys.modules if m.startswith("veracity.checks.")}
        declared = REGISTRY.declared()
        REGISTRY["unique"]
        after = {m for m in sys.modules if m.startswith("veracity.checks.")}
        every = {name: check.build.__module__ for name, check in REGISTRY.items()}
        print(json.dumps([sorted(after - before), declared, every]))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    newly_imported, declared, registered = json.loads(done.stdout)
    assert newly_imported == ["veracity.checks.uniqueness"]
    assert declared == registered
    assert len(registered) >= 20


def test_an_unknown_check_is_not_found_and_still_gets_a_suggestion() -> None:
    from veracity.checks import REGISTRY
    from veracity.suggest import did_you_mean

    assert "uniqe" not in REGISTRY
    assert REGISTRY.get("uniqe") is None
    with pytest.raises(KeyError):
        REGISTRY["uniqe"]
    assert did_you_mean("uniqe", REGISTRY) == "; did you mean 'unique'?"


_REPORT_GC = textwrap.dedent(
    """
    import atexit, gc, json, os, runpy, sys
    sys.argv = ["veracity", *json.loads(sys.argv[1])]
    atexit.register(
        lambda: print(
            json.dumps([
                gc.isenabled(),
                gc.get_freeze_count(),
                os.environ.get("OPENBLAS_NUM_THREADS"),
                os.environ.get("_RJEM_MALLOC_CONF"),
            ]),
            file=sys.__stderr__,
        )
    )
    runpy.run_module("veracity", run_name="__main__", alter_sys=True)
    """
)


_FREED_AT_ONCE = "dirty_decay_ms:0,muzzy_decay_ms:0"


@pytest.mark.parametrize(
    ("given", "chunked", "threads", "allocator"),
    [
        (None, False, "1", None),
        (None, True, "1", _FREED_AT_ONCE),
        ("3", True, "3", "narenas:2"),
    ],
    ids=["whole", "in chunks", "the user's"],
)
def test_the_command_runs_with_the_garbage_collector_on(
    tmp_path: Path, given: str | None, chunked: bool, threads: str, allocator: str | None
) -> None:
    """``python -m veracity`` starts with the cyclic garbage collector off; once the command's
    modules are imported, what the start-up made is frozen and the collector is on for the
    command's own work (a large audit makes cycles that must be collected). OpenBLAS, which
    numpy loads and veracity never calls, runs one thread unless the user says otherwise. In
    chunks, polars' allocator returns freed pages at once (one chunk's peak does not stack on
    the last one's freed pages) unless the user configured it; a whole read keeps polars' own."""
    (tmp_path / "tiny.csv").write_text("id,email\n1,a@example.org\n2,\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(
        "version: 1\nrules:\n  - {id: filled, check: not_null, field: email}\n", encoding="utf-8"
    )
    mine = ("OPENBLAS_NUM_THREADS", "_RJEM_MALLOC_CONF")
    env = {name: value for name, value in os.environ.items() if name not in mine}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
        env["_RJEM_MALLOC_CONF"] = "narenas:2"
    args = [*_AUDIT, "-o", "r.txt", "--exit-zero", *(["--chunk-rows=1000"] if chunked else [])]
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_GC, json.dumps(args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    enabled, frozen, blas_threads, allocator_conf = json.loads(done.stderr.strip().splitlines()[-1])
    assert enabled is True
    assert frozen > 10_000  # the modules' objects, out of the collector's sight
    assert blas_threads == threads
    # polars puts its own defaults in front when it loads; jemalloc takes the last of each option.
    if allocator is None:
        assert _FREED_AT_ONCE not in (allocator_conf or "")
    else:
        assert allocator_conf.endswith(allocator)
    assert given is None or _FREED_AT_ONCE not in allocator_conf
    assert (tmp_path / "r.txt").is_file()


def test_the_app_called_in_process_leaves_the_garbage_collector_alone(tmp_path: Path) -> None:
    """Only the console entry point (``main``) touches the collector: an application calling
    the Typer app in process (tests, ``CliRunner``) keeps its own settings."""
    import gc

    from typer.testing import CliRunner

    from veracity.cli import app

    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(app, ["rules", "--help"])
    assert result.exit_code == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() <= frozen  # nothing frozen (frozen objects freed leave the count)
