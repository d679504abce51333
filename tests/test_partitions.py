"""Checks that read other records are exact across partitions: ``duplicates`` (a table check)
finds the same clusters, findings and duplicates file with ``--chunk-rows`` as without."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import veracity
from tests.test_chunked import AS_OF, assert_same
from veracity.chunked import audit_chunked
from veracity.cli import app
from veracity.config import load_rule_file
from veracity.reports.duplicates import duplicates_frame

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "examples" / "crm_export.csv", ROOT / "examples" / "shop_customers.ndjson"]

#: The shipped example's rules plus a duplicates rule, with a `when:` that reads a field of
#: its own, so that the scope of the rule is gathered across partitions too.
EXAMPLE_DUPLICATES = """
  - id: same-person
    check: duplicates
    when: "customer_id IS NOT NULL"
    compare:
      - {field: first_name, method: jaro_winkler, swapped_with: last_name}
      - {field: last_name, method: jaro_winkler}
      - {field: email, method: email}
      - {field: phone, method: phone, region_field: country}
    blocking:
      - [email_typo]
      - [last_name_soundex]
      - [first_name_typo, last_name_typo]
"""


def _scale_generator() -> ModuleType:
    path = ROOT / "benchmarks" / "duplicates_scale.py"
    spec = importlib.util.spec_from_file_location("duplicates_scale", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _assert_same_duplicates(normal: veracity.AuditResult, chunked: veracity.AuditResult) -> None:
    assert normal.details.keys() == chunked.details.keys() != set()
    for rule_id, details in normal.details.items():
        assert chunked.details[rule_id].to_dict() == details.to_dict()
    assert_frame_equal(duplicates_frame(chunked), duplicates_frame(normal))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    generator = _scale_generator()
    frame, _ = generator.generate(3000, 11)
    directory = tmp_path_factory.mktemp("duplicates")
    data = directory / "people.csv"
    frame.write_csv(data)
    rules = directory / "rules.yaml"
    rules.write_text(
        generator.RULES + "  - {id: one-per-email, check: unique, field: email, ignore_case: true}\n",
        encoding="utf-8",
    )
    return data, rules


@pytest.fixture(scope="module")
def generated_whole(generated: tuple[Path, Path]) -> veracity.AuditResult:
    """The generated file audited whole, once for the tests that only read it."""
    data, rules = generated
    return veracity.audit(str(data), rules, as_of=AS_OF)


@pytest.mark.parametrize("chunk_rows", [700, 3000])
def test_duplicates_in_a_generated_file_are_found_the_same_in_partitions(
    generated: tuple[Path, Path], generated_whole: veracity.AuditResult, chunk_rows: int
) -> None:
    data, rules = generated
    normal = generated_whole
    chunked = audit_chunked(str(data), rules, as_of=AS_OF, chunk_rows=chunk_rows, max_samples=10_000)
    assert chunked.chunks == -(-3000 // chunk_rows)
    same_person = next(rule for rule in normal.rules if rule.id == "same-person")
    assert same_person.failed > 20  # the file has duplicates to find
    assert_same(normal, chunked)
    _assert_same_duplicates(normal, chunked)


@pytest.mark.parametrize("chunk_rows", [1, 5, 17])
def test_duplicates_in_the_examples_are_found_the_same_in_partitions(tmp_path: Path, chunk_rows: int) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text((ROOT / "examples" / "rules.yaml").read_text(encoding="utf-8") + EXAMPLE_DUPLICATES)
    rule_set = load_rule_file(rules)
    sources = [str(path) for path in EXAMPLES]
    normal = veracity.audit(sources, rule_set, as_of=AS_OF, segments=["country"])
    chunked = audit_chunked(sources, rule_set, as_of=AS_OF, chunk_rows=chunk_rows, segments=["country"])
    assert next(rule for rule in normal.rules if rule.id == "same-person").failed > 0
    assert_same(normal, chunked)
    _assert_same_duplicates(normal, chunked)


def test_the_duplicates_and_findings_files_are_the_same_with_chunk_rows(
    generated: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, rules = generated
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs: dict[str, Any] = {}
    for name, extra in (("whole", []), ("chunked", ["--chunk-rows", "1000"])):
        arguments = ["audit", "-r", str(rules), str(data), "--as-of", "2026-11-01", "--no-progress"]
        arguments += ["--duplicates", f"{name}-dups.csv", "--findings", f"{name}-findings.csv", *extra]
        result = runner.invoke(app, [*arguments, "-f", "json", "-o", f"{name}.json"])
        assert result.exit_code in (0, 1), result.output
        outputs[name] = result.exit_code
    assert outputs["whole"] == outputs["chunked"]
    for suffix in ("dups.csv", "findings.csv"):
        assert (tmp_path / f"chunked-{suffix}").read_bytes() == (tmp_path / f"whole-{suffix}").read_bytes()
    assert pl.read_csv(tmp_path / "whole-dups.csv").height > 20
