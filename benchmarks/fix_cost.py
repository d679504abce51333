"""What ``veracity fix`` costs next to an audit of the same file, and what its copy changes.

Usage (from the repository root)::

    .venv/bin/python benchmarks/generate.py --rows 1000000 --seed 42 --format csv --out benchmarks/data/customers_1m
    .venv/bin/python benchmarks/fix_cost.py benchmarks/data/customers_1m.csv [--runs 2]

Writes the worklist once (``audit --worklist``, the shipped ``rules/customer-master.yaml``
pack), marks every row with a suggestion accepted, then times in fresh processes, per round:

- ``audit``: ``veracity audit --rules rules/customer-master.yaml --as-of 2026-11-01 -f json``;
- ``fix``: ``veracity fix DATA --worklist worklist.csv -o fixed.csv`` with the same rules.

Prints a Markdown table (best wall time, peak memory, ratio to the audit of the same round; the
machine is shared and noisy: compare ratios) and what the copy changed: the lines that differ
from the input's (only the changed records' lines may) and whether the rest is byte-identical.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from rounds import print_table, run_fresh, time_rounds

REPO = Path(__file__).resolve().parent.parent
VERACITY = str(Path(sys.executable).with_name("veracity"))
RULES = REPO / "rules" / "customer-master.yaml"


def _differing_lines(before: Path, after: Path) -> tuple[int, bool]:
    """How many lines differ, and whether the two files have the same lines otherwise."""
    old, new = before.read_bytes().split(b"\n"), after.read_bytes().split(b"\n")
    if len(old) != len(new):
        return abs(len(old) - len(new)), False
    return sum(a != b for a, b in zip(old, new, strict=True)), True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    data = args.data.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        audit = [VERACITY, "audit", "--no-progress", "--rules", str(RULES), "--as-of", "2026-11-01",
                 "-f", "json", "--exit-zero", str(data)]  # fmt: skip
        worklist = out / "worklist.csv"
        run_fresh([*audit, "-o", str(out / "w.json"), "--worklist", str(worklist)])
        marked = pl.read_csv(worklist, infer_schema=False).with_columns(
            pl.when(pl.col("suggestion").is_not_null()).then(pl.lit("yes")).otherwise(None).alias("accept")
        )
        marked.write_csv(worklist)
        fixed = out / f"fixed{data.suffix}"
        commands = {
            "audit": [*audit, "-o", str(out / "a.json")],
            "fix": [
                VERACITY,
                "fix",
                str(data),
                "--rules",
                str(RULES),
                "--worklist",
                str(worklist),
                "-o",
                str(fixed),
            ],
        }
        best, ratios = time_rounds(commands, args.runs, baseline=lambda _: "audit")
        changes = pl.read_csv(out / "fixed.changes.csv", infer_schema=False)
        differing, aligned = _differing_lines(data, fixed)
    accepted = marked.filter(pl.col("accept") == "yes").height
    print(f"`{args.data.name}`, {args.runs} run(s), {accepted:,} accepted worklist rows\n")
    print_table(best, ratios, "time / audit of the same file (same round, best)")
    print(
        f"\nThe copy: {changes.height:,} values changed in {changes.get_column('record').n_unique():,} "
        f"records; {differing:,} lines differ from the input's; line for line aligned: {aligned}"
    )


if __name__ == "__main__":
    main()
