"""The findings file of a partitioned audit, written as the partitions go.

Findings as users get them (``reports.findings``) are written per rule slot and partition to
part files next to the findings file, then joined in slot order into a temporary file that
replaces the findings file when the audit succeeds: the file lists the findings in the
one-partition order (rule by rule, each in record order) without holding them, and is
identical to the file the one-partition audit writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from veracity._atomic import atomic_path, temporary_directory
from veracity.masking import mask_findings
from veracity.reports.findings import FINDINGS_SCHEMA as USER_FINDINGS_SCHEMA
from veracity.reports.findings import neutralise_formulas

__all__ = ["FindingsSink", "findings_sink"]


class FindingsSink:
    """Part files of masked (unless revealed) findings, per rule slot, joined at the end."""

    def __init__(self, parts: Path, csv: bool, reveal_values: bool) -> None:
        self._dir = parts
        self._csv = csv
        self._reveal = reveal_values
        self._parts: dict[int, list[Path]] = {}

    def add(self, slot: int, findings: pl.DataFrame) -> None:
        # findings_frame's steps: mask (or not), the findings columns, the users' types; the
        # engine's findings carry the source's path already.
        frame = mask_findings(findings, reveal=self._reveal).select(
            pl.col(name).cast(dtype) for name, dtype in USER_FINDINGS_SCHEMA.items()
        )
        if self._csv:
            frame = neutralise_formulas(frame)
        parts = self._parts.setdefault(slot, [])
        part = self._dir / f"{slot}-{len(parts)}.arrow"
        frame.write_ipc(part)
        parts.append(part)

    def write(self, target: Path) -> None:
        parts = [part for slot in sorted(self._parts) for part in self._parts[slot]]
        if not parts:
            empty = pl.DataFrame(schema=USER_FINDINGS_SCHEMA)
            if self._csv:
                empty.write_csv(target)
            else:
                empty.write_parquet(target)
            return
        lazy = pl.scan_ipc(parts)
        if self._csv:
            lazy.sink_csv(target)
        else:
            lazy.sink_parquet(target)


@contextlib.contextmanager
def findings_sink(path: str | Path | None, reveal_values: bool) -> Iterator[FindingsSink | None]:
    """The sink for ``path``, which replaces ``path`` atomically if the block completes; on any
    error the temporary file and the part files are removed and ``path`` is left as it was."""
    if path is None:
        yield None
        return
    target = Path(path)
    with atomic_path(target) as temp, temporary_directory(target) as parts:
        sink = FindingsSink(parts, target.suffix.lower() == ".csv", reveal_values)
        yield sink
        sink.write(temp)
