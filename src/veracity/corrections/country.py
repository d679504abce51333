"""Country corrections: a country written as a name, an alpha-3 code or a common variant, as
its ISO 3166-1 code.

Names come from pycountry (ISO 3166-1's English short, official and common names, kept with the
standard), plus :data:`VARIANTS`: the spellings exports are full of that are no ISO name (``UK``,
``U.S.``, ``Deutschland``, ``Allemagne``, ``Alemania``, ...), in English, German, French and
Spanish. Names are compared case-insensitively, with dots and surrounding spaces dropped.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from veracity.corrections.base import register
from veracity.text.countries import COUNTRIES, to_alpha2

__all__ = ["VARIANTS", "resolve_country"]

#: Common spellings (folded: lower case, no dots) -> alpha-2 code.
VARIANTS: dict[str, str] = {
    # English
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "us": "US", "usa": "US", "america": "US",
    "united states": "US", "united states of america": "US", "the netherlands": "NL",
    "holland": "NL", "russia": "RU", "south korea": "KR", "korea": "KR", "north korea": "KP",
    "czech republic": "CZ", "czechia": "CZ", "vietnam": "VN", "iran": "IR", "syria": "SY",
    "taiwan": "TW", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD",
    "laos": "LA", "ivory coast": "CI", "vatican": "VA", "macedonia": "MK", "turkey": "TR",
    "uae": "AE", "emirates": "AE",
    # German
    "deutschland": "DE", "brd": "DE", "bundesrepublik deutschland": "DE", "österreich": "AT",
    "oesterreich": "AT", "schweiz": "CH", "frankreich": "FR", "spanien": "ES", "italien": "IT",
    "niederlande": "NL", "belgien": "BE", "dänemark": "DK", "daenemark": "DK", "schweden": "SE",
    "norwegen": "NO", "finnland": "FI", "polen": "PL", "tschechien": "CZ", "ungarn": "HU",
    "griechenland": "GR", "großbritannien": "GB", "grossbritannien": "GB", "vereinigtes königreich": "GB",
    "vereinigte staaten": "US", "irland": "IE", "luxemburg": "LU", "türkei": "TR", "tuerkei": "TR",
    "russland": "RU", "slowakei": "SK", "kroatien": "HR", "rumänien": "RO", "bulgarien": "BG",
    # French
    "allemagne": "DE", "autriche": "AT", "suisse": "CH", "espagne": "ES", "italie": "IT",
    "pays-bas": "NL", "belgique": "BE", "danemark": "DK", "suède": "SE", "norvège": "NO",
    "pologne": "PL", "royaume-uni": "GB", "angleterre": "GB", "états-unis": "US", "etats-unis": "US",
    "irlande": "IE", "grèce": "GR", "hongrie": "HU", "turquie": "TR", "russie": "RU",
    # Spanish
    "alemania": "DE", "españa": "ES", "espana": "ES", "francia": "FR", "suiza": "CH",
    "países bajos": "NL", "paises bajos": "NL", "bélgica": "BE", "belgica": "BE", "suecia": "SE",
    "noruega": "NO", "polonia": "PL", "reino unido": "GB", "inglaterra": "GB",
    "estados unidos": "US", "eeuu": "US", "irlanda": "IE", "grecia": "GR", "hungría": "HU",
    "turquía": "TR", "rusia": "RU", "méxico": "MX", "mexico": "MX", "brasil": "BR",
}  # fmt: skip

_ISO = {alpha2 for alpha2, _, _ in COUNTRIES}
_ALPHA3 = {alpha2: alpha3 for alpha2, alpha3, _ in COUNTRIES}


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(".", "")).strip().casefold()


@cache
def _names() -> dict[str, str]:
    import pycountry  # imported when a country name is first resolved, not by every run

    names: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 not in _ISO:
            continue
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                names[_fold(name)] = country.alpha_2
    names.update((_fold(name), alpha2) for alpha2, _, name in COUNTRIES)
    names.update(VARIANTS)
    return names


def resolve_country(value: str) -> str | None:
    """The alpha-2 code ``value`` names: an ISO code in any case, an ISO name (pycountry) or a
    listed variant; None when it names none (or is ambiguous)."""
    code = to_alpha2(value)
    if code is not None:
        return code
    return _names().get(_fold(value))


@register(
    "country",
    "a country's code, name or common variant as its ISO code, alpha-2 or alpha-3 as the rule wants (certain)",
    arg="alpha2 or alpha3",
)
def country(frame: pl.DataFrame) -> pl.DataFrame:
    pairs = frame.select("value", "arg").rows()
    codes = [resolve_country(value) for value, _ in pairs]
    suggestions = [
        None if code is None else _ALPHA3[code] if arg == "alpha3" else code
        for code, (_, arg) in zip(codes, pairs, strict=True)
    ]
    series = pl.Series("suggestion", suggestions, dtype=pl.String)
    return frame.with_columns(
        series, pl.when(series.is_not_null()).then(pl.lit("certain")).alias("confidence")
    )
