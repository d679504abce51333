"""What the runner's forced cycle collections cost in a chunked audit, and what they save in memory.

Usage (from the repository root)::

    .venv/bin/python benchmarks/partition_collect.py benchmarks/data/customers_1m.csv 5000 100000 [--rounds 2]

For each chunk size, each round runs two fresh processes one after the other: ``every
partition`` (the runner's threshold set to 0 bytes: a full collection after each partition, as
before) and ``from 32 MiB`` (the shipped threshold: a collection once the partitions read since
the last one hold 32 MiB). Each audits the file with ``rules/customer-master.yaml`` in chunks
and reports its wall and CPU seconds and its peak resident memory (``getrusage`` of the child
itself). Prints a Markdown table with the best of the rounds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules" / "customer-master.yaml"

_CHILD = """
import json, resource, sys, time
from datetime import date
import veracity.engine._runner as runner
from veracity.chunked import audit_chunked

if sys.argv[1] != "default":
    runner._COLLECT_BYTES = int(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
result = audit_chunked(sys.argv[2], sys.argv[3], as_of=date(2026, 11, 1), chunk_rows=int(sys.argv[4]))
print(json.dumps({
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "chunks": result.chunks,
    "findings": result.findings_total,
}))
"""

VARIANTS = {"every partition": "0", "from 32 MiB": "default"}


def _run(threshold: str, data: Path, chunk_rows: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, threshold, str(data), str(RULES), str(chunk_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("chunk_rows", type=int, nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("| chunk_rows | chunks | collection | wall | CPU | peak RSS | findings |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for chunk_rows in args.chunk_rows:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
        for _ in range(args.rounds):
            for name, threshold in VARIANTS.items():
                runs[name].append(_run(threshold, args.data, chunk_rows))
        for name, measured in runs.items():
            best = min(measured, key=lambda m: m["cpu"])
            print(
                f"| {chunk_rows:,} | {int(best['chunks']):,} | {name} | {min(m['wall'] for m in measured):.1f} s "
                f"| {best['cpu']:.1f} s | {max(m['peak_mib'] for m in measured):,.0f} MiB | {int(best['findings']):,} |"
            )


if __name__ == "__main__":
    main()
