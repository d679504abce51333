"""Postal code formats by country (ISO 3166-1 alpha-2), for the ``postal_code`` check.

Each pattern describes the code as the national postal operator writes it, upper-case letters
included (``sw1a 1aa`` is a formatting defect in an export). One rule is applied throughout:
where the only separator is a single space and the code stays unambiguous without it (CA, CZ,
GB, GR, IE, NL, SE, SK), the form without the space is accepted too, since systems commonly
store it that way; hyphens (BR, JP, PL, PT, US ZIP+4) are part of the code and required.

Patterns use the polars (Rust ``regex``) syntax and are unanchored bodies: :func:`postal_regex`
anchors them. Digits are written ``[0-9]`` because ``\\d`` in Rust regex matches every Unicode
digit (``١٢٣``), which no postal operator uses. Where a country's first digits are known not to
be assigned (e.g. German codes never start with 00, Spanish ones run from 01 to 52), the
pattern says so, so that a shape-correct but impossible code fails.
"""

from __future__ import annotations

__all__ = ["POSTAL_PATTERNS", "SEPARATOR", "combined_regex", "postal_regex"]

_CA_FIRST = "[ABCEGHJ-NPRSTVXY]"  # Canada Post: never D F I O Q U W Z in first position
_CA_LETTER = "[ABCEGHJ-NPRSTV-Z]"  # ... and never D F I O Q U elsewhere
_GB_OUTWARD = (
    # Royal Mail outward codes: A9, A99, AA9, AA99, A9A, AA9A, with the letters each position
    # may hold (first never Q V X, second never I J Z, and restricted third/fourth letters).
    "[A-PR-UWYZ][0-9][0-9]?"
    "|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    "|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    "|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"
)
_GB_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"  # never C I K M O V in the inward letters
_EIRCODE = "[0-9AC-FHKNPRTV-Y]"  # the Eircode alphabet: digits and A C D E F H K N P R T V W X Y

#: Pattern body per ISO 3166-1 alpha-2 code.
POSTAL_PATTERNS: dict[str, str] = {
    "AT": "[1-9][0-9]{3}",
    "AU": "[0-9]{4}",  # Northern Territory codes start with 0 (0800 Darwin)
    "BE": "[1-9][0-9]{3}",
    "BR": "[0-9]{5}-[0-9]{3}",  # CEP
    "CA": f"{_CA_FIRST}[0-9]{_CA_LETTER} ?[0-9]{_CA_LETTER}[0-9]",
    "CH": "[1-9][0-9]{3}",
    "CZ": "[1-7][0-9]{2} ?[0-9]{2}",  # PSČ regions 1 (Prague) to 7 (North Moravia)
    "DE": "0[1-9][0-9]{3}|[1-9][0-9]{4}",
    "DK": "[0-9]{4}",  # a few special codes start with 0 (0800, 0900)
    "ES": "(?:0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}",  # first two digits: province 01 to 52
    "FI": "[0-9]{5}",
    "FR": "0[1-9][0-9]{3}|[1-8][0-9]{4}|9[0-8][0-9]{3}",  # département 01-95, overseas 97/98
    "GB": f"GIR ?0AA|(?:{_GB_OUTWARD}) ?{_GB_INWARD}",  # GIR 0AA: Girobank's non-geographic code
    "GR": "[1-8][0-9]{2} ?[0-9]{2}",
    "HU": "[1-9][0-9]{3}",
    "IE": f"(?:[AC-FHKNPRTV-Y][0-9]{{2}}|D6W) ?{_EIRCODE}{{4}}",  # Eircode: routing key + identifier
    "IN": "[1-9][0-9]{5}",  # PIN codes never start with 0
    "IT": "[0-9]{5}",  # Rome's codes start with 00
    "JP": "[0-9]{3}-[0-9]{4}",
    "LU": "[1-9][0-9]{3}",
    "MX": "[0-9]{5}",
    "NL": "[1-9][0-9]{3} ?(?:[A-RT-Z][A-Z]|S[BCE-RT-Z])",  # SA, SD and SS are never issued
    "NO": "[0-9]{4}",  # Oslo's codes start with 0
    "NZ": "[0-9]{4}",
    "PL": "[0-9]{2}-[0-9]{3}",
    "PT": "[1-9][0-9]{3}-[0-9]{3}",
    "SE": "[1-9][0-9]{2} ?[0-9]{2}",
    "SG": "[0-9]{6}",
    "SK": "[089][0-9]{2} ?[0-9]{2}",  # Slovak PSČ start with 0, 8 or 9 (Czech ones with 1-7)
    "US": "[0-9]{5}(?:-[0-9]{4})?",  # ZIP or ZIP+4
}

#: Joins country and value in the key :func:`combined_regex` matches. A control character no
#: pattern accepts, so a value containing it cannot pass as another country's code.
SEPARATOR = "\x1f"


def postal_regex(alpha2: str) -> str:
    """The anchored pattern for one country (KeyError when the table has none)."""
    return f"^(?:{POSTAL_PATTERNS[alpha2]})$"


def combined_regex() -> str:
    """One pattern for keys ``<alpha-2><SEPARATOR><value>`` covering every country, so a column
    with mixed countries is checked in a single regex pass instead of one pass per country."""
    branches = "|".join(f"{alpha2}\\x1F(?:{body})" for alpha2, body in sorted(POSTAL_PATTERNS.items()))
    return f"^(?:{branches})$"
