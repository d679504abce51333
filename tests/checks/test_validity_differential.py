"""The email and phone checks give exactly the library's verdict, value by value.

Each test builds ~2000 random and adversarial values (with repeats, so the once-per-distinct
shortcut is exercised), runs the check's expression over them, and compares every row with a
direct library call. Region resolution for phone numbers is re-implemented here independently
(strip, ASCII upper-case, phonenumbers region or ISO alpha-3) to check the polars version.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import phonenumbers
import polars as pl
import pytest
from email_validator import EmailNotValidError, validate_email

from veracity.checks import validity
from veracity.checks.base import REGISTRY, CheckContext
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData
from veracity.text.countries import COUNTRIES

SAMPLES = 2000


def run_expression(check: str, rule: dict[str, Any], data: dict[str, list[str | None]]) -> list[bool | None]:
    """The check's raw expression per row (no engine wrapping, so rows with a null region are
    judged too, as they would be if the engine ever evaluated them)."""
    frame = pl.DataFrame({name: pl.Series(values, dtype=pl.String) for name, values in data.items()})
    frame = frame.with_columns(
        pl.int_range(frame.height, dtype=pl.UInt32).alias(ROW_ID),
        pl.lit(0, dtype=pl.UInt16).alias(SOURCE_COL),
        pl.int_range(frame.height, dtype=pl.UInt32).alias(LINE_COL),
    )
    ctx = CheckContext(LoadedData(frame, []), as_of=date(2024, 6, 30))
    check_type = REGISTRY[check]
    expr = check_type.build(check_type.params.model_validate(rule), ctx)
    return frame.select(expr.alias("good")).get_column("good").to_list()


# ---------------------------------------------------------------------------------------------
# e-mail

_LOCAL = [
    "jane",
    "j.doe",
    "jane+tag",
    "a..b",
    ".jane",
    "jane.",
    '"john doe"',
    '"jane"',
    "jäne",
    "ü",
    "用户",
    "x" * 64,
    "x" * 65,
    "!#$%&'*+/=?^_`{|}~-",
    "a b",
    "",
    "jane\u200b",
    "JANE",
    "o'brien",
    "a\\b",
    "(comment)jane",
]
_DOMAIN = [
    "example.com",
    "EXAMPLE.COM",
    "bücher.de",
    "xn--bcher-kva.de",
    "例え.jp",
    "localhost",
    "example",
    "[192.0.2.1]",
    "[IPv6:2001:db8::1]",
    "192.0.2.1",
    "-example.com",
    "example-.com",
    "exa..mple.com",
    "example.invalid",
    "test.localhost",
    "printer.local",
    "ex_ample.com",
    "a" * 63 + ".com",
    "a" * 64 + ".com",
    ".".join(["abcdefghij"] * 25) + ".com",
    "example.c",
    "example.com.",
    ".example.com",
    "xn--.com",
    "xn--zz.com",
    "münchen.de",
    "ǅ.com",
    "example.123",
]
_NOISE = [" ", "\t", "\n", ".", "@", "<", ">", ",", ";", "ß", "İ", "\u00a0", "\u202e", "ﬁ", "\x00", "\x7f"]
_ALPHABET = "abcXYZ019.@-_+\"'()[] \\äß例\u200b"


def _random_email(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        value = f"{rng.choice(_LOCAL)}@{rng.choice(_DOMAIN)}"
    elif kind < 0.75:
        value = f"{rng.choice(_LOCAL)}{rng.choice(['', '@@', '@ ', ' @'])}{rng.choice(_DOMAIN)}"
    else:
        value = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 30)))
    if rng.random() < 0.25:
        position = rng.randint(0, len(value))
        value = value[:position] + rng.choice(_NOISE) + value[position:]
    return value


def _library_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def test_email_verdicts_equal_the_library() -> None:
    rng = random.Random(20240630)
    values = [_random_email(rng) for _ in range(SAMPLES)]
    values += values[:200]  # repeats: one library call must serve several rows
    got = run_expression("email", {"field": "email"}, {"email": values})
    expected = [_library_email(value) for value in values]
    mismatches = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:10]
    # The sample must exercise both verdicts substantially.
    assert 0.05 < sum(expected) / len(expected) < 0.95


# ---------------------------------------------------------------------------------------------
# phone

_NATIONAL = [
    "030 1234567",
    "020 7946 0958",
    "(650) 253-0000",
    "01 42 68 53 00",
    "06 12 34 56 78",
    "0612345678",
]
_INTERNATIONAL = [
    "+49 30 1234567",
    "+1 650 253 0000",
    "+44 20 7946 0958",
    "+33 1 42 68 53 00",
    "+383 44 123 456",
]
_REGIONS: list[str | None] = [
    "DE",
    "de",
    " DEU ",
    "deu",
    "US",
    "usa",
    "GB",
    "Gbr",
    "FR",
    "fra\t",
    "XK",
    "xk",
    "AC",
    "TA",
    "AQ",
    "ATA",
    "ZZ",
    "XX",
    "Germany",
    "D",
    "001",
    "ſe",
    "ＤＥ",
    "\u00a0DE",
    None,
]
_PHONE_CHARS = "0123456789      +-()./xXtT#*abcABC١٢٣"


def _random_phone(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        value = rng.choice(_NATIONAL + _INTERNATIONAL)
        if rng.random() < 0.5:  # perturb one character
            position = rng.randrange(len(value))
            value = value[:position] + rng.choice(_PHONE_CHARS) + value[position + 1 :]
    elif kind < 0.7:
        prefix = rng.choice(["", "+", "0", "00", "+1", "+49", "+44", "+33", "011"])
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(2, 16)))
        separator = rng.choice(["", " ", "-", "."])
        cut = rng.randint(0, len(digits))
        value = f"{prefix}{digits[:cut]}{separator}{digits[cut:]}"
    else:
        value = "".join(rng.choice(_PHONE_CHARS) for _ in range(rng.randint(1, 20)))
    return value if value.strip() else "0"


def _reference_region(raw: str | None, default: str | None) -> str | None:
    if raw is None:
        return default
    code = raw.strip(" \t\n\r\f\v")
    if code.isascii():
        code = code.upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
        for alpha2, alpha3, _ in COUNTRIES:
            if alpha3 == code and alpha2 in phonenumbers.SUPPORTED_REGIONS:
                return alpha2
    return default


def _library_phone(value: str, region: str | None) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, region)))
    except phonenumbers.NumberParseException:
        return False


@pytest.mark.parametrize("default_region", [None, "US"])
def test_phone_verdicts_equal_the_library(
    default_region: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)  # the fast path, however many pairs
    rng = random.Random(f"phone-{default_region}")
    phones = [_random_phone(rng) for _ in range(SAMPLES)]
    regions = [rng.choice(_REGIONS) for _ in range(SAMPLES)]
    rule: dict[str, Any] = {"field": "phone", "region_field": "country"}
    if default_region is not None:
        rule["default_region"] = default_region
    got = run_expression("phone", rule, {"phone": phones, "country": regions})
    expected = [
        _library_phone(value, _reference_region(region, default_region))
        for value, region in zip(phones, regions, strict=True)
    ]
    mismatches = [
        (value, region, e, g)
        for value, region, e, g in zip(phones, regions, expected, got, strict=True)
        if e != g
    ]
    assert not mismatches, mismatches[:10]
    assert 0.05 < sum(expected) / len(expected) < 0.95


def test_phone_without_region_field_equals_the_library() -> None:
    rng = random.Random("phone-no-region")
    phones = [_random_phone(rng) for _ in range(500)]
    got = run_expression("phone", {"field": "phone"}, {"phone": phones})
    assert got == [_library_phone(value, None) for value in phones]
