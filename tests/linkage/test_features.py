"""Every comparison method grades value pairs into its levels, best first, null when missing."""

from __future__ import annotations

import pytest

from tests.linkage.conftest import grade
from veracity.linkage.comparisons import Comparison


def test_exact_compares_normal_forms() -> None:
    spec = Comparison(field="v", method="exact")
    got = grade(
        spec, [("Müller", " MULLER"), ("O'Brien", "obrien"), ("Anna", "Anne"), ("Anna", None), ("-", "x")]
    )
    assert got == ["exact", "exact", "else", "null", "null"]


def test_jaro_winkler_levels() -> None:
    spec = Comparison(field="v", method="jaro_winkler")
    pairs = [
        ("Jonathan", "JONATHAN"),
        ("Martha", "Marhta"),
        ("Dwayne", "Duane"),
        ("Anna", "Bob"),
        (None, None),
    ]
    assert grade(spec, pairs) == ["exact", "jaro_winkler >= 0.92", "jaro_winkler >= 0.8", "else", "null"]


def test_jaro_winkler_custom_levels() -> None:
    spec = Comparison(field="v", method="jaro_winkler", levels=(0.97,))
    assert grade(spec, [("Martha", "Marhta"), ("Martha", "Martha")]) == ["else", "exact"]


def test_levenshtein_levels_are_edit_distances() -> None:
    spec = Comparison(field="v", method="levenshtein")
    pairs = [
        ("123456789", "123456789"),
        ("123456789", "123456780"),
        ("123456789", "123456700"),
        ("1234", "9876"),
    ]
    assert grade(spec, pairs) == ["exact", "1 edit or fewer", "2 edits or fewer", "else"]


def test_token_set_ignores_word_order_and_grades_abbreviations() -> None:
    spec = Comparison(field="v", method="token_set")
    pairs = [
        ("12 Main Street", "12 main street"),
        ("12 Main Street", "Main Street 12"),
        ("12 Main Street", "12 Main St."),
        ("12 Main Street", "Hauptplatz 3"),
    ]
    assert grade(spec, pairs) == ["exact", "token_set >= 0.9", "token_set >= 0.7", "else"]


def test_date_levels() -> None:
    spec = Comparison(field="v", method="date")
    pairs = [
        ("1980-01-02", "19800102"),  # the same date in two ISO shapes
        ("1980-01-02", "1980-02-01"),
        ("1980-01-02", "1980-01-03"),
        ("1980-01-02", "1980-01-25"),
        ("1980-01-02", "1991-06-15"),
        ("1980-01-02", None),
    ]
    assert grade(spec, pairs) == [
        "exact",
        "day and month swapped",
        "one typo",
        "within 30 days",
        "else",
        "null",
    ]


def test_date_uses_the_fields_format_and_days() -> None:
    spec = Comparison(field="v", method="date", days=400)
    pairs = [("02.01.1980", "01.02.1980"), ("02.01.1980", "20.05.1980"), ("02.01.1980", "02.01.1980")]
    got = grade(spec, pairs, formats={"v": "%d.%m.%Y"})
    assert got == ["day and month swapped", "within 400 days", "exact"]


def test_unparsed_dates_still_agree_as_text() -> None:
    spec = Comparison(field="v", method="date")
    assert grade(spec, [("unknown", "UNKNOWN"), ("1980-13-45", "1980-01-02")]) == ["exact", "else"]


def test_numeric_levels_are_relative_differences() -> None:
    spec = Comparison(field="v", method="numeric")
    pairs = [("100", "100.0"), ("100", "100.5"), ("100", "105"), ("100", "200"), ("abc", "100")]
    assert grade(spec, pairs) == [
        "exact",
        "within 0.01 relative difference",
        "within 0.1 relative difference",
        "else",
        "null",
    ]


def test_email_levels() -> None:
    spec = Comparison(field="v", method="email")
    pairs = [
        (" Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("jane.doe@example.com", "jane.doe@other.org"),
        ("jane.doe@example.com", "jane.deo@example.com"),
        ("jane.doe@example.com", "zz@q.org"),
    ]
    assert grade(spec, pairs) == ["exact", "same user name", "jaro_winkler >= 0.88", "else"]


def test_phone_numbers_are_compared_in_e164_with_the_records_region() -> None:
    spec = Comparison(field="v", method="phone", region_field="country")
    pairs = [
        ("030 1234567", "+49 30 1234567"),
        ("030 1234567", "0049 (30) 123-4567"),
        ("01 234567", "+43 1 234567"),
        ("030 1234567", "+49 30 1234567"),
        ("030 1234567", "030 1234568"),
        ("030 1234567", "040 9876543"),
        ("030 1234567", "n/a"),
    ]
    regions = [
        ("DE", "DE"),
        ("DE", "de"),
        ("AUT", None),
        ("AT", None),
        ("DE", "DE"),
        ("DE", "DE"),
        ("DE", "DE"),
    ]
    got = grade(spec, pairs, extra={"country": regions})
    # Read as an Austrian number, 030 1234567 is +43 30 1234567: one digit from the German one.
    assert got == [
        "exact",
        "exact",
        "exact",
        "1 digit edit or fewer",
        "1 digit edit or fewer",
        "else",
        "null",
    ]


def test_phone_default_region() -> None:
    spec = Comparison(field="v", method="phone", default_region="AT")
    assert grade(spec, [("01 234567", "+43 1 234567")]) == ["exact"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "jarowinkler"}, "unknown comparison method 'jarowinkler'; did you mean 'jaro_winkler'?"),
        ({"method": "exact", "levels": [0.9]}, "method exact has fixed levels"),
        ({"method": "jaro_winkler", "levels": [0.8, 0.9]}, "highest first"),
        ({"method": "levenshtein", "levels": [1.5]}, "edit distances, smallest first"),
        ({"method": "numeric", "levels": [-1]}, "relative differences"),
        ({"method": "email", "days": 3}, "'days' applies to method date only"),
        ({"method": "exact", "region_field": "country"}, "'region_field' applies to method phone only"),
        ({"method": "phone", "default_region": "XX"}, "unknown default_region 'XX'"),
        ({"method": "phone", "region_field": "v"}, "region_field must name another field"),
    ],
)
def test_invalid_comparisons_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("?", r"\?")):
        Comparison.model_validate({"field": "v", **params})
