"""Fixtures for the loader tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_helpers import Writer


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write bytes (or UTF-8 text, newlines untouched) to ``tmp_path/name``."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write
