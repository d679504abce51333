"""What the privacy and time checks cost: wall seconds of one in-process audit per rule set,
on the same 1M-record file, against a plain audit, as ratios measured in one run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/privacy_checks.py benchmarks/data/customers_1m.csv [--repeat 2]

The file is ``benchmarks/generate.py``'s export; six of its columns (five text, one date) are copied to a temporary
CSV (not timed), which every rule set audits (``--as-of 2026-11-01``):

- ``plain``: ``not_null`` on the 6 columns (reading, typing and scoring: the baseline);
- ``+ retention``: plain plus ``retention`` of ``signup_date`` (3 years);
- ``+ minimisation``: plain plus ``minimisation`` (undeclared columns, checksums, terms);
- ``+ max_age``: plain plus ``max_age`` with its decay projection (the ``tally=`` counts);
- ``+ max_age, no projection``: the same with the projection's counts switched off, so that
  the two rows show what the projection adds;
- ``+ freshness``: plain plus ``freshness`` of the same date field.

Each row is the best of ``--repeat`` runs; the ratio is to ``plain``'s best. The machine is
shared and noisy: compare ratios of one run, not seconds across runs. Results are in
benchmarks/PRIVACY_CHECKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

import veracity
from veracity.checks.base import REGISTRY

AS_OF = date(2026, 11, 1)
#: Five of the generator's text columns and the date field the rules age.
COLUMNS = ["customer_id", "first_name", "last_name", "email", "phone", "signup_date"]
DATE = "signup_date"


def rule_sets() -> dict[str, tuple[list[dict[str, Any]], bool]]:
    """Label -> (rules, whether max_age projects its decay)."""
    plain = [{"id": f"present-{name}", "check": "not_null", "field": name} for name in COLUMNS]
    aged = {"id": "fresh", "check": "max_age", "field": DATE, "days": 3650}
    return {
        "plain": (plain, True),
        "+ retention": ([*plain, {"id": "kept", "check": "retention", "field": DATE, "days": 1095}], True),
        "+ minimisation": ([*plain, {"id": "minimal", "check": "minimisation"}], True),
        "+ max_age": ([*plain, aged], True),
        "+ max_age, no projection": ([*plain, aged], False),
        "+ freshness": ([*plain, {"id": "recent", "check": "freshness", "field": DATE, "days": 30}], True),
    }


@contextmanager
def projection(enabled: bool) -> Iterator[None]:
    """max_age with or without its decay projection's counts."""
    original = REGISTRY["max_age"]
    if not enabled:
        REGISTRY["max_age"] = dataclasses.replace(original, tally=None)
    try:
        yield
    finally:
        REGISTRY["max_age"] = original


def best_of(repeat: int, path: Path, rules: Sequence[Mapping[str, Any]], projects: bool) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        with projection(projects):
            start = time.perf_counter()
            veracity.audit(str(path), list(rules), as_of=AS_OF)
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a benchmarks/generate.py CSV export")
    parser.add_argument("--repeat", type=int, default=2, help="runs per rule set (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "six_columns.csv"
        pl.scan_csv(args.data, infer_schema=False).select(COLUMNS).sink_csv(path)
        records = pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
        print(f"{records:,} records x {len(COLUMNS)} columns, best of {args.repeat}\n")
        print("| rules | seconds | ratio to plain |")
        print("| --- | ---: | ---: |")
        baseline = None
        for label, (rules, projects) in rule_sets().items():
            seconds = best_of(args.repeat, path, rules, projects)
            baseline = baseline or seconds
            print(f"| {label} | {seconds:.2f} | {seconds / baseline:.2f} |", flush=True)


if __name__ == "__main__":
    main()
