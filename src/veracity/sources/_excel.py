"""Excel workbooks (.xlsx/.xlsm), read with fastexcel (calamine), the engine behind pl.read_excel.

fastexcel is used directly rather than through ``pl.read_excel`` because it gives, in one call,
every cell as text with its absolute sheet position: with ``header_row=None, skip_rows=0`` row
``i`` of the result is sheet row ``i + 1`` even when the table starts lower down, and the
``dtypes="string"`` conversion renders whole numbers as ``12345`` (not ``12345.0``), booleans as
``true``/``false`` and date cells as ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

from typing import Any

import fastexcel
import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import SourceError
from veracity.sources._table import ENGINE_ERRORS, Table, check_header, column_letter, quote
from veracity.sources._xlsx_guard import check_package, check_sheet
from veracity.sources.base import ReadOptions

__all__ = ["read_excel", "sheet_index"]

_NOT_A_WORKBOOK = (
    "{display}: is not a readable Excel workbook; save it as .xlsx, or set read.format in the rule file "
    "(--input-format) if it is another format"
)


def read_excel(raw: bytes, options: ReadOptions, display: str) -> Table:
    # Checked before fastexcel opens the workbook: opening it unpacks the shared strings.
    package = check_package(raw, display)
    if package is None:
        # Not a zip: an old .xls (or no workbook at all). calamine would read an .xls unguarded.
        raise SourceError(_NOT_A_WORKBOOK.format(display=display))
    try:
        reader: Any = fastexcel.read_excel(raw)
        sheet_names = [str(name) for name in reader.sheet_names]
    except ENGINE_ERRORS:
        raise SourceError(_NOT_A_WORKBOOK.format(display=display)) from None
    index = sheet_index(options.sheet, sheet_names, display)
    sheet_name = sheet_names[index]
    where = f"{display} (sheet {quote(sheet_name)})"
    if package is not None:
        check_sheet(package, index, where, display)
    try:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        # A column fastexcel found no cell in would be of the Null type; text operations need String.
        grid: pl.DataFrame = sheet.to_polars().cast(pl.String)
        absolute = [int(column.absolute_index) for column in sheet.available_columns()]
    except ENGINE_ERRORS:
        raise SourceError(f"{where}: the sheet cannot be read; open and re-save it in Excel") from None

    filled = _filled(grid)
    rows = np.flatnonzero(filled.any(axis=1))
    if not rows.size:
        raise SourceError(
            f"{where}: the sheet is empty; choose another sheet with read.sheet (--sheet) or "
            "remove this source"
        )
    header, data = int(rows[0]), rows[1:]
    header_cells: tuple[Any, ...] = grid.row(header)
    in_use = filled[header] | filled[data].any(axis=0)
    kept = np.flatnonzero(in_use)
    names = [header_cells[i] for i in kept]
    check_header(names, [column_letter(absolute[i]) for i in kept], where)
    if not data.size:
        raise SourceError(
            f"{where}: the sheet has a header row but no data rows; choose another sheet with read.sheet "
            "(--sheet) or remove this source"
        )
    frame = grid[data, [grid.columns[i] for i in kept]]
    frame.columns = [str(name) for name in names]
    types = _cell_types(reader, index, header)
    return Table(
        frame=frame,
        positions=(data + 1).astype(np.int64),
        position_kind="row",
        original_types=[types.get(absolute[i], "unknown") for i in kept],
        sheet=sheet_name,
    )


def sheet_index(wanted: str | int | None, names: list[str], display: str) -> int:
    """The position of the sheet ``read.sheet``/``--sheet`` chooses: the sheet of that NAME
    when there is one (a sheet may be named ``2024``), else, for a whole number, the sheet at
    that 0-based position; the first sheet when none is chosen."""
    if not names:
        raise SourceError(f"{display}: the workbook has no sheets; export the data again")
    if wanted is None:
        return 0
    text = str(wanted)
    if text in names:
        return names.index(text)
    listing = ", ".join(quote(name) for name in names)
    number = wanted if isinstance(wanted, int) else int(text) if text.isascii() and text.isdigit() else None
    if number is None:
        raise SourceError(
            f"{display}: there is no sheet named {quote(text)} (the workbook has {listing}); "
            "set read.sheet in the rule file or --sheet to one of these names or to a 0-based index"
        )
    if 0 <= number < len(names):
        return number
    raise SourceError(
        f"{display}: there is no sheet named {quote(text)} and no sheet at index {number} (0-based; the "
        f"workbook has {len(names)}: {listing}); set read.sheet in the rule file or --sheet to a sheet "
        "name or to an index from 0 to "
        f"{len(names) - 1}"
    )


def _filled(grid: pl.DataFrame) -> npt.NDArray[np.bool_]:
    """Row-by-column matrix: does the cell hold anything but whitespace?"""
    if not grid.width or not grid.height:
        return np.zeros((grid.height, grid.width), dtype=np.bool_)
    flags = grid.select(
        (pl.col(c).str.strip_chars().str.len_bytes() > 0).fill_null(False) for c in grid.columns
    )
    return flags.to_numpy().astype(np.bool_, copy=False).reshape(grid.height, grid.width)


def _cell_types(reader: Any, index: int, header: int) -> dict[int, str]:
    """The type fastexcel infers for each column (by absolute index), for the lineage notes.

    It needs a second pass over the sheet, which roughly doubles the read time of a workbook;
    the lineage ("read as text from float") is worth it for the sizes Excel allows. Should that
    pass fail where the text pass worked, the types are reported as unknown rather than failing
    the audit over a note.
    """
    try:
        typed = reader.load_sheet(index, header_row=header)
        return {int(c.absolute_index): str(c.dtype) for c in typed.available_columns()}
    except ENGINE_ERRORS:
        return {}
