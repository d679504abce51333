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

The same rule sets are then timed over the records loaded once, the engine's pass alone
(building the checks, the one pass, findings), where a check's own cost is not drowned by
reading the file. Each row is the best of ``--repeat`` rounds (a round runs every rule set once, so load that
drifts over minutes weighs on all alike); the ratio is to ``plain``'s best. The machine is
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
from veracity import load_data
from veracity.checks.base import REGISTRY
from veracity.config import rule_set_from_objects
from veracity.engine import AuditPlan, WholeData, run_partitions
from veracity.sources import LoadedData

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


def timed(path: Path, rules: Sequence[Mapping[str, Any]], projects: bool) -> float:
    gc.collect()
    with projection(projects):
        start = time.perf_counter()
        veracity.audit(str(path), list(rules), as_of=AS_OF)
        return time.perf_counter() - start


def engine_pass(data: LoadedData, rules: Sequence[Mapping[str, Any]], projects: bool) -> float:
    """The engine's pass alone over data already loaded: no reading, no report."""
    gc.collect()
    with projection(projects):
        rule_set = rule_set_from_objects(list(rules))
        plan = AuditPlan.for_rules(rule_set, as_of=AS_OF, fields=data.fields)
        start = time.perf_counter()
        run_partitions(WholeData(data, None), plan)
        return time.perf_counter() - start


def best_engine_passes(repeat: int, path: Path) -> dict[str, float]:
    """As :func:`best_in_rounds`, for the engine's pass over the loaded records."""
    sets = rule_sets()
    data = load_data(path, rule_set_from_objects(sets["plain"][0]))
    best = dict.fromkeys(sets, float("inf"))
    for _ in range(repeat):
        for label, (rules, projects) in sets.items():
            best[label] = min(best[label], engine_pass(data, rules, projects))
    return best


def best_in_rounds(repeat: int, path: Path) -> dict[str, float]:
    """Each rule set's best time; every round runs every set once, so that the machine's load
    drifting over minutes weighs on all of them alike."""
    sets = rule_sets()
    best = dict.fromkeys(sets, float("inf"))
    for _ in range(repeat):
        for label, (rules, projects) in sets.items():
            best[label] = min(best[label], timed(path, rules, projects))
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
        print(f"{records:,} records x {len(COLUMNS)} columns, best of {args.repeat}")
        best = best_in_rounds(args.repeat, path)
        print("\nwhole audit\n\n| rules | seconds | ratio to plain |\n| --- | ---: | ---: |")
        for label, seconds in best.items():
            print(f"| {label} | {seconds:.2f} | {seconds / best['plain']:.2f} |", flush=True)
        best = best_engine_passes(args.repeat, path)
        print("\nthe engine's pass alone\n\n| rules | seconds | added to plain |\n| --- | ---: | ---: |")
        for label, seconds in best.items():
            print(f"| {label} | {seconds:.2f} | {seconds - best['plain']:+.2f} |")


if __name__ == "__main__":
    main()
