"""Postal-code corrections: the country's canonical form of a code written with other case,
spacing or separators, or with a country prefix (``d-10115``, ``1234ab``, ``sw1a1aa``).

The code is upper-cased, a prefix naming the record's country (its ISO code or its
international vehicle code: ``D-``, ``DE-``, ``F-``, ``NL-``) dropped, spaces and hyphens
taken out, and the country's separator put back where its operator writes it. A five-digit
code a spreadsheet shortened to four digits (``1067`` in Germany) gets its leading zero back,
as a ``likely`` correction.
"""

from __future__ import annotations

import polars as pl

from veracity.corrections.base import register

__all__ = ["canonical_postal"]

#: Prefixes that name a country before its postal code: ISO code and vehicle code.
_PREFIXES = {
    "AT": ("AT", "A"), "BE": ("BE", "B"), "CH": ("CH",), "CZ": ("CZ",), "DE": ("DE", "D"),
    "DK": ("DK",), "ES": ("ES", "E"), "FI": ("FI", "FIN", "SF"), "FR": ("FR", "F"),
    "GR": ("GR",), "HU": ("HU", "H"), "IE": ("IE", "IRL"), "IT": ("IT", "I"), "LU": ("LU", "L"),
    "NL": ("NL",), "NO": ("NO", "N"), "PL": ("PL",), "PT": ("PT", "P"), "SE": ("SE", "S"),
    "SK": ("SK",),
}  # fmt: skip
#: Country -> (separator, characters before it); the separator is placed counting from the
#: start, or for GB from the end (its inward code is always the last three).
_SEPARATORS: dict[str, tuple[str, int]] = {
    "BR": ("-", 5), "CA": (" ", 3), "CZ": (" ", 3), "GB": (" ", -3), "GR": (" ", 3),
    "IE": (" ", 3), "JP": ("-", 3), "NL": (" ", 4), "PL": ("-", 2), "PT": ("-", 4),
    "SE": (" ", 3), "SK": (" ", 3),
}  # fmt: skip
#: Countries whose codes are five digits, some with a leading zero that spreadsheets drop.
_FIVE_DIGITS = ("DE", "ES", "FI", "FR", "IT", "MX", "US")


def canonical_postal(value: pl.Expr, country: str) -> tuple[pl.Expr, pl.Expr]:
    """The canonical form of ``value`` for ``country`` (alpha-2) and its confidence."""
    text = value.str.strip_chars().str.to_uppercase()
    prefixes = _PREFIXES.get(country)
    if prefixes:
        text = text.str.replace(rf"^(?:{'|'.join(prefixes)})\s*-\s*", "")
    core = text.str.replace_all(r"[\s\-]+", "")
    padded = pl.lit(False)
    if country in _FIVE_DIGITS:
        padded = core.str.contains(r"^[0-9]{4}$")
        core = pl.when(padded).then(pl.concat_str([pl.lit("0"), core])).otherwise(core)
    if country == "US":
        core = (
            pl.when(core.str.len_chars() == 9)
            .then(pl.concat_str([core.str.slice(0, 5), pl.lit("-"), core.str.slice(5)]))
            .otherwise(core)
        )
    elif country in _SEPARATORS:
        separator, at = _SEPARATORS[country]
        head = (
            core.str.slice(0, at)
            if at > 0
            else core.str.slice(0, pl.max_horizontal(core.str.len_chars() + at, 0))
        )
        tail = core.str.slice(at)
        core = pl.concat_str([head, pl.lit(separator), tail])
    confidence = pl.when(padded).then(pl.lit("likely")).otherwise(pl.lit("certain"))
    return core, confidence


@register(
    "postal",
    "the country's canonical form: case, spacing, separators, country prefixes; a dropped leading zero (likely)",
    arg="country (alpha-2)",
)
def postal(frame: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for (country,), group in frame.group_by("arg", maintain_order=True):
        if not country:
            parts.append(
                group.with_columns(
                    pl.lit(None, pl.String).alias("suggestion"), pl.lit(None, pl.String).alias("confidence")
                )
            )
            continue
        suggestion, confidence = canonical_postal(pl.col("value"), str(country))
        parts.append(group.with_columns(suggestion.alias("suggestion"), confidence.alias("confidence")))
    return pl.concat(parts)
