"""Normal forms: text, Soundex, phone numbers."""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.linkage.normalise import normalise_phones, normalise_text, normalise_text_values, soundex

_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
}
_CODES |= {**dict.fromkeys("mn", "5"), "r": "6"}


def reference_soundex(name: str) -> str | None:
    """American Soundex, letter by letter, as the National Archives describe it."""
    letters = [c for c in name.lower() if "a" <= c <= "z"]
    if not letters:
        return None
    code = letters[0].upper()
    previous = _CODES.get(letters[0], "")
    for letter in letters[1:]:
        digit = _CODES.get(letter, "")
        if letter in "hw":
            continue  # h and w do not separate equal codes
        if digit and digit != previous:
            code += digit
        previous = digit  # a vowel resets, so equal codes around it are both written
    return (code + "000")[:4]


def _soundex(values: list[str | None]) -> list[str | None]:
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.String})
        .select(soundex(normalise_text(pl.col("v"))))
        .to_series()
        .to_list()
    )


def test_soundex_known_codes() -> None:
    names = [
        "Robert",
        "Rupert",
        "Rubin",
        "Ashcraft",
        "Tymczak",
        "Pfister",
        "Honeyman",
        "Schmidt",
        "Lee",
        "Müller",
        "",
        None,
    ]
    expected = ["R163", "R163", "R150", "A261", "T522", "P236", "H555", "S530", "L000", "M460", None, None]
    assert _soundex(names) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzHW -'", min_size=0, max_size=12), min_size=1, max_size=50
    )
)
def test_vectorised_soundex_equals_the_letter_by_letter_algorithm(names: list[str]) -> None:
    assert _soundex(list(names)) == [reference_soundex(name) for name in names]


def test_vectorised_soundex_on_many_random_names() -> None:
    # One large batch covers more cases than many small examples, at the cost of one call.
    rng = np.random.default_rng(3)
    letters = np.array(list("aeiouybcdfghjklmnpqrstvwxzhw"))
    names = ["".join(rng.choice(letters, rng.integers(1, 10))) for _ in range(5000)]
    assert _soundex(list(names)) == [reference_soundex(name) for name in names]


def test_text_normal_form() -> None:
    values = ["  Müller-Lüdenscheidt ", "O'Brien", "ÉLODIE  Dupont", "Straße 5", "---", None, "Ελένη"]
    expected = ["muller ludenscheidt", "obrien", "elodie dupont", "strasse 5", None, None, "ελενη"]
    assert normalise_text_values(pl.Series(values, dtype=pl.String)).to_list() == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), min_size=1, max_size=50))
def test_fast_text_normal_form_equals_the_general_one(values: list[str | None]) -> None:
    series = pl.Series(values, dtype=pl.String)
    general = pl.DataFrame({"v": series}).select(normalise_text(pl.col("v"))).to_series()
    assert normalise_text_values(series).to_list() == general.to_list()


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéèàçñ ", max_size=12))
def test_text_normal_form_has_no_accents_or_capitals(value: str) -> None:
    [normal] = normalise_text_values(pl.Series([value.upper()], dtype=pl.String)).to_list()
    if normal is not None:
        assert normal == normal.lower()
        assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", normal))


def test_phone_numbers_in_e164_and_digits_when_unparsable() -> None:
    values = np.array(["030 1234567", "+44 20 7946 0958", "(415) 555-0199", "12-34"], dtype=object)
    regions = np.array(["DE", None, "US", None], dtype=object)
    assert normalise_phones(values, regions).tolist() == [
        "+49301234567",
        "+442079460958",
        "+14155550199",
        "1234",
    ]
