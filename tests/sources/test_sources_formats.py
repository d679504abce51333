"""Parquet, JSON, NDJSON and Excel: everything comes out as text, positions are record/row numbers."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from loader_helpers import Writer, lines, load_one, values

from veracity.sources import EXTENSIONS


def test_extension_table_covers_every_documented_extension() -> None:
    assert EXTENSIONS == {
        ".csv": "csv",
        ".txt": "csv",
        ".tsv": "tsv",
        ".tab": "tsv",
        ".parquet": "parquet",
        ".pq": "parquet",
        ".json": "json",
        ".ndjson": "ndjson",
        ".jsonl": "ndjson",
        ".xlsx": "xlsx",
        ".xlsm": "xlsx",
    }


@pytest.mark.parametrize("name", ["a.CSV", "a.tab", "a.pq", "a.jsonl", "a.xlsm"])
def test_extensions_are_case_insensitive_and_aliases_work(write: Writer, name: str) -> None:
    frame = pl.DataFrame({"x": ["1"]})
    buffer = io.BytesIO()
    suffix = name.rsplit(".", 1)[1].lower()
    if suffix in ("csv", "tab"):
        buffer.write(b"x\n1\n")
    elif suffix == "pq":
        frame.write_parquet(buffer)
    elif suffix == "jsonl":
        buffer.write(b'{"x": "1"}\n')
    else:
        frame.write_excel(buffer)
    assert values(load_one(write(name, buffer.getvalue()))) == [("1",)]


def test_format_option_overrides_extension(write: Writer) -> None:
    data = load_one(write("export.dat", b'{"a": 1}\n{"a": 2}\n'), format="ndjson")
    assert data.sources[0].format == "ndjson"
    assert values(data) == [("1",), ("2",)]


# --- Parquet ---------------------------------------------------------------------------------


def test_parquet_columns_become_text(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": [12345, None],
            "amount": [1.5, 2.0],
            "active": [True, False],
            "born": [dt.date(1990, 1, 2), None],
            "seen": [dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 120000)],
            "price": pl.Series([decimal.Decimal("1.50"), None], dtype=pl.Decimal(10, 2)),
            "tags": [["a", "b"], None],
            "meta": [{"k": 1}, {"k": None}],
            "email": [" a@b.com", "  "],
            "raw": [b"ok", b"\xff"],
            "kind": pl.Series(["x", "y"], dtype=pl.Categorical),
        }
    )
    path = tmp_path / "people.parquet"
    frame.write_parquet(path)
    data = load_one(path)
    assert values(data) == [
        (
            "12345",
            "1.5",
            "true",
            "1990-01-02",
            "2024-01-02T03:04:05",
            "1.50",
            '["a","b"]',
            '{"k":1}',
            " a@b.com",
            "6f6b",
            "x",
        ),
        (None, "2.0", "false", None, "2024-01-02T03:04:05.120000", None, None, '{"k":null}', None, "ff", "y"),
    ]
    info = data.sources[0]
    assert info.position_kind == "record"
    assert lines(data) == [1, 2]
    assert [c.original_type for c in info.columns][:4] == ["Int64", "Float64", "Boolean", "Date"]
    assert info.columns[8].missing_replaced == 1
    assert (info.encoding, info.delimiter, info.sheet) == (None, None, None)


def test_parquet_times_and_durations(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "at": [dt.time(7, 30, 5)],
            "took": [dt.timedelta(minutes=90)],
            "utc": pl.Series([dt.datetime(2024, 5, 6, 7, 8, 9)]).dt.replace_time_zone("UTC"),
        }
    )
    frame.write_parquet(tmp_path / "t.parquet")
    assert values(load_one(tmp_path / "t.parquet")) == [("07:30:05", "PT1H30M", "2024-05-06T07:08:09+00:00")]


def test_parquet_text_binary_stays_text(tmp_path: Path) -> None:
    pl.DataFrame({"raw": [b"ok", b"fine"]}).write_parquet(tmp_path / "b.parquet")
    assert values(load_one(tmp_path / "b.parquet")) == [("ok",), ("fine",)]


# --- JSON / NDJSON ---------------------------------------------------------------------------


def test_json_keeps_numbers_as_written_and_unions_keys(write: Writer) -> None:
    content = """[
      {"id": 1, "amount": 2.50, "email": " a@b.com", "ok": true},
      {"id": 12345678901234567890, "amount": 1e3, "extra": {"a": [1, 2.0, "x"]}, "ok": null},
      {"id": "007", "amount": "  ", "email": "", "ok": false, "extra": [1]}
    ]"""
    data = load_one(write("people.json", content))
    assert data.fields == ["id", "amount", "email", "ok", "extra"]
    assert values(data) == [
        ("1", "2.50", " a@b.com", "true", None),
        ("12345678901234567890", "1e3", None, None, '{"a":[1,2.0,"x"]}'),
        ("007", None, None, "false", "[1]"),
    ]
    info = data.sources[0]
    assert info.position_kind == "record"
    assert info.encoding == "utf-8"
    assert lines(data) == [1, 2, 3]
    assert [c.original_type for c in info.columns] == [
        "number|string",
        "number|string",
        "string",
        "boolean",
        "array|object",
    ]
    assert [c.missing_replaced for c in info.columns] == [0, 1, 1, 0, 0]


def test_ndjson_skips_blank_lines_and_numbers_records(write: Writer) -> None:
    content = '{"a": 1, "b": "x"}\n\n   \n{"a": "2"}\r\n{"b": "a\u2028b"}'
    data = load_one(write("events.ndjson", content))
    assert values(data) == [("1", "x"), ("2", None), (None, "a\u2028b")]
    assert lines(data) == [1, 2, 3]
    assert data.sources[0].position_kind == "record"


def test_json_with_bom_and_utf16(write: Writer) -> None:
    content = '[{"name": "Müller"}]'
    assert values(load_one(write("a.json", b"\xef\xbb\xbf" + content.encode()))) == [("Müller",)]
    assert values(load_one(write("b.json", content.encode("utf-16")))) == [("Müller",)]


# --- Excel -----------------------------------------------------------------------------------


def _workbook(path: Path) -> None:
    workbook = xlsxwriter.Workbook(path)
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    first = workbook.add_worksheet("Intro")
    first.write_column(0, 0, ["note", "see the next sheet"])
    sheet = workbook.add_worksheet("People")
    # The table starts at B3, has a blank row inside and ends with a formula.
    sheet.write_row(2, 1, ["id", "email", "amount", "active", "since", "zip"])
    sheet.write_row(3, 1, [12345, " a@b.com", 1.5, True])
    sheet.write_datetime(3, 5, dt.datetime(2024, 1, 2), date)
    sheet.write_string(3, 6, "01234")
    sheet.write_row(5, 1, [2, "   ", 1e-7, False])
    sheet.write_formula(6, 1, "=1+2", None, 3)
    sheet.write_string(6, 2, "NULL")
    workbook.close()


def test_excel_sheet_rows_and_text(tmp_path: Path) -> None:
    path = tmp_path / "people.xlsx"
    _workbook(path)
    data = load_one(path, sheet="People", null_markers=("NULL",))
    assert data.fields == ["id", "email", "amount", "active", "since", "zip"]
    assert values(data) == [
        ("12345", " a@b.com", "1.5", "true", "2024-01-02 00:00:00", "01234"),
        ("2", None, "0.0000001", "false", None, None),
        ("3", None, None, None, None, None),
    ]
    assert lines(data) == [4, 6, 7]
    info = data.sources[0]
    assert (info.sheet, info.position_kind, info.format) == ("People", "row", "xlsx")
    assert [c.original_type for c in info.columns] == [
        "float",
        "string",
        "float",
        "boolean",
        "datetime",
        "string",
    ]
    assert [c.missing_replaced for c in info.columns] == [0, 2, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("sheet", "expected"), [(None, "Intro"), (0, "Intro"), (1, "People"), ("People", "People")]
)
def test_excel_sheet_selection(tmp_path: Path, sheet: str | int | None, expected: str) -> None:
    path = tmp_path / "people.xlsx"
    _workbook(path)
    assert load_one(path, sheet=sheet).sources[0].sheet == expected
