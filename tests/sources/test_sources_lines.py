"""The byte-level record scanner behind CSV line numbers and field counts."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.sources import _lines
from veracity.sources._lines import QuoteCheck, field_counts, has_text_in, scan, segment_sums, without_ranges


def _buf(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


@pytest.mark.parametrize(
    ("text", "starts", "ends", "lines"),
    [
        ("", [], [], []),
        ("a", [0], [1], [1]),
        ("a\n", [0], [1], [1]),
        ("a\r\nb", [0, 3], [1, 4], [1, 2]),
        ('a,"x\ny"\nb\n', [0, 8], [7, 9], [1, 3]),
        ('"a""\n"\n\n', [0, 7], [6, 7], [1, 3]),
        ("\r\n\r\n", [0, 2], [0, 2], [1, 2]),
    ],
)
def test_scan_finds_records_outside_quotes(
    text: str, starts: list[int], ends: list[int], lines: list[int]
) -> None:
    records = scan(_buf(text))
    assert records.starts.tolist() == starts
    assert records.ends.tolist() == ends
    assert records.lines.tolist() == lines
    assert not records.unclosed


def test_scan_reports_an_unclosed_quote() -> None:
    records = scan(_buf('a\n"b\nc\n'))
    assert records.unclosed
    assert records.lines.tolist() == [1, 2]


def test_field_counts_ignore_quoted_delimiters() -> None:
    buf = _buf('a,b,c\n"x,y",z\n,\n"p\n,q"\n')
    records = scan(buf)
    assert field_counts(buf, records.starts, records.quotes, ord(",")).tolist() == [3, 2, 2, 1]


def test_has_text_treats_spaces_tabs_and_cr_as_blank() -> None:
    buf = _buf("a\n \t\r\n\n,\n  x\n")
    records = scan(buf)
    assert has_text_in(buf, records.starts, records.ends).tolist() == [True, False, False, True, True]


def _quote_problem(text: str, block: int) -> tuple[str, int, int] | None:
    """QuoteCheck's verdict on ``text`` fed ``block`` bytes at a time."""
    raw = text.encode()
    check = QuoteCheck(ord(","))
    line = 1
    for offset in range(0, len(raw), block):
        arr = np.frombuffer(raw[offset : offset + block], dtype=np.uint8)
        newlines = np.flatnonzero(arr == ord("\n"))
        check.feed(arr, np.flatnonzero(arr == ord('"')), newlines, line)
        line += newlines.size
    problem = check.problem
    return None if problem is None else (problem.kind, problem.line, problem.until)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('a,"b"\n"c\nd",e\n', None),  # quotes that start and end their fields
        ('a,"b""c"\n', None),  # a doubled quote
        ('"a"\r\n"b"', None),
        ('"C:\\",x\n', None),  # a backslash before a closing quote is text
        ('a,"b"c\n', ("undoubled", 1, 1)),
        ('a,b"c"\n', ("inside", 1, 1)),
        ('a,12" x 14"\n', ("inside", 1, 1)),
        ('a, "b,c"\n', ("inside", 1, 1)),  # a space before the quote: the field does not start with it
        ('a\n"text\\"2\\""\n', ("escaped", 2, 2)),
        ('a\n"Lahr "Bus" more"\n', ("undoubled", 2, 2)),
        ('a\n"x\ny"z\n', ("runs_on", 2, 3)),  # the quoted field swallowed a line break
        ('a\n"x\n\n"y",z\n', ("runs_on", 2, 4)),
    ],
)
def test_quote_check(text: str, problem: tuple[str, int, int] | None) -> None:
    for block in (1, 2, 3, 5, len(text) or 1):
        assert _quote_problem(text, block) == problem, block


def _polars_records(text: str) -> list[list[str]]:
    """Records and fields the way polars splits them (values unquoted): a quote quotes only in a
    field that starts with one. The reference QuoteCheck is held to."""
    records: list[list[str]] = []
    fields: list[str] = []
    value, quoted_field, in_quotes, fresh = "", False, False, True
    for char in text:
        if in_quotes:
            if char == '"':
                in_quotes = False
            else:
                value += char
        elif char == '"' and (fresh or quoted_field):
            in_quotes = quoted_field = True
            fresh = False
        elif char in ",\n":
            fields.append(value)
            value, quoted_field, fresh = "", False, True
            if char == "\n":
                records.append(fields)
                fields = []
        else:
            value += char
            fresh = False
    if not fresh or fields:
        records.append([*fields, value])
    return records


def _toggled(text: str) -> list[list[str]]:
    """Records and fields the way the byte scan splits them: every quote toggles quoting."""
    records: list[list[str]] = []
    fields: list[str] = []
    value, in_quotes = "", False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif in_quotes or char not in ",\n":
            value += char
        else:
            fields.append(value)
            value = ""
            if char == "\n":
                records.append(fields)
                fields = []
    if value or fields or (text and not text.endswith("\n")):
        records.append([*fields, value])
    return records


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab,"\n ', max_size=40), st.integers(1, 8))
def test_quote_check_finds_every_quote_the_scan_misreads(text: str, block: int) -> None:
    """Where QuoteCheck sees nothing and the quotes are closed, the scan and polars split the
    text into the same records, fields and values; blockwise feeding agrees with the whole."""
    problem = _quote_problem(text, block)
    assert problem == _quote_problem(text, len(text) or 1)
    if problem is None and text.count('"') % 2 == 0:
        assert _polars_records(text) == _toggled(text)


def test_without_ranges() -> None:
    buf = _buf("0123456789")
    kept = without_ranges(buf, np.array([1, 5], dtype=np.int64), np.array([3, 9], dtype=np.int64))
    assert kept.tobytes() == b"0349"


def _reference_field_counts(text: bytes) -> list[int]:
    """Fields per record the slow way: walk the bytes, tracking whether a quote is open."""
    counts, fields, quoted = [], 1, False
    for index, byte in enumerate(text):
        if byte == ord('"'):
            quoted = not quoted
        elif byte == ord(",") and not quoted:
            fields += 1
        elif byte == ord("\n") and not quoted:
            counts.append(fields)
            fields = 1
        if (index == len(text) - 1 and byte != ord("\n")) or (quoted and index == len(text) - 1):
            counts.append(fields)
    return counts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab,"\n\r ', max_size=60), st.sampled_from([1, 2, 3, 7, 1 << 22]))
def test_blockwise_scanning_matches_a_byte_walk(text: str, block: int) -> None:
    raw = text.encode()
    buf = np.frombuffer(raw, dtype=np.uint8)
    with patch.object(_lines, "BLOCK", block):
        assert _lines.positions_of(buf, ord(",")).tolist() == [i for i, b in enumerate(raw) if b == ord(",")]
        records = _lines.scan(buf)
        counts = _lines.field_counts(buf, records.starts, records.quotes, ord(","))
    assert counts.tolist() == _reference_field_counts(raw)


@settings(max_examples=300, deadline=None)
@given(
    flags=st.lists(st.tuples(st.booleans(), st.integers(1, 600)), max_size=8).map(
        lambda runs: np.array([bit for bit, length in runs for _ in range(length)], dtype=np.uint8)
    ),
    data=st.data(),
)
def test_segment_sums_are_exact_however_long_the_segments(flags: np.ndarray, data: st.DataObject) -> None:
    """Eight-bit sums never wrap: segments of any length (runs of 1s up to 600 long) sum to what
    a plain sum gives."""
    if not flags.size:
        return
    cuts = data.draw(st.sets(st.integers(1, flags.size - 1), max_size=20)) if flags.size > 1 else set()
    bounds = np.array([0, *sorted(cuts)], dtype=np.int64)
    stops = [*bounds[1:].tolist(), flags.size]
    expected = [int(flags[start:stop].sum()) for start, stop in zip(bounds.tolist(), stops, strict=True)]
    assert segment_sums(flags, bounds).tolist() == expected
    assert segment_sums(flags, bounds, every=2)[0::2].tolist() == expected[0::2]


def test_segment_sums_of_a_long_run_of_ones() -> None:
    flags = np.ones(1000, dtype=np.uint8)
    assert segment_sums(flags, np.array([0, 255, 256, 999])).tolist() == [255, 1, 743, 1]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=" \t\r\n\x0b\x0cab,\x08\x0e", max_size=80),
    data=st.data(),
)
def test_has_text_in_any_ranges_agrees_with_each_range_stripped(text: str, data: st.DataObject) -> None:
    """The fast form (only the ranges' bytes compared) gives each range's plain answer, for a
    few short ranges and for ranges that cover most of the buffer alike."""
    raw = text.encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    starts = np.array(cuts[0::2][: len(cuts) // 2], dtype=np.int64)
    stops = np.array(cuts[1::2], dtype=np.int64)
    expected = [
        bool(raw[a:b].strip(b" \t\r\x0b\x0c")) for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
    ]
    assert has_text_in(np.frombuffer(raw, dtype=np.uint8), starts, stops).tolist() == expected


def _delimiters_outside_quotes(raw: bytes, bounds: list[int], parity: int) -> list[int]:
    """Per segment: the commas with an even number of quotes before them (``parity`` extra)."""
    counts = []
    for start, stop in zip(bounds, [*bounds[1:], len(raw)], strict=True):
        counts.append(
            sum(
                1
                for i in range(start, stop)
                if raw[i] == ord(",") and (parity + raw[:i].count(b'"')) % 2 == 0
            )
        )
    return counts


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='ab,"\n', max_size=80), parity=st.integers(0, 1))
def test_delimiters_per_segment_count_those_outside_quotes(text: str, parity: int) -> None:
    """Per record of a block (its segments start after line breaks outside quotes), with and
    without quotes and whatever the parity carried into the block."""
    raw = text.encode()
    buf = np.frombuffer(raw, dtype=np.uint8)
    quotes = np.flatnonzero(buf == ord('"')) if b'"' in raw or parity else None
    parity = parity if quotes is not None else 0
    breaks = [
        i + 1 for i, byte in enumerate(raw) if byte == ord("\n") and (parity + raw[:i].count(b'"')) % 2 == 0
    ]
    segments = np.array([0, *breaks], dtype=np.int64)
    hits = np.zeros(buf.size + 1, dtype=np.bool_)
    np.equal(buf, ord(","), out=hits[: buf.size])
    got = _lines.delimiters_per_segment(hits, segments, quotes, parity)
    assert got.tolist() == _delimiters_outside_quotes(raw, segments.tolist(), parity)


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=40).map(lambda raw: bytes(b'ab,"\n\r\t\x00 \x0b'[b % 10] for b in raw)),
    st.sampled_from([-1, 10, 13, 97]),
)
def test_line_feeds_are_the_lfs_of_text_without_nul_or_lone_cr(raw: bytes, following: int) -> None:
    """The LFs of bytes as read, found in the comparison that also finds NUL bytes and CRs: a NUL,
    or a CR not followed by LF (the byte after the block counts for the last), asks for the
    text's preparation instead; tabs and other control bytes are text."""
    after = [*raw[1:], following][: len(raw)]
    unprepared = 0 in raw or any(byte == 13 and nxt != 10 for byte, nxt in zip(raw, after, strict=True))
    buf = np.frombuffer(raw, dtype=np.uint8)
    scratch = np.empty(len(raw) + 1, dtype=np.bool_)
    if unprepared:
        with pytest.raises(_lines.Unprepared):
            _lines.line_feeds(buf, following, scratch)
    else:
        expected = [i for i, byte in enumerate(raw) if byte == 10]
        assert _lines.line_feeds(buf, following, scratch).tolist() == expected
