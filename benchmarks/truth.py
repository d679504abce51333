"""The truth check: an audit's failure counts per rule against the counts the data generator
injected (``<data>.truth.json`` from ``generate.py`` for the shipped pack, from ``shapes.py`` for
a shape, which names its own rule file), so that a fast but wrong audit does not go unnoticed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The rule file generate.py's truth files are for.
SHIPPED_RULES = Path(__file__).resolve().parent.parent / "rules" / "customer-master.yaml"


def _expected_failures(data: Path, rules: Path) -> tuple[str, dict[str, int]] | None:
    """The truth file's name and its per-rule failure counts, when they apply to this run."""
    truth_path = data.with_name(data.stem + ".truth.json")
    if not truth_path.exists():
        return None
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    # generate.py's truth is for the shipped pack; a shape's (shapes.py) names its own rule file.
    named = truth.get("rules")
    if (rules.name != named) if named else (rules.resolve() != SHIPPED_RULES.resolve()):
        return None
    expected: dict[str, int] = truth["expected_failures"]["records_failing"]
    return truth_path.name, expected


def compare_with_truth(data: Path, rules: Path, actual: Mapping[str, int]) -> dict[str, Any] | None:
    """Per-rule failure counts against generate.py's expected ones, when they apply."""
    found = _expected_failures(data, rules)
    if found is None:
        return None
    truth_file, expected = found
    mismatches = {
        rule: {"expected": count, "reported": actual.get(rule)}
        for rule, count in expected.items()
        if actual.get(rule) != count
    }
    return {"truth_file": truth_file, "rules_checked": len(expected), "mismatches": mismatches}


def check_truth(data: Path, rules: Path, report_path: Path) -> dict[str, Any] | None:
    """Compare the report's failed counts with generate.py's expected ones, when they apply."""
    if _expected_failures(data, rules) is None:
        return None
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return compare_with_truth(data, rules, {rule["id"]: rule["failed"] for rule in report["rules"]})
