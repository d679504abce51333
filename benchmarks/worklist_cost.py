"""What the worklist costs next to the same audit without it: wall seconds and peak memory.

Usage (from the repository root)::

    .venv/bin/python benchmarks/generate.py --rows 1000000 --seed 42 --format csv --out benchmarks/data/customers_1m
    .venv/bin/python benchmarks/worklist_cost.py benchmarks/data/customers_1m.csv [--runs 1] [--chunk-rows 250000]

Each run is a fresh process (timed from outside, peak resident memory from ``getrusage`` of the
finished child), one after another, in this order per round:

- ``audit``: ``veracity audit --rules rules/customer-master.yaml --as-of 2026-11-01 -f json``;
- ``audit --worklist``: the same, writing ``--worklist worklist.csv`` too;
- ``audit in chunks`` and ``audit in chunks --worklist``: both with ``--chunk-rows N``.

Prints a Markdown table with the best time of the runs, each row's ratio to the plain audit of
the same round (whole or in chunks; the machine is shared and noisy: compare ratios), and the
worklist's rows and suggestions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from rounds import print_table, time_rounds

REPO = Path(__file__).resolve().parent.parent
VERACITY = str(Path(sys.executable).with_name("veracity"))
RULES = REPO / "rules" / "customer-master.yaml"


def _commands(data: Path, out: Path, chunk_rows: int) -> dict[str, list[str]]:
    audit = [VERACITY, "audit", "--no-progress", "--rules", str(RULES), "--as-of", "2026-11-01",
             "-f", "json", "--exit-zero", str(data)]  # fmt: skip
    chunks = ["--chunk-rows", str(chunk_rows)]
    return {
        "audit": [*audit, "-o", str(out / "a.json")],
        "audit --worklist": [*audit, "-o", str(out / "b.json"), "--worklist", str(out / "worklist.csv")],
        "audit in chunks": [*audit, *chunks, "-o", str(out / "c.json")],
        "audit in chunks --worklist": [
            *audit, *chunks, "-o", str(out / "d.json"), "--worklist", str(out / "worklist-chunks.csv")
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        commands = _commands(args.data.resolve(), out, args.chunk_rows)
        best, ratios = time_rounds(
            commands, args.runs, baseline=lambda name: "audit in chunks" if "chunks" in name else "audit"
        )
        worklist = pl.read_csv(out / "worklist.csv", infer_schema=False)
        same = worklist.equals(pl.read_csv(out / "worklist-chunks.csv", infer_schema=False))
    suggested = worklist.filter(pl.col("suggestion").is_not_null()).height
    print(f"`{args.data.name}`, {args.runs} run(s), chunks of {args.chunk_rows:,} records\n")
    print_table(best, ratios, "time / same audit without worklist (same round, best)")
    records = worklist.select("source", "line").n_unique()
    print(
        f"\nWorklist: {worklist.height:,} rows for {records:,} records, {suggested:,} with a suggestion; "
        f"whole and in chunks identical: {same}"
    )


if __name__ == "__main__":
    main()
