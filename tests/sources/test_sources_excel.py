"""Excel workbooks: sheets too large to hold, zip bombs, and which sheet ``--sheet`` chooses.

A sheet whose cells reach ``XFD1048576`` made fastexcel abort the process with a Rust panic,
so those cases run the CLI as a separate process.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from cli_run import assert_refused, prepare, run_audit
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import SourceError
from veracity.sources import ReadOptions, SourceSpec, _xlsx_guard, load_sources
from veracity.sources._xlsx_guard import MAX_CELLS

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(fill: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    fill(workbook)
    workbook.close()
    return buffer.getvalue()


def _table(workbook: xlsxwriter.Workbook, name: str = "Data", value: str = "x") -> None:
    sheet = workbook.add_worksheet(name)
    sheet.write_column(0, 0, ["a", value])


def _far_cell(row: int, column: int) -> bytes:
    def fill(workbook: xlsxwriter.Workbook) -> None:
        _table(workbook)
        workbook.worksheets()[0].write(row, column, "far")

    return _workbook(fill)


def _rewritten(raw: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """``raw`` with one part of its zip replaced by ``change(part)``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            target.writestr(member, change(data) if member.filename == part else data)
    return out.getvalue()


def _dimension(ref: bytes | None) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        replacement = b"" if ref is None else b'<dimension ref="' + ref + b'"/>'
        return re.sub(rb'<dimension ref="[^"]*"/>', replacement, xml)

    return change


LAST_CELL = _far_cell(1_048_575, 16_383)
TOO_FAR = (
    "the sheet's cells reach XFD1048576 (1,048,576 rows by 16,384 columns from A1), more than the "
    "50,000,000 cells veracity reads from a sheet; delete the cells beyond the table (Ctrl+End in Excel "
    "goes to the last one) and save again, or export it as CSV"
)

FAR_CASES = {
    "last-cell": LAST_CELL,
    "last-cell-without-dimension": _rewritten(LAST_CELL, SHEET, _dimension(None)),
    "last-cell-behind-a-small-dimension": _rewritten(LAST_CELL, SHEET, _dimension(b"A1:A2")),
    "cell-attributes-reordered": _rewritten(
        LAST_CELL, SHEET, lambda xml: xml.replace(b'<c r="XFD1048576" t="s">', b'<c t="s" r="XFD1048576">')
    ),
}


@pytest.mark.parametrize("extra", [(), ("--chunk-rows", "1000")], ids=["in-memory", "chunked"])
@pytest.mark.parametrize("content", FAR_CASES.values(), ids=FAR_CASES.keys())
def test_a_sheet_reaching_too_far_is_refused_not_aborted(
    content: bytes, extra: tuple[str, ...], tmp_path: Path
) -> None:
    (tmp_path / "book.xlsx").write_bytes(content)
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, ["book.xlsx", *extra]), tmp_path, before)
    assert line == f"Error: book.xlsx (sheet 'Data'): {TOO_FAR}"


@pytest.mark.parametrize(
    "reference", [b"A99999999", b"AAAA1", b"XFE1"], ids=["8-digit-row", "4-letter-column", "XFE"]
)
def test_a_cell_beyond_excels_grid_is_refused(reference: bytes, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(_rewritten(LAST_CELL, SHEET, lambda xml: xml.replace(b"XFD1048576", reference)))
    with pytest.raises(SourceError) as error:
        load_sources([SourceSpec(str(path))])
    assert str(error.value) == (
        f"{path} (sheet 'Data'): a cell lies beyond XFD1048576, where Excel's grid ends; the file is damaged "
        "or was not written by a spreadsheet program: open and re-save it in Excel, or export it as CSV"
    )


def _load(path: Path, sheet: str | int | None = None) -> str | None:
    data = load_sources([SourceSpec(str(path), read=ReadOptions(sheet=sheet))])
    return data.sources[0].sheet


@pytest.mark.parametrize(
    ("row", "column", "fits"),
    [
        (1_048_575, 46, True),  # every row, 47 columns
        (MAX_CELLS // 1000 - 1, 999, True),  # exactly at the limit
        (MAX_CELLS // 1000, 999, False),
        (0, 16_383, True),  # the last column, one row
        (1_048_575, 47, False),
    ],
)
def test_sheets_are_measured_by_their_farthest_cell(row: int, column: int, fits: bool) -> None:
    package = zipfile.ZipFile(io.BytesIO(_far_cell(row, column)))
    if fits:
        _xlsx_guard.check_sheet(package, 0, "book.xlsx (sheet 'Data')", "book.xlsx")
    else:
        with pytest.raises(SourceError, match="more than the 50,000,000 cells"):
            _xlsx_guard.check_sheet(package, 0, "book.xlsx (sheet 'Data')", "book.xlsx")


def test_a_sheet_with_a_far_cell_within_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"

    def fill(workbook: xlsxwriter.Workbook) -> None:
        _table(workbook)
        workbook.worksheets()[0].write(0, 9, "b")
        workbook.worksheets()[0].write(99_999, 9, "far")

    path.write_bytes(_workbook(fill))
    data = load_sources([SourceSpec(str(path))])
    assert data.sources[0].rows == 2  # the table's row and the far cell's


def test_a_sheet_declaring_the_whole_grid_but_holding_a_small_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(_rewritten(_workbook(_table), SHEET, _dimension(b"A1:XFD1048576")))
    assert _load(path) == "Data"


def test_only_the_chosen_sheet_is_measured(tmp_path: Path) -> None:
    def fill(workbook: xlsxwriter.Workbook) -> None:
        _table(workbook, "Good")
        workbook.add_worksheet("Stray").write(1_048_575, 16_383, "far")

    path = tmp_path / "book.xlsx"
    path.write_bytes(_workbook(fill))
    assert _load(path, "Good") == "Good"
    with pytest.raises(
        SourceError, match=re.escape("book.xlsx (sheet 'Stray'): the sheet's cells reach XFD1048576")
    ):
        _load(path, "Stray")


def _bomb() -> bytes:
    """A workbook whose shared strings unpack to 32 MiB of spaces from a few kilobytes."""
    padding = b" " * (32 << 20)
    return _rewritten(
        _workbook(_table), "xl/sharedStrings.xml", lambda xml: xml.replace(b"<sst", padding + b"<sst", 1)
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    (tmp_path / "book.xlsx").write_bytes(_bomb())
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, ["book.xlsx"]), tmp_path, before)
    assert line == (
        "Error: book.xlsx: the workbook part 'xl/sharedStrings.xml' is compressed more than 200 to 1, as a zip "
        "bomb is, not a spreadsheet; export the sheet again as .xlsx or CSV"
    )


def test_a_workbook_unpacking_to_more_than_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(_workbook(_table))
    with zipfile.ZipFile(path) as package:
        unpacked = sum(member.file_size for member in package.infolist())
    monkeypatch.setattr(_xlsx_guard, "MAX_UNPACKED", unpacked - 1)
    with pytest.raises(SourceError) as error:
        _load(path)
    assert str(error.value) == (
        f"{path}: the workbook unpacks to {unpacked:,} bytes, more than the {unpacked - 1:,} veracity reads; "
        "export the sheet as CSV and audit that"
    )


def test_a_part_that_lies_about_its_size_is_refused_as_damaged(tmp_path: Path) -> None:
    raw = bytearray(_workbook(_table))
    # The uncompressed size in the part's central directory entry (offset 24; its name at 46).
    entry = raw.find(b"xl/sharedStrings.xml", raw.find(b"PK\x01\x02")) - 46
    raw[entry + 24 : entry + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "book.xlsx"
    path.write_bytes(bytes(raw))
    with pytest.raises(SourceError) as error:
        _load(path)
    assert str(error.value) == (
        f"{path}: the workbook is damaged (its part 'xl/sharedStrings.xml' cannot be unpacked); open and "
        "re-save it in Excel"
    )


# Sheets named by numbers, out of order, beside a named one.
NUMBERED = ("1", "0", "2024", "Data")


@pytest.fixture
def numbered(tmp_path: Path) -> Path:
    def fill(workbook: xlsxwriter.Workbook) -> None:
        for name in NUMBERED:
            _table(workbook, name, value=f"from {name}")

    path = tmp_path / "book.xlsx"
    path.write_bytes(_workbook(fill))
    return path


@pytest.mark.parametrize(
    ("sheet", "chosen"),
    [
        ("0", "0"),  # the sheet named 0, although it is the second one
        ("1", "1"),
        ("2024", "2024"),  # a name, not an index out of range
        ("3", "Data"),  # no sheet is named 3: the fourth sheet
        ("Data", "Data"),
        (None, "1"),  # the first sheet
    ],
)
def test_sheet_option_chooses_a_name_first_then_an_index(
    sheet: str | None, chosen: str, numbered: Path, tmp_path: Path
) -> None:
    prepare(tmp_path)
    extra = () if sheet is None else ("--sheet", sheet)
    outcome = run_audit(tmp_path, [numbered.name], "-f", "json", *extra)
    assert outcome.code in (0, 1), outcome.stderr
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert report["sources"][0]["sheet"] == chosen


@pytest.mark.parametrize(
    ("sheet", "chosen"),
    [(2024, "2024"), ("2024", "2024"), (0, "0"), ("0", "0"), (3, "Data"), ("3", "Data")],
)
def test_read_sheet_in_the_rule_file_chooses_as_the_option_does(
    sheet: str | int, chosen: str, numbered: Path
) -> None:
    assert _load(numbered, sheet) == chosen


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        (
            "7",
            "there is no sheet named '7' and no sheet at index 7 (0-based; the workbook has 4: '1', '0', '2024', "
            "'Data'); set read.sheet in the rule file or --sheet to a sheet name or to an index from 0 to 3",
        ),
        (
            "Customers",
            "there is no sheet named 'Customers' (the workbook has '1', '0', '2024', 'Data'); set read.sheet in "
            "the rule file or --sheet to one of these names or to a 0-based index",
        ),
        (
            "²",  # a digit to str.isdigit, but no number
            "there is no sheet named '²' (the workbook has '1', '0', '2024', 'Data'); set read.sheet in the rule "
            "file or --sheet to one of these names or to a 0-based index",
        ),
        (
            "-1",
            "there is no sheet named '-1' (the workbook has '1', '0', '2024', 'Data'); set read.sheet in the rule "
            "file or --sheet to one of these names or to a 0-based index",
        ),
    ],
)
def test_a_sheet_that_is_not_there_is_refused_naming_key_and_option(
    sheet: str, message: str, numbered: Path, tmp_path: Path
) -> None:
    before = prepare(tmp_path)
    line = assert_refused(run_audit(tmp_path, [numbered.name], "--sheet", sheet), tmp_path, before)
    assert line == f"Error: book.xlsx: {message}"


def _reference(column: int, row: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.integers(1, 16_384), st.integers(1, 1_048_576), st.sampled_from(['t="s" ', 's="1" ', ""])
        ),
        min_size=1,
        max_size=40,
    ),
    cuts=st.lists(st.integers(0, 2_000), max_size=8),
)
def test_the_measured_reach_is_the_largest_row_and_column(
    cells: list[tuple[int, int, str]], cuts: list[int]
) -> None:
    """Whatever the attribute order and wherever the unpacked stream is split into blocks."""
    xml = "".join(
        f'<row r="{row}"><c {before}r="{_reference(column, row)}"><v>{row % 7}</v></c></row>'
        for column, row, before in cells
    ).encode()
    bounds = sorted({cut % (len(xml) + 1) for cut in cuts} | {0, len(xml)})
    blocks = iter([xml[start:stop] for start, stop in itertools.pairwise(bounds)])
    assert _xlsx_guard._reach(blocks) == (
        max(row for _, row, _ in cells),
        max(column for column, _, _ in cells),
    )


@pytest.mark.parametrize(
    "reference", ["A" + "9" * 70, "ABCDEFGHIJ1", "A99999999"], ids=["long", "letters", "8-digits"]
)
def test_a_reference_past_the_grid_is_found_wherever_the_blocks_split(reference: str) -> None:
    xml = (' <c r="A1"/>' * 12 + f' <c r="{reference}"/>' + ' <c r="B2"/>' * 12).encode()
    beyond = (_xlsx_guard._BEYOND, _xlsx_guard._BEYOND)
    for cut in range(len(xml) + 1):
        assert _xlsx_guard._reach(iter([xml[:cut], xml[cut:]])) == beyond, cut
