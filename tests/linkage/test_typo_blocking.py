"""``_typo`` blocking keys: records within one typo of each other on every key are compared."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.linkage.conftest import dates, loaded, people
from veracity.errors import LimitError
from veracity.linkage import Comparison, LinkageSettings, blocking, find_duplicates
from veracity.linkage.blocking import BlockingKey, candidate_pairs, default_blocking, resolve_key
from veracity.linkage.encoding import RecordValues
from veracity.sources.base import LoadedData


def _values(data: dict[str, list[str | None]]) -> RecordValues:
    frame = pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in data.items()})
    return RecordValues(frame, dates())


def _pairs(
    rules: list[list[BlockingKey]], data: dict[str, list[str | None]], max_pairs: int = 10_000
) -> set[tuple[int, int]]:
    found = candidate_pairs(rules, _values(data), {}, max_pairs=max_pairs)
    pairs = list(zip(found.left.tolist(), found.right.tolist(), strict=True))
    assert len(pairs) == len(set(pairs)), "a pair came twice"
    assert all(a < b for a, b in pairs)
    return set(pairs)


def _deletions(text: str) -> set[str]:
    return {text, *(text[:i] + text[i + 1 :] for i in range(len(text)))}


def _near(a: str | None, b: str | None) -> bool:
    """The reference: equal after deleting at most one character from each."""
    return a is not None and b is not None and bool(_deletions(a) & _deletions(b))


def test_the_key_name_resolves_to_its_field() -> None:
    assert resolve_key("last_name_typo", ["last_name"], None) == BlockingKey(
        "last_name_typo", "last_name", "typo"
    )


@pytest.mark.parametrize(
    ("a", "b", "paired"),
    [
        ("schmidt", "schmitt", True),  # replaced
        ("jacob", "jakob", True),
        ("smithers", "smithrs", True),  # deleted
        ("smithers", "smmithers", True),  # inserted
        ("smithers", "msithers", True),  # neighbours swapped
        ("smithers", "cmithers", True),  # first letter: soundex differs (S536, C536)
        ("19800314", "19800315", True),
        ("smithers", "smythes", False),  # two typos
        ("anna", "bob", False),
    ],
)
def test_one_typo_apart_share_the_key(a: str, b: str, paired: bool) -> None:
    rule = [[BlockingKey("name_typo", "name", "typo")]]
    assert _pairs(rule, {"name": [a, b, "zzzzzzzzzz"]}) == ({(0, 1)} if paired else set())


WORDS = st.text(alphabet="abc", min_size=0, max_size=5)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(st.none(), WORDS), st.sampled_from("xy"), WORDS), min_size=0, max_size=25)
)
def test_typo_rules_pair_exactly_the_near_records(rows: list[tuple[str | None, str, str]]) -> None:
    """A typo key combined with an exact key and a second typo key, against brute force."""
    data: dict[str, list[str | None]] = {
        "a": [row[0] or None for row in rows],
        "b": [row[1] for row in rows],
        "c": [row[2] or None for row in rows],
    }
    rule = [
        BlockingKey("a_typo", "a", "typo"),
        BlockingKey("b", "b", "value"),
        BlockingKey("c_typo", "c", "typo"),
    ]
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(rows)), 2)
        if _near(data["a"][i], data["a"][j])
        and data["b"][i] == data["b"][j]
        and _near(data["c"][i], data["c"][j])
    }
    assert _pairs([rule], data, max_pairs=1_000) == expected


def test_pairs_of_an_earlier_rule_are_not_counted_again() -> None:
    data: dict[str, list[str | None]] = {
        "name": ["anna", "anne", "anna", "otto"],
        "city": ["a", "b", "a", "a"],
    }
    rules = [
        [BlockingKey("city", "city", "value")],
        [BlockingKey("name_typo", "name", "typo")],
        [BlockingKey("name", "name", "value")],
    ]
    found = candidate_pairs(rules, _values(data), {}, max_pairs=100)
    assert [(s.pairs, s.new_pairs) for s in found.stats] == [(3, 3), (3, 2), (1, 0)]
    assert sorted(zip(found.left.tolist(), found.right.tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 2),
        (2, 3),
    ]


def test_a_typo_rule_over_the_cap_is_refused() -> None:
    data: dict[str, list[str | None]] = {"name": ["anna"] * 30 + ["anne"] * 30 + ["hanna"] * 5}
    with pytest.raises(LimitError) as error:
        _pairs([[BlockingKey("name_typo", "name", "typo")]], data, max_pairs=1_000)
    # 435 + 435 + 10 within the groups, 900 (anna, anne) + 150 (anna, hanna) across them; anne
    # and hanna are two edits apart.
    assert "blocking[0] [name_typo] would compare 1,930 pairs of records, more than max_pairs (1,000)" in str(
        error.value
    )
    assert "largest block has 30 records" in str(error.value)


def _typo_in_every_field(email: str | None) -> LoadedData:
    """Jonathan Smithers twice, with one typo in each field the second time, among 300 others."""
    crowd = people(300)
    return loaded(
        {
            "first_name": ["Jonathan", "Jonahtan", *crowd["first_name"]],
            "last_name": ["Smithers", "Cmithers", *crowd["last_name"]],
            "email": ["jon.smithers@mail.com", email, *crowd["email"]],
            "birth_date": ["1980-03-14", "1980-03-15", *crowd["birth_date"]],
            "postal_code": ["10115", "10151", *(str(10000 + 7 * i) for i in range(300))],
        }
    )


COMPARE = [
    Comparison(field="first_name", method="jaro_winkler"),
    Comparison(field="last_name", method="jaro_winkler"),
    Comparison(field="email", method="email"),
    Comparison(field="birth_date", method="date"),
    Comparison(field="postal_code", method="exact"),
]
#: What a rule could block on before _typo keys: every key has a typo in the second record
#: (Smithers S536, Cmithers C536; Jonathan J535, Jonahtan J535 but born a day later).
EXACT_RULES = [
    ["postal_code"],
    ["email"],
    ["last_name_soundex", "birth_year"],
    ["first_name_soundex", "birth_date"],
]


@pytest.mark.parametrize(
    ("email", "blocking", "found"),
    [
        ("jon.smithres@mail.com", EXACT_RULES, False),
        ("jon.smithres@mail.com", [["first_name_typo", "last_name_typo"]], True),
        ("jon.smithres@mail.com", [["last_name_typo", "birth_date_typo"]], True),
        # The default rules: the e-mail address's _typo key, and pairs of names and dates.
        ("jon.smithres@mail.com", None, True),
        (None, None, True),
    ],
)
def test_a_typo_in_every_field_is_still_compared(
    email: str | None, blocking: list[list[str]] | None, found: bool
) -> None:
    data = _typo_in_every_field(email)
    result = find_duplicates(data, LinkageSettings(compare=COMPARE, blocking=blocking), parse_date=dates())
    assert result.verdicts.to_list()[:3] == [True, not found, True]
    assert result.verdicts.to_list().count(False) == int(found)


def test_the_default_rules_are_typo_keys_of_the_compared_fields() -> None:
    compare = [
        *COMPARE,
        Comparison(field="phone", method="phone"),
        Comparison(field="street", method="token_set"),
    ]
    assert default_blocking(compare) == [
        ["email_typo"],
        ["phone_typo"],
        ["first_name_typo", "last_name_typo"],
        ["first_name_typo", "birth_date_typo"],
        ["last_name_typo", "birth_date_typo"],
    ]
    assert default_blocking([Comparison(field="street", method="token_set")]) == [["street_typo"]]


def test_default_rules_over_the_cap_say_they_are_the_defaults() -> None:
    data = loaded({"city": ["Berlin"] * 60, "name": ["Anna"] * 60})
    compare = [Comparison(field="city", method="exact"), Comparison(field="name", method="jaro_winkler")]
    with pytest.raises(LimitError) as error:
        find_duplicates(data, LinkageSettings(compare=compare, max_pairs=1_000))
    message = str(error.value)
    assert "blocking[0] [city_typo, name_typo] would compare 1,770 pairs of records" in message
    assert message.endswith(
        "the rule lists no blocking, and these are its default rules (city_typo, name_typo): "
        "list blocking rules of your own"
    )


def test_a_typo_rule_is_refused_before_its_record_pairs_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,000 three-digit codes: the 100 two-digit variants are each shared by 28 codes ("12"
    # by x12, 1x2 and 12x), 100 * 28 * 27 / 2 = 37,800 pairs in the blocks.
    def never(*_: object) -> None:
        raise AssertionError("record pairs were materialised")

    monkeypatch.setattr(blocking, "record_pairs", never)
    data: dict[str, list[str | None]] = {"code": [f"{i:03d}" for i in range(1000)]}
    with pytest.raises(LimitError) as error:
        _pairs([[BlockingKey("code_typo", "code", "typo")]], data, max_pairs=10_000)
    assert str(error.value) == (
        "duplicates: blocking[0] [code_typo] would compare more than max_pairs (10,000) pairs of "
        "records (its blocks pair 37,800 sets of records with the same values): add a more specific "
        "key to that rule or raise max_pairs"
    )


def test_typo_keys_that_would_multiply_beyond_the_cap_are_refused_before_they_are_built() -> None:
    # Three records, each with 4 variants of a and 4 of b: 48 rows, over a cap of 40, although
    # they would make only 3 pairs.
    data: dict[str, list[str | None]] = {"a": ["abc", "abd", "abe"], "b": ["xyz"] * 3}
    rule = [BlockingKey("a_typo", "a", "typo"), BlockingKey("b_typo", "b", "typo")]
    with pytest.raises(LimitError) as error:
        _pairs([rule], data, max_pairs=40)
    assert str(error.value).startswith(
        "duplicates: blocking[0] [a_typo, b_typo] would build 48 blocking keys (one per set of "
        "records with the same values and combination of their _typo variants), more than "
        "max_pairs (40): combine fewer _typo keys in that rule, add an exact key to it, or raise max_pairs"
    )
    assert _pairs([rule], data, max_pairs=48) == {(0, 1), (0, 2), (1, 2)}
