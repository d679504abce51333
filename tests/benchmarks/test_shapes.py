"""The benchmark shapes: each writes data, a rule file veracity accepts, and a truth it agrees with.

An audit of each shape (2,000 rows) must report exactly the truth file's failure counts: the
generator's injected errors, and e-mail and phone validity as the reference libraries judge
each value. So a shape that drifts from its truth, or a fast path that disagrees with a library
on data it was not tuned on, fails here before it spoils a benchmark.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

import veracity

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import shapes  # noqa: E402


@pytest.mark.parametrize("name", sorted(shapes.SHAPES))
def test_the_audit_of_each_shape_reports_its_truth(name: str, tmp_path: Path) -> None:
    truth = shapes.write_shape(name, 2_000, 7, str(tmp_path / "s"))
    base = tmp_path / f"s-{name}"
    result = veracity.audit(
        [str(base.with_suffix(".csv"))], base.with_suffix(".rules.yaml"), as_of=date(2026, 11, 1)
    )
    expected = truth["expected_failures"]["records_failing"]
    assert {rule.id: rule.failed for rule in result.rules} == expected
    assert json.loads(base.with_suffix(".truth.json").read_text(encoding="utf-8")) == truth


def test_the_same_seed_writes_the_same_data(tmp_path: Path) -> None:
    shapes.write_shape("wide", 500, 3, str(tmp_path / "a"))
    shapes.write_shape("wide", 500, 3, str(tmp_path / "b"))
    assert (tmp_path / "a-wide.csv").read_bytes() == (tmp_path / "b-wide.csv").read_bytes()
