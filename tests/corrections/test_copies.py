"""Corrected copies change the accepted cells and nothing else: CSV-ish files of any quoting,
encoding and line ending, NDJSON and JSON documents, checked cell by cell and byte by byte."""

from __future__ import annotations

import codecs
import csv
import io
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from veracity.corrections.copies.base import CellChange
from veracity.corrections.copies.delimited import rewrite_delimited
from veracity.corrections.copies.json import rewrite_json
from veracity.errors import UsageError

# No lone carriage return: Python's csv writer leaves one unquoted when its line terminator is
# "\n", which no reader reads back as written.
ALPHABET = 'aZ9é€ ,;\t"\n'
cells = st.text(alphabet=ALPHABET, max_size=6)


def _csv(table: list[list[str]], delimiter: str, quoting: int, terminator: str) -> tuple[str, list[int]]:
    """The table written as CSV, and the line each record starts on."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    lines = []
    for row in table:
        lines.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
    return out.getvalue(), lines


@st.composite
def csv_files(
    draw: st.DrawFn,
) -> tuple[list[list[str]], list[list[str]], str, int, str, str, list[CellChange]]:
    width = draw(st.integers(1, 4))
    header = [f"c{i}" for i in range(width)]
    # A record of one empty cell is a blank line in CSV: the readers skip those.
    rows = draw(
        st.lists(st.lists(cells, min_size=width, max_size=width).filter(lambda r: any(r)), max_size=6)
    )
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-be"]))
    _, lines = _csv([header, *rows], delimiter, quoting, terminator)
    changes, expected = [], [list(row) for row in rows]
    for r, row in enumerate(rows):
        for c in range(width):
            if draw(st.booleans()):
                new = draw(cells)
                changes.append(CellChange(lines[r + 1], header[c], row[c], new))
                expected[r][c] = new
    return [header, *rows], [header, *expected], delimiter, quoting, terminator, encoding, changes


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


@settings(max_examples=300, deadline=None)
@given(csv_files())
def test_a_delimited_copy_is_the_input_with_only_the_accepted_cells_changed(
    case: tuple[list[list[str]], list[list[str]], str, int, str, str, list[CellChange]],
) -> None:
    table, expected, delimiter, quoting, terminator, encoding, changes = case
    raw = _encoded(_csv(table, delimiter, quoting, terminator)[0], encoding)
    copy = rewrite_delimited(raw, encoding, delimiter, changes, "data.csv")
    # Byte for byte what the same writer makes of the corrected table: the quoting of every
    # other cell, the delimiter, the line endings, the encoding and its byte-order mark kept.
    assert copy == _encoded(_csv(expected, delimiter, quoting, terminator)[0], encoding)
    read = list(csv.reader(io.StringIO(copy.decode(encoding), newline=""), delimiter=delimiter))
    assert read == expected


def test_no_accepted_change_leaves_the_bytes_alone() -> None:
    raw = b'id;name\r\n1;"A ""quoted"" name"\r\n# not a comment\r\n'
    assert rewrite_delimited(raw, "utf-8", ";", [], "data.csv") == raw


@pytest.mark.parametrize(
    ("raw", "change", "message"),
    [
        (b"id,name\n1,Anna\n", CellChange(2, "email", "x", "y"), "data.csv has no column 'email'"),
        (b"id,name\n1,Anna\n", CellChange(2, "name", "Berta", "B"), "does not hold the value the audit read"),
        (b"id,name\n1,Anna\n", CellChange(9, "name", "Anna", "B"), "data.csv has no record on line 9"),
        (b"id,name\n1,Anna\n", CellChange(2, "name", "Anna", "\u0100"), "cannot be written in cp1252"),
    ],
)
def test_changes_that_do_not_fit_the_file_are_refused(raw: bytes, change: CellChange, message: str) -> None:
    encoding = "cp1252" if "cp1252" in message else "utf-8"
    with pytest.raises(UsageError, match=message):
        rewrite_delimited(raw, encoding, ",", [change], "data.csv")


def test_bytes_that_are_not_valid_in_the_encoding_stay_as_they_were() -> None:
    raw = b"id,name,note\n1,Anna,\xff\xfe odd\n2,Ben,x\n"
    copy = rewrite_delimited(raw, "utf-8", ",", [CellChange(2, "name", "Anna", "Anne")], "data.csv")
    assert copy == b"id,name,note\n1,Anne,\xff\xfe odd\n2,Ben,x\n"


def test_a_changed_cell_is_quoted_when_it_needs_to_be() -> None:
    raw = codecs.BOM_UTF8 + b'id,name\n1,Anna\n2,"Ben"\n'
    changes = [CellChange(2, "name", "Anna", "Anna, Maria"), CellChange(3, "name", "Ben", "Benno")]
    assert rewrite_delimited(raw, "utf-8-sig", ",", changes, "d.csv") == (
        codecs.BOM_UTF8 + b'id,name\n1,"Anna, Maria"\n2,"Benno"\n'
    )


NDJSON = (
    b'{"id": 1, "email": " A@X.COM", "n": [1, 2]}\n\n{"id":2,"email":"b@y.com"}\r\n{"id": 3, "email": null}\n'
)


def test_an_ndjson_copy_rewrites_only_the_changed_lines() -> None:
    changes = [CellChange(1, "email", " A@X.COM", "a@x.com"), CellChange(4, "email", None, "c@z.com")]
    copy = rewrite_json(NDJSON, True, changes, "d.ndjson")
    lines = copy.split(b"\n")
    assert json.loads(lines[0]) == {"id": 1, "email": "a@x.com", "n": [1, 2]}
    assert lines[1:3] == NDJSON.split(b"\n")[1:3]
    assert lines[3] == b'{"id": 3, "email": "c@z.com"}'
    assert lines[4:] == [b""]


JSON_DOC = (
    b'[\n  {\n    "id": 1,\n    "email": "A@X.COM"\n  },\n  {"id": 2, "email": "b@y.com", "tags": ["x"]}\n]\n'
)


def test_a_json_copy_rewrites_only_the_changed_records() -> None:
    copy = rewrite_json(JSON_DOC, False, [CellChange(1, "email", "A@X.COM", "a@x.com")], "d.json")
    assert json.loads(copy) == [{"id": 1, "email": "a@x.com"}, {"id": 2, "email": "b@y.com", "tags": ["x"]}]
    assert copy.endswith(b'  },\n  {"id": 2, "email": "b@y.com", "tags": ["x"]}\n]\n')
    assert copy.startswith(b'[\n  {\n    "id": 1,\n    "email": "a@x.com"\n  }')


def test_a_key_the_record_lacks_is_added_at_its_end() -> None:
    copy = rewrite_json(JSON_DOC, False, [CellChange(2, "phone", None, "+4930123")], "d.json")
    assert copy.endswith(b'  {"id": 2, "email": "b@y.com", "tags": ["x"], "phone": "+4930123"}\n]\n')


@settings(max_examples=200, deadline=None)
@given(st.text().filter(lambda t: "\x00" not in t), st.text(min_size=1).filter(lambda t: "\x00" not in t))
def test_quoted_values_and_names_read_back_as_themselves(value: str, name: str) -> None:
    """Whatever a value or a field name holds, quoted it is one literal or one identifier: the
    statement around it cannot be ended or extended from inside."""
    import sqlite3

    from veracity.corrections.copies.databases import identifier, literal

    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.execute(f"SELECT {literal(value)} AS {identifier(name)}")
        assert cursor.fetchall() == [(value,)]
        assert cursor.description[0][0] == name
    finally:
        conn.close()


def test_a_nul_character_is_refused() -> None:
    from veracity.corrections.copies.databases import literal

    with pytest.raises(UsageError, match="NUL character"):
        literal("a\x00b")


@settings(max_examples=60, deadline=None)
@given(csv_files(), st.data())
def test_the_copy_reads_back_through_veracity_with_the_accepted_cells_changed(
    case: tuple[list[list[str]], list[list[str]], str, int, str, str, list[CellChange]],
    data: st.DataObject,
) -> None:
    """The records are located by the line veracity's own reader gives them (as the worklist
    does), and the copy, read by it again, differs from the input in the changed cells only."""
    import tempfile
    from pathlib import Path

    from veracity import load_data
    from veracity.config import rule_set_from_objects
    from veracity.sources import LINE_COL, ReadOptions

    table, _, delimiter, quoting, terminator, encoding, _ = case
    if encoding == "cp1252":
        encoding = "utf-8"  # detection needs more text than a few records to tell cp1252
    raw = _encoded(_csv(table, delimiter, quoting, terminator)[0], encoding)
    assume(len(table) > 1)  # a header alone is no data to correct
    rules = rule_set_from_objects([{"id": "filled", "check": "not_null", "field": "c0"}])
    read = ReadOptions(format="csv", delimiter=delimiter, encoding=encoding)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(raw)
        before = load_data(path, rules, read=read).frame
        assume(before.height > 0)  # a record of blanks alone is a blank line, which readers skip
        header = table[0]
        picks = data.draw(
            st.lists(st.tuples(st.integers(0, before.height - 1), st.sampled_from(header)), max_size=5)
        )
        expected = before.select(header)
        changes = []
        for row, column in {(r, c) for r, c in picks} if before.height else set():
            new = data.draw(cells.filter(lambda v: v.strip() != ""))
            old = before.get_column(column)[row]
            changes.append(CellChange(int(before.get_column(LINE_COL)[row]), column, old, new))
            expected = expected.with_columns(expected.get_column(column).scatter(row, new))
        copy = Path(folder) / "fixed.csv"
        copy.write_bytes(rewrite_delimited(raw, encoding, delimiter, changes, "data.csv"))
        after = load_data(copy, rules, read=read).frame.select(header)
    assert after.equals(expected)
