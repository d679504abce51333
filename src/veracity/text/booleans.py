"""Yes/no values: how a rule file says they are written, and reading them.

Checks (``consent``), SQL's typed fields and the engine all read yes/no columns with the same
spellings, so the spellings and the reading live here, below all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["BooleanSpellings", "parse_yes_no"]


@dataclass
class BooleanSpellings:
    """How yes/no columns are written. Compared case-insensitively after trimming."""

    true: tuple[str, ...] = ("true", "yes", "y", "1")
    false: tuple[str, ...] = ("false", "no", "n", "0")


def parse_yes_no(expr: pl.Expr, booleans: BooleanSpellings) -> pl.Expr:
    """True/False for the recognised spellings (trimmed, any case), null for anything else."""
    normal = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(normal.is_in([s.lower() for s in booleans.true]))
        .then(pl.lit(True))
        .when(normal.is_in([s.lower() for s in booleans.false]))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )
