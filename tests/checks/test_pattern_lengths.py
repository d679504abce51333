"""The lengths a metadata-style pattern matches, and the phone plans that rely on them.

``pattern_lengths`` must name the lengths of the strings a pattern matches whole (within the
bound; with ``$`` it may name more, never fewer): hypothesis draws patterns of the metadata's syntax over the digits 0 and 1 and
compares with every string up to the bound, matched by Python's ``re``. The phone plans drop a
type's length list only where the lengths say it is implied: their regex over the number itself
must then accept exactly what the "<length>:<number>" regex accepts.
"""

from __future__ import annotations

import itertools
import random
import re

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.checks._pattern_lengths import pattern_lengths
from veracity.checks._phone_plans import MAX_NSN, MIN_NSN, code_table, plan_for

_BOUND = 6
_STRINGS = ["".join(chars) for n in range(_BOUND + 1) for chars in itertools.product("01", repeat=n)]

_atoms = st.sampled_from(["0", "1", "[01]", "\\d", "[0-1]"])


def _quantified(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    quantifiers = st.sampled_from(["", "?", "*", "+", "{2}", "{0,2}", "{1,}", "{3,4}", "+?", "{2}?"])
    return st.tuples(inner, quantifiers).map(lambda pair: pair[0] + pair[1])


_patterns = st.recursive(
    _quantified(_atoms),
    lambda inner: st.one_of(
        st.lists(st.one_of(inner, st.just("$")), min_size=1, max_size=4).map("".join),
        st.lists(inner, min_size=2, max_size=3).map("|".join),
        _quantified(st.tuples(st.sampled_from(["(", "(?:"]), inner).map(lambda pair: f"{pair[0]}{pair[1]})")),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(_patterns)
def test_lengths_are_those_of_the_strings_matched(pattern: str) -> None:
    compiled = re.compile(pattern)
    expected = {len(text) for text in _STRINGS if compiled.fullmatch(text)}
    lengths = pattern_lengths(pattern, _BOUND)
    assert lengths is not None
    if "$" in pattern:
        # A "$" followed by more text matches nothing: lengths may be too many, never too few.
        assert lengths >= expected
    else:
        # Over the digits 0 and 1 every length a pattern can match has a matching string.
        assert lengths == expected


@pytest.mark.parametrize("pattern", ["[^0]", "a", "\\w", "(?=1)1", "(1", "1)", "[12", "1{2", "1{,2}", "\\1"])
def test_unknown_syntax_says_nothing(pattern: str) -> None:
    assert pattern_lengths(pattern, _BOUND) is None


@pytest.mark.parametrize(
    ("pattern", "lengths"),
    [
        ("[1-9]\\d{6,7}", {7, 8}),
        ("(?:1[0-2]|3)\\d{4}(?:\\d{2})?", {5, 6, 7, 8}),
        ("\\d{20}", set()),
        ("\\d+", set(range(1, 18))),
        ("(?:\\d?){30}", set(range(18))),
    ],
)
def test_lengths_of_metadata_like_patterns(pattern: str, lengths: set[int]) -> None:
    assert pattern_lengths(pattern, MAX_NSN) == lengths


def _plans() -> list[str]:
    keys = sorted(phonenumbers.SUPPORTED_REGIONS)
    return keys + [f"001:{code}" for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]


def test_types_over_the_number_accept_what_the_keyed_types_accept() -> None:
    rng = random.Random(16)
    compared = 0
    for key in _plans():
        plan = plan_for(key)
        if plan is None or plan.typed is None or plan.typed_nsn is None:
            continue
        # Random digits of every length judged, and the region's example numbers (valid ones).
        numbers = [
            "".join(rng.choice("0123456789") for _ in range(length))
            for length in range(MIN_NSN, MAX_NSN + 1)
            for _ in range(40)
        ]
        region = key.split(":")[0]
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind) if region != "001" else None
            if example is not None:
                nsn = phonenumbers.national_significant_number(example)
                numbers += [nsn, nsn[:-1], nsn + "0"]
        frame = pl.DataFrame({"nsn": numbers})
        nsn = pl.col("nsn")
        key_text = pl.concat_str([nsn.str.len_chars().cast(pl.String).str.zfill(2), pl.lit(":"), nsn])
        judged = frame.select(keyed=key_text.str.contains(plan.typed), plain=nsn.str.contains(plan.typed_nsn))
        assert judged.get_column("keyed").to_list() == judged.get_column("plain").to_list(), key
        compared += 1
    assert compared > 200  # the shortcut is in use for nearly every region


def test_calling_code_table_is_the_library_extraction() -> None:
    from phonenumbers.phonenumberutil import _extract_country_code

    table = code_table()
    assert len(table) == 1 + 10 + 100 + 1000
    for start, code in table.items():
        # A number of up to three digits, and one that goes on after its first three.
        for number in (start, start + "5550123") if len(start) == 3 else (start,):
            found, _ = _extract_country_code(number)
            assert (str(found) if found else "") == code, number
