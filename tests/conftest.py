"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

UPDATE_GOLDEN = os.environ.get("VERACITY_UPDATE_GOLDEN") == "1"

Golden = Callable[[str, str], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compare ``text`` with ``golden/<name>`` beside the test module;
    ``VERACITY_UPDATE_GOLDEN=1`` rewrites the file instead."""
    directory = request.path.parent / "golden"

    def check(name: str, text: str) -> None:
        path = directory / name
        if UPDATE_GOLDEN:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"{path} is missing; run with VERACITY_UPDATE_GOLDEN=1 to create it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from the golden file; if the change is intended, "
            "regenerate with VERACITY_UPDATE_GOLDEN=1 and review the diff"
        )

    return check
