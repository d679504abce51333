"""Clusters: chains of matches are one customer, one weak match between two customers is not."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.linkage.conftest import dates, loaded, people
from veracity.linkage import Comparison, LinkageSettings, clusters, find_duplicates
from veracity.linkage.clusters import cohesive_pairs

STRONG, WEAK, LOW = 0.999, 0.92, 0.01


def _kept(
    size: int, matches: dict[tuple[int, int], float], cohesion: float = 0.5, default: float = LOW
) -> set[tuple[int, int]]:
    """The matches ``cohesive_pairs`` keeps, for records 0..size-1 whose other pairs score
    ``default``."""
    matrix = np.full((size, size), default)
    for (i, j), p in matches.items():
        matrix[i, j] = matrix[j, i] = p
    left = np.array([i for i, _ in matches], dtype=np.int64)
    right = np.array([j for _, j in matches], dtype=np.int64)
    probability = np.array(list(matches.values()))
    keep = cohesive_pairs(left, right, probability, lambda a, b: matrix[a, b], cohesion)
    return {pair for pair, kept in zip(matches, keep.tolist(), strict=True) if kept}


def _chain_of_people(people_count: int) -> dict[tuple[int, int], float]:
    """Each person two records matching strongly; one weak match from each to the next."""
    matches = {(2 * i, 2 * i + 1): STRONG for i in range(people_count)}
    matches.update({(2 * i + 1, 2 * i + 2): WEAK for i in range(people_count - 1)})
    return matches


@pytest.mark.parametrize(
    ("size", "matches", "default", "expected"),
    [
        # Two people, one weak match between them: two clusters.
        (4, {(0, 1): STRONG, (2, 3): STRONG, (1, 2): WEAK}, LOW, {(0, 1), (2, 3)}),
        # A chain of one person's records: A-B and B-C match, A and C were never compared but
        # are alike enough (0.6): one cluster.
        (3, {(0, 1): STRONG, (1, 2): STRONG}, 0.6, {(0, 1), (1, 2)}),
        # A weak match between a person's two records and a third record that is like both.
        (3, {(0, 1): STRONG, (1, 2): WEAK}, 0.5, {(0, 1), (1, 2)}),
        # ... and a third that is like neither: it is left alone.
        (3, {(0, 1): STRONG, (1, 2): WEAK}, LOW, {(0, 1)}),
        # Every pair matching: one cluster, however weak.
        (3, {(0, 1): WEAK, (1, 2): WEAK, (0, 2): WEAK}, LOW, {(0, 1), (1, 2), (0, 2)}),
        # Twelve people chained by weak matches: twelve clusters, not one of 24 records.
        (24, _chain_of_people(12), LOW, {(2 * i, 2 * i + 1) for i in range(12)}),
        # Two triples joined by two weak matches: the weak ones go.
        (
            6,
            {(0, 1): STRONG, (1, 2): STRONG, (3, 4): STRONG, (4, 5): STRONG, (2, 3): WEAK, (0, 5): WEAK},
            LOW,
            {(0, 1), (1, 2), (3, 4), (4, 5)},
        ),
    ],
)
@pytest.mark.parametrize(
    "fully_scored", [1_000, 0], ids=["all pairs scored up front", "pairs scored when needed"]
)
def test_weak_matches_between_groups_that_do_not_match_are_cut(
    size: int,
    matches: dict[tuple[int, int], float],
    default: float,
    expected: set[tuple[int, int]],
    fully_scored: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clusters, "FULLY_SCORED", fully_scored)
    assert _kept(size, matches, default=default) == expected


def test_a_long_chain_is_cut_without_recursion(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,100 people chained by weak matches, each a little stronger than the one before: each
    # cut peels one person off, 1,100 cuts deep, more than Python's recursion limit.
    monkeypatch.setattr(clusters, "FULLY_SCORED", 0)
    people_count = 1_100
    matches = _chain_of_people(people_count)
    for i in range(people_count - 1):
        matches[(2 * i + 1, 2 * i + 2)] = WEAK + i * 1e-5
    assert _kept(2 * people_count, matches) == {(2 * i, 2 * i + 1) for i in range(people_count)}


def test_beyond_the_scoring_budget_only_the_matches_between_parts_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pairs across the parts are not scored: the weak match is all that is known of them,
    # and it is a match.
    monkeypatch.setattr(clusters, "FULLY_SCORED", 0)
    monkeypatch.setattr(clusters, "SCORED_ACROSS", 0)
    matches = {(0, 1): STRONG, (2, 3): STRONG, (1, 2): WEAK}
    assert _kept(4, matches) == set(matches)


def test_cohesion_zero_keeps_every_chain() -> None:
    matches = _chain_of_people(12)
    assert _kept(24, matches, cohesion=0.0) == set(matches)


def _two_people_and_a_weak_link() -> dict[str, list[str | None]]:
    """400 people (40 of them twice) and two more, x and y, with two records each; x's second
    record has no last name and no e-mail address, and is like both of y's: same first name,
    birth date a digit apart, same city (a match of p 0.896, above a threshold of 0.85)."""
    count = 400
    crowd = people(count, seed=3)
    rng = np.random.default_rng(5)
    rows: dict[str, list[str | None]] = {
        "id": [f"p{i}" for i in range(count)],
        "first_name": [f"Name{i}" for i in rng.integers(0, 40, count).tolist()],
        "last_name": crowd["last_name"],
        "birth_date": crowd["birth_date"],
        "city": [f"City{i}" for i in rng.integers(0, 15, count).tolist()],
        "email": crowd["email"],
    }
    for i in range(40):
        for name in rows:
            rows[name].append(rows[name][i] if name != "email" or i % 2 else None)
    extra: dict[str, list[str | None]] = {
        "id": ["x", "x", "y", "y"],
        "first_name": ["Martin"] * 4,
        "last_name": ["Kowalski", None, "Brenner", "Brenner"],
        "birth_date": ["1975-06-12", "1975-06-12", "1975-06-13", "1975-06-13"],
        "city": ["Hamburg"] * 4,
        "email": ["mk@a.de", None, "mb@b.de", "mb@b.de"],
    }
    for name, values in extra.items():
        rows[name] += values
    return rows


@pytest.mark.parametrize(
    ("cohesion", "expected"), [(0.5, [["x", "x"], ["y", "y"]]), (0.0, [["x", "x", "y", "y"]])]
)
def test_one_weak_link_does_not_chain_two_people(cohesion: float, expected: list[list[str]]) -> None:
    data = loaded(_two_people_and_a_weak_link())
    compare = [
        Comparison(field="first_name", method="jaro_winkler"),
        Comparison(field="last_name", method="jaro_winkler"),
        Comparison(field="birth_date", method="date"),
        Comparison(field="city", method="exact"),
        Comparison(field="email", method="email"),
    ]
    settings = LinkageSettings(
        compare=compare,
        blocking=[["first_name", "city"], ["email"], ["last_name"]],
        threshold=0.85,
        cohesion=cohesion,
    )
    found = find_duplicates(data, settings, parse_date=dates())
    ids = data.frame.get_column("id")
    records = found.result.records.with_columns(
        ids.gather(found.result.records.get_column("row")).alias("id")
    )
    clusters = sorted(
        sorted(group) for group in records.group_by("cluster_id").agg("id").get_column("id").to_list()
    )
    # The 40 people entered twice are found, each alone in its cluster.
    assert len(clusters) == 40 + len(expected)
    assert all(len(c) == 2 and c[0] == c[1] for c in clusters if c[0].startswith("p"))
    assert [c for c in clusters if c[0] in ("x", "y")] == expected
    # Every pair listed is within its cluster; a record's best match is in its cluster.
    pairs = found.result.pairs
    cluster_of = dict(
        zip(records.get_column("row").to_list(), records.get_column("cluster_id").to_list(), strict=True)
    )
    assert all(
        cluster_of[a] == cluster_of[b] == c
        for a, b, c in pairs.select("row_a", "row_b", "cluster_id").iter_rows()
    )
    assert records.filter(pl.col("matched_row").is_not_null()).height == records.height
    # The JSON summary says how clusters were formed and how many weak matches were cut.
    summary = found.result.to_dict()
    assert (summary["cohesion"], summary["matches_cut"]) == (cohesion, 2 if cohesion else 0)
