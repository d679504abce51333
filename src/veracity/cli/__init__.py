"""The ``veracity`` command: a thin layer over the Python API. One module per command."""

from __future__ import annotations

import atexit
import errno
import gc
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from types import FrameType
from typing import Any, NoReturn

import typer
import typer.main
from typer.core import TyperGroup

from veracity import __version__
from veracity.cli._common import (
    EXIT_ERROR,
    Interrupted,
    end_interrupted,
    ending,
    err_console,
    note_signal,
    swallowed_interrupt,
)

#: The commands, in the order help lists them: name -> (module, its command function or Typer
#: app). A command's module is imported when the command is looked up, so ``veracity audit``
#: does not import what profiling, trends or suggestions need, and ``--version`` none of it.
COMMANDS: Mapping[str, tuple[str, str]] = {
    "audit": ("veracity.cli.audit", "audit_command"),
    "trend": ("veracity.cli.trend", "trend_command"),
    "profile": ("veracity.cli.profile", "profile_command"),
    "suggest": ("veracity.cli.suggest", "suggest_command"),
    "fix": ("veracity.cli.fix", "fix_command"),
    "rules": ("veracity.cli.rules", "app"),
}


def _build(name: str) -> Any:
    """The click command ``name`` from its module, as ``app.command`` / ``app.add_typer`` make it."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
        command.name = name
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    _started()
    return command


#: Whether :func:`main` turned the cyclic garbage collector off for the start-up.
_starting = False


def _started() -> None:
    """The end of the start-up (a command's modules are imported): what it made is frozen out of
    the garbage collector's sight, and the collector is on again for the command's own work.

    The start-up imports polars, numpy, pydantic and veracity's modules: a few hundred thousand
    objects (modules, classes, functions) that live as long as the process. With the collector
    on, each collection while they are made walks them all again, about 0.05 s of CPU time
    before the first record is read; frozen, they are never walked again."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()


class _LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name; each is built on first look-up. Listing the names (help's
    "did you mean", the parser) imports nothing; ``--help`` builds them all to show their help."""

    def __init__(self, built: Mapping[str, Any]) -> None:
        self._built = dict(built)
        self._pending = [name for name in COMMANDS if name not in self._built]

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._pending:
                raise KeyError(name)
            self._built[name] = _build(name)
            self._pending.remove(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name in self._pending:
            self._pending.remove(name)

    def __delitem__(self, name: str) -> None:
        if name in self._pending:
            self._pending.remove(name)
        else:
            del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from [name for name in COMMANDS if name in self._built or name in self._pending]
        yield from [name for name in self._built if name not in COMMANDS]

    def __len__(self) -> int:
        return len(self._built) + len(self._pending)


#: 128 + SIGPIPE: what a shell reports for a writer whose reader has gone (``| head -1``).
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


class _Group(TyperGroup):
    """The root command: a usage error is one ``Error:`` line pointing at the command's help;
    a reader that goes away (``| head -1``) ends the run quietly, as it ends any Unix filter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: building every command is for help

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            code = _usage_error(exc, self._command_words(sys.argv[1:] if args is None else args))
        except typer.Abort:
            code = 130
        except SystemExit as done:
            # click (printing --version) and rich (printing help) end a write to a reader that has
            # gone with exit 1, which here means a failed quality gate.
            if not isinstance(done.__context__, BrokenPipeError):
                raise
            _silence_stdout()
            code = EXIT_BROKEN_PIPE
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def _command_words(self, args: Sequence[str]) -> list[str]:
        """The (sub)command names at the start of ``args``: ``rules check`` of ``rules check x.yaml``."""
        words: list[str] = []
        group: Any = self
        for arg in args:
            command = getattr(group, "commands", {}).get(arg)
            if command is None:
                break
            words.append(arg)
            group = command
        return words

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            end_interrupted(exc)
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None


def _usage_error(exc: typer.TyperException, words: list[str]) -> int:
    if type(exc).__name__ == "NoArgsIsHelpError":
        return EXIT_ERROR  # the help text is already printed
    ctx = getattr(exc, "ctx", None)
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    # The parser raises some errors (an option without its value) without a context.
    command = " ".join(["veracity", *(reversed(names) if names else words)])
    message = " ".join(exc.format_message().split()).rstrip(".")
    err_console.print(f"Error: {message}; see '{command} --help'", markup=False, highlight=False)
    return int(getattr(exc, "exit_code", EXIT_ERROR))


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the final flush at exit does not meet the
    closed pipe again and print an 'Exception ignored' message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
        os.close(devnull)
    except (OSError, ValueError):
        pass


app = typer.Typer(
    name="veracity",
    cls=_Group,
    help="Audit the quality of customer data exports against YAML rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"veracity {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Audit the quality of customer data exports against YAML rules."""


def main() -> NoReturn:
    """The console entry point: the app, then :func:`_exit` with its status."""
    global _starting
    # veracity makes no BLAS call, but numpy loads OpenBLAS, which starts a thread per core that
    # waits for work busily: about 0.03 s of CPU time per run. A setting of the user's wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if "polars" not in sys.modules and any(arg.split("=")[0] == "--chunk-rows" for arg in sys.argv[1:]):
        # polars' allocator (jemalloc) keeps freed pages for reuse for a while, so in a chunked
        # run one chunk's peak stacks on the pages the last one freed: 4M free-text records in
        # 500,000-record chunks peak at 2,062 MiB by default and 1,735 MiB with freed pages
        # returned at once, at the same CPU time. A whole read does not gain (returning pages
        # at once costs it about a tenth more CPU time), hence only for chunks. Read once, when
        # polars loads (which puts its own defaults in front); a setting of the user's wins.
        os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
    if gc.isenabled():
        # Off while the command's modules are imported; :func:`_started` turns it on again.
        _starting = True
        gc.disable()
    _open_closed_streams()
    _handle_termination()
    try:
        app()
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _open_closed_streams() -> None:
    """Open /dev/null on standard descriptors the caller closed (``>&-``, ``<&-``).

    Otherwise the next file opened takes the descriptor, and whatever is written to the stream
    (by a library, or by the report) would land in it. Python has set ``sys.stdout`` (or
    ``sys.stdin``) to None by then, which is how the commands see that the stream is closed.
    A closed standard error only means nobody reads the messages, so ``sys.stderr`` writes to
    /dev/null: the annotations, ``--debug`` tracebacks and warnings need a stream to go to.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
            if fd == 2 and sys.stderr is None:
                sys.stderr = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115


def _handle_termination() -> None:
    """SIGTERM (a scheduler, ``timeout``, ``kill``) ends a run as Ctrl-C does: the clean-up of
    temporary files runs, the process exits 128 + the signal's number with one line."""
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    sys.unraisablehook = _unraisable


def _interrupted(signum: int, frame: FrameType | None) -> None:
    # Only the first signal interrupts: a second one during the clean-up would cut it short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if ending():
        return
    note_signal(signum)
    raise Interrupted(signum)


#: Seconds before a swallowed interrupt's signal is sent again.
REDELIVER_AFTER = 0.05


def _unraisable(unraisable: Any) -> None:
    """The interrupt raised inside a callback from compiled code cannot leave it: it is not an
    error to print, and its signal is sent again, to land once control is back in Python (the
    run could otherwise go on, and wait on its input for ever). Anything else is reported as
    Python would."""
    if not swallowed_interrupt(unraisable):
        sys.__unraisablehook__(unraisable)
        return
    signum = unraisable.exc_value.signum
    if threading.current_thread() is threading.main_thread():
        signal.signal(signum, _interrupted)
        again = threading.Timer(REDELIVER_AFTER, os.kill, (os.getpid(), signum))
        again.daemon = True
        again.start()


def _exit(code: object) -> NoReturn:
    """End the process with ``code`` as ``sys.exit`` would, without interpreter shutdown.

    A large audit leaves a GiB of frames behind, which shutdown frees object by object (about
    0.2 s at a million records). Everything an exit must still do is run first: the atexit
    handlers (logging, thread pools, finalizers of temporary files, the OpenLineage client's),
    then the flush of standard output and error. When another thread is still running, or the
    flush fails (a closed pipe), the interpreter exits the usual way instead.
    """
    if (code is not None and not isinstance(code, int)) or threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the descriptor was closed when the process started
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code or 0)
