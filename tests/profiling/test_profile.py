"""Profile figures against hand-counted fixtures, in one partition and in many; the states
merge to the same profile whatever the partitions (hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veracity.engine import WholeData
from veracity.profiling import Profile, profile_partitions, profile_sources
from veracity.profiling import _state as state_module
from veracity.profiling._measure import SHAPE_CLASSES, shape_expr, shapes_of
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData, SourceSpec, load_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profile"
KUNDEN = FIXTURES / "kunden.csv"


def _comparable(profile: Profile) -> dict[str, Any]:
    data = profile.to_dict()
    data.pop("partitions")
    data.pop("generated_at")
    return data


def _profile(path: Path, size: int | None, reveal: bool = True) -> Profile:
    data = load_sources([SourceSpec(path=str(path))])
    return profile_partitions(WholeData(data, size), reveal_values=reveal)


@pytest.fixture(params=[None, 1, 2, 3], ids=["whole", "by-1", "by-2", "by-3"])
def kunden(request: pytest.FixtureRequest) -> Profile:
    return _profile(KUNDEN, request.param)


def test_records_and_exact_duplicates(kunden: Profile) -> None:
    # 7 data lines; the last two are the same record.
    assert kunden.records == 7
    assert kunden.duplicates == 1
    [source] = kunden.sources
    assert (source.records, source.duplicates, len(source.fields)) == (7, 1, 12)


# (field, role, type, filled, distinct, min length, max length, minimum, maximum)
HAND_COUNTED = [
    ("Kundennummer", "id", "string", 7, 6, 5, 5, None, None),
    ("E-Mail-Adresse", "email", "string", 6, 5, 18, 26, None, None),
    ("Postleitzahl", "postal_code", "integer", 7, 6, 4, 5, "1010", "80331"),
    ("Land", "country", "string", 7, 2, 2, 2, None, None),
    ("Geburtsdatum", "birth_date", "date", 6, 5, 10, 10, "1971-11-02", "1999-12-31"),
    ("Letzte Änderung", "last_updated", "date", 7, 6, 10, 10, "2024-01-10", "2026-10-01"),
    ("Newsletter", "opt_in", "string", 7, 2, 2, 4, None, None),
    ("Einwilligungsdatum", "consent_date", "date", 4, 3, 10, 10, "2024-05-05", "2026-10-01"),
]


@pytest.mark.parametrize(
    ("name", "role", "kind", "filled", "distinct", "low", "high", "minimum", "maximum"), HAND_COUNTED
)
def test_field_figures(
    kunden: Profile,
    name: str,
    role: str,
    kind: str,
    filled: int,
    distinct: int,
    low: int,
    high: int,
    minimum: str | None,
    maximum: str | None,
) -> None:
    field = kunden.field(name)
    assert field.role == role
    # Geburtsdatum is DD.MM.YYYY: a date by its format, text to the audit's SQL typing.
    assert field.type == kind or (name == "Geburtsdatum" and field.date_format == "%d.%m.%Y")
    assert (field.records, field.filled, field.missing) == (7, filled, 7 - filled)
    assert field.distinct == distinct
    assert field.exact
    assert (field.min_length, field.max_length) == (low, high)
    assert (field.minimum, field.maximum) == (minimum, maximum)


def test_top_values_and_shapes(kunden: Profile) -> None:
    ort = kunden.field("Ort")
    # Hamburg twice, Köln twice (the duplicate record), Berlin, München, Wien once; ties by value.
    assert [(v.value, v.count) for v in ort.top_values] == [
        ("Hamburg", 2),
        ("Köln", 2),
        ("Berlin", 1),
        ("München", 1),
        ("Wien", 1),
    ]
    assert [(s.value, s.count) for s in kunden.field("Telefon").shapes] == [
        ("9 9", 3),
        ("a", 2),
        ("+9 9 9", 1),
        ("+9 9 9 9", 1),
    ]
    assert [(s.value, s.count) for s in kunden.field("E-Mail-Adresse").shapes] == [
        ("a.a@a.a", 5),
        ("a.a@a", 1),
    ]


def test_validity_shares_are_the_audit_checks_verdicts(kunden: Profile) -> None:
    # lisa.meyer@example has no top-level domain: 5 of the 6 addresses are valid.
    email = kunden.field("E-Mail-Adresse").valid("email")
    assert (email.valid, email.evaluated) == (5, 6)
    # "unbekannt" twice; the five numbers are valid for DE and AT.
    phone = kunden.field("Telefon").valid("phone")
    assert (phone.valid, phone.evaluated) == (5, 7)
    # 2000 is no German postal code; 1010 is an Austrian one.
    postal = kunden.field("Postleitzahl").valid("postal_code")
    assert (postal.valid, postal.evaluated) == (6, 7)
    assert kunden.field("Land").valid("country").valid == 7
    assert kunden.field("Letzte Änderung").valid("iso_date").valid == 7
    assert kunden.field("Geburtsdatum").valid("iso_date").valid == 0
    newsletter = kunden.field("Newsletter")
    # ja/nein are not the audit's default yes/no spellings, but German ones.
    assert (newsletter.valid("yes_no").valid, newsletter.yes_no_any) == (0, 7)


def test_personal_values_are_masked_unless_revealed() -> None:
    masked = _profile(KUNDEN, None, reveal=False)
    email = masked.field("E-Mail-Adresse")
    assert [v.value for v in email.top_values][:2] == ["m***@e***.de", "a***@e***.de"]
    assert masked.field("Vorname").top_values[0].value == "***"
    assert masked.field("Geburtsdatum").minimum == "1***2"
    # Country codes and record dates are not personal.
    assert masked.field("Land").top_values[0].value == "DE"
    assert masked.field("Letzte Änderung").maximum == "2026-10-01"


def test_chunked_reading_gives_the_same_profile(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    lines = KUNDEN.read_text(encoding="utf-8").splitlines()
    big.write_text("\n".join([lines[0], *(lines[1:] * 300)]) + "\n", encoding="utf-8")
    whole = profile_sources([big])
    chunked = profile_sources([big], chunk_rows=1000)
    assert chunked.partitions == 3
    assert _comparable(whole) == _comparable(chunked)
    assert whole.records == 2100
    assert whole.duplicates == 2100 - 6


def test_merged_states_that_keep_only_distinct_hashes_give_the_same_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Partitions' record and value hashes are kept with repeats until they are many; past that
    # bound each merge keeps the distinct ones. The figures do not depend on when.
    monkeypatch.setattr(state_module, "VALUE_BOUND", 4)
    monkeypatch.setattr(state_module, "TOP_KEEP", 2)
    big = tmp_path / "big.csv"
    lines = KUNDEN.read_text(encoding="utf-8").splitlines()
    big.write_text("\n".join([lines[0], *(lines[1:] * 300)]) + "\n", encoding="utf-8")
    kept = _comparable(profile_sources([big], chunk_rows=100))
    monkeypatch.setattr(state_module, "COMPACT_FROM", 50)
    compacted = profile_sources([big], chunk_rows=100)
    assert _comparable(compacted) == kept
    assert (compacted.records, compacted.duplicates) == (2100, 2100 - 6)
    assert compacted.field("Kundennummer").distinct == 6


def test_several_sources_are_one_data_set() -> None:
    profile = profile_sources([KUNDEN, FIXTURES / "clients.csv"])
    assert [s.records for s in profile.sources] == [7, 5]
    assert profile.records == 12
    # A field of one source is missing in the records of the other.
    assert profile.field("Courriel").filled == 4
    assert profile.field("Courriel").records == 12


def test_beyond_the_value_bound_distinct_counts_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "VALUE_BOUND", 10)
    monkeypatch.setattr(state_module, "TOP_KEEP", 3)
    values = [f"v{i % 25}" for i in range(100)] + ["v0"] * 10
    data = _frame({"x": values})
    for size in (None, 7, 33):
        profile = profile_partitions(WholeData(data, size), reveal_values=True)
        field = profile.field("x")
        assert field.distinct == 25
        assert not field.exact
        # v0 is the most frequent in every partition that holds it: its count is exact here.
        assert field.top_values[0].value == "v0"


def _frame(columns: dict[str, list[str | None]]) -> LoadedData:
    height = len(next(iter(columns.values())))
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)).with_columns(
        pl.int_range(0, height, dtype=pl.UInt32).alias(ROW_ID),
        pl.lit(0, dtype=pl.UInt16).alias(SOURCE_COL),
        pl.int_range(2, height + 2, dtype=pl.UInt32).alias(LINE_COL),
    )
    return LoadedData(frame, load_sources([SourceSpec(path=str(KUNDEN))]).sources)


VALUES = st.sampled_from(
    [
        None,
        "a@b.de",
        "x@y",
        "DE",
        "de",
        "10115",
        "2024-01-31",
        "31.01.2024",
        "ja",
        "no",
        "+49 30 901820",
        "Zoë 5",
        "",
    ]
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(VALUES, VALUES, st.sampled_from([None, "DE", "FR", "XX"])), min_size=1, max_size=40
    ),
    size=st.integers(min_value=1, max_value=12),
)
def test_partitions_merge_to_the_whole_profile(rows: list[tuple[str | None, ...]], size: int) -> None:
    cleaned = [[None if v == "" else v for v in row] for row in rows]
    data = _frame({name: [row[i] for row in cleaned] for i, name in enumerate(["a", "b", "country"])})
    whole = profile_partitions(WholeData(data), reveal_values=True)
    parts = profile_partitions(WholeData(data, size), reveal_values=True)
    assert _comparable(whole) == _comparable(parts)
    assert whole.records == len(rows)
    for field in whole.fields:
        assert field.filled + field.missing == len(rows)
        assert sum(s.count for s in field.shapes) == field.filled


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("Invalidenstraße 117", "Aa 9"),
        ("anna.schmidt@example.de", "a.a@a.a"),
        ("+49 (30) 901-820", "+9 (9) 9-9"),
        ("SW1A 1AA", "A9A 9A"),
        ("K-0001", "A-9"),
        ("ÉLODIE", "A"),
        ("東京", "a"),
        ("x" * 50, "a"),
        ("a1" * 30, ("a9" * 30)[:39] + "…"),
    ],
)
def test_shapes(value: str, shape: str) -> None:
    assert pl.select(shape_expr(pl.lit(value))).item() == shape


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.text(max_size=60), min_size=1, max_size=20),
    order=st.permutations(list(SHAPE_CLASSES)),
)
def test_shapes_counted_class_by_class_are_the_shapes_of_the_values(
    values: list[str], order: list[str]
) -> None:
    # Whichever class goes first and however the values group after it, each value's shape is
    # shape_expr's.
    frame = pl.DataFrame({"v": values, "n": [1] * len(values)}, schema={"v": pl.String, "n": pl.Int64})
    stepwise = shapes_of(frame.lazy(), "v", "".join(order)).collect()
    direct = frame.group_by(shape_expr(pl.col("v")).alias("shape")).agg(pl.col("n").sum())
    assert dict(stepwise.iter_rows()) == dict(direct.iter_rows())


@pytest.mark.parametrize(
    ("value", "counted"),
    [
        ("verdadero", True),  # the longest spelling
        ("   VERDADERO   ", True),  # trimmed and lower-cased before it is looked up
        (" Sí ", True),
        ("\tja\t", True),
        ("verdaderos", False),  # one letter longer than any spelling
        ("maybe", False),
    ],
)
def test_yes_no_spellings_are_counted_whatever_the_padding(tmp_path: Path, value: str, counted: bool) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(f'answer\n"{value}"\n"{value}"\n', encoding="utf-8")
    assert profile_sources([path]).field("answer").yes_no_any == (2 if counted else 0)


def test_ascii_and_other_values_of_one_field_share_their_shapes(tmp_path: Path) -> None:
    path = tmp_path / "cities.csv"
    path.write_text("city\nBerlin\nMünchen\nKöln\nBonn\nKÖLN\n", encoding="utf-8")
    shapes = profile_sources([path], reveal_values=True).field("city").shapes
    assert sorted((s.value, s.count) for s in shapes) == [("A", 1), ("Aa", 4)]
