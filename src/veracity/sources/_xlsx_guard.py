"""Checks on an .xlsx package before fastexcel (calamine) reads it.

calamine sizes a sheet by its cells: one cell at ``XFD1048576`` (the last cell Excel has)
makes it allocate 17 billion cells, and the Rust panic that follows aborts the process, which
no ``except`` can catch. The sheet's ``<dimension ref=...>`` cannot be trusted for this: a
file can declare ``A1:A2`` and still hold that far cell (and one that declares the whole sheet
may hold a small table). So the cell references of the chosen sheet are measured instead,
streamed out of the zip and scanned with numpy, and a sheet reaching further than
:data:`MAX_CELLS` cells from ``A1`` is refused.

Only .xlsx packages are read (a zip with sheet XML): an .xlsb or .ods package, whose sheets
cannot be measured, is refused, and so is anything that is no zip (an .xls). Compressed packages
are checked too: a workbook that would unpack to more than
:data:`MAX_UNPACKED` bytes, or one of whose parts is compressed beyond :data:`MAX_RATIO` to one
(a zip bomb), is refused before anything is unpacked; the parts calamine reads in full (the
chosen sheet, shared strings, styles, the workbook) are unpacked through ``zipfile``, which
stops at the declared size and checks the CRC, so a part that lies about its size is refused.
"""

from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from typing import IO

import numpy as np
import numpy.typing as npt

from veracity.errors import SourceError
from veracity.sources._table import column_letter

__all__ = ["MAX_CELLS", "MAX_RATIO", "MAX_UNPACKED", "check_package", "check_sheet"]

#: The most cells (rows x columns, counted from A1) a sheet may reach: 1,048,576 rows of 47
#: columns; calamine holds each cell in 32 bytes or more before veracity copies it as text.
MAX_CELLS = 50_000_000
#: The most bytes a workbook may unpack to.
MAX_UNPACKED = 2 << 30
#: The highest compression ratio accepted for a part larger than :data:`_RATIO_FLOOR`: sheet
#: XML compresses about 5 to 30 times, a zip bomb about 1,000 times.
MAX_RATIO = 200
_RATIO_FLOOR = 16 << 20
_BLOCK = 8 << 20
_EXCEL_ROWS = 1_048_576
_EXCEL_COLUMNS = 16_384
_BEYOND = 1 << 40  # the reach of a reference past Excel's grid, which calamine would still size
#: Bytes kept from one block for the next: a whitespace, r=", a reference (Excel's longest is 10
#: characters) and its quote fit with room to spare; a value still open after them is no cell
#: reference Excel could have written.
_WINDOW = 64
_META_LIMIT = 64 << 20  # workbook.xml and .rels files are small; more is not a workbook

_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def check_package(raw: bytes, display: str) -> zipfile.ZipFile | None:
    """The workbook's zip, refused when it unpacks to too much; ``None`` when it is no zip
    (fastexcel then says what it is not)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if not any(_is_sheet_xml(member.filename) for member in members):
        # .xlsb (binary sheets) and .ods (content.xml) are zips too, but their sheets cannot be
        # measured here, so calamine must not size them.
        raise SourceError(
            f"{display}: is a zip archive without .xlsx sheets (an .xlsb or .ods file, or another archive); "
            "save it as .xlsx in a spreadsheet program, or export the sheet as CSV"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED:
        raise SourceError(
            f"{display}: the workbook unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED:,} "
            "veracity reads; export the sheet as CSV and audit that"
        )
    for member in members:
        if member.file_size > _RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise SourceError(
                f"{display}: the workbook part {member.filename!r} is compressed more than {MAX_RATIO} to 1, "
                "as a zip bomb is, not a spreadsheet; export the sheet again as .xlsx or CSV"
            )
    for member in members:
        name = member.filename.lower()
        if name.startswith("xl/") and name.count("/") == 1 and name.endswith(".xml"):
            # Read whole by calamine when it opens the workbook: shared strings, styles, ...
            for _ in _stream(package, member.filename, display):
                pass
    return package


def check_sheet(package: zipfile.ZipFile, index: int, where: str, display: str) -> None:
    """Refuse the ``index``-th sheet (workbook order) when its cells reach too far."""
    parts = _sheet_parts(package)
    if parts is not None and 0 <= index < len(parts):
        chosen = [parts[index]]
    else:
        # A package laid out unlike Excel's: measure every sheet rather than none.
        chosen = [m.filename for m in package.infolist() if _is_sheet_xml(m.filename)]
    for part in chosen:
        rows, columns = _reach(_stream(package, part, display))
        if rows > _EXCEL_ROWS or columns > _EXCEL_COLUMNS:
            raise SourceError(
                f"{where}: a cell lies beyond XFD1048576, where Excel's grid ends; the file is damaged or was "
                "not written by a spreadsheet program: open and re-save it in Excel, or export it as CSV"
            )
        if rows * columns > MAX_CELLS:
            last = f"{column_letter(columns - 1)}{rows}"
            raise SourceError(
                f"{where}: the sheet's cells reach {last} ({rows:,} rows by {columns:,} columns from A1), "
                f"more than the {MAX_CELLS:,} cells veracity reads from a sheet; delete the cells beyond "
                "the table (Ctrl+End in Excel goes to the last one) and save again, or export it as CSV"
            )


def _is_sheet_xml(name: str) -> bool:
    name = name.lower()
    return "worksheets/" in name and name.endswith(".xml")


def _stream(package: zipfile.ZipFile, part: str, display: str) -> Iterator[bytes]:
    try:
        with package.open(part) as handle:
            while block := handle.read(_BLOCK):
                yield block
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, NotImplementedError):
        raise SourceError(
            f"{display}: the workbook is damaged (its part {part!r} cannot be unpacked); open and re-save "
            "it in Excel"
        ) from None


def _reach(blocks: Iterator[bytes]) -> tuple[int, int]:
    """The highest row and column (1-based) any cell reference (``r="B7"``) names."""
    rows = columns = 0
    carry = b""
    for block in blocks:
        data = carry + block
        # References starting in the last _WINDOW bytes may run into the next block.
        block_rows, block_columns = _reach_in(np.frombuffer(data, dtype=np.uint8), len(data) - _WINDOW)
        rows, columns = max(rows, block_rows), max(columns, block_columns)
        carry = data[-_WINDOW:]
    padded = np.frombuffer(carry + bytes(_WINDOW), dtype=np.uint8)
    last_rows, last_columns = _reach_in(padded, len(carry))
    return max(rows, last_rows), max(columns, last_columns)


def _reach_in(buf: npt.NDArray[np.uint8], stop: int) -> tuple[int, int]:
    """The highest row and column of the cell references that start before ``stop``.

    Vectorised: a sheet has millions of cells. Only the references of the most letters (for
    the column) and of the most digits (for the row) are converted to numbers.
    """
    if stop <= 0:
        return 0, 0
    # r=" preceded by whitespace (at ``at``): the attribute r, not the end of another name.
    at = np.flatnonzero(
        (buf[1 : stop + 1] == ord("r")) & (buf[2 : stop + 2] == ord("=")) & (buf[3 : stop + 3] == ord('"'))
    )
    before = buf[at]
    at = at[(before == 32) | (before == 9) | (before == 10) | (before == 13)]
    if not at.size:
        return 0, 0
    starts = at + 4
    quotes = np.flatnonzero(buf[: stop + _WINDOW] == ord('"'))
    following = np.searchsorted(quotes, starts)
    closed = following < quotes.size
    unclosed = buf[starts[~closed]]
    if (
        ((unclosed >= ord("A")) & (unclosed <= ord("Z"))) | ((unclosed >= ord("0")) & (unclosed <= ord("9")))
    ).any():
        return _BEYOND, _BEYOND
    starts, following = starts[closed], following[closed]
    lengths = quotes[following] - starts
    starts, lengths = starts[lengths >= 2], lengths[lengths >= 2]
    upper = [(buf[starts + i] >= ord("A")) & (buf[starts + i] <= ord("Z")) for i in range(4)]
    letters = upper[0].astype(np.int64) + (upper[0] & upper[1]) + (upper[0] & upper[1] & upper[2])
    after = buf[starts + letters]
    last = buf[starts + lengths - 1]
    four_letters = upper[0] & upper[1] & upper[2] & upper[3]
    digit_after = (after >= ord("0")) & (after <= ord("9"))
    reference = (letters >= 1) & (digit_after | four_letters) & (last >= ord("0")) & (last <= ord("9"))
    digits = lengths - letters
    # Four letters or eight digits: past XFD1048576, where Excel's grid ends.
    beyond = four_letters | (digits > 7)
    if (reference & beyond).any():
        return _BEYOND, _BEYOND
    cell = reference & ~beyond
    if not cell.any():
        return 0, 0
    starts, letters, digits = starts[cell], letters[cell], digits[cell]
    return _largest(buf, starts + letters, digits, 10, ord("0")), _largest(
        buf, starts, letters, 26, ord("A") - 1
    )


def _largest(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    base: int,
    zero: int,
) -> int:
    """The largest number written in ``base`` at ``starts`` (``lengths`` digits each, ``zero``
    the byte before the first digit's value 0 or 1): the longest ones win."""
    longest = int(lengths.max())
    chosen = starts[lengths == longest]
    value = np.zeros(chosen.size, dtype=np.int64)
    for i in range(longest):
        value = value * base + (buf[chosen + i].astype(np.int64) - zero)
    return int(value.max())


def _sheet_parts(package: zipfile.ZipFile) -> list[str] | None:
    """The XML part of each sheet, in workbook order (the order fastexcel lists them in)."""
    try:
        workbook = _target(package, "_rels/.rels", "/officedocument") or "xl/workbook.xml"
        rels_name = posixpath.join(
            posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels"
        )
        targets = {
            rel.get("Id"): _resolve(workbook, rel.get("Target", ""))
            for rel in _xml(package, rels_name).iter(f"{_RELS_NS}Relationship")
        }
        sheets = _xml(package, workbook).iter(f"{_MAIN_NS}sheet")
        parts = [targets.get(sheet.get(f"{_DOC_NS}id")) for sheet in sheets]
    except (KeyError, ET.ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    names = set(package.namelist())
    if any(part is None or part not in names for part in parts):
        return None
    return [part for part in parts if part is not None]


def _target(package: zipfile.ZipFile, rels: str, kind: str) -> str | None:
    for rel in _xml(package, rels).iter(f"{_RELS_NS}Relationship"):
        if rel.get("Type", "").lower().endswith(kind):
            # Root relationships (the only ones asked for here) are relative to the package root.
            return _resolve("", rel.get("Target", ""))
    return None


def _resolve(source: str, target: str) -> str:
    """A relationship target as a part name: absolute (``/xl/...``) or relative to ``source``."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _xml(package: zipfile.ZipFile, part: str) -> ET.Element:
    if package.getinfo(part).file_size > _META_LIMIT:
        raise ValueError(part)
    handle: IO[bytes]
    with package.open(part) as handle:
        return ET.fromstring(handle.read())
