"""Where reading a CSV goes: CPU seconds of each step of veracity's whole read, one at a time.

Usage (from the repository root)::

    .venv/bin/python benchmarks/reading.py benchmarks/data/shape-wide.csv [--rounds 3]

``veracity audit`` reads a file whole with its steps overlapped (polars parses on a thread while
the structure is scanned, the SHA-256 on another), so their CPU times cannot be told apart
inside one read. Here each step runs alone, in this order, on the same bytes: the bare
``pl.read_csv`` of the file (the yardstick), reading the bytes, the SHA-256, polars' parse of the
bytes, the structure scan as the audit runs it (record boundaries, lines, quotes, NUL bytes and
lone CRs, the delimiters counted per block: ``_chunks_csv.Delimited._lean_holds``), the full
structure scan that counts every record's fields (what a text whose records the lean scan cannot
prove gets, blank records or a one-column header among them), the NUL and lone-CR tests a text
holding either gets first, blank values and null markers, and then the whole ``load_sources`` as
the audit runs it (its CPU is less than the steps' sum only by what a step does twice here). Prints the minimum CPU seconds
of each step over the rounds (the machine's load only ever adds) and the ratios to the bare
read.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from veracity.sources import SourceSpec, load_sources
from veracity.sources._chunks import blanks_to_null
from veracity.sources._chunks_csv import Delimited
from veracity.sources._csv import parse_text
from veracity.sources._detect import StreamEncoding
from veracity.sources._lines import is_mac, universal_newlines
from veracity.sources._text import Memory
from veracity.sources.base import ReadOptions


def _cpu(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = step()
    return time.process_time() - start, result


def _steps(path: Path, spent: dict[str, float]) -> None:
    """Each step of the read alone, on the same bytes (dropped when this returns)."""
    spent["read the bytes"], raw = _cpu(path.read_bytes)
    spent["SHA-256"], _ = _cpu(lambda: hashlib.sha256(raw).hexdigest())
    utf8 = StreamEncoding(name="utf-8")
    reader = Delimited(Memory(raw), "csv", ReadOptions(), str(path), None, utf8, unprepared=True)
    spent["polars' parse of the bytes"], frame = _cpu(lambda: parse_text(raw, reader.delimiter))
    spent["structure scan (lean, as read)"], _ = _cpu(lambda: reader._scan(Memory(raw), None, lean=True))
    full = Delimited(Memory(raw), "csv", ReadOptions(), str(path), None, utf8)
    spent["structure scan (every record's fields)"], _ = _cpu(lambda: full._scan(Memory(raw), None))
    spent["NUL and lone-CR tests"], _ = _cpu(
        lambda: (raw.find(b"\x00"), universal_newlines(raw, is_mac(raw)))
    )
    plain = raw.isascii()
    spent["blank values"], _ = _cpu(lambda: blanks_to_null(frame, frame.columns, (), ascii=plain))


def one_round(path: Path) -> dict[str, float]:
    spent: dict[str, float] = {}
    spent["bare pl.read_csv"], _ = _cpu(lambda: pl.read_csv(path, infer_schema=False))
    _steps(path, spent)
    spent["load_sources (the audit's read)"], _ = _cpu(lambda: load_sources([SourceSpec(path=str(path))]))
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for step, seconds in one_round(args.data).items():
            best[step] = min(best.get(step, seconds), seconds)
    bare = best["bare pl.read_csv"]
    width = max(map(len, best)) + 2
    print(f"{args.data.name}: CPU seconds, minimum of {args.rounds} rounds")
    for step, seconds in best.items():
        print(f"{step:<{width}} {seconds:6.2f} s  {seconds / bare:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
