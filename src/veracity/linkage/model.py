"""The Fellegi-Sunter model, trained without labels.

For each comparison k and level l, ``m[k][l]`` is the probability of that level among pairs of
records of the same person, ``u[k][l]`` among pairs of different people. Assuming comparisons
are independent given the match status, a pair's match weight is the sum of ``log(m/u)`` of its
levels, and with the prior ``lambda`` (the probability that two records drawn at random match)
its match probability is ``sigmoid(logit(lambda) + weight)``. Missing values (level 0) weigh
nothing either way.

Training, like Splink's default, needs no labels:

- How often each level occurs among *all* pairs of records (its share). For a comparison with
  few distinct values, every pair of values is graded once and weighted by how many record
  pairs hold it: exact. Otherwise from random pairs of records; the exact level's share is
  then taken from the value frequencies (about the sum of p(v)^2), which is exact where a
  sample sees a rare agreement (same e-mail, same id) a handful of times at best.
- ``m`` and ``lambda`` by expectation-maximisation over the candidate pairs. ``lambda`` is a
  share of *all* pairs of records, as if the pairs blocking left out had been compared and
  found non-matches: that keeps the prior, m and u on one population, so probabilities mean
  the same whatever the blocking rules.
- ``u`` first fixed at the shares (Splink's choice: random pairs are almost all non-matches),
  then, from that solution, following the shares: all pairs are ``lambda`` matches and
  ``1 - lambda`` non-matches, so ``u = (share - lambda * m) / (1 - lambda)``, the M-step of EM
  over all pairs. Where duplicates are all that ever agree, as on e-mail addresses, the shares
  alone would mistake the duplicates' own agreement for chance and make an e-mail match look
  no more telling than the prior is small.

The EM runs on the distinct comparison patterns with their counts, not on the pairs: a few
thousand patterns summarise millions of pairs.

With ``u_estimation="em"`` both m and u (and lambda, as a share of the candidate pairs) are
trained by EM, the classic unsupervised Fellegi-Sunter: no sampling, but the probabilities then
describe candidate pairs only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "FellegiSunter",
    "Patterns",
    "initial_m",
    "level_shares",
    "non_match_u",
    "pattern_codes",
    "patterns_from_counts",
    "patterns_of",
    "train",
]

Floats = npt.NDArray[np.float64]
Levels = npt.NDArray[np.int8]

#: Weight, in pairs, of the default m (:func:`initial_m`) when estimating m: a Dirichlet prior.
#: With a handful of duplicates the defaults dominate (a rule on a small table behaves
#: sensibly); with thousands the data does. It also keeps every level's m above zero, so a
#: level never seen among the matches (a field that always agreed in training) gets a finite,
#: strongly negative weight instead of vetoing every future pair at that level.
M_PRIOR_PAIRS = 10.0
#: Pseudo-count per level for the shares from the random sample, for the same reason.
U_PSEUDO_COUNT = 0.5
MAX_ITERATIONS = 200
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Patterns:
    """The distinct rows of a pairs x comparisons level matrix, with their counts."""

    levels: npt.NDArray[np.int8]  # patterns x comparisons
    counts: Floats
    #: For each pair, the row of its pattern.
    inverse: npt.NDArray[np.int64]


@dataclass
class FellegiSunter:
    """Trained parameters. ``m[k]`` / ``u[k]`` are indexed by level; index 0 (null) is unused."""

    m: list[Floats]
    u: list[Floats]
    prior: float
    iterations: int
    converged: bool
    u_estimation: Literal["random_pairs", "em"]

    def weights(self) -> list[Floats]:
        """Natural-log Bayes factor per level of each comparison (0 for null)."""
        out = []
        for m, u in zip(self.m, self.u, strict=True):
            weight = np.zeros_like(m)
            weight[1:] = np.log(m[1:]) - np.log(u[1:])
            out.append(weight)
        return out

    def prior_log_odds(self) -> float:
        return math.log(self.prior) - math.log1p(-self.prior)

    def log_odds(self, levels: Sequence[Levels]) -> Floats:
        """Match log-odds of each pair from its levels (one int8 array per comparison)."""
        total = np.full(levels[0].shape if levels else (0,), self.prior_log_odds())
        for weight, level in zip(self.weights(), levels, strict=True):
            total += weight[level]
        return total


def patterns_of(levels: Sequence[Levels], level_counts: Sequence[int]) -> Patterns:
    """Group pairs by their comparison pattern (one integer per pattern, mixed radix)."""
    code = pattern_codes(levels, level_counts)
    unique, inverse, counts = np.unique(code, return_inverse=True, return_counts=True)
    return Patterns(
        levels=_decode(unique, level_counts), counts=counts.astype(np.float64), inverse=inverse.ravel()
    )


def pattern_codes(levels: Sequence[Levels], level_counts: Sequence[int]) -> npt.NDArray[np.int64]:
    """Each pair's pattern as one integer (the levels in mixed radix)."""
    size = len(levels[0]) if levels else 0
    code = np.zeros(size, dtype=np.int64)
    for level, count in zip(levels, level_counts, strict=True):
        code *= count + 1
        code += level
    return code


def patterns_from_counts(
    codes: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], level_counts: Sequence[int]
) -> Patterns:
    """The patterns of pairs counted elsewhere (``counts[i]`` pairs of pattern ``codes[i]``, a
    code possibly repeated): what :func:`patterns_of` gives for those pairs, without
    ``inverse`` (the pairs are not here)."""
    unique, inverse = np.unique(codes, return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=counts, minlength=unique.size)
    return Patterns(
        levels=_decode(unique, level_counts), counts=totals.astype(np.float64), inverse=np.empty(0, np.int64)
    )


def _decode(unique: npt.NDArray[np.int64], level_counts: Sequence[int]) -> npt.NDArray[np.int8]:
    decoded = np.empty((unique.size, len(level_counts)), dtype=np.int8)
    rest = unique.copy()
    for k in range(len(level_counts) - 1, -1, -1):
        decoded[:, k] = rest % (level_counts[k] + 1)
        rest //= level_counts[k] + 1
    return decoded


def initial_m(level_count: int) -> Floats:
    """Starting m: most matches agree exactly, a few at the fuzzy levels, fewer not at all."""
    m = np.full(level_count + 1, np.nan)
    if level_count == 2:
        m[1:] = (0.9, 0.1)
    else:
        middle = level_count - 2
        m[1] = 0.7
        m[2:level_count] = 0.25 / middle
        m[level_count] = 0.05
    return m


def level_shares(
    levels: Levels, level_count: int, exact: float | None, pairs: Floats | None = None
) -> Floats:
    """Share of each level among pairs of records with both values present, from the levels of
    random pairs (or of patterns, ``pairs[i]`` pairs having ``levels[i]``); the exact level's
    share from ``exact`` (value frequencies) if given."""
    counts = np.bincount(levels, weights=pairs, minlength=level_count + 1)[1:].astype(np.float64)
    shares = np.full(level_count + 1, np.nan)
    if exact is None:
        shares[1:] = (counts + U_PSEUDO_COUNT) / (counts.sum() + U_PSEUDO_COUNT * level_count)
    else:
        shares[1] = exact
        rest = counts[1:] + U_PSEUDO_COUNT
        shares[2:] = (1.0 - exact) * rest / rest.sum()
    return shares


def non_match_u(shares: Floats, m: Floats, prior: float, floor: float) -> Floats:
    """u from the level shares among all pairs, which mix matches (``prior`` of them, levels
    distributed as ``m``) and non-matches: u = (share - prior * m) / (1 - prior).

    Taking the shares as u outright would count the duplicates' own agreement as chance: in
    an e-mail column where only duplicates share an address, the share of agreeing pairs is
    about ``prior * m``, and e-mail agreement would seem no more telling than the prior is
    small. ``floor`` keeps every u positive.
    """
    u = np.full(shares.shape, np.nan)
    u[1:] = np.maximum((shares[1:] - prior * m[1:]) / (1.0 - prior), floor)
    u[1:] /= u[1:].sum()
    return u


def _estimate(weighted: npt.NDArray[Any], prior: Floats) -> Floats:
    """Level probabilities from weighted level counts (index 0, null, ignored) and a
    Dirichlet prior given as probabilities."""
    out = np.full(weighted.shape, np.nan)
    values = weighted[1:] + M_PRIOR_PAIRS * prior[1:]
    out[1:] = values / values.sum()
    return out


def train(
    patterns: Patterns,
    level_counts: Sequence[int],
    shares: list[Floats],
    *,
    total_pairs: float,
    u_estimation: Literal["random_pairs", "em"],
    floor: float,
) -> FellegiSunter:
    """EM for m and the prior, and u, over the candidate patterns.

    With ``u_estimation="random_pairs"``, ``shares`` are the level shares among all pairs of
    records and u follows from them and the current m and prior (:func:`non_match_u`): the
    M-step of an EM over all pairs in which the pairs blocking left out are non-matches.
    ``total_pairs`` is then the number of all pairs. With ``"em"``, u is trained on the
    candidates like m, starting from ``shares`` (the candidates' own level shares, mostly
    non-matches'), and ``total_pairs`` is the number of candidate pairs.
    """
    from_shares = u_estimation == "random_pairs"
    m_prior = [initial_m(count) for count in level_counts]
    m = [values.copy() for values in m_prior]
    counts = patterns.counts
    levels = patterns.levels
    # Start from "one candidate in a hundred is a match": far from any answer, so EM finds it.
    prior = min(max(0.01 * float(counts.sum()) / total_pairs, 1e-12), 0.5)
    # With shares, EM first runs with u fixed at the shares (as Splink does), which anchors u
    # in the data; only from that solution does u follow m and the prior. Coupled from the
    # start, EM can settle where chance agreements on one strong field are all "matches" and
    # u is pushed down to make them so.
    u = [np.maximum(share, floor) / np.nansum(np.maximum(share, floor)) for share in shares]
    phases = [False, True] if from_shares else [False]
    iterations = 0
    converged = False
    for coupled in phases:
        converged = False
        for _ in range(MAX_ITERATIONS):
            iterations += 1
            model = FellegiSunter(m, u, prior, iterations, False, u_estimation)
            log_odds = model.log_odds([levels[:, k] for k in range(levels.shape[1])])
            match = counts / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
            new_m = [
                _estimate(np.bincount(levels[:, k], weights=match, minlength=count + 1), m_prior[k])
                for k, count in enumerate(level_counts)
            ]
            new_prior = min(max(float(match.sum()) / total_pairs, 1e-15), 0.5)
            if coupled:
                new_u = [
                    non_match_u(share, values, new_prior, floor)
                    for share, values in zip(shares, new_m, strict=True)
                ]
            elif from_shares:
                new_u = u
            else:
                non_match = counts - match
                new_u = [
                    _estimate(np.bincount(levels[:, k], weights=non_match, minlength=count + 1), shares[k])
                    for k, count in enumerate(level_counts)
                ]
            change = max(
                abs(math.log(new_prior) - math.log(prior)),
                *(float(np.nanmax(np.abs(a - b))) for a, b in zip(new_m, m, strict=True)),
                *(
                    float(np.nanmax(np.abs(np.log(a[1:]) - np.log(b[1:]))))
                    for a, b in zip(new_u, u, strict=True)
                ),
            )
            m, u, prior = new_m, new_u, new_prior
            if change < TOLERANCE:
                converged = True
                break
    return FellegiSunter(m, u, prior, iterations, converged, u_estimation)
