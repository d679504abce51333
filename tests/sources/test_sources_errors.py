"""Every unusable input is one SourceError line: what is wrong, where, how to fix it.

Messages must never carry values from the data: every case below puts the marker SECRET into
the data and checks that it does not leak.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter

from veracity.errors import SourceError
from veracity.sources import ReadOptions, SourceSpec, load_sources

SECRET = "SECRET"


def _xlsx(rows: dict[int, list[Any]], *, start_col: int = 0, sheets: tuple[str, ...] = ("Data",)) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for index, name in enumerate(sheets):
        sheet = workbook.add_worksheet(name)
        if index == 0:
            for row, cells in rows.items():
                for col, cell in enumerate(cells):
                    if cell is not None:
                        sheet.write(row, start_col + col, cell)
    workbook.close()
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


CASES: list[tuple[str, str, bytes, dict[str, Any], str]] = [
    # id, file name, content, read options, message
    (
        "unknown-extension",
        "crm.xyz",
        b"a\n1\n",
        {},
        "crm.xyz: cannot tell the format from the extension '.xyz' (accepted: .csv .txt .tsv .tab .parquet "
        ".pq .json .ndjson .jsonl .xlsx .xlsm); set read.format in the rule file or --input-format to one "
        "of csv, tsv, parquet, json, ndjson, xlsx",
    ),
    (
        "no-extension",
        "crm",
        b"a\n1\n",
        {},
        "crm: cannot tell the format from a name without an extension (accepted: .csv .txt .tsv .tab "
        ".parquet .pq .json .ndjson .jsonl .xlsx .xlsm); set read.format in the rule file or "
        "--input-format to one of csv, tsv, parquet, json, ndjson, xlsx",
    ),
    (
        "unknown-format-option",
        "crm.csv",
        b"a\n1\n",
        {"format": "xml"},
        "crm.csv: unknown format 'xml' in read.format or --input-format; use one of csv, tsv, parquet, "
        "json, ndjson, xlsx",
    ),
    (
        "nul-bytes",
        "crm.csv",
        f"a,b\n{SECRET},\x00\n".encode(),
        {},
        "crm.csv:2: holds a NUL byte, which is not text (a damaged or binary file); remove the NUL bytes or "
        "export the file again",
    ),
    (
        "utf16-without-bom",
        "crm.csv",
        f"a\n{SECRET}\n".encode("utf-16-le"),
        {},
        "crm.csv: looks like UTF-16 without a byte-order mark (every other byte is a NUL); set read.encoding "
        "in the rule file or --encoding to utf-16-le",
    ),
    (
        "unknown-encoding",
        "crm.csv",
        b"a\n1\n",
        {"encoding": "klingon"},
        "crm.csv: unknown encoding 'klingon' in read.encoding or --encoding; use e.g. utf-8, cp1252, latin-1 "
        "or utf-16",
    ),
    (
        "wrong-encoding",
        "crm.csv",
        f"a\n{SECRET}\xe9\n".encode("latin-1"),
        {"encoding": "utf-8"},
        "crm.csv:2: cannot be decoded as utf-8 (this line holds a byte that is not utf-8); set read.encoding "
        "in the rule file or --encoding to the file's encoding (e.g. utf-8, cp1252, utf-16)",
    ),
    ("empty", "crm.csv", b"", {}, "crm.csv: the file is empty; export the data again or remove this source"),
    (
        "whitespace-only",
        "crm.csv",
        b" \r\n\t\n\n",
        {},
        "crm.csv: the file is empty; export the data again or remove this source",
    ),
    (
        "bom-only",
        "crm.csv",
        b"\xef\xbb\xbf\r\n",
        {},
        "crm.csv: the file is empty; export the data again or remove this source",
    ),
    (
        "empty-parquet",
        "crm.parquet",
        b"",
        {},
        "crm.parquet: the file is empty; export the data again or remove this source",
    ),
    (
        "header-only",
        "crm.csv",
        b"id,email\n",
        {},
        "crm.csv: the file has a header but no data rows; export the data again or remove this source",
    ),
    (
        "header-and-blank-lines",
        "crm.csv",
        b"id,email\r\n\r\n  \r\n",
        {},
        "crm.csv: the file has a header but no data rows; export the data again or remove this source",
    ),
    (
        "ragged-more",
        "crm.csv",
        f'id,email,name,note\n1,a,"b\nc",d\n\n2,{SECRET},x,y,z\n'.encode(),
        {},
        "crm.csv:5: record has 5 fields, the header has 4 (split at each comma); quote fields that contain the delimiter or "
        "fix the row, or set read.delimiter in the rule file or --delimiter if that is not the delimiter",
    ),
    (
        "ragged-fewer",
        "crm.csv",
        f"id;email;name\n1;a;b\n2;{SECRET}\n".encode(),
        {},
        "crm.csv:3: record has 2 fields, the header has 3 (split at each semicolon); quote fields that contain the delimiter or "
        "fix the row, or set read.delimiter in the rule file or --delimiter if that is not the delimiter",
    ),
    (
        "ragged-one",
        "crm.csv",
        f"id,email\n1,a\n{SECRET}\n".encode(),
        {},
        "crm.csv:3: record has 1 field, the header has 2 (split at each comma); quote fields that contain the delimiter or "
        "fix the row, or set read.delimiter in the rule file or --delimiter if that is not the delimiter",
    ),
    (
        "ragged-tsv",
        "crm.tsv",
        f"id\temail\n1\ta\tb,{SECRET}\n".encode(),
        {},
        "crm.tsv:2: record has 3 fields, the header has 2 (split at each tab); quote fields that contain the delimiter or "
        "fix the row, or set read.delimiter in the rule file or --delimiter if that is not the delimiter",
    ),
    (
        "unclosed-quote",
        "crm.csv",
        f'id,email\n1,a\n2,"{SECRET}\n3,b\n'.encode(),
        {},
        "crm.csv:3: a quoted field in the record starting on this line is never closed; close the quote, "
        'and write quotes inside quoted fields as ""',
    ),
    (
        "stray-quote",
        "crm.csv",
        f'id,email\n1,a\n2,"{SECRET}"x\n'.encode(),
        {},
        "crm.csv:3: a quote inside a quoted field ends it in the middle of the field; write each quote "
        'inside a quoted field as two quotes ("")',
    ),
    (
        # A quote inside a field is text to polars but quoting to the record scan; here the two
        # happen to find as many records, which were once accepted with lines out of step.
        "quote-inside-a-field",
        "crm.csv",
        f'h0\n{SECRET}"\n"\n,\n"\n,"\r\n","'.encode(),
        {},
        "crm.csv:2: a quote character in the middle of a field that does not start with one; put the whole "
        'field in quotes and write each quote inside a quoted field as two quotes ("")',
    ),
    (
        "duplicate-column",
        "crm.csv",
        f"id,name,Email,x,y,z,Email\n1,2,{SECRET},4,5,6,7\n".encode(),
        {},
        "crm.csv: column 'Email' appears twice in the header (columns 3 and 7); rename one",
    ),
    (
        "triplicate-column",
        "crm.csv",
        b"a,b,a,c,a\n1,2,3,4,5\n",
        {},
        "crm.csv: column 'a' appears 3 times in the header (columns 1, 3 and 5); rename all but one",
    ),
    (
        "empty-header-name",
        "crm.csv",
        f"id,email,\n1,{SECRET},\n".encode(),
        {},
        "crm.csv: column 3 has an empty name in the header; name it or remove the column",
    ),
    (
        "blank-header-name",
        "crm.csv",
        b'id,"  ",email\n1,2,3\n',
        {},
        "crm.csv: column 2 has an empty name in the header; name it or remove the column",
    ),
    (
        "reserved-name",
        "crm.csv",
        b"id,__veracity_line\n1,2\n",
        {},
        "crm.csv: the column name '__veracity_line' is reserved by veracity; rename the column",
    ),
    (
        "bad-delimiter-option",
        "crm.csv",
        b"a\n1\n",
        {"delimiter": "::"},
        "crm.csv: read.delimiter (--delimiter) must be a single character other than a quote or line break "
        "(e.g. ',', ';', '|' or '\\t')",
    ),
    (
        "invalid-json",
        "crm.json",
        f'[\n  {{"a": "{SECRET}"}},\n  {{"a": 1,, }}\n]'.encode(),
        {},
        "crm.json:3:11: not valid JSON (Expecting property name enclosed in double quotes); fix the file, "
        "or set read.format (--input-format) to ndjson if it has one object per line",
    ),
    (
        "json-not-array",
        "crm.json",
        json.dumps({"a": SECRET}).encode(),
        {},
        "crm.json: expected a JSON array of objects, found an object at the top level; wrap the records in "
        "[ ], or set read.format (--input-format) to ndjson for one object per line",
    ),
    (
        "json-record-not-object",
        "crm.json",
        json.dumps([{"a": 1}, SECRET]).encode(),
        {},
        "crm.json: record 2 is a string, not an object; every record must be a JSON object",
    ),
    (
        "json-record-null",
        "crm.json",
        b'[{"a": 1}, null]',
        {},
        "crm.json: record 2 is null, not an object; every record must be a JSON object",
    ),
    (
        "duplicate-name-with-line-break",
        "crm.csv",
        b'id,"E\nmail","E\nmail"\n1,2,3\n',
        {},
        "crm.csv: column 'E\\nmail' appears twice in the header (columns 2 and 3); rename one",
    ),
    (
        "json-empty-array",
        "crm.json",
        b" [ ] ",
        {},
        "crm.json: the array holds no records; export the data again or remove this source",
    ),
    (
        "json-duplicate-key",
        "crm.json",
        f'[{{"a": 1}}, {{"a": "{SECRET}", "b": 2, "a": 3}}]'.encode(),
        {},
        "crm.json: record 2 has the key 'a' twice; remove one",
    ),
    (
        "json-empty-key",
        "crm.json",
        f'[{{"a": 1, " ": "{SECRET}"}}]'.encode(),
        {},
        "crm.json: record 1 has an empty key; name it or remove it",
    ),
    (
        "json-no-keys",
        "crm.json",
        b"[{}, {}]",
        {},
        "crm.json: the records have no keys; export the data again or remove this source",
    ),
    (
        "invalid-ndjson",
        "crm.ndjson",
        f'{{"a": "{SECRET}"}}\n\n{{"a": {SECRET}}}\n'.encode(),
        {},
        "crm.ndjson:3:7: not valid JSON (Expecting value); each line must hold one JSON object",
    ),
    (
        "ndjson-not-object",
        "crm.ndjson",
        f'{{"a": 1}}\n\n["{SECRET}"]\n'.encode(),
        {},
        "crm.ndjson:3: the record is an array, not an object; every record must be a JSON object",
    ),
    (
        "ndjson-not-json-before-not-object",  # every line is parsed before records are judged
        "crm.ndjson",
        f'["{SECRET}"]\n{{"a": 1}}\n{{"a": }}\n'.encode(),
        {},
        "crm.ndjson:3:7: not valid JSON (Expecting value); each line must hold one JSON object",
    ),
    (
        "ndjson-lone-surrogate",
        "crm.ndjson",
        f'{{"a": "{SECRET}"}}\n{{"a": "{SECRET}\\ud800"}}\n'.encode(),
        {},
        "crm.ndjson:2: the record has a lone surrogate escape (\\ud800 to \\udfff) in 'a', which is not text; "
        "fix the value in the export",
    ),
    (
        "json-lone-surrogate-nested",
        "crm.json",
        f'[{{"a": "{SECRET}"}}, {{"a": ["{SECRET}\\udfff"]}}]'.encode(),
        {},
        "crm.json: record 2 has a lone surrogate escape (\\ud800 to \\udfff) in 'a', which is not text; "
        "fix the value in the export",
    ),
    (
        "invalid-parquet",
        "crm.parquet",
        f"id,email\n1,{SECRET}\n".encode(),
        {},
        "crm.parquet: is not a valid Parquet file; export it again, or set read.format in the rule file "
        "(--input-format) if it is another format",
    ),
    (
        "parquet-no-rows",
        "crm.parquet",
        _parquet(pl.DataFrame({"a": []}, schema={"a": pl.String})),
        {},
        "crm.parquet: the file has columns but no rows; export the data again or remove this source",
    ),
    (
        "parquet-empty-name",
        "crm.parquet",
        _parquet(pl.DataFrame({"a": [1], "": [SECRET]})),
        {},
        "crm.parquet: column 2 has an empty name in the header; name it or remove the column",
    ),
    (
        "invalid-xlsx",
        "crm.xlsx",
        f"id,email\n1,{SECRET}\n".encode(),
        {},
        "crm.xlsx: is not a readable Excel workbook; save it as .xlsx, or set read.format in the rule file "
        "(--input-format) if it is another format",
    ),
    (
        "xlsx-unknown-sheet",
        "crm.xlsx",
        _xlsx({0: ["a"], 1: [SECRET]}, sheets=("Data", "Old")),
        {"sheet": "New"},
        "crm.xlsx: there is no sheet named 'New' (the workbook has 'Data', 'Old'); set read.sheet in the rule "
        "file or --sheet to one of these names or to a 0-based index",
    ),
    (
        "xlsx-sheet-index",
        "crm.xlsx",
        _xlsx({0: ["a"], 1: [SECRET]}, sheets=("Data", "Old")),
        {"sheet": 2},
        "crm.xlsx: there is no sheet named '2' and no sheet at index 2 (0-based; the workbook has 2: 'Data', "
        "'Old'); set read.sheet in the rule file or --sheet to a sheet name or to an index from 0 to 1",
    ),
    (
        "xlsx-empty-sheet",
        "crm.xlsx",
        _xlsx({}),
        {},
        "crm.xlsx (sheet 'Data'): the sheet is empty; choose another sheet with read.sheet (--sheet) or remove "
        "this source",
    ),
    (
        "xlsx-header-only",
        "crm.xlsx",
        _xlsx({3: ["id", "email"]}),
        {},
        "crm.xlsx (sheet 'Data'): the sheet has a header row but no data rows; choose another sheet with "
        "read.sheet (--sheet) or remove this source",
    ),
    (
        "xlsx-duplicate-column",
        "crm.xlsx",
        _xlsx({1: ["id", "Email", "x", "Email"], 2: [1, SECRET, 3, 4]}, start_col=1),
        {},
        "crm.xlsx (sheet 'Data'): column 'Email' appears twice in the header (columns C and E); rename one",
    ),
    (
        "xlsx-empty-header",
        "crm.xlsx",
        _xlsx({0: ["id", None, "x"], 1: [1, SECRET, 3]}),
        {},
        "crm.xlsx (sheet 'Data'): column B has an empty name in the header; name it or remove the column",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "read", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_message(
    tmp_path: Path, name: str, content: bytes, read: dict[str, Any], message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec(name, read=ReadOptions(**read))], base_dir=tmp_path)
    text = str(caught.value)
    assert text == message
    assert "\n" not in text
    assert SECRET not in text
    assert (tmp_path / name).read_bytes() == content


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("data/crm.csv")], base_dir=tmp_path)
    assert str(caught.value) == (
        f"data/crm.csv: no such file (looked for {tmp_path / 'data' / 'crm.csv'}); check the path "
        "(relative paths start from the rule file's directory)"
    )


def test_missing_file_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("crm.csv")])
    assert str(caught.value) == (
        f"crm.csv: no such file (looked for {tmp_path / 'crm.csv'}); check the path "
        "(relative paths start from the current directory)"
    )


def test_missing_absolute_path(tmp_path: Path) -> None:
    path = str(tmp_path / "crm.csv")
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec(path)], base_dir=tmp_path)
    assert str(caught.value) == (
        f"{path}: no such file; check the path (relative paths start from the rule file's directory)"
    )


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "exports.csv").mkdir()
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("exports.csv")], base_dir=tmp_path)
    assert str(caught.value) == "exports.csv: is a directory, not a file; name a file inside it"


def _deny(self: Path, *args: Any, **kwargs: Any) -> Any:
    raise PermissionError(13, "Permission denied", str(self))


def _io_error(self: Path, *args: Any, **kwargs: Any) -> Any:
    raise OSError(5, "Input/output error", str(self))


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (_deny, "crm.csv: permission denied; make the file readable for the user running veracity"),
        (_io_error, "crm.csv: cannot be read (Input/output error); check the file"),
    ],
    ids=["permission", "io-error"],
)
def test_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Callable[..., Any], message: str
) -> None:
    (tmp_path / "crm.csv").write_text("a\n1\n")
    monkeypatch.setattr(Path, "open", error)
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("crm.csv")], base_dir=tmp_path)
    assert str(caught.value) == message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_text("a\n1\n")
    path.chmod(0)
    try:
        with pytest.raises(SourceError, match="permission denied"):
            load_sources([SourceSpec("crm.csv")], base_dir=tmp_path)
    finally:
        path.chmod(0o600)


def test_stdin_errors_name_stdin() -> None:
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("-")], stdin=io.BytesIO(b"id,email\n1\n"))
    assert str(caught.value) == (
        "<stdin>:2: record has 1 field, the header has 2 (split at each comma); quote fields that contain the delimiter or "
        "fix the row, or set read.delimiter in the rule file or --delimiter if that is not the delimiter"
    )


def test_unreadable_stdin() -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("-")], stdin=Broken())
    assert str(caught.value) == "<stdin>: cannot be read (Input/output error)"
