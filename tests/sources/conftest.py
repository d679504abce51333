"""Fixtures for the loader tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import db_data
import pg_server
import pytest
from loader_helpers import Writer
from pg_server import Server


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write bytes (or UTF-8 text, newlines untouched) to ``tmp_path/name``."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """A PostgreSQL server of its own for the session, holding the shipped examples (tables
    crm_export and shop_customers, all text), a typed table (typed_customers), one with a
    bytea column (with_binary) and an empty one (empty_customers). Skips only where
    PostgreSQL cannot be installed or started."""
    server = pg_server.start()
    if isinstance(server, str):
        pytest.skip(server)
    try:
        db_data.load_postgres(server.admin_url, db_data.example_tables())
        db_data.load_postgres_extras(server.admin_url, pg_server.USER)
        yield server
    finally:
        server.stop()
