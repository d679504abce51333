"""The byte-level record scanner behind CSV line numbers and field counts."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.sources import _lines
from veracity.sources._lines import field_counts, has_text, scan, stray_quote, without_ranges


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
    assert has_text(buf, scan(buf)).tolist() == [True, False, False, True, True]


@pytest.mark.parametrize(
    ("text", "offset"),
    [('a,"b"\n', None), ('a,"b""c"\n', None), ('a,"b"c\n', 4), ('a,b"c"\n', 3), ('"a"\r\n"b"', None)],
)
def test_stray_quote(text: str, offset: int | None) -> None:
    buf = _buf(text)
    assert stray_quote(buf, scan(buf).quotes, ord(",")) == offset


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
