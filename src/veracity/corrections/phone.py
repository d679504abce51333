"""Phone corrections: a number in E.164 (``+491512345678``) when phonenumbers reads it as valid
for the record's region."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from veracity.corrections.base import per_value, register

__all__ = ["to_e164"]


@lru_cache(maxsize=65536)
def to_e164(value: str, region: str = "") -> str | None:
    """``value`` in E.164 when it is a valid number (national numbers read in ``region``, an
    alpha-2 code or ""), else None."""
    import phonenumbers  # 35 ms; imported when a number is first read, not by every run

    try:
        number = phonenumbers.parse(value.strip(), region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@register("phone", "the number in E.164 when valid for the record's region (certain)", arg="region")
def phone(frame: pl.DataFrame) -> pl.DataFrame:
    return per_value(frame, to_e164, "certain")
