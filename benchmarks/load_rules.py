"""How long loading and validating a rule file takes as it grows: wall seconds per rule count.

Usage (from the repository root)::

    .venv/bin/python benchmarks/load_rules.py [--counts 1000 5000 20000] [--repeat 3]

Writes a rule file of N rules (alternately ``not_null`` and ``expression`` over ten fields, as
in the issue that found loading quadratic) to a temporary directory and times
``load_rule_file`` on it, the best of ``--repeat`` runs. Time per rule should stay flat as N
grows. Measured on the 2-core benchmark machine (best of 3, other work running):

=======  =========  ===========
 rules    seconds    ms per rule
=======  =========  ===========
  1,000      0.14         0.14
  5,000      0.80         0.16
 20,000      3.11         0.16
=======  =========  ===========

Before (one pass over every YAML position per rule, PyYAML's pure-Python parser, the cyclic
garbage collector walking the growing document): 5,000 rules took 56 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from veracity.config import load_rule_file


def rule_file(count: int) -> str:
    lines = ["version: 1", "rules:"]
    for index in range(count):
        field, other = f"c{index % 10}", f"c{(index + 1) % 10}"
        if index % 2:
            lines.append(f"  - {{id: r{index}, check: not_null, field: {field}}}")
        else:
            lines.append(f'  - {{id: r{index}, check: expression, expr: "{field} <= {other}"}}')
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        print(f"{'rules':>7}  {'seconds':>8}  {'ms per rule':>11}")
        for count in args.counts:
            path = Path(directory) / f"rules_{count}.yaml"
            path.write_text(rule_file(count), encoding="utf-8")
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                load_rule_file(path)
                best = min(best, time.perf_counter() - start)
            print(f"{count:>7,}  {best:>8.2f}  {best * 1000 / count:>11.2f}")


if __name__ == "__main__":
    main()
