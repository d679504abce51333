"""The byte-level record scanner behind CSV line numbers and field counts."""

from __future__ import annotations

import numpy as np
import pytest

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
