"""Every kind of correction from a case table, values that must get no suggestion included, and
the invariants of :func:`veracity.corrections.suggest`."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.corrections import REGISTRY, resolve_country, suggest

#: (kind, value, arg, suggestion or None, confidence or None)
CASES: list[tuple[str, str, str, str | None, str | None]] = [
    # phone: E.164 when valid for the record's region
    # (The 0151 2345678 is one digit short for a 0151 number, libphonenumber says.)
    ("phone", "0151 23456789", "DE", "+4915123456789", "certain"),
    ("phone", "0170 1234567", "DE", "+491701234567", "certain"),
    ("phone", "(415) 555-0132", "US", "+14155550132", "certain"),
    ("phone", "+44 20 7946 0958", "", "+442079460958", "certain"),
    ("phone", "0170 1234567", "", None, None),  # a national number without a region
    ("phone", "12345", "DE", None, None),  # too short to be valid anywhere
    ("phone", "not a number", "DE", None, None),
    ("phone", "+491701234567", "DE", None, None),  # already E.164: nothing to change
    # e-mail: trimmed, normalised, listed typos only
    ("email", " anna@example.de ", "", "anna@example.de", "certain"),
    ("email", "anna@EXAMPLE.DE", "", "anna@example.de", "certain"),
    ("email", "anna@gmial.com", "", "anna@gmail.com", "likely"),
    ("email", "anna@gmail,com", "", "anna@gmail.com", "likely"),
    ("email", "anna@gmx.net", "", None, None),  # valid as it is
    ("email", "anna@@example.de", "", None, None),
    ("email", "anna@example", "", None, None),  # no top-level domain: no guess
    ("email", "anna@gmal.org", "", None, None),  # not a listed typo: no guess
    # country: names, alpha-3 codes and common variants to the rule's code
    ("country", "Germany", "alpha2", "DE", "certain"),
    ("country", "Deutschland", "alpha2", "DE", "certain"),
    ("country", "DEU", "alpha2", "DE", "certain"),
    ("country", "UK", "alpha2", "GB", "certain"),
    ("country", "U.S.", "alpha2", "US", "certain"),
    ("country", " de ", "alpha2", "DE", "certain"),
    ("country", "Allemagne", "alpha3", "DEU", "certain"),
    ("country", "España", "alpha2", "ES", "certain"),
    ("country", "Atlantis", "alpha2", None, None),
    ("country", "Frnace", "alpha2", None, None),  # a typo is no name
    ("country", "DE", "alpha2", None, None),
    # postal code: the country's canonical form
    ("postal", "D-10115", "DE", "10115", "certain"),
    ("postal", "1067", "DE", "01067", "likely"),
    ("postal", "sw1a1aa", "GB", "SW1A 1AA", "certain"),
    ("postal", "1234ab", "NL", "1234 AB", "certain"),
    ("postal", "k1a0b1", "CA", "K1A 0B1", "certain"),
    ("postal", "123456789", "US", "12345-6789", "certain"),
    ("postal", "00950", "PL", "00-950", "certain"),
    ("postal", "10115", "", None, None),  # no country: no canonical form
    ("postal", "10115", "DE", None, None),
    # date: unambiguous formats to the target format
    ("date", "31.12.2024", "", "2024-12-31", "certain"),
    ("date", "Dec 31, 2024", "", "2024-12-31", "certain"),
    ("date", "13/04/2024", "", "2024-04-13", "certain"),
    ("date", "04/13/2024", "", "2024-04-13", "certain"),
    ("date", "2024-12-31", "%d.%m.%Y", "31.12.2024", "certain"),
    ("date", "03/04/2024", "", None, None),  # 3 April or 4 March
    ("date", "31/04/2024", "", None, None),  # no such day
    ("date", "31.02.1985", "", None, None),
    ("date", "yesterday", "", None, None),
    # text
    ("trim", "  Anna  Schmidt ", "", "Anna Schmidt", "certain"),
    ("trim", "Anna", "", None, None),
    ("name_case", "ANNA-LENA", "", "Anna-Lena", "likely"),
    ("name_case", "o'brien", "", "O'Brien", "likely"),
    ("name_case", "McDonald", "", None, None),  # mixed case is left alone
    ("name_case", "12345", "", None, None),
]


@pytest.mark.parametrize(
    ("kind", "value", "arg", "expected", "confidence"), CASES, ids=[f"{c[0]}: {c[1]!r}" for c in CASES]
)
def test_correction_case(
    kind: str, value: str, arg: str, expected: str | None, confidence: str | None
) -> None:
    got = suggest(kind, pl.Series([value]), pl.Series([arg])).row(0)
    assert got == (expected, confidence)


def test_every_kind_has_cases_with_and_without_a_suggestion() -> None:
    suggested = {kind for kind, *_, expected, _ in CASES if expected is not None}
    refused = {kind for kind, *_, expected, _ in CASES if expected is None}
    assert suggested == set(REGISTRY) == refused


def test_each_distinct_pair_is_decided_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.corrections import base

    calls: list[int] = []
    original = base.REGISTRY["trim"]

    def counting(frame: pl.DataFrame) -> pl.DataFrame:
        calls.append(frame.height)
        return original.fix(frame)

    monkeypatch.setitem(
        base.REGISTRY, "trim", base.Correction("trim", original.summary, original.arg, counting)
    )
    out = suggest("trim", pl.Series([" a", " a", None, "b ", " a"]))
    assert calls == [2]
    assert out.get_column("suggestion").to_list() == ["a", "a", None, "b", "a"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=" \tAbc@.-0123456789dé", max_size=12), max_size=20),
    st.sampled_from(sorted(REGISTRY)),
)
def test_suggestions_are_aligned_and_never_the_value_itself(values: list[str], kind: str) -> None:
    arg = {"phone": "DE", "postal": "DE", "country": "alpha2"}.get(kind, "")
    out = suggest(kind, pl.Series(values, dtype=pl.String), pl.Series([arg] * len(values), dtype=pl.String))
    assert out.height == len(values)
    for value, (suggestion, confidence) in zip(values, out.rows(), strict=True):
        assert (suggestion is None) == (confidence is None)
        assert suggestion != value
        assert confidence in (None, "certain", "likely")


@pytest.mark.parametrize("kind", ["trim", "email", "postal", "date", "country"])
def test_a_suggestion_needs_no_second_correction(kind: str) -> None:
    values = ["  Anna ", " anna@EXAMPLE.de", "d-10115", "31.12.2024", "Deutschland"]
    arg = {"postal": "DE", "country": "alpha2"}.get(kind, "")
    first = suggest(kind, pl.Series(values), pl.Series([arg] * len(values))).get_column("suggestion")
    fixed = first.fill_null(pl.Series(values))
    second = suggest(kind, fixed, pl.Series([arg] * len(values))).get_column("suggestion")
    assert second.is_null().all()


def test_country_names_come_from_the_standard() -> None:
    assert resolve_country("United Kingdom of Great Britain and Northern Ireland") == "GB"
    assert resolve_country("korea, republic of") == "KR"
    assert resolve_country("") is None
