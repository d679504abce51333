"""Where an audit's time goes: wall seconds per step of one ``veracity audit`` run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/stages.py benchmarks/data/customers_1m.csv [--rules RULES]

Runs the CLI in this process with the shipped rule pack (``--as-of 2026-11-01``, JSON report
to a temporary directory) and times its steps by wrapping the functions that do them, so the
steps add up to the run: imports, reading the sources, building the checks (from the first
check started to the last one done: the engine builds them on a thread per core), the one-pass
plan (the collect of every rule's verdicts), the rest of the engine's pass (counts, failing
records, their messages), the findings (one row per failing record and rule), the record scores,
and the rest (scoring, the report). Inside
building, the distinct values the e-mail and phone checks judge, their verdicts, the
per-distinct-value date and yes/no parsing and the ``unique`` grouping are timed too; they run
side by side, so they add up to more than the step. Times are wall seconds (a step that uses
both cores counts once) and CPU seconds of every thread of the process. Run it a few times; the
machine's load moves them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

import polars  # noqa: E402, F401  (imported here to time its import apart)

IMPORTED_POLARS = time.perf_counter()
CPU_POLARS = time.process_time()

from step_clocks import (  # noqa: E402
    BUILDING,
    ENGINE,
    FINDINGS,
    ONE_PASS,
    READING,
    RECORD_SCORES,
    StepClocks,
    instrument_engine,
)

import veracity.checks.base  # noqa: E402
import veracity.checks.validity  # noqa: E402
import veracity.cli  # noqa: E402
import veracity.engine._keys  # noqa: E402
import veracity.engine._plan  # noqa: E402

IMPORTED = time.perf_counter()
CPU_IMPORTED = time.process_time()
ROOT = Path(__file__).resolve().parent.parent
CLOCKS = StepClocks()
#: Wall seconds of the work inside building the checks (overlapping).
INSIDE: dict[str, float] = {}


def _inside(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            INSIDE[label] = INSIDE.get(label, 0.0) + time.perf_counter() - start

    return timed


def _instrument() -> None:
    instrument_engine(CLOCKS, one_pass_min_rows=100_001)
    plan, validity = veracity.engine._plan, veracity.checks.validity
    validity._phone_verdicts = _inside("phone verdicts", validity._phone_verdicts)
    validity._email_verdicts = _inside("e-mail verdicts", validity._email_verdicts)
    plan.key_frame = _inside("unique", veracity.engine._keys.key_frame)  # type: ignore[attr-defined]
    context = veracity.checks.base.CheckContext
    context.distinct = _inside("distinct values", context.distinct)  # type: ignore[method-assign]
    context._per_distinct_value = _inside("dates, yes/no", context._per_distinct_value)  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "customer-master.yaml")
    args = parser.parse_args()
    _instrument()
    with tempfile.TemporaryDirectory() as tmp:
        sys.argv = ["veracity", "audit", "--rules", str(args.rules), "--as-of", "2026-11-01"]
        sys.argv += [
            "--format",
            "json",
            "-o",
            f"{tmp}/report.json",
            "--exit-zero",
            "--no-progress",
            str(args.data),
        ]
        start, cpu = time.perf_counter(), time.process_time()
        with contextlib.suppress(SystemExit):  # the CLI exits with its code
            veracity.cli.app()
        run, run_cpu = time.perf_counter() - start, time.process_time() - cpu
    rest = "rest of the engine's pass"
    order = (READING, BUILDING, ONE_PASS, rest, FINDINGS, RECORD_SCORES)
    spent, busy = CLOCKS.wall, CLOCKS.cpu
    # The engine's own time is what its parts leave (building ran while it waited).
    parts = (BUILDING, ONE_PASS, FINDINGS, RECORD_SCORES)
    engine = (spent.pop(ENGINE), busy.pop(ENGINE))
    spent[rest] = engine[0] - sum(spent.get(name, 0.0) for name in parts)
    busy[rest] = engine[1] - sum(busy.get(name, 0.0) for name in parts)
    steps = {
        "import polars": (IMPORTED_POLARS - STARTED, CPU_POLARS),
        "import veracity": (IMPORTED - IMPORTED_POLARS, CPU_IMPORTED - CPU_POLARS),
        **{name: (spent[name], busy[name]) for name in order if name in spent},
    }
    steps["rest"] = (run - sum(spent.values()), run_cpu - sum(busy.values()))
    width = max(len(name) for name in [*steps, *INSIDE]) + 2
    print(f"{'step':<{width}}  {'wall':>8}  {'CPU':>8}")
    for name, (seconds, busy) in steps.items():
        print(f"{name:<{width}}  {seconds:6.2f} s  {busy:6.2f} s")
        if name == BUILDING:
            for part, part_seconds in INSIDE.items():
                print(f"  {part:<{width - 2}}  {part_seconds:6.2f} s")
    print(f"{'total':<{width}}  {time.perf_counter() - STARTED:6.2f} s  {time.process_time():6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
