"""The shared vocabulary: its words are contracts, and the old import paths keep working."""

from __future__ import annotations

import importlib
from enum import StrEnum

import pytest

from veracity.vocabulary import Dimension, Severity, Status

#: Where users imported the words before they had their own module.
OLD_PATHS = [
    ("veracity.checks", "Dimension", Dimension),
    ("veracity.checks.base", "Dimension", Dimension),
    ("veracity.results", "Severity", Severity),
    ("veracity.results", "Status", Status),
]


@pytest.mark.parametrize(("module", "name", "word"), OLD_PATHS)
def test_old_import_paths_give_the_same_class(module: str, name: str, word: type[StrEnum]) -> None:
    assert getattr(importlib.import_module(module), name) is word


#: The values rule files, findings files, JSON reports and history rows carry.
VALUES = [
    (
        Dimension,
        ["completeness", "validity", "uniqueness", "timeliness", "consistency", "consent", "privacy"],
    ),
    (Severity, ["error", "warning"]),
    (Status, ["pass", "warn", "fail", "not_evaluated"]),
]


@pytest.mark.parametrize(("word", "values"), VALUES)
def test_values_are_kept(word: type[StrEnum], values: list[str]) -> None:
    assert [member.value for member in word] == values
