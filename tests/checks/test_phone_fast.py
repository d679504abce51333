"""The vectorised phone fast path agrees with phonenumbers on every (value, region) it decides.

``generate_phones`` builds inputs from each region's example numbers (every number type), with
digit mutations, every way people write them (E.164, international, national with and without
the national prefix, international dialling prefixes, "(0)", the region's own calling code
without a plus) and malformed shapes (wrong lengths, letters, extensions, stray plus signs,
white space, junk, non-ASCII digits), read with the number's own region, another region or
none. The test suite runs a seeded slice; ``benchmarks/differential.py`` runs a million.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

import veracity.checks.validity as validity
from tests.checks.conftest import verdicts
from veracity.checks._phone_fast import phone_verdicts

__all__ = [
    "fast_phone_verdicts",
    "generate_phones",
    "generate_random_digit_phones",
    "library_phone",
    "phone_disagreements",
]

SLICE = 50_000

#: Regions every run covers (markets, shared calling codes, national-prefix transform rules,
#: Italian leading zeros, mobile tokens); the rest of the supported regions are drawn too.
CORE_REGIONS = (
    "DE", "US", "GB", "FR", "IT", "ES", "NL", "AT", "CH", "PL", "SE", "NO", "BE", "IE", "PT",
    "BR", "AR", "MX", "JP", "CN", "IN", "AU", "RU", "KZ", "CA", "JM", "BS", "GG", "JE", "IM",
    "VA", "SM", "SJ", "AX", "FI", "CC", "CX", "MG", "GA", "KR", "ZA", "NG", "TR", "IL", "SG",
    "HK", "UA", "XK", "RE", "YT", "GF", "TT", "CO", "ID", "PH",
)  # fmt: skip
_ALL_REGIONS = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
_TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int) and t != PhoneNumberType.UNKNOWN]
_IDDS = ["00", "011", "0011", "010", "810", "001", "00 ", "000", "0", "8~10", "0010", "009"]
_NOISE = [
    " ", "-", ".", "/", "(", ")", "+", "++", "x", "ext", "#", "*", ",", ";", "a", "T", "e", "~",
    "\t", "\u00a0", "\u2013", "０", "١", "＋", "tel:", ";phone-context=+49", ";ext=1", "0", "00",
]  # fmt: skip


def _examples() -> dict[str, list[phonenumbers.PhoneNumber]]:
    examples: dict[str, list[phonenumbers.PhoneNumber]] = {}
    for region in _ALL_REGIONS:
        numbers = [phonenumbers.example_number_for_type(region, t) for t in _TYPES]
        examples[region] = [n for n in numbers if n is not None]
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        numbers = [phonenumbers.example_number_for_non_geo_entity(code)]
        examples.setdefault("001", []).extend(n for n in numbers if n is not None)
    return examples


_EXAMPLES = _examples()


def _mutate_digits(rng: random.Random, digits: str) -> str:
    kind = rng.randrange(6)
    position = rng.randrange(len(digits)) if digits else 0
    if kind == 0 and digits:  # change one digit
        return digits[:position] + rng.choice("0123456789") + digits[position + 1 :]
    if kind == 1 and len(digits) > 1:  # drop one
        return digits[:position] + digits[position + 1 :]
    if kind == 2:  # add one
        return digits[:position] + rng.choice("0123456789") + digits[position:]
    if kind == 3:  # cut short or extend
        return (
            digits[: rng.randint(1, max(1, len(digits)))]
            if rng.random() < 0.5
            else digits + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
        )
    if kind == 4:  # a leading zero (trunk prefix typed twice, Italian style)
        return "0" + digits
    return "".join(rng.choice("0123456789") for _ in digits)  # same length, random digits


def _separate(rng: random.Random, digits: str) -> str:
    """Digits in groups with one of the separators people use."""
    separator = rng.choice([" ", " ", "-", ".", "/", "", " - ", "  "])
    groups: list[str] = []
    rest = digits
    while rest:
        size = rng.randint(1, 4)
        groups.append(rest[:size])
        rest = rest[size:]
    if len(groups) > 1 and rng.random() < 0.2:
        groups[0] = f"({groups[0]})"
    return separator.join(groups)


def _render(rng: random.Random, number: phonenumbers.PhoneNumber, region: str) -> str:
    cc = str(number.country_code)
    nsn = phonenumbers.national_significant_number(number)
    if rng.random() < 0.35:
        nsn = _mutate_digits(rng, nsn)
    kind = rng.randrange(12)
    if kind == 0:
        return f"+{cc}{nsn}"
    if kind == 1:
        return f"+{cc} {_separate(rng, nsn)}"
    if kind in (2, 3):  # the library's own formats of the (possibly mutated) number
        try:
            parsed = phonenumbers.parse(f"+{cc}{nsn}", None)
        except phonenumbers.NumberParseException:
            return f"+{cc}{nsn}"
        fmt = rng.choice(
            [PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL, PhoneNumberFormat.E164]
        )
        return phonenumbers.format_number(parsed, fmt)
    if kind == 4:  # national prefix written, or not
        prefix = rng.choice(["0", "", "1", "8", "00", "06", "0 "])
        return prefix + _separate(rng, nsn)
    if kind == 5:  # international dialling prefixes
        return f"{rng.choice(_IDDS)}{rng.choice(['', ' '])}{cc} {_separate(rng, nsn)}"
    if kind == 6:  # "(0)" inside an international number
        return f"+{cc} (0){_separate(rng, nsn)}"
    if kind == 7:  # the calling code without a plus
        return f"{cc}{rng.choice(['', ' '])}{_separate(rng, nsn)}"
    if kind == 8:  # out-of-country formats from the record region
        try:
            return phonenumbers.format_out_of_country_calling_number(number, region or "US")
        except Exception:
            return f"+{cc}{nsn}"
    if kind == 9:  # RFC 3966 and vanity numbers
        return rng.choice(
            [
                f"tel:+{cc}-{nsn}",
                f"tel:{nsn};phone-context=+{cc}",
                "1-800-FLOWERS",
                f"+{cc} {nsn[:3]}-CALL-NOW",
            ]
        )
    if kind == 10 and rng.random() < 0.1:  # around the 250-character input limit
        return (
            rng.choice([" ", "-", "("]) * (rng.choice([246, 247, 248, 249, 250]) - len(cc) - len(nsn))
            + f"+{cc}{nsn}"
        )
    if kind == 10:  # random digits of any length (2 and 3: the viability limits) with prefixes
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
        return rng.choice(["", "+", "0", "00", "+1", "+49", "+44", "+0", "+00", "(", "+("]) + _separate(
            rng, digits
        )
    return _separate(rng, nsn)


def _noisy(rng: random.Random, value: str) -> str:
    kind = rng.randrange(6)
    position = rng.randint(0, len(value))
    if kind == 0:
        return value[:position] + rng.choice(_NOISE) + value[position:]
    if kind == 1 and value:
        position = min(position, len(value) - 1)
        return value[:position] + rng.choice(_NOISE) + value[position + 1 :]
    if kind == 2:
        return rng.choice([" ", "  ", "\t", "Tel: ", "(", "-", "+", "/"]) + value
    if kind == 3:
        return value + rng.choice(
            [" ", "-", ".", ")", " ext. 12", " x123", "#", " #12", ",,12", ";ext=5", " (mobile)"]
        )
    if kind == 4:
        return value.replace("+", rng.choice(["++", "＋", "+ ", " +", "00", ""]), 1)
    return (
        value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        if rng.random() < 0.5
        else "x" * rng.randint(0, 3)
    )


def generate_phones(seed: int | str, count: int) -> list[tuple[str, str]]:
    """``count`` seeded (value, region) pairs; region "" means none."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    for _ in range(count):
        home = rng.choice(CORE_REGIONS) if rng.random() < 0.75 else rng.choice([*_ALL_REGIONS, "001"])
        numbers = _EXAMPLES.get(home) or _EXAMPLES["DE"]
        number = rng.choice(numbers)
        roll = rng.random()
        region = home if roll < 0.55 else ("" if roll < 0.75 else rng.choice([*CORE_REGIONS, *_ALL_REGIONS]))
        if region == "001":
            region = ""
        value = _render(rng, number, region)
        if rng.random() < 0.12:
            value = _noisy(rng, value)
        pairs.append((value, region))
    return pairs


_CALLING_CODES = tuple(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE))


def generate_random_digit_phones(seed: int | str, count: int) -> list[tuple[str, str]]:
    """``count`` seeded pairs of "+", a calling code (every one in turn) and 1 to 17 random digits,
    sometimes spaced, read with no region, a region of that code or any region: the shape of
    exports whose numbers were made up (most are no valid number)."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    for index in range(count):
        code = _CALLING_CODES[index % len(_CALLING_CODES)]
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 17)))
        value = f"+{code}{digits}" if rng.random() < 0.7 else f"+{code} {_separate(rng, digits)}"
        roll = rng.random()
        own = [r for r in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code] if r != "001"]
        region = "" if roll < 0.3 or not own else rng.choice(own) if roll < 0.6 else rng.choice(_ALL_REGIONS)
        pairs.append((value, region))
    return pairs


def library_phone(value: str, region: str) -> bool:
    # Inputs from ~250 regions overflow re's own cache; the library's cache keeps its compiled
    # metadata patterns (same verdicts, several times faster).
    phonenumbers.enable_pattern_cache()
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, region or None)))
    except phonenumbers.NumberParseException:
        return False


def fast_phone_verdicts(pairs: list[tuple[str, str]]) -> list[bool | None]:
    values = pl.Series([value for value, _ in pairs], dtype=pl.String)
    regions = pl.Series([region for _, region in pairs], dtype=pl.String)
    verdicts: list[bool | None] = phone_verdicts(values, regions).to_list()
    return verdicts


def phone_disagreements(
    pairs: list[tuple[str, str]], library: Callable[[list[tuple[str, str]]], list[bool]] | None = None
) -> tuple[list[tuple[str, str, bool, bool]], int]:
    """(pairs the fast path decided differently from the library, number it decided)."""
    fast = fast_phone_verdicts(pairs)
    decided = [(pair, verdict) for pair, verdict in zip(pairs, fast, strict=True) if verdict is not None]
    expected = (library or (lambda ps: [library_phone(v, r) for v, r in ps]))([pair for pair, _ in decided])
    wrong = [
        (value, region, verdict, want)
        for ((value, region), verdict), want in zip(decided, expected, strict=True)
        if verdict != want
    ]
    return wrong, len(decided)


def test_fast_path_agrees_with_the_library_on_a_seeded_slice() -> None:
    pairs = generate_phones(20240630, SLICE)
    assert len({region for _, region in pairs}) >= 20
    wrong, decided = phone_disagreements(pairs)
    assert not wrong, wrong[:10]
    verdicts = [v for v in fast_phone_verdicts(pairs) if v is not None]
    assert sum(verdicts) > SLICE * 0.15
    assert len(verdicts) - sum(verdicts) > SLICE * 0.15
    assert SLICE - decided > SLICE * 0.02


def test_fast_path_agrees_with_the_library_on_random_digits_behind_every_calling_code() -> None:
    pairs = generate_random_digit_phones(20261203, 20_000)
    wrong, decided = phone_disagreements(pairs)
    assert not wrong, wrong[:10]
    # Made-up numbers are decided too (not left to the library), valid or not.
    assert decided > len(pairs) * 0.95
    verdicts = [v for v in fast_phone_verdicts(pairs) if v is not None]
    assert 0 < sum(verdicts) < len(verdicts) / 2


@pytest.mark.parametrize("region", CORE_REGIONS)
def test_example_numbers_of_every_type_are_decided(region: str) -> None:
    pairs: list[tuple[str, str]] = []
    for number in _EXAMPLES[region]:
        nsn = phonenumbers.national_significant_number(number)
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        pairs += [(f"+{number.country_code}{nsn}", ""), (international, region), (national, region)]
    fast = fast_phone_verdicts(pairs)
    assert fast == [library_phone(value, r) for value, r in pairs]


@pytest.mark.parametrize(
    ("value", "region", "verdict"),
    [
        ("+49 30 1234567", "", True),
        ("030 1234567", "DE", True),
        ("030 1234567", "", False),  # national without a region
        ("0049 30 1234567", "DE", True),  # international prefix
        ("00049 30 1234567", "DE", False),  # a 0 after the prefix: not stripped
        ("49 30 1234567", "DE", True),  # own calling code without a plus
        ("+49 (0)30 1234567", "", True),  # national prefix after the code
        ("+0151 1234567", "DE", False),  # unknown code after a plus: the retry finds none either
        ("+0049 30 1234567", "DE", True),  # ... or finds one after the region's "00"
        ("+0049 30 1234567", "", False),
        ("(650) 253-0000", "US", True),
        ("1 650 253 0000", "US", True),
        ("+1 268 464 1234", "", True),  # NANPA: Antigua, by leading digits
        ("+44 1481 256789", "", True),  # +44 shared by GB, GG, IM, JE
        ("06 12 34 56 78", "FR", True),
        ("02 1234 5678", "IT", True),  # Italian leading zero is part of the number
        ("011 15-2345-6789", "AR", True),  # Argentina's national mobile form (transform rule)
        ("090-1234-5678", "JP", True),
        ("(11) 96123-4567", "BR", True),
        ("112", "DE", False),
        ("n/a", "DE", False),
        ("-", "", False),
        ("+49 30 1234567 ext. 12", "", None),  # extensions: the library's business
        ("1-800-FLOWERS", "US", None),  # vanity letters
        ("+49 30 ١٢٣٤٥٦٧", "", None),  # non-ASCII digits
        ("030 1234567", "ZZ", None),  # a region code phonenumbers does not know
    ],
)
def test_boundary_verdicts(value: str, region: str, verdict: bool | None) -> None:
    assert fast_phone_verdicts([(value, region)]) == [verdict]
    if verdict is not None:
        assert library_phone(value, region) is verdict


def test_empty_input() -> None:
    assert fast_phone_verdicts([]) == []


@pytest.fixture
def library_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """The (value, region) of every phonenumbers.parse call the phone check makes."""
    seen: list[tuple[str, str | None]] = []
    real = phonenumbers.parse

    def counting(value: str, region: str | None = None) -> Any:
        seen.append((value, region))
        return real(value, region)

    monkeypatch.setattr(phonenumbers, "parse", counting)
    return seen


def test_library_runs_once_per_distinct_pair_the_fast_path_leaves(
    library_calls: list[tuple[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)  # the fast path even for these few
    phones = ["030 1234567", "030 1234567", "+49 30 1234567 ext. 5", "1-800-FLOWERS", "+49 30 1234567"]
    countries = ["de", "DEU", " DE ", "US", "ZZ"]
    got = verdicts("phone", {"field": "p", "region_field": "c"}, {"p": phones * 100, "c": countries * 100})
    # "de", "DEU" and " DE " are one region; ordinary numbers never reach the library.
    assert sorted(library_calls, key=str) == [("+49 30 1234567 ext. 5", "DE"), ("1-800-FLOWERS", "US")]
    assert got[:5] == ["pass", "pass", "pass", "pass", "pass"]


def test_few_pairs_go_to_the_library_alone(
    library_calls: list[tuple[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below _PHONE_FAST_FROM distinct pairs the library judges each distinct (number,
    region) pair once, and the verdicts are those of the fast path."""
    phones = ["030 1234567", "030 1234567", "+49 30 1234567 ext. 5", "1-800-FLOWERS", "+49 30 1234567", "12"]
    countries = ["de", "DEU", " DE ", "US", "ZZ", "FR"]
    data = {"p": phones * 100, "c": countries * 100}
    rule = {"field": "p", "region_field": "c"}
    alone = verdicts("phone", rule, data)
    # One call per distinct (number, region) pair: "de", "DEU" and " DE " are one region.
    assert sorted(library_calls, key=str) == sorted(
        [
            ("030 1234567", "DE"),
            ("+49 30 1234567 ext. 5", "DE"),
            ("1-800-FLOWERS", "US"),
            ("+49 30 1234567", None),
            ("12", "FR"),
        ],
        key=str,
    )
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)
    assert verdicts("phone", rule, data) == alone
    assert alone[:6] == ["pass", "pass", "pass", "pass", "pass", "fail"]


@pytest.mark.parametrize("per_record", [True, False], ids=["per-record", "distinct"])
def test_records_judged_one_by_one_or_by_distinct_pair_agree(
    per_record: bool, library_calls: list[tuple[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field of mostly distinct numbers is judged record by record, one of few distinct
    numbers by distinct pair: both give every record the library's verdict, skip records
    without a number, and call the library once per distinct pair the fast path leaves."""
    pairs = generate_phones("per-record", 3_000)
    phones: list[str | None] = [value for value, _ in pairs]
    countries: list[str | None] = [region or None for _, region in pairs]
    # Repeats (also of pairs the library must judge), missing numbers and missing countries.
    phones += phones[:500] + [None] * 50
    countries += [None] * 250 + countries[250:500] + ["DE"] * 50
    monkeypatch.setattr(validity, "_PHONE_FAST_FROM", 0)
    monkeypatch.setattr(validity, "_mostly_distinct", lambda column: per_record)
    library_calls.clear()  # generating the numbers asked the library too
    got = verdicts("phone", {"field": "p", "region_field": "c"}, {"p": phones, "c": countries})
    asked = [(value, region or "") for value, region in library_calls]
    # The region each record is read with, as the check reads it (alpha-2 or "").
    regions = (
        pl.DataFrame({"c": countries}, schema={"c": pl.String})
        .select(validity.lookup_expr(pl.col("c"), validity.PHONE_REGIONS, ""))
        .to_series()
        .to_list()
    )
    # Blank values are missing values to the loaders: not evaluated.
    expected = [
        "skip" if p is None or not p.strip() else ("pass" if library_phone(p, r) else "fail")
        for p, r in zip(phones, regions, strict=True)
    ]
    assert got == expected
    assert len(asked) == len(set(asked))  # once per distinct pair
    distinct = {(p, r) for p, r in zip(phones, regions, strict=True) if p is not None and p.strip()}
    assert 0 < len(asked) < len(distinct) / 4  # the fast path decides most (of these hard inputs)
