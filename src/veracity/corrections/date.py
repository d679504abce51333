"""Date corrections: a date written in another unambiguous format, in the format the rule wants
(ISO 8601 unless the field or rule declares one).

Unambiguous means one reading only: ``31.12.2024`` (dots put the day first), ``2024/12/31``,
``31 December 2024``, ``Dec 31, 2024``, ``31-Dec-2024``, an ISO date where another format is
declared, and a slashed or dashed ``a/b/yyyy`` only when one of ``a`` and ``b`` is over 12 (or
both are equal). ``03/04/2024`` gets no suggestion: it is the 3rd of April or the 4th of March.
"""

from __future__ import annotations

import polars as pl

from veracity.corrections.base import register

__all__ = ["date"]

_ONE_READING = (
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d-%b-%Y",
    "%d. %B %Y",
)


def _safe_slashed(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop a/b/yyyy values naming no real day before pl.date sees them (it raises on them)."""
    parts = (
        pl.col("value")
        .str.strip_chars()
        .str.extract_groups(r"^([0-9]{1,2})[/\-]([0-9]{1,2})[/\-]([0-9]{4})$")
    )
    a = parts.struct.field("1").cast(pl.Int32)
    b = parts.struct.field("2").cast(pl.Int32)
    y = parts.struct.field("3")
    day_first = pl.concat_str(
        [y, pl.lit("-"), b.cast(pl.String).str.zfill(2), pl.lit("-"), a.cast(pl.String).str.zfill(2)]
    )
    month_first = pl.concat_str(
        [y, pl.lit("-"), a.cast(pl.String).str.zfill(2), pl.lit("-"), b.cast(pl.String).str.zfill(2)]
    )
    iso = pl.when((a > 12) | (a == b)).then(day_first).when(b > 12).then(month_first)
    return frame.with_columns(iso.str.to_date("%Y-%m-%d", strict=False).alias("__slashed"))


@register(
    "date",
    "a date in another unambiguous format, in the field's format (ISO 8601 by default; certain)",
    arg="the target strftime format, or '' for ISO 8601",
)
def date(frame: pl.DataFrame) -> pl.DataFrame:
    text = pl.col("value").str.strip_chars().str.replace_all(r"\s+", " ")
    frame = _safe_slashed(frame)
    parsed = pl.coalesce(
        [*(text.str.to_date(fmt, strict=False) for fmt in _ONE_READING), pl.col("__slashed")]
    )
    parts = []
    for (target,), group in frame.group_by("arg", maintain_order=True):
        fmt = str(target) or "%Y-%m-%d"
        suggestion = parsed.dt.strftime(fmt)
        parts.append(
            group.with_columns(
                suggestion.alias("suggestion"),
                pl.when(suggestion.is_not_null()).then(pl.lit("certain")).alias("confidence"),
            )
        )
    return pl.concat(parts).drop("__slashed")
