"""JSON (an array of objects) and NDJSON (one object per line), read whole."""

from __future__ import annotations

from veracity.sources._files import FileKind
from veracity.sources._table import Table
from veracity.sources.base import ReadOptions
from veracity.sources.registry import register

__all__ = ["Json", "Ndjson"]


@register
class Json(FileKind):
    name = "json"
    order = 40
    extensions = (".json",)

    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        # The JSON readers are imported by the runs that read JSON only.
        from veracity.sources._json import read_json

        return read_json(raw, options, display)


@register
class Ndjson(FileKind):
    name = "ndjson"
    order = 50
    extensions = (".ndjson", ".jsonl")

    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        from veracity.sources._json import read_ndjson

        return read_ndjson(raw, options, display)
