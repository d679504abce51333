"""How long loading a rule file takes when its rules come from an included pack: wall seconds
per rule count, against the same rules in one file.

Usage (from the repository root)::

    .venv/bin/python benchmarks/include_rules.py [--counts 1000 5000 20000] [--repeat 3]

For N rules it writes ``pack.yaml`` (the rules of ``benchmarks/load_rules.py``) and
``project.yaml``, which includes the pack, overrides every tenth rule, disables every tenth
other rule and adds N/10 rules of its own, and times ``load_rule_file`` on the project with
three ``--set`` settings, the best of ``--repeat`` runs, beside the one-file baseline. Merging
keeps every node's file, line and column; its cost should stay a small, flat share per rule
(the project file itself adds a fifth more YAML to parse). Measured on the 2-core benchmark
machine (best of 5, other work running; the 20,000-rule times vary by a third between runs):

=======  ==============  ==================  ===========
 rules    one file (s)    pack + project (s)  ms per rule
=======  ==============  ==================  ===========
  1,000       0.04              0.04              0.04
  5,000       0.21              0.29              0.06
 20,000       2.02              2.44              0.12
=======  ==============  ==================  ===========
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from load_rules import rule_file

from veracity.config import Setting, load_rule_file, settings_from


def project_file(count: int) -> str:
    lines = ["version: 1", "include: [pack.yaml]"]
    lines.append("disable: [" + ", ".join(f"r{index}" for index in range(5, count, 10)) + "]")
    lines.append("rules:")
    for index in range(0, count, 10):
        lines.append(f"  - {{id: r{index}, check: not_null, field: c{index % 10}, override: true}}")
        lines.append(f"  - {{id: own{index}, check: not_null, field: c{(index + 3) % 10}}}")
    return "\n".join(lines) + "\n"


def best_of(repeat: int, path: Path, settings: list[Setting]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        load_rule_file(path, settings)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = settings_from(["gate.min_score=95", "rules.r0.threshold=0.9", "defaults.weight=2"])
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        print(f"{'rules':>7}  {'one file (s)':>12}  {'pack + project (s)':>18}  {'ms per rule':>11}")
        for count in args.counts:
            single = directory / f"single_{count}.yaml"
            single.write_text(rule_file(count), encoding="utf-8")
            (directory / "pack.yaml").write_text(rule_file(count), encoding="utf-8")
            project = directory / "project.yaml"
            project.write_text(project_file(count), encoding="utf-8")
            merged = load_rule_file(project, settings)
            assert len(merged.rules) == count, len(merged.rules)  # -N/10 disabled, +N/10 own
            alone = best_of(args.repeat, single, [])
            included = best_of(args.repeat, project, settings)
            print(f"{count:>7,}  {alone:>12.2f}  {included:>18.2f}  {included * 1000 / count:>11.2f}")


if __name__ == "__main__":
    main()
