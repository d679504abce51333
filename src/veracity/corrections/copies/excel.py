"""Excel copies: the workbook opened with openpyxl, the changed cells set, saved under a new name.

A record is its sheet row (the audit's line numbers); a column is found by its name in the
header row (the first row of the sheet that holds the names of every changed column). Only the
changed cells are set, as text; the other cells, sheets, styles, number formats, merged cells,
formulas and defined names are what openpyxl reads and writes back. (openpyxl does not keep
charts and images: a workbook holding them is refused rather than copied without them.)
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from veracity.corrections.copies.base import CellChange, by_record, missing_column, moved
from veracity.errors import UsageError

__all__ = ["rewrite_workbook"]

#: Parts of a workbook package that openpyxl would drop on saving.
_DROPPED = ("xl/charts/", "xl/media/", "xl/drawings/", "xl/pivotTables/")


def rewrite_workbook(
    source: Path, sheet: str | None, changes: Iterable[CellChange], output: Path, display: str
) -> None:
    """Write ``source`` with ``changes`` applied to ``sheet`` (the first sheet when None) to
    ``output``."""
    import openpyxl  # type: ignore[import-untyped]  # imported by the runs that fix a workbook

    grouped = by_record(changes)
    with zipfile.ZipFile(source) as package:
        dropped = sorted({part for name in package.namelist() for part in _DROPPED if name.startswith(part)})
    if dropped:
        kinds = ", ".join(part.split("/")[1] for part in dropped)
        raise UsageError(
            f"{display} holds {kinds}, which the copy could not keep; export the sheet as CSV and fix that"
        )
    with warnings.catch_warnings():
        # openpyxl warns about extensions it does not read (data validation lists, slicers):
        # they are kept as far as openpyxl can, and a steward cannot act on the warning.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm", keep_links=True)
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]
    if grouped:
        columns = _header(
            worksheet, {column for record in grouped.values() for column in record}, min(grouped)
        )
        for row, record in grouped.items():
            for column, change in record.items():
                index = columns.get(column)
                if index is None:
                    raise missing_column(display, column)
                cell = worksheet.cell(row=row, column=index)
                if (
                    isinstance(cell.value, str)
                    and change.old is not None
                    and cell.value.strip() != change.old.strip()
                ):
                    raise moved(display, row, column)
                cell.value = change.new
                cell.data_type = "s"
    book.save(output)


def _header(worksheet: Any, wanted: set[str], first_record: int) -> dict[str, int]:
    """Column name -> 1-based column index, from the header row above ``first_record``."""
    best: dict[str, int] = {}
    for number, row in enumerate(worksheet.iter_rows(max_row=max(first_record - 1, 1), values_only=True), 1):
        names = {str(value).strip(): index for index, value in enumerate(row, 1) if value is not None}
        if number < first_record and wanted <= names.keys():
            return names
        if not best and names:
            best = names
    return best
