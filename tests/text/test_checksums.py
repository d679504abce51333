"""The identifier checksums on published examples and their one-digit-off neighbours."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from veracity.text.checksums import de_tax_id_valid, fr_nir_valid, iban_valid, luhn_valid, us_ssn_valid

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
