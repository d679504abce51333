"""What a profile costs next to an audit of the same file: wall seconds and peak memory.

Usage (from the repository root)::

    .venv/bin/python benchmarks/generate.py --rows 1000000 --seed 42 --format csv --out benchmarks/data/customers_1m
    .venv/bin/python benchmarks/profile_cost.py benchmarks/data/customers_1m.csv [--runs 1] [--chunk-rows 250000]
    .venv/bin/python benchmarks/profile_cost.py benchmarks/data/shape-contacts-random.csv --runs 2

The audit checks the file's own rules (``NAME.rules.yaml`` beside ``NAME.csv``, as the shapes of
``generate.py --shape`` have them), else ``rules/customer-master.yaml``; ``--rules`` names others.

Each run is a fresh process (started by this script, timed from outside, peak resident memory
from ``getrusage`` of the finished child), one after another, in this order per round:

- ``read``: a bare ``polars.read_csv`` of every column as text (the floor any tool pays);
- ``audit``: ``veracity audit --rules RULES --as-of 2026-11-01 -f json``;
- ``profile``: ``veracity profile -f json``;
- ``profile in chunks``: ``veracity profile -f json --chunk-rows N``;
- ``suggest``: ``veracity suggest -o RULES`` (a profile, then one audit of the drafted rules).

Prints a Markdown table with the best time of the runs and each row's ratio to the audit of
the same round (the machine is shared and noisy: compare ratios, not seconds across runs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rounds import print_table, time_rounds

REPO = Path(__file__).resolve().parent.parent
VERACITY = str(Path(sys.executable).with_name("veracity"))
RULES = REPO / "rules" / "customer-master.yaml"


def _rules(data: Path) -> Path:
    """The rules that come with ``data`` (a generated shape's), else the customer master's."""
    own = data.with_name(data.name.split(".")[0] + ".rules.yaml")
    return own if own.is_file() else RULES


def _commands(data: Path, out: Path, chunk_rows: int, rules: Path) -> dict[str, list[str]]:
    read = "import polars as pl, sys; pl.read_csv(sys.argv[1], infer_schema=False).height"
    return {
        "read": [sys.executable, "-c", read, str(data)],
        "audit": [VERACITY, "audit", "--no-progress", "--rules", str(rules), "--as-of", "2026-11-01",
                  "-f", "json", "-o", str(out / "audit.json"), "--exit-zero", str(data)],
        "profile": [VERACITY, "profile", "--no-progress", "-f", "json", "-o", str(out / "profile.json"), str(data)],
        "profile in chunks": [VERACITY, "profile", "--no-progress", "-f", "json", "--chunk-rows", str(chunk_rows),
                              "-o", str(out / "profile-chunks.json"), str(data)],
        "suggest": [VERACITY, "suggest", "--no-progress", "--as-of", "2026-11-01", "--force",
                    "-o", str(out / "suggested.yaml"), str(data)],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--rules", type=Path, help="rules of the audit (default: the file's own, see above)")
    args = parser.parse_args()
    data = args.data.resolve()
    rules = (args.rules or _rules(data)).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        commands = _commands(data, Path(tmp), args.chunk_rows, rules)
        best, ratios = time_rounds(commands, args.runs, baseline=lambda _: "audit")
    print(
        f"`{args.data.name}`, audited with `{rules.name}`, {args.runs} run(s), chunks of {args.chunk_rows:,} records\n"
    )
    print_table(best, ratios, "time / audit (same round, best)")


if __name__ == "__main__":
    main()
