"""Phone regions: how a country written in a record or a rule file maps to a phonenumbers region.

The ``phone`` check and the ``phone`` comparison of duplicate detection read a record's country
the same way (alpha-2 or alpha-3, any ASCII case, surrounding blanks ignored), so both take it
from here and always agree on which records have a usable region.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Final

from veracity.text.countries import COUNTRIES, TRIM_CHARS, case_variants

__all__ = ["PHONE_REGIONS", "default_region"]


@cache
def _phone_regions() -> dict[str, str]:
    import phonenumbers  # imported by the runs that read a phone number or a region

    supported: set[str] = set(phonenumbers.SUPPORTED_REGIONS)
    regions = {variant: region for region in supported for variant in case_variants(region)}
    for alpha2, alpha3, _ in COUNTRIES:
        if alpha2 in supported:
            regions.update(dict.fromkeys(case_variants(alpha3), alpha2))
    return regions


class _Regions(Mapping[str, str]):
    """The table, worked out on first use: about 2,000 spellings of 240 regions, which took
    a sizeable share of the start-up of every audit, phone rule or not."""

    def __getitem__(self, spelling: str) -> str:
        return _phone_regions()[spelling]

    def __iter__(self) -> Iterator[str]:
        return iter(_phone_regions())

    def __len__(self) -> int:
        return len(_phone_regions())


#: Spelling of a country in a record (alpha-2 or alpha-3, any case) -> phonenumbers region.
PHONE_REGIONS: Final[Mapping[str, str]] = _Regions()


def default_region(value: str) -> str:
    """The phonenumbers region a rule file's ``default_region`` names.

    Raises ValueError (read by pydantic as the parameter's error) when phonenumbers knows no
    such region.
    """
    region = PHONE_REGIONS.get(value.strip(TRIM_CHARS))
    if region is None:
        raise ValueError(
            f"unknown default_region {value!r}: use a country code phonenumbers supports, "
            "e.g. 'DE', 'US' or 'GBR'"
        )
    return region
