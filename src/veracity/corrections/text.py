"""Text corrections: surrounding whitespace trimmed, names written in one case."""

from __future__ import annotations

import polars as pl

from veracity.corrections.base import register

__all__ = ["name_case", "trim", "trimmed"]

#: ASCII whitespace, and the no-break space exports carry from web forms.
_BLANKS = " \t\n\r\f\v\u00a0"


def trimmed(value: pl.Expr) -> pl.Expr:
    """``value`` without surrounding whitespace and with inner runs of blanks as one space."""
    return value.str.strip_chars(_BLANKS).str.replace_all(r"[ \t\u00a0]{2,}", " ")


@register("trim", "surrounding whitespace removed, inner runs of spaces as one (certain)")
def trim(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        trimmed(pl.col("value")).alias("suggestion"), pl.lit("certain").alias("confidence")
    )


@register(
    "name_case",
    "a name written all in upper or all in lower case, in title case ('ANNA-LENA' -> 'Anna-Lena'; likely)",
)
def name_case(frame: pl.DataFrame) -> pl.DataFrame:
    value = trimmed(pl.col("value"))
    one_case = (value == value.str.to_uppercase()) | (value == value.str.to_lowercase())
    has_letters = value.str.contains(r"\p{L}")
    # Title case after every letter boundary: hyphens and apostrophes start a new word too.
    titled = value.str.to_titlecase()
    return frame.with_columns(
        pl.when(one_case & has_letters).then(titled).alias("suggestion"),
        pl.when(one_case & has_letters).then(pl.lit("likely")).alias("confidence"),
    )
