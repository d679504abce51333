"""What the work after the checks costs per failing record: the same table, more or fewer failures.

Usage (from the repository root)::

    .venv/bin/python benchmarks/after_checks.py [--rows 1000000] [--rules 5] [--runs 3]

Audits one in-memory table of ``--rows`` records (a key and ``--rules`` numeric text fields of
random values) with one ``range`` rule per field whose maximum fails a chosen share of the
records: 0 %, 1 %, 10 %, 50 % and 100 %, so the one-pass plan reads the same values each time
and only the failures change. CPU seconds (every thread) of each step after the plan, timed by
wrapping the engine's functions as ``stages.py`` does (``step_clocks.py``): the rest of the engine's pass (counts,
each failing rule's rows), the findings (one row per failing record and rule), the record
scores, and scoring with the JSON report. The engine's per-table part is what the 0 % row
spends; what each further finding costs is the slope between the rows. Medians of ``--runs``;
``PYTHONPATH=/tmp/tree/src`` times another tree (``git archive COMMIT src | tar -x -C /tmp/tree``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import numpy as np
import polars as pl
from step_clocks import (
    BUILDING,
    ENGINE,
    FINDINGS,
    ONE_PASS,
    READING,
    RECORD_SCORES,
    StepClocks,
    instrument_engine,
)

import veracity
from veracity.reports import render

SHARES = (0.0, 0.01, 0.1, 0.5, 1.0)
CLOCKS = StepClocks()


def _table(rows: int, fields: int) -> pl.DataFrame:
    rng = np.random.default_rng(16)
    columns = {"id": pl.Series([f"K{i:09d}" for i in range(rows)])}
    for index in range(fields):
        # Values 1..rows, each once: a maximum of rows * (1 - share) fails exactly that share.
        columns[f"v{index}"] = pl.Series(rng.permutation(rows) + 1).cast(pl.String)
    return pl.DataFrame(columns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    instrument_engine(CLOCKS)
    frame = _table(args.rows, args.rules)
    render(
        veracity.audit(frame.head(1000), [{"id": "r", "check": "range", "field": "v0", "max": 10}]), "json"
    )
    steps = (
        "one-pass plan",
        "rest of the engine's pass",
        "findings",
        "record scores",
        "scoring, JSON report",
    )
    print(f"{args.rows:,} records, {args.rules} range rules; CPU seconds, medians of {args.runs}")
    print("| failing share | findings | " + " | ".join(steps) + " | after the plan | per finding |")
    print("| ---: | ---: |" + " ---: |" * (len(steps) + 2))
    base: float | None = None
    for share in SHARES:
        maximum = round(args.rows * (1 - share))
        rules = [
            {"id": f"r{i}", "check": "range", "field": f"v{i}", "min": 0, "max": maximum}
            for i in range(args.rules)
        ]
        spent: dict[str, list[float]] = {step: [] for step in steps}
        findings = 0
        for _ in range(args.runs):
            CLOCKS.clear()
            started = time.process_time()
            result = veracity.audit(frame, rules, as_of=date(2026, 11, 1))
            render(result, "json")
            total = time.process_time() - started
            findings = result.findings.height
            engine = CLOCKS.cpu.pop(ENGINE)
            inner = (BUILDING, ONE_PASS, FINDINGS, RECORD_SCORES)
            CLOCKS.cpu["rest of the engine's pass"] = engine - sum(
                CLOCKS.cpu.get(name, 0.0) for name in inner
            )
            CLOCKS.cpu["scoring, JSON report"] = total - engine - CLOCKS.cpu.get(READING, 0.0)
            for step in steps:
                spent[step].append(CLOCKS.cpu.get(step, 0.0))
        medians = {step: statistics.median(values) for step, values in spent.items()}
        after = sum(medians[step] for step in steps[1:])
        base = after if base is None else base
        per = f"{(after - base) / findings * 1e9:.0f} ns" if findings else "-"
        cells = " | ".join(f"{medians[step]:.3f} s" for step in steps)
        print(f"| {share:.0%} | {findings:,} | {cells} | {after:.3f} s | {per} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
