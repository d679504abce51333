"""Normal forms of values before they are compared or blocked on, as polars expressions.

Duplicates differ in exactly the ways normalisation removes: "MÜLLER " and "Müller",
"O'Brien" and "OBrien", "Jane.Doe@Example.com" and "jane.doe@example.com". Comparing normal
forms lets the similarity measures spend their range on real differences (typos).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import numpy.typing as npt
import phonenumbers
import polars as pl

__all__ = [
    "digits",
    "normalise_email",
    "normalise_phones",
    "normalise_text",
    "normalise_text_values",
    "null_if_empty",
    "soundex",
]

_APOSTROPHES = r"['’`´]"


def _latin_folding() -> tuple[list[str], list[str]]:
    """Latin letters with diacritics -> their base letters (é -> e, Ä -> A), plus letters that
    Unicode does not decompose but that people spell out when they cannot type them
    (ß -> ss, ø -> o, æ -> ae, ł -> l). One Aho-Corasick pass with this table replaces
    Unicode decomposition for almost all European text, at a fraction of its cost."""
    table = {
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        "ı": "i",
    }
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if char not in table and base != char and base.isascii() and base:
            table[char] = base
    return list(table), list(table.values())


_FOLD_FROM, _FOLD_TO = _latin_folding()

# American Soundex: letters with one code sound alike. Vowels (and y) separate two equal codes
# ("Tymczak" -> T522); h and w do not ("Ashcraft" -> A261), so they are dropped before runs of
# equal codes are collapsed and vowels are coded "0" and removed after.
_SOUNDEX_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SOUNDEX_CODES = "01230120022455012623010202"
#: h and w map to "" (ignored); every other letter to its digit, vowels to the separator 0.
_SOUNDEX_TARGETS = [
    "" if c in "hw" else code for c, code in zip(_SOUNDEX_LETTERS, _SOUNDEX_CODES, strict=True)
]


def null_if_empty(expr: pl.Expr) -> pl.Expr:
    """Null where the text is empty: an empty normal form is a missing value."""
    return pl.when(expr.str.len_bytes() > 0).then(expr)


def normalise_text(expr: pl.Expr) -> pl.Expr:
    """Lower case, without accents (ß as ss), apostrophes and punctuation, single spaces; null
    if empty."""
    text = (
        expr.cast(pl.String)
        .str.replace_many(_FOLD_FROM, _FOLD_TO)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(_APOSTROPHES, "")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
    )
    return null_if_empty(text)


def _normalise_ascii(expr: pl.Expr) -> pl.Expr:
    """:func:`normalise_text` for text known to be ASCII: no accents to strip, and ASCII
    character classes are several times faster than Unicode ones."""
    text = (
        expr.str.to_lowercase()
        .str.replace_all(r"['`]", "")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )
    return null_if_empty(text)


def normalise_text_values(values: pl.Series) -> pl.Series:
    """:func:`normalise_text` of a Series, fast for ASCII and Latin text: accented letters are
    folded with a lookup table, and only values still not ASCII after that (Greek, Cyrillic,
    ...) go through Unicode decomposition and Unicode character classes."""
    frame = values.cast(pl.String).to_frame("v")
    non_ascii = np.flatnonzero(
        frame.select(pl.col("v").str.contains(r"[^\x00-\x7f]").fill_null(False)).to_series().to_numpy()
    )
    if non_ascii.size:
        folded = frame[non_ascii].select(pl.col("v").str.replace_many(_FOLD_FROM, _FOLD_TO)).to_series()
        frame = frame.with_columns(frame.get_column("v").scatter(non_ascii, folded))
    exotic = np.flatnonzero(
        frame.select(pl.col("v").str.contains(r"[^\x00-\x7f]").fill_null(False)).to_series().to_numpy()
    )
    out = frame.select(_normalise_ascii(pl.col("v"))).to_series()
    if exotic.size:
        out = out.scatter(exotic, frame[exotic].select(normalise_text(pl.col("v"))).to_series())
    return out.alias(values.name)


def normalise_email(expr: pl.Expr) -> pl.Expr:
    """Trimmed and case-folded; null if empty."""
    return null_if_empty(expr.cast(pl.String).str.strip_chars().str.to_lowercase())


def digits(expr: pl.Expr) -> pl.Expr:
    """The digits of the value in order; null when there are none."""
    return null_if_empty(expr.cast(pl.String).str.replace_all(r"[^0-9]", ""))


def soundex(normalised: pl.Expr) -> pl.Expr:
    """American Soundex of text already passed through :func:`normalise_text` (e.g. R163)."""
    letters = normalised.str.replace_all(r"[^a-z]", "")
    first = letters.str.head(1)
    letter_list = list(_SOUNDEX_LETTERS)
    first_code = first.str.replace_many(letter_list, _SOUNDEX_TARGETS)
    coded = pl.concat_str([first_code, letters.str.slice(1).str.replace_many(letter_list, _SOUNDEX_TARGETS)])
    for digit in "123456":
        coded = coded.str.replace_all(f"{digit}+", digit)
    # The first letter is written as a letter, so its own code (which may have absorbed a run
    # of equal codes after it, as in "Pfister" -> P236) is dropped.
    digits_only = (
        pl.when(first_code.str.len_bytes() > 0)
        .then(coded.str.slice(1))
        .otherwise(coded)
        .str.replace_all("0", "")
    )
    code = pl.concat_str([first.str.to_uppercase(), pl.concat_str([digits_only, pl.lit("000")]).str.head(3)])
    return pl.when(letters.str.len_bytes() > 0).then(code)


def normalise_phones(
    values: npt.NDArray[np.object_], regions: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """E.164 form of each (value, region) pair, or the value's digits when it does not parse.

    Callers pass distinct pairs only: libphonenumber takes tens of microseconds per number.
    """
    out = np.empty(len(values), dtype=object)
    # A loop per distinct number, unavoidably: libphonenumber parses one number per call.
    for index, (value, region) in enumerate(zip(values.tolist(), regions.tolist(), strict=True)):
        try:
            number = phonenumbers.parse(value, region or None)
            out[index] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            out[index] = "".join(ch for ch in value if ch.isdigit())
    return out
