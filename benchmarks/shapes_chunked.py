"""``veracity audit --chunk-rows`` on ten times a shape's records: peak memory and exact counts.

Usage::

    python benchmarks/shapes_chunked.py --shape contacts-random [--copies 10] [--chunk-rows 1000000]

For each ``--shape`` (files written by ``shapes.py``/``run_audit.py --shapes``, 1M rows each)
the audit reads ``--copies`` links to the same CSV as that many sources, in chunks of
``--chunk-rows`` records, under GNU time. Ten copies of 1M records are 10M records whose exact
counts are known without writing 10M new ones (and without asking the e-mail and phone libraries
about 10M new values): first the 1M file is audited whole and its counts are checked against
the shape's truth file, then for the copies every rule must fail ``copies`` times as many
records, except key rules (``unique``), where every record of a key after its first fails:
``copies * evaluated - (evaluated - failed)`` of them. Copies make every key repeat, which is
the chunked key index's worst case (every record a candidate).

Prints one Markdown row per shape: wall, CPU, peak RSS, and whether every rule's count is exact.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-01"


def _audit(
    files: Sequence[Path], rules: Path, report: Path, chunk_rows: int | None, python: str
) -> tuple[dict[str, Any], float, float, float]:
    """The JSON report and (wall s, CPU s, peak RSS MiB) of one audit run under GNU time."""
    command = [python, "-m", "veracity", "audit", "--rules", str(rules), "--as-of", AS_OF]
    command += ["--format", "json", "-o", str(report), "--exit-zero", "--no-progress"]
    if chunk_rows is not None:
        command += ["--chunk-rows", str(chunk_rows)]
    timed = ["/usr/bin/time", "-f", "%e %U %S %M", *command, *map(str, files)]
    done = subprocess.run(timed, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"audit failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    wall, user, system, rss_kib = done.stderr.strip().splitlines()[-1].split()
    loaded = json.loads(report.read_text(encoding="utf-8"))
    return loaded, float(wall), float(user) + float(system), int(rss_kib) / 1024


def expected_counts(one: dict[str, Any], copies: int) -> dict[str, int]:
    """Each rule's failing records over ``copies`` copies of the data ``one`` reports on."""
    expected = {}
    for rule in one["rules"]:
        if rule["check"] == "unique":
            distinct = rule["evaluated"] - rule["failed"]
            expected[rule["id"]] = copies * rule["evaluated"] - distinct
        else:
            expected[rule["id"]] = copies * rule["failed"]
    return expected


def run_shape(name: str, prefix: str, copies: int, chunk_rows: int, python: str) -> dict[str, Any]:
    data = Path(f"{prefix}-{name}.csv").resolve()
    rules = data.with_name(data.name.removesuffix(".csv") + ".rules.yaml")
    truth = json.loads(data.with_name(data.name.removesuffix(".csv") + ".truth.json").read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        one, *_ = _audit([data], rules, Path(tmp) / "one.json", None, python)
        got_one = {rule["id"]: rule["failed"] for rule in one["rules"]}
        if got_one != truth["expected_failures"]["records_failing"]:
            raise SystemExit(f"{name}: the whole audit of {data.name} does not match its truth file")
        links = []
        for copy in range(copies):
            link = Path(tmp) / f"copy{copy:02d}.csv"
            os.symlink(data, link)
            links.append(link)
        report, wall, cpu, peak = _audit(links, rules, Path(tmp) / "copies.json", chunk_rows, python)
    got = {rule["id"]: rule["failed"] for rule in report["rules"]}
    wanted = expected_counts(one, copies)
    return {
        "shape": name,
        "records": copies * truth["rows"],
        "chunk_rows": chunk_rows,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mib": round(peak),
        "exact": got == wanted,
        "mismatches": {
            rule: (got.get(rule), count) for rule, count in wanted.items() if got.get(rule) != count
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shape", action="append", required=True, help="shape name (repeatable)")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--prefix", default="benchmarks/data/shape", help="path prefix of the shape files")
    parser.add_argument("--python", default=sys.executable, help="interpreter with veracity installed")
    args = parser.parse_args(argv)
    print("| shape | records | --chunk-rows | wall | CPU | peak RSS | counts |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    exact = True
    for name in args.shape:
        row = run_shape(name, args.prefix, args.copies, args.chunk_rows, args.python)
        exact &= row["exact"]
        counts = "exact" if row["exact"] else f"MISMATCH {row['mismatches']}"
        print(
            f"| {name} | {row['records']:,} | {row['chunk_rows']:,} | {row['wall_s']:.1f} s "
            f"| {row['cpu_s']:.1f} s | {row['peak_mib']:,} MiB | {counts} |",
            flush=True,
        )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
