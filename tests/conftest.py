"""Fixtures shared by every test package."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator

import pytest

UPDATE_GOLDEN = os.environ.get("VERACITY_UPDATE_GOLDEN") == "1"

Golden = Callable[[str, str], None]


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection made (the modules imported, test items, parameter values) lives as long
    as the session: frozen out of the cyclic garbage collector's sight, its collections during
    the tests walk only what the tests make (in tests/checks: half the time in full collections)."""
    gc.freeze()


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


@pytest.fixture(autouse=True)
def _no_unexpected_internal_error(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail any test that reaches the CLI's internal-error path, in-process or in a subprocess
    (the variable is inherited), unless it is marked ``expects_internal_error``.

    An internal error is a bug: a user's mistake must end in a located one-line message.
    """
    log = tmp_path_factory.mktemp("internal-errors") / "log"
    monkeypatch.setenv("VERACITY_INTERNAL_ERROR_LOG", str(log))
    yield
    if request.node.get_closest_marker("expects_internal_error") is None and log.exists():
        kinds = ", ".join(log.read_text(encoding="utf-8").split())
        pytest.fail(f"the test reached the internal-error path ({kinds}): that is a bug, not a user error")
