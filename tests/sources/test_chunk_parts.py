"""A chunk of a CSV file is read and parsed a part (whole records, about ``_PART_BYTES``) at a
time and the parts joined: the same frame, lines and errors as the whole read, wherever the
parts fall (quoted line breaks, blank records, CRLF and lone CRs, a byte-order mark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import veracity.sources._chunks_csv as chunks_module
from veracity.errors import SourceError
from veracity.sources import SourceSpec, load_sources
from veracity.sources._chunks import open_sources
from veracity.sources._text import File

CELLS = st.sampled_from(
    ["", " ", "a", "bb", '"q"', '"x\ny"', '"x""y"', '"a,b"', "n/a", '"\r\n"', "é", '"a\rb"']
)


def _chunked(path: Path, chunk_rows: int) -> tuple[pl.DataFrame, list[Any]] | str:
    """Every chunk stacked (row ids audit-wide) and the source infos, or the error."""
    try:
        opened = open_sources([SourceSpec(str(path))], chunk_rows=chunk_rows, null_markers=["n/a"])
        frames = []
        for chunk in opened.chunks():
            opened.add_missing(chunk)
            frames.append(chunk.data.frame.with_columns(pl.col("__veracity_row") + chunk.start))
        return pl.concat(frames), opened.infos
    except SourceError as error:
        return str(error)


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 4),
    body=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    lead=st.sampled_from(["", "\n", "  \n", "\ufeff"]),
    part=st.integers(1, 40),
    chunk_rows=st.integers(1, 5),
    block=st.sampled_from([3, 7, 1 << 20]),
)
def test_chunks_read_in_parts_equal_the_whole_read(
    tmp_path_factory: pytest.TempPathFactory,
    width: int,
    body: list[list[str]],
    newline: str,
    lead: str,
    part: int,
    chunk_rows: int,
    block: int,
) -> None:
    """Also in scan blocks of a few bytes."""
    text = lead + newline.join([",".join(f"h{i}" for i in range(width)), *(",".join(r) for r in body)])
    path = tmp_path_factory.mktemp("parts") / "data.csv"
    path.write_bytes(text.encode())
    try:
        expected: Any = load_sources([SourceSpec(str(path))], null_markers=["n/a"])
    except SourceError as error:
        expected = str(error)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunks_module, "_PART_BYTES", part)
        patch.setattr(chunks_module, "_BLOCK", block)
        patch.setattr(chunks_module, "_HEAD_START", block)
        got = _chunked(path, chunk_rows)
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    assert_frame_equal(got[0], expected.frame)
    assert got[1] == expected.sources


def test_a_chunk_is_parsed_in_parts_of_about_part_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records of 10 bytes (from text offset 8) in parts of 25 bytes: a part starts at the first
    record starting in each 25-byte window, so each chunk of 10 records (100 bytes) is parsed in
    four parts, and only a part's bytes are read at a time."""
    path = tmp_path / "data.csv"
    path.write_bytes(b"id,name\n" + b"".join(b"%03d,abcde\n" % i for i in range(20)))
    monkeypatch.setattr(chunks_module, "_PART_BYTES", 25)
    opened = open_sources([SourceSpec(str(path))], chunk_rows=10)
    reads: list[int] = []
    read = File.read
    monkeypatch.setattr(
        File, "read", lambda self, start, stop: reads.append(stop - start) or read(self, start, stop)
    )
    chunks = list(opened.chunks())
    assert reads == [20, 30, 20, 30] * 2
    assert [chunk.rows for chunk in chunks] == [10, 10]
    assert [chunk.data.frame.n_chunks() for chunk in chunks] == [4, 4]
    assert chunks[1].data.frame.get_column("id").to_list() == [f"{i:03d}" for i in range(10, 20)]
    assert chunks[1].data.frame.get_column("__veracity_line").to_list() == list(range(12, 22))
