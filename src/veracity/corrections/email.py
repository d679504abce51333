"""E-mail corrections: email-validator's normalised form of a trimmed address, and a fixed table
of misspelt domains of well-known providers.

The table is the whole of the typo repair: a domain is replaced only when it is one of the
misspellings listed here, each of which no provider owns for mail (``gmial.com`` is not a mail
service), so the repair is never a guess between two real domains. Anything else keeps its
domain.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from veracity.corrections.base import register

__all__ = ["DOMAIN_TYPOS", "normalised_email"]

#: Misspelt domain -> the provider's domain.
DOMAIN_TYPOS: dict[str, str] = {
    "gmial.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gmaill.com": "gmail.com",
    "gmail.con": "gmail.com",
    "gmail.cmo": "gmail.com",
    "gmail.co": "gmail.com",
    "gmailcom": "gmail.com",
    "gmail,com": "gmail.com",
    "googlemail.con": "googlemail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmail.con": "hotmail.com",
    "hotmailcom": "hotmail.com",
    "hotmail,com": "hotmail.com",
    "yahooo.com": "yahoo.com",
    "yaho.com": "yahoo.com",
    "yahoo.con": "yahoo.com",
    "outlok.com": "outlook.com",
    "outloo.com": "outlook.com",
    "outlook.con": "outlook.com",
    "iclod.com": "icloud.com",
    "icloud.con": "icloud.com",
    "gmx.de.": "gmx.de",
    "gmx,de": "gmx.de",
    "gmxde": "gmx.de",
    "web,de": "web.de",
    "t-onlin.de": "t-online.de",
    "tonline.de": "t-online.de",
}


@lru_cache(maxsize=65536)
def normalised_email(value: str) -> tuple[str | None, bool]:
    """The normalised form of ``value`` trimmed (email-validator's ``normalized``, no DNS
    lookup) and whether a misspelt domain was repaired; (None, False) when even that is no
    valid address."""
    from email_validator import EmailNotValidError, validate_email  # 35 ms; only when correcting

    text = value.strip()
    local, at, domain = text.rpartition("@")
    repaired = False
    if at and domain.lower() in DOMAIN_TYPOS:
        text, repaired = f"{local}@{DOMAIN_TYPOS[domain.lower()]}", True
    try:
        return validate_email(text, check_deliverability=False).normalized, repaired
    except EmailNotValidError:
        return None, False


@register("email", "the address trimmed and normalised; a listed provider typo repaired (likely)")
def email(frame: pl.DataFrame) -> pl.DataFrame:
    results = [normalised_email(value) for value in frame.get_column("value").to_list()]
    return frame.with_columns(
        pl.Series("suggestion", [s for s, _ in results], dtype=pl.String),
        pl.Series(
            "confidence",
            [None if s is None else "likely" if repaired else "certain" for s, repaired in results],
            dtype=pl.String,
        ),
    )
