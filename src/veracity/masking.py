"""Masking of customer values for every output.

Values from the data are personal data: outputs show them masked unless the user asks with
``--reveal-values``. Masks keep just enough shape for a steward to recognise the defect:

- e-mail ``jane.doe@example.com`` -> ``j***@e***.com``
- phone ``+49 30 1234 5689`` -> ``+49 *** *** 89``
- any other text ``Hauptstrasse 5`` -> ``H***5`` (``***`` for 4 characters or fewer)

The polars expression (:func:`mask_expr`) and the scalar function (:func:`mask_value`) give the
same result; the tests prove it.
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl

__all__ = ["MASK", "mask_expr", "mask_findings", "mask_value"]

MASK = "***"
ValueKind = Literal["email", "phone", "text"]

_EMAIL = re.compile(r"^\s*(.)[^@]*@(.)(?:.*?)(\.[^.@\s]+)?\s*$", re.DOTALL)
_PHONE_PREFIX = re.compile(r"^\s*(\+\d{1,3})")


def mask_value(value: str | None, kind: ValueKind = "text") -> str | None:
    """Mask one value (see the module docstring for the shapes)."""
    if value is None:
        return None
    if kind == "email" and value.count("@") >= 1:
        match = _EMAIL.match(value)
        if match:
            return f"{match.group(1)}{MASK}@{match.group(2)}{MASK}{match.group(3) or ''}"
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        prefix = _PHONE_PREFIX.match(value)
        if len(digits) >= 6:
            head = f"{prefix.group(1)} " if prefix else ""
            return f"{head}{MASK} {MASK} {digits[-2:]}"
        return MASK
    if len(value) <= 4:
        return MASK
    return f"{value[0]}{MASK}{value[-1]}"


def _text_mask(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.str.len_chars() <= 4)
        .then(pl.lit(MASK))
        .otherwise(pl.concat_str([text.str.head(1), pl.lit(MASK), text.str.tail(1)]))
    )


def _email_mask(text: pl.Expr) -> pl.Expr:
    parts = text.str.extract_groups(r"^\s*(?s:(.))[^@]*@(?s:(.))(?s:.*?)(\.[^.@\s]+)?\s*$")
    masked = pl.concat_str(
        [
            parts.struct[0],
            pl.lit(MASK + "@"),
            parts.struct[1],
            pl.lit(MASK),
            parts.struct[2].fill_null(""),
        ]
    )
    return pl.when(parts.struct[0].is_not_null()).then(masked).otherwise(_text_mask(text))


def _phone_mask(text: pl.Expr) -> pl.Expr:
    digits = text.str.replace_all(r"\D", "")
    prefix = text.str.extract(r"^\s*(\+\d{1,3})", 1)
    head = pl.when(prefix.is_not_null()).then(prefix + " ").otherwise(pl.lit(""))
    masked = pl.concat_str([head, pl.lit(f"{MASK} {MASK} "), digits.str.tail(2)])
    return pl.when(digits.str.len_chars() >= 6).then(masked).otherwise(pl.lit(MASK))


def mask_expr(value: pl.Expr, kind: pl.Expr | ValueKind) -> pl.Expr:
    """Mask a String expression; ``kind`` is a literal or a per-row expression."""
    text = value.cast(pl.String)
    if isinstance(kind, str):
        kind = pl.lit(kind)
    masked = (
        pl.when(kind == "email")
        .then(_email_mask(text))
        .when(kind == "phone")
        .then(_phone_mask(text))
        .otherwise(_text_mask(text))
    )
    return pl.when(text.is_null()).then(pl.lit(None, dtype=pl.String)).otherwise(masked)


def mask_findings(findings: pl.DataFrame, reveal: bool = False) -> pl.DataFrame:
    """The findings as users see them: ``value`` masked unless ``reveal``; no helper columns."""
    from veracity.results import FINDINGS_COLUMNS

    if not reveal and findings.height:
        findings = findings.with_columns(value=mask_expr(pl.col("value"), pl.col("value_kind")))
    return findings.select(FINDINGS_COLUMNS)
