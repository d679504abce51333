"""Property tests: whatever Python's csv module writes comes back row for row, on the right line."""

from __future__ import annotations

import csv
import io
import json
import string
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from loader_helpers import lines, load_bytes, values

from veracity.errors import SourceError
from veracity.sources import LoadedData, _detect, _json
from veracity.sources._table import quote
from veracity.sources.base import ReadOptions

DELIMITERS = [",", ";", "\t", "|", ":"]
#: The delimiters detected without being named (a colon is used only when named).
DETECTED = DELIMITERS[:4]
# Everything that makes CSV hard: every candidate delimiter, quotes, both line breaks,
# whitespace (which becomes null), and text that is not ASCII.
TRICKY = string.ascii_letters[:6] + string.digits[:3] + ',;\t|:" \r\n' + "é€ß"
NAMES = st.text(alphabet=string.ascii_letters + "_ -", min_size=1, max_size=6).filter(
    lambda s: s.strip() == s
)


@dataclass
class Written:
    content: str
    rows: list[list[str]]
    start_lines: list[int]  # 1-based line of each data row, counted in what the writer produced


@st.composite
def csv_files(
    draw: st.DrawFn, alphabet: str = TRICKY, min_columns: int = 1, delimiters: list[str] = DELIMITERS
) -> tuple[Written, str]:
    delimiter = draw(st.sampled_from(delimiters))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    width = draw(st.integers(min_columns, 4))
    header = draw(st.lists(NAMES, min_size=width, max_size=width, unique=True))
    cell = st.text(alphabet=alphabet, max_size=6)
    if terminator == "\n":
        # With "\n" as terminator the csv module leaves a lone "\r" unquoted, and a trailing
        # unquoted "\r" is indistinguishable from a CRLF line ending.
        cell = cell.map(lambda s: s.replace("\r", "r"))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8))
    blank_after = draw(st.lists(st.integers(0, 2), min_size=len(rows) + 1, max_size=len(rows) + 1))

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(header)
    out.write(terminator * blank_after[0])
    start_lines = []
    for row, blanks in zip(rows, blank_after[1:], strict=True):
        start_lines.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
        out.write(terminator * blanks)
    return Written(out.getvalue(), rows, start_lines), delimiter


def _expected(rows: list[list[str]]) -> list[tuple[str | None, ...]]:
    return [tuple(None if not value.strip() else value for value in row) for row in rows]


def _check(data: LoadedData, written: Written) -> None:
    assert values(data) == _expected(written.rows)
    assert lines(data) == written.start_lines
    assert data.sources[0].rows == len(written.rows)


@settings(max_examples=150, deadline=None)
@given(csv_files(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_round_trip_with_given_delimiter(file: tuple[Written, str], encoding: str) -> None:
    written, delimiter = file
    data = load_bytes(written.content.encode(encoding), delimiter=delimiter)
    _check(data, written)
    assert data.sources[0].encoding == encoding


@settings(max_examples=50, deadline=None)
@given(csv_files())
def test_round_trip_cp1252(file: tuple[Written, str]) -> None:
    written, delimiter = file
    _check(load_bytes(written.content.encode("cp1252"), delimiter=delimiter, encoding="cp1252"), written)


@settings(max_examples=80, deadline=None)
@given(
    csv_files(
        alphabet=string.ascii_letters + string.digits + ' @.-é\r\n"', min_columns=2, delimiters=DETECTED
    )
)
def test_round_trip_with_detected_delimiter(file: tuple[Written, str]) -> None:
    written, delimiter = file
    data = load_bytes(written.content.encode("utf-8"))
    assert data.sources[0].delimiter == delimiter
    _check(data, written)


FORMATS = ["csv", "tsv", "json", "ndjson", "parquet", "xlsx"]
JUNK_TEXT = st.text(alphabet=',;\t|:"\r\n {}[]:01ab\x00é\u2028', max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=80), JUNK_TEXT.map(str.encode)), st.sampled_from(FORMATS))
def test_any_input_loads_or_fails_with_one_line(content: bytes, fmt: str) -> None:
    """No engine exception escapes, and an error is always a single line."""
    message = ""
    try:
        data = load_bytes(content, format=fmt)
    except SourceError as error:
        message = str(error)
    else:
        assert data.frame.height == data.sources[0].rows
    assert "\n" not in message
    assert "\r" not in message


# Bytes that make UTF-8 hard: ASCII, continuation bytes, lead bytes of every length, bytes
# never valid (C0, C1, F5-FF), and whole valid sequences.
_UTF8_PIECES = st.one_of(
    st.binary(max_size=4),
    st.sampled_from([b"a", b"\n", b"\x80", b"\xbf", b"\xc2", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc0", b"\xff"]),
    st.text(max_size=3).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_UTF8_PIECES, max_size=12).map(b"".join), st.sampled_from([1, 2, 5, 1 << 22]))
def test_utf8_detection_agrees_with_decoding_everything(raw: bytes, block: int) -> None:
    try:
        raw.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    with patch.object(_detect, "BLOCK", block):
        assert _detect.is_utf8(raw) is expected


def _reference_table(
    records: list[Any], lines: list[int]
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Records to rows the plain way, one value at a time: how the JSON readers worked before
    their loop was made faster; the reference the loop must agree with."""

    def where(index: int) -> str:
        return f"x.ndjson:{lines[index]}: the record"

    rows: list[dict[str, Any]] = []
    kinds: dict[str, set[str]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, _json._Object):
            raise SourceError(
                f"{where(index)} is {_json._kind(record)}, not an object; every record must be a JSON object"
            )
        row: dict[str, Any] = {}
        for key, value in record:
            if key in row:
                raise SourceError(f"{where(index)} has the key {quote(key)} twice; remove one")
            if key not in kinds:
                if not key.strip():
                    raise SourceError(f"{where(index)} has an empty key; name it or remove it")
                kinds[key] = set()
            row[key] = _json._cell(value)
            if value is not None:
                kinds[key].add(_json._TYPE_NAMES[type(value)])
        rows.append(row)
    names = list(kinds)
    return names, rows, ["|".join(sorted(kinds[name])) or "null" for name in names]


_JSON_KEYS = st.sampled_from(['"a"', '"b"', '"c"', '""', '" "', '"é"'])
_JSON_SCALARS = st.sampled_from(
    ['"x"', '""', '"2.50"', "2.50", "1e3", "-0", "7", "true", "false", "null", '"\\u00e9"', '"a\\nb"']
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(_JSON_KEYS, inner), max_size=3).map(
            lambda pairs: "{" + ",".join(f"{k}: {v}" for k, v in pairs) + "}"
        ),
    ),
    max_leaves=4,
)
_JSON_RECORDS = st.one_of(
    st.lists(st.tuples(_JSON_KEYS, _JSON_VALUES), max_size=5).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    ),
    _JSON_SCALARS,
    st.sampled_from(['{"a": 1', "nope", "{'a': 1}"]),  # not JSON
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_JSON_RECORDS, min_size=1, max_size=8))
def test_json_records_become_the_rows_the_plain_loop_makes(records: list[str]) -> None:
    """Values, column types and the first error: a line that is not JSON anywhere, else the
    first repeated key, empty key or record that is not an object, in the order the records
    and their keys come."""
    text = "\n".join(records) + "\n"
    expected: Any = None
    parsed = []
    for number, line in enumerate(records, start=1):
        try:
            parsed.append(_json._loads(line))
        except json.JSONDecodeError as exc:
            expected = f"x.ndjson:{number}:{exc.colno}: not valid JSON ({exc.msg}); each line must hold one JSON object"
            break
    if expected is None:
        try:
            names, rows, types = _reference_table(parsed, list(range(1, len(records) + 1)))
        except SourceError as error:
            expected = str(error)
        else:
            expected = (
                (names, [tuple(row.get(name) for name in names) for row in rows], types) if names else None
            )
    try:
        table = _json.read_ndjson(text.encode(), ReadOptions(), "x.ndjson")
    except SourceError as error:
        got: Any = None if "the records have no keys" in str(error) else str(error)
    else:
        got = (table.frame.columns, table.frame.rows(), table.original_types)
    assert got == expected
