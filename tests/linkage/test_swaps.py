"""First and last names written the wrong way round: a comparison that looks across two fields."""

from __future__ import annotations

import pytest

from tests.linkage.conftest import dates, grade, loaded, people
from veracity.errors import FieldError
from veracity.linkage import Comparison, LinkageSettings, find_duplicates

SWAP = "swapped with last_name"


@pytest.mark.parametrize(
    ("method", "a", "b", "expected"),
    [
        ("jaro_winkler", ("Thomas", "Jacob"), ("Jacob", "Thomas"), SWAP),
        ("jaro_winkler", ("Thomas", "Jacob"), ("Jacob", "Tomas"), SWAP),
        # Jacob and Jakob are 0.89 alike, below the first level (0.92).
        ("jaro_winkler", ("Thomas", "Jacob"), ("Jakob", "Thomas"), "else"),
        ("jaro_winkler", ("Thomas", "Jacob"), ("Thomas", "Jacob"), "exact"),
        ("jaro_winkler", ("Thomas", "Thomas"), ("Thomsen", "Thomas"), "jaro_winkler >= 0.8"),
        ("jaro_winkler", ("Thomas", "Jacob"), ("Jacob", "Miller"), "else"),
        ("jaro_winkler", ("Thomas", None), ("Jacob", "Thomas"), "else"),
        ("jaro_winkler", (None, "Jacob"), ("Jacob", "Thomas"), "null"),
        ("exact", ("Thomas", "Jacob"), ("JACOB", "thomas"), SWAP),
        ("exact", ("Thomas", "Jacob"), ("Jakob", "Thomas"), "else"),
        ("levenshtein", ("Thomas", "Jacob"), ("Jakob", "Thomas"), SWAP),
        ("token_set", ("Anna Maria", "Weber"), ("Weber", "Maria Anna"), SWAP),
    ],
)
def test_names_that_agree_crosswise_get_the_swap_level(
    method: str, a: tuple[str | None, str | None], b: tuple[str | None, str | None], expected: str
) -> None:
    """Records a and b as (first_name, last_name); the level of first_name."""
    spec = Comparison(field="first_name", method=method, swapped_with="last_name")
    assert grade(spec, [(a[0], b[0])], extra={"last_name": [(a[1], b[1])]}) == [expected]


def _swapped_pair(swapped_with: str | None) -> list[bool | None]:
    crowd = people(60)
    data = loaded(
        {
            "first_name": ["Thomas", "Jacob", *crowd["first_name"]],
            "last_name": ["Jacob", "Thomas", *crowd["last_name"]],
            "email": ["t.jacob@mail.com", "T.Jacob@mail.com", *crowd["email"]],
            "birth_date": [None, None, *crowd["birth_date"]],
        }
    )
    compare = [
        Comparison(field="first_name", method="jaro_winkler", swapped_with=swapped_with),
        Comparison(field="last_name", method="jaro_winkler"),
        Comparison(field="email", method="email"),
        Comparison(field="birth_date", method="date"),
    ]
    found = find_duplicates(
        data,
        LinkageSettings(compare=compare, blocking=[["email"], ["last_name_soundex"]]),
        parse_date=dates(),
    )
    if swapped_with is not None:
        [message] = [m for m in found.messages.to_list() if m is not None]
        assert message.endswith("; agreeing: first_name, last_name, email)")
        [pair] = found.result.pairs.to_dicts()
        # The straight disagreement of the last names is not counted against the pair.
        assert (pair["first_name"], pair["last_name"]) == (SWAP, "swapped with first_name")
    return found.verdicts.to_list()[:3]


def test_swapped_first_and_last_names_with_the_same_email_are_one_person() -> None:
    assert _swapped_pair("last_name") == [True, False, True]


def test_without_the_crosswise_comparison_the_swap_is_missed() -> None:
    # What the issue reported: both name comparisons disagree, and the shared e-mail alone
    # does not make up for it.
    assert _swapped_pair(None) == [True, True, True]


def test_swapped_with_names_a_field_of_the_data() -> None:
    settings = LinkageSettings(
        compare=[Comparison(field="first_name", method="jaro_winkler", swapped_with="lastname")],
        blocking=[["first_name"]],
    )
    with pytest.raises(
        FieldError,
        match=r"compare\[0\]\.swapped_with: field 'lastname' is in no source; did you mean 'last_name'\?",
    ):
        find_duplicates(loaded({"first_name": ["a"], "last_name": ["b"]}), settings)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"field": "born", "method": "date", "swapped_with": "x"},
            "'swapped_with' applies to methods exact, jaro_winkler",
        ),
        (
            {"field": "first_name", "method": "exact", "swapped_with": "first_name"},
            "swapped_with must name another field",
        ),
    ],
)
def test_swapped_with_is_for_text_and_another_field(item: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Comparison.model_validate(item)
