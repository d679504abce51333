"""CSV/TSV reading: encodings, delimiters, line endings, quoting, blank lines, provenance."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loader_helpers import Writer, lines, load_bytes, load_one, values

from veracity.errors import SourceError
from veracity.sources import SourceSpec, _whole_csv, load_sources
from veracity.sources._chunks import prepare
from veracity.sources._chunks_csv import Delimited
from veracity.sources._table import Table
from veracity.sources.base import Format, ReadOptions

TEXT = "name,city\nMüller,Köln\nDupont,€uro\n"


EXPECTED = [("Müller", "Köln"), ("Dupont", "€uro")]


@pytest.mark.parametrize(
    ("content", "encoding", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8", EXPECTED),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig", EXPECTED),
        (TEXT.encode("utf-16"), "utf-16", EXPECTED),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16", EXPECTED),
        (TEXT.encode("cp1252"), "cp1252", EXPECTED),
        (TEXT.encode("utf-32"), "utf-32", EXPECTED),
    ],
    ids=["utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "cp1252", "utf-32"],
)
def test_encodings_are_detected_and_values_decoded(
    write: Writer, content: bytes, encoding: str, expected: list[tuple[str, str]]
) -> None:
    data = load_one(write("people.csv", content))
    assert data.sources[0].encoding == encoding
    assert data.fields == ["name", "city"]
    assert values(data) == expected
    assert lines(data) == [2, 3]


def test_given_encoding_overrides_detection(write: Writer) -> None:
    # cp1252 text that happens to be valid UTF-8: detection reads it as UTF-8, the user's word wins.
    path = write("people.csv", "name\nMÃ¼ller\n".encode("cp1252"))
    detected = load_one(path)
    assert (detected.sources[0].encoding, values(detected)) == ("utf-8", [("Müller",)])
    given = load_one(path, encoding="cp1252")
    assert (given.sources[0].encoding, values(given)) == ("cp1252", [("MÃ¼ller",)])


def test_utf16_without_bom_with_given_encoding(write: Writer) -> None:
    data = load_one(write("p.csv", TEXT.encode("utf-16-le")), encoding="utf-16-le")
    assert values(data) == [("Müller", "Köln"), ("Dupont", "€uro")]


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "a.csv"), (";", "a.csv"), ("\t", "a.csv"), ("|", "a.txt"), ("\t", "a.tsv")],
)
def test_delimiters_are_detected(write: Writer, delimiter: str, name: str) -> None:
    rows = [["id", "email", "note"], ["1", "a@b.com", "x y"], ["2", "c@d.org", ""], ["3", " e@f.net", "z"]]
    content = "\n".join(delimiter.join(row) for row in rows) + "\n"
    data = load_one(write(name, content))
    assert data.sources[0].delimiter == delimiter
    assert data.sources[0].format == ("tsv" if name.endswith(".tsv") else "csv")
    assert data.fields == ["id", "email", "note"]
    assert values(data) == [("1", "a@b.com", "x y"), ("2", "c@d.org", None), ("3", " e@f.net", "z")]


def test_detection_ignores_delimiters_inside_quotes_and_prefers_consistency(write: Writer) -> None:
    content = 'name;amount;note\n"Smith, J";1,50;"a;b"\nDoe;2,00;c\n'
    data = load_one(write("a.csv", content))
    assert data.sources[0].delimiter == ";"
    assert values(data) == [("Smith, J", "1,50", "a;b"), ("Doe", "2,00", "c")]


def test_single_column_file(write: Writer) -> None:
    data = load_one(write("emails.csv", "email\na@b.com\n\n   \nc@d.org\n"))
    assert data.fields == ["email"]
    # The empty line is skipped; a whitespace-only line is a (missing) value of the one column.
    assert values(data) == [("a@b.com",), (None,), ("c@d.org",)]
    assert lines(data) == [2, 4, 5]


def test_given_delimiter_overrides_detection(write: Writer) -> None:
    data = load_one(write("a.csv", "a,b|c\n1,2|3\n"), delimiter="|")
    assert data.fields == ["a,b", "c"]
    assert values(data) == [("1,2", "3")]


@pytest.mark.parametrize("given", ["\\t", "tab", "\t"])
def test_tab_delimiter_spellings(given: str) -> None:
    assert values(load_bytes("a\tb\n1\t2\n", delimiter=given)) == [("1", "2")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quoted_fields_spanning_lines_get_exact_start_lines(newline: str) -> None:
    nl = newline
    content = (
        f"id,note,email{nl}"
        f'1,"first{nl}second{nl}third",a@b.com{nl}'
        f"2,plain,c@d.org{nl}"
        f'3,"quote "" and{nl}comma, inside","x{nl}y"{nl}'
        f"4,,{nl}"
    )
    data = load_bytes(content)
    assert lines(data) == [2, 5, 6, 9]
    assert values(data) == [
        ("1", f"first{nl}second{nl}third", "a@b.com"),
        ("2", "plain", "c@d.org"),
        ("3", f'quote " and{nl}comma, inside', f"x{nl}y"),
        ("4", None, None),
    ]


def test_crlf_is_not_part_of_values() -> None:
    data = load_bytes("a,b\r\n1,2\r\n3, 4 \r\n")
    assert values(data) == [("1", "2"), ("3", " 4 ")]
    assert lines(data) == [2, 3]


def test_blank_lines_are_skipped_and_numbering_kept() -> None:
    content = "\n\nid,name\n\n1,a\n\n\n2,b\r\n   \r\n\t\n3,c\n\n"
    data = load_bytes(content)
    assert values(data) == [("1", "a"), ("2", "b"), ("3", "c")]
    assert lines(data) == [5, 8, 11]


def test_bom_and_blank_lines_and_quotes_together() -> None:
    content = '\ufeffid,note\r\n\r\n1,"a\r\n\r\nb"\r\n\r\n2,c\r\n'
    data = load_bytes(content.encode("utf-8"))
    assert data.sources[0].encoding == "utf-8-sig"
    assert values(data) == [("1", "a\r\n\r\nb"), ("2", "c")]
    assert lines(data) == [3, 7]


def test_line_numbers_after_transcoding_utf16() -> None:
    content = 'id,note\r\n1,"x\r\ny"\r\n\r\n2,Müller\r\n'
    data = load_bytes(content.encode("utf-16"))
    assert lines(data) == [2, 5]
    assert values(data) == [("1", "x\r\ny"), ("2", "Müller")]


def test_classic_mac_line_endings() -> None:
    data = load_bytes('id,note\r1,"a\rb"\r2,c\r')
    assert values(data) == [("1", "a\nb"), ("2", "c")]
    assert lines(data) == [2, 4]


def test_last_line_without_newline() -> None:
    data = load_bytes("a,b\n1,2\n3,4")
    assert values(data) == [("1", "2"), ("3", "4")]
    assert lines(data) == [2, 3]


def test_values_are_not_trimmed_and_quoted_values_kept() -> None:
    data = load_bytes('email,name\n a@b.com,"  Ann "\n"c@d.org ",\tBo\n')
    assert values(data) == [(" a@b.com", "  Ann "), ("c@d.org ", "\tBo")]


def test_header_names_are_kept_exactly() -> None:
    data = load_bytes('" E-mail ","na,me",x\n1,2,3\n')
    assert data.fields == [" E-mail ", "na,me", "x"]


def test_whitespace_only_and_empty_values_become_null_and_are_counted() -> None:
    data = load_bytes('a,b,c\n1,,""\n  ,\t,x\n')
    assert values(data) == [("1", None, None), (None, None, "x")]
    assert [c.missing_replaced for c in data.sources[0].columns] == [1, 2, 1]


def test_text_source_info(write: Writer) -> None:
    content = b"id,name\n1,a\n2,b\n"
    data = load_one(write("people.csv", content))
    info = data.sources[0]
    assert info.path.endswith("people.csv")
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert info.rows == 2
    assert info.position_kind == "line"
    assert [(c.original, c.field, c.original_type) for c in info.columns] == [
        ("id", "id", "string"),
        ("name", "name", "string"),
    ]


def test_stdin_reads_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    data = load_sources([SourceSpec("-")], stdin=io.BytesIO(b"a;b\n1;2\n"))
    assert data.sources[0].path == "-"
    assert data.sources[0].format == "csv"
    assert values(data) == [("1", "2")]

    class FakeStdin:
        buffer = io.BytesIO(b"x\n7\n")

    monkeypatch.setattr("sys.stdin", FakeStdin())
    assert values(load_sources([SourceSpec("-")])) == [("7",)]


def test_stdin_with_format() -> None:
    data = load_bytes(b'[{"a": 1}]', format="json")
    assert values(data) == [("1",)]


def test_input_is_not_modified(write: Writer) -> None:
    content = b"\xef\xbb\xbfa,b\r\n\r\n1,  \r\n"
    path = write("a.csv", content)
    load_one(path)
    assert path.read_bytes() == content


def test_relative_paths_resolve_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    data = load_sources([SourceSpec("data/a.csv")], base_dir=tmp_path)
    assert data.sources[0].path == "data/a.csv"
    assert values(data) == [("1",)]


_CELL_BYTES = st.sampled_from(
    [
        b"a",
        b"",
        b" ",
        b"\xc3\xa9",
        b"\xe9",
        b"\x81",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\xf0\x9f\x98\x80",
        b'"q\xe9"',
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(_CELL_BYTES, min_size=1, max_size=3),
    rows=st.lists(st.lists(_CELL_BYTES, min_size=1, max_size=3), max_size=4),
    blank_line=st.booleans(),
)
def test_assuming_utf8_reads_like_checking_first(
    header: list[bytes], rows: list[list[bytes]], blank_line: bool
) -> None:
    """Text is taken for UTF-8 unchecked and read again with detection only when polars or the
    header refuses it: the outcome (values, encoding, or error) is that of checking first."""
    names = [b"h%d" % i + cell for i, cell in enumerate(header)]
    lines_ = [b",".join(names), *(b",".join(row) for row in rows)]
    if blank_line:
        lines_.insert(1, b"  ")
    raw = b"\n".join(lines_) + b"\n"

    def outcome(assume: bool) -> object:
        def read(raw: bytes, fmt: Format, options: ReadOptions, display: str, assume_utf8: bool) -> Table:
            return original(raw, fmt, options, display, assume_utf8=assume and assume_utf8)

        original = _whole_csv._read_delimited
        with patch.object(_whole_csv, "_read_delimited", read):
            try:
                table = _whole_csv.read_delimited(raw, "csv", ReadOptions(), "x.csv")
            except SourceError as error:
                return str(error)
        return table.encoding, table.frame.rows(), table.positions.tolist()

    assert outcome(assume=True) == outcome(assume=False)


_RAW_CELLS = st.sampled_from(
    [
        b"",
        b"a",
        b"b c",
        b"\t",
        b"\x00",
        b"\r",
        b"x\ry",
        b'"a\r\nb"',
        b'"x\ry"',
        b'"q""x"',
        b'"a,b"',
        b"a,b",
        b"\xe9",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    header=st.lists(_RAW_CELLS, min_size=1, max_size=3),
    rows=st.lists(st.lists(_RAW_CELLS, min_size=1, max_size=3), max_size=4),
    breaks=st.lists(st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\n", b"\n \n"]), min_size=5, max_size=5),
    last=st.booleans(),
)
def test_bytes_read_as_read_like_prepared_text(
    header: list[bytes], rows: list[list[bytes]], breaks: list[bytes], last: bool
) -> None:
    """Bytes scanned as read (NUL bytes and lone CRs found by the scan's own comparison) give
    the values, lines, encoding or refusal that testing for NULs and preparing the line breaks
    first gives: CRLF, lone CRs inside and outside quotes, NULs, blank lines, ragged records."""
    names = [b"h%d" % i + cell for i, cell in enumerate(header)]
    records = [b",".join(names), *(b",".join(row) for row in rows)]
    raw = b"".join(record + brk for record, brk in zip(records, breaks, strict=False))
    if not last:
        raw = raw.removesuffix(breaks[len(records) - 1])

    def outcome(as_read: bool) -> object:
        def never(*_: object) -> None:
            return None

        with patch.object(_whole_csv, "_read_as_read", _whole_csv._read_as_read if as_read else never):
            try:
                table = _whole_csv.read_delimited(raw, "csv", ReadOptions(), "x.csv")
            except SourceError as error:
                return str(error)
        return (
            table.encoding,
            table.delimiter,
            table.frame.columns,
            table.frame.rows(),
            table.positions.tolist(),
        )

    assert outcome(as_read=True) == outcome(as_read=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a,b\r\n1,2\r\n3,4\r\n", [("1", "2"), ("3", "4")]),
        (b'a,b\n1,"x\r\ny"\n3,4\n', [("1", "x\r\ny"), ("3", "4")]),
    ],
)
def test_crlf_text_is_read_as_read(raw: bytes, expected: list[tuple[str, str]]) -> None:
    """CRLF line breaks, and a CR before LF inside quotes, need no preparation: such text is
    read in the one scan (the path that saves two passes over the bytes)."""
    assert _whole_csv._read_as_read(raw, "csv", ReadOptions(), "x.csv") is not None
    assert values(load_bytes(raw)) == expected


_LEAN_CELLS = st.sampled_from([b"", b"a", b" ", b"a,b", b'"a,b"', b'"x\ny"', b'"q""x"', b'""', b"\t"])


@settings(max_examples=400, deadline=None)
@given(
    width=st.integers(1, 3),
    rows=st.lists(st.lists(_LEAN_CELLS, min_size=0, max_size=4), max_size=5),
    breaks=st.lists(st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\n  \n"]), min_size=6, max_size=6),
    last=st.sampled_from([b"", b"\n", b",", b",,", b'""', b",\n"]),
)
def test_lean_scan_reads_like_the_full_scan(
    width: int, rows: list[list[bytes]], breaks: list[bytes], last: bytes
) -> None:
    """The scan that counts a text's delimiters only in total, proving each record's fields
    with polars' parse after, gives the values, lines or refusal (its line, its field count)
    of the scan that counts every record's fields: ragged records anywhere, a last record
    ending in a delimiter with no line break after it, blank lines, quoted delimiters and line
    breaks."""
    header = b",".join(b"h%d" % i for i in range(width))
    records = [header, *(b",".join(row) for row in rows)]
    raw = b"".join(record + brk for record, brk in zip(records, breaks, strict=False)).rstrip(b"\n") + last

    def outcome(lean: bool) -> object:
        holds = Delimited._lean_holds if lean else (lambda *_: False)
        with patch.object(Delimited, "_lean_holds", holds):
            try:
                table = _whole_csv.read_delimited(raw, "csv", ReadOptions(), "x.csv")
            except SourceError as error:
                return str(error)
        return table.frame.columns, table.frame.rows(), table.positions.tolist()

    assert outcome(lean=True) == outcome(lean=False)


@pytest.mark.parametrize(
    ("raw", "expected", "scans"),
    [
        (b"a,b\n1,2\n3,4\n", [("1", "2"), ("3", "4")], [True]),
        (b'a,b\n1,"x,\ny"\r\n3,4', [("1", "x,\ny"), ("3", "4")], [True]),
        (b"a,b\n1,2\n\n3,4\r\n\r\n", [("1", "2"), ("3", "4")], [True]),
        (b"a,b\n1,2\n  \n3,4\n", [("1", "2"), ("3", "4")], [True, False]),
        (b"a\n1\n2\n", [("1",), ("2",)], [False]),
        # Refused: scanned again in full, which finds the refusal's place.
        (b"a,b\n1,2\n3,4,", "x.csv:3: record has 3 fields, the header has 2", [True, False]),
        (b"a,b\n1,2,\n3\n", "x.csv:2: record has 3 fields, the header has 2", [True, False]),
        # Not UTF-8: polars refuses the bytes, the text is decoded (cp1252) and read once more.
        (b"a,b\n1,M\xfcller\n", [("1", "M\u00fcller")], [True, False, True]),
        # One field missing and, in a last record without a line break, one too many: the
        # total is right and polars takes both; the last record is counted on its own.
        (b"a,b\n1\n3,4,", "x.csv:2: record has 1 field, the header has 2", [True, False]),
    ],
)
def test_lean_scan_is_taken_only_where_it_proves_the_records(
    raw: bytes, expected: object, scans: list[bool]
) -> None:
    """One pass for plain text and empty lines; a second, full one for a blank record of
    spaces, none lean for a one-column header, and a full one for a record polars would take
    with fields missing or one too many (its refusal unchanged)."""
    seen: list[bool] = []
    original = Delimited._scan

    def scan(self: Delimited, text: Any, hasher: Any, lean: bool = False) -> Any:
        seen.append(lean)
        return original(self, text, hasher, lean)

    with patch.object(Delimited, "_scan", scan):
        try:
            outcome: object = values(load_bytes(raw))
        except SourceError as error:
            outcome = str(error).replace("<stdin>", "x.csv").split(" (split")[0]
    assert outcome == expected
    assert seen == scans


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"id,name\n1,a\n2,b\n", id="plain"),
        pytest.param(b"id,name\n1,a\n\n2,b\n", id="blank record: scanned twice"),
        pytest.param(b"id,name\r1,a\n2,b\n", id="lone CR: prepared first"),
        pytest.param("id,name\n1,Müller\n".encode("cp1252"), id="cp1252"),
        pytest.param(b"\xef\xbb\xbfid,name\n1,a\n", id="byte-order mark"),
        pytest.param(b"id\n" + b"x" * (3 << 20) + b"\n2\n", id="records over several blocks"),
    ],
)
@pytest.mark.parametrize("chunk_rows", [None, 1])
def test_sha256_is_of_the_bytes_whichever_way_they_are_read(
    write: Writer, content: bytes, chunk_rows: int | None
) -> None:
    """The fingerprint is the file's SHA-256 whether its text was scanned once or twice, decoded
    or given universal line breaks first, or read in chunks."""
    path = write("people.csv", content)
    info = load_sources([SourceSpec(path=str(path))]).sources[0]
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    if chunk_rows is not None:
        spec = SourceSpec(path=str(path))
        chunked = prepare([spec], chunk_rows=chunk_rows, base_dir=None, null_markers=(), stdin=None)
        assert chunked.infos[0].sha256 == info.sha256
