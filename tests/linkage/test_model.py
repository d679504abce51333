"""Fellegi-Sunter EM recovers planted parameters; patterns round-trip; clusters are components."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.linkage.clusters import components
from veracity.linkage.model import non_match_u, patterns_of, train

M = [
    np.array([np.nan, 0.80, 0.15, 0.05]),
    np.array([np.nan, 0.70, 0.20, 0.10]),
    np.array([np.nan, 0.90, 0.05, 0.05]),
]
U = [
    np.array([np.nan, 0.01, 0.04, 0.95]),
    np.array([np.nan, 0.05, 0.15, 0.80]),
    np.array([np.nan, 0.002, 0.008, 0.99]),
]
LEVELS = [3, 3, 3]


def _draw(rng: np.random.Generator, probabilities: list[np.ndarray], count: int) -> list[np.ndarray]:
    return [rng.choice([1, 2, 3], count, p=p[1:]).astype(np.int8) for p in probabilities]


def _planted(seed: int, matches: int, non_matches: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    m_levels, u_levels = _draw(rng, M, matches), _draw(rng, U, non_matches)
    return [np.concatenate([a, b]) for a, b in zip(m_levels, u_levels, strict=True)]


def test_em_with_random_pair_shares_recovers_m_u_and_the_prior() -> None:
    # 2,000 matches among 1e6 pairs, all of them candidates: EM over the whole population.
    total, matches = 1_000_000, 2_000
    prior = matches / total
    levels = _planted(1, matches, total - matches)
    shares = [prior * m + (1 - prior) * u for m, u in zip(M, U, strict=True)]
    model = train(
        patterns_of(levels, LEVELS),
        LEVELS,
        shares,
        total_pairs=total,
        u_estimation="random_pairs",
        floor=1e-9,
    )
    assert model.converged
    assert model.prior == pytest.approx(prior, rel=0.05)
    for trained, planted in zip(model.m, M, strict=True):
        assert trained[1:] == pytest.approx(planted[1:], abs=0.02)
    for trained, planted in zip(model.u, U, strict=True):
        assert trained[1:] == pytest.approx(planted[1:], rel=0.05, abs=1e-3)


def test_em_without_sampling_recovers_m_and_u_on_the_candidates() -> None:
    levels = _planted(2, 3_000, 30_000)
    # A uniform start is symmetric in m and u; start u from the candidates' shares, as the
    # pipeline does.
    start = [np.array([np.nan, *(np.bincount(level, minlength=4)[1:] / level.size)]) for level in levels]
    model = train(
        patterns_of(levels, LEVELS), LEVELS, start, total_pairs=33_000, u_estimation="em", floor=1e-9
    )
    assert model.prior == pytest.approx(3_000 / 33_000, rel=0.05)
    for trained, planted in zip(model.m, M, strict=True):
        assert trained[1:] == pytest.approx(planted[1:], abs=0.03)
    for trained, planted in zip(model.u, U, strict=True):
        assert trained[1:] == pytest.approx(planted[1:], abs=0.01)


def test_u_excludes_the_matches_own_agreement() -> None:
    # Only duplicates share an address: every agreeing pair is a match.
    shares = np.array([np.nan, 1e-6, 1 - 1e-6])
    m = np.array([np.nan, 1.0, 0.0])
    u = non_match_u(shares, m, prior=1e-6, floor=1e-12)
    assert u[1] == pytest.approx(1e-12, rel=0.01)


def test_patterns_round_trip() -> None:
    levels = [np.array([0, 1, 2, 1], dtype=np.int8), np.array([3, 3, 0, 3], dtype=np.int8)]
    patterns = patterns_of(levels, [2, 3])
    assert patterns.counts.tolist() == [1.0, 2.0, 1.0] or sorted(patterns.counts.tolist()) == [1.0, 1.0, 2.0]
    rebuilt = patterns.levels[patterns.inverse]
    assert rebuilt[:, 0].tolist() == levels[0].tolist()
    assert rebuilt[:, 1].tolist() == levels[1].tolist()


def _reference_components(size: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(size))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(size)]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60)
        )
    )
)
def test_components_label_each_node_with_its_components_smallest_node(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    size, edges = graph
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    assert components(left, right, size).tolist() == _reference_components(size, edges)
