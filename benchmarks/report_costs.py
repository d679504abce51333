"""What the reports cost once the checks are done: CPU and wall seconds of each report format
rendered from one audit's result, and of the per-rule summaries they read off the findings.

Usage (from the repository root)::

    .venv/bin/python benchmarks/report_costs.py benchmarks/data/shape-contacts-invalid.csv \\
        --rules benchmarks/data/shape-contacts-invalid.rules.yaml [--runs 3]

Audits the file in this process (``--as-of 2026-11-01``, JSON report to a temporary
directory), keeps the result the CLI renders, then renders it again in every format ``--runs``
times and prints the median of each: the cost that grows with the findings (2.5 million on
contacts-invalid), apart from reading and checking. ``PYTHONPATH=/tmp/tree/src`` times an
earlier source tree (``git archive COMMIT src | tar -x -C /tmp/tree``).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import veracity.cli
import veracity.cli.audit
from veracity.reports import FORMATS, _common, render
from veracity.results import AuditResult


def _audited(data: Path, rules: Path) -> AuditResult:
    """The result ``veracity audit`` renders for ``data``, taken from the CLI's own call."""
    kept: list[AuditResult] = []
    cli_render = veracity.cli.audit.render

    def keep(result: AuditResult, *args: Any, **kwargs: Any) -> str:
        kept.append(result)
        return cli_render(result, *args, **kwargs)

    veracity.cli.audit.render = keep  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sys.argv = ["veracity", "audit", "--rules", str(rules), "--as-of", "2026-11-01"]
            sys.argv += ["--format", "json", "-o", f"{tmp}/r.json", "--exit-zero", "--no-progress", str(data)]
            with contextlib.suppress(SystemExit):  # the CLI exits with its code
                veracity.cli.app()
    finally:
        veracity.cli.audit.render = cli_render
    return kept[0]


def _timed(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """Median CPU seconds (all threads) and wall seconds of ``runs`` calls of ``work``."""
    cpu, wall = [], []
    for _ in range(runs):
        started, busy = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - busy)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path)
    parser.add_argument("--rules", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = _audited(args.data, args.rules)
    steps: dict[str, Callable[[], object]] = {
        "findings per rule": lambda: _common.findings_by_rule(result),
        "samples per rule": lambda: _common.samples_by_rule(result, 5, reveal_values=False),
        **{f"render {fmt}": (lambda fmt=fmt: render(result, fmt)) for fmt in FORMATS},
    }
    print(f"{result.findings.height:,} findings; medians of {args.runs} runs")
    print("| step | CPU | wall |")
    print("| --- | ---: | ---: |")
    for name, work in steps.items():
        cpu, wall = _timed(args.runs, work)
        print(f"| {name} | {cpu:.3f} s | {wall:.3f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
