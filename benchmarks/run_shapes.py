"""Time ``veracity audit`` on every data shape of ``shapes.py`` in one go, and print one table.

Usage::

    python benchmarks/run_shapes.py [--rows 1000000] [--runs 3] [--shape NAME ...] [--out benchmarks/data/shape]

For each shape it writes the data, rule file and truth with ``shapes.py`` when they are not
there yet (for these ``--rows``), then times it as ``run_audit.py`` does (fresh processes,
interleaved runs, median wall and CPU, peak memory of the process tree): the bare
``polars.read_csv`` of the file, and ``veracity audit`` with the shape's rule file. The table
has one row per shape with the ratios to the bare read and the truth check (the audit's
failure counts against the shape's truth: e-mail and phone validity as the libraries judge
them, everything else by construction). ``--json`` prints the full results instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import run_audit
import shapes


def _data(name: str, rows: int, seed: int, out: str) -> tuple[Path, Path]:
    base = Path(f"{out}-{name}")
    data, rules, truth = (
        base.with_suffix(".csv"),
        base.with_suffix(".rules.yaml"),
        base.with_suffix(".truth.json"),
    )
    current = json.loads(truth.read_text(encoding="utf-8")) if truth.exists() else {}
    wanted = (rows, seed, shapes.generator_fingerprint())
    if (
        not data.exists()
        or (current.get("rows"), current.get("seed"), current.get("generator_sha256")) != wanted
    ):
        shapes.write_shape(name, rows, seed, out)
    return data, rules


def _truth(result: dict[str, Any]) -> str:
    truth = result.get("truth_check")
    if truth is None:
        return "no truth"
    if truth["mismatches"]:
        return "MISMATCH " + ", ".join(sorted(truth["mismatches"]))
    return f"{truth['rules_checked']} rules exact"


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| shape | rows x columns | bare read | veracity (wall, CPU, peak) | veracity / read (wall, peak) | truth |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for name, result in results.items():
        read, audit = result["steps"]["read"], result["steps"]["audit"]
        size = result["input"]
        lines.append(
            f"| {name} | {size['rows']:,} x {size['columns']} "
            f"| {read['median_wall_s']:.2f} s, {read['peak_mib']:,.0f} MiB "
            f"| {audit['median_wall_s']:.2f} s, {audit['median_cpu_s']:.2f} s, {audit['peak_mib']:,.0f} MiB "
            f"| {result['ratio']['wall']:.1f}x, {result['ratio']['rss']:.1f}x | {_truth(result)} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shape", action="append", choices=list(shapes.SHAPES), help="default: every shape")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/data/shape", help="path prefix of the shape files")
    parser.add_argument("--python", default=sys.executable, help="interpreter with veracity installed")
    parser.add_argument("--json", action="store_true", help="print the full results as JSON")
    parser.add_argument("--src", type=Path, help="run veracity from this source directory (as run_audit.py)")
    args = parser.parse_args(argv)
    results = run_set(
        args.shape or list(shapes.SHAPES), args.rows, args.seed, args.runs, args.out, args.python, args.src
    )
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


def run_set(
    names: Sequence[str],
    rows: int,
    seed: int,
    runs: int,
    out: str,
    python: str,
    src: Path | None = None,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Each shape's files written when needed (all first), then each timed: results by shape."""
    files = {name: _data(name, rows, seed, out) for name in names}
    results: dict[str, dict[str, Any]] = {}
    for name, (data, rules) in files.items():
        if progress:
            print(f"{name}: timing {data}", file=sys.stderr)
        results[name] = run_audit.run(data, rules, runs, python, None, src, progress=False)
    return results


if __name__ == "__main__":
    sys.exit(main())
