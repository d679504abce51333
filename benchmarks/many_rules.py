"""How long an audit takes as the rule file grows: wall seconds per rule count, by stage.

Usage (from the repository root)::

    .venv/bin/python benchmarks/many_rules.py [--counts 1000 5000] [--rows 1000] [--repeat 3]

Writes a 10-column CSV of ``--rows`` records and a rule file of N rules (alternately
``not_null`` and an ``expression`` such as ``c0 < 37 OR c2 > 3``, as in the issue that found
5,000 rules taking 73 s) to a temporary directory, then times, best of ``--repeat``, loading
the rule file, the audit (``veracity.audit``: reading, the one-pass plan, findings, scores) and
the JSON report. Time per rule should stay flat as N grows. Measured on the 2-core benchmark
machine:

=======  =======  ========  =======  ===========
 rules     load     audit     json    ms per rule
=======  =======  ========  =======  ===========
  1,000     0.26      2.74     0.61       3.6
  5,000     1.35      9.05     1.75       2.4
=======  =======  ========  =======  ===========

(best of 2, with the test suite running on the other core). Before (each rule filtered the
whole verdict matrix, a column per rule; record scores summed 5,000 columns through polars one
by one; findings gathered by a query per rule; SQL through ``pl.sql_expr``): the audit of 5,000
rules took 337 s on the same machine. The table report (last column, not in the per-rule
figure) renders every rule and each failing rule's samples through rich: linear in the rules,
but slower than the audit itself; measured with ``--repeat 1`` while other work ran:

=======  ========
 rules    table
=======  ========
  1,000     3.48
  5,000    12.36
=======  ========
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import veracity
from veracity.config import load_rule_file
from veracity.reports import render

COLUMNS = [f"c{i}" for i in range(10)]


def write_data(path: Path, rows: int) -> None:
    pick = random.Random(7)
    lines = [",".join(COLUMNS)]
    for _ in range(rows):
        values = [
            str(pick.randint(0, 100))
            if i % 2 == 0
            else f"2024-01-{pick.randint(1, 28):02d}"
            if i == 1
            else f"v{pick.randint(0, 50)}"
            for i in range(len(COLUMNS))
        ]
        lines.append(",".join(values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_rules(path: Path, count: int) -> None:
    lines = ["version: 1", "rules:"]
    for index in range(count):
        if index % 2 == 0:
            lines.append(f"  - {{id: r{index}, check: not_null, field: {COLUMNS[index % 10]}}}")
        else:
            lines.append(f'  - {{id: r{index}, check: expression, expr: "c0 < {index % 100} OR c2 > 3"}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| rules | load s | audit s | json s | ms per rule | table s |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "data.csv"
        write_data(data, args.rows)
        for count in args.counts:
            rules = Path(directory) / f"rules_{count}.yaml"
            write_rules(rules, count)
            load = best(args.repeat, lambda rules=rules: load_rule_file(rules))
            rule_set = load_rule_file(rules)
            audit = best(args.repeat, lambda rule_set=rule_set: veracity.audit([str(data)], rule_set))
            result = veracity.audit([str(data)], rule_set)
            report = best(args.repeat, lambda result=result: render(result, "json"))
            table = best(args.repeat, lambda result=result: render(result, "table"))
            per_rule = (load + audit + report) * 1000 / count
            print(f"| {count:,} | {load:.2f} | {audit:.2f} | {report:.2f} | {per_rule:.2f} | {table:.2f} |")


if __name__ == "__main__":
    main()
