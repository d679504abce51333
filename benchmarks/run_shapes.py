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


def _step(step: dict[str, Any]) -> str:
    return f"{step['median_wall_s']:.2f} s, {step['median_cpu_s']:.2f} s, {step['peak_mib']:,.0f} MiB"


def _ratio(ratio: dict[str, float]) -> str:
    return f"{ratio['wall']:.1f}x, {ratio['cpu']:.1f}x, {ratio['rss']:.1f}x"


def _peer_agreement(peer: dict[str, Any]) -> str:
    """How many rules pointblank fails as many records on as the truth file says."""
    truth = peer.get("truth_check")
    if truth is None:
        return "no truth"
    agree = truth["rules_checked"] - len(truth["mismatches"])
    return f"{agree} of {truth['rules_checked']}"


def table(results: dict[str, dict[str, Any]]) -> str:
    """One row per shape: medians of wall and CPU, peak memory, ratios to the bare read; with
    pointblank's columns when it ran (--peers)."""
    peers = any("pointblank" in result["steps"] for result in results.values())
    header = "| shape | rows x columns | bare read: wall, CPU, peak | veracity: wall, CPU, peak "
    header += "| veracity / read: wall, CPU, peak "
    rule = "| --- | --- | ---: | ---: | ---: "
    if peers:
        header += "| pointblank: wall, CPU, peak | pointblank / read: wall, CPU, peak | veracity / pointblank: wall, CPU "
        rule += "| ---: | ---: | ---: "
    header += "| truth |" + (" pointblank's counts = truth |" if peers else "")
    rule += "| --- |" + (" --- |" if peers else "")
    lines = [header, rule]
    for name, result in results.items():
        steps, size = result["steps"], result["input"]
        row = f"| {name} | {size['rows']:,} x {size['columns']} | {_step(steps['read'])} | {_step(steps['audit'])} "
        row += f"| {_ratio(result['ratio'])} "
        if peers and "pointblank" in steps:
            peer, audit = steps["pointblank"], steps["audit"]
            row += f"| {_step(peer)} | {_ratio(result['peers']['pointblank']['ratio'])} "
            row += (
                f"| {audit['median_wall_s'] / peer['median_wall_s']:.2f}x, "
                f"{audit['median_cpu_s'] / peer['median_cpu_s']:.2f}x "
            )
        elif peers:
            row += "| not run | | "
        row += f"| {_truth(result)} |"
        if peers:
            row += f" {_peer_agreement(result['peers']['pointblank']) if 'peers' in result else ''} |"
        lines.append(row)
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
    peer_python: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Each shape's files written when needed (all first), then each timed: results by shape."""
    files = {name: _data(name, rows, seed, out) for name in names}
    results: dict[str, dict[str, Any]] = {}
    for name, (data, rules) in files.items():
        if progress:
            print(f"{name}: timing {data}", file=sys.stderr)
        results[name] = run_audit.run(
            data, rules, runs, python, None, src, progress=False, peer_python=peer_python
        )
    return results


if __name__ == "__main__":
    sys.exit(main())
