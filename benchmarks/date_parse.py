"""What the ISO date parse costs per kind of value, accepted or rejected, one tree against another.

Usage (from the repository root)::

    .venv/bin/python benchmarks/date_parse.py [--baseline /tmp/before/src] [--runs 7]

Times ``veracity.text.dates.parse_iso_date`` (the parse every date rule of an ISO field reads)
and ``is_iso_date`` (what a failing date rule's message reads) in one lazy ``select``, as the
one-pass plan runs them, over a million generated values of one kind each: valid dates and
timestamps, and values the parse rejects (no such day, hour 24 and above, month 13 and above,
letters). Also over the date fields of the benchmark shapes when their files exist
(``benchmarks/data/shape-contacts-*.csv``). ``--baseline`` names the ``src`` directory of another
tree (``git archive COMMIT src | tar -x -C /tmp/before``): its module is timed in the same
process, alternating with this tree's, and its dates must be the same. CPU seconds of every
thread, medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SHAPE_FIELDS = {
    "contacts-random": ["signup_date", "last_updated", "consent_date"],
    "contacts-invalid": ["signup_date", "last_updated", "consent_date"],
}


def _module(src: Path, name: str) -> ModuleType:
    """``veracity/text/dates.py`` of the tree at ``src``, loaded under ``name``."""
    spec = importlib.util.spec_from_file_location(name, src / "veracity" / "text" / "dates.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no dates module under {src}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _kinds(n: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    r = rng.randint

    def day() -> str:
        return f"{r(1950, 2030)}-{r(1, 12):02d}-{r(1, 28):02d}"

    def moment() -> str:
        return f"{r(0, 23):02d}:{r(0, 59):02d}:{r(0, 59):02d}"

    return {
        "date, valid": [day() for _ in range(n)],
        "date, no such day (02-30)": [f"{r(1950, 2030)}-02-{r(30, 31)}" for _ in range(n)],
        "date, month 13 to 99": [f"{r(1950, 2030)}-{r(13, 99)}-{r(1, 28):02d}" for _ in range(n)],
        "ten letters": ["".join(rng.choices("abcdefghij", k=10)) for _ in range(n)],
        "timestamp, valid": [f"{day()} {moment()}" for _ in range(n)],
        "timestamp, hour 24 to 99": [
            f"{day()} {r(24, 99):02d}:{r(0, 59):02d}:{r(0, 59):02d}" for _ in range(n)
        ],
        "timestamp, no such day": [f"{r(1950, 2030)}-02-{r(30, 31)} {moment()}" for _ in range(n)],
    }


def _cpu(frame: pl.DataFrame, expr: pl.Expr) -> float:
    started = time.process_time()
    frame.lazy().select(expr).collect()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--baseline", type=Path, help="src directory of the tree to compare with")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    trees = {"this tree": _module(ROOT / "src", "dates_here")}
    if args.baseline is not None:
        trees = {"baseline": _module(args.baseline, "dates_baseline"), **trees}
    inputs = {kind: pl.DataFrame({"v": values}) for kind, values in _kinds(args.rows).items()}
    for shape, fields in SHAPE_FIELDS.items():
        path = ROOT / "benchmarks" / "data" / f"shape-{shape}.csv"
        if path.exists():
            frame = pl.read_csv(path, infer_schema=False, columns=fields)
            inputs |= {f"{shape}: {name}": frame.select(pl.col(name).alias("v")) for name in fields}
    names = list(trees)
    print(
        "| values | "
        + " | ".join(f"parse: {n}" for n in names)
        + " | "
        + " | ".join(f"is a date: {n}" for n in names)
        + " |"
    )
    print("| --- |" + " ---: |" * (2 * len(names)))
    for kind, frame in inputs.items():
        parse: dict[str, list[float]] = {name: [] for name in names}
        told: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.runs):
            for name, module in trees.items():
                parse[name].append(_cpu(frame, module.parse_iso_date(pl.col("v"))))
                if hasattr(module, "is_iso_date"):
                    told[name].append(_cpu(frame, module.is_iso_date(pl.col("v"))))
                else:  # before is_iso_date: the message read the date
                    told[name].append(_cpu(frame, module.parse_iso_date(pl.col("v")).is_not_null()))
        dates = [frame.select(m.parse_iso_date(pl.col("v"))).to_series() for m in trees.values()]
        if not all(d.equals(dates[0]) for d in dates):
            raise SystemExit(f"{kind}: the trees read different dates")
        cells = [f"{statistics.median(parse[n]):.3f} s" for n in names]
        cells += [f"{statistics.median(told[n]):.3f} s" for n in names]
        print(f"| {kind} ({frame.height:,}) | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
