"""Patterns counted block by block on Spark's workers are those of every candidate pair."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.linkage.conftest import dates
from tests.linkage.test_blocks import COMPARE, RULES, _prepared, _records, _rules
from veracity.linkage.blocking import candidate_pairs, key_codes, key_variants
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import pair_levels, prepare_feature
from veracity.linkage.fit import counted_frequencies, fit_model, match_probability, u_shares
from veracity.linkage.model import level_shares, patterns_of
from veracity.linkage.typo import group_pairs
from veracity.runners._spark_blocks import (
    ROW,
    shuffle_rules,
    spark_matches,
    spark_patterns,
    spark_value_counts,
)
from veracity.runners._spark_sizes import rule_sizes


@pytest.mark.parametrize("name", list(RULES))
def test_patterns_counted_on_spark_are_the_local_ones(spark: Any, name: str) -> None:
    records = _records()
    rules = _rules(RULES[name])
    values, by_field, features = _prepared(records)
    local = candidate_pairs(rules, values, by_field, max_pairs=10**9)
    level_counts = [feature.level_count for feature in features]
    expected = patterns_of(pair_levels(features, local.left, local.right), level_counts)

    frame = spark.createDataFrame(
        records.rename({"row": ROW}).with_columns(pl.col(ROW).cast(pl.Int64)).to_pandas()
    )
    shuffled = shuffle_rules(frame.repartition(3), rules, COMPARE, dates())
    got = spark_patterns(shuffled, rules, COMPARE, dates(), level_counts)

    assert np.array_equal(got.patterns.levels, expected.levels)
    assert np.array_equal(got.patterns.counts, expected.counts)
    assert got.rule_pairs == [rule.pairs for rule in local.stats]
    assert got.new_pairs == [rule.new_pairs for rule in local.stats]


@pytest.mark.parametrize("name", list(RULES))
def test_rule_sizes_counted_on_spark_are_the_local_ones(spark: Any, name: str) -> None:
    records = _records()
    rules = _rules(RULES[name])
    values, by_field, _ = _prepared(records)
    local = candidate_pairs(rules, values, by_field, max_pairs=10**9)
    largest = []
    for rule in rules:
        codes = [key_codes(key, values, by_field) for key in rule]
        if any(key.transform == "typo" for key in rule):
            variants = [key_variants(k, values, by_field) if k.transform == "typo" else None for k in rule]
            largest.append(group_pairs(codes, variants, 10**9).largest_group())
        else:
            blocks = pl.DataFrame({f"k{n}": code for n, code in enumerate(codes)})
            present = blocks.filter(pl.all_horizontal(pl.all() >= 0))
            largest.append(int(present.group_by(pl.all()).len().get_column("len").max() or 0))

    frame = spark.createDataFrame(
        records.rename({"row": ROW}).with_columns(pl.col(ROW).cast(pl.Int64)).to_pandas()
    )
    # Blocks over more partitions than rows some hold: empty partitions count nothing.
    sizes = rule_sizes(shuffle_rules(frame.repartition(3), rules, COMPARE, dates()), 10**9)

    assert [size.pairs for size in sizes] == [rule.pairs for rule in local.stats]
    assert [size.largest for size in sizes] == largest
    assert any(size.keys for size in sizes) == (name != "exact and derived")


def test_u_shares_from_value_counts_on_spark_are_the_local_ones(spark: Any) -> None:
    records = _records()
    _, _, features = _prepared(records)
    n = records.height
    levels = pair_levels(features, *np.triu_indices(n, 1))

    def sample() -> tuple[list[Any], int]:
        # Both sides draw the same pairs (here: all of them) for the shares values cannot give.
        return levels, n * (n - 1) // 2

    expected = u_shares(features, 10**6, n * (n - 1) / 2, sample)
    frame = spark.createDataFrame(records.drop("row").to_pandas())
    counted, weights = spark_value_counts(frame.repartition(3), COMPARE, dates())
    got = u_shares(counted, 10**6, n * (n - 1) / 2, sample, weights)

    assert got[1:] == expected[1:]
    for mine, theirs in zip(got[0], expected[0], strict=True):
        assert np.array_equal(mine, theirs, equal_nan=True)


def test_pairs_scored_on_spark_are_the_local_matches(spark: Any) -> None:
    records = _records()
    rules = _rules(RULES["typo first"])
    compare = [spec.model_copy(update={"term_frequency": spec.method != "phone"}) for spec in COMPARE]
    values = RecordValues(records, dates())
    features = [prepare_feature(spec, values) for spec in compare]
    local = candidate_pairs(rules, values, {f.spec.field: f for f in features}, max_pairs=10**9)
    level_counts = [feature.level_count for feature in features]
    levels = pair_levels(features, local.left, local.right)
    patterns = patterns_of(levels, level_counts)
    shares = [level_shares(lv, count, None) for lv, count in zip(levels, level_counts, strict=True)]
    model = fit_model(patterns, level_counts, shares, prior_base=float(local.left.size), u_estimation="em")
    probability = match_probability(model, patterns, features, levels, local.left)
    matched = np.flatnonzero(probability >= 0.5)
    assert matched.size > 10

    frame = spark.createDataFrame(
        records.rename({"row": ROW}).with_columns(pl.col(ROW).cast(pl.Int64)).to_pandas()
    )
    tf = {feature.spec.field: counted_frequencies(feature) for feature in features}
    shuffled = shuffle_rules(frame.repartition(3), rules, compare, dates())
    got = spark_matches(shuffled, rules, compare, dates(), model, tf, 0.5)

    expected = pl.DataFrame(
        {
            "row_a": local.left[matched],
            "row_b": local.right[matched],
            "probability": probability[matched],
            **{f"level_{k}": level[matched].astype(np.int64) for k, level in enumerate(levels)},
        }
    ).sort("row_a", "row_b")
    assert got.equals(expected)
