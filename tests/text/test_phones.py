"""A country in a rule file's default_region is read the same by the phone check and duplicates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from veracity.checks.validity import PhoneParams
from veracity.linkage import Comparison
from veracity.text.phones import PHONE_REGIONS, default_region

#: Spelling -> the phonenumbers region, or None when it is refused.
SPELLINGS = [
    ("DE", "DE"),
    ("de", "DE"),
    ("DEU", "DE"),
    ("gbr", "GB"),
    (" us\t", "US"),
    ("XK", "XK"),  # a phonenumbers region, though no ISO 3166-1 code
    ("QQ", None),
    ("Germany", None),
    ("ſe", None),  # upper-cases to SE in Unicode, but is no country code
]


def _read(build: Callable[[str], Any], spelling: str) -> str:
    """The region a model keeps, or its error message."""
    try:
        return str(build(spelling).default_region)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])


@pytest.mark.parametrize(("spelling", "region"), SPELLINGS)
def test_phone_check_and_duplicates_read_a_region_alike(spelling: str, region: str | None) -> None:
    check = _read(lambda value: PhoneParams(field="phone", default_region=value), spelling)
    comparison = _read(
        lambda value: Comparison(field="phone", method="phone", default_region=value), spelling
    )
    assert check == comparison
    if region is None:
        assert check.startswith(f"Value error, unknown default_region {spelling!r}: use a country code")
    else:
        assert check == region


@pytest.mark.parametrize(("spelling", "region"), [(s, r) for s, r in SPELLINGS if r is not None])
def test_records_spell_regions_as_rule_files_do(spelling: str, region: str) -> None:
    assert PHONE_REGIONS.get(spelling.strip()) == region
    assert default_region(spelling) == region


def test_an_unknown_region_names_what_to_write() -> None:
    with pytest.raises(
        ValueError, match=r"^unknown default_region 'QQ': use a country code phonenumbers supports"
    ):
        default_region("QQ")
