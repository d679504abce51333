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


def test_a_large_whole_read_keeps_polars_chunks_aligned_and_values_exact(tmp_path: Path) -> None:
    """polars parses a few megabytes in several chunks; the provenance columns and a field the
    source lacks are laid out alike (a misaligned frame is copied into one chunk at its next
    select), and values, blanks and lines are those of a one-chunk read."""
    rows = [f'{i},n{i % 7} ,"x,\ny {i}"' if i % 11 else f"{i}, ," for i in range(150_000)]
    path = tmp_path / "big.csv"
    path.write_text("id,name,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    spec = SourceSpec(str(path), columns={})
    loaded = load_sources([spec])
    frame = loaded.frame
    layouts = {tuple(column.chunk_lengths()) for column in frame.get_columns()}
    assert len(layouts) == 1
    assert len(next(iter(layouts))) > 1  # the case this is about: more than one chunk
    assert frame.get_column("name").null_count() == sum(1 for i in range(150_000) if i % 11 == 0)
    lines = frame.get_column("__veracity_line").to_list()
    # A record with a quoted line break takes two lines; the others one.
    expected, line = [], 2
    for i in range(150_000):
        expected.append(line)
        line += 2 if i % 11 else 1
    assert lines == expected
    assert frame.get_column("__veracity_row").to_list() == list(range(150_000))
    assert frame.get_column("note").gather([1, 11]).to_list() == ["x,\ny 1", None]


def test_two_large_sources_number_their_rows_through(tmp_path: Path) -> None:
    body = "".join(f"{i},v{i}\n" for i in range(120_000))
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id,value\n" + body, encoding="utf-8")
    second.write_text("value,id\n" + "".join(f"w{i},{i}\n" for i in range(90_000)), encoding="utf-8")
    frame = load_sources([SourceSpec(str(first)), SourceSpec(str(second))]).frame
    assert frame.get_column("__veracity_row").to_list() == list(range(210_000))
    assert frame.get_column("__veracity_source").to_list() == [0] * 120_000 + [1] * 90_000
    assert frame.get_column("value").gather([0, 119_999, 120_000, 209_999]).to_list() == [
        "v0",
        "v119999",
        "w0",
        "w89999",
    ]
    assert len({tuple(column.chunk_lengths()) for column in frame.get_columns()}) == 1
