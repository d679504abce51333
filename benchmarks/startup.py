"""Start-up of ``veracity``: how much longer than ``import polars`` a run takes on a tiny file.

Usage::

    python benchmarks/startup.py [--runs 7] [--src DIR] [--baseline DIR]

Runs, interleaved in fresh processes, ``python -c "import polars"`` (the floor of any
polars-based tool), ``python -m veracity --version``, ``--help`` and ``audit`` of a two-record
CSV with one e-mail rule, and prints the median wall time of each and its difference to the
floor. ``--src`` runs veracity from that source tree (PYTHONPATH) instead of the installed one;
``--baseline`` adds the same three commands run from another source tree (an earlier commit:
``git archive COMMIT src | tar -x -C /tmp/before``, then ``--baseline /tmp/before/src``), in the
same interleaved rounds, so a before/after comparison sees the same load on a noisy machine.
``python -X importtime -m veracity --help`` shows where the rest goes.

Every run reads compiled bytecode, as an installed package does (pip compiles it at install
time): the runs write their caches under a temporary ``PYTHONPYCACHEPREFIX`` in the warm-up
round, also where the environment sets ``PYTHONDONTWRITEBYTECODE`` (which would otherwise make
every run compile every veracity module again, about 0.05 s of CPU time). ``--no-bytecode``
leaves the environment's bytecode settings as they are (with ``PYTHONDONTWRITEBYTECODE`` set,
what a run costs without caches).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def _wall(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, all threads) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--src", type=Path, help="veracity source tree to run (the directory holding veracity/)"
    )
    parser.add_argument(
        "--baseline", type=Path, help="a second source tree to run the same commands from, for comparison"
    )
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="leave the environment's bytecode settings as they are (PYTHONDONTWRITEBYTECODE: no caches)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = dict(os.environ)
        if not args.no_bytecode:
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        env = dict(base)
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve())
        trees = {"": env}
        if args.baseline is not None:
            trees[" (baseline)"] = {**base, "PYTHONPATH": str(args.baseline.resolve())}
        data, rules = Path(tmp) / "tiny.csv", Path(tmp) / "tiny.yaml"
        data.write_text("id,email\n1,a@example.org\n2,b@example\n", encoding="utf-8")
        rules.write_text("version: 1\nrules:\n  - {id: e, check: email, field: email}\n", encoding="utf-8")
        audit = [
            "audit",
            "--rules",
            str(rules),
            "--no-progress",
            "--exit-zero",
            "-o",
            str(Path(tmp) / "r.txt"),
        ]
        veracity = [args.python, "-m", "veracity"]
        commands = {"import polars": ([args.python, "-c", "import polars"], env)}
        for suffix, tree in trees.items():
            commands[f"veracity --version{suffix}"] = ([*veracity, "--version"], tree)
            commands[f"veracity --help{suffix}"] = ([*veracity, "--help"], tree)
            commands[f"veracity audit (tiny file){suffix}"] = ([*veracity, *audit, str(data)], tree)
        for command, command_env in commands.values():  # bytecode caches
            _wall(command, command_env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, command_env) in commands.items():
                times[name].append(_wall(command, command_env))
    # CPU time is the steadier measure on a shared machine: waiting for a core adds to the wall
    # time only.
    floor = [statistics.median(run[i] for run in times["import polars"]) for i in (0, 1)]
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} interleaved runs")
    print("| command | median wall | minus `import polars` | median CPU | minus `import polars` |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, runs in times.items():
        wall, cpu = (statistics.median(run[i] for run in runs) for i in (0, 1))
        print(f"| {name} | {wall:.2f} s | {wall - floor[0]:+.2f} s | {cpu:.2f} s | {cpu - floor[1]:+.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
