"""CSV and TSV: one reader (``_chunks_csv``), over a file in chunks or over the whole text in
memory (standard input, a named pipe, an audit without chunks)."""

from __future__ import annotations

from veracity.sources._chunks_csv import Delimited
from veracity.sources._files import FileKind
from veracity.sources._input import is_stream, readable_path
from veracity.sources._table import Table
from veracity.sources._whole_csv import read_delimited
from veracity.sources.base import ReadOptions, SourceSpec
from veracity.sources.registry import OpenContext, Opened, register

__all__ = ["Csv", "Tsv"]


@register
class Csv(FileKind):
    name = "csv"
    order = 10
    extensions = (".csv", ".txt")
    text = True

    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        return read_delimited(raw, self.name, options, display)

    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        path = readable_path(spec.path, context.base_dir)
        # A named pipe can be read only once, so it is read whole like standard input.
        if context.chunk_rows is None or is_stream(path):
            return super().open(spec, context)
        delimited = Delimited.of_file(path, self.name, spec.read, spec.path, context.chunk_rows)
        return Opened(
            reader=delimited,
            format=self.name,
            display=spec.path,
            size=delimited.size,
            sha256=delimited.sha256,
            encoding=delimited.encoding,
            encoding_confidence=delimited.encoding_confidence,
            delimiter=delimited.delimiter,
        )


@register
class Tsv(Csv):
    name = "tsv"
    order = 20
    extensions = (".tsv", ".tab")
