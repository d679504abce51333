"""The whole linkage path: clusters, their explanations, verdicts, and what does not matter."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.linkage.conftest import dates, loaded, people
from veracity import load_data
from veracity.config import rule_set_from_objects
from veracity.errors import FieldError
from veracity.linkage import Comparison, LinkageSettings, find_duplicates
from veracity.sources.base import LoadedData

PEOPLE = {
    "id": ["p1", "p2", "p3", "p4", "p5", "p1b", "p6", "p4b", "p7", "p8", "p1c"],
    "first_name": [
        "Anna",
        "Bernd",
        "Carla",
        "Dieter",
        "Emma",
        "Ana",
        "Felix",
        "Dieter",
        "Greta",
        "Hans",
        "Anna",
    ],
    "last_name": [
        "Schmidt",
        "Becker",
        "Fischer",
        "Wagner",
        "Hoffmann",
        "Schmidt",
        "Koch",
        "Wagner",
        "Richter",
        "Klein",
        "Schmitt",
    ],
    "birth_date": [
        "1980-01-02",
        "1975-03-04",
        "1990-05-06",
        "1962-07-08",
        "1985-09-10",
        "1980-01-02",
        "1971-11-12",
        "1962-08-07",
        "1999-02-03",
        "1955-04-05",
        "1980-01-02",
    ],
    "email": [
        "anna.schmidt@gmx.de",
        "b.becker@web.de",
        "carla@fischer.de",
        "dw@wagner.net",
        "emma.h@gmail.com",
        " ANNA.SCHMIDT@GMX.DE",
        "felix.koch@t-online.de",
        None,
        "greta@richter.org",
        "hans.klein@aol.com",
        None,
    ],
}
COMPARE = [
    Comparison(field="first_name", method="jaro_winkler"),
    Comparison(field="last_name", method="jaro_winkler"),
    Comparison(field="birth_date", method="date"),
    Comparison(field="email", method="email"),
]
SETTINGS = LinkageSettings(compare=COMPARE, blocking=[["last_name_soundex"], ["email"], ["birth_date"]])


def _clusters(data: LoadedData, found_records: pl.DataFrame) -> set[frozenset[str]]:
    """Clusters as sets of record identities (the ``id`` column), independent of row numbers."""
    ids = data.frame.get_column("id")
    named = found_records.with_columns(ids.gather(found_records.get_column("row")).alias("id"))
    return {frozenset(group) for group in named.group_by("cluster_id").agg("id").get_column("id").to_list()}


def test_duplicates_among_many_are_found_exactly() -> None:
    data = loaded(_with_duplicates(500, 40))
    compare = [*COMPARE, Comparison(field="phone", method="phone", default_region="DE")]
    found = find_duplicates(
        data,
        LinkageSettings(compare=compare, blocking=[["last_name_soundex"], ["email"]]),
        parse_date=dates(),
    )
    assert _clusters(data, found.result.records) == {frozenset({f"p{i}"}) for i in range(40)}


def test_clusters_verdicts_and_messages() -> None:
    data = loaded(PEOPLE)
    found = find_duplicates(data, SETTINGS, parse_date=dates())
    assert _clusters(data, found.result.records) == {
        frozenset({"p1", "p1b", "p1c"}),
        frozenset({"p4", "p4b"}),
    }
    verdicts = found.verdicts.to_list()
    assert [i for i, v in enumerate(verdicts) if v is False] == [5, 7, 10]
    assert all(v is not None for v in verdicts)
    # Every clustered record has its cluster id, the first one too; ids follow the first records.
    assert found.cluster_ids.to_list() == [1, None, None, 2, None, 1, None, 2, None, None, 1]
    messages = found.messages.to_list()
    assert messages[0] is None
    assert messages[5] is not None
    assert messages[5].startswith("likely duplicate of <dataframe 0>:1 (p=0.9")
    assert messages[5].endswith("; agreeing: first_name, last_name, birth_date, email)")
    assert messages[7] is not None
    assert messages[7].startswith("likely duplicate of <dataframe 0>:4 (p=")
    assert "agreeing: first_name, last_name, birth_date)" in messages[7]


def test_each_cluster_lists_its_records_pairs_and_agreeing_fields() -> None:
    found = find_duplicates(loaded(PEOPLE), SETTINGS, parse_date=dates())
    records = found.result.records
    assert records.columns == [
        "row",
        "cluster_id",
        "source",
        "line",
        "first",
        "match_probability",
        "agreeing_fields",
        "matched_row",
    ]
    first = records.filter(pl.col("cluster_id") == 1)
    assert first.get_column("line").to_list() == [1, 6, 11]
    assert first.get_column("first").to_list() == [True, False, False]
    assert (first.get_column("match_probability") >= 0.9).all()
    pairs = found.result.pairs
    assert {"cluster_id", "row_a", "row_b", "source_a", "line_a", "source_b", "line_b"} <= set(pairs.columns)
    # Per pair, the level of every compared field: why the two records were matched.
    swapped = pairs.filter(pl.col("cluster_id") == 2).row(0, named=True)
    assert (swapped["birth_date"], swapped["email"], swapped["first_name"]) == (
        "day and month swapped",
        "null",
        "exact",
    )
    assert (pairs.get_column("row_a") < pairs.get_column("row_b")).all()


def test_clusters_frame_and_details_for_the_reports() -> None:
    found = find_duplicates(loaded(PEOPLE), SETTINGS, parse_date=dates())
    frame = found.result.clusters_frame("id")
    assert frame.columns == [
        "cluster_id",
        "source",
        "line",
        "record_key",
        "match_probability",
        "agreeing_fields",
    ]
    assert frame.filter(pl.col("cluster_id") == 2).get_column("record_key").to_list() == ["p4", "p4b"]
    assert frame.get_column("agreeing_fields").dtype == pl.String
    summary = found.result.to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["clusters"] == 2
    assert summary["records_in_clusters"] == 5
    assert summary["records_evaluated"] == 11
    assert summary["candidate_pairs"] == sum(rule["new_pairs"] for rule in summary["blocking"])
    assert [rule["keys"] for rule in summary["blocking"]] == [
        ["last_name_soundex"],
        ["email"],
        ["birth_date"],
    ]
    model = summary["model"]
    assert 0 < model["prior"] < 1
    assert model["u_estimation"] == "random_pairs"
    # 11 records: every pair of values is counted, no sampling.
    assert model["random_pairs"] == 0
    assert {comparison["u_from"] for comparison in model["comparisons"]} == {"all pairs"}
    levels = model["comparisons"][0]["levels"]
    assert [level["level"] for level in levels] == [
        "exact",
        "jaro_winkler >= 0.92",
        "jaro_winkler >= 0.8",
        "else",
    ]
    assert all(set(level) == {"level", "m", "u", "weight"} for level in levels)


def test_a_chain_of_matches_is_one_cluster() -> None:
    # b matches a by name and phone, c matches b by e-mail and phone; a and c share only a
    # name sound, so they are never compared, and are still one customer.
    crowd = people(40)
    data = loaded(
        {
            "id": ["a", "b", "c", *(f"x{i}" for i in range(40))],
            "name": ["Jonathan Smithers", "Jonathan Smithers", "Jonny Smithers", *crowd["first_name"]],
            "email": ["js@x.com", "jon@y.com", "jon@y.com", *crowd["email"]],
            "phone": ["030 1111111", "030 1111111", "030 1111111", *crowd["phone"]],
            "born": ["1980-01-01", None, "1981-02-02", *crowd["birth_date"]],
        }
    )
    found = find_duplicates(
        data,
        LinkageSettings(
            compare=[
                Comparison(field="name", method="jaro_winkler"),
                Comparison(field="email", method="email"),
                Comparison(field="phone", method="phone", default_region="DE"),
                Comparison(field="born", method="date"),
            ],
            blocking=[["name"], ["email"]],
        ),
        parse_date=dates(),
    )
    assert _clusters(data, found.result.records) == {frozenset({"a", "b", "c"})}
    assert found.result.pairs.height == 2


def test_records_missing_every_compared_field_or_out_of_scope_are_not_judged() -> None:
    crowd = people(30)
    data = loaded(
        {
            "name": ["Anna Kale", None, "Anna Kale", "Bob Ruso", *crowd["first_name"]],
            "email": ["ak@x.de", None, "AK@x.de", "ak@x.de", *crowd["email"]],
        }
    )
    scope = pl.Series([True, True, True, False, *([True] * 30)])
    compare = [Comparison(field="name", method="jaro_winkler"), Comparison(field="email", method="email")]
    found = find_duplicates(data, LinkageSettings(compare=compare, blocking=[["email"]]), scope=scope)
    assert found.verdicts.to_list()[:4] == [True, None, False, None]
    assert found.verdicts.to_list()[4:] == [True] * 30


def test_no_candidates_means_no_duplicates() -> None:
    data = loaded({"name": ["Anna", "Bob", "Carl"]})
    found = find_duplicates(
        data, LinkageSettings(compare=[Comparison(field="name", method="exact")], blocking=[["name"]])
    )
    assert found.verdicts.to_list() == [True, True, True]
    assert found.result.to_dict()["clusters"] == 0
    assert found.cluster_ids.null_count() == 3


def test_nothing_in_scope() -> None:
    data = loaded({"name": [None, None]})
    found = find_duplicates(
        data, LinkageSettings(compare=[Comparison(field="name", method="exact")], blocking=[["name"]])
    )
    assert found.verdicts.to_list() == [None, None]
    assert found.result.records_evaluated == 0


def _with_duplicates(count: int, copies: int) -> dict[str, list[str | None]]:
    """``count`` people, the first ``copies`` of them twice: a typo in the first name and the
    e-mail address in capitals."""
    crowd = people(count)
    table: dict[str, list[str | None]] = {"id": [f"p{i}" for i in range(count)], **crowd}
    for i in range(copies):
        table["id"].append(f"p{i}")
        first = crowd["first_name"][i] or ""
        table["first_name"].append(first[:-1] + ("a" if first[-1] != "a" else "e"))
        for name in ("last_name", "birth_date", "phone"):
            table[name].append(crowd[name][i])
        table["email"].append((crowd["email"][i] or "").upper())
    return table


def test_em_trained_u_finds_the_duplicates() -> None:
    data = loaded(_with_duplicates(300, 30))
    compare = [*COMPARE, Comparison(field="phone", method="phone", default_region="DE")]
    em = LinkageSettings(compare=compare, blocking=[["last_name_soundex"], ["email"]], u_estimation="em")
    found = find_duplicates(data, em, parse_date=dates())
    expected = {frozenset({f"p{i}"}) for i in range(30)}
    assert {frozenset(c) for c in _clusters(data, found.result.records)} == expected
    assert found.result.random_pairs == 0
    assert found.result.em_converged


def test_term_frequencies_make_a_shared_rare_value_count_for_more() -> None:
    surnames = ["Smith"] * 30 + ["Sondergeld"] * 2 + [f"Name{i}" for i in range(20)]
    firsts = [f"F{i % 7}" for i in range(30)] + ["Ann", "Ann"] + [f"G{i}" for i in range(20)]
    data = loaded({"last": surnames, "first": firsts})
    compare = [
        Comparison(field="last", method="exact", term_frequency=True),
        Comparison(field="first", method="exact"),
    ]
    found = find_duplicates(data, LinkageSettings(compare=compare, blocking=[["last"]], threshold=0.5))
    pairs = found.result.pairs
    rare = pairs.filter(pl.col("row_a") == 30)
    common = pairs.filter(pl.col("row_a") < 30)
    assert rare.height == 1
    if common.height:
        assert rare.get_column("match_probability").min() > common.get_column("match_probability").max()


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        (
            LinkageSettings(
                compare=[Comparison(field="frist_name", method="exact")], blocking=[["last_name"]]
            ),
            "compare[0].field: field 'frist_name' is in no source; did you mean 'first_name'?",
        ),
        (
            LinkageSettings(
                compare=[Comparison(field="first_name", method="exact")], blocking=[["lastname_soundex"]]
            ),
            "blocking[0][0]: key 'lastname_soundex' is derived from field 'lastname', which is in no source; "
            "did you mean 'last_name_soundex'?",
        ),
        (
            LinkageSettings(
                compare=[Comparison(field="first_name", method="exact")], blocking=[["email"], ["zip"]]
            ),
            "blocking[1][0]: key 'zip' is in no source",
        ),
    ],
)
def test_unknown_fields_and_keys_are_named(settings_: LinkageSettings, message: str) -> None:
    with pytest.raises(FieldError) as error:
        find_duplicates(loaded(PEOPLE), settings_)
    assert message in str(error.value)


PERSON = st.fixed_dictionaries(
    {
        "first": st.sampled_from(
            ["Anna", "Bernd", "Carla", "Dieter", "Emma", "Felix", "Greta", "Hans", "Ines", "Jan"]
        ),
        "last": st.sampled_from(
            ["Schmidt", "Becker", "Fischer", "Wagner", "Hoffmann", "Koch", "Richter", "Klein"]
        ),
        "year": st.integers(1950, 2000),
        "copies": st.integers(1, 3),
        "typo": st.booleans(),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(PERSON, min_size=2, max_size=25),
    st.randoms(use_true_random=False),
    st.sampled_from([1_000, 300_000]),
    st.sampled_from([SETTINGS.blocking, None]),
)
def test_clusters_do_not_depend_on_row_order(
    people: list[dict[str, object]], rng: object, sample: int, blocking: list[list[str]] | None
) -> None:
    rows: dict[str, list[str | None]] = {
        "id": [],
        "first_name": [],
        "last_name": [],
        "birth_date": [],
        "email": [],
    }
    for index, person in enumerate(people):
        for copy in range(int(person["copies"])):  # type: ignore[call-overload]
            first = str(person["first"])
            if copy and person["typo"]:
                first = first[:-1] + "x"
            rows["id"].append(f"{index}.{copy}")
            rows["first_name"].append(first)
            rows["last_name"].append(str(person["last"]))
            rows["birth_date"].append(f"{person['year']}-0{1 + index % 9}-1{index % 10}")
            rows["email"].append(f"{first.lower()}.{index}@x.com" if copy % 2 == 0 else None)
    order = list(range(len(rows["id"])))
    rng.shuffle(order)  # type: ignore[attr-defined]
    shuffled = {name: [values[i] for i in order] for name, values in rows.items()}
    # The default blocking (None) is of _typo keys; clusters are cut for cohesion either way.
    settings_ = LinkageSettings(compare=COMPARE, blocking=blocking, random_pairs=sample)
    data, other = loaded(rows), loaded(shuffled)
    found = find_duplicates(data, settings_, parse_date=dates())
    again = find_duplicates(other, settings_, parse_date=dates())
    assert _clusters(data, found.result.records) == _clusters(other, again.result.records)
    failing = {rows["id"][i] for i, v in enumerate(found.verdicts.to_list()) if v is False}
    assert len(failing) == len(
        {shuffled["id"][i] for i, v in enumerate(again.verdicts.to_list()) if v is False}
    )


@pytest.mark.parametrize("name", ["febrl1", "febrl2"])
def test_febrl_keeps_its_f1(febrl: Path, name: str) -> None:
    """The FEBRL rule of benchmarks/duplicates_febrl.py: pairwise F1 >= 0.999, with no
    parameter from the labels."""
    frame = pl.read_csv(febrl / f"{name}.csv", infer_schema=False)
    truth = pl.read_csv(febrl / f"{name}_true_pairs.csv", infer_schema=False)
    data = loaded({name: frame.get_column(name).to_list() for name in frame.columns if name != "rec_id"})
    found = find_duplicates(
        data,
        LinkageSettings(
            compare=[
                Comparison(field="given_name", method="jaro_winkler"),
                Comparison(field="surname", method="jaro_winkler"),
                Comparison(field="date_of_birth", method="date"),
                Comparison(field="soc_sec_id", method="levenshtein"),
                Comparison(field="street_number", method="exact"),
                Comparison(field="address_1", method="token_set"),
                Comparison(field="address_2", method="jaro_winkler"),
                Comparison(field="suburb", method="jaro_winkler"),
                Comparison(field="postcode", method="exact"),
                Comparison(field="state", method="exact"),
            ],
            blocking=[
                ["surname_soundex"],
                ["given_name_soundex"],
                ["date_of_birth"],
                ["postcode"],
                ["soc_sec_id"],
            ],
        ),
    )
    ids = frame.get_column("rec_id")
    pairs = found.result.pairs
    a, b = ids.gather(pairs.get_column("row_a")).to_list(), ids.gather(pairs.get_column("row_b")).to_list()
    predicted = {tuple(sorted(pair)) for pair in zip(a, b, strict=True)}
    true = set(
        zip(truth.get_column("rec_id_l").to_list(), truth.get_column("rec_id_r").to_list(), strict=True)
    )
    hits = len(predicted & true)
    precision, recall = hits / len(predicted), hits / len(true)
    assert 2 * precision * recall / (precision + recall) >= 0.999
    assert np.isclose(found.result.prior, len(true) / (frame.height * (frame.height - 1) / 2), rtol=0.1)


def test_duplicates_across_sources_name_the_other_source() -> None:
    crowd = people(30)
    first = pl.DataFrame({name: values[:20] for name, values in crowd.items()})
    second = pl.DataFrame({name: [*values[20:], values[3]] for name, values in crowd.items()})
    rule_set = rule_set_from_objects([{"id": "x", "check": "not_null", "field": "email"}])
    data = load_data([first, second], rule_set)
    found = find_duplicates(data, LinkageSettings(compare=COMPARE, blocking=[["email"]]), parse_date=dates())
    assert found.verdicts.to_list().count(False) == 1
    [message] = [m for m in found.messages.to_list() if m is not None]
    assert message.startswith("likely duplicate of <dataframe 0>:4 (p=")
    assert found.result.records.get_column("source").to_list() == ["<dataframe 0>", "<dataframe 1>"]
