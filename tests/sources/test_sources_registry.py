"""Source kinds come from one registry: every list of formats reads it, and a new kind is one
class registered in one module, read whole and in chunks with provenance like the shipped ones."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from veracity.cli import app
from veracity.config.models import ReadConfig
from veracity.sources import (
    EXTENSIONS,
    FORMATS,
    LINE_COL,
    OpenContext,
    Opened,
    SourceKind,
    SourceSpec,
    load_sources,
    open_sources,
    registry,
    source_kinds,
)
from veracity.sources.registry import Piece, Reader


def test_formats_and_extensions_are_the_registered_file_kinds() -> None:
    kinds = source_kinds()
    assert tuple(kind.name for kind in kinds if kind.extensions) == FORMATS
    assert {ext: kind.name for kind in kinds for ext in kind.extensions} == EXTENSIONS
    assert registry.url_schemes() == {
        "postgresql": "postgresql",
        "postgres": "postgresql",
        "sqlite": "sqlite",
    }


def test_the_cli_and_the_rule_file_offer_every_file_format() -> None:
    result = CliRunner().invoke(app, ["audit", "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "Read inputs as " + ", ".join(FORMATS[:-1]) + f" or {FORMATS[-1]}." in " ".join(
        result.output.split()
    )
    with pytest.raises(ValueError, match="use one of " + ", ".join(FORMATS)):
        ReadConfig(format="xml")


class _Rows(Reader):
    def __init__(self, rows: list[dict[str, str]], chunk_rows: int | None) -> None:
        self._frame = pl.DataFrame(rows)
        self._chunk_rows = chunk_rows or len(rows)
        self.names = list(self._frame.columns)
        self.original_types = ["str"] * len(self.names)
        self.rows = len(rows)
        self.position_kind = "record"

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        names = [self.names[i] for i in columns]
        for start in range(0, self.rows, self._chunk_rows):
            frame = self._frame.select(names).slice(start, self._chunk_rows)
            yield Piece(frame, np.arange(start + 1, start + frame.height + 1, dtype=np.int64))


class _Memory(SourceKind):
    """A kind as a plug-in module would write it: ``memory://NAME`` reads a list of dicts."""

    name = "memory"
    schemes = ("memory",)
    tables: dict[str, list[dict[str, str]]] = {  # noqa: RUF012
        "people": [
            {"id": "1", "email": "a@example.com"},
            {"id": "2", "email": " "},
            {"id": "3", "email": "x"},
        ]
    }

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        table = spec.path.removeprefix("memory://")
        reader = _Rows(self.tables[table], context.chunk_rows)
        return Opened(reader=reader, format=self.name, display=spec.path, size=0, sha256="0" * 64)


@pytest.fixture
def memory_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = dict(registry._loaded())
    monkeypatch.setattr(registry, "_KINDS", kinds)
    registry.register(_Memory)


@pytest.mark.usefixtures("memory_kind")
def test_a_new_kind_is_one_registered_class() -> None:
    spec = SourceSpec(path="memory://people", columns={"email": "mail"})
    whole = load_sources([spec, SourceSpec(path="memory://people")])
    assert whole.frame.columns[:3] == ["id", "mail", "email"]
    assert whole.frame.get_column("mail").to_list()[:3] == ["a@example.com", None, "x"]
    assert whole.frame.get_column(LINE_COL).to_list() == [1, 2, 3, 1, 2, 3]
    assert [info.format for info in whole.sources] == ["memory", "memory"]
    assert whole.sources[0].columns[1].missing_replaced == 1
    chunked = open_sources([spec], chunk_rows=2)
    assert [chunk.rows for chunk in chunked.chunks()] == [2, 1]


def test_a_name_claimed_twice_is_refused_at_import() -> None:
    class _Twice(_Memory):
        name = "csv"

    with pytest.raises(RuntimeError, match="registered twice"):
        registry.register(_Twice)
