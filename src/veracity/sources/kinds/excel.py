"""Excel workbooks (.xlsx, .xlsm), one sheet, read whole."""

from __future__ import annotations

from veracity.sources._files import FileKind
from veracity.sources._table import Table
from veracity.sources.base import ReadOptions
from veracity.sources.registry import register

__all__ = ["Excel"]


@register
class Excel(FileKind):
    name = "xlsx"
    order = 60
    extensions = (".xlsx", ".xlsm")

    def read(self, raw: bytes, options: ReadOptions, display: str) -> Table:
        # fastexcel and the workbook guard are imported by the runs that read a workbook only.
        from veracity.sources._excel import read_excel

        return read_excel(raw, options, display)
