"""The identifier checksums on published examples and their one-digit-off neighbours."""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.checks.minimisation import SENSITIVE
from veracity.text.checksums import (
    IBAN_LENGTHS,
    de_tax_id_valid,
    fr_nir_valid,
    iban_valid,
    luhn_valid,
    us_ssn_valid,
)

CASES: list[tuple[Callable[[pl.Expr], pl.Expr], str | None, bool]] = [
    (luhn_valid, "4111 1111 1111 1111", True),
    (luhn_valid, "4111-1111-1111-1111", True),
    (luhn_valid, "4111111111111112", False),  # check digit off by one
    (luhn_valid, "4111 1111 1111", False),  # 12 digits: too short for a card
    (luhn_valid, "41111111111111111111", False),  # 20 digits: too long
    (luhn_valid, "4111/1111/1111/1111", False),  # not a separator cards are printed with
    (luhn_valid, None, False),
    (iban_valid, "DE89 3704 0044 0532 0130 00", True),
    (iban_valid, "gb82west12345698765432", True),
    (iban_valid, "NL91ABNA0417164300", True),
    (iban_valid, "GB82 WEST 1234 5698 7654 33", False),  # checksum
    (iban_valid, "DE89 3704 0044 0532 0130 0", False),  # Germany's IBANs have 22 characters
    (iban_valid, "XX89 3704 0044 0532 0130 00", False),  # no such country
    (us_ssn_valid, "123-45-6789", True),
    (us_ssn_valid, "123 45 6789", True),
    (us_ssn_valid, "666-45-6789", False),
    (us_ssn_valid, "900-45-6789", False),
    (us_ssn_valid, "123-00-6789", False),
    (us_ssn_valid, "123-45-0000", False),
    (us_ssn_valid, "123456789", False),  # bare digits: any nine-digit number
    (de_tax_id_valid, "86095742719", True),
    (de_tax_id_valid, "47036892816", True),
    (de_tax_id_valid, "86095742718", False),
    (de_tax_id_valid, "06095742719", False),  # never starts with 0
    (fr_nir_valid, "184127645108946", True),
    (fr_nir_valid, "1 84 12 76 451 089 46", True),
    (fr_nir_valid, "184127645108947", False),
    (fr_nir_valid, "384127645108946", False),  # no such sex digit
]


@pytest.mark.parametrize(("test", "value", "expected"), CASES, ids=[f"{t.__name__}:{v}" for t, v, _ in CASES])
def test_checksum(test: Callable[[pl.Expr], pl.Expr], value: str | None, expected: bool) -> None:
    frame = pl.DataFrame({"value": pl.Series([value], dtype=pl.String)})
    assert frame.select(test(pl.col("value"))).item() is expected


def test_corsican_departments_count_as_19_and_18() -> None:
    key = 97 - (2690519123456 % 97)  # department 2A read as 19
    values = [f"269052A123456{key:02d}", f"269052B123456{key:02d}"]  # 2B is 18: another key
    frame = pl.DataFrame({"value": values})
    assert frame.select(fr_nir_valid(pl.col("value"))).to_series().to_list() == [True, False]


def _luhn_reference(text: str) -> bool:
    """The Luhn check as ISO/IEC 7812 states it, one digit at a time."""
    digits = text.replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit() and 13 <= len(digits) <= 19):
        return False
    if not text.strip() or text.strip()[0] in " -" or text.strip()[-1] in " -":
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _with_separators(digits: str, cuts: list[int], separator: str) -> str:
    for cut in sorted({c % len(digits) for c in cuts if c % len(digits) > 0}, reverse=True):
        digits = digits[:cut] + separator + digits[cut:]
    return digits


def _luhn_completed(body: str) -> str:
    """``body`` with the check digit that makes it pass."""
    for check in "0123456789":
        if _luhn_reference(body + check):
            return body + check
    raise AssertionError("one of ten check digits passes")


def _de_tax_id_completed(body: str) -> str:
    product = 10
    for char in body:
        total = (int(char) + product) % 10 or 10
        product = (total * 2) % 11
    return body + str((11 - product) % 10)


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text("0123456789", min_size=12, max_size=21),
    cuts=st.lists(st.integers(1, 20), max_size=4),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_luhn_agrees_with_the_reference(digits: str, cuts: list[int], separator: str) -> None:
    """Random digit strings, and the same completed to pass, with separators anywhere."""
    for candidate in (digits, _luhn_completed(digits[:18])):
        value = _with_separators(candidate, cuts, separator)
        frame = pl.DataFrame({"value": [value]})
        assert frame.select(luhn_valid(pl.col("value"))).item() is _luhn_reference(value), value


@settings(max_examples=200, deadline=None)
@given(
    card=st.text("0123456789", min_size=12, max_size=18),
    tax=st.text("0123456789", min_size=9, max_size=9),
    first=st.sampled_from("123456789"),
    cuts=st.lists(st.integers(1, 20), max_size=4),
)
def test_minimisation_patterns_let_every_identifier_through(
    card: str, tax: str, first: str, cuts: list[int]
) -> None:
    """Minimisation runs a checksum only on the values its cheap pattern matches: every value
    the checksum accepts must match it."""
    values = {
        "card": [_with_separators(_luhn_completed(card), cuts, sep) for sep in ("", " ", "-")],
        "de_tax_id": [_with_separators(_de_tax_id_completed(first + tax), cuts, sep) for sep in ("", " ")],
    }
    for measure, examples in values.items():
        _, test, shape = SENSITIVE[measure]
        frame = pl.DataFrame({"value": examples})
        judged = frame.select(
            test(pl.col("value")).alias("ok"), pl.col("value").str.contains(shape).alias("shaped")
        )
        assert judged.get_column("ok").all(), examples
        assert judged.get_column("shaped").all(), examples


def _iban_reference(text: str) -> bool:
    """ISO 13616 as its registry states it: letters as 10-35, the whole number modulo 97."""
    compact = text.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


@settings(max_examples=200, deadline=None)
@given(
    country=st.sampled_from([*IBAN_LENGTHS, "XX"]),
    account=st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30),
    spaced=st.booleans(),
    lower=st.booleans(),
)
def test_iban_agrees_with_the_reference(country: str, account: str, spaced: bool, lower: bool) -> None:
    """Random accounts of any length, and the same with the check digits that make them pass."""
    rearranged = account + country + "00"
    check = 98 - int("".join(str(int(char, 36)) for char in rearranged)) % 97
    for candidate in (f"{country}00{account}", f"{country}{check:02d}{account}"):
        if spaced:
            candidate = " ".join(candidate[i : i + 4] for i in range(0, len(candidate), 4))
        if lower:
            candidate = candidate.lower()
        frame = pl.DataFrame({"value": [candidate]})
        assert frame.select(iban_valid(pl.col("value"))).item() is _iban_reference(candidate), candidate
