"""The model from the candidates' comparison patterns, and the match probability of pairs.

Both steps read figures that add up over parts of the data (pattern counts, level shares,
value frequencies), so the local pipeline and a distributed run that gathers those figures
train the same model and score pairs alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.linkage.features import Feature, pair_levels
from veracity.linkage.model import FellegiSunter, Patterns, initial_m, level_shares, non_match_u, train

__all__ = [
    "Frequencies",
    "counted_frequencies",
    "fit_model",
    "match_probability",
    "pair_probability",
    "probability_of",
    "record_frequencies",
    "tf_adjustment",
    "u_shares",
]

Index = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Levels = npt.NDArray[np.int8]
#: A feature's term frequency per record (NaN where missing), and how many records have a value.
Frequencies = Callable[[Feature], tuple[Floats, int]]


def record_frequencies(feature: Feature) -> tuple[Floats, int]:
    """Term frequencies among the feature's own records (the local pipeline's: all records)."""
    return feature.term_frequencies(), max(int((feature.codes >= 0).sum()), 1)


def u_shares(
    features: Sequence[Feature],
    budget: int,
    total_pairs: float,
    sample: Callable[[], tuple[Sequence[Levels], int]],
    weights: Sequence[Floats | None] | None = None,
) -> tuple[list[Floats], list[str], int]:
    """The level shares among all pairs of records that u follows from (``u_estimation:
    random_pairs``): exact from the value frequencies where a feature's level depends on its
    two values only and there are at most ``budget`` value pairs, else from the levels of
    random pairs, drawn once by ``sample`` (levels per feature, pairs drawn). ``weights[k]``:
    the records of ``features[k]`` stand for that many records each (one record per distinct
    value). Returns the shares, where each came from, and the pairs drawn (0: none)."""
    shares: list[Floats] = []
    sources: list[str] = []
    sample_levels: Sequence[Levels] | None = None
    sample_size = 0
    for k, feature in enumerate(features):
        counted = None if weights is None else weights[k]
        exact = feature.value_pair_shares(budget, counted)
        if exact is None:
            if sample_levels is None:
                sample_levels, sample_size = sample()
            exact = level_shares(sample_levels[k], feature.level_count, feature.exact_share(counted))
            sources.append("random pairs" if sample_size < total_pairs else "all pairs")
        else:
            sources.append("all pairs")
        shares.append(exact)
    return shares, sources, sample_size


def counted_frequencies(counted: Feature, weights: Floats | None = None) -> Frequencies:
    """Term frequencies among the records ``counted`` stands for (``weights`` as in
    :meth:`~veracity.linkage.features.Feature.value_counts`), for the records of any other
    feature of the same comparison: looked up by value, not by code."""
    counts = counted.value_counts(weights)
    table = pl.DataFrame(
        {"value": pl.Series(counted.values, dtype=pl.String), "count": counts},
        schema={"value": pl.String, "count": pl.Float64},
    )
    present = max(int(counts.sum()), 1)

    def frequencies(feature: Feature) -> tuple[Floats, int]:
        values = pl.DataFrame(
            {"value": pl.Series(feature.values, dtype=pl.String)}, schema={"value": pl.String}
        )
        per_value = values.join(table, on="value", how="left", maintain_order="left").get_column("count")
        known = feature.codes >= 0
        out = np.full(feature.codes.shape, np.nan)
        out[known] = per_value.fill_null(0.0).to_numpy()[feature.codes[known]] / present
        return out, present

    return frequencies


def fit_model(
    patterns: Patterns | None,
    level_counts: Sequence[int],
    shares: list[Floats],
    *,
    prior_base: float,
    u_estimation: Literal["random_pairs", "em"],
) -> FellegiSunter:
    """EM over the candidates' ``patterns`` (None: there are no candidates, and the model is
    the starting one). ``prior_base`` is the number of pairs the prior is a share of: all pairs
    of records with u from random pairs, the candidates with u by EM."""
    # One pair in the population is the least an agreement can be seen in.
    floor = 0.5 / prior_base
    if patterns is not None:
        return train(
            patterns, level_counts, shares, total_pairs=prior_base, u_estimation=u_estimation, floor=floor
        )
    return FellegiSunter(
        m=[initial_m(count) for count in level_counts],
        u=[non_match_u(share, np.zeros_like(share), 0.0, floor) for share in shares],
        prior=1.0 / max(prior_base, 1.0),
        iterations=0,
        converged=True,
        u_estimation=u_estimation,
    )


def tf_adjustment(
    features: Sequence[Feature],
    model: FellegiSunter,
    levels: Sequence[npt.NDArray[np.int8]],
    left: Index,
    frequencies: Frequencies = record_frequencies,
) -> Floats | None:
    """Term-frequency adjustment of the exact level: log(u_exact / tf(value)), so that sharing
    a rare value counts for more than sharing a common one."""
    total: Floats | None = None
    for k, feature in enumerate(features):
        if not feature.spec.term_frequency:
            continue
        shares, present = frequencies(feature)
        exact = np.flatnonzero(levels[k] == 1)
        if total is None:
            total = np.zeros(left.size)
        tf = np.maximum(shares[left[exact]], 1.0 / present)
        total[exact] += math.log(model.u[k][1]) - np.log(tf)
    return total


def match_probability(
    model: FellegiSunter,
    patterns: Patterns,
    features: Sequence[Feature],
    levels: Sequence[npt.NDArray[np.int8]],
    left: Index,
    frequencies: Frequencies = record_frequencies,
) -> Floats:
    """Each pair's match probability: the log-odds of its pattern (``patterns`` of these pairs,
    with ``inverse``), adjusted for term frequencies."""
    log_odds = model.log_odds([patterns.levels[:, k] for k in range(len(features))])[patterns.inverse]
    adjustment = tf_adjustment(features, model, levels, left, frequencies)
    if adjustment is not None:
        log_odds += adjustment
    return probability_of(log_odds)


def pair_probability(
    model: FellegiSunter,
    features: Sequence[Feature],
    left: Index,
    right: Index,
    frequencies: Frequencies = record_frequencies,
) -> Floats:
    """The match probability of any pairs of the features' records (what cohesion asks about
    pairs that are not candidates)."""
    levels = pair_levels(features, left, right)
    log_odds = model.log_odds(levels)
    adjustment = tf_adjustment(features, model, levels, left, frequencies)
    if adjustment is not None:
        log_odds += adjustment
    return probability_of(log_odds)


def probability_of(log_odds: Floats) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
    return result
