"""Every registered check type is a complete unit: documented, with a valid example and cases."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Any

import pytest
import yaml

from veracity.catalogue import catalogue_markdown
from veracity.checks import REGISTRY, CheckParams, Dimension, register
from veracity.checks.base import DOC_SECTIONS
from veracity.config import parse_rule_text

CASES_DIR = Path(__file__).parent / "cases"
DOCS = Path(__file__).parents[2] / "docs" / "checks.md"
CHECKS = sorted(REGISTRY)


def _cased_checks() -> set[str]:
    names: set[str] = set()
    for file in CASES_DIR.glob("*.yaml"):
        data: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
        if isinstance(data, list):
            names |= {case["check"] for case in data}
        elif isinstance(data, dict):
            names |= set(data)
    return names


@pytest.mark.parametrize("name", CHECKS)
def test_docstring_has_every_section(name: str) -> None:
    sections = REGISTRY[name].sections()
    assert sections["summary"], "the docstring starts with a one-line summary"
    for heading in DOC_SECTIONS:
        assert sections.get(heading, "").strip(), f"missing section {heading!r}"


@pytest.mark.parametrize("name", CHECKS)
def test_example_is_a_valid_rule_of_this_check(name: str) -> None:
    example = REGISTRY[name].sections()["Example"]
    rule_set = parse_rule_text(f"version: 1\nrules:\n{example}\n", f"{name}-example.yaml")
    assert [r.check.name for r in rule_set.rules] == [name]


@pytest.mark.parametrize("name", CHECKS)
def test_every_parameter_is_described(name: str) -> None:
    for param, info in REGISTRY[name].params.model_fields.items():
        assert info.description, f"parameter {param!r} of {name} has no description"


@pytest.mark.parametrize("name", CHECKS)
def test_failure_message_names_parameters_only(name: str) -> None:
    """Messages go into every output: they may quote the rule, never the data."""
    check = REGISTRY[name]
    placeholders = {field for _, field, _, _ in Formatter().parse(check.message) if field is not None}
    assert placeholders <= set(check.params.model_fields)
    assert "\n" not in check.summary


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_has_table_driven_cases(name: str) -> None:
    assert name in _cased_checks()


def test_every_dimension_has_a_check() -> None:
    assert {c.dimension for c in REGISTRY.values()} == set(Dimension)


def test_registering_a_name_twice_fails_at_import() -> None:
    class Params(CheckParams):
        pass

    with pytest.raises(RuntimeError, match="check type 'email' is registered twice"):
        register("email", Dimension.VALIDITY, Params, message="x")(lambda p, c: None)


def test_docs_catalogue_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == catalogue_markdown() + "\n", (
        "docs/checks.md is stale: run `veracity rules explain --all > docs/checks.md`"
    )
