"""Blocking: key names, candidate pairs, and the pair cap."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.linkage.conftest import dates
from veracity.errors import LimitError
from veracity.linkage import blocking
from veracity.linkage.blocking import BlockingKey, _expand, candidate_pairs, resolve_key
from veracity.linkage.encoding import RecordValues


@pytest.mark.parametrize(
    ("name", "compared", "available", "expected"),
    [
        ("email", ["email"], None, BlockingKey("email", "email", "value")),
        ("last_name_soundex", ["last_name"], None, BlockingKey("last_name_soundex", "last_name", "soundex")),
        ("birth_year", ["birth_date"], None, BlockingKey("birth_year", "birth_date", "year")),
        ("dob_year", ["dob"], None, BlockingKey("dob_year", "dob", "year")),
        ("city_initial", [], ["city"], BlockingKey("city_initial", "city", "initial")),
        ("name_norm", [], ["name"], BlockingKey("name_norm", "name", "norm")),
        # Without the data, only the rule can tell; a derived-looking name is then unresolved.
        ("zip_initial", [], None, None),
        ("postal_code", [], None, BlockingKey("postal_code", "postal_code", "value")),
        # A field of exactly that name wins over a derivation.
        ("birth_year", [], ["birth_year", "birth_date"], BlockingKey("birth_year", "birth_year", "value")),
        ("birth_year", [], ["birth_date"], BlockingKey("birth_year", "birth_date", "year")),
        ("nowhere_soundex", [], ["name"], None),
        ("nowhere", [], ["name"], None),
    ],
)
def test_key_names_resolve_to_fields(
    name: str, compared: list[str], available: list[str] | None, expected: BlockingKey | None
) -> None:
    assert resolve_key(name, compared, available) == expected


def _values(data: dict[str, list[str | None]]) -> RecordValues:
    frame = pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in data.items()})
    return RecordValues(frame, dates())


def _pairs(found: blocking.CandidatePairs) -> set[tuple[int, int]]:
    return set(zip(found.left.tolist(), found.right.tolist(), strict=True))


def test_candidates_share_all_keys_of_a_rule_and_each_pair_comes_once() -> None:
    values = _values(
        {
            "last": ["Smith", "Smyth", "Jones", "SMITH", "Brown"],
            "born": ["1980-01-02", "1980-05-05", "1980-01-02", "1979-01-02", "1980-01-02"],
            "email": ["a@x", "A@X ", "c@x", "d@x", None],
        }
    )
    rules = [
        [BlockingKey("last_soundex", "last", "soundex"), BlockingKey("born_year", "born", "year")],
        [BlockingKey("email", "email", "value")],
        [BlockingKey("born", "born", "value")],
    ]
    found = candidate_pairs(rules, values, {}, max_pairs=100)
    # Smith/Smyth (S530, 1980) and by e-mail the same pair again; same birth date: 0, 2, 4.
    assert _pairs(found) == {(0, 1), (0, 2), (0, 4), (2, 4)}
    assert [(s.pairs, s.new_pairs) for s in found.stats] == [(1, 1), (1, 0), (3, 3)]


def test_records_missing_a_key_join_no_block_of_that_rule() -> None:
    values = _values({"a": ["x", None, "x", None], "b": ["1", "1", None, None]})
    rules = [
        [BlockingKey("a", "a", "value"), BlockingKey("b", "b", "value")],
        [BlockingKey("b", "b", "value")],
    ]
    assert _pairs(candidate_pairs(rules, values, {}, max_pairs=100)) == {(0, 1)}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=0, max_size=12))
def test_pairs_within_blocks_are_all_pairs_once(sizes: list[int]) -> None:
    members = np.random.default_rng(len(sizes)).permutation(sum(sizes)).astype(np.int64)
    blocks = np.split(members, np.cumsum(sizes)[:-1]) if sizes else []
    # Within a block members are ascending (as _blocks returns them).
    ordered = np.concatenate([np.sort(b) for b in blocks]) if blocks else members
    left, right = _expand(ordered, np.asarray(sizes, dtype=np.int64))
    expected = {pair for b in blocks for pair in itertools.combinations(sorted(b.tolist()), 2)}
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == expected
    assert left.size == len(expected)


def test_a_rule_over_the_cap_is_refused_before_its_pairs_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object) -> None:
        raise AssertionError("pairs were materialised")

    monkeypatch.setattr(blocking, "_expand", never)
    values = _values({"country": ["DE"] * 3000 + ["AT"] * 10, "zip": [str(i) for i in range(3010)]})
    rules = [[BlockingKey("country", "country", "value")], [BlockingKey("zip", "zip", "value")]]
    with pytest.raises(LimitError) as error:
        candidate_pairs(rules, values, {}, max_pairs=1_000_000)
    message = str(error.value)
    assert "\n" not in message
    assert "duplicates: blocking[0] [country] would compare 4,498,545 pairs of records" in message
    assert "more than max_pairs (1,000,000)" in message
    assert "largest block has 3,000 records" in message
    assert "add a more specific key" in message


def test_rules_together_over_the_cap_are_refused() -> None:
    # Each rule makes 380 pairs; they share 180, so together they make 580.
    values = _values({"half": [str(i // 20) for i in range(40)], "parity": [str(i % 2) for i in range(40)]})
    rules = [[BlockingKey("parity", "parity", "value")], [BlockingKey("half", "half", "value")]]
    with pytest.raises(LimitError, match="the blocking rules together would compare more than max_pairs"):
        candidate_pairs(rules, values, {}, max_pairs=500)
