"""Frames are spread over the cores without changing a row."""

from __future__ import annotations

import polars as pl
import pytest

from veracity._cores import spread


@pytest.mark.parametrize(("workers", "chunks"), [("1", 1), ("2", 2), ("3", 3)])
def test_a_large_frame_is_cut_into_one_chunk_per_core(
    monkeypatch: pytest.MonkeyPatch, workers: str, chunks: int
) -> None:
    monkeypatch.setenv("VERACITY_WORKERS", workers)
    frame = pl.DataFrame({"n": range(250_001), "s": [str(i) for i in range(250_001)]})
    spread_out = spread(frame)
    assert spread_out.n_chunks() == chunks
    assert spread_out.equals(frame)


def test_a_small_frame_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_WORKERS", "2")
    frame = pl.DataFrame({"n": range(10)})
    assert spread(frame).n_chunks() == 1
